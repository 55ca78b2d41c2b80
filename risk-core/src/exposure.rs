//! A firm's exposure before its answers: each peril's base frequency and severity, scaled by
//! revenue, industry, records and sector threat (the stage between the profile and its score).
//!
//! Per peril k (amounts converted from the base currency at the model's dated rate):
//! λ_k = λ0_k (R/R_ref)^β_f × I^f_k × T_k, median_k = m0_k (R/R_ref)^β_s × I^s_k × D_k, with
//! D_k = (clamp(records)/records_ref)^0.76 for the data-breach peril when records are given; the
//! severity is a lognormal body with a GPD tail above its `tail_quantile`.

use statrs::distribution::{ContinuousCDF, Normal};

use crate::dist::Severity;
use crate::params::ModelParams;
use crate::profile::FirmProfile;
use crate::vocab::{PERILS, Peril};

/// Base parameters of each peril of a firm (None: peril not applicable).
pub type BasePerils = [Option<BasePeril>; PERILS];

/// A peril's parameters for a firm before its certification, maturity and control multipliers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BasePeril {
    /// Events a year (threat level included): what the loss model draws.
    pub frequency: f64,
    /// Events a year of the firm itself, before the sector threat level: what the score
    /// weighs perils by (unless the threat table predates the separation, `in_score`).
    pub firm_frequency: f64,
    /// The sector threat multiplier in `frequency`.
    pub threat: f64,
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
        // Evaluated in the order it always was ((λ0 · size · I) · T), so a neutral table gives
        // the same bits as before the threat was split out.
        let firm_frequency = p.frequency * size.powf(r.frequency_revenue_elasticity) * fi;
        let threat = params.threat.multiplier(profile.industry, peril);
        let frequency = firm_frequency * threat;
        let median = p.median * size.powf(r.severity_revenue_elasticity) * si * records * rate;
        Some(BasePeril {
            frequency,
            firm_frequency,
            threat,
            median,
            sigma: p.sigma,
            severity_mean: severity(median, p.sigma, params).mean(),
        })
    })
}

/// The spliced severity: lognormal body, GPD tail above the body's `tail_quantile`.
///
/// # Panics
/// Never for a validated model (its sigma, tail quantile and shape are range-checked).
pub fn severity(median: f64, sigma: f64, params: &ModelParams) -> Severity {
    let z = Normal::standard().inverse_cdf(params.reference.tail_quantile);
    Severity::lognormal_gpd(
        median,
        sigma,
        median * (sigma * z).exp(),
        params.reference.tail_shape,
    )
    .expect("model parameters are validated")
}

/// The sector threat's effect on the firm's expected gross loss: Σ λ_k F_k E[X_k S_k] with the
/// threat over the same without it (1 when no threat level applies to the firm's perils).
pub fn threat_effect(base: &BasePerils, m: &crate::params::PerilMultipliers) -> f64 {
    let (with, without) = base
        .iter()
        .zip(m)
        .filter_map(|(b, m)| b.map(|b| (b, m)))
        .fold((0.0, 0.0), |(w, o), (b, m)| {
            let x = m.0 * b.severity_mean * m.1;
            (w + b.frequency * x, o + b.firm_frequency * x)
        });
    if without > 0.0 { with / without } else { 1.0 }
}
