//! Portfolio files (contract §7): policies from CSV or Parquet through polars, read a chunk of
//! rows at a time (`portfolio_chunks`) and validated row by row (a bad row is an error naming
//! the row and column; no row is dropped); year-loss tables to and from Parquet (`ylt_io`).

use std::ops::Range;
use std::path::Path;

use polars::prelude::*;
use risk_core::dist::{Frequency, Severity};
use risk_core::model::{LossModel, Peril, Terms};
use risk_core::params::ModelParams;
use risk_core::portfolio::{Policy, Shock, ShockSize};
use risk_core::profile::{FirmAttributes, FirmProfile};
use time::Date;

use crate::portfolio_chunks::{CHUNK_ROWS, Source, chunks, count};
pub use crate::ylt_io::{read_ylt, write_ylt};

/// Columns of the explicit-parameter form.
/// Largest `severity_median` an explicit-parameter row may give, in the book's currency: 10¹⁵,
/// above any single-event cyber loss (a row with 2·10¹²⁰, found by fuzzing, overflowed the
/// year-loss sums).
pub const MAX_SEVERITY_MEDIAN: f64 = risk_core::model::MAX_AMOUNT;

const EXPLICIT: [&str; 4] = [
    "policy_id",
    "frequency_mean",
    "severity_median",
    "severity_sigma",
];
/// Columns of the firm-attribute form (the six CSF functions are optional).
const FIRM: [&str; 4] = ["policy_id", "industry", "annual_revenue", "currency"];
const FUNCTIONS: [&str; 6] = [
    "govern", "identify", "protect", "detect", "respond", "recover",
];

/// Format of an in-memory portfolio file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// CSV with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// The rows of a portfolio file held in memory, counted without decoding it: a Parquet file's
/// row count from its footer metadata, a CSV body's newlines less the header (an upper bound: a
/// quoted cell may hold a newline). Lets a caller refuse an oversized file before polars
/// materialises it (5M dictionary-encoded rows fit in 80 KB and decode to gigabytes).
///
/// # Errors
/// A Parquet body whose metadata cannot be read.
pub fn count_rows(bytes: &[u8], kind: FileKind) -> Result<usize, String> {
    match kind {
        FileKind::Parquet => ParquetReader::new(std::io::Cursor::new(bytes))
            .num_rows()
            .map_err(|e| format!("body: {e}")),
        FileKind::Csv => {
            let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
            let last = usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
            Ok((newlines + last).saturating_sub(1))
        }
    }
}

/// Reads the policies of a portfolio file held in memory.
///
/// # Errors
/// A message naming the row and column of the first bad cell.
pub fn read_policies_bytes(
    bytes: &[u8],
    kind: FileKind,
    params: &ModelParams,
    today: Date,
) -> Result<Vec<Policy>, String> {
    let source = Source::Bytes(bytes, kind);
    let n = book_rows(&source)?;
    read_policies_in(&source, params, today, 0..n, CHUNK_ROWS, &|_| {})
}

/// A string view of one column (None where it is absent).
fn column(df: &DataFrame, name: &str) -> Result<Option<Vec<Option<String>>>, String> {
    let Ok(c) = df.column(name) else {
        return Ok(None);
    };
    let c = c
        .cast(&DataType::String)
        .map_err(|e| format!("column {name}: {e}"))?;
    let s = c.str().map_err(|e| format!("column {name}: {e}"))?;
    Ok(Some(
        s.iter()
            .map(|v| v.map(str::to_string).filter(|v| !v.trim().is_empty()))
            .collect(),
    ))
}

/// Cell accessor with row/column error messages (rows are numbered from 1, the header excluded).
pub(crate) struct Rows {
    pub(crate) df: DataFrame,
    /// The file's index (0-based) of the table's first row: row `i` of the table is row
    /// `first + i + 1` of the file in messages.
    pub(crate) first: usize,
}

impl Rows {
    pub(crate) fn col(&self, name: &str) -> Result<Option<Vec<Option<String>>>, String> {
        column(&self.df, name)
    }

    pub(crate) fn required(&self, name: &str) -> Result<Vec<Option<String>>, String> {
        self.col(name)?
            .ok_or_else(|| format!("missing column `{name}`"))
    }
}

pub(crate) fn number(
    v: &Option<String>,
    row: usize,
    col: &str,
    required: bool,
) -> Result<Option<f64>, String> {
    match v {
        None if required => Err(format!("row {row}, column {col}: is empty")),
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| format!("row {row}, column {col}: `{s}` is not a number")),
    }
}

