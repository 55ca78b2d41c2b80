//! One full assessment of a firm: score → loss model → simulation → premium.

use super::{Decision, Premium, class_score, class_technical, decide, price};
use crate::engine::{Simulation, simulate};
use crate::model::LossModel;
use crate::params::ModelParams;
use crate::profile::FirmProfile;
use crate::score::{RiskScore, score};

/// Everything an assessment computes.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// The score and its explanation.
    pub score: RiskScore,
    /// The firm's loss model under its coverage.
    pub model: LossModel,
    /// Simulated years (gross and insured).
    pub simulation: Simulation,
    /// The premium.
    pub premium: Premium,
    /// The underwriter's decision.
    pub decision: Decision,
    /// The technical premium of the firm's rating class under the same cover, seed and trials
    /// when the rating plan's layer factor read it (see [`super::class_score`]).
    pub class_technical: Option<f64>,
}

impl PartialEq for Assessment {
    fn eq(&self, other: &Self) -> bool {
        self.score == other.score
            && self.premium == other.premium
            && self.simulation.gross() == other.simulation.gross()
    }
}

/// Assesses a firm with `trials` simulated years from the streams of `seed`.
pub fn assess(profile: &FirmProfile, params: &ModelParams, trials: u64, seed: u64) -> Assessment {
    assess_in_class(profile, params, trials, seed, None)
}

/// An assessment whose class technical premium may be reused: the class is the same when the
/// base perils, the baseline multipliers, the suppliers' exposure and the cover are (a changed
/// answer, or a supplier's certificate, moves the firm, not its class), and the run has the
/// same seed and trials.
pub(crate) struct KnownClass<'a> {
    /// The assessed profile.
    pub(crate) profile: &'a FirmProfile,
    /// Its assessment.
    pub(crate) assessment: &'a Assessment,
}

impl KnownClass<'_> {
    /// The class technical premium of `profile` (scored `score`) if it is this one's.
    fn technical_for(&self, profile: &FirmProfile, score: &RiskScore) -> Option<f64> {
        let (known, a) = (&self.assessment.score, self.assessment);
        let same = profile.coverage == self.profile.coverage
            && score.base_perils == known.base_perils
            && score.baseline_multipliers == known.baseline_multipliers
            && score.suppliers == known.suppliers;
        // At the baseline the assessment's own technical premium is the class's.
        same.then(|| a.class_technical.unwrap_or(a.premium.technical))
    }
}

/// [`assess`], reusing the class technical premium of `known` (same seed and trials) when the
/// class is the same, instead of simulating the class again.
pub(crate) fn assess_in_class(
    profile: &FirmProfile,
    params: &ModelParams,
    trials: u64,
    seed: u64,
    known: Option<KnownClass<'_>>,
) -> Assessment {
    let score = score(profile, params);
    let model = LossModel::from_profile(profile, &score, params);
    let simulation = simulate(&model, trials, seed);
    let reused = known.and_then(|k| k.technical_for(profile, &score));
    let class_technical = match reused {
        Some(t) if class_score(&score, params).is_some() => Some(t),
        _ => class_technical(profile, &score, params, trials, seed),
    };
    let premium = price(profile, &score, &simulation, params, class_technical);
    Assessment {
        decision: decide(profile, params),
        score,
        model,
        simulation,
        premium,
        class_technical,
    }
}
