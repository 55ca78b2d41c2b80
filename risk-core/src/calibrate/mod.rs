//! Experience calibration: claims data (policy-years with claim counts and incurred losses) update
//! the model's industry, certification and CSF-maturity multipliers, with the current model file as
//! the prior.
//!
//! Each factor j is a multiplier r_j on a group of model parameters (the base level of every
//! peril, an industry's relativity, a scheme's effects on the perils it names, one entry of a
//! maturity table); β_j = ln r_j has the prior N(0, τ_j²), τ_j the posterior sd a previous
//! calibration wrote into the parameter's source ([`posterior_sd`]) or else read from its tag
//! ([`prior_sd`]). The relativities are identified against a stated base ([`Factor`]): industry
//! `other` fixed at 1, CSF level 2, no certificate. For policy-year row i with exposure t_i years:
//!
//! * frequency: claims y_i ~ NegBin(mean μ_i = t_i λ_i(β), size k t_i), λ_i the firm model's
//!   expected events a year (Σ over perils) and k the model's dispersion (a sum of t iid
//!   NegBin(λ, k) years is NegBin(tλ, tk));
//! * severity (rows with exactly one claim, whose amount is then known): ln L_i has the model's
//!   mean a_i(β) = Σ_k w_k (ln median_k + c_k) and variance v_i = Σ_k w_k (d_k + (ln median_k +
//!   c_k)²) − a_i², w_k = λ_k/λ the peril mix (the peril of a claim is not in the data), c_k and
//!   d_k the mean and variance of ln(X/median) of the spliced lognormal/GPD severity; a factor
//!   moves the lognormal location, so a_i is linear in it for industries and maturity. The
//!   likelihood is the normal one with these two moments (a quasi-likelihood: robust to the heavy
//!   tail, where the mean of amounts is not).
//!
//! The log-posterior is maximised by Fisher scoring on the model itself (re-linearised every step:
//! ∂ ln λ_i/∂β_j is exact for industries and maturity, a central difference for certifications,
//! whose floor, scope and exponent make them non-linear), and the posterior is its Laplace
//! approximation N(β̂, H⁻¹). Sparse factors keep the prior (data weight 1 − Var_post/τ² near 0),
//! rich ones follow the data (near 1): credibility weighting without hand-set weights. Data the
//! model cannot explain, or that say nothing, are refused by the sanity gates ([`gates`]).

pub mod censored;
mod context;
pub mod dispersion;
mod experience;
mod factor;
mod fit;
pub mod gates;
pub mod rewrite;
mod sigma;
mod sums;
pub mod synth;

use std::collections::BTreeMap;

use nalgebra::{DMatrix, DVector};

use crate::params::ModelParams;
use crate::profile::FirmProfile;
use crate::score::{multipliers, table_position};
use crate::vocab::{Industry, PERILS, Peril, Scheme};
pub use censored::ClaimTerms;
pub use dispersion::ParameterFit;
pub use experience::Experience;
pub use factor::{Adjustments, Factor, Part, apply, posterior_sd, prior_sd, value};
pub(crate) use factor::{base_path, revenue_source, source_sd};
use fit::{Start, fit};

/// Largest number of Fisher-scoring steps. Steps projected onto a bound (a certification
/// floor) with step halving converge slowly on thin data: 200 rather than 50, which the
/// 200-row test under model 2.0.0 with declared credit exceeded.
const MAX_ITERATIONS: usize = 200;
/// Convergence: the largest step in any β_j.
const TOLERANCE: f64 = 1e-8;
/// Convergence at a kink: a step that gains less log-posterior than this.
const GAIN_TOLERANCE: f64 = 1e-9;
/// At a kink (a certification's floor, or the combined floor of a firm's certificates) the
/// quadratic model of the log-posterior fails and step halving creeps: a step cut below 1/64 of
/// Newton's that gains less than this ends the fit, as does any such step of a fit never
/// refitted ([`fit::Start::Once`]) (a log-posterior gain of 0.001 is a move of under 0.05
/// posterior sd along the step).
const KINK_GAIN: f64 = 1e-3;
/// Largest step in one iteration (damps the first steps of badly started fits).
const MAX_STEP: f64 = 1.0;
/// Half-width of the central difference in ln r.
const H: f64 = 1e-4;
/// Rows evaluated per parallel chunk (fixed, so sums are identical for any thread count).
const CHUNK: usize = 4096;
/// Rounds of refitting the severity factors, on insurer data the frequency, and σ, each given
/// the others.
const MAX_ROUNDS: usize = 20;
/// On insurer data, the largest move of a frequency ln r in a round, in its posterior sd, that
/// ends the rounds. Measured on the coverage test's data: the coupling converges linearly, at up
/// to 0.96 a round (the distance left is then up to 25 times the last move: 0.025 sd), and
/// certificates at the combined floor of a firm's certificates (a kink) move back and forth by
/// ~5·10⁻⁴ sd from round to round, which a tighter tolerance would never see end.
const COUPLING_TOLERANCE: f64 = 1e-3;
/// The largest move of a fitted ln σ that ends the rounds of severity factors and σ (a
/// thousandth of σ: well inside any σ's interval).
const SIGMA_TOLERANCE: f64 = 1e-3;
/// Two-sided 95% normal quantile.
const Z95: f64 = 1.959_963_984_540_054;

