//! Claims files for `risk calibrate` (CSV or Parquet through polars): one row per policy-period,
//! the firm-attribute columns of contract §7 plus `exposure` (years), `claim_count` and
//! `incurred_loss` (ground-up, in the row's currency), and optionally the firm's `country`,
//! `records_held`, key controls, and the policy terms (`deductible`, `occurrence_limit`,
//! `aggregate_limit`) that make a row insurer data: claims above the deductible, paid net of it
//! and capped at the limit. Every row is validated; the first bad cell
//! is an error naming its row and column, and no row is dropped.

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;
use risk_core::calibrate::ClaimRecord;
use risk_core::calibrate::synth::SyntheticRow;
use risk_core::params::ModelParams;
use risk_core::profile::FirmProfile;
use risk_core::vocab::Scheme;
use sha2::{Digest, Sha256};
use time::Date;

use crate::portfolio_io::{FirmColumns, Rows, list, number, read_table};

/// A validated claims file.
#[derive(Debug)]
pub struct Claims {
    /// The rows, in file order.
    pub records: Vec<ClaimRecord>,
    /// SHA-256 of the file's bytes (hex): names the data set in the calibrated model.
    pub sha256: String,
}

/// Reads and validates a claims file.
///
/// # Errors
/// A message naming the file, a missing column, or the row and column of the first bad cell.
pub fn read_claims(path: &Path, params: &ModelParams, today: Date) -> Result<Claims, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    drop(bytes);
    let rows = Rows {
        df: read_table(path)?,
        first: 0,
    };
    let n = rows.df.height();
    let exposure = rows.required("exposure")?;
    let count = rows.required("claim_count")?;
    let incurred = rows.required("incurred_loss")?;
    let firms = FirmColumns::read(&rows)?;
    let extra = Extra::read(&rows)?;
    let terms = TermColumns {
        deductible: rows.col("deductible")?,
        occurrence: rows.col("occurrence_limit")?,
        aggregate: rows.col("aggregate_limit")?,
    };
    let period = Period {
        year: rows.col("accident_year")?,
        development: rows.col("development_factor")?,
        issued: rows.col("certificate_issued")?,
        expires: rows.col("certificate_expires")?,
        scope: rows.col("certificate_scope")?,
    };
    let parsed: Vec<Result<ClaimRecord, String>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let row = i + 1;
            let (firm, controls) = extra.row(i)?;
            let as_of = period.as_of(i, today)?;
            let (_, mut profile) = firms.profile_with(i, params, as_of, (&firm, &controls))?;
            period.certificates(i, &mut profile)?;
            let t = number(&exposure[i], row, "exposure", true)?.unwrap_or(f64::NAN);
            let c = number(&count[i], row, "claim_count", true)?.unwrap_or(f64::NAN);
            if !(c >= 0.0 && c.fract() == 0.0 && c < 1e12) {
                return Err(format!(
                    "row {row}, column claim_count: must be a whole number >= 0"
                ));
            }
            let l = number(&incurred[i], row, "incurred_loss", true)?.unwrap_or(f64::NAN);
            let record =
                ClaimRecord::new(row, profile, t, c as u64, l).map_err(|e| e.to_string())?;
            let record = match period.development(i)? {
                Some(f) => record.with_development(row, f).map_err(|e| e.to_string())?,
                None => record,
            };
            match terms.row(i)? {
                Some((d, limit)) => record.with_terms(row, d, limit).map_err(|e| e.to_string()),
                None => Ok(record),
            }
        })
        .collect();
    let mut records = Vec::with_capacity(n);
    for r in parsed {
        records.push(r?);
    }
    Ok(Claims { records, sha256 })
}

