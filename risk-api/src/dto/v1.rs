//! Version 1 of the wire format: LossReport (contract §3) and the `--check` report.

use risk_core::engine::Simulation;
use risk_core::engine::exact::ExactResult;
use risk_core::model::LossModel;
use risk_core::stats::{Check, Exceedance, LevelValue, LossStats};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a distribution was computed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Sampled.
    MonteCarlo,
    /// Computed on a grid by FFT.
    Exact,
}

/// LossReport (contract §3).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LossReport {
    /// `monte_carlo` or `exact`.
    pub method: Method,
    /// Simulated years (null for exact).
    pub trials: Option<u64>,
    /// Seed (null for exact).
    pub seed: Option<u64>,
    /// E[L].
    pub mean: f64,
    /// sd(L).
    pub std: f64,
    /// Standard error of the mean.
    pub mean_std_error: Option<f64>,
    /// VaR per level.
    pub var: Vec<LevelDto>,
    /// TVaR per level.
    pub tvar: Vec<LevelDto>,
    /// Exceedance probabilities.
    pub exceedance: Vec<ExceedanceDto>,
    /// Per-peril expected frequency and loss.
    pub perils: Vec<PerilDto>,
    /// Exact method: bound on the absolute error of the reported probabilities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_bound: Option<f64>,
}

/// A statistic at a level.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LevelDto {
    /// Confidence level.
    pub level: f64,
    /// Value, currency units.
    pub value: f64,
    /// Standard error.
    pub std_error: Option<f64>,
}

/// An exceedance probability.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExceedanceDto {
    /// Loss amount.
    pub threshold: f64,
    /// P(L > threshold).
    pub probability: f64,
    /// Standard error.
    pub std_error: Option<f64>,
}

/// One peril's contribution.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PerilDto {
    /// Peril name.
    pub name: String,
    /// Expected events a year.
    pub frequency: f64,
    /// Expected annual loss from this peril (after terms; the aggregate limit shared pro rata).
    pub mean: f64,
    /// Standard error of `mean`.
    pub mean_std_error: Option<f64>,
}

impl From<&LevelValue> for LevelDto {
    fn from(v: &LevelValue) -> Self {
        LevelDto {
            level: v.level,
            value: v.value,
            std_error: v.std_error,
        }
    }
}

impl From<&Exceedance> for ExceedanceDto {
    fn from(e: &Exceedance) -> Self {
        ExceedanceDto {
            threshold: e.threshold,
            probability: e.probability,
            std_error: e.std_error,
        }
    }
}

pub use risk_core::engine::Side;

impl LossReport {
    /// A Monte Carlo report of `sim`'s gross or insured losses.
    pub fn monte_carlo(
        model: &LossModel,
        sim: &Simulation,
        side: Side,
        levels: &[f64],
        thresholds: &[f64],
    ) -> Self {
        let stats = LossStats::from_sample(sim.losses(side), levels, thresholds);
        let perils = model
            .perils()
            .iter()
            .zip(sim.peril_stats(side))
            .map(|(p, t)| PerilDto {
                name: p.name().to_string(),
                frequency: p.frequency().mean(),
                mean: t.mean,
                mean_std_error: Some(t.mean_std_error),
            })
            .collect();
        LossReport::from_stats(
            Method::MonteCarlo,
            Some(sim.trials()),
            Some(sim.seed()),
            &stats,
            perils,
            None,
        )
    }

    /// Assembles a report from statistics.
    pub fn from_stats(
        method: Method,
        trials: Option<u64>,
        seed: Option<u64>,
        stats: &LossStats,
        perils: Vec<PerilDto>,
        error_bound: Option<f64>,
    ) -> Self {
        LossReport {
            method,
            trials,
            seed,
            mean: stats.mean,
            std: stats.std,
            mean_std_error: stats.mean_std_error,
            var: stats.var.iter().map(Into::into).collect(),
            tvar: stats.tvar.iter().map(Into::into).collect(),
            exceedance: stats.exceedance.iter().map(Into::into).collect(),
            perils,
            error_bound,
        }
    }

    /// An exact report: `trials`, `seed` and standard errors null, with the error bound.
    pub fn exact(model: &LossModel, exact: &ExactResult) -> Self {
        let perils = model
            .perils()
            .iter()
            .zip(&exact.perils)
            .map(|(p, e)| PerilDto {
                name: p.name().to_string(),
                frequency: e.frequency,
                mean: e.mean,
                mean_std_error: None,
            })
            .collect();
        LossReport::from_stats(
            Method::Exact,
            None,
            None,
            &exact.stats,
            perils,
            Some(exact.error_bound),
        )
    }
}

