//! STIX 2.1 bundles → an [`Advisory`] (reference/interop.md §3, the project's convention).
//!
//! The bundle (`{"type": "bundle", "id": "bundle--…", "objects": […]}`) must hold exactly one
//! `report` carrying `x_risk_multipliers` (`{"<peril>": m}`) and `x_risk_valid_until`. Its `id`
//! is the advisory's id, `name` the title, `published` the start of validity. Industries come
//! from `x_risk_industries` (the service's names) or, when that is absent, from the `sectors` of
//! the `identity` objects the report references (`object_refs`), mapped from the STIX
//! industry-sector vocabulary. The TLP label comes from the report's `object_marking_refs`: a
//! TLP 1.0 or 2.0 marking definition of the bundle, or one of the well-known TLP marking ids;
//! an unmarked report is treated as TLP:AMBER (the cautious reading of "no label"). The source is
//! the `name` of the identity in `created_by_ref`, else the bundle id. Imported feeds are
//! untrusted input: every field is checked exactly as the native form's.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Advisory, AdvisoryError, Raw};
use crate::error::FieldError;
use crate::params::{SharingParams, Tlp};

/// Most objects a bundle may hold.
const MAX_OBJECTS: usize = 10_000;

/// Well-known marking-definition ids of TLP 1.0 and TLP 2.0 (STIX 2.1 §7.2.1.4 and the TLP 2.0
/// extension's published definitions).
const TLP_IDS: [(&str, Tlp); 9] = [
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Tlp::Red,
    ),
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Clear,
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Green,
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::Amber,
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::AmberStrict,
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        Tlp::Red,
    ),
];

/// The service's industry for a STIX industry-sector-ov value (None: not one we price).
fn industry_of_sector(sector: &str) -> Option<&'static str> {
    Some(match sector {
        "aerospace" | "automotive" | "defense" | "manufacturing" => "manufacturing",
        "chemical" | "pharmaceuticals" => "chemicals",
        "communications" | "technology" | "telecommunications" => "information_technology",
        "education" => "education",
        "energy" | "nuclear" => "energy",
        "financial-services" | "insurance" => "finance",
        "government"
        | "government-national"
        | "government-regional"
        | "government-local"
        | "government-public-services"
        | "government-emergency-services" => "public",
        "healthcare" => "healthcare",
        "retail" | "commercial" | "hospitality-leisure" => "retail",
        "utilities" | "water" | "dams" | "infrastructure" => "utilities",
        "legal" | "professional-services" => "professional_services",
        "agriculture" | "construction" | "entertainment" | "mining" | "non-profit"
        | "transportation" => "other",
        _ => return None,
    })
}

fn malformed(path: impl Into<String>, message: impl Into<String>) -> AdvisoryError {
    AdvisoryError::Malformed(FieldError::new(path, message))
}

/// A string property of `o` at `path` (None when absent).
fn string(o: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, AdvisoryError> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(malformed(format!("{path}.{key}"), "must be a string")),
    }
}

/// A list of strings at `path` (empty when absent).
fn strings(o: &Map<String, Value>, key: &str, path: &str) -> Result<Vec<String>, AdvisoryError> {
    match o.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| malformed(format!("{path}.{key}[{i}]"), "must be a string"))
            })
            .collect(),
        Some(_) => Err(malformed(
            format!("{path}.{key}"),
            "must be a list of strings",
        )),
    }
}

/// The TLP label a marking-definition object states, if it is a TLP marking.
fn tlp_of_marking(o: &Map<String, Value>) -> Option<Tlp> {
    // TLP 1.0: definition_type "tlp", definition {"tlp": "amber"}.
    if let Some(t) = o
        .get("definition")
        .and_then(|d| d.get("tlp"))
        .and_then(Value::as_str)
    {
        return Tlp::parse(t);
    }
    // TLP 2.0: an extension {"tlp_2_0": "amber+strict"} or the name "TLP:AMBER+STRICT".
    if let Some(ext) = o.get("extensions").and_then(Value::as_object) {
        for v in ext.values() {
            if let Some(t) = v.get("tlp_2_0").and_then(Value::as_str) {
                return Tlp::parse(t);
            }
        }
    }
    o.get("name").and_then(Value::as_str).and_then(Tlp::parse)
}

