//! Claims files for `risk calibrate` (CSV or Parquet through polars): one row per policy-period,
//! the firm-attribute columns of contract §7 plus `exposure` (years), `claim_count` and
//! `incurred_loss` (ground-up, in the row's currency), and optionally the firm's `country`,
//! `records_held`, key controls, the `peril` the row's claims and exposure are of (empty: every
//! peril; data naming perils are fitted with a base level and a σ per peril), and the policy terms (`deductible`, `occurrence_limit`,
//! `aggregate_limit`) that make a row insurer data: claims above the deductible, paid net of it
//! and capped at the limit. Every row is validated; the first bad cell
//! is an error naming its row and column, and no row is dropped. The file is read in batches
//! of [`BATCH_ROWS`] rows, each validated and folded into the fit's [`Experience`] before the
//! next is read, so memory grows with the rows' numbers, not with the file's text.

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;
use risk_core::calibrate::synth::SyntheticRow;
use risk_core::calibrate::{ClaimRecord, Experience};
use risk_core::params::ModelParams;
use risk_core::profile::FirmProfile;
use risk_core::vocab::{Peril, Scheme};
use sha2::{Digest, Sha256};
use time::Date;

use crate::portfolio_io::{FirmColumns, Rows, list, number};

/// A validated claims file.
#[derive(Debug)]
pub struct Claims {
    /// The rows, in file order, folded for the fit (cells of firms that price alike, and each
    /// row's numbers: no row keeps its text or its profile).
    pub data: Experience,
    /// SHA-256 of the file's bytes (hex): names the data set in the calibrated model.
    pub sha256: String,
}

/// Rows read, validated and folded at a time: memory holds one batch's text, not the file's
/// (\[A\]: 2¹⁷ rows of a claims file's two dozen columns are about 100 MB as text).
pub const BATCH_ROWS: usize = 1 << 17;

/// Reads and validates a claims file, a batch of [`BATCH_ROWS`] rows at a time.
///
/// # Errors
/// A message naming the file, a missing column, or the row and column of the first bad cell.
pub fn read_claims(path: &Path, params: &ModelParams, today: Date) -> Result<Claims, String> {
    read_claims_in(path, params, today, BATCH_ROWS)
}

/// [`read_claims`] in batches of `batch` rows (the result does not depend on it: tested).
///
/// # Errors
/// As [`read_claims`].
pub fn read_claims_in(
    path: &Path,
    params: &ModelParams,
    today: Date,
    batch: usize,
) -> Result<Claims, String> {
    let sha256 = file_sha256(path)?;
    let mut data = Experience::new(params);
    for_each_batch(path, batch.max(1), |offset, df| {
        data.extend(read_batch(
            &Rows { df, first: offset },
            offset,
            params,
            today,
        )?);
        Ok(())
    })?;
    Ok(Claims { data, sha256 })
}

/// Calls `f(offset, rows)` on each batch of at most `batch` rows of a CSV (header row, every
/// cell read as text, as [`crate::portfolio_io`] reads tables) or Parquet file, in file order.
/// Parquet batches are slices of the file's row groups; a CSV batch is parsed after skipping
/// the rows before it (the skip only finds line ends).
fn for_each_batch(
    path: &Path,
    batch: usize,
    mut f: impl FnMut(usize, DataFrame) -> Result<(), String>,
) -> Result<(), String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let failed = |e: PolarsError| format!("{}: {e}", path.display());
    let open =
        || std::fs::File::open(path).map_err(|e| format!("{}: cannot read: {e}", path.display()));
    let empty = || format!("{}: the file has no rows", path.display());
    match ext {
        "parquet" => {
            let n = ParquetReader::new(open()?).num_rows().map_err(failed)?;
            if n == 0 {
                return Err(empty());
            }
            for offset in (0..n).step_by(batch) {
                let df = ParquetReader::new(open()?)
                    .with_slice(Some((offset, batch.min(n - offset))))
                    .finish()
                    .map_err(failed)?;
                f(offset, df)?;
            }
            Ok(())
        }
        "csv" => {
            let mut offset = 0;
            loop {
                let df = CsvReadOptions::default()
                    .with_has_header(true)
                    .with_infer_schema_length(Some(0))
                    .with_skip_rows_after_header(offset)
                    .with_n_rows(Some(batch))
                    .try_into_reader_with_file_path(Some(path.to_path_buf()))
                    .and_then(|r| r.finish())
                    .map_err(failed)?;
                let n = df.height();
                if n == 0 && offset == 0 {
                    return Err(empty());
                }
                if n > 0 {
                    f(offset, df)?;
                }
                if n < batch {
                    return Ok(());
                }
                offset += n;
            }
        }
        _ => Err(format!(
            "{}: expected a .csv or .parquet file",
            path.display()
        )),
    }
}

