//! Premium impact: what each certification, maturity level and control is worth.
//!
//! Each counterfactual firm (certificate removed or lapsed, next tier reached, a CSF function one
//! level higher, a control one level better) is scored, modelled and simulated with the same
//! seed and trials as the current firm. Common random numbers (see `engine::monte_carlo`) couple
//! the two runs year by year, so the premium difference has a small standard error:
//! sd(ψ′ − ψ)/√n over the paired years.

use crate::assess::{Assessment, assess};
use crate::model::ModelParams;
use crate::profile::{Certification, FirmProfile, Status};
use crate::score::Standing;
use crate::vocab::{Control, Function};

use super::{mean_se, technical_influence};

/// One counterfactual's premium.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactItem {
    /// `remove:<scheme>`, `lapse:<scheme>`, `upgrade:<scheme>:<next>`, `raise:<function>`,
    /// `improve:<control>`.
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
}

/// Premium impact report.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    /// The current firm's assessment.
    pub current: Assessment,
    /// Counterfactuals, largest saving (most negative delta) first.
    pub items: Vec<ImpactItem>,
}

/// The counterfactual profiles of a firm, each with its change id and description.
pub fn counterfactuals(
    profile: &FirmProfile,
    params: &ModelParams,
    standings: &[Standing],
) -> Vec<(String, String, FirmProfile)> {
    let mut out = Vec::new();
    for (i, c) in profile.certifications.iter().enumerate() {
        let mut p = profile.clone();
        p.certifications.remove(i);
        out.push((
            format!("remove:{}", c.scheme),
            format!("without {}", c.scheme),
            p,
        ));
        if standings[i] == Standing::Active {
            let mut p = profile.clone();
            p.certifications[i].status = Status::Lapsed;
            p.certifications[i].expires = Some(profile.as_of);
            out.push((
                format!("lapse:{}", c.scheme),
                format!("{} lapses today", c.scheme),
                p,
            ));
        }
        if let Some(next) = params.certifications[&c.scheme].next_tier
            && !profile.certifications.iter().any(|x| x.scheme == next)
        {
            let mut p = profile.clone();
            p.certifications[i] = Certification {
                scheme: next,
                status: Status::Active,
                issued: Some(profile.as_of),
                expires: None,
                scope_share: c.scope_share,
                security_level: None,
                edition: None,
            };
            out.push((
                format!("upgrade:{}:{next}", c.scheme),
                format!("{} replaced by an active {next}", c.scheme),
                p,
            ));
        }
        if c.security_level.is_some_and(|l| l < 4) {
            let mut p = profile.clone();
            let l = c.security_level.unwrap_or(1) + 1;
            p.certifications[i].security_level = Some(l);
            out.push((
                format!("upgrade:{}:sl{l}", c.scheme),
                format!("{} at security level {l}", c.scheme),
                p,
            ));
        }
    }
    for &f in Function::ALL {
        if let Some(m) = profile.maturity[f.index()]
            && m < 5
        {
            let mut p = profile.clone();
            p.maturity[f.index()] = Some(m + 1);
            out.push((
                format!("raise:{f}"),
                format!("{f} from level {m} to {}", m + 1),
                p,
            ));
        }
    }
    for &c in Control::ALL {
        let levels = &params.controls[&c].levels;
        if let Some(l) = profile.controls[c.index()]
            && l + 1 < levels.len()
        {
            let mut p = profile.clone();
            p.controls[c.index()] = Some(l + 1);
            let to = &levels[l + 1];
            let desc = if c == Control::PatchCriticalDays {
                format!("critical patches {}", to.replace('_', " "))
            } else {
                format!("{c}: {} → {to}", levels[l])
            };
            out.push((format!("improve:{c}"), desc, p));
        }
    }
    out
}

/// The premium impact of every counterfactual, with common random numbers.
pub fn impact(profile: &FirmProfile, params: &ModelParams, trials: u64, seed: u64) -> Impact {
    let current = assess(profile, params, trials, seed);
    let (_, psi, _) = technical_influence(current.simulation.insured(), params);
    let mut items: Vec<ImpactItem> = counterfactuals(profile, params, &current.score.standings)
        .into_iter()
        .map(|(change, description, p)| {
            let a = assess(&p, params, trials, seed);
            let (technical, psi2, _) = technical_influence(a.simulation.insured(), params);
            let diff: Vec<f64> = psi2.iter().zip(&psi).map(|(a, b)| a - b).collect();
            ImpactItem {
                change,
                description,
                premium: technical,
                delta: technical - current.premium.technical,
                delta_std_error: mean_se(&diff),
                score: a.score.value,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        a.delta
            .total_cmp(&b.delta)
            .then_with(|| a.change.cmp(&b.change))
    });
    Impact { current, items }
}