/// The policy-term columns of a claims file: a row with any of them filled is insurer data, its
/// `claim_count` the claims above `deductible` (0 when empty) and its `incurred_loss` their
/// payments, each net of the deductible and capped at the occurrence limit (the smaller of
/// `occurrence_limit` and `aggregate_limit`; none when both are empty). A row with all three
/// empty is ground-up, as a file without the columns.
struct TermColumns {
    deductible: Option<Vec<Option<String>>>,
    occurrence: Option<Vec<Option<String>>>,
    aggregate: Option<Vec<Option<String>>>,
}

impl TermColumns {
    /// Row i's (deductible, limit), or None for a ground-up row.
    fn row(&self, i: usize) -> Result<Option<(f64, Option<f64>)>, String> {
        let row = i + 1;
        let get = |col: &Option<Vec<Option<String>>>, name: &str| match col {
            Some(c) => number(&c[i], row, name, false),
            None => Ok(None),
        };
        let d = get(&self.deductible, "deductible")?;
        let occ = get(&self.occurrence, "occurrence_limit")?;
        let agg = get(&self.aggregate, "aggregate_limit")?;
        if d.is_none() && occ.is_none() && agg.is_none() {
            return Ok(None);
        }
        let limit = match (occ, agg) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(Some((d.unwrap_or(0.0), limit)))
    }
}

/// The period columns of a claims file. `accident_year` (a year, at most the valuation date's)
/// values the row at the middle of that year (1 July) instead of `--date`: the model's loss
/// trend is read there, and every certificate's standing (lapse, expiry) is judged there.
/// `certificate_issued` and `certificate_expires` (`scheme:YYYY-MM-DD;…`) date the row's
/// certificates; one issued after the row's valuation date gave the period no credit and is
/// left out of the row. `certificate_scope` (`scheme:share;…`, share in [0, 1]) is the share
/// of the firm inside the certified scope: 0 (out of scope) gives no credit and leaves the
/// certificate out, a share below 1 credits that share. `development_factor` (≥ 1) is the
/// age-to-ultimate factor of the row's claim count (its period's age at the valuation date).
struct Period {
    year: Option<Vec<Option<String>>>,
    development: Option<Vec<Option<String>>>,
    issued: Option<Vec<Option<String>>>,
    expires: Option<Vec<Option<String>>>,
    scope: Option<Vec<Option<String>>>,
}

impl Period {
    /// The date row i is valued at.
    fn as_of(&self, i: usize, today: Date) -> Result<Date, String> {
        let row = i + 1;
        let Some(y) = self
            .year
            .as_ref()
            .map(|c| number(&c[i], row, "accident_year", false))
            .transpose()?
            .flatten()
        else {
            return Ok(today);
        };
        if !(y.fract() == 0.0 && (1990.0..=f64::from(today.year())).contains(&y)) {
            return Err(format!(
                "row {row}, column accident_year: `{y}` must be a year in 1990..={}",
                today.year()
            ));
        }
        Date::from_calendar_date(y as i32, time::Month::July, 1)
            .map(|d| d.min(today))
            .map_err(|e| format!("row {row}, column accident_year: {e}"))
    }

    /// Row i's development factor, if given.
    fn development(&self, i: usize) -> Result<Option<f64>, String> {
        match &self.development {
            Some(c) => number(&c[i], i + 1, "development_factor", false),
            None => Ok(None),
        }
    }

