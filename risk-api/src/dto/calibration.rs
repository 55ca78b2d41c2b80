//! Calibration report (`risk calibrate`).

use risk_core::calibrate::{Calibration, FactorFit, PartFit};
use serde::Serialize;

/// What `risk calibrate` prints.
#[derive(Debug, Serialize)]
pub struct CalibrationReport {
    /// `name-version` of the prior model.
    pub model: String,
    /// The data.
    pub data: DataSummary,
    /// Frequency factors.
    pub frequency: PartReport,
    /// Severity factors.
    pub severity: PartReport,
    /// The calibrated version written (None with `--dry-run`).
    pub new_model: Option<NewModel>,
}

/// The claims data used.
#[derive(Debug, Serialize)]
pub struct DataSummary {
    /// File given.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Rows.
    pub rows: usize,
    /// Σ exposure (years).
    pub policy_years: f64,
    /// Σ claims.
    pub claims: u64,
}

/// One part's fit.
#[derive(Debug, Serialize)]
pub struct PartReport {
    /// Rows used.
    pub rows: usize,
    /// Fisher-scoring steps.
    pub iterations: usize,
    /// Observed ÷ expected under the prior model.
    pub actual_to_expected_prior: f64,
    /// Observed ÷ expected under the posterior.
    pub actual_to_expected_posterior: f64,
    /// Factors with data.
    pub factors: Vec<FactorReport>,
}

/// One factor.
#[derive(Debug, Serialize)]
pub struct FactorReport {
    /// `industry:…`, `certification:…`, `maturity:<level>`.
    pub factor: String,
    /// Model-file parameters it scales.
    pub parameter: String,
    /// Value in the prior model.
    pub prior: f64,
    /// 95% prior interval.
    pub prior_interval: [f64; 2],
    /// Posterior median.
    pub posterior: f64,
    /// 95% credible interval.
    pub interval: [f64; 2],
    /// 0 = all prior, 1 = all data.
    pub data_weight: f64,
    /// Policy-years bearing on it.
    pub policy_years: f64,
    /// Claims bearing on it.
    pub claims: f64,
    /// The 95% interval excludes 1 (no effect / the average).
    pub differs_from_one: bool,
}

/// The model version written.
#[derive(Debug, Serialize)]
pub struct NewModel {
    /// `name-version`.
    pub id: String,
    /// File written.
    pub file: String,
    /// Hash of the file (as `GET /v1/models` shows it).
    pub hash: String,
    /// Parameters changed.
    pub changed: Vec<String>,
    /// Adjustments made to keep the model's invariants.
    pub notes: Vec<String>,
}

impl PartReport {
    fn new(p: &PartFit) -> Self {
        PartReport {
            rows: p.rows,
            iterations: p.iterations,
            actual_to_expected_prior: p.actual_to_expected_prior,
            actual_to_expected_posterior: p.actual_to_expected_posterior,
            factors: p.factors.iter().map(FactorReport::new).collect(),
        }
    }
}

impl FactorReport {
    fn new(f: &FactorFit) -> Self {
        let z = 1.959_963_984_540_054 * f.prior_sd;
        FactorReport {
            factor: f.factor.name(),
            parameter: f.factor.parameter(f.part),
            prior: f.prior,
            prior_interval: [f.prior * (-z).exp(), f.prior * z.exp()],
            posterior: f.posterior,
            interval: [f.interval.0, f.interval.1],
            data_weight: f.data_weight,
            policy_years: f.policy_years,
            claims: f.claims,
            differs_from_one: f.differs_from_one(),
        }
    }
}

impl CalibrationReport {
    /// The report of a fit.
    pub fn new(
        model: String,
        data: DataSummary,
        c: &Calibration,
        new_model: Option<NewModel>,
    ) -> Self {
        CalibrationReport {
            model,
            data,
            frequency: PartReport::new(&c.frequency),
            severity: PartReport::new(&c.severity),
            new_model,
        }
    }
}
