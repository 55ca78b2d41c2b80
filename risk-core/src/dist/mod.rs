//! Frequency and severity distributions.
//!
//! Brief overview: constructors validate their parameters (rejecting NaN with `!(x > 0.0)` style
//! checks) and precompute what sampling needs, so that sampling cannot fail and the Monte Carlo hot
//! loop stays infallible. Sampling is delegated to `rand_distr`; distribution functions (CDF,
//! quantile) to `statrs`.

mod discretize;
mod frequency;
mod severity;

pub use discretize::Layer;
pub use frequency::{FairFreq, Frequency, NegBinFreq, PoissonFreq};
pub use severity::{GpdDraw, LogNormal, LogNormalGpd, ModPert, Severity, SeverityDraw, TwoStep};

/// Why a distribution could not be built. Messages name the offending parameter so that callers can
/// prefix the field path (e.g. `perils[0].severity.sigma: must be > 0`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DistError {
    /// A parameter is out of its domain; `param` is its name in the spec, `rule` the violated rule.
    #[error("{param}: {rule}")]
    Invalid {
        /// The parameter's name as written in the loss-model spec (`sigma`, `mean`, …).
        param: &'static str,
        /// The rule it broke, lower case (`must be > 0`).
        rule: String,
    },
}

impl DistError {
    pub(crate) fn invalid(param: &'static str, rule: impl Into<String>) -> Self {
        DistError::Invalid {
            param,
            rule: rule.into(),
        }
    }
}

/// Checks that `x` is finite and `> 0` (NaN fails).
pub(crate) fn positive(param: &'static str, x: f64) -> Result<f64, DistError> {
    if x > 0.0 && x.is_finite() {
        Ok(x)
    } else {
        Err(DistError::invalid(param, "must be a finite number > 0"))
    }
}

/// Checks that `x` is finite and `>= 0` (NaN fails).
pub(crate) fn non_negative(param: &'static str, x: f64) -> Result<f64, DistError> {
    if x >= 0.0 && x.is_finite() {
        Ok(x)
    } else {
        Err(DistError::invalid(param, "must be a finite number >= 0"))
    }
}
