//! Portfolio files (contract §7): policies from CSV or Parquet through polars, validated row by
//! row (a bad row is an error naming the row and column; no row is dropped), and year-loss tables
//! to and from Parquet.

use std::path::Path;

use polars::prelude::*;
use risk_core::dist::{Frequency, Severity};
use risk_core::model::{LossModel, Peril, Terms};
use risk_core::params::ModelParams;
use risk_core::portfolio::{NO_POLICY, Policy, Shock, ShockSize, YearLossTable};
use risk_core::profile::{FirmAttributes, FirmProfile};
use time::Date;

/// Columns of the explicit-parameter form.
/// Largest `severity_median` an explicit-parameter row may give, in the book's currency: 10¹⁵,
/// above any single-event cyber loss (a row with 2·10¹²⁰, found by fuzzing, overflowed the
/// year-loss sums).
pub const MAX_SEVERITY_MEDIAN: f64 = 1e15;

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

/// Reads a portfolio file held in memory (an HTTP body).
fn read_table_bytes(bytes: &[u8], kind: FileKind) -> Result<DataFrame, String> {
    let cursor = std::io::Cursor::new(bytes.to_vec());
    let df = match kind {
        FileKind::Parquet => ParquetReader::new(cursor).finish(),
        FileKind::Csv => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(cursor)
            .finish(),
    }
    .map_err(|e| format!("body: {e}"))?;
    if df.height() == 0 {
        return Err("body: the file has no rows".into());
    }
    Ok(df)
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
    policies_from(read_table_bytes(bytes, kind)?, params, today)
}

/// Reads a CSV (header row) or Parquet file into a table of strings, so every cell is validated
/// by the same code whatever the file type.
pub(crate) fn read_table(path: &Path) -> Result<DataFrame, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let df = match ext {
        "parquet" => {
            let f = std::fs::File::open(path)
                .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
            ParquetReader::new(f).finish()
        }
        "csv" => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish()),
        _ => {
            return Err(format!(
                "{}: expected a .csv or .parquet file",
                path.display()
            ));
        }
    }
    .map_err(|e| format!("{}: {e}", path.display()))?;
    if df.height() == 0 {
        return Err(format!("{}: the file has no rows", path.display()));
    }
    Ok(df)
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
    policies_from(read_table(path)?, params, today)
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
) -> Result<(Vec<Policy>, std::ops::Range<usize>), String> {
    let df = read_table(path)?;
    let range =
        risk_core::portfolio::shard_range(df.height(), shard, shards).map_err(|e| e.to_string())?;
    Ok((policies_in(df, params, today, range.clone())?, range))
}

fn policies_from(df: DataFrame, params: &ModelParams, today: Date) -> Result<Vec<Policy>, String> {
    let n = df.height();
    policies_in(df, params, today, 0..n)
}

/// The policies of rows `range` (0-based) of a table; row numbers in errors are the file's.
fn policies_in(
    df: DataFrame,
    params: &ModelParams,
    today: Date,
    range: std::ops::Range<usize>,
) -> Result<Vec<Policy>, String> {
    if crate::oed::is_oed(&df) {
        return crate::oed::policies(df, params, today, range);
    }
    let rows = Rows { df };
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
        d.extend(crate::suppliers_io::dependencies(suppliers.as_ref(), i)?);
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
            let row = i + 1;
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
    ids: Vec<Option<String>>,
    required: Vec<Vec<Option<String>>>,
    certs: Option<Vec<Option<String>>>,
    functions: Vec<Option<Vec<Option<String>>>>,
    layer: [Option<Vec<Option<String>>>; 3],
    clouds: Option<Vec<Option<String>>>,
    /// Rows of the file before this table's first (a batch of a larger file).
    offset: usize,
}

impl FirmColumns {
    pub(crate) fn read(rows: &Rows) -> Result<Self, String> {
        Ok(FirmColumns {
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
            offset: 0,
        })
    }

    /// The same columns as rows `offset + 1`… of a file (row numbers in errors).
    pub(crate) fn starting_at(self, offset: usize) -> Self {
        FirmColumns { offset, ..self }
    }

