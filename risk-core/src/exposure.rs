//! A firm's exposure before its answers: each peril's base frequency and severity, scaled by
//! revenue, industry, records and sector threat (the stage between the profile and its score).
//!
//! Per peril k (amounts converted from the base currency at the model's dated rate):
//! λ_k = λ0_k F(R) × I^f_k × T_k × J^f, median_k = m0_k × S(R)^p_k × I^s_k × D_k × J^s × G, with
//! F(R) = (R/R_ref)^β_f and S(R) = (R/R_ref)^β_s, or the model's `[revenue_scale]` by revenue
//! band (normalised to 1 at R_ref) when it has one, p_k the peril's `severity_scale_power` (1);
//! D_k = (records/records_ref)^e for the data-breach peril when records are given (records below
//! `records_min` count as it; above `records_max` when the file caps them); J the jurisdiction
//! factors of the firm's country (`[countries]`, 2.0.0) and G the loss-trend index from the
//! model's reference date to the profile's `as_of` (`[trend]`, 2.0.0). A peril with `days_down`
//! (business interruption, 2.0.0) has median_k = days × R/365 × `bi_margin` × I^s_k × J^s
//! instead: lost income, already in the year's money. The severity is a lognormal body with a GPD
//! tail above the peril's `tail_quantile`.

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
    let (f_scale, s_scale) = match &params.revenue_scale {
        Some(s) => (
            s.frequency.factor(revenue) / s.frequency.factor(r.revenue),
            s.severity.factor(revenue) / s.severity.factor(r.revenue),
        ),
        None => (
            size.powf(r.frequency_revenue_elasticity),
            size.powf(r.severity_revenue_elasticity),
        ),
    };
    let (country_f, country_s) = params.countries.as_ref().map_or((1.0, 1.0), |c| {
        let e = c.lookup(profile.country.as_deref(), &profile.currency);
        (e.frequency, e.severity)
    });
    let trend = params.trend.map_or(1.0, |t| t.index(profile.as_of));
    std::array::from_fn(|k| {
        let peril = Peril::ALL[k];
        let p = &params.perils[k];
        if p.requires_ot && !profile.ot_exposure {
            return None;
        }
        let records = match (peril, profile.records_held) {
            (Peril::DataBreach, Some(n)) => (n.max(r.records_min).min(r.records_max)
                / r.records_reference)
                .powf(r.records_elasticity),
            _ => 1.0,
        };
        let (fi, si) = industry.relativity[k];
        // The firm's own frequency, then the sector threat on it: ((λ0 · size · I) · country)
        // · T. Without a country table (1.x) that is the order it always was, so a neutral
        // threat table gives the same bits as before the threat was split out.
        let firm_frequency = p.frequency * f_scale * fi * country_f;
        let threat = params.threat.multiplier(profile.industry, peril);
        let frequency = firm_frequency * threat;
        let amount = match (p.days_down, r.bi_margin) {
            (Some(days), Some(margin)) => days * revenue / 365.0 * margin,
            _ if p.severity_scale_power == 1.0 => p.median * s_scale * trend,
            _ => p.median * s_scale.powf(p.severity_scale_power) * trend,
        };
        let median = amount * si * records * country_s * rate;
        Some(BasePeril {
            frequency,
            firm_frequency,
            threat,
            median,
            sigma: p.sigma,
            severity_mean: severity(median, k, params).mean(),
        })
    })
}

