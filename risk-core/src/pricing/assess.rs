//! One full assessment of a firm: score → loss model → simulation → premium.

use super::{Decision, Premium, decide, price};
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
    let score = score(profile, params);
    let model = LossModel::from_profile(profile, &score, params);
    let simulation = simulate(&model, trials, seed);
    let premium = price(profile, &score, &simulation, params);
    Assessment {
        decision: decide(profile, params),
        score,
        model,
        simulation,
        premium,
    }
}