/// Why a calibration could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CalibrateError {
    /// A record's value is out of range (`field` is the claims column).
    #[error("row {row}, column {field}: {message}")]
    Record {
        /// Row number from 1.
        row: usize,
        /// Column name.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// No records.
    #[error("claims data: no rows")]
    Empty,
    /// The fit did not converge (reported, never silently used).
    #[error("calibration did not converge in {0} iterations")]
    NotConverged(usize),
    /// The model file could not be rewritten.
    #[error("model file: {0}")]
    Model(String),
}

/// One policy's experience: its firm, exposure and claims.
#[derive(Debug, Clone)]
pub struct ClaimRecord {
    /// The firm as validated from the row.
    pub profile: FirmProfile,
    /// Exposure in years, in (0, 100].
    pub exposure: f64,
    /// Number of claims: every loss event, or with [`ClaimRecord::terms`] those above the
    /// deductible.
    pub claims: u64,
    /// Total incurred loss of those claims in the row's currency: ground-up, or with
    /// [`ClaimRecord::terms`] net of the deductible and capped at the limit per claim.
    pub incurred: f64,
    /// The policy terms the claims are net of (None: ground-up amounts, every event counted).
    pub terms: Option<ClaimTerms>,
    /// Claim-count development factor to ultimate, ≥ 1 (1: a mature period): the row's claims
    /// are those reported so far, t λ / f of the t λ expected ([`ClaimRecord::with_development`]).
    pub development: f64,
    /// The one peril the row's claims and exposure are of (None: every peril the firm has);
    /// [`ClaimRecord::with_peril`].
    pub peril: Option<Peril>,
}

impl ClaimRecord {
    /// Checks the experience columns of row `row` (from 1).
    ///
    /// # Errors
    /// [`CalibrateError::Record`] naming the column: exposure not in (0, 100], incurred loss
    /// negative or not finite, a loss without claims.
    pub fn new(
        row: usize,
        profile: FirmProfile,
        exposure: f64,
        claims: u64,
        incurred: f64,
    ) -> Result<Self, CalibrateError> {
        let bad = |field: &str, message: &str| CalibrateError::Record {
            row,
            field: field.into(),
            message: message.into(),
        };
        if !(exposure > 0.0 && exposure <= 100.0) {
            return Err(bad(
                "exposure",
                "must be in (0, 100] years (claims need exposure)",
            ));
        }
        if !(incurred >= 0.0 && incurred.is_finite()) {
            return Err(bad("incurred_loss", "must be a finite amount >= 0"));
        }
        if claims == 0 && incurred > 0.0 {
            return Err(bad("incurred_loss", "is positive but claim_count is 0"));
        }
        Ok(ClaimRecord {
            profile,
            exposure,
            claims,
            incurred,
            terms: None,
            development: 1.0,
            peril: None,
        })
    }

    /// The same record for one peril: its claims and incurred loss are those of `peril` alone,
    /// and its exposure is to that peril alone (a policy-period given peril by peril is one row
    /// per peril; the perils of one period's rows must not overlap). Its expected claims are
    /// t λ_peril, its claim sizes that peril's severity.
    ///
    /// # Errors
    /// [`CalibrateError::Record`] on `peril` when the firm has no exposure to it under `params`
    /// (an operational-technology peril for a firm without OT).
    pub fn with_peril(
        mut self,
        row: usize,
        peril: Peril,
        params: &ModelParams,
    ) -> Result<Self, CalibrateError> {
        if params.perils[peril.index()].requires_ot && !self.profile.ot_exposure {
            return Err(CalibrateError::Record {
                row,
                field: "peril".into(),
                message: format!(
                    "{peril}: the firm has no operational-technology exposure, so the model gives it no {peril} risk"
                ),
            });
        }
        self.peril = Some(peril);
        Ok(self)
    }

