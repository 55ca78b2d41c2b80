//! The PortfolioReport of a year-loss table.
//!
//! A copy of `risk_api::cli::portfolio_report`, which is private to risk-api today; replace this
//! file with a call to it once risk-api makes it public. The pytest suite compares this report
//! with `risk portfolio`'s output field by field, so a drift fails there.

use risk_api::dto::portfolio::{ContributorDto, PortfolioReport, ReturnPeriodDto, ShockDto};
use risk_api::dto::v1::LevelDto;
use risk_core::portfolio::{Allocation, YearLossTable};
use risk_core::stats::LevelValue;

/// The report of `table`, with the Euler allocation (and its level) of a whole-portfolio run.
pub(crate) fn portfolio_report(
    table: &YearLossTable,
    names: &[String],
    shard: Option<String>,
    closed_form_gross_mean: Option<f64>,
    allocation: Option<(&[Allocation], f64)>,
    ids: &[String],
) -> PortfolioReport {
    let periods = [
        2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0,
    ];
    let mut levels = vec![0.99, 0.995, 0.999];
    let curve_levels: Vec<f64> = periods.iter().map(|r| 1.0 - 1.0 / r).collect();
    levels.extend(&curve_levels);
    let st = risk_core::portfolio::stats(table, &levels, &[]);
    let to_dto = |v: &LevelValue| LevelDto {
        level: v.level,
        value: v.value,
        std_error: v.std_error,
    };
    let (allocation, level) = match allocation {
        Some((a, level)) => (Some(a), Some(level)),
        None => (None, None),
    };
    let mut top: Vec<ContributorDto> = allocation
        .unwrap_or_default()
        .iter()
        .map(|a| ContributorDto {
            policy_id: ids[a.policy].clone(),
            tvar_contribution: a.tvar_contribution,
        })
        .collect();
    let allocated_total = allocation.map(|a| a.iter().map(|x| x.tvar_contribution).sum());
    top.sort_by(|a, b| {
        b.tvar_contribution
            .total_cmp(&a.tvar_contribution)
            .then(a.policy_id.cmp(&b.policy_id))
    });
    top.truncate(10);
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
        shocks: names
            .iter()
            .zip(table.shock_means())
            .map(|(n, m)| ShockDto {
                name: n.clone(),
                mean: m,
            })
            .collect(),
        allocation_level: level,
        allocated_total,
        top_contributors: top,
    }
}
