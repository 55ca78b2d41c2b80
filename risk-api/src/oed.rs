//! OED v4 cyber account files (OasisLMF ODS_OpenExposureData; CSV or Parquet) as portfolio input,
//! recognised by their columns `PortNumber, AccNumber, PolNumber, AccCurrency`.
//!
//! Each row (one policy of one account) becomes a firm profile, priced through the firm model
//! exactly as a JSON profile would be, and a policy:
//!
//! | OED column | here |
//! |---|---|
//! | `AccNumber`, `PolNumber` | policy id `AccNumber/PolNumber` |
//! | `IndustryScheme1`, `IndustryCode1` (…`2`, `3` tried in turn) | industry, by longest code prefix in `data/industry-codes.csv` (NAICS, US SIC, UK SIC) |
//! | `AnnualRevenue`, `AnnualRevenueCurrency` | `annual_revenue` (its currency must equal `AccCurrency`: no conversion is made) |
//! | `AccCurrency` | currency |
//! | `CountryCode` | country (optional) |
//! | `NumberOfEmployees`, `NumberOfRecords` | employees, records held (optional) |
//! | `PolDed`, `LayerAttachment` | per-event deductible = PolDed + LayerAttachment |
//! | `LayerLimit` | the layer's width (0 = unlimited): the per-event (occurrence) limit and, unless `PolLimit6All` is given, the annual aggregate limit (cyber limits are annual aggregates) |
//! | `PolLimit6All` | annual aggregate limit (optional; 0 = unlimited). OED has no catch-all `PolLimit` (ODS_OED issue #273); `PolLimit6All` is the "all coverages" policy limit; ods_tools 5.0.9 then no longer classes the file as cyber, so the shipped example leaves it out |
//! | `LayerParticipation` | the insurer's share of every insured loss (0 < p ≤ 1) |
//! | `FlexiAccCertifications` | certifications, `scheme:status[:level]` separated by `;` |
//! | `FlexiAccGovern` … `FlexiAccRecover` | CSF 2.0 maturity 0–5 (six columns) |
//! | `FlexiAccCloudProviders` | cloud providers separated by `;` (for the cloud shocks) |
//! | `FlexiAccSuppliers` | supplier ids separated by `;` (contract §16: each supplier named in the book is a common shock to every policy naming it; `risk portfolio --suppliers` describes them) |
//! | `PolLimit{NPBI,CBI,DIAS,EXT,FIN,INRE,LIA,REG}`, `PolDed{…}` | section sublimits (annual) and retentions (per event) of the cover: NPBI and CBI → `business_interruption` (limits added, the larger deductible), DIAS → `data_restoration`, EXT → `extortion`, FIN → `social_engineering`, INRE → `incident_response`, LIA → `privacy_liability`, REG → `regulatory`; 0 or empty = none. `PolLimitENO`/`PolDedENO` (errors and omissions) are not modelled and are refused when non-zero |
//! | `BIWaitingPeriod` | business-interruption waiting period, days → `waiting_period_hours` (× 24; at most 30 days); empty: the model's default |
//! | `PatchPolicy` | key control `patch_critical_days` (0 unknown: unanswered; 2 daily → 1, 3 weekly → 7, 4 monthly → 30; 1 never, 5 annually, 6 ad hoc → 365) [A: the main system's patch cadence read as the time to patch critical flaws] |
//! | `BackUpFreq` | key control `offline_backups` (0 unknown: unanswered; 1 never, 5 annually → `none`; 2 daily, 3 weekly, 4 monthly, 6 ad hoc → `untested`) [A: OED gives the cadence, not whether backups are offline or tested; a yearly backup restores little after ransomware] |
//!
//! OED has no fields for certifications or CSF maturity; the `FlexiAcc…` names above are this
//! project's. Not read yet: the vendor codes,
//! dates (every policy is simulated for a whole year).

use polars::prelude::DataFrame;
use risk_core::params::ModelParams;
use risk_core::portfolio::Policy;
use risk_core::profile::FirmProfile;
use time::Date;

use crate::portfolio_io::{Rows, list, number, policy_id};

/// One column's cells as text (None where empty).
type Cells = Vec<Option<String>>;