/// `risk simulate --check`: Monte Carlo against exact, statistic by statistic, and the mean
/// and standard deviation against their closed forms (the way Mildenhall's `aggregate`
/// prints its moment check with every result).
///
/// z = (Monte Carlo − exact)/std_error, with the Monte Carlo standard error (for exceedance
/// the binomial one at the exact probability); null where it is undefined (zero standard
/// error and a difference, or an infinite exact value).
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Always `check`.
    pub method: &'static str,
    /// Simulated years of the Monte Carlo run.
    pub trials: u64,
    /// Its seed.
    pub seed: u64,
    /// The exact method's bound on the absolute error of its probabilities.
    pub error_bound: f64,
    /// Bucket size of the exact method's finest grid (currency units).
    pub bucket: f64,
    /// Cells of that grid.
    pub grid_points: usize,
    /// E[L].
    pub mean: CheckMoment,
    /// sd(L).
    pub std: CheckMoment,
    /// VaR per level.
    pub var: Vec<CheckLevel>,
    /// TVaR per level.
    pub tvar: Vec<CheckLevel>,
    /// Exceedance probabilities.
    pub exceedance: Vec<CheckThreshold>,
    /// Largest |z| over all rows (null if none is defined).
    pub max_abs_z: Option<f64>,
    /// Whether every defined |z| is at most 3.
    pub within_3_std_errors: bool,
}

/// A moment three ways.
#[derive(Debug, Clone, Serialize)]
pub struct CheckMoment {
    /// Closed form (null under an aggregate limit; null too when infinite).
    pub closed_form: Option<f64>,
    /// Exact method (null when infinite).
    pub exact: Option<f64>,
    /// Monte Carlo estimate.
    pub monte_carlo: f64,
    /// Its standard error: sd/√n for the mean, √((m₄ − s⁴)/n)/(2s) for the std.
    pub std_error: Option<f64>,
    /// (Monte Carlo − exact)/std_error.
    pub z: Option<f64>,
}

/// A statistic at a level, both ways.
#[derive(Debug, Clone, Serialize)]
pub struct CheckLevel {
    /// Confidence level.
    pub level: f64,
    /// Exact method.
    pub exact: f64,
    /// Monte Carlo estimate.
    pub monte_carlo: f64,
    /// Its standard error.
    pub std_error: Option<f64>,
    /// (Monte Carlo − exact)/std_error.
    pub z: Option<f64>,
}

/// An exceedance probability, both ways.
#[derive(Debug, Clone, Serialize)]
pub struct CheckThreshold {
    /// Loss amount.
    pub threshold: f64,
    /// Exact method.
    pub exact: f64,
    /// Monte Carlo estimate.
    pub monte_carlo: f64,
    /// Binomial standard error √(p(1 − p)/n) at the exact p.
    pub std_error: f64,
    /// (Monte Carlo − exact)/std_error.
    pub z: Option<f64>,
}

impl CheckReport {
    /// Compares `sim` (the insured losses of a Monte Carlo run) with `exact`: the core's
    /// [`Check`] in wire form, with the run's settings.
    pub fn new(sim: &Simulation, exact: &ExactResult, levels: &[f64], thresholds: &[f64]) -> Self {
        let c = Check::new(
            sim.insured(),
            &exact.stats,
            exact.closed_form_mean,
            exact.closed_form_std,
            levels,
            thresholds,
        );
        let moment = |m: &risk_core::stats::CheckMoment| CheckMoment {
            closed_form: m.closed_form,
            exact: m.exact,
            monte_carlo: m.monte_carlo,
            std_error: m.std_error,
            z: m.z,
        };
        let level = |r: &risk_core::stats::CheckLevel| CheckLevel {
            level: r.level,
            exact: r.exact,
            monte_carlo: r.monte_carlo,
            std_error: r.std_error,
            z: r.z,
        };
        CheckReport {
            method: "check",
            trials: sim.trials(),
            seed: sim.seed(),
            error_bound: exact.error_bound,
            bucket: exact.grid.bucket,
            grid_points: exact.grid.points,
            mean: moment(&c.mean),
            std: moment(&c.std),
            var: c.var.iter().map(level).collect(),
            tvar: c.tvar.iter().map(level).collect(),
            exceedance: c
                .exceedance
                .iter()
                .map(|r| CheckThreshold {
                    threshold: r.threshold,
                    exact: r.exact,
                    monte_carlo: r.monte_carlo,
                    std_error: r.std_error,
                    z: r.z,
                })
                .collect(),
            max_abs_z: c.max_abs_z,
            within_3_std_errors: c.within_3_std_errors,
        }
    }
}
