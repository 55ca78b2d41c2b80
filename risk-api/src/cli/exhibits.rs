//! `risk exhibits`: the rating plan's tables as CSV and Parquet files (one pair per table).

use std::path::Path;

use polars::prelude::*;
use risk_core::params::ModelParams;
use risk_core::pricing::exhibits::{Exhibits, exhibits};

use super::CliError;

/// Default simulated years behind each simulated entry.
pub(super) const DEFAULT_TRIALS: u64 = 20_000;

/// Computes the exhibits of `params` and writes `<table>.csv` and `<table>.parquet` to `dir`.
pub(super) fn write(
    params: &ModelParams,
    dir: &Path,
    trials: u64,
    seed: u64,
) -> Result<(), CliError> {
    if trials == 0 || trials > risk_core::model::MAX_TRIALS {
        return Err(CliError::BadInput(format!(
            "trials: must be between 1 and {}",
            risk_core::model::MAX_TRIALS
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", dir.display())))?;
    let ex = exhibits(params, trials, seed);
    for (name, mut df) in tables(params, &ex, trials, seed).map_err(anyhow::Error::from)? {
        let csv = dir.join(format!("{name}.csv"));
        let f = std::fs::File::create(&csv)
            .map_err(|e| CliError::BadInput(format!("{}: {e}", csv.display())))?;
        CsvWriter::new(f)
            .finish(&mut df)
            .map_err(anyhow::Error::from)?;
        let pq = dir.join(format!("{name}.parquet"));
        let f = std::fs::File::create(&pq)
            .map_err(|e| CliError::BadInput(format!("{}: {e}", pq.display())))?;
        ParquetWriter::new(f)
            .finish(&mut df)
            .map_err(anyhow::Error::from)?;
    }
    eprintln!(
        "wrote base_rates, limit_factors, deductible_credits, schedule, section_shares and rules \
         (model {}, {trials} years, seed {seed}) to {}",
        params.id(),
        dir.display()
    );
    Ok(())
}

fn col<T>(name: &str, v: Vec<T>) -> Column
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), v)
}

fn tables(
    params: &ModelParams,
    ex: &Exhibits,
    trials: u64,
    seed: u64,
) -> PolarsResult<Vec<(&'static str, DataFrame)>> {
    let ccy = params.base_currency.clone();
    let b = &ex.base_rates;
    let base_rates = DataFrame::new_infer_height(vec![
        col("model", vec![params.id(); b.len()]),
        col("currency", vec![ccy.clone(); b.len()]),
        col(
            "industry",
            b.iter().map(|r| r.industry.to_string()).collect(),
        ),
        col("revenue", b.iter().map(|r| r.revenue).collect()),
        col("deductible", b.iter().map(|r| r.deductible).collect()),
        col("limit", b.iter().map(|r| r.limit).collect()),
        col("base", b.iter().map(|r| r.base).collect()),
        col(
            "industry_factor",
            b.iter().map(|r| r.industry_factor).collect(),
        ),
        col(
            "revenue_factor",
            b.iter().map(|r| r.revenue_factor).collect(),
        ),
        col("layer_factor", b.iter().map(|r| r.layer_factor).collect()),
        col(
            "unscheduled_premium",
            b.iter().map(|r| r.unscheduled_premium).collect(),
        ),
        col("technical", b.iter().map(|r| r.technical).collect()),
        col("charged", b.iter().map(|r| r.charged).collect()),
        col(
            "minimum_applied",
            b.iter().map(|r| r.minimum_applied).collect(),
        ),
        col("trials", vec![trials; b.len()]),
        col("seed", vec![seed; b.len()]),
    ])?;
    let rel = |rows: &[risk_core::pricing::exhibits::Relativity], value: &str| {
        DataFrame::new_infer_height(vec![
            col("currency", vec![ccy.clone(); rows.len()]),
            col("revenue", rows.iter().map(|r| r.revenue).collect()),
            col("deductible", rows.iter().map(|r| r.deductible).collect()),
            col("limit", rows.iter().map(|r| r.limit).collect()),
            col("technical", rows.iter().map(|r| r.technical).collect()),
            col(value, rows.iter().map(|r| r.value).collect()),
        ])
    };
    let s = &ex.schedule;
    let schedule = DataFrame::new_infer_height(vec![
        col("parameter", s.iter().map(|r| r.0.clone()).collect()),
        col("value", s.iter().map(|r| r.1).collect()),
        col("meaning", s.iter().map(|r| r.2.clone()).collect()),
    ])?;
    let sh = &ex.section_shares;
    let shares = DataFrame::new_infer_height(vec![
        col("peril", sh.iter().map(|r| r.0.to_string()).collect()),
        col("section", sh.iter().map(|r| r.1.to_string()).collect()),
        col("share", sh.iter().map(|r| r.2).collect()),
    ])?;
    let ru = &ex.rules;
    let rules = DataFrame::new_infer_height(vec![
        col("code", ru.iter().map(|r| r.0.clone()).collect()),
        col("action", ru.iter().map(|r| r.1.clone()).collect()),
        col("condition", ru.iter().map(|r| r.2.clone()).collect()),
        col("min_revenue", ru.iter().map(|r| r.3).collect()),
        col("message", ru.iter().map(|r| r.4.clone()).collect()),
    ])?;
    Ok(vec![
        ("base_rates", base_rates),
        ("limit_factors", rel(&ex.limit_factors, "factor")?),
        ("deductible_credits", rel(&ex.deductible_credits, "credit")?),
        ("schedule", schedule),
        ("section_shares", shares),
        ("rules", rules),
    ])
}