    /// Dates and scope of row i's certificates: sets them on the profile, and leaves out those
    /// that gave the period no credit (issued after it, or out of scope).
    fn certificates(&self, i: usize, profile: &mut FirmProfile) -> Result<(), String> {
        let row = i + 1;
        let held: Vec<Scheme> = profile.certifications.iter().map(|c| c.scheme).collect();
        let entries = |col: &Option<Vec<Option<String>>>, name: &str| {
            let mut out = Vec::new();
            for entry in col.as_ref().map(|c| list(&c[i])).unwrap_or_default() {
                let Some((scheme, value)) = entry.split_once(':') else {
                    return Err(format!(
                        "row {row}, column {name}: `{entry}` is not scheme:value"
                    ));
                };
                let scheme = Scheme::parse(scheme.trim()).ok_or_else(|| {
                    format!(
                        "row {row}, column {name}: unknown scheme `{}`",
                        scheme.trim()
                    )
                })?;
                if !held.contains(&scheme) {
                    return Err(format!(
                        "row {row}, column {name}: {scheme} is not in the row's certifications"
                    ));
                }
                out.push((scheme, value.trim().to_string()));
            }
            Ok(out)
        };
        let date = |name: &str, v: &str| {
            Date::parse(v, &time::format_description::well_known::Iso8601::DATE)
                .map_err(|_| format!("row {row}, column {name}: `{v}` is not a date (YYYY-MM-DD)"))
        };
        let as_of = profile.as_of;
        let mut drop = Vec::new();
        for (scheme, v) in entries(&self.issued, "certificate_issued")? {
            let d = date("certificate_issued", &v)?;
            for c in profile
                .certifications
                .iter_mut()
                .filter(|c| c.scheme == scheme)
            {
                c.issued = Some(d);
            }
            if d > as_of {
                drop.push(scheme);
            }
        }
        for (scheme, v) in entries(&self.expires, "certificate_expires")? {
            let d = date("certificate_expires", &v)?;
            for c in profile
                .certifications
                .iter_mut()
                .filter(|c| c.scheme == scheme)
            {
                if c.issued.is_some_and(|i| d < i) {
                    return Err(format!(
                        "row {row}, column certificate_expires: {scheme} expires before it was issued"
                    ));
                }
                c.expires = Some(d);
            }
        }
        for (scheme, v) in entries(&self.scope, "certificate_scope")? {
            let share: f64 = v
                .parse()
                .ok()
                .filter(|x| (0.0..=1.0).contains(x))
                .ok_or_else(|| {
                    format!("row {row}, column certificate_scope: `{v}` is not a share in [0, 1]")
                })?;
            if share == 0.0 {
                drop.push(scheme);
            }
            for c in profile
                .certifications
                .iter_mut()
                .filter(|c| c.scheme == scheme)
            {
                c.scope_share = share;
            }
        }
        profile.certifications.retain(|c| !drop.contains(&c.scheme));
        Ok(())
    }
}

/// Key controls given as true/false (contract names).
const BOOL_CONTROLS: [&str; 4] = ["edr", "exposed_rdp", "eol_software", "email_filtering"];
/// Key controls given by a level name.
const LEVEL_CONTROLS: [&str; 3] = ["mfa", "offline_backups", "ir_plan"];

/// The optional columns a claims file adds to the portfolio's firm columns: `country`,
/// `records_held` and the key controls (`mfa`, `edr`, `offline_backups`, `patch_critical_days`,
/// `exposed_rdp`, `eol_software`, `ir_plan`, `email_filtering`, as a JSON profile answers them).
/// With them the fit prices each row with its controls, so control differences are not read as
/// certification effects; an empty cell is an unanswered question.
struct Extra {
    country: Option<Vec<Option<String>>>,
    records: Option<Vec<Option<String>>>,
    bools: Vec<(&'static str, Vec<Option<String>>)>,
    levels: Vec<(&'static str, Vec<Option<String>>)>,
    patch: Option<Vec<Option<String>>>,
}

type Object = serde_json::Map<String, serde_json::Value>;

impl Extra {
    fn read(rows: &Rows) -> Result<Self, String> {
        let some = |names: &[&'static str]| -> Result<Vec<_>, String> {
            Ok(names
                .iter()
                .map(|&n| rows.col(n).map(|c| c.map(|c| (n, c))))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect())
        };
        Ok(Extra {
            country: rows.col("country")?,
            records: rows.col("records_held")?,
            bools: some(&BOOL_CONTROLS)?,
            levels: some(&LEVEL_CONTROLS)?,
            patch: rows.col("patch_critical_days")?,
        })
    }

    /// Row i's `firm` keys and `controls` answers.
    fn row(&self, i: usize) -> Result<(Object, Object), String> {
        let row = i + 1;
        let mut firm = Object::new();
        let mut controls = Object::new();
        if let Some(Some(c)) = self.country.as_ref().map(|c| &c[i]) {
            firm.insert("country".into(), c.trim().into());
        }
        if let Some(col) = &self.records
            && let Some(v) = number(&col[i], row, "records_held", false)?
        {
            firm.insert("records_held".into(), v.into());
        }
        for (name, col) in &self.bools {
            let Some(cell) = &col[i] else { continue };
            let b = match cell.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(format!(
                        "row {row}, column {name}: `{cell}` is not true or false"
                    ));
                }
            };
            controls.insert((*name).into(), b.into());
        }
        for (name, col) in &self.levels {
            if let Some(cell) = &col[i] {
                controls.insert((*name).into(), cell.trim().into());
            }
        }
        if let Some(col) = &self.patch
            && let Some(d) = number(&col[i], row, "patch_critical_days", false)?
        {
            controls.insert("patch_critical_days".into(), d.into());
        }
        Ok((firm, controls))
    }
}