    /// The same record from an immature period: its claims are those reported so far, and the
    /// period's ultimate claims are `factor` times as many (an age-to-ultimate factor of claim
    /// counts). Late claims are taken as a binomial thinning of the period's negative binomial
    /// count, so the reported count is NegBin(t λ / f, k t); the amounts of the reported claims
    /// are taken as final (\[A\]: case reserves adequate on average).
    ///
    /// # Errors
    /// [`CalibrateError::Record`] on `development_factor`: not finite or below 1.
    pub fn with_development(mut self, row: usize, factor: f64) -> Result<Self, CalibrateError> {
        if !(factor >= 1.0 && factor.is_finite()) {
            return Err(CalibrateError::Record {
                row,
                field: "development_factor".into(),
                message: format!("{factor} must be a finite factor >= 1"),
            });
        }
        self.development = factor;
        Ok(self)
    }

    /// The same record as insurer data: claims above `deductible` only, each paid net of it and
    /// capped at `limit` (None: no limit), amounts in the row's currency ([`censored`]).
    ///
    /// # Errors
    /// [`CalibrateError::Record`] naming the column: a deductible negative or not finite
    /// (`deductible`), a limit not > 0 (`occurrence_limit`), an incurred loss above claims ×
    /// limit (`incurred_loss`).
    pub fn with_terms(
        mut self,
        row: usize,
        deductible: f64,
        limit: Option<f64>,
    ) -> Result<Self, CalibrateError> {
        let bad = |field: &str, message: String| CalibrateError::Record {
            row,
            field: field.into(),
            message,
        };
        if !(deductible >= 0.0 && deductible.is_finite()) {
            return Err(bad("deductible", "must be a finite amount >= 0".into()));
        }
        let limit = limit.unwrap_or(f64::INFINITY);
        if !(limit > 0.0) {
            return Err(bad("occurrence_limit", "must be > 0".into()));
        }
        let most = limit * self.claims as f64;
        if self.incurred > most * (1.0 + 1e-9) {
            return Err(bad(
                "incurred_loss",
                format!("{} exceeds claim_count x limit ({most})", self.incurred),
            ));
        }
        self.terms = Some(ClaimTerms { deductible, limit });
        Ok(self)
    }
}

/// Options of a calibration.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Overrides every prior sd of ln r (None: from the source tags).
    pub prior_sd: Option<f64>,
}

/// One factor's result.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorFit {
    /// Frequency or severity.
    pub part: Part,
    /// The model-file path of the parameters it scales ([`Factor::parameter`]).
    pub parameter: String,
    /// The factor.
    pub factor: Factor,
    /// Its value in the prior model.
    pub prior: f64,
    /// Prior sd of ln r.
    pub prior_sd: f64,
    /// Posterior median (prior × e^β̂).
    pub posterior: f64,
    /// 95% credible interval of the value.
    pub interval: (f64, f64),
    /// 1 − Var_post/Var_prior of ln r: 0 = all prior, 1 = all data.
    pub data_weight: f64,
    /// Policy-years bearing on it (Σ t_i |∂ ln μ_i/∂β_j|).
    pub policy_years: f64,
    /// Claims bearing on it (Σ y_i |∂ ln μ_i/∂β_j|).
    pub claims: f64,
    /// Posterior mean and sd of ln r (the Laplace approximation): written into the new version's
    /// source, where it is the next calibration's prior.
    pub log_ratio: (f64, f64),
    /// The posterior sits at the lower bound of ln r (a certification whose effect reaches the
    /// model's floor): its interval is one-sided and the data may say the effect is stronger
    /// still, which the model cannot price.
    pub at_bound: bool,
}

impl FactorFit {
    /// The data move the value away from 1 (no effect / the global average; 0 for the revenue
    /// elasticity): the 95% interval excludes it.
    pub fn differs_from_one(&self) -> bool {
        let none = if self.factor.additive() { 0.0 } else { 1.0 };
        self.interval.0 > none || self.interval.1 < none
    }

    /// The data move the value away from the prior: the 95% interval excludes the prior value
    /// (what an actual-versus-expected review asks).
    pub fn differs_from_prior(&self) -> bool {
        self.interval.0 > self.prior || self.interval.1 < self.prior
    }

    /// r = posterior / prior (for an [additive](Factor::additive) factor e^(posterior − prior),
    /// the adjustment that stands for its shift).
    pub fn ratio(&self) -> f64 {
        if self.factor.additive() {
            (self.posterior - self.prior).exp()
        } else {
            self.posterior / self.prior
        }
    }
}

