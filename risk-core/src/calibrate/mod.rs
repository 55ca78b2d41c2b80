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
pub mod dispersion;
mod experience;
mod fit;
pub mod gates;
pub mod rewrite;
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
use fit::fit;

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
/// Newton's that gains less than this ends the fit (a log-posterior gain of 0.001 is a move of
/// under 0.05 posterior sd along the step).
const KINK_GAIN: f64 = 1e-3;
/// Largest step in one iteration (damps the first steps of badly started fits).
const MAX_STEP: f64 = 1.0;
/// Half-width of the central difference in ln r.
const H: f64 = 1e-4;
/// Rows evaluated per parallel chunk (fixed, so sums are identical for any thread count).
const CHUNK: usize = 4096;
/// Rounds of refitting frequency given severity and back on insurer data, and the largest
/// move of any frequency ln r that ends them.
const MAX_ROUNDS: usize = 20;
const COUPLING_TOLERANCE: f64 = 1e-6;
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

/// Which part of the loss model a factor scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// Expected events a year.
    Frequency,
    /// Claim size (the lognormal location: median and tail scale together).
    Severity,
}

impl Part {
    /// `frequency` or `severity`.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Frequency => "frequency",
            Part::Severity => "severity",
        }
    }
}

/// A group of model parameters scaled together by one multiplier.
///
/// Identification: the base level is the frequency (severity location) of a firm in industry
/// `other` (the global average by the model's definition, fixed at 1 and not fitted), at CSF
/// level 2 (the maturity table's anchor, fixed at 1), without certificates. Every other factor
/// is a relativity against that base, so a shift of the whole book moves the base and not the
/// relativities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Factor {
    /// The base level of every peril alike (the claims data carry no peril, so the perils'
    /// levels cannot be told apart): scales `perils.*.frequency`, or each peril's severity body
    /// (`median`, `days_down` for a peril priced by days down).
    Base,
    /// An industry's relativity (every peril).
    Industry(Industry),
    /// A scheme's effects on the perils they name.
    Certification(Scheme),
    /// One entry (CSF level 0–5, not 2: the anchor at 1.0) of the maturity multiplier table.
    Maturity(u8),
}

impl Factor {
    /// Every factor, in report order.
    pub fn all() -> Vec<Factor> {
        std::iter::once(Factor::Base)
            .chain(Industry::ALL.iter().map(|&i| Factor::Industry(i)))
            .chain(Scheme::ALL.iter().map(|&s| Factor::Certification(s)))
            .chain([0, 1, 3, 4, 5].map(Factor::Maturity))
            .collect()
    }

    /// The factors a calibration fits: every factor but `industry:other`, the fixed reference
    /// of the industry relativities (see [`Factor`]).
    pub fn fitted() -> Vec<Factor> {
        Factor::all()
            .into_iter()
            .filter(|f| *f != Factor::Industry(Industry::Other))
            .collect()
    }

    /// `base`, `industry:finance`, `certification:iso27001`, `maturity:3`.
    pub fn name(self) -> String {
        match self {
            Factor::Base => "base".into(),
            Factor::Industry(i) => format!("industry:{i}"),
            Factor::Certification(s) => format!("certification:{s}"),
            Factor::Maturity(l) => format!("maturity:{l}"),
        }
    }

