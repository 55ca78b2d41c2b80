//! The Monte Carlo estimate checked against the exact distribution and the closed-form moments
//! (the way Mildenhall's `aggregate` prints its moment check with every result): what
//! `risk simulate --check` reports.
//!
//! z = (Monte Carlo − exact)/std_error, with the Monte Carlo standard error (for exceedance the
//! binomial one at the exact probability); None where it is undefined (zero standard error and a
//! difference, or an infinite exact value).

use super::{LevelValue, LossStats};

/// Monte Carlo against exact, statistic by statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
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
    /// Largest |z| over all rows (None if none is defined).
    pub max_abs_z: Option<f64>,
    /// Whether every defined |z| is at most 3.
    pub within_3_std_errors: bool,
}

/// A moment three ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckMoment {
    /// Closed form (None under an aggregate limit, and when infinite).
    pub closed_form: Option<f64>,
    /// Exact method (None when infinite).
    pub exact: Option<f64>,
    /// Monte Carlo estimate.
    pub monte_carlo: f64,
    /// Its standard error: sd/√n for the mean, √((m₄ − s⁴)/n)/(2s) for the std.
    pub std_error: Option<f64>,
    /// (Monte Carlo − exact)/std_error.
    pub z: Option<f64>,
}

/// A statistic at a level, both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// (Monte Carlo − exact)/se; 0 for equal values, None when undefined.
pub fn z_score(mc: f64, exact: f64, se: Option<f64>) -> Option<f64> {
    if mc == exact {
        return Some(0.0);
    }
    let z = (mc - exact) / se?;
    z.is_finite().then_some(z)
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl Check {
    /// Compares the simulated annual `losses` (one per year) with the `exact` statistics at the
    /// same `levels` and `thresholds`, and the moments with their closed forms
    /// (`closed_form_mean`, `closed_form_std`: None where there is none).
    ///
    /// # Panics
    /// As [`LossStats::from_sample`]: if `losses` is empty or a level is outside (0, 1).
    pub fn new(
        losses: &[f64],
        exact: &LossStats,
        closed_form_mean: Option<f64>,
        closed_form_std: Option<f64>,
        levels: &[f64],
        thresholds: &[f64],
    ) -> Self {
        let mc = LossStats::from_sample(losses, levels, thresholds);
        let n = losses.len() as f64;
        let ex = exact;
        // Standard error of the sample std: √((m₄ − s⁴)/n)/(2s).
        let m4 = losses.iter().map(|x| (x - mc.mean).powi(4)).sum::<f64>() / n;
        let s2 = mc.std * mc.std;
        let std_se = (mc.std > 0.0).then(|| ((m4 - s2 * s2).max(0.0) / n).sqrt() / (2.0 * mc.std));
        let mean = CheckMoment {
            closed_form: closed_form_mean,
            exact: finite(ex.mean),
            monte_carlo: mc.mean,
            std_error: mc.mean_std_error,
            z: z_score(mc.mean, ex.mean, mc.mean_std_error),
        };
        let std = CheckMoment {
            closed_form: closed_form_std.and_then(finite),
            exact: finite(ex.std),
            monte_carlo: mc.std,
            std_error: std_se,
            z: finite(ex.std).and_then(|e| z_score(mc.std, e, std_se)),
        };
        let rows = |m: &[LevelValue], e: &[LevelValue]| -> Vec<CheckLevel> {
            m.iter()
                .zip(e)
                .map(|(m, e)| CheckLevel {
                    level: m.level,
                    exact: e.value,
                    monte_carlo: m.value,
                    std_error: m.std_error,
                    z: z_score(m.value, e.value, m.std_error),
                })
                .collect()
        };
        let var = rows(&mc.var, &ex.var);
        let tvar = rows(&mc.tvar, &ex.tvar);
        let exceedance: Vec<CheckThreshold> = mc
            .exceedance
            .iter()
            .zip(&ex.exceedance)
            .map(|(m, e)| {
                let p = e.probability;
                let se = (p * (1.0 - p) / n).sqrt();
                CheckThreshold {
                    threshold: m.threshold,
                    exact: p,
                    monte_carlo: m.probability,
                    std_error: se,
                    z: z_score(m.probability, p, Some(se)),
                }
            })
            .collect();
        let zs: Vec<f64> = [mean.z, std.z]
            .into_iter()
            .chain(var.iter().map(|r| r.z))
            .chain(tvar.iter().map(|r| r.z))
            .chain(exceedance.iter().map(|r| r.z))
            .flatten()
            .map(f64::abs)
            .collect();
        let max_abs_z = zs.iter().copied().reduce(f64::max);
        Check {
            mean,
            std,
            var,
            tvar,
            exceedance,
            max_abs_z,
            within_3_std_errors: zs.iter().all(|&z| z <= 3.0),
        }
    }
}
