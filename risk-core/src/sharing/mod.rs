//! Information sharing (contract §13): hubs' advisories and the sector threat table they make.
//!
//! An [`Advisory`] raises (or lowers) the frequency of some perils in some industries between
//! `valid_from` (inclusive) and `valid_until` (exclusive). It comes as the service's own JSON
//! ([`Advisory::parse`]) or as a STIX 2.1 bundle ([`Advisory::from_stix`], `stix.rs`). The table
//! in force at an instant ([`ThreatTable::derive`]) is, per industry and peril, the admin's base
//! level times the combined factor of the advisories in force then, under the model's rule and
//! bounds ([`SharingParams`]). Everything here is a pure function of its inputs: the caller
//! supplies "now".
//!
//! ```
//! use risk_core::params::{ModelParams, DEFAULT_MODEL};
//! use risk_core::sharing::{Advisory, ThreatTable};
//! use risk_core::vocab::{Industry, Peril};
//! use time::macros::datetime;
//!
//! let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
//! let a = Advisory::parse(r#"{"id": "jcsip-2026-17", "title": "Ransomware on hospitals",
//!     "industries": ["healthcare"], "multipliers": {"ransomware": 1.5},
//!     "valid_from": "2026-12-01", "valid_until": "2027-01-31",
//!     "source": "J-CSIP healthcare liaison group", "tlp": "green"}"#, &params.sharing).unwrap();
//! let table = ThreatTable::derive(&Default::default(), &[a], datetime!(2026-12-06 0:00 UTC), &params.sharing);
//! assert_eq!(table.multiplier(Industry::Healthcare, Peril::Ransomware), 1.5);
//! assert_eq!(table.multiplier(Industry::Finance, Peril::Ransomware), 1.0);
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::error::FieldError;
use crate::params::{SharingParams, Tlp, parse_date};
use crate::vocab::{Industry, PERILS, Peril};

mod stix;

/// Longest advisory id.
const MAX_ID: usize = 128;
/// Most industries or perils one advisory may name.
const MAX_NAMES: usize = 64;

/// Why an advisory was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AdvisoryError {
    /// Not JSON, or not the advisory's (or a STIX bundle's) shape; the first such error.
    #[error("{0}")]
    Malformed(FieldError),
    /// Well-formed but invalid values; every one of them.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
}

impl AdvisoryError {
    /// Every field error.
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            AdvisoryError::Malformed(e) => vec![e.clone()],
            AdvisoryError::Invalid(v) => v.clone(),
        }
    }
}

/// A validated advisory.
#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    /// The hub's id for it (a STIX report's id when it came as STIX).
    pub id: String,
    /// Headline.
    pub title: String,
    /// Industries it concerns (sorted, no repeats).
    pub industries: Vec<Industry>,
    /// Frequency multiplier per peril it names.
    pub multipliers: BTreeMap<Peril, f64>,
    /// In force from this instant…
    pub valid_from: OffsetDateTime,
    /// …until just before this one.
    pub valid_until: OffsetDateTime,
    /// Where it comes from.
    pub source: String,
    /// Traffic Light Protocol label.
    pub tlp: Tlp,
}

/// The service's own JSON form (contract §13).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    id: String,
    title: String,
    industries: Vec<String>,
    multipliers: BTreeMap<String, f64>,
    valid_from: String,
    valid_until: String,
    source: String,
    tlp: String,
}

