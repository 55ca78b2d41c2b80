//! Premiums from simulated insured losses, the rating-plan view an underwriter reads, one full
//! assessment ([`assess()`]), changes to a firm priced with common random numbers ([`Change`],
//! [`price_changes`], [`what_if`]) and the premium impact of each certification and control.
//!
//! technical = (pure + c·s·(TVaR_q − pure)) / (1 − e), with pure = E[insured annual loss],
//! c the cost of capital, s the share of standalone capital a policy consumes in a diversified
//! book, q the capital level (0.995) and e the expense ratio. Equivalently technical =
//! E[ψ(L)] with ψ(x) = ((1 − k) x + k (v + (x − v)⁺/(1 − q)))/(1 − e), k = c·s, v = VaR_q: so its
//! standard error, and that of a difference under common random numbers, is sd(ψ)/√n.

pub mod assess;
mod change;
mod costs;
mod decision;
pub mod exhibits;
mod impact;
mod quote;

pub use assess::{Assessment, assess};
pub use change::{
    Change, ChangeError, Counterfactual, Current, MAX_SUPPLIER_ROWS, apply_changes, impact_changes,
    price_changes, supplier_changes, what_if,
};
pub use costs::certification_cost;
pub use decision::{Decision, DecisionStatus, Reason, decide};
pub use impact::{Impact, ImpactItem, impact};
pub use quote::{MAX_QUOTE_OPTIONS, Quote, QuoteError, QuoteOption, quote};

use crate::engine::Simulation;
use crate::exposure::{BasePerils, base_perils};
use crate::model::LossModel;
use crate::params::{LayerBasis, ModelParams, PerilMultipliers};
use crate::profile::FirmProfile;
use crate::score::RiskScore;
use crate::stats::LossStats;
use crate::vocab::Industry;

/// A priced policy (amounts in the profile's currency).
#[derive(Debug, Clone, PartialEq)]
pub struct Premium {
    /// E[insured annual loss].
    pub pure: f64,
    /// Its standard error.
    pub pure_std_error: f64,
    /// Capital load c·s·(TVaR_q − pure).
    pub risk_load: f64,
    /// Expense load e × technical.
    pub expense_load: f64,
    /// (pure + risk load)/(1 − e).
    pub technical: f64,
    /// Its standard error.
    pub technical_std_error: f64,
    /// TVaR at the capital level of the insured loss.
    pub capital_tvar: f64,
    /// Rating-plan decomposition of `technical`.
    pub rating_plan: RatingPlan,
    /// What the insurer would quote: the rating plan's premium with the schedule modifier
    /// bounded (`rating_plan.schedule_bounded_premium`), at least the model's minimum premium.
    pub charged: f64,
    /// The minimum premium set `charged`.
    pub minimum_applied: bool,
    /// The model's minimum premium in the profile's currency (0 when the model has none).
    pub minimum_premium: f64,
    /// technical ÷ charged: above 1 the charged premium is below the model's indication.
    pub adequacy: f64,
}

/// technical = base × industry × revenue × layer × (1 + schedule). The schedule modifier is the
/// firm's relative risk − 1; underwriters' filed plans cap it (`schedule_bound`), so the bounded
/// premium is shown beside the model-indicated one.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingPlan {
    /// Technical premium of the reference firm (industry `other`, reference revenue, baseline
    /// answers), before the layer factor.
    pub base: f64,
    /// Expected gross loss of the industry relative to `other` at the same revenue.
    pub industry_factor: f64,
    /// Expected gross loss at the firm's revenue relative to the reference revenue.
    pub revenue_factor: f64,
    /// Share of the gross expected loss the layer (deductible, limits) pays, loaded.
    pub layer_factor: f64,
    /// Model-indicated schedule modifier, relative risk − 1.
    pub schedule_modifier: f64,
    /// The same, clamped to ± the model's schedule bound.
    pub schedule_modifier_bounded: f64,
    /// Premium before any schedule modifier: base × industry × revenue × layer.
    pub unscheduled_premium: f64,
    /// Premium with the bounded modifier.
    pub schedule_bounded_premium: f64,
}

