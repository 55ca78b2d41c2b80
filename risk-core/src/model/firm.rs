//! From a firm to its loss model: base per-peril parameters scaled by revenue, industry, records
//! and sector threat, then the firm's multipliers from its [`RiskScore`].
//!
//! Per peril k (amounts converted from the base currency at the model's dated rate):
//! λ_k = λ0_k (R/R_ref)^β_f × I^f_k × T_k × F_k, N_k ~ NegBin(λ_k, r);
//! median_k = m0_k (R/R_ref)^β_s × I^s_k × D_k × S_k, X_k ~ lognormal(median_k, σ_k) with a GPD
//! tail above its `tail_quantile` (so the whole severity scales with the median);
//! D_k = (clamp(records)/records_ref)^0.76 for the data-breach peril when records are given.

use super::{LossModel, ModelParams, Peril as ModelPeril, Terms};
use crate::dist::Frequency;
use crate::exposure::severity;
pub use crate::exposure::{BasePeril, base_perils};
use crate::profile::FirmProfile;
use crate::score::RiskScore;
use crate::vocab::Peril;

impl LossModel {
    /// The firm's loss model under its coverage: base perils × the score's multipliers.
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
                    severity(b.median * m.1, b.sigma, params),
                ))
            })
            .collect();
        let c = &profile.coverage;
        LossModel::new(
            perils,
            Terms::new(
                c.deductible,
                Some(c.occurrence_limit),
                Some(c.aggregate_limit),
            ),
        )
    }
}
