//! ORD (Open Results Data) output of a portfolio run: what modelling platforms and reinsurers
//! read (OasisLMF ODS_OpenResultsData; v1 columns and integer codes, as ktools writes them).
//!
//! `write_ord(dir, …)` writes, each as CSV and Parquet (same columns):
//! - `ept` — `SummaryId, EPCalc, EPType, ReturnPeriod, Loss`: EPCalc 2 (full uncertainty: every
//!   simulated year is a period), EPType 1 = OEP, 2 = OEP TVaR, 3 = AEP, 4 = AEP TVaR, at the
//!   standard return periods (2 … 1000 years, those ≤ the number of years). Ranks as ktools reads
//!   them: the loss at RP is the (n/RP)-th largest year (`risk_core::portfolio::ep_curve`), one
//!   rank above the report's lower-quantile VaR.
//! - `alt` — `SummaryId, SampleType, MeanLoss, SDLoss`: SampleType 2 (sample statistics).
//! - `plt` — the period loss table, one row per year with a loss: `Period, SummaryId, Loss,
//!   MaxEventLoss` (periods numbered from 1; `Loss` the year's sum, `MaxEventLoss` its largest
//!   event).
//! - `elt` — the events kept per period: `Period, EventId, SummaryId, Loss`: each common-shock
//!   occurrence (EventId = shock number, from 1) and the year's largest own event of one policy
//!   (EventId 0). OEP = per period the largest `Loss` here.
//! - `summary-info` — `SummaryId, Description, Policies, Trials, Seed, Shocks`.
//!
//! SummaryId 1 is the whole portfolio (or the shard the table covers).

use std::path::Path;

use polars::prelude::*;
use risk_core::portfolio::{EpKind, RETURN_PERIODS, YearLossTable, ep};

/// ORD v1 EPCalc code of full-uncertainty curves.
const EP_CALC_FULL: i64 = 2;
/// ORD v1 SampleType of sample statistics in the ALT.
const SAMPLE_TYPE_SAMPLE: i64 = 2;

/// Fixed-point units of the table to currency units.
fn money(x: i128) -> f64 {
    x as f64 / 65_536.0
}

/// The EPT rows of a table.
fn ept(t: &YearLossTable) -> Result<DataFrame, PolarsError> {
    let (mut calc, mut kind, mut rp, mut loss) = (vec![], vec![], vec![], vec![]);
    for (curve, code) in [(EpKind::Occurrence, 1i64), (EpKind::Aggregate, 3i64)] {
        let points = ep(t, curve, &RETURN_PERIODS);
        for (tvar, k) in [(false, code), (true, code + 1)] {
            for p in &points {
                calc.push(EP_CALC_FULL);
                kind.push(k);
                rp.push(p.return_period);
                loss.push(if tvar { p.tvar } else { p.loss });
            }
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("SummaryId".into(), vec![1i64; calc.len()]),
        Column::new("EPCalc".into(), calc),
        Column::new("EPType".into(), kind),
        Column::new("ReturnPeriod".into(), rp),
        Column::new("Loss".into(), loss),
    ])
}