/// Per-trial contributions ψ to the technical premium (mean of ψ = technical).
pub fn technical_influence(insured: &[f64], params: &ModelParams) -> (f64, Vec<f64>, LossStats) {
    let (psi_of, stats) = influence(insured, params);
    let psi: Vec<f64> = insured.iter().map(|&x| psi_of(x)).collect();
    let technical = psi.iter().sum::<f64>() / psi.len() as f64;
    (technical, psi, stats)
}

/// ψ as a function of one year's insured loss, and the statistics it reads (VaR at the capital
/// level).
fn influence(insured: &[f64], params: &ModelParams) -> (impl Fn(f64) -> f64, LossStats) {
    let stats = LossStats::from_sample(insured, &[params.pricing.capital_level], &[]);
    (psi_at(params, stats.var[0].value), stats)
}

/// ψ(x) = ((1 − k) x + k (v + (x − v)⁺/(1 − q)))/(1 − e), k = c·s, for VaR_q = `v`.
fn psi_at(params: &ModelParams, v: f64) -> impl Fn(f64) -> f64 {
    let p = &params.pricing;
    let (q, e) = (p.capital_level, p.expense_ratio);
    let k = p.cost_of_capital * p.capital_share;
    move |x: f64| ((1.0 - k) * x + k * (v + (x - v).max(0.0) / (1.0 - q))) / (1.0 - e)
}

/// The technical premium (mean of ψ), its standard error and the statistics, without keeping ψ:
/// the same sums in the same order as [`technical_influence`] and [`mean_se`], so the same bits.
fn technical_and_error(insured: &[f64], params: &ModelParams) -> (f64, f64, LossStats) {
    let (psi, stats) = influence(insured, params);
    let n = insured.len() as f64;
    // Most years of a firm have no insured loss: ψ(0) once, not once per year (same value).
    let psi0 = psi(0.0);
    let psi = |x: f64| if x == 0.0 { psi0 } else { psi(x) };
    let technical = insured.iter().map(|&x| psi(x)).sum::<f64>() / n;
    let d0 = (psi0 - technical) * (psi0 - technical);
    let ss = insured
        .iter()
        .map(|&x| {
            if x == 0.0 {
                d0
            } else {
                (psi(x) - technical) * (psi(x) - technical)
            }
        })
        .sum::<f64>();
    let se = (ss / (n - 1.0).max(1.0) / n).sqrt();
    (technical, se, stats)
}

/// [`technical_and_error`] from the non-zero years alone (`n` years in all): ψ(0) counted once
/// per zero year, so the cost follows the years with a loss.
pub(crate) fn technical_sparse(
    n: usize,
    nonzero: &[f64],
    params: &ModelParams,
) -> (f64, f64, LossStats) {
    let stats = LossStats::from_sparse(n, nonzero, &[params.pricing.capital_level], &[]);
    let psi = psi_at(params, stats.var[0].value);
    let nf = n as f64;
    let zeros = (n - nonzero.len()) as f64;
    let psi0 = psi(0.0);
    let technical = (nonzero.iter().map(|&x| psi(x)).sum::<f64>() + zeros * psi0) / nf;
    let ss = nonzero
        .iter()
        .map(|&x| (psi(x) - technical) * (psi(x) - technical))
        .sum::<f64>()
        + zeros * (psi0 - technical) * (psi0 - technical);
    let se = (ss / (nf - 1.0).max(1.0) / nf).sqrt();
    (technical, se, stats)
}

/// Standard error of the mean of `xs`.
pub(crate) fn mean_se(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0).max(1.0);
    (v / n).sqrt()
}

/// Expected gross annual loss (closed form) of base perils with the given multipliers.
fn expected_gross(base: &BasePerils, m: &PerilMultipliers) -> f64 {
    base.iter()
        .zip(m)
        .map(|(b, m)| b.map_or(0.0, |b| b.frequency * m.0 * b.severity_mean * m.1))
        .sum()
}

