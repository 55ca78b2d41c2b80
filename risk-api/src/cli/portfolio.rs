//! `risk portfolio`: a book (or one shard of it) simulated with its common shocks.

#[allow(clippy::wildcard_imports)]
use super::*;

use crate::portfolio_chunks::{CHUNK_ROWS, Source};
use crate::service::{MAX_POLICY_YEARS, MAX_PORTFOLIO_TRIALS, book_report};

/// Files a run reads besides the book.
pub(super) struct Inputs {
    /// Common shocks replacing the model's.
    pub(super) shocks: Option<PathBuf>,
    /// The suppliers the book names (contract §16).
    pub(super) suppliers: Option<PathBuf>,
}

/// Files a run writes besides its report.
pub(super) struct Outputs {
    /// The year-loss table (Parquet).
    pub(super) ylt: Option<PathBuf>,
    /// A directory for the ORD tables.
    pub(super) ord: Option<PathBuf>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn run_portfolio(
    file: &Path,
    trials: u64,
    seed: u64,
    inputs: &Inputs,
    outputs: &Outputs,
    shard: &Option<String>,
    model: &Option<PathBuf>,
) -> Result<PortfolioReport, CliError> {
    use risk_core::portfolio::{MAX_POLICIES, Portfolio, PortfolioError, allocate, simulate};
    if trials == 0 || trials > MAX_PORTFOLIO_TRIALS {
        return Err(CliError::BadInput(format!(
            "trials: must be between 1 and {MAX_PORTFOLIO_TRIALS}"
        )));
    }
    let params = load_params(model)?;
    let today = time::OffsetDateTime::now_utc().date();
    let shard_of = match shard {
        None => None,
        Some(s) => Some(
            s.split_once('/')
                .and_then(|(i, k)| Some((i.parse::<usize>().ok()?, k.parse::<usize>().ok()?)))
                .ok_or_else(|| CliError::BadInput(format!("--shard: `{s}` is not i/n")))?,
        ),
    };
    // The book's rows are counted first (a scan of the file, no row parsed), so that the caps
    // refuse a run before any row is priced or year simulated.
    let source = Source::File(file);
    let rows = portfolio_io::book_rows(&source).map_err(CliError::BadInput)?;
    let range = match shard_of {
        None => 0..rows,
        Some((i, k)) => risk_core::portfolio::shard_range(rows, i, k)
            .map_err(|e| CliError::BadInput(e.to_string()))?,
    };
    if range.end > MAX_POLICIES {
        return Err(CliError::BadInput(
            PortfolioError::TooLarge(range.end).to_string(),
        ));
    }
    if range.len() as f64 * trials as f64 > MAX_POLICY_YEARS {
        return Err(CliError::BadInput(format!(
            "trials: {trials} years x {} policies exceed the cap of {MAX_POLICY_YEARS:e} policy-years",
            range.len()
        )));
    }
    // The run's other inputs, before the book's rows are priced.
    let shocks = match &inputs.shocks {
        None => portfolio_io::model_shocks(&params),
        Some(p) => risk_core::portfolio::parse_shocks(&read_input(p)?)
            .map_err(|e| CliError::BadInput(e.to_string()))?,
    };
    let described = match &inputs.suppliers {
        None => Vec::new(),
        Some(p) => crate::suppliers_io::parse_described(&read_input(p)?, &params, today)
            .map_err(CliError::BadInput)?,
    };
    // A shard prices and validates only its own rows (its share of the reading and memory), a
    // chunk of rows at a time: the file's text is never held whole.
    let bar = progress_bar(range.len(), "reading")?;
    let policies =
        portfolio_io::read_policies_in(&source, &params, today, range.clone(), CHUNK_ROWS, &|k| {
            bar.inc(k as u64)
        })
        .map_err(CliError::BadInput)?;
    bar.finish_and_clear();
    // One common shock per supplier the whole book names (a shard reads the ids of every row,
    // so all shards simulate the same shocks).
    let ids = match shard {
        None => crate::suppliers_io::named(&policies),
        Some(_) => crate::suppliers_io::read_ids(file).map_err(CliError::BadInput)?,
    };
    let shocks = crate::suppliers_io::book_shocks(&params, shocks, &ids, &described, today);
    let names: Vec<String> = shocks.iter().map(|s| s.name.clone()).collect();
    let portfolio = Portfolio::part(policies, shocks, range.start)
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let bar = progress_bar(range.len(), "simulating")?;
    let table = simulate(&portfolio, range.clone(), trials, seed, &|k| {
        bar.inc(k as u64)
    });
    bar.finish_and_clear();
    if let Some(out) = &outputs.ylt {
        portfolio_io::write_ylt(out, &table, &names).map_err(CliError::BadInput)?;
    }
    if let Some(dir) = &outputs.ord {
        crate::ord::write_ord(dir, &table, &names).map_err(CliError::BadInput)?;
    }
    let allocation = (shard.is_none()).then(|| allocate(&portfolio, &table, ALLOCATION_LEVEL));
    Ok(book_report(
        &portfolio,
        &table,
        &names,
        shard.clone(),
        allocation.as_deref(),
    ))
}

/// A progress bar over `len` policies on stderr (hidden when stderr is not a terminal).
fn progress_bar(len: usize, what: &str) -> Result<indicatif::ProgressBar, CliError> {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} policies, {eta} left",
        )
        .map_err(anyhow::Error::from)?,
    );
    bar.set_message(what.to_string());
    Ok(bar)
}