/// The ALT row of a table: mean and sample standard deviation of the annual loss.
fn alt(t: &YearLossTable) -> Result<DataFrame, PolarsError> {
    let l = t.losses();
    let n = l.len() as f64;
    let mean = l.iter().sum::<f64>() / n;
    let sd = if l.len() > 1 {
        (l.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    DataFrame::new_infer_height(vec![
        Column::new("SummaryId".into(), [1i64]),
        Column::new("SampleType".into(), [SAMPLE_TYPE_SAMPLE]),
        Column::new("MeanLoss".into(), [mean]),
        Column::new("SDLoss".into(), [sd]),
    ])
}

/// The period loss table: years with a loss.
fn plt(t: &YearLossTable) -> Result<DataFrame, PolarsError> {
    let occ = t.occurrence();
    let years: Vec<usize> = (0..t.loss.len()).filter(|&y| t.loss[y] != 0).collect();
    DataFrame::new_infer_height(vec![
        Column::new(
            "Period".into(),
            years.iter().map(|&y| y as i64 + 1).collect::<Vec<_>>(),
        ),
        Column::new("SummaryId".into(), vec![1i64; years.len()]),
        Column::new(
            "Loss".into(),
            years.iter().map(|&y| money(t.loss[y])).collect::<Vec<_>>(),
        ),
        Column::new(
            "MaxEventLoss".into(),
            years.iter().map(|&y| money(occ[y])).collect::<Vec<_>>(),
        ),
    ])
}

/// The kept events: shock occurrences and each year's largest own event.
fn elt(t: &YearLossTable) -> Result<DataFrame, PolarsError> {
    let mut rows: Vec<(i64, i64, f64)> = Vec::new();
    for (y, &m) in t.max_event.iter().enumerate() {
        if m != 0 {
            rows.push((y as i64 + 1, 0, money(m)));
        }
    }
    for (s, (years, events)) in t.shock_years.iter().zip(&t.shock_events).enumerate() {
        for (&y, &e) in years.iter().zip(events) {
            if e != 0 {
                rows.push((y as i64 + 1, s as i64 + 1, money(e)));
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    DataFrame::new_infer_height(vec![
        Column::new(
            "Period".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
        Column::new(
            "EventId".into(),
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        ),
        Column::new("SummaryId".into(), vec![1i64; rows.len()]),
        Column::new("Loss".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
    ])
}

/// The summary-info table: what SummaryId 1 is.
fn summary_info(t: &YearLossTable, shock_names: &[String]) -> Result<DataFrame, PolarsError> {
    DataFrame::new_infer_height(vec![
        Column::new("SummaryId".into(), [1i64]),
        Column::new("Description".into(), ["portfolio"]),
        Column::new("Policies".into(), [t.policies.len() as i64]),
        Column::new("Trials".into(), [t.trials as i64]),
        Column::new("Seed".into(), [t.seed as i64]),
        Column::new("Shocks".into(), [shock_names.join(";")]),
    ])
}

/// Names of the ORD tables, as files are named (`<name>.csv`).
pub const TABLES: [&str; 5] = ["ept", "alt", "plt", "elt", "summary-info"];

/// The ORD tables of a year-loss table as CSV text, by name (the same bytes as the files
/// [`write_ord`] writes).
///
/// # Errors
/// A message naming the table that could not be built.
pub fn csv_tables(
    t: &YearLossTable,
    shock_names: &[String],
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let tables = [
        ("ept", ept(t)),
        ("alt", alt(t)),
        ("plt", plt(t)),
        ("elt", elt(t)),
        ("summary-info", summary_info(t, shock_names)),
    ];
    let mut out = std::collections::BTreeMap::new();
    for (name, df) in tables {
        let mut df = df.map_err(|e| format!("{name}: {e}"))?;
        let mut buf = Vec::new();
        CsvWriter::new(&mut buf)
            .include_header(true)
            .finish(&mut df)
            .map_err(|e| format!("{name}: {e}"))?;
        out.insert(
            name.to_string(),
            String::from_utf8(buf).map_err(|e| format!("{name}: {e}"))?,
        );
    }
    Ok(out)
}

/// Writes the ORD tables of a year-loss table into `dir` (created if missing), as CSV and
/// Parquet.
///
/// # Errors
/// A message naming the file that could not be written.
pub fn write_ord(dir: &Path, t: &YearLossTable, shock_names: &[String]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tables = [
        ("ept", ept(t)),
        ("alt", alt(t)),
        ("plt", plt(t)),
        ("elt", elt(t)),
        ("summary-info", summary_info(t, shock_names)),
    ];
    for (name, df) in tables {
        let mut df = df.map_err(|e| format!("{name}: {e}"))?;
        let csv = dir.join(format!("{name}.csv"));
        let f = std::fs::File::create(&csv).map_err(|e| format!("{}: {e}", csv.display()))?;
        CsvWriter::new(f)
            .include_header(true)
            .finish(&mut df)
            .map_err(|e| format!("{}: {e}", csv.display()))?;
        let pq = dir.join(format!("{name}.parquet"));
        let f = std::fs::File::create(&pq).map_err(|e| format!("{}: {e}", pq.display()))?;
        ParquetWriter::new(f)
            .finish(&mut df)
            .map_err(|e| format!("{}: {e}", pq.display()))?;
    }
    Ok(())
}