pub(super) fn parse(json: &str, params: &SharingParams) -> Result<Advisory, AdvisoryError> {
    let doc: Value = serde_json::from_str(json).map_err(|e| malformed("bundle", e.to_string()))?;
    let Some(bundle) = doc.as_object() else {
        return Err(malformed("bundle", "must be a STIX bundle object"));
    };
    if bundle.get("type").and_then(Value::as_str) != Some("bundle") {
        return Err(malformed("type", "must be \"bundle\""));
    }
    let bundle_id = string(bundle, "id", "bundle")?
        .filter(|id| id.starts_with("bundle--"))
        .ok_or_else(|| malformed("id", "must be a bundle id (bundle--<uuid>)"))?;
    let Some(Value::Array(objects)) = bundle.get("objects") else {
        return Err(malformed("objects", "must be a list of STIX objects"));
    };
    if objects.len() > MAX_OBJECTS {
        return Err(malformed(
            "objects",
            format!("must hold at most {MAX_OBJECTS} objects"),
        ));
    }
    let mut by_id: BTreeMap<String, (usize, &Map<String, Value>)> = BTreeMap::new();
    let mut reports = Vec::new();
    for (i, v) in objects.iter().enumerate() {
        let path = format!("objects[{i}]");
        let o = v
            .as_object()
            .ok_or_else(|| malformed(&path, "must be a STIX object"))?;
        let kind = string(o, "type", &path)?
            .ok_or_else(|| malformed(format!("{path}.type"), "is missing"))?;
        let id =
            string(o, "id", &path)?.ok_or_else(|| malformed(format!("{path}.id"), "is missing"))?;
        if !id.starts_with(&format!("{kind}--")) {
            return Err(malformed(
                format!("{path}.id"),
                format!("must start with \"{kind}--\""),
            ));
        }
        if kind == "report" && o.contains_key("x_risk_multipliers") {
            reports.push(i);
        }
        by_id.insert(id, (i, o));
    }
    let i = match reports.as_slice() {
        [i] => *i,
        [] => {
            return Err(malformed(
                "objects",
                "must hold a report with x_risk_multipliers",
            ));
        }
        _ => {
            return Err(malformed(
                format!("objects[{}]", reports[1]),
                "only one report with x_risk_multipliers per bundle",
            ));
        }
    };
    let path = format!("objects[{i}]");
    let report = objects[i].as_object().expect("checked above");
    if let Some(v) = string(report, "spec_version", &path)?
        && v != "2.1"
    {
        return Err(malformed(format!("{path}.spec_version"), "must be \"2.1\""));
    }
    let need = |key: &str| -> Result<String, AdvisoryError> {
        string(report, key, &path)?.ok_or_else(|| malformed(format!("{path}.{key}"), "is missing"))
    };
    let id = need("id")?;
    let title = need("name")?;
    let published = need("published")?;
    let valid_until = need("x_risk_valid_until")?;
    let multipliers: BTreeMap<String, f64> = match report.get("x_risk_multipliers") {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                v.as_f64().map(|x| (k.clone(), x)).ok_or_else(|| {
                    malformed(format!("{path}.x_risk_multipliers.{k}"), "must be a number")
                })
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(malformed(
                format!("{path}.x_risk_multipliers"),
                "must be an object {\"<peril>\": multiplier}",
            ));
        }
    };

    let mut errors = Vec::new();
    let industries = if report.contains_key("x_risk_industries") {
        (
            format!("{path}.x_risk_industries"),
            strings(report, "x_risk_industries", &path)?,
        )
    } else {
        let mut names = Vec::new();
        for (j, r) in strings(report, "object_refs", &path)?.iter().enumerate() {
            let Some((k, o)) = by_id.get(r) else {
                if r.starts_with("identity--") {
                    errors.push(FieldError::new(
                        format!("{path}.object_refs[{j}]"),
                        "names an identity that is not in the bundle",
                    ));
                }
                continue;
            };
            if o.get("type").and_then(Value::as_str) != Some("identity") {
                continue;
            }
            let ipath = format!("objects[{k}]");
            for (s, sector) in strings(o, "sectors", &ipath)?.iter().enumerate() {
                match industry_of_sector(sector) {
                    Some(ind) => names.push(ind.to_string()),
                    None => errors.push(FieldError::new(
                        format!("{ipath}.sectors[{s}]"),
                        "not a STIX industry sector the model prices",
                    )),
                }
            }
        }
        (format!("{path}.object_refs"), names)
    };

    let mut tlp = None;
    for (j, r) in strings(report, "object_marking_refs", &path)?
        .iter()
        .enumerate()
    {
        let known = TLP_IDS.iter().find(|(id, _)| id == r).map(|(_, t)| *t);
        let found = known.or_else(|| by_id.get(r).and_then(|(_, o)| tlp_of_marking(o)));
        match found {
            // The most restrictive label wins when several are given.
            Some(t) => tlp = Some(tlp.map_or(t, |u: Tlp| u.max(t))),
            None if r.starts_with("marking-definition--") && !by_id.contains_key(r) => {
                errors.push(FieldError::new(
                    format!("{path}.object_marking_refs[{j}]"),
                    "names a marking definition that is neither in the bundle nor a TLP marking",
                ));
            }
            None => {}
        }
    }
    let source = match string(report, "created_by_ref", &path)? {
        Some(r) => by_id
            .get(&r)
            .and_then(|(_, o)| o.get("name"))
            .and_then(Value::as_str)
            .map_or_else(|| r.clone(), str::to_string),
        None => bundle_id,
    };
    let raw = Raw {
        id: ("id", id),
        title: ("name", title),
        industries,
        multipliers: ("x_risk_multipliers", multipliers),
        valid_from: ("published", published),
        valid_until: ("x_risk_valid_until", valid_until),
        source: ("created_by_ref", source),
        tlp: ("object_marking_refs", tlp.unwrap_or(Tlp::Amber)),
    };
    // Report paths are relative to the report object.
    raw.check(params, errors).map_err(|e| match e {
        AdvisoryError::Invalid(v) => AdvisoryError::Invalid(
            v.into_iter()
                .map(|f| {
                    if f.field.starts_with("objects[") {
                        f
                    } else {
                        FieldError::new(format!("{path}.{}", f.field), f.message)
                    }
                })
                .collect(),
        ),
        other => other,
    })
}