pub(crate) fn list(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .map(|s| {
            s.split(';')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Terms from the optional columns of a row.
fn terms(cols: &[Option<Vec<Option<String>>>; 3], i: usize, row: usize) -> Result<Terms, String> {
    let get = |k: usize, name: &str| match &cols[k] {
        Some(c) => number(&c[i], row, name, false),
        None => Ok(None),
    };
    let d = get(0, "deductible")?.unwrap_or(0.0);
    let occ = get(1, "occurrence_limit")?;
    let agg = get(2, "aggregate_limit")?;
    if d < 0.0 {
        return Err(format!("row {row}, column deductible: must be >= 0"));
    }
    for (name, v) in [("occurrence_limit", occ), ("aggregate_limit", agg)] {
        if v.is_some_and(|v| v <= 0.0) {
            return Err(format!("row {row}, column {name}: must be > 0"));
        }
    }
    Ok(Terms::from_parts(d, occ, agg))
}

/// Reads the policies of a portfolio file, priced through the firm model when the file has firm
/// attributes.
///
/// # Errors
/// A message naming the file, or the row and column of the first bad cell.
pub fn read_policies(
    path: &Path,
    params: &ModelParams,
    today: Date,
) -> Result<Vec<Policy>, String> {
    let source = Source::File(path);
    let n = book_rows(&source)?;
    read_policies_in(&source, params, today, 0..n, CHUNK_ROWS, &|_| {})
}

/// Reads the rows of a portfolio file that shard `shard` of `shards` covers
/// ([`risk_core::portfolio::shard_range`] of the file's row count), priced and validated (the
/// other rows are left to their shards), with that range.
///
/// # Errors
/// As [`read_policies`], or a bad shard.
pub fn read_shard(
    path: &Path,
    params: &ModelParams,
    today: Date,
    shard: usize,
    shards: usize,
) -> Result<(Vec<Policy>, Range<usize>), String> {
    let source = Source::File(path);
    let range = risk_core::portfolio::shard_range(book_rows(&source)?, shard, shards)
        .map_err(|e| e.to_string())?;
    Ok((
        read_policies_in(&source, params, today, range.clone(), CHUNK_ROWS, &|_| {})?,
        range,
    ))
}

/// The rows of a portfolio file (the header excluded), counted without parsing them
/// ([`crate::portfolio_chunks::count`]), so that a run's caps can be checked before any row is
/// priced.
///
/// # Errors
/// An unreadable file, or one without rows.
pub fn book_rows(source: &Source) -> Result<usize, String> {
    match count(source)? {
        0 => Err(format!("{}: the file has no rows", source.label())),
        n => Ok(n),
    }
}

/// The policies of rows `range` (0-based) of a portfolio file, read `rows` at a time: each
/// chunk's text is validated and priced, then dropped before the next is read, so a book costs
/// its policies and one chunk of text. The policies are those of the whole file read at once
/// (the cells of a chunk are the whole file's; a policy depends on its own row only), and row
/// numbers in errors are the file's. `progress` is called with the number of rows priced after
/// each chunk.
///
/// # Errors
/// As [`read_policies`].
pub fn read_policies_in(
    source: &Source,
    params: &ModelParams,
    today: Date,
    range: Range<usize>,
    rows: usize,
    progress: &dyn Fn(usize),
) -> Result<Vec<Policy>, String> {
    let mut policies = Vec::with_capacity(range.len());
    for chunk in chunks(source, range, rows)? {
        let chunk = chunk?;
        let priced = policies_in(chunk.df, params, today, chunk.first)?;
        progress(priced.len());
        policies.extend(priced);
    }
    Ok(policies)
}

/// The policies of every row of a table whose first row is the file's row `first` (0-based);
/// row numbers in errors are the file's.
fn policies_in(
    df: DataFrame,
    params: &ModelParams,
    today: Date,
    first: usize,
) -> Result<Vec<Policy>, String> {
    if crate::oed::is_oed(&df) {
        return crate::oed::policies(Rows { df, first }, params, today);
    }
    let range = 0..df.height();
    let rows = Rows { df, first };
    let has = |c: &str| rows.df.column(c).is_ok();
    if !has("frequency_mean") && !FIRM.iter().all(|c| has(c)) {
        let lacks = |cols: &[&str]| {
            cols.iter()
                .filter(|c| !has(c))
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(format!(
            "neither a firm-attribute file (lacks {}), an explicit-parameter file (lacks {}) nor an OED account file (lacks {})",
            lacks(&FIRM),
            lacks(&EXPLICIT),
            lacks(&crate::oed::MARKERS)
        ));
    }
    let layer = [
        rows.col("deductible")?,
        rows.col("occurrence_limit")?,
        rows.col("aggregate_limit")?,
    ];
    let mut policies = Vec::with_capacity(range.len());
    let suppliers = rows.col(crate::suppliers_io::COLUMN)?;
    let deps = |i: usize, mut d: Vec<String>| -> Result<Vec<String>, String> {
        d.extend(crate::suppliers_io::dependencies(
            suppliers.as_ref(),
            i,
            first + i + 1,
        )?);
        Ok(d)
    };
    if rows.col("frequency_mean")?.is_some() {
        let clouds = rows.col("cloud_providers")?;
        let ids = rows.required("policy_id")?;
        let c: Vec<Vec<Option<String>>> = EXPLICIT[1..]
            .iter()
            .map(|k| rows.required(k))
            .collect::<Result<_, _>>()?;
        let revenue = rows.col("annual_revenue")?;
        for i in range {
            let row = first + i + 1;
            let id = policy_id(&ids[i], row)?;
            let num = |k: usize| {
                number(&c[k][i], row, EXPLICIT[k + 1], true).map(|x| x.unwrap_or(f64::NAN))
            };
            let (lambda, median, sigma) = (num(0)?, num(1)?, num(2)?);
            if median > MAX_SEVERITY_MEDIAN {
                return Err(format!(
                    "row {row}, column severity_median: {median:e} exceeds the cap of \
                     {MAX_SEVERITY_MEDIAN:e} (a median event loss of a quadrillion currency units)"
                ));
            }
            let f = Frequency::poisson(lambda)
                .map_err(|e| format!("row {row}, column frequency_mean: {e}"))?;
            let s = Severity::lognormal(median, sigma).map_err(|e| {
                let col = if e.to_string().starts_with("median") {
                    "severity_median"
                } else {
                    "severity_sigma"
                };
                format!("row {row}, column {col}: {e}")
            })?;
            let revenue = match &revenue {
                Some(r) => number(&r[i], row, "annual_revenue", false)?.unwrap_or(0.0),
                None => 0.0,
            };
            policies.push(Policy {
                id,
                model: LossModel::new(vec![Peril::new("cyber", f, s)], terms(&layer, i, row)?),
                dependencies: deps(i, clouds.as_ref().map(|c| list(&c[i])).unwrap_or_default())?,
                revenue,
                share: 1.0,
            });
        }
        return Ok(policies);
    }
    let firms = FirmColumns::read(&rows)?;
    // Rows are priced in parallel (profile, score, loss model: most of the cost of reading a
    // firm book); the error reported is still the first bad row's.
    use rayon::prelude::*;
    let priced: Vec<Result<Policy, String>> = range
        .into_par_iter()
        .map(|i| {
            let (id, p) = firms.profile(i, params, today)?;
            let score = risk_core::score::score(&p, params);
            Ok(Policy {
                id,
                model: LossModel::from_profile(&p, &score, params),
                dependencies: deps(i, p.cloud_providers.clone())?,
                revenue: p.annual_revenue,
                share: 1.0,
            })
        })
        .collect();
    for p in priced {
        policies.push(p?);
    }
    Ok(policies)
}

/// The firm-attribute columns of a table (contract §7), read once.
pub(crate) struct FirmColumns {
    /// The file's index of the table's first row (for row numbers in messages).
    first: usize,
    ids: Vec<Option<String>>,
    required: Vec<Vec<Option<String>>>,
    certs: Option<Vec<Option<String>>>,
    functions: Vec<Option<Vec<Option<String>>>>,
    layer: [Option<Vec<Option<String>>>; 3],
    clouds: Option<Vec<Option<String>>>,
}

impl FirmColumns {
    pub(crate) fn read(rows: &Rows) -> Result<Self, String> {
        Ok(FirmColumns {
            first: rows.first,
            ids: rows.required("policy_id")?,
            required: FIRM[1..]
                .iter()
                .map(|k| rows.required(k))
                .collect::<Result<_, _>>()?,
            certs: rows.col("certifications")?,
            functions: FUNCTIONS
                .iter()
                .map(|k| rows.col(k))
                .collect::<Result<_, _>>()?,
            layer: [
                rows.col("deductible")?,
                rows.col("occurrence_limit")?,
                rows.col("aggregate_limit")?,
            ],
            clouds: rows.col("cloud_providers")?,
        })
    }

    /// Row i's policy id and attributes (cells parsed, not yet validated as a profile).
    pub(crate) fn attributes(&self, i: usize) -> Result<(String, FirmAttributes), String> {
        let row = self.first + i + 1;
        let c = &self.required;
        let id = policy_id(&self.ids[i], row)?;
        let revenue = number(&c[1][i], row, "annual_revenue", true)?.unwrap_or(f64::NAN);
        let mut certifications = Vec::new();
        for entry in self.certs.as_ref().map(|c| list(&c[i])).unwrap_or_default() {
            let mut parts = entry.split(':');
            let (Some(scheme), Some(status)) = (parts.next(), parts.next()) else {
                return Err(format!(
                    "row {row}, column certifications: `{entry}` is not scheme:status[:security_level]"
                ));
            };
            let level = match parts.next() {
                None => None,
                Some(l) => Some(l.trim().parse::<f64>().map_err(|_| {
                    format!("row {row}, column certifications: `{entry}`: security level `{l}` is not a number")
                })?),
            };
            certifications.push((scheme.trim().to_string(), status.trim().to_string(), level));
        }
        let mut maturity = [None; 6];
        for ((k, f), m) in FUNCTIONS.iter().zip(&self.functions).zip(&mut maturity) {
            if let Some(col) = f {
                *m = number(&col[i], row, k, false)?;
            }
        }
        let mut coverage = [None; 3];
        for ((name, col), v) in ["deductible", "occurrence_limit", "aggregate_limit"]
            .iter()
            .zip(&self.layer)
            .zip(&mut coverage)
        {
            if let Some(col) = col {
                *v = number(&col[i], row, name, false)?;
            }
        }
        Ok((
            id.clone(),
            FirmAttributes {
                name: id,
                industry: c[0][i].clone().unwrap_or_default(),
                annual_revenue: revenue,
                currency: c[2][i].clone().unwrap_or_default(),
                certifications,
                maturity,
                coverage,
                cloud_providers: self
                    .clouds
                    .as_ref()
                    .map(|c| list(&c[i]))
                    .unwrap_or_default(),
            },
        ))
    }

    /// Row i validated as a firm profile; errors name the row and column.
    pub(crate) fn profile(
        &self,
        i: usize,
        params: &ModelParams,
        today: Date,
    ) -> Result<(String, FirmProfile), String> {
        let none = serde_json::Map::new();
        self.profile_with(i, params, today, (&none, &none))
    }

    /// Row i validated as a firm profile with more `firm` keys and `controls` answers.
    pub(crate) fn profile_with(
        &self,
        i: usize,
        params: &ModelParams,
        today: Date,
        (firm, controls): (
            &serde_json::Map<String, serde_json::Value>,
            &serde_json::Map<String, serde_json::Value>,
        ),
    ) -> Result<(String, FirmProfile), String> {
        let (id, a) = self.attributes(i)?;
        let p =
            FirmProfile::from_attributes_with(&a, firm, controls, params, today).map_err(|e| {
                let msg = e
                    .fields()
                    .iter()
                    .map(|f| format!("column {}: {}", column_of(&f.field), f.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                format!("row {}, {msg}", self.first + i + 1)
            })?;
        Ok((id, p))
    }
}

/// A row's policy id: present, free text a report can show (`risk_core::text`: no control or
/// bidirectional characters, at most 200 characters) and not read as a formula by a
/// spreadsheet. An id starting with `=`, `+`, `-` or `@` is refused here rather than
/// neutralised with a leading `'` in the exports: ids are echoed exactly in every report, CSV
/// and Parquet file (so they join back to the insurer's own book), and an altered id would not.
pub(crate) fn policy_id(cell: &Option<String>, row: usize) -> Result<String, String> {
    let id = cell
        .clone()
        .ok_or_else(|| format!("row {row}, column policy_id: is empty"))?;
    if let Some(m) = risk_core::text::problem(&id, risk_core::profile::MAX_NAME_CHARS) {
        return Err(format!("row {row}, column policy_id: {m}"));
    }
    if id.starts_with(['=', '+', '-', '@']) {
        return Err(format!(
            "row {row}, column policy_id: must not start with =, +, - or @ (a spreadsheet would read it as a formula)"
        ));
    }
    Ok(id)
}

/// The CSV column a profile field came from.
fn column_of(field: &str) -> String {
    let f = field
        .trim_start_matches("firm.")
        .trim_start_matches("coverage.")
        .trim_start_matches("maturity.")
        .trim_start_matches("controls.");
    if f == "name" {
        "policy_id".into()
    } else if f.starts_with("certifications") {
        "certifications".into()
    } else {
        f.to_string()
    }
}

/// The model's shocks, sized as shares of each firm's revenue.
pub fn model_shocks(params: &ModelParams) -> Vec<Shock> {
    params
        .shocks
        .iter()
        .map(|s| Shock {
            name: s.name.clone(),
            annual_probability: s.annual_probability,
            hit_probability: s.hit_probability,
            dependency: s.dependency.clone(),
            size: ShockSize::RevenueShare(
                Severity::lognormal(s.revenue_share_median, s.revenue_share_sigma)
                    .expect("validated model"),
            ),
            supplier: None,
        })
        .collect()
}