/// OED coverage codes (`CoverageValues.csv`) → this model's coverage sections.
const SECTION_CODES: [(&str, &str); 8] = [
    ("NPBI", "business_interruption"),
    ("CBI", "business_interruption"),
    ("DIAS", "data_restoration"),
    ("EXT", "extortion"),
    ("FIN", "social_engineering"),
    ("INRE", "incident_response"),
    ("LIA", "privacy_liability"),
    ("REG", "regulatory"),
];

/// Columns that mark a file as OED.
pub const MARKERS: [&str; 4] = ["PortNumber", "AccNumber", "PolNumber", "AccCurrency"];

/// Required columns of an OED cyber account file (OED v4 cyber status R; the industry pair is
/// `IndustryScheme1`/`IndustryCode1`).
pub const REQUIRED: [&str; 16] = [
    "PortNumber",
    "AccNumber",
    "AccCurrency",
    "PolNumber",
    "PolInceptionDate",
    "PolExpiryDate",
    "PolPerilsCovered",
    "LayerParticipation",
    "LayerLimit",
    "LayerAttachment",
    "IndustryScheme1",
    "IndustryCode1",
    "AnnualRevenue",
    "AnnualRevenueCurrency",
    "PolDed",
    "InsuredName",
];

const FUNCTIONS: [(&str, &str); 6] = [
    ("govern", "FlexiAccGovern"),
    ("identify", "FlexiAccIdentify"),
    ("protect", "FlexiAccProtect"),
    ("detect", "FlexiAccDetect"),
    ("respond", "FlexiAccRespond"),
    ("recover", "FlexiAccRecover"),
];

/// The industry table: (scheme, code prefix, industry), from `data/industry-codes.csv`.
const INDUSTRY_CODES: &str = include_str!("../../data/industry-codes.csv");

/// Whether a table has the columns of an OED account file.
pub fn is_oed(df: &DataFrame) -> bool {
    MARKERS.iter().any(|c| df.column(c).is_ok())
}

/// Our industry of an OED (scheme, code): the longest matching prefix of the table.
fn industry(scheme: &str, code: &str) -> Option<&'static str> {
    let scheme = normal_scheme(scheme);
    let mut code: String = code.trim().chars().filter(char::is_ascii_digit).collect();
    // OED stores codes as integers: a UK SIC 2007 subclass (5 digits) or a US SIC code (4)
    // loses its leading zero.
    match (scheme.as_str(), code.len()) {
        ("UKSIC", 4) | ("USSIC", 3) => code.insert(0, '0'),
        _ => {}
    }
    INDUSTRY_CODES
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            Some((f.next()?, f.next()?, f.next()?))
        })
        .filter(|(s, p, _)| *s == scheme && code.starts_with(p))
        .max_by_key(|(_, p, _)| p.len())
        .map(|(_, _, i)| i)
}

/// A scheme name without spaces, dashes, case or a trailing edition year (`UK SIC 2007` →
/// `UKSIC`, `NAICS2017` → `NAICS`).
fn normal_scheme(s: &str) -> String {
    let s = s.trim().to_ascii_uppercase().replace([' ', '-', '_'], "");
    s.trim_end_matches(|c: char| c.is_ascii_digit()).to_string()
}

/// Schemes the table knows.
fn schemes() -> Vec<&'static str> {
    let mut s: Vec<&str> = INDUSTRY_CODES
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    s.dedup();
    s
}

/// The OED column a profile field came from.
fn oed_column(field: &str) -> String {
    let f = field.trim_start_matches("firm.");
    let col = match f {
        "annual_revenue" => "AnnualRevenue",
        "currency" => "AccCurrency",
        "country" => "CountryCode",
        "employees" => "NumberOfEmployees",
        "records_held" => "NumberOfRecords",
        "industry" => "IndustryCode1",
        "name" => "AccNumber",
        "coverage.deductible" => "PolDed",
        "coverage.occurrence_limit" => "LayerLimit",
        "coverage.aggregate_limit" => "PolLimit6All",
        "coverage.waiting_period_hours" => "BIWaitingPeriod",
        _ if f.starts_with("coverage.sublimits.") || f.starts_with("coverage.retentions.") => {
            let (kind, section) = f
                .trim_start_matches("coverage.")
                .split_once('.')
                .unwrap_or_default();
            let prefix = if kind == "sublimits" {
                "PolLimit"
            } else {
                "PolDed"
            };
            let codes: Vec<String> = SECTION_CODES
                .iter()
                .filter(|(_, s)| *s == section)
                .map(|(c, _)| format!("{prefix}{c}"))
                .collect();
            return codes.join("/");
        }
        _ if f.starts_with("certifications") => "FlexiAccCertifications",
        _ if f.starts_with("cloud_providers") => "FlexiAccCloudProviders",
        _ => {
            return FUNCTIONS
                .iter()
                .find(|(k, _)| f == format!("maturity.{k}"))
                .map_or_else(|| f.to_string(), |(_, c)| (*c).to_string());
        }
    };
    col.to_string()
}

