//! Wire type of portfolio reports (contract §7).

use serde::Serialize;

use super::v1::LevelDto;

/// PortfolioReport.
#[derive(Debug, Clone, Serialize)]
pub struct PortfolioReport {
    /// Policies simulated (a shard's count for a shard run).
    pub policies: usize,
    /// Simulated years.
    pub trials: u64,
    /// Seed.
    pub seed: u64,
    /// `i/n` for a shard run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Mean annual insured loss.
    pub mean: f64,
    /// Its standard error.
    pub mean_std_error: Option<f64>,
    /// Closed-form mean of the gross loss (equals `mean` in expectation when no policy has terms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_form_gross_mean: Option<f64>,
    /// VaR per level.
    pub var: Vec<LevelDto>,
    /// TVaR per level.
    pub tvar: Vec<LevelDto>,
    /// Loss exceeded once every `return_period` years on average.
    pub exceedance_curve: Vec<ReturnPeriodDto>,
    /// Aggregate exceedance (AEP): each year's total loss, at the return periods of
    /// `exceedance_curve` (the same losses), with the TVaR beyond each.
    pub aep: Vec<EpPointDto>,
    /// Occurrence exceedance (OEP): each year's largest event loss (one policy's own event, or
    /// one common-shock occurrence over all the policies it hits), with the TVaR beyond each.
    /// Never above the AEP at the same return period.
    pub oep: Vec<EpPointDto>,
    /// Mean annual insured loss caused by each shock.
    pub shocks: Vec<ShockDto>,
    /// Level of the capital allocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_level: Option<f64>,
    /// Σ of all policies' allocations (= TVaR at the allocation level).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocated_total: Option<f64>,
    /// Σ of all policies' occurrence allocations (= the occurrence TVaR at the allocation level:
    /// the `oep` TVaR at return period 1/(1 − allocation_level)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oep_allocated_total: Option<f64>,
    /// Largest co-TVaR allocations.
    pub top_contributors: Vec<ContributorDto>,
    /// Largest occurrence co-TVaR allocations (the policies whose single events, or shares of
    /// common-shock occurrences, drive the OEP tail); empty for a shard.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub top_oep_contributors: Vec<ContributorDto>,
    /// The suppliers (contract §16) driving the tail of a whole book, largest share of TVaR 99.5
    /// first (at most 20); absent when the book names none or for a shard.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppliers: Vec<SupplierTailDto>,
}

/// A supplier's part in the book's tail (a common shock to every policy naming it).
#[derive(Debug, Clone, Serialize)]
pub struct SupplierTailDto {
    /// The supplier's id, as the book's `suppliers` column names it.
    pub supplier: String,
    /// Mean annual insured loss its compromise causes the book.
    pub mean: f64,
    /// Its share of the book's loss in the years above VaR 99.5 (the years TVaR 99.5 averages).
    pub tvar_share: f64,
    /// How much TVaR 99.5 falls had the supplier reached ★4 (the model's best impact scheme),
    /// on the same simulated years (for the ten largest shares; 0 for one already there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tvar_fall_star4: Option<f64>,
}

/// One point of the exceedance curve.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnPeriodDto {
    /// Years.
    pub return_period: f64,
    /// VaR at 1 − 1/return_period.
    pub loss: f64,
}

/// One point of an EP curve, in the report's convention: `loss` the lower quantile at level
/// 1 − 1/return_period (as `var`), `tvar` = loss + E[(L − loss)+]·return_period (as `tvar`).
#[derive(Debug, Clone, Serialize)]
pub struct EpPointDto {
    /// Years.
    pub return_period: f64,
    /// Loss exceeded once every `return_period` years on average.
    pub loss: f64,
    /// Mean loss in the years beyond it.
    pub tvar: f64,
}

/// A shock's mean.
#[derive(Debug, Clone, Serialize)]
pub struct ShockDto {
    /// Name.
    pub name: String,
    /// Mean annual insured loss it causes.
    pub mean: f64,
}

/// A policy's allocation, aggregate (AEP: each year's total) and occurrence (OEP: each year's
/// largest event), each set adding up over all policies to the portfolio's measure.
#[derive(Debug, Clone, Serialize)]
pub struct ContributorDto {
    /// Policy id.
    pub policy_id: String,
    /// Co-TVaR allocation (Σ over policies = TVaR at the allocation level).
    pub tvar_contribution: f64,
    /// Its loss in the VaR year (Σ over policies = VaR at the allocation level).
    pub var_contribution: f64,
    /// Co-TVaR allocation of the occurrence losses (Σ = the occurrence TVaR).
    pub oep_tvar_contribution: f64,
    /// Its part of the event at the occurrence VaR (Σ = the occurrence VaR).
    pub oep_var_contribution: f64,
}
