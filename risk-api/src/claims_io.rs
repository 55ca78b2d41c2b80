//! Claims files for `risk calibrate` (CSV or Parquet through polars): one row per policy-period,
//! the firm-attribute columns of contract §7 plus `exposure` (years), `claim_count` and
//! `incurred_loss` (ground-up, in the row's currency), and optionally the firm's `country`,
//! `records_held` and key controls. Every row is validated; the first bad cell
//! is an error naming its row and column, and no row is dropped.

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;
use risk_core::calibrate::ClaimRecord;
use risk_core::calibrate::synth::SyntheticRow;
use risk_core::params::ModelParams;
use sha2::{Digest, Sha256};
use time::Date;

use crate::portfolio_io::{FirmColumns, Rows, number, read_table};

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
    };
    let n = rows.df.height();
    let exposure = rows.required("exposure")?;
    let count = rows.required("claim_count")?;
    let incurred = rows.required("incurred_loss")?;
    let firms = FirmColumns::read(&rows)?;
    let extra = Extra::read(&rows)?;
    let parsed: Vec<Result<ClaimRecord, String>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let row = i + 1;
            let (firm, controls) = extra.row(i)?;
            let (_, profile) = firms.profile_with(i, params, today, (&firm, &controls))?;
            let t = number(&exposure[i], row, "exposure", true)?.unwrap_or(f64::NAN);
            let c = number(&count[i], row, "claim_count", true)?.unwrap_or(f64::NAN);
            if !(c >= 0.0 && c.fract() == 0.0 && c < 1e12) {
                return Err(format!(
                    "row {row}, column claim_count: must be a whole number >= 0"
                ));
            }
            let l = number(&incurred[i], row, "incurred_loss", true)?.unwrap_or(f64::NAN);
            ClaimRecord::new(row, profile, t, c as u64, l).map_err(|e| e.to_string())
        })
        .collect();
    let mut records = Vec::with_capacity(n);
    for r in parsed {
        records.push(r?);
    }
    Ok(Claims { records, sha256 })
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
