//! From a firm to its loss model: its base perils (computed once, by the score, from
//! [`crate::exposure`]) times the multipliers of its [`RiskScore`].
//!
//! Per peril k: N_k ~ NegBin(λ_k F_k, r) and X_k ~ lognormal(median_k S_k, σ_k) with a GPD tail
//! above its `tail_quantile` (so the whole severity scales with the median), λ_k and median_k the
//! base perils' and (F_k, S_k) the score's multipliers.

use super::{Cover, LossModel, Peril as ModelPeril, Terms};
use crate::dist::Frequency;
use crate::exposure::severity;
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
        let perils = score
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
            .collect();
        Cover::new(coverage, shares, cp, profile.annual_revenue)
    }
}