/// The fields of an advisory before their checks, from either form, with the path each came
/// from (so STIX errors name STIX paths).
pub(crate) struct Raw<'a> {
    pub(crate) id: (&'a str, String),
    pub(crate) title: (&'a str, String),
    pub(crate) industries: (String, Vec<String>),
    pub(crate) multipliers: (&'a str, BTreeMap<String, f64>),
    pub(crate) valid_from: (&'a str, String),
    pub(crate) valid_until: (&'a str, String),
    pub(crate) source: (&'a str, String),
    pub(crate) tlp: (&'a str, Tlp),
}

/// An instant written as RFC 3339 or as a date (`YYYY-MM-DD`, the start of that day UTC; with
/// `end_of_day`, the start of the next day, so a date `valid_until` includes that day).
pub fn parse_instant(s: &str, end_of_day: bool) -> Option<OffsetDateTime> {
    if let Some(d) = parse_date(s) {
        let start = d.midnight().assume_utc();
        return Some(if end_of_day {
            start + Duration::days(1)
        } else {
            start
        });
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(UtcOffset::UTC))
}

/// An instant as RFC 3339 UTC text.
pub fn format_instant(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

impl Advisory {
    /// Parses and validates the service's JSON form.
    ///
    /// # Errors
    /// [`AdvisoryError::Malformed`] for JSON or shape errors (unknown field, wrong type);
    /// [`AdvisoryError::Invalid`] listing every invalid value (unknown industry or peril, a
    /// multiplier outside the model's bounds, an empty list, dates out of order, an unknown TLP
    /// label, text that is too long or carries control characters).
    pub fn parse(json: &str, params: &SharingParams) -> Result<Advisory, AdvisoryError> {
        let w: Wire = crate::error::parse_document(json, "advisory", |path, message| {
            // A missing field is named itself, not the object that lacks it.
            let missing = message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next());
            match (crate::error::is_root(path), missing) {
                (true, Some(m)) => m.to_string(),
                (true, None) => "advisory".into(),
                (false, Some(m)) => format!("{path}.{m}"),
                (false, None) => path.to_string(),
            }
        })
        .map_err(AdvisoryError::Malformed)?;
        let mut errors = Vec::new();
        let tlp = Tlp::parse(&w.tlp).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "tlp",
                "must be clear, green, amber, amber+strict or red",
            ));
            Tlp::Red
        });
        let raw = Raw {
            id: ("id", w.id),
            title: ("title", w.title),
            industries: ("industries".into(), w.industries),
            multipliers: ("multipliers", w.multipliers),
            valid_from: ("valid_from", w.valid_from),
            valid_until: ("valid_until", w.valid_until),
            source: ("source", w.source),
            tlp: ("tlp", tlp),
        };
        raw.check(params, errors)
    }

    /// Parses a STIX 2.1 bundle carrying one advisory (reference/interop.md §3).
    ///
    /// # Errors
    /// As [`Advisory::parse`], with STIX paths (`objects[2].x_risk_multipliers.ransomware`).
    pub fn from_stix(json: &str, params: &SharingParams) -> Result<Advisory, AdvisoryError> {
        stix::parse(json, params)
    }

    /// Whether it applies at `at`: valid_from ≤ at < valid_until.
    pub fn in_force(&self, at: OffsetDateTime) -> bool {
        self.valid_from <= at && at < self.valid_until
    }

    /// Its multiplier on an industry and peril, if it names both.
    pub fn multiplier(&self, industry: Industry, peril: Peril) -> Option<f64> {
        if self.industries.contains(&industry) {
            self.multipliers.get(&peril).copied()
        } else {
            None
        }
    }
}

impl Raw<'_> {
    /// Every check of an advisory's fields; `errors` holds those found already.
    pub(crate) fn check(
        self,
        params: &SharingParams,
        mut errors: Vec<FieldError>,
    ) -> Result<Advisory, AdvisoryError> {
        let mut err = |f: String, m: String| errors.push(FieldError::new(f, m));
        let (path, id) = &self.id;
        if id.is_empty() || id.chars().count() > MAX_ID {
            err(
                path.to_string(),
                format!("must be 1 to {MAX_ID} characters"),
            );
        } else if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        {
            err(
                path.to_string(),
                "may hold only ASCII letters, digits, '-', '_', '.' and ':'".into(),
            );
        }
        for (path, text, max) in [
            (self.title.0, &self.title.1, 500),
            (self.source.0, &self.source.1, 2000),
        ] {
            if let Some(m) = crate::text::problem(text, max) {
                err(path.to_string(), m);
            }
        }
        let (path, names) = &self.industries;
        let mut industries = Vec::new();
        if names.is_empty() || names.len() > MAX_NAMES {
            err(
                path.clone(),
                format!("must name 1 to {MAX_NAMES} industries"),
            );
        }
        for (i, n) in names.iter().enumerate() {
            match Industry::parse(n) {
                Some(ind) => industries.push(ind),
                None => err(format!("{path}[{i}]"), "unknown industry".into()),
            }
        }
        industries.sort();
        industries.dedup();
        let (path, map) = &self.multipliers;
        let mut multipliers = BTreeMap::new();
        if map.is_empty() {
            err(path.to_string(), "must name at least one peril".into());
        }
        for (k, &m) in map {
            let p = format!("{path}.{k}");
            match Peril::parse(k) {
                None => err(p, "unknown peril".into()),
                Some(_) if !params.in_bounds(m) => err(
                    p,
                    format!("must be a number in [{}, {}]", params.min, params.max),
                ),
                Some(peril) => {
                    multipliers.insert(peril, m);
                }
            }
        }
        let from = parse_instant(&self.valid_from.1, false);
        let until = parse_instant(&self.valid_until.1, true);
        for (path, t) in [(self.valid_from.0, from), (self.valid_until.0, until)] {
            if t.is_none() {
                err(
                    path.to_string(),
                    "must be a date YYYY-MM-DD or an RFC 3339 time".into(),
                );
            }
        }
        if let (Some(f), Some(u)) = (from, until)
            && u <= f
        {
            err(
                self.valid_until.0.to_string(),
                "must be later than valid_from".into(),
            );
        }
        match (errors.is_empty(), from, until) {
            (true, Some(valid_from), Some(valid_until)) => Ok(Advisory {
                id: self.id.1,
                title: self.title.1,
                industries,
                multipliers,
                valid_from,
                valid_until,
                source: self.source.1,
                tlp: self.tlp.1,
            }),
            _ => Err(AdvisoryError::Invalid(errors)),
        }
    }
}

/// One industry and peril of the table in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The frequency multiplier in force.
    pub multiplier: f64,
    /// The admin's base level it started from (1 unless overridden).
    pub base: f64,
    /// Ids of the advisories in force that name this industry and peril, sorted.
    pub advisories: Vec<String>,
}