/// Prices the insured losses of `sim` for the firm; `class` is the class's technical premium
/// under the same cover, seed and trials when the model's layer factor reads it (see
/// [`class_score`]), else `None`.
pub fn price(
    profile: &FirmProfile,
    score: &RiskScore,
    sim: &Simulation,
    params: &ModelParams,
    class: Option<f64>,
) -> Premium {
    price_insured(profile, score, sim.insured(), params, class)
}

/// Prices simulated insured annual losses for the firm: technical premium, rating-plan view and
/// the charged premium (`class` as in [`price`]).
pub fn price_insured(
    profile: &FirmProfile,
    score: &RiskScore,
    insured: &[f64],
    params: &ModelParams,
    class: Option<f64>,
) -> Premium {
    price_with_stats(profile, score, insured, params, class).0
}

/// The firm's rating class as a score: its base perils at the baseline answers and its
/// suppliers uncertified (relative risk 1, as the score's baseline has them), when the model's
/// layer factor reads the class ([`LayerBasis::Class`]) and the firm is not already at the
/// baseline (then its own technical premium is the class's, bit for bit).
pub fn class_score(score: &RiskScore, params: &ModelParams) -> Option<RiskScore> {
    let at_baseline = score.multipliers == score.baseline_multipliers
        && score.supplier_multipliers.iter().all(|&g| g == 1.0);
    (params.pricing.layer_basis == LayerBasis::Class && !at_baseline).then(|| RiskScore {
        multipliers: score.baseline_multipliers,
        supplier_multipliers: vec![1.0; score.supplier_multipliers.len()],
        relative_risk: 1.0,
        ..score.clone()
    })
}

/// The technical premium of the firm's class (see [`class_score`]) under the profile's cover,
/// simulated with `trials` years from the streams of `seed`, or `None` when the layer factor
/// does not need it.
pub fn class_technical(
    profile: &FirmProfile,
    score: &RiskScore,
    params: &ModelParams,
    trials: u64,
    seed: u64,
) -> Option<f64> {
    let class = class_score(score, params)?;
    let model = LossModel::from_profile(profile, &class, params);
    let sim = crate::engine::simulate(&model, trials, seed);
    Some(technical_and_error(sim.insured(), params).0)
}

/// The closed-form parts of the rating plan: one firm's, whatever the terms (computed once per
/// firm, shared by quote options).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlanFactors {
    gross: f64,
    base: f64,
    industry_factor: f64,
    revenue_factor: f64,
    rate: f64,
}

/// The rating plan's closed forms from expected gross losses: the firm's base perils come with
/// its score; the industry-`other` twin and the reference firm are other firms.
pub(crate) fn plan_factors(
    profile: &FirmProfile,
    score: &RiskScore,
    params: &ModelParams,
) -> PlanFactors {
    // Suppliers (contract §16): the firm's certified suppliers in its expected loss, the same
    // suppliers uncertified in its baseline and its industry-`other` twin (so the industry
    // factor compares like with like); the reference firm has none.
    let (supplied, unsupplied) = if score.supplier_multipliers.is_empty() {
        (0.0, 0.0)
    } else {
        let ones = vec![1.0; score.supplier_multipliers.len()];
        (
            score.supplier_loss(&score.supplier_multipliers),
            score.supplier_loss(&ones),
        )
    };
    let gross = expected_gross(&score.base_perils, &score.multipliers) + supplied;
    let baseline = expected_gross(&score.base_perils, &score.baseline_multipliers) + unsupplied;
    let mut other = profile.clone();
    other.industry = Industry::Other;
    let other_loss =
        expected_gross(&base_perils(&other, params), &score.baseline_multipliers) + unsupplied;
    let industry_factor = baseline / other_loss;
    let rate = params.rate(&profile.currency).unwrap_or(1.0);
    let mut reference = other;
    reference.annual_revenue = params.reference.revenue * rate;
    reference.records_held = None;
    let reference_loss = expected_gross(
        &base_perils(&reference, params),
        &score.baseline_multipliers,
    );
    PlanFactors {
        gross,
        base: reference_loss,
        industry_factor,
        revenue_factor: other_loss / reference_loss,
        rate,
    }
}