/// Writes synthetic claims as a claims file (`.csv` or `.parquet` by extension).
///
/// # Errors
/// An unsupported extension or an I/O failure.
pub fn write_claims(path: &Path, rows: &[SyntheticRow]) -> Result<(), String> {
    let strings =
        |f: &dyn Fn(&SyntheticRow) -> String| -> Vec<String> { rows.iter().map(f).collect() };
    let certs = |r: &SyntheticRow| {
        r.attributes
            .certifications
            .iter()
            .map(|(s, st, l)| match l {
                Some(l) => format!("{s}:{st}:{l}"),
                None => format!("{s}:{st}"),
            })
            .collect::<Vec<_>>()
            .join(";")
    };
    let mut columns: Vec<Column> = vec![
        Column::new("policy_id".into(), strings(&|r| r.attributes.name.clone())),
        Column::new(
            "industry".into(),
            strings(&|r| r.attributes.industry.clone()),
        ),
        Column::new(
            "annual_revenue".into(),
            rows.iter()
                .map(|r| r.attributes.annual_revenue)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "currency".into(),
            strings(&|r| r.attributes.currency.clone()),
        ),
        Column::new("certifications".into(), strings(&certs)),
    ];
    for (k, name) in [
        "govern", "identify", "protect", "detect", "respond", "recover",
    ]
    .iter()
    .enumerate()
    {
        columns.push(Column::new(
            (*name).into(),
            rows.iter()
                .map(|r| r.attributes.maturity[k])
                .collect::<Vec<Option<f64>>>(),
        ));
    }
    columns.push(Column::new(
        "exposure".into(),
        rows.iter().map(|r| r.exposure).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        "claim_count".into(),
        rows.iter().map(|r| r.claims).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        "incurred_loss".into(),
        rows.iter().map(|r| r.incurred).collect::<Vec<_>>(),
    ));
    if rows.iter().any(|r| r.terms.is_some()) {
        let term = |f: &dyn Fn(&risk_core::calibrate::ClaimTerms) -> f64| -> Vec<Option<f64>> {
            rows.iter()
                .map(|r| r.terms.as_ref().map(f).filter(|v| v.is_finite()))
                .collect()
        };
        columns.push(Column::new("deductible".into(), term(&|t| t.deductible)));
        columns.push(Column::new("occurrence_limit".into(), term(&|t| t.limit)));
    }
    let mut df = DataFrame::new_infer_height(columns).map_err(|e| e.to_string())?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let mut f = std::fs::File::create(path)
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    match ext {
        "csv" => CsvWriter::new(&mut f)
            .include_header(true)
            .finish(&mut df)
            .map_err(|e| format!("{}: {e}", path.display())),
        "parquet" => ParquetWriter::new(&mut f)
            .finish(&mut df)
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", path.display())),
        _ => Err(format!(
            "{}: expected a .csv or .parquet file",
            path.display()
        )),
    }
}