/// The sector threat table in force at one instant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ThreatTable {
    /// Per industry with any level other than neutral or any advisory in force, per peril.
    pub industries: BTreeMap<Industry, [Entry; PERILS]>,
}

/// Admin base levels: per industry, per peril (absent: 1).
pub type BaseLevels = BTreeMap<Industry, [f64; PERILS]>;

impl ThreatTable {
    /// The table at `at`: per industry and peril, the base level times the combined factor of
    /// the advisories in force at `at` that name both, within the model's bounds.
    pub fn derive(
        base: &BaseLevels,
        advisories: &[Advisory],
        at: OffsetDateTime,
        params: &SharingParams,
    ) -> ThreatTable {
        let live: Vec<&Advisory> = advisories.iter().filter(|a| a.in_force(at)).collect();
        let mut industries = BTreeMap::new();
        for &industry in Industry::ALL {
            let levels = base.get(&industry).copied().unwrap_or([1.0; PERILS]);
            let entries: [Entry; PERILS] = std::array::from_fn(|k| {
                let peril = Peril::ALL[k];
                let mut named: Vec<(&str, f64)> = live
                    .iter()
                    .filter_map(|a| a.multiplier(industry, peril).map(|m| (a.id.as_str(), m)))
                    .collect();
                named.sort_by(|a, b| a.0.cmp(b.0));
                let ms: Vec<f64> = named.iter().map(|n| n.1).collect();
                Entry {
                    multiplier: params.in_force(levels[k], &ms),
                    base: levels[k],
                    advisories: named.iter().map(|n| n.0.to_string()).collect(),
                }
            });
            if entries
                .iter()
                .any(|e| e.multiplier != 1.0 || e.base != 1.0 || !e.advisories.is_empty())
            {
                industries.insert(industry, entries);
            }
        }
        ThreatTable { industries }
    }

    /// The multiplier in force for an industry and peril (1 when the table does not name it).
    pub fn multiplier(&self, industry: Industry, peril: Peril) -> f64 {
        self.industries
            .get(&industry)
            .map_or(1.0, |e| e[peril.index()].multiplier)
    }

    /// The multipliers per industry, as the model's threat levels take them.
    pub fn levels(&self) -> BaseLevels {
        self.industries
            .iter()
            .map(|(i, e)| (*i, std::array::from_fn(|k| e[k].multiplier)))
            .collect()
    }

    /// Industries whose multipliers differ between `self` and `other`.
    pub fn changed_industries(&self, other: &ThreatTable) -> Vec<Industry> {
        Industry::ALL
            .iter()
            .copied()
            .filter(|&i| {
                Peril::ALL
                    .iter()
                    .any(|&p| self.multiplier(i, p) != other.multiplier(i, p))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
