//! Quote options (contract §10): several coverages for one firm priced on the same simulated
//! years, so the differences between options are differences of terms, not of samples.

use rayon::prelude::*;

use super::{
    Decision, Premium, Years, class_score, decide, plan_factors, price_years, technical_sparse,
};
use crate::engine::covered_nonzero_years;
use crate::model::{Cover, LossModel, Terms};
use crate::params::ModelParams;
use crate::profile::{Coverage, FirmProfile};
use crate::score::{RiskScore, score};
use crate::stats::LossStats;

/// Most options in one quote.
pub const MAX_QUOTE_OPTIONS: usize = crate::profile::MAX_OPTIONS;

/// Why a quote could not be priced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum QuoteError {
    /// No option, or more than [`MAX_QUOTE_OPTIONS`].
    #[error("options: between 1 and {MAX_QUOTE_OPTIONS} coverage options, got {0}")]
    OptionCount(usize),
}

/// One priced option.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteOption {
    /// The terms priced (defaults filled in).
    pub coverage: Coverage,
    /// Its premium.
    pub premium: Premium,
    /// Statistics of the insured annual loss (mean; VaR/TVaR at the capital level).
    pub insured: LossStats,
}

/// A firm's quote: one score, one decision, options priced on common random numbers.
#[derive(Debug, Clone)]
pub struct Quote {
    /// The firm's score.
    pub score: RiskScore,
    /// Accept, refer or decline (the same for every option: it judges the firm).
    pub decision: Decision,
    /// The options, in request order.
    pub options: Vec<QuoteOption>,
    /// Seed of the shared simulation.
    pub seed: u64,
    /// Simulated years of the shared simulation.
    pub trials: u64,
}

/// The cover that prices `coverage` for the firm: sectioned when the model has sections and the
/// coverage uses them, else deductible and limits alone.
pub fn cover(
    profile: &FirmProfile,
    score: &RiskScore,
    model: &LossModel,
    params: &ModelParams,
    coverage: &Coverage,
) -> Cover {
    if params.coverage.is_some() && !coverage.is_plain() {
        LossModel::cover_for(profile, score, params, coverage)
    } else {
        let terms = Terms::from_parts(
            coverage.deductible,
            Some(coverage.occurrence_limit),
            Some(coverage.aggregate_limit),
        );
        Cover::plain(terms, model.perils().len())
    }
}

/// Prices every option in `options` (validated coverages, in the profile's currency) for the
/// firm with `trials` years from the streams of `seed`: the ground-up years are simulated once
/// and each option's terms applied to them, so a single-option quote gives the same numbers as
/// the same option among others, and an option's premium is that of an assessment of the
/// profile with that coverage at the same seed (to rounding: an option's statistics are read
/// from its years with a loss only, so their cost follows the simulated events).
///
/// # Errors
/// [`QuoteError::OptionCount`] unless 1–20 options.
pub fn quote(
    profile: &FirmProfile,
    options: &[Coverage],
    params: &ModelParams,
    trials: u64,
    seed: u64,
) -> Result<Quote, QuoteError> {
    if options.is_empty() || options.len() > MAX_QUOTE_OPTIONS {
        return Err(QuoteError::OptionCount(options.len()));
    }
    let score = score(profile, params);
    let model = LossModel::from_profile(profile, &score, params);
    let covers: Vec<Cover> = options
        .iter()
        .map(|c| cover(profile, &score, &model, params, c))
        .collect();
    let insured = covered_nonzero_years(&model, &covers, trials, seed);
    let n = usize::try_from(trials).expect("trials are capped well below usize::MAX");
    // The class's technical premium per option, when the layer factor reads it: the class's
    // ground-up years once (same seed), each option's terms applied to them.
    let class: Vec<Option<f64>> = match class_score(&score, params) {
        Some(class) => {
            let class_model = LossModel::from_profile(profile, &class, params);
            let class_covers: Vec<Cover> = options
                .iter()
                .map(|c| cover(profile, &class, &class_model, params, c))
                .collect();
            covered_nonzero_years(&class_model, &class_covers, trials, seed)
                .iter()
                .map(|ins| Some(technical_sparse(n, ins, params).0))
                .collect()
        }
        None => vec![None; options.len()],
    };
    // Options are priced in parallel; each is a pure function of its own insured years. The
    // rating plan's closed forms belong to the firm: computed once.
    let plan = plan_factors(profile, &score, params);
    let options = options
        .par_iter()
        .zip(&insured)
        .zip(&class)
        .map(|((coverage, ins), &class)| {
            let (premium, insured) =
                price_years(&plan, &score, Years::Sparse(n, ins), params, class);
            QuoteOption {
                coverage: *coverage,
                premium,
                insured,
            }
        })
        .collect();
    Ok(Quote {
        decision: decide(profile, params),
        score,
        options,
        seed,
        trials,
    })
}