/// The fit of one part.
#[derive(Debug, Clone, PartialEq)]
pub struct PartFit {
    /// Factors with any data, in [`Factor::all`] order.
    pub factors: Vec<FactorFit>,
    /// Fisher-scoring steps taken.
    pub iterations: usize,
    /// Observed ÷ expected under the prior model (claims, or incurred amount for severity), at
    /// the first round's other part and the prior σ.
    pub actual_to_expected_prior: f64,
    /// Observed ÷ expected under the posterior model.
    pub actual_to_expected_posterior: f64,
    /// Rows used (severity: rows with claims and a finite claim-size variance).
    pub rows: usize,
    /// Residual checks at the posterior.
    pub residuals: Residuals,
}

/// Residual checks of a part's fit at the posterior: is the model's variance right, and does the
/// fit hold across the book?
#[derive(Debug, Clone, PartialEq)]
pub struct Residuals {
    /// Frequency: actual/expected by band of expected claims a policy-year (empty for severity).
    pub bands: Vec<Band>,
    /// Pearson χ² / rows: Σ (y − μ)²/Var y under the model's negative binomial (frequency), Σ
    /// (ln L − a)²/v (severity; for insurer rows the residual of [`censored::residual`], z² of
    /// the payment's probability transform under the truncated model), over the rows. About 1 when the model's variance is right;
    /// above 1 the data vary more than the model says and the intervals are too narrow.
    pub dispersion_ratio: f64,
    /// The dispersion test, a z-score under the model: beyond ±3 the dispersion (frequency) or
    /// σ (severity) of the model is contradicted by the data. Frequency: rows with two or more
    /// claims, (observed − Σ P_i(Y ≥ 2))/√(Σ P_i(1 − P_i)) (at a few % a year over-dispersion
    /// shows there, and the Pearson χ² is too skewed to test); severity: (Σ q − rows)/√Σ (q − 1)²,
    /// q = (ln L − a)²/v (its variance from the data: ln X is not normal under the peril mix).
    pub dispersion_z: f64,
    /// Frequency: rows with two or more claims, observed and expected under the posterior.
    pub multiple_claims: (f64, f64),
    /// What the data say instead: frequency, the moment estimate of the negative binomial k
    /// (E[(y − μ)² − μ] = μ²/(k t); None when the data are not over-dispersed); severity, the
    /// factor on the model's sd of ln(claim), √(χ²/rows).
    pub estimate: Option<f64>,
}

/// Actual and expected claims of the rows in one band of expected claims a policy-year.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Lower edge (claims a year).
    pub from: f64,
    /// Upper edge (None: open).
    pub to: Option<f64>,
    /// Rows in the band.
    pub rows: usize,
    /// Claims observed.
    pub actual: f64,
    /// Claims expected under the posterior.
    pub expected: f64,
}

/// The result of [`calibrate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Rows read.
    pub rows: usize,
    /// Σ exposure.
    pub policy_years: f64,
    /// Σ claims.
    pub claims: u64,
    /// Frequency factors.
    pub frequency: PartFit,
    /// Severity factors.
    pub severity: PartFit,
    /// The negative binomial dispersion k fitted to the counts at the fitted means
    /// ([`dispersion`]): written into the new version only when its data weight reaches
    /// [`gates::THIN_DATA_WEIGHT`], else the prior's k is kept.
    pub dispersion: ParameterFit,
}

impl Calibration {
    /// The posterior multipliers r of every factor with data, both parts.
    pub fn adjustments(&self) -> Adjustments {
        let mut a = self.frequency.adjustments();
        a.extend(self.severity.adjustments());
        a
    }

    /// The fit of `part`.
    pub fn part(&self, part: Part) -> &PartFit {
        match part {
            Part::Frequency => &self.frequency,
            Part::Severity => &self.severity,
        }
    }
}

impl PartFit {
    /// The fit of `factor` (None: the data had none of it).
    pub fn factor(&self, factor: Factor) -> Option<&FactorFit> {
        self.factors.iter().find(|f| f.factor == factor)
    }

    /// The posterior multipliers r of this part's factors with data.
    pub fn adjustments(&self) -> Adjustments {
        self.factors
            .iter()
            .map(|f| ((f.part, f.factor), f.ratio()))
            .collect()
    }
}

/// The largest |ln b − ln a| over the factors of either (a factor missing from one is at 1).
fn largest_move(a: &Adjustments, b: &Adjustments) -> f64 {
    let ln = |m: &Adjustments, k| m.get(k).map_or(0.0, |r: &f64| r.ln());
    a.keys()
        .chain(b.keys())
        .map(|k| (ln(b, k) - ln(a, k)).abs())
        .fold(0.0, f64::max)
}