/// Reads the policies of every row of an OED account table (rows of a file from `rows.first`:
/// row numbers in errors are the file's).
///
/// # Errors
/// The required columns it lacks, or the row and column of the first bad cell.
pub(crate) fn policies(
    rows: Rows,
    params: &ModelParams,
    today: Date,
) -> Result<Vec<Policy>, String> {
    let range = 0..rows.df.height();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| rows.df.column(c).is_err())
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "an OED account file needs columns it lacks: {}",
            missing.join(", ")
        ));
    }
    let col = |name: &str| rows.col(name).map(Option::unwrap_or_default);
    let req = |name: &str| rows.required(name);
    let (acc, pol, ccy) = (req("AccNumber")?, req("PolNumber")?, req("AccCurrency")?);
    let (rev, rev_ccy) = (req("AnnualRevenue")?, req("AnnualRevenueCurrency")?);
    let (ded, att, lim, part) = (
        req("PolDed")?,
        req("LayerAttachment")?,
        req("LayerLimit")?,
        req("LayerParticipation")?,
    );
    let pol_limit = col("PolLimit6All")?;
    let industry_cols: Vec<(Cells, Cells)> = (1..=3)
        .map(|k| {
            Ok((
                col(&format!("IndustryScheme{k}"))?,
                col(&format!("IndustryCode{k}"))?,
            ))
        })
        .collect::<Result<_, String>>()?;
    let (country, employees, records) = (
        col("CountryCode")?,
        col("NumberOfEmployees")?,
        col("NumberOfRecords")?,
    );
    let (certs, clouds) = (
        col("FlexiAccCertifications")?,
        col("FlexiAccCloudProviders")?,
    );
    let suppliers = col(crate::suppliers_io::OED_COLUMN)?;
    let (patch, backup) = (col("PatchPolicy")?, col("BackUpFreq")?);
    let section_cols: Vec<(&str, &str, Cells, Cells)> = SECTION_CODES
        .iter()
        .map(|(code, section)| {
            Ok((
                *code,
                *section,
                col(&format!("PolLimit{code}"))?,
                col(&format!("PolDed{code}"))?,
            ))
        })
        .collect::<Result<_, String>>()?;
    let (eno_limit, eno_ded) = (col("PolLimitENO")?, col("PolDedENO")?);
    let waiting = col("BIWaitingPeriod")?;
    let functions: Vec<Vec<Option<String>>> = FUNCTIONS
        .iter()
        .map(|(_, c)| col(c))
        .collect::<Result<_, _>>()?;
    let cell = |c: &Vec<Option<String>>, i: usize| c.get(i).cloned().flatten();
    let mut out = Vec::with_capacity(range.len());
    for i in range {
        let row = rows.first + i + 1;
        let bad = |c: &str, m: &str| format!("row {row}, column {c}: {m}");
        let acc_id = policy_id(&acc[i], row).map_err(|e| e.replace("policy_id", "AccNumber"))?;
        let pol_id = policy_id(&pol[i], row).map_err(|e| e.replace("policy_id", "PolNumber"))?;
        let id = format!("{acc_id}/{pol_id}");
        let currency = ccy[i]
            .clone()
            .ok_or_else(|| bad("AccCurrency", "is empty"))?;
        let revenue = number(&rev[i], row, "AnnualRevenue", true)?.unwrap_or(f64::NAN);
        match &rev_ccy[i] {
            None => return Err(bad("AnnualRevenueCurrency", "is empty")),
            Some(c) if c.trim() != currency.trim() => {
                return Err(bad(
                    "AnnualRevenueCurrency",
                    &format!("`{c}` differs from AccCurrency `{currency}` (no conversion is made)"),
                ));
            }
            Some(_) => {}
        }
        let mut industry_name = None;
        for (k, (schemes_col, codes)) in industry_cols.iter().enumerate() {
            let (Some(s), Some(c)) = (cell(schemes_col, i), cell(codes, i)) else {
                if k == 0 {
                    return Err(bad(
                        "IndustryCode1",
                        "IndustryScheme1 and IndustryCode1 are required",
                    ));
                }
                continue;
            };
            if let Some(ind) = industry(&s, &c) {
                industry_name = Some(ind);
                break;
            }
            if k == 0 && !schemes().contains(&normal_scheme(&s).as_str()) {
                return Err(bad(
                    "IndustryScheme1",
                    &format!("`{s}` is not a known scheme ({})", schemes().join(", ")),
                ));
            }
        }
        let industry_name = industry_name.ok_or_else(|| {
            bad(
                "IndustryCode1",
                "no industry code matches data/industry-codes.csv",
            )
        })?;
        // Optional columns that are absent read as empty cells.
        let money = |c: &Vec<Option<String>>, name: &str, required: bool| {
            let v = number(&cell(c, i), row, name, required)?;
            match v {
                Some(x) if x < 0.0 => Err(bad(name, "must be >= 0")),
                v => Ok(v),
            }
        };
        let deductible = money(&ded, "PolDed", true)?.unwrap_or(0.0)
            + money(&att, "LayerAttachment", true)?.unwrap_or(0.0);
        let layer_limit = money(&lim, "LayerLimit", true)?.filter(|&x| x > 0.0);
        let aggregate = match pol_limit.get(i) {
            Some(Some(_)) => money(&pol_limit, "PolLimit6All", false)?.filter(|&x| x > 0.0),
            _ => layer_limit,
        };
        let share = number(&part[i], row, "LayerParticipation", true)?.unwrap_or(f64::NAN);
        if !(share > 0.0 && share <= 1.0) {
            return Err(bad("LayerParticipation", "must be in (0, 1]"));
        }
        let whole = |c: &Vec<Option<String>>, name: &str| -> Result<Option<u64>, String> {
            match number(&cell(c, i), row, name, false)? {
                None => Ok(None),
                Some(x) if x >= 0.0 && x.fract() == 0.0 && x < 1e15 => Ok(Some(x as u64)),
                Some(_) => Err(bad(name, "must be a whole number >= 0")),
            }
        };
        let mut firm = serde_json::json!({
            "name": id, "industry": industry_name, "annual_revenue": revenue, "currency": currency,
            "cloud_providers": list(&cell(&clouds, i)),
        });
        if let Some(c) = cell(&country, i) {
            firm["country"] = c.into();
        }
        if let Some(e) = whole(&employees, "NumberOfEmployees")? {
            firm["employees"] = e.into();
        }
        if let Some(r) = whole(&records, "NumberOfRecords")? {
            firm["records_held"] = r.into();
        }
        let mut certifications = Vec::new();
        for entry in list(&cell(&certs, i)) {
            let mut parts = entry.split(':');
            let (Some(scheme), Some(status)) = (parts.next(), parts.next()) else {
                return Err(bad(
                    "FlexiAccCertifications",
                    &format!("`{entry}` is not scheme:status[:security_level]"),
                ));
            };
            let mut c = serde_json::json!({"scheme": scheme.trim(), "status": status.trim()});
            if let Some(l) = parts.next() {
                let l: f64 = l.trim().parse().map_err(|_| {
                    bad(
                        "FlexiAccCertifications",
                        &format!("`{entry}`: security level is not a number"),
                    )
                })?;
                c["security_level"] = l.into();
            }
            certifications.push(c);
        }
        let mut maturity = serde_json::Map::new();
        for ((k, name), c) in FUNCTIONS.iter().zip(&functions) {
            if let Some(v) = number(&cell(c, i), row, name, false)? {
                maturity.insert((*k).into(), v.into());
            }
        }
        let mut controls = serde_json::Map::new();
        let code = |c: &Vec<Option<String>>, name: &str| -> Result<Option<u64>, String> {
            match whole(c, name)? {
                Some(v) if v > 6 => Err(bad(name, "must be a code 0-6 (0 unknown)")),
                Some(0) | None => Ok(None),
                v => Ok(v),
            }
        };
        if let Some(p) = code(&patch, "PatchPolicy")? {
            let days = match p {
                2 => 1,
                3 => 7,
                4 => 30,
                _ => 365,
            };
            controls.insert("patch_critical_days".into(), days.into());
        }
        if let Some(b) = code(&backup, "BackUpFreq")? {
            let level = if matches!(b, 1 | 5) {
                "none"
            } else {
                "untested"
            };
            controls.insert("offline_backups".into(), level.into());
        }
        let mut coverage = serde_json::json!({"deductible": deductible});
        for (c, name) in [(&eno_limit, "PolLimitENO"), (&eno_ded, "PolDedENO")] {
            if money(c, name, false)?.is_some_and(|x| x > 0.0) {
                return Err(bad(
                    name,
                    "errors and omissions cover is not modelled; leave it 0 or empty",
                ));
            }
        }
        let mut sublimits = serde_json::Map::new();
        let mut retentions = serde_json::Map::new();
        for (code, section, lim, ded) in &section_cols {
            if let Some(l) = money(lim, &format!("PolLimit{code}"), false)?.filter(|&x| x > 0.0) {
                let acc = sublimits
                    .get(*section)
                    .and_then(serde_json::Value::as_f64)
                    .unwrap_or(0.0);
                sublimits.insert((*section).into(), (acc + l).into());
            }
            if let Some(d) = money(ded, &format!("PolDed{code}"), false)?.filter(|&x| x > 0.0) {
                let acc = retentions
                    .get(*section)
                    .and_then(serde_json::Value::as_f64)
                    .unwrap_or(0.0);
                retentions.insert((*section).into(), acc.max(d).into());
            }
        }
        if !sublimits.is_empty() {
            coverage["sublimits"] = sublimits.into();
        }
        if let Some(days) = money(&waiting, "BIWaitingPeriod", false)? {
            coverage["waiting_period_hours"] = (days * 24.0).into();
        }
        if !retentions.is_empty() {
            coverage["retentions"] = retentions.into();
        }
        if let Some(l) = layer_limit {
            coverage["occurrence_limit"] = l.into();
        }
        if let Some(a) = aggregate {
            coverage["aggregate_limit"] = a.into();
        }
        let profile = serde_json::json!({
            "firm": firm, "certifications": certifications, "maturity": maturity,
            "controls": controls, "coverage": coverage,
        });
        let p = FirmProfile::parse(&profile.to_string(), params, today).map_err(|e| {
            let msg = e
                .fields()
                .iter()
                .map(|f| format!("column {}: {}", oed_column(&f.field), f.message))
                .collect::<Vec<_>>()
                .join("; ");
            format!("row {row}, {msg}")
        })?;
        let score = risk_core::score::score(&p, params);
        out.push(Policy {
            id,
            model: risk_core::model::LossModel::from_profile(&p, &score, params),
            dependencies: {
                let mut d = p.cloud_providers.clone();
                d.extend(crate::suppliers_io::dependencies_in(
                    (!suppliers.is_empty()).then_some(&suppliers),
                    i,
                    row,
                    crate::suppliers_io::OED_COLUMN,
                )?);
                d
            },
            revenue: p.annual_revenue,
            share,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn industry_codes_map_by_longest_prefix() {
        assert_eq!(industry("NAICS", "325199"), Some("chemicals"));
        assert_eq!(industry("naics", "334111"), Some("manufacturing"));
        assert_eq!(industry("NAICS", "541512"), Some("information_technology"));
        assert_eq!(industry("NAICS", "541110"), Some("professional_services"));
        assert_eq!(industry("USSIC", "8062"), Some("healthcare"));
        assert_eq!(industry("US SIC", "2834"), Some("chemicals"));
        assert_eq!(industry("UKSIC", "64191"), Some("finance"));
        assert_eq!(industry("NAICS", "ABC"), None);
        assert_eq!(industry("ISIC", "62"), None);
        assert_eq!(industry("UK SIC 2007", "1110"), Some("other"));
        assert_eq!(industry("USSIC", "111"), Some("other"));
        assert_eq!(industry("NAICS2017", "221112"), Some("energy"));
    }
}