/// SHA-256 of a file, read in blocks.
fn file_sha256(path: &Path) -> Result<String, String> {
    let cannot = |e: std::io::Error| format!("{}: cannot read: {e}", path.display());
    let mut f = std::fs::File::open(path).map_err(cannot)?;
    let mut hasher = Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut f, &mut block).map_err(cannot)?;
        if n == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&block[..n]);
    }
}

/// The records of one batch whose first row is row `offset + 1` of the file.
fn read_batch(
    rows: &Rows,
    offset: usize,
    params: &ModelParams,
    today: Date,
) -> Result<Vec<ClaimRecord>, String> {
    let n = rows.df.height();
    let exposure = rows.required("exposure")?;
    let count = rows.required("claim_count")?;
    let incurred = rows.required("incurred_loss")?;
    let firms = FirmColumns::read(rows)?;
    let extra = Extra::read(rows)?;
    let terms = TermColumns {
        deductible: rows.col("deductible")?,
        occurrence: rows.col("occurrence_limit")?,
        aggregate: rows.col("aggregate_limit")?,
    };
    let peril = rows.col("peril")?;
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
            let row = offset + i + 1;
            let (firm, controls) = extra.row(i, row)?;
            let as_of = period.as_of(i, row, today)?;
            let (_, mut profile) = firms.profile_with(i, params, as_of, (&firm, &controls))?;
            period.certificates(i, row, &mut profile)?;
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
            let record = match period.development(i, row)? {
                Some(f) => record.with_development(row, f).map_err(|e| e.to_string())?,
                None => record,
            };
            let record = match peril.as_ref().and_then(|c| c[i].as_deref()) {
                Some(name) if !name.trim().is_empty() => {
                    let k = Peril::parse(name.trim()).ok_or_else(|| {
                        format!(
                            "row {row}, column peril: unknown peril `{}` (one of {})",
                            name.trim(),
                            Peril::ALL
                                .iter()
                                .map(|p| p.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?;
                    record
                        .with_peril(row, k, params)
                        .map_err(|e| e.to_string())?
                }
                _ => record,
            };
            match terms.row(i, row)? {
                Some((d, limit)) => record.with_terms(row, d, limit).map_err(|e| e.to_string()),
                None => Ok(record),
            }
        })
        .collect();
    parsed.into_iter().collect()
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
    fn row(&self, i: usize, row: usize) -> Result<Option<(f64, Option<f64>)>, String> {
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
    fn as_of(&self, i: usize, row: usize, today: Date) -> Result<Date, String> {
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
    fn development(&self, i: usize, row: usize) -> Result<Option<f64>, String> {
        match &self.development {
            Some(c) => number(&c[i], row, "development_factor", false),
            None => Ok(None),
        }
    }

    /// Dates and scope of row i's certificates: sets them on the profile, and leaves out those
    /// that gave the period no credit (issued after it, or out of scope).
    fn certificates(&self, i: usize, row: usize, profile: &mut FirmProfile) -> Result<(), String> {
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
    fn row(&self, i: usize, row: usize) -> Result<(Object, Object), String> {
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
    if rows.iter().any(|r| r.peril.is_some()) {
        columns.push(Column::new(
            "peril".into(),
            rows.iter()
                .map(|r| r.peril.map(|p| p.as_str()))
                .collect::<Vec<_>>(),
        ));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use risk_core::calibrate::synth::synthesize;
    use risk_core::calibrate::{Options, calibrate_experience, gates};
    use risk_core::params::DEFAULT_MODEL;

    /// Issue #20: a file read in batches of 7 rows fits and screens exactly as read whole, CSV
    /// and Parquet alike, and a bad cell in a later batch is named by its row in the file.
    #[test]
    fn batches_read_as_the_whole_file() {
        let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
        let today = time::macros::date!(2026 - 11 - 26);
        let rows = synthesize(&params, 500, 3, today);
        let dir = tempfile::tempdir().unwrap();
        for name in ["claims.csv", "claims.parquet"] {
            let path = dir.path().join(name);
            write_claims(&path, &rows).unwrap();
            let whole = read_claims_in(&path, &params, today, 1 << 20).unwrap();
            let batched = read_claims_in(&path, &params, today, 7).unwrap();
            assert_eq!((whole.data.len(), batched.data.len()), (500, 500));
            assert_eq!(whole.sha256, batched.sha256);
            assert_eq!(
                calibrate_experience(&whole.data, Options::default()),
                calibrate_experience(&batched.data, Options::default()),
                "{name}"
            );
            assert_eq!(
                gates::screen_experience(&whole.data),
                gates::screen_experience(&batched.data),
                "{name}"
            );
        }
        let mut text = String::from(
            "policy_id,industry,annual_revenue,currency,exposure,claim_count,incurred_loss\n",
        );
        for i in 1..=30 {
            let exposure = if i == 23 { "-1" } else { "1" };
            text.push_str(&format!("p{i},retail,5e7,USD,{exposure},0,0\n"));
        }
        let path = dir.path().join("bad.csv");
        std::fs::write(&path, text).unwrap();
        let e = read_claims_in(&path, &params, today, 7).unwrap_err();
        assert!(e.starts_with("row 23, column exposure"), "{e}");
        std::fs::write(&path, "policy_id,exposure\n").unwrap();
        let e = read_claims_in(&path, &params, today, 7).unwrap_err();
        assert!(e.ends_with("the file has no rows"), "{e}");
    }

    /// Rows by peril are written with a `peril` column and read back as the same records (the
    /// fit by peril alike from CSV and Parquet); an unknown peril, or an OT peril for a firm
    /// without OT, is named by row and column.
    #[test]
    fn the_peril_column_is_read_and_checked() {
        let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
        let today = time::macros::date!(2026 - 11 - 26);
        let rows = risk_core::calibrate::synth::synthesize_with(&params, 300, 4, today, None, true);
        assert!(rows.len() > 900, "{} rows", rows.len());
        let dir = tempfile::tempdir().unwrap();
        let fits: Vec<_> = ["by-peril.csv", "by-peril.parquet"]
            .iter()
            .map(|name| {
                let path = dir.path().join(name);
                write_claims(&path, &rows).unwrap();
                let read = read_claims_in(&path, &params, today, 64).unwrap();
                assert!(read.data.by_peril());
                let named: usize = read.data.named_perils().iter().sum();
                assert_eq!(named, rows.len());
                calibrate_experience(&read.data, Options::default()).unwrap()
            })
            .collect();
        assert_eq!(fits[0], fits[1]);
        let head =
            "policy_id,industry,annual_revenue,currency,exposure,claim_count,incurred_loss,peril\n";
        let path = dir.path().join("bad-peril.csv");
        for (line, message) in [
            (
                "p2,retail,5e7,USD,1,0,0,phishing",
                "row 2, column peril: unknown peril `phishing`",
            ),
            (
                "p2,retail,5e7,USD,1,0,0,ot_incident",
                "row 2, column peril: ot_incident: the firm has no operational-technology exposure",
            ),
        ] {
            std::fs::write(&path, format!("{head}p1,retail,5e7,USD,1,0,0,\n{line}\n")).unwrap();
            let e = read_claims_in(&path, &params, today, 7).unwrap_err();
            assert!(e.starts_with(message), "{e}");
        }
    }
}