/// Fits the frequency and then the severity factors to the records (all in memory; a reader
/// of a large file folds batches into an [`Experience`] and calls [`calibrate_experience`]).
///
/// # Errors
/// [`CalibrateError::Empty`] without records; [`CalibrateError::NotConverged`].
pub fn calibrate(
    records: &[ClaimRecord],
    params: &ModelParams,
    options: Options,
) -> Result<Calibration, CalibrateError> {
    calibrate_experience(&Experience::from_records(records, params), options)
}

/// Fits the frequency and then the severity factors to the rows of `data`, under the prior
/// model they were read with.
///
/// # Errors
/// [`CalibrateError::Empty`] without rows; [`CalibrateError::NotConverged`].
pub fn calibrate_experience(
    data: &Experience,
    options: Options,
) -> Result<Calibration, CalibrateError> {
    if data.is_empty() {
        return Err(CalibrateError::Empty);
    }
    let params = &data.params;
    let factors = Factor::fitted(data.by_peril());
    let fit = |part: Part, fixed: &Adjustments, start: Start| {
        fit(data, params, fixed, part, &factors, options, start)
    };
    let with = |a: &PartFit, b: &Adjustments| -> Adjustments {
        a.adjustments().into_iter().chain(b.clone()).collect()
    };
    // σ as fitted so far (none at first: the prior's), and the fits of the last round.
    let mut sigma = Adjustments::new();
    let mut sigma_fits: Vec<FactorFit> = Vec::new();
    let first = if data.insured() {
        Start::Prior
    } else {
        Start::Once
    };
    let mut frequency = fit(Part::Frequency, &sigma, first)?;
    let mut severity: Option<PartFit> = None;
    // Rounds of block-coordinate ascent, each block refitted given the others and started from
    // its previous fit: the severity factors given σ (the factors move the location, σ the
    // spread: nearly orthogonal), on insurer rows the frequency given the severity (the reported
    // claims are the events above the deductible, so the expected count depends on the claim
    // size; each part's interval is conditional on the other's estimate, which the censored
    // module's docs discuss), then σ given both. Ground-up frequency does not depend on the
    // severity: fitted once.
    for round in 1.. {
        let sev = fit(
            Part::Severity,
            &with(&frequency, &sigma),
            severity.as_ref().map_or(Start::Prior, Start::From),
        )?;
        let mut coupling = 0.0;
        if data.insured() {
            let next = fit(
                Part::Frequency,
                &with(&sev, &sigma),
                Start::From(&frequency),
            )?;
            coupling = next
                .factors
                .iter()
                .map(|f| {
                    let before = frequency.factor(f.factor).map_or(0.0, |g| g.log_ratio.0);
                    (f.log_ratio.0 - before).abs() / f.log_ratio.1
                })
                .fold(0.0, f64::max);
            frequency = next;
        }
        let fixed = with(&frequency, &sev.adjustments());
        severity = Some(sev);
        let mut fits = Vec::new();
        for group in sigma::groups(data) {
            let from = sigma_fits.iter().find(|f| f.factor == group);
            fits.extend(sigma::fit(data, params, &fixed, group, options, from)?);
        }
        sigma_fits = fits;
        // A σ the data barely inform keeps the prior's (as the new version will); one the
        // data pushed to its bound stays there.
        let next: Adjustments = sigma_fits
            .iter()
            .filter(|f| f.data_weight >= rewrite::MIN_DATA_WEIGHT || f.at_bound)
            .map(|f| ((f.part, f.factor), f.ratio()))
            .collect();
        let moved = largest_move(&sigma, &next);
        sigma = next;
        if moved < SIGMA_TOLERANCE && coupling < COUPLING_TOLERANCE {
            break;
        }
        if round == MAX_ROUNDS {
            return Err(CalibrateError::NotConverged(round));
        }
    }
    let mut severity = severity.expect("one round at least");
    severity.factors.extend(sigma_fits);
    let mu = fit::expected_claims(
        data,
        params,
        &with(&frequency, &severity.adjustments()),
        &factors,
    );
    let k = params.reference.dispersion;
    let tau = options.prior_sd.unwrap_or_else(|| {
        params
            .sources
            .get("reference.dispersion")
            .map_or(0.50, |s| source_sd(s, "dispersion"))
    });
    let dispersion = dispersion::fit(&data.rows, &mu, k, tau)?;
    Ok(Calibration {
        dispersion,
        rows: data.len(),
        policy_years: data.rows.iter().map(|r| r.exposure).sum(),
        claims: data.rows.iter().map(|r| r.claims).sum(),
        frequency,
        severity,
    })
}