    /// Parses [`Factor::name`].
    pub fn parse(s: &str) -> Option<Factor> {
        if s == "base" {
            return Some(Factor::Base);
        }
        let (kind, v) = s.split_once(':')?;
        match kind {
            "industry" => Industry::parse(v).map(Factor::Industry),
            "certification" => Scheme::parse(v).map(Factor::Certification),
            "maturity" => match v.parse::<u8>() {
                Ok(l) if l <= 5 && l != 2 => Some(Factor::Maturity(l)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The model-file path of the parameters it scales.
    pub fn parameter(self, part: Part) -> String {
        let p = part.as_str();
        match self {
            Factor::Base if part == Part::Frequency => "perils.*.frequency".into(),
            Factor::Base => "perils.*.median (days_down where it prices the peril)".into(),
            Factor::Industry(i) => format!("industries.{i}.{p}"),
            Factor::Certification(s) => format!("certifications.{s}.effects[*].{p}"),
            Factor::Maturity(l) => format!("maturity.{p}_multiplier[{l}]"),
        }
    }

    /// Source texts of its parameters in the model file.
    fn sources(self, part: Part, params: &ModelParams) -> Vec<&str> {
        if self == Factor::Base {
            return Peril::ALL
                .iter()
                .zip(&params.perils)
                .filter_map(|(peril, p)| {
                    params
                        .sources
                        .get(&base_path(*peril, p, part))
                        .map(String::as_str)
                })
                .collect();
        }
        let prefix = match self {
            Factor::Base => unreachable!("handled above"),
            Factor::Industry(i) => format!("industries.{i}.{}", part.as_str()),
            Factor::Certification(s) => format!("certifications.{s}.effects["),
            Factor::Maturity(_) => "maturity.multiplier_source".into(),
        };
        params
            .sources
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !matches!(self, Factor::Industry(_)) || **k == prefix)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The label of its notes in a calibrated source (`frequency`, `level 3 severity`).
    fn label(self, part: Part) -> String {
        match self {
            Factor::Maturity(l) => format!("level {l} {}", part.as_str()),
            _ => part.as_str().into(),
        }
    }

    /// Prior sd of ln r: the widest of its parameters' ([`prior_sd`] of each source, or the
    /// posterior sd a calibration wrote into it, [`posterior_sd`]).
    pub fn prior_sd(self, part: Part, params: &ModelParams) -> f64 {
        let label = self.label(part);
        self.sources(part, params)
            .iter()
            .map(|s| source_sd(s, &label))
            .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
            .unwrap_or(0.50)
    }
}

/// The prior sd of ln r a source gives the factor labelled `label`: the posterior sd of the
/// newest calibration that fitted it, else its tag's width before calibrations that did not
/// (a `[C]` source names its prior after `; prior: `).
fn source_sd(source: &str, label: &str) -> f64 {
    if let Some(sd) = posterior_sd(source, label) {
        return sd;
    }
    match source.split_once("; prior: ") {
        Some((_, older)) if source.starts_with("[C]") => source_sd(older, label),
        _ => prior_sd(source),
    }
}

/// The model-file path of a peril's base-level parameter: `perils.<peril>.frequency`, or for
/// severity the body median (`days_down` where that prices the peril instead).
pub(crate) fn base_path(peril: Peril, p: &crate::params::PerilParams, part: Part) -> String {
    match (part, p.days_down) {
        (Part::Frequency, _) => format!("perils.{peril}.frequency"),
        (Part::Severity, Some(_)) => format!("perils.{peril}.days_down"),
        (Part::Severity, None) => format!("perils.{peril}.median"),
    }
}

/// Multipliers r (new value = old × r) by part and factor.
pub type Adjustments = BTreeMap<(Part, Factor), f64>;

/// The factor's current value: an industry's relativity, a maturity table entry, or a scheme's
/// effect averaged over the perils it names (geometric mean weighted by the base frequencies; the
/// effect itself for a scheme that applies to all perils alike).
pub fn value(params: &ModelParams, part: Part, factor: Factor) -> f64 {
    let pick = |x: (f64, f64)| match part {
        Part::Frequency => x.0,
        Part::Severity => x.1,
    };
    match factor {
        // Frequency: the base events a year of all perils (at the reference revenue); severity:
        // the frequency-weighted geometric mean of the perils' body scales (median, or days
        // down): both move by exactly r under the base factor.
        Factor::Base => {
            let total: f64 = params.perils.iter().map(|p| p.frequency).sum();
            match part {
                Part::Frequency => total,
                Part::Severity => params
                    .perils
                    .iter()
                    .map(|p| p.frequency / total * p.days_down.unwrap_or(p.median).ln())
                    .sum::<f64>()
                    .exp(),
            }
        }
        Factor::Industry(i) => {
            let ind = &params.industries[&i];
            pick((ind.frequency, ind.severity))
        }
        Factor::Maturity(l) => {
            let m = &params.maturity;
            pick((
                m.frequency_multiplier[l as usize],
                m.severity_multiplier[l as usize],
            ))
        }
        Factor::Certification(s) => {
            let sc = &params.certifications[&s];
            let (mut num, mut den) = (0.0, 0.0);
            for k in 0..PERILS {
                if sc.covered[k] {
                    let w = params.perils[k].frequency;
                    num += w * pick(sc.effect[k]).ln();
                    den += w;
                }
            }
            if den > 0.0 { (num / den).exp() } else { 1.0 }
        }
    }
}

/// The model with every adjustment applied (no range checks: a step of the fit may pass through
/// values the file format would reject; [`rewrite::rewrite`] caps and validates what is written).
pub fn apply(params: &ModelParams, adjustments: &Adjustments) -> ModelParams {
    let mut p = params.clone();
    for (&(part, factor), &r) in adjustments {
        let scale = |x: &mut (f64, f64)| match part {
            Part::Frequency => x.0 *= r,
            Part::Severity => x.1 *= r,
        };
        match factor {
            Factor::Base => {
                for peril in &mut p.perils {
                    match part {
                        Part::Frequency => peril.frequency *= r,
                        Part::Severity => match &mut peril.days_down {
                            Some(d) => *d *= r,
                            None => peril.median *= r,
                        },
                    }
                }
            }
            Factor::Industry(i) => {
                let ind = p
                    .industries
                    .get_mut(&i)
                    .expect("every industry is in the model");
                match part {
                    Part::Frequency => ind.frequency *= r,
                    Part::Severity => ind.severity *= r,
                }
                ind.relativity.iter_mut().for_each(scale);
            }
            Factor::Certification(s) => {
                let sc = p
                    .certifications
                    .get_mut(&s)
                    .expect("every scheme is in the model");
                for k in 0..PERILS {
                    if sc.covered[k] {
                        scale(&mut sc.effect[k]);
                    }
                }
            }
            Factor::Maturity(l) => {
                let m = &mut p.maturity;
                match part {
                    Part::Frequency => m.frequency_multiplier[l as usize] *= r,
                    Part::Severity => m.severity_multiplier[l as usize] *= r,
                }
            }
        }
    }
    p
}

/// Prior standard deviation of ln r from a parameter's source tag: verified 0.10, reported or
/// derived 0.25, calibrated 0.25, assumption or background 0.50 (\[A\] choices of this project:
/// a verified number is trusted to ±20% at 95%, an assumption only to a factor of about 2.7).
pub fn prior_sd(source: &str) -> f64 {
    let tag = source.split(']').next().unwrap_or("");
    match tag {
        "[V" => 0.10,
        "[R" | "[D" | "[C" => 0.25,
        _ => 0.50,
    }
}

/// The posterior sd of ln r that a calibration wrote into a `[C]` source for the factor whose
/// notes carry `label` (`frequency`, `level 3 severity`): `… <label> x0.91 (…, ln r mean -0.09
/// sd 0.061)`. It is the next calibration's prior sd, so data weigh once: a thin fit leaves the
/// prior nearly as wide as it was, a rich one narrows it. Only the newest calibration's notes
/// are read (the text before `; prior:`).
pub fn posterior_sd(source: &str, label: &str) -> Option<f64> {
    if !source.starts_with("[C]") {
        return None;
    }
    let newest = source.split("; prior:").next()?;
    let needle = format!("{label} x");
    let note = &newest[newest.find(&needle)?..];
    let note = &note[..note.find(')').unwrap_or(note.len())];
    let sd = note.split(" sd ").nth(1)?;
    let sd: f64 = sd.trim().parse().ok()?;
    (sd > 0.0 && sd.is_finite()).then_some(sd)
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
        })
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
    /// The data move the value away from 1 (no effect / the global average): the 95% interval
    /// excludes 1.
    pub fn differs_from_one(&self) -> bool {
        self.interval.0 > 1.0 || self.interval.1 < 1.0
    }

    /// The data move the value away from the prior: the 95% interval excludes the prior value
    /// (what an actual-versus-expected review asks).
    pub fn differs_from_prior(&self) -> bool {
        self.interval.0 > self.prior || self.interval.1 < self.prior
    }

    /// r = posterior / prior.
    pub fn ratio(&self) -> f64 {
        self.posterior / self.prior
    }
}

/// The fit of one part.
#[derive(Debug, Clone, PartialEq)]
pub struct PartFit {
    /// Factors with any data, in [`Factor::all`] order.
    pub factors: Vec<FactorFit>,
    /// Fisher-scoring steps taken.
    pub iterations: usize,
    /// Observed ÷ expected under the prior model (claims, or incurred amount for severity).
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
        self.frequency
            .factors
            .iter()
            .chain(&self.severity.factors)
            .map(|f| ((f.part, f.factor), f.ratio()))
            .collect()
    }
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
    let factors = Factor::fitted();
    let ratios = |p: &PartFit| -> Adjustments {
        p.factors
            .iter()
            .map(|f| ((f.part, f.factor), f.ratio()))
            .collect()
    };
    let mut frequency = fit(
        data,
        params,
        &Adjustments::new(),
        Part::Frequency,
        &factors,
        options,
    )?;
    let mut severity = fit(
        data,
        params,
        &ratios(&frequency),
        Part::Severity,
        &factors,
        options,
    )?;
    // Insurer rows couple the parts: the reported claims are the events above the deductible,
    // so the expected count depends on the claim size. Each part is refitted given the other
    // until neither moves (block-coordinate ascent; each part's interval is conditional on the
    // other's estimate, which the censored module's docs discuss).
    if data.insured() {
        for round in 1.. {
            let before = ratios(&frequency);
            frequency = fit(
                data,
                params,
                &ratios(&severity),
                Part::Frequency,
                &factors,
                options,
            )?;
            let moved = ratios(&frequency)
                .iter()
                .map(|(k, r)| (r.ln() - before.get(k).map_or(0.0, |b| b.ln())).abs())
                .fold(0.0, f64::max);
            severity = fit(
                data,
                params,
                &ratios(&frequency),
                Part::Severity,
                &factors,
                options,
            )?;
            if moved < COUPLING_TOLERANCE {
                break;
            }
            if round == MAX_ROUNDS {
                return Err(CalibrateError::NotConverged(round));
            }
        }
    }
    let mu = fit::expected_claims(
        data,
        params,
        &ratios(&frequency)
            .into_iter()
            .chain(ratios(&severity))
            .collect(),
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
