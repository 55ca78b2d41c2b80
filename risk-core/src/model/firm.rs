//! From a firm to its loss model: its base perils (computed once, by the score, from
//! [`crate::exposure`]) times the multipliers of its [`RiskScore`].
//!
//! Per peril k: N_k ~ NegBin(λ_k F_k, r) and X_k ~ lognormal(median_k S_k, σ_k) with a GPD tail
//! above its `tail_quantile` (so the whole severity scales with the median), λ_k and median_k the
//! base perils' and (F_k, S_k) the score's multipliers. A firm that names suppliers has two
//! more perils after its own (contract §16, [`crate::exposure::SupplierExposure`]):
//! `contingent_business_interruption` ~ Poisson(T_BI Σ_j b_j G_j) and `third_party_breach` ~
//! Poisson(T_DB Σ_j d_j G_j), each present only when its rate is positive, on streams of their
//! own ([`CONTINGENT_BI_STREAM`], [`THIRD_PARTY_BREACH_STREAM`]). Poisson: the superposition of
//! independent suppliers' compromises, so removing or certifying one supplier only thins the
//! count, which inversion keeps monotone year by year.

use super::{Cover, LossModel, Peril as ModelPeril, Terms};
use crate::dist::Frequency;
use crate::exposure::{CONTINGENT_BI_STREAM, THIRD_PARTY_BREACH_STREAM, severity};
use crate::params::ModelParams;
use crate::profile::{Coverage, FirmProfile};
use crate::score::RiskScore;
use crate::vocab::Peril;

impl LossModel {
    /// The firm's loss model under its coverage: the base perils `score` carries × its
    /// multipliers (`score` is `profile`'s under `params`).
    pub fn from_profile(
        profile: &FirmProfile,
        score: &RiskScore,
        params: &ModelParams,
    ) -> LossModel {
        let mut perils: Vec<ModelPeril> = score
            .base_perils
            .iter()
            .zip(&score.multipliers)
            .zip(Peril::ALL)
            .filter_map(|((b, m), peril)| {
                let b = b.as_ref()?;
                let frequency =
                    Frequency::negative_binomial(b.frequency * m.0, params.reference.dispersion)
                        .expect("multipliers keep frequencies positive and bounded");
                Some(ModelPeril::new(
                    peril.as_str(),
                    frequency,
                    severity(b.median * m.1, peril.index(), params),
                ))
            })
            .collect();
        perils.extend(supplier_perils(score, params).into_iter().map(|(p, _)| p));
        let c = &profile.coverage;
        let model = LossModel::new(
            perils,
            Terms::new(
                c.deductible,
                Some(c.occurrence_limit),
                Some(c.aggregate_limit),
            ),
        );
        match params.coverage.as_ref() {
            Some(_) if !c.is_plain() => {
                model.with_cover(LossModel::cover_for(profile, score, params, c))
            }
            _ => model,
        }
    }

    /// The sectioned policy of `coverage` for the firm (its perils in the order of
    /// [`LossModel::from_profile`]). Call only with a model that has coverage sections.
    pub fn cover_for(
        profile: &FirmProfile,
        score: &RiskScore,
        params: &ModelParams,
        coverage: &Coverage,
    ) -> Cover {
        let cp = params
            .coverage
            .as_ref()
            .expect("callers check the model has coverage sections");
        let shares = score
            .base_perils
            .iter()
            .zip(Peril::ALL)
            .filter(|(b, _)| b.is_some())
            .map(|(_, p)| cp.shares[p.index()])
            .chain(
                supplier_perils(score, params)
                    .into_iter()
                    .map(|(_, p)| cp.shares[p.index()]),
            )
            .collect();
        Cover::new(coverage, shares, cp, profile.annual_revenue)
    }
}

/// The supplier perils of a scored firm, in model order, each with the own peril whose shape and
/// coverage sections it takes (business interruption, data breach).
fn supplier_perils(score: &RiskScore, params: &ModelParams) -> Vec<(ModelPeril, Peril)> {
    let x = &score.suppliers;
    let g = &score.supplier_multipliers;
    let (bi, tp) = g
        .iter()
        .zip(&x.rates)
        .fold((0.0, 0.0), |(bi, tp), (g, (b, d))| (bi + b * g, tp + d * g));
    [
        (
            "contingent_business_interruption",
            x.threat.0 * bi,
            x.outage_median,
            Peril::BusinessInterruption,
            CONTINGENT_BI_STREAM,
        ),
        (
            "third_party_breach",
            x.threat.1 * tp,
            x.breach_median,
            Peril::DataBreach,
            THIRD_PARTY_BREACH_STREAM,
        ),
    ]
    .into_iter()
    .filter(|&(_, rate, median, _, _)| rate > 0.0 && median > 0.0)
    .map(|(name, rate, median, shape, id)| {
        let frequency = Frequency::poisson(rate).expect("supplier rates are bounded");
        let peril = ModelPeril::new(name, frequency, severity(median, shape.index(), params));
        (peril.with_stream(id), shape)
    })
    .collect()
}
