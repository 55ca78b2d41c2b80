//! Computations both the `risk` command and the HTTP handlers run: a spec's LossReport and a
//! whole portfolio's report. Neither front end reaches into the other.

use risk_core::engine;
use risk_core::model::LossSpec;

use crate::dto::portfolio::PortfolioReport;
use crate::dto::v1::{LossReport, Side};

/// The Monte Carlo LossReport of a validated spec (shared by the CLI and the service).
pub fn simulate_spec(spec: &LossSpec) -> LossReport {
    let sim = engine::simulate(&spec.model, spec.trials, spec.seed);
    LossReport::monte_carlo(
        &spec.model,
        &sim,
        Side::Insured,
        &spec.levels,
        &spec.thresholds,
    )
}

/// Level of the Euler capital allocation (Solvency II 1-in-200).
pub const ALLOCATION_LEVEL: f64 = 0.995;

/// Simulates a whole portfolio and reports it with its Euler allocation (shared by the CLI and
/// the service's portfolio jobs).
pub fn whole_portfolio_report(
    portfolio: &risk_core::portfolio::Portfolio,
    trials: u64,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> PortfolioReport {
    use risk_core::portfolio::{allocate, simulate};
    let n = portfolio.policies().len();
    let table = simulate(portfolio, 0..n, trials, seed, progress);
    let allocation = allocate(portfolio, &table, ALLOCATION_LEVEL);
    let names: Vec<String> = portfolio.shocks().iter().map(|s| s.name.clone()).collect();
    book_report(portfolio, &table, &names, None, Some(&allocation))
}

/// Parts a stoppable run ([`portfolio_report_until`]) splits a book into. Under the service's
/// cap of 2e9 expected events a job is at most ~25 s of sampling on the 2-core machine, so one
/// part, and so the wait for a stop, is under a second.
pub const JOB_PARTS: usize = 32;

/// [`whole_portfolio_report`] in [`JOB_PARTS`] parts of the book (simulation, then allocation),
/// asking `stop` before each: `None` when it said stop. The report is bit for bit the whole
/// run's (year-loss tables add exactly; each policy's allocation depends only on the table).
pub fn portfolio_report_until(
    portfolio: &risk_core::portfolio::Portfolio,
    trials: u64,
    seed: u64,
    stop: &dyn Fn() -> bool,
) -> Option<(
    PortfolioReport,
    risk_core::portfolio::YearLossTable,
    Vec<String>,
)> {
    use risk_core::portfolio::{allocate_range, simulate};
    let n = portfolio.policies().len();
    let parts = JOB_PARTS.clamp(1, n.max(1));
    let ranges: Vec<std::ops::Range<usize>> = (0..parts)
        .map(|k| n * k / parts..n * (k + 1) / parts)
        .collect();
    let mut table: Option<risk_core::portfolio::YearLossTable> = None;
    for r in &ranges {
        if stop() {
            return None;
        }
        let part = simulate(portfolio, r.clone(), trials, seed, &|_| {});
        table = Some(match table {
            None => part,
            // Parts of one run (same years and shocks, disjoint ranges) always merge: sums,
            // the largest own event per year and every shock occurrence's loss, exactly.
            Some(t) => t
                .merge(&part)
                .expect("parts of one run have the same years and shocks"),
        });
    }
    let table = table?;
    let mut allocation = Vec::with_capacity(n);
    for r in &ranges {
        if stop() {
            return None;
        }
        allocation.extend(allocate_range(
            portfolio,
            &table,
            ALLOCATION_LEVEL,
            r.clone(),
        ));
    }
    let names: Vec<String> = portfolio.shocks().iter().map(|s| s.name.clone()).collect();
    let report = book_report(portfolio, &table, &names, None, Some(&allocation));
    Some((report, table, names))
}

/// The PortfolioReport of `portfolio`'s year-loss table (whole or one shard), with the policies'
/// ids and, when no policy has terms, the closed-form gross mean.
pub fn book_report(
    portfolio: &risk_core::portfolio::Portfolio,
    table: &risk_core::portfolio::YearLossTable,
    names: &[String],
    shard: Option<String>,
    allocation: Option<&[risk_core::portfolio::Allocation]>,
) -> PortfolioReport {
    let ids: Vec<String> = portfolio.policies().iter().map(|p| p.id.clone()).collect();
    let closed = portfolio
        .policies()
        .iter()
        .all(|p| p.model.terms().is_none())
        .then(|| portfolio.expected_gross());
    let mut report = portfolio_report(table, names, shard, closed, allocation, &ids);
    // The suppliers driving the tail need the whole book's table (as the allocation does).
    if allocation.is_some() && portfolio.shocks().iter().any(|s| s.supplier.is_some()) {
        let (listed, improved) = REPORTED_SUPPLIERS;
        let mut tail =
            risk_core::portfolio::supplier_tail(portfolio, table, ALLOCATION_LEVEL, improved);
        tail.truncate(listed);
        report.suppliers = tail
            .into_iter()
            .map(|t| crate::dto::portfolio::SupplierTailDto {
                supplier: t
                    .name
                    .strip_prefix(risk_core::portfolio::SUPPLIER_PREFIX)
                    .unwrap_or(&t.name)
                    .to_string(),
                mean: t.mean,
                tvar_share: t.tvar_share,
                tvar_fall_star4: t.tvar_fall,
            })
            .collect();
    }
    report
}

/// Largest trials × policies one portfolio run may ask for.
pub const MAX_POLICY_YEARS: f64 = 2.0e10;

/// Most simulated years of a portfolio run.
pub const MAX_PORTFOLIO_TRIALS: u64 = 1_000_000;

/// The id `risk score` gives an assessment: a UUID-shaped digest of the profile text, the
/// model's hash, trials and seed (SHA-256, first 16 bytes), so the same inputs get the same id.
pub fn assessment_id(
    profile_text: &str,
    params: &risk_core::params::ModelParams,
    trials: u64,
    seed: u64,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(profile_text.as_bytes());
    h.update(params.hash.as_bytes());
    h.update(trials.to_le_bytes());
    h.update(seed.to_le_bytes());
    let hex = hex::encode(&h.finalize()[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The PortfolioReport of a year-loss table (with its allocation when there is one).
pub fn portfolio_report(
    table: &risk_core::portfolio::YearLossTable,
    names: &[String],
    shard: Option<String>,
    closed_form_gross_mean: Option<f64>,
    allocation: Option<&[risk_core::portfolio::Allocation]>,
    ids: &[String],
) -> PortfolioReport {
    use crate::dto::portfolio::{ContributorDto, EpPointDto, ReturnPeriodDto, ShockDto};
    let periods = [
        2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0,
    ];
    let mut levels = vec![0.99, 0.995, 0.999];
    let curve_levels: Vec<f64> = periods.iter().map(|r| 1.0 - 1.0 / r).collect();
    levels.extend(&curve_levels);
    let st = risk_core::portfolio::stats(table, &levels, &[]);
    let occ = risk_core::portfolio::occurrence_stats(table, &curve_levels, &[]);
    let curve = |var: &[risk_core::stats::LevelValue], tvar: &[risk_core::stats::LevelValue]| {
        periods
            .iter()
            .zip(var.iter().zip(tvar))
            .map(|(r, (v, t))| EpPointDto {
                return_period: *r,
                loss: v.value,
                tvar: t.value,
            })
            .collect()
    };
    let to_dto = |v: &risk_core::stats::LevelValue| crate::dto::v1::LevelDto {
        level: v.level,
        value: v.value,
        std_error: v.std_error,
    };
    let contributors: Vec<ContributorDto> = allocation
        .unwrap_or_default()
        .iter()
        .map(|a| ContributorDto {
            policy_id: ids[a.policy].clone(),
            tvar_contribution: a.tvar_contribution,
            var_contribution: a.var_contribution,
            oep_tvar_contribution: a.oep_tvar_contribution,
            oep_var_contribution: a.oep_var_contribution,
        })
        .collect();
    let allocated_total = allocation.map(|a| a.iter().map(|x| x.tvar_contribution).sum());
    let oep_allocated_total = allocation.map(|a| a.iter().map(|x| x.oep_tvar_contribution).sum());
    let top = top_by(&contributors, |c| c.tvar_contribution);
    let top_oep = top_by(&contributors, |c| c.oep_tvar_contribution);
    PortfolioReport {
        policies: table.policies.len(),
        trials: table.trials,
        seed: table.seed,
        shard,
        mean: st.mean,
        mean_std_error: st.mean_std_error,
        closed_form_gross_mean,
        var: st.var[..3].iter().map(to_dto).collect(),
        tvar: st.tvar[..3].iter().map(to_dto).collect(),
        exceedance_curve: periods
            .iter()
            .zip(&st.var[3..])
            .map(|(r, v)| ReturnPeriodDto {
                return_period: *r,
                loss: v.value,
            })
            .collect(),
        aep: curve(&st.var[3..], &st.tvar[3..]),
        oep: curve(&occ.var, &occ.tvar),
        shocks: names
            .iter()
            .zip(table.shock_means())
            .map(|(n, m)| ShockDto {
                name: n.clone(),
                mean: m,
            })
            .collect(),
        allocation_level: allocation.map(|_| ALLOCATION_LEVEL),
        allocated_total,
        oep_allocated_total,
        top_contributors: top,
        top_oep_contributors: top_oep,
        suppliers: Vec::new(),
    }
}

/// The ten largest contributors by `key` (ties by policy id).
fn top_by(
    all: &[crate::dto::portfolio::ContributorDto],
    key: impl Fn(&crate::dto::portfolio::ContributorDto) -> f64,
) -> Vec<crate::dto::portfolio::ContributorDto> {
    let mut order: Vec<&crate::dto::portfolio::ContributorDto> = all.iter().collect();
    order.sort_by(|a, b| {
        key(b)
            .total_cmp(&key(a))
            .then(a.policy_id.cmp(&b.policy_id))
    });
    order.into_iter().take(10).cloned().collect()
}

/// Most suppliers a report lists, and how many of them get the ★4 counterfactual.
const REPORTED_SUPPLIERS: (usize, usize) = (20, 10);
