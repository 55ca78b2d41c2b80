//! Calibration report (`risk calibrate`).

use risk_core::calibrate::gates::Gate;
use risk_core::calibrate::{Band, Calibration, FactorFit, PartFit, Residuals};
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
    /// The negative binomial dispersion fitted to the counts (written only with data weight
    /// ≥ 0.5; otherwise the prior's is kept).
    pub dispersion: ParameterReport,
    /// Sanity gates tripped (a real run refuses and writes nothing; `--dry-run` lists them).
    pub gates: Vec<GateReport>,
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
    /// Claims the prior model expects of these rows.
    pub expected_claims_prior: f64,
}

/// A tripped sanity gate.
#[derive(Debug, Serialize)]
pub struct GateReport {
    /// `outlier`, `actual_to_expected`, `lineage`, `thin_data` or `fit`.
    pub gate: String,
    /// What tripped it.
    pub message: String,
}

/// Residual checks at the posterior.
#[derive(Debug, Serialize)]
pub struct ResidualReport {
    /// Frequency: actual/expected by band of expected claims a policy-year.
    pub bands: Vec<BandReport>,
    /// Pearson χ² / rows (about 1 when the model's variance is right).
    pub dispersion_ratio: f64,
    /// The dispersion test's z-score under the model (beyond ±3: the dispersion or σ is
    /// contradicted); frequency: rows with two or more claims against the model's expectation.
    pub dispersion_z: f64,
    /// Frequency: rows with two or more claims, observed and expected.
    pub multiple_claims: [f64; 2],
    /// Frequency: moment estimate of the negative binomial k (null: not over-dispersed);
    /// severity: the factor on the model's sd of ln(claim).
    pub estimate: Option<f64>,
}

/// One residual band.
#[derive(Debug, Serialize)]
pub struct BandReport {
    /// Expected claims a policy-year from.
    pub from: f64,
    /// Up to (null: open).
    pub to: Option<f64>,
    /// Rows.
    pub rows: usize,
    /// Claims observed.
    pub actual: f64,
    /// Claims expected under the posterior.
    pub expected: f64,
    /// actual / expected.
    pub actual_to_expected: f64,
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
    /// Residual checks at the posterior.
    pub residuals: ResidualReport,
}

/// One factor.
#[derive(Debug, Serialize)]
pub struct FactorReport {
    /// `base`, `base:<peril>`, `revenue`, `industry:…`, `certification:…`, `maturity:<level>`,
    /// `sigma`, `sigma:<peril>`.
    pub factor: String,
    /// Model-file parameters it scales.
    pub parameter: String,
    /// Value in the prior model.
    pub prior: f64,
    /// 95% prior interval (the revenue elasticity: prior ± 1.96 prior sd, as it moves by
    /// addition; every other factor: prior × e^(±1.96 prior sd)).
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
    /// The 95% interval excludes 1 (no effect / the average; 0 for the revenue elasticity).
    pub differs_from_one: bool,
    /// The 95% interval excludes the prior value.
    pub differs_from_prior: bool,
    /// Posterior mean of ln(posterior / prior) (the revenue elasticity: posterior − prior).
    pub log_ratio_mean: f64,
    /// Posterior sd of it (the next calibration's prior sd).
    pub log_ratio_sd: f64,
    /// The posterior is at the factor's lower bound (a certification at the model's floor).
    pub at_bound: bool,
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

/// A model parameter fitted beside the factors.
#[derive(Debug, Serialize)]
pub struct ParameterReport {
    /// Model-file path.
    pub parameter: String,
    /// Prior value.
    pub prior: f64,
    /// Posterior median.
    pub posterior: f64,
    /// 95% credible interval.
    pub interval: [f64; 2],
    /// 1 − Var_post/Var_prior of its log.
    pub data_weight: f64,
    /// Whether a new version takes the posterior (data weight ≥ 0.5) or keeps the prior.
    pub written: bool,
}

impl PartReport {
    fn new(p: &PartFit) -> Self {
        PartReport {
            rows: p.rows,
            iterations: p.iterations,
            actual_to_expected_prior: p.actual_to_expected_prior,
            actual_to_expected_posterior: p.actual_to_expected_posterior,
            factors: p.factors.iter().map(FactorReport::new).collect(),
            residuals: ResidualReport::new(&p.residuals),
        }
    }
}

impl FactorReport {
    fn new(f: &FactorFit) -> Self {
        let z = 1.959_963_984_540_054 * f.prior_sd;
        let prior_interval = if f.factor.additive() {
            [f.prior - z, f.prior + z]
        } else {
            [f.prior * (-z).exp(), f.prior * z.exp()]
        };
        FactorReport {
            factor: f.factor.name(),
            parameter: f.parameter.clone(),
            prior: f.prior,
            prior_interval,
            posterior: f.posterior,
            interval: [f.interval.0, f.interval.1],
            data_weight: f.data_weight,
            policy_years: f.policy_years,
            claims: f.claims,
            differs_from_one: f.differs_from_one(),
            differs_from_prior: f.differs_from_prior(),
            log_ratio_mean: f.log_ratio.0,
            log_ratio_sd: f.log_ratio.1,
            at_bound: f.at_bound,
        }
    }
}

impl ResidualReport {
    fn new(r: &Residuals) -> Self {
        ResidualReport {
            bands: r.bands.iter().map(BandReport::new).collect(),
            dispersion_ratio: r.dispersion_ratio,
            dispersion_z: r.dispersion_z,
            multiple_claims: [r.multiple_claims.0, r.multiple_claims.1],
            estimate: r.estimate,
        }
    }
}

impl BandReport {
    fn new(b: &Band) -> Self {
        BandReport {
            from: b.from,
            to: b.to,
            rows: b.rows,
            actual: b.actual,
            expected: b.expected,
            actual_to_expected: b.actual / b.expected,
        }
    }
}

impl CalibrationReport {
    /// The report of a fit.
    pub fn new(
        model: String,
        data: DataSummary,
        c: &Calibration,
        gates: &[Gate],
        new_model: Option<NewModel>,
    ) -> Self {
        CalibrationReport {
            model,
            data,
            frequency: PartReport::new(&c.frequency),
            severity: PartReport::new(&c.severity),
            dispersion: ParameterReport {
                parameter: c.dispersion.parameter.clone(),
                prior: c.dispersion.prior,
                posterior: c.dispersion.posterior,
                interval: [c.dispersion.interval.0, c.dispersion.interval.1],
                data_weight: c.dispersion.data_weight,
                written: c.dispersion.data_weight >= risk_core::calibrate::gates::THIN_DATA_WEIGHT,
            },
            gates: gates
                .iter()
                .map(|g| GateReport {
                    gate: g.gate.into(),
                    message: g.message.clone(),
                })
                .collect(),
            new_model,
        }
    }
}