    /// Row i's policy id and attributes (cells parsed, not yet validated as a profile).
    pub(crate) fn attributes(&self, i: usize) -> Result<(String, FirmAttributes), String> {
        let row = self.offset + i + 1;
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
                format!("row {}, {msg}", self.offset + i + 1)
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

/// The high and low 64 bits of fixed-point values.
fn split(xs: &[i128]) -> (Vec<i64>, Vec<i64>) {
    (
        xs.iter().map(|&x| (x >> 64) as i64).collect(),
        xs.iter().map(|&x| x as u64 as i64).collect(),
    )
}

/// Writes a year-loss table: `year`, `loss` (f64, the year's sum) and the exact fixed-point value
/// as `loss_hi`, `loss_lo` (the high and low 64 bits), `occurrence_loss` (f64, the year's largest
/// event), `max_event_hi`/`_lo` (the largest own event) and `max_event_policy` (the book index of
/// its policy, -1 in a year without own events), per shock `shock{s}_occurs` and its
/// occurrence's loss `shock{s}_event_hi`/`_lo`, plus run metadata columns so shards can be merged.
pub fn write_ylt(path: &Path, t: &YearLossTable, shock_names: &[String]) -> Result<(), String> {
    let n = t.loss.len();
    let losses = t.losses();
    let (hi, lo) = split(&t.loss);
    let (max_hi, max_lo) = split(&t.max_event);
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("year".into(), (0..n as u64).collect::<Vec<u64>>()),
        Column::new("loss".into(), losses),
        Column::new("loss_hi".into(), hi),
        Column::new("loss_lo".into(), lo),
        Column::new("occurrence_loss".into(), t.occurrence_losses()),
        Column::new("max_event_hi".into(), max_hi),
        Column::new("max_event_lo".into(), max_lo),
        Column::new(
            "max_event_policy".into(),
            t.max_event_policy
                .iter()
                .map(|&p| if p == NO_POLICY { -1 } else { i64::from(p) })
                .collect::<Vec<i64>>(),
        ),
        Column::new("seed".into(), vec![t.seed; n]),
        Column::new("policy_start".into(), vec![t.policies.start as u64; n]),
        Column::new("policy_end".into(), vec![t.policies.end as u64; n]),
        Column::new("shock_names".into(), vec![shock_names.join(";"); n]),
    ])
    .map_err(|e| e.to_string())?;
    // Per-shock totals travel in the first rows of one column per shock (zero elsewhere).
    for (s, &v) in t.shock_loss.iter().enumerate() {
        let mut col_hi = vec![0i64; n];
        let mut col_lo = vec![0i64; n];
        col_hi[0] = (v >> 64) as i64;
        col_lo[0] = v as u64 as i64;
        df.with_column(Column::new(format!("shock{s}_hi").into(), col_hi))
            .map_err(|e| e.to_string())?;
        df.with_column(Column::new(format!("shock{s}_lo").into(), col_lo))
            .map_err(|e| e.to_string())?;
        let mut occurs = vec![0i64; n];
        let mut events = vec![0i128; n];
        for (&y, &e) in t.shock_years[s].iter().zip(&t.shock_events[s]) {
            occurs[y as usize] = 1;
            events[y as usize] = e;
        }
        let (ev_hi, ev_lo) = split(&events);
        for c in [
            Column::new(format!("shock{s}_occurs").into(), occurs),
            Column::new(format!("shock{s}_event_hi").into(), ev_hi),
            Column::new(format!("shock{s}_event_lo").into(), ev_lo),
        ] {
            df.with_column(c).map_err(|e| e.to_string())?;
        }
    }
    let f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ParquetWriter::new(f)
        .finish(&mut df)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

/// Reads a year-loss table written by [`write_ylt`], with its shock names.
pub fn read_ylt(path: &Path) -> Result<(YearLossTable, Vec<String>), String> {
    let f =
        std::fs::File::open(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let err = |e: PolarsError| format!("{}: {e}", path.display());
    let i64s = |name: &str| -> Result<Vec<i64>, String> {
        let c = df.column(name).map_err(err)?;
        Ok(c.i64().map_err(err)?.into_no_null_iter().collect())
    };
    let u64s = |name: &str| -> Result<Vec<u64>, String> {
        let c = df.column(name).map_err(err)?;
        Ok(c.u64().map_err(err)?.into_no_null_iter().collect())
    };
    let join = |hi: i64, lo: i64| ((hi as i128) << 64) | (lo as u64 as i128);
    let (hi, lo) = (i64s("loss_hi")?, i64s("loss_lo")?);
    let seed = u64s("seed")?;
    let (start, end) = (u64s("policy_start")?, u64s("policy_end")?);
    let shocks = df
        .get_column_names()
        .iter()
        .filter(|c| c.ends_with("_hi") && c.starts_with("shock") && !c.contains("_event"))
        .count();
    let joined = |name: &str| -> Result<Vec<i128>, String> {
        let (h, l) = (i64s(&format!("{name}_hi"))?, i64s(&format!("{name}_lo"))?);
        Ok(h.iter().zip(&l).map(|(&h, &l)| join(h, l)).collect())
    };
    let mut shock_loss = Vec::new();
    let mut shock_years = Vec::new();
    let mut shock_events = Vec::new();
    for s in 0..shocks {
        shock_loss.push(joined(&format!("shock{s}"))?[0]);
        let occurs: Vec<bool> = {
            let c = df.column(&format!("shock{s}_occurs")).map_err(err)?;
            c.i64()
                .map_err(err)?
                .into_no_null_iter()
                .map(|b| b != 0)
                .collect()
        };
        let events = joined(&format!("shock{s}_event"))?;
        let years: Vec<u64> = (0..occurs.len() as u64)
            .filter(|&y| occurs[y as usize])
            .collect();
        shock_events.push(years.iter().map(|&y| events[y as usize]).collect());
        shock_years.push(years);
    }
    let names = df
        .column("shock_names")
        .map_err(err)?
        .str()
        .map_err(err)?
        .get(0)
        .map(|s| {
            s.split(';')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let table = YearLossTable {
        trials: hi.len() as u64,
        seed: seed.first().copied().unwrap_or(0),
        policies: start.first().copied().unwrap_or(0) as usize
            ..end.first().copied().unwrap_or(0) as usize,
        loss: hi.iter().zip(&lo).map(|(&h, &l)| join(h, l)).collect(),
        shock_loss,
        max_event: joined("max_event")?,
        max_event_policy: i64s("max_event_policy")?
            .into_iter()
            .map(|p| u32::try_from(p).unwrap_or(NO_POLICY))
            .collect(),
        shock_years,
        shock_events,
    };
    Ok((table, names))
}
