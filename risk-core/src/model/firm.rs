//! From a firm to its loss model: base per-peril parameters scaled by revenue, industry, records
//! and sector threat, then the firm's multipliers from its [`RiskScore`].
//!
//! Per peril k (amounts converted from the base currency at the model's dated rate):
//! λ_k = λ0_k (R/R_ref)^β_f × I^f_k × T_k × F_k, N_k ~ NegBin(λ_k, r);
//! median_k = m0_k (R/R_ref)^β_s × I^s_k × D_k × S_k, X_k ~ lognormal(median_k, σ_k) with a GPD
//! tail above its `tail_quantile` (so the whole severity scales with the median);
//! D_k = (clamp(records)/records_ref)^0.76 for the data-breach peril when records are given.

use statrs::distribution::{ContinuousCDF, Normal};

use super::{LossModel, ModelParams, Peril as ModelPeril, Terms};
use crate::dist::{Frequency, Severity};
use crate::profile::FirmProfile;
use crate::score::RiskScore;
use crate::vocab::{PERILS, Peril};

/// A peril's parameters for a firm before its certification, maturity and control multipliers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BasePeril {
    /// Events a year (threat level included).
    pub frequency: f64,
    /// Severity body median, in the profile's currency.
    pub median: f64,
    /// Body sigma.
    pub sigma: f64,
    /// E[X] of the spliced severity at this median.
    pub severity_mean: f64,
}

/// Base parameters of each peril the firm has (None: peril not applicable, e.g. OT without OT).
pub fn base_perils(profile: &FirmProfile, params: &ModelParams) -> [Option<BasePeril>; PERILS] {
    let rate = params
        .rate(&profile.currency)
        .expect("profile currencies are validated against the model");
    let r = &params.reference;
    let revenue = profile.annual_revenue / rate;
    let size = revenue / r.revenue;
    let industry = &params.industries[&profile.industry];
    std::array::from_fn(|k| {
        let peril = Peril::ALL[k];
        let p = &params.perils[k];
        if p.requires_ot && !profile.ot_exposure {
            return None;
        }
        let records = match (peril, profile.records_held) {
            (Peril::DataBreach, Some(n)) => (n.clamp(r.records_min, r.records_max)
                / r.records_reference)
                .powf(r.records_elasticity),
            _ => 1.0,
        };
        let (fi, si) = industry.relativity[k];
        let frequency = p.frequency
            * size.powf(r.frequency_revenue_elasticity)
            * fi
            * params.threat.multiplier(profile.industry, peril);
        let median = p.median * size.powf(r.severity_revenue_elasticity) * si * records * rate;
        Some(BasePeril {
            frequency,
            median,
            sigma: p.sigma,
            severity_mean: severity(median, p.sigma, params).mean(),
        })
    })
}

/// The spliced severity: lognormal body, GPD tail above the body's `tail_quantile`.
pub(crate) fn severity(median: f64, sigma: f64, params: &ModelParams) -> Severity {
    let z = Normal::standard().inverse_cdf(params.reference.tail_quantile);
    Severity::lognormal_gpd(
        median,
        sigma,
        median * (sigma * z).exp(),
        params.reference.tail_shape,
    )
    .expect("model parameters are validated")
}

impl LossModel {
    /// The firm's loss model under its coverage: base perils × the score's multipliers.
    pub fn from_profile(
        profile: &FirmProfile,
        score: &RiskScore,
        params: &ModelParams,
    ) -> LossModel {
        let perils = base_perils(profile, params)
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