/// [`price_insured`] with the statistics of the insured loss it read (mean; VaR and TVaR at the
/// capital level).
pub(crate) fn price_with_stats(
    profile: &FirmProfile,
    score: &RiskScore,
    insured: &[f64],
    params: &ModelParams,
    class: Option<f64>,
) -> (Premium, LossStats) {
    price_from(
        &plan_factors(profile, score, params),
        score,
        insured,
        params,
        class,
    )
}

/// Simulated insured years: every year, or the count of years and the non-zero ones.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Years<'a> {
    /// One value per simulated year.
    Dense(&'a [f64]),
    /// (years, the non-zero values in year order).
    Sparse(usize, &'a [f64]),
}

/// Prices insured annual losses with the firm's rating-plan factors already computed.
pub(crate) fn price_from(
    plan: &PlanFactors,
    score: &RiskScore,
    insured: &[f64],
    params: &ModelParams,
    class: Option<f64>,
) -> (Premium, LossStats) {
    price_years(plan, score, Years::Dense(insured), params, class)
}

/// [`price_from`] for dense or sparse years.
///
/// The layer factor is T ÷ E[gross]: the firm's own (T its technical premium, E[gross] its
/// expected gross loss), or with `class` = Some(T_c) the class's, T_c ÷ (base × industry ×
/// revenue), so that the unscheduled premium is T_c and the charged premium T_c × (1 +
/// clamp(RR − 1)) rises with the relative risk RR.
pub(crate) fn price_years(
    plan: &PlanFactors,
    score: &RiskScore,
    years: Years<'_>,
    params: &ModelParams,
    class: Option<f64>,
) -> (Premium, LossStats) {
    let (technical, technical_std_error, stats) = match years {
        Years::Dense(insured) => technical_and_error(insured, params),
        Years::Sparse(n, nonzero) => technical_sparse(n, nonzero, params),
    };
    let p = &params.pricing;
    let pure = stats.mean;
    let capital_tvar = stats.tvar[0].value;
    let risk_load = p.cost_of_capital * p.capital_share * (capital_tvar - pure);
    let PlanFactors {
        gross,
        base,
        industry_factor,
        revenue_factor,
        rate,
    } = *plan;
    let (layer_technical, layer_gross) = match class {
        Some(t) => (t, base * industry_factor * revenue_factor),
        None => (technical, gross),
    };
    let layer_factor = if layer_gross > 0.0 {
        layer_technical / layer_gross
    } else {
        0.0
    };
    let schedule_modifier = score.relative_risk - 1.0;
    let bound = p.schedule_bound;
    let schedule_modifier_bounded = schedule_modifier.clamp(-bound, bound);
    let unscheduled_premium = base * industry_factor * revenue_factor * layer_factor;
    let schedule_bounded_premium = unscheduled_premium * (1.0 + schedule_modifier_bounded);
    let minimum_premium = params
        .underwriting
        .as_ref()
        .map_or(0.0, |u| u.minimum_premium * rate);
    let minimum_applied = schedule_bounded_premium < minimum_premium;
    let charged = schedule_bounded_premium.max(minimum_premium);
    let adequacy = if charged > 0.0 {
        technical / charged
    } else {
        1.0
    };

    let premium = Premium {
        pure,
        pure_std_error: stats.mean_std_error.unwrap_or(0.0),
        risk_load,
        expense_load: technical * p.expense_ratio,
        technical,
        technical_std_error,
        capital_tvar,
        rating_plan: RatingPlan {
            base,
            industry_factor,
            revenue_factor,
            layer_factor,
            schedule_modifier,
            schedule_modifier_bounded,
            unscheduled_premium,
            schedule_bounded_premium,
        },
        charged,
        minimum_applied,
        minimum_premium,
        adequacy,
    };
    (premium, stats)
}