/// Peril `k`'s spliced severity at `median`: lognormal body (the peril's sigma), GPD tail above
/// the body's `tail_quantile` with shape `tail_shape` (the peril's, else the reference's).
///
/// # Panics
/// Never for a validated model (its sigma, tail quantile and shape are range-checked).
pub fn severity(median: f64, k: usize, params: &ModelParams) -> Severity {
    let p = &params.perils[k];
    let z = Normal::standard().inverse_cdf(p.tail_quantile);
    Severity::lognormal_gpd(median, p.sigma, median * (p.sigma * z).exp(), p.tail_shape)
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

/// Stream id of the contingent business interruption peril (after the firm's own perils, whose
/// ids are their [`Peril::index`]): fixed, so the peril's draws do not depend on which of the
/// firm's own perils apply.
pub const CONTINGENT_BI_STREAM: u64 = PERILS as u64;
/// Stream id of the third-party breach peril.
pub const THIRD_PARTY_BREACH_STREAM: u64 = PERILS as u64 + 1;

/// The firm's exposure through its suppliers before their certificates (contract §16; the
/// model's `[suppliers]` documents the parameters).
///
/// Per supplier j of role r: contingent business interruption at b_j = c_r × o_j a year
/// (o_j = 1 critical, else `noncritical_outage_share`) and third-party breach at
/// d_j = c_r × `breach_share` a year when it holds the firm's data (else 0), before the
/// supplier's certificate multiplier G_j and the sector threat (T_BI, T_DB). The firm's loss
/// model adds N_BI ~ Poisson(T_BI Σ_j b_j G_j) events of the business-interruption shape at
/// median `outage_days` × R/365 × `bi_margin`, and N_TP ~ Poisson(T_DB Σ_j d_j G_j) of the
/// data-breach shape at the firm's breach median × `records_share`^records_elasticity (R
/// annual revenue in the profile's currency; medians in it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SupplierExposure {
    /// (b_j, d_j) per supplier, profile order: events a year without certificates or threat.
    pub rates: Vec<(f64, f64)>,
    /// (T_BI, T_DB): the sector threat on each of the two perils.
    pub threat: (f64, f64),
    /// Contingent business interruption severity median, profile currency.
    pub outage_median: f64,
    /// E[X] of that severity.
    pub outage_mean: f64,
    /// Third-party breach severity median, profile currency.
    pub breach_median: f64,
    /// E[X] of that severity.
    pub breach_mean: f64,
}

impl SupplierExposure {
    /// E[annual loss] from supplier j with certificate multiplier `g`, with the sector threat
    /// (`threat`) or without it: (T_BI b_j E[X_BI] + T_DB d_j E[X_TP]) g.
    pub fn expected(&self, j: usize, g: f64, threat: bool) -> f64 {
        let (b, d) = self.rates[j];
        let (tb, td) = if threat { self.threat } else { (1.0, 1.0) };
        (tb * b * self.outage_mean + td * d * self.breach_mean) * g
    }
}

/// The firm's supplier exposure (empty when it names no supplier or the model has no
/// `[suppliers]`; parsing rejects the latter combination). `base` are its base perils.
pub fn supplier_exposure(
    profile: &FirmProfile,
    params: &ModelParams,
    base: &BasePerils,
) -> SupplierExposure {
    let Some(sp) = params.suppliers.as_ref() else {
        return SupplierExposure::default();
    };
    if profile.suppliers.is_empty() {
        return SupplierExposure::default();
    }
    let rates = profile
        .suppliers
        .iter()
        .map(|s| {
            let c = sp.compromise[s.role.index()];
            let outage = if s.critical {
                1.0
            } else {
                sp.noncritical_outage_share
            };
            let breach = if s.data_access { sp.breach_share } else { 0.0 };
            (c * outage, c * breach)
        })
        .collect();
    let (bi, db) = (
        Peril::BusinessInterruption.index(),
        Peril::DataBreach.index(),
    );
    let threat = |p: Peril| params.threat.multiplier(profile.industry, p);
    let outage_median = sp.outage_days * profile.annual_revenue / 365.0 * sp.bi_margin;
    let breach_median = base[db].map_or(0.0, |b| b.median)
        * sp.records_share.powf(params.reference.records_elasticity);
    SupplierExposure {
        rates,
        threat: (
            threat(Peril::BusinessInterruption),
            threat(Peril::DataBreach),
        ),
        outage_median,
        outage_mean: severity(outage_median, bi, params).mean(),
        breach_median,
        breach_mean: severity(breach_median, db, params).mean(),
    }
}
