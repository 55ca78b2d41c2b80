//! Premium impact: what each certification, maturity level and control is worth.
//!
//! Each counterfactual firm (certificate removed or lapsed, next tier reached, a CSF function one
//! level higher, a control one level better) is scored, modelled and simulated with the same
//! seed and trials as the current firm. Common random numbers (see `engine::monte_carlo`) couple
//! the two runs year by year, so the premium difference has a small standard error:
//! sd(ψ′ − ψ)/√n over the paired years.

use super::assess::{Assessment, assess};
use super::change::{Change, Current, impact_changes, price_changes, supplier_changes};
use super::costs::certification_cost;
use crate::params::ModelParams;
use crate::profile::FirmProfile;

/// One counterfactual's premium.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactItem {
    /// `remove:<scheme>`, `lapse:<scheme>`, `upgrade:<scheme>:<next>`, `raise:<function>`,
    /// `improve:<control>`, `obtain:<scheme>`, `supplier:<name>:<scheme>`.
    pub change: String,
    /// What changed, in words.
    pub description: String,
    /// Technical premium of the counterfactual firm.
    pub premium: f64,
    /// premium − current premium.
    pub delta: f64,
    /// Standard error of `delta` (paired years).
    pub delta_std_error: f64,
    /// The counterfactual's score.
    pub score: f64,
    /// For `obtain:` and `upgrade:` items that save: years for the saving to repay the
    /// certificate's first-cycle cost (`data/certification-costs.csv`), cost ÷ −delta.
    pub payback_years: Option<f64>,
}

/// Premium impact report.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    /// The current firm's assessment.
    pub current: Assessment,
    /// Counterfactuals, largest saving (most negative delta) first.
    pub items: Vec<ImpactItem>,
}

/// The premium impact of every counterfactual, with common random numbers.
pub fn impact(profile: &FirmProfile, params: &ModelParams, trials: u64, seed: u64) -> Impact {
    let current = Current::new(assess(profile, params, trials, seed), params);
    let score = &current.assessment().score;
    let mut changes = impact_changes(profile, params, &score.standings);
    changes.extend(supplier_changes(params, score));
    let mut items: Vec<ImpactItem> = changes
        .into_iter()
        .map(|change| {
            let description = change.describe(profile, params);
            let c = price_changes(&current, profile, params, &[change])
                .expect("impact changes apply to the profile they were listed for");
            let obtained = match change {
                Change::Obtain(s) | Change::Upgrade { to: s, .. } => Some(s),
                _ => None,
            };
            let payback_years = obtained
                .filter(|_| c.delta < 0.0)
                .and_then(|s| certification_cost(s, profile, params))
                .map(|cost| cost / -c.delta);
            ImpactItem {
                payback_years,
                change: change.id(profile),
                description,
                premium: c.premium,
                delta: c.delta,
                delta_std_error: c.delta_std_error,
                score: c.assessment.score.value,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        a.delta
            .total_cmp(&b.delta)
            .then_with(|| a.change.cmp(&b.change))
    });
    Impact {
        current: current.into_assessment(),
        items,
    }
}
