//! Monte Carlo: simulated years in fixed-size blocks, each block with its own random stream.
//!
//! Reproducibility: block b of a run with seed s always draws from the stream
//! [`block_rng`]`(s, b)`, consumed in the same order (trial, then peril, then event), and
//! per-block partial sums are combined in block order. So the output is a pure function of
//! (model, trials, seed): identical for any thread count, and a run can be sharded by block ranges.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::model::LossModel;

/// Trials per block. Part of the reproducibility contract: changing it changes every result.
pub const BLOCK_TRIALS: usize = 4096;

/// One run's annual losses and per-peril totals.
#[derive(Debug, Clone)]
pub struct Simulation {
    trials: u64,
    seed: u64,
    gross: Vec<f64>,
    insured: Option<Vec<f64>>,
    perils: Vec<PerilTotals>,
}

/// Sums over all simulated years for one peril.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PerilTotals {
    /// Events simulated.
    pub events: u64,
    /// Σ over years of the peril's gross loss.
    pub gross_sum: f64,
    /// Σ over years of the squared gross loss (for standard errors).
    pub gross_sum_sq: f64,
    /// Σ over years of the peril's insured loss, the aggregate limit allocated pro rata to the
    /// perils' per-event insured sums, so perils add up to the insured annual loss.
    pub insured_sum: f64,
    /// Σ over years of the squared insured loss.
    pub insured_sum_sq: f64,
}

impl PerilTotals {
    fn add(&mut self, other: &PerilTotals) {
        self.events += other.events;
        self.gross_sum += other.gross_sum;
        self.gross_sum_sq += other.gross_sum_sq;
        self.insured_sum += other.insured_sum;
        self.insured_sum_sq += other.insured_sum_sq;
    }
}

impl Simulation {
    /// Number of simulated years.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// Seed of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Gross annual loss of every simulated year, in trial order.
    pub fn gross(&self) -> &[f64] {
        &self.gross
    }

    /// Insured annual loss (after terms) of every simulated year; the gross loss when the model
    /// has no terms.
    pub fn insured(&self) -> &[f64] {
        self.insured.as_deref().unwrap_or(&self.gross)
    }

    /// Per-peril totals, in the model's peril order.
    pub fn perils(&self) -> &[PerilTotals] {
        &self.perils
    }
}

/// Simulates `trials` years of `model` with the streams of `seed`, on the current rayon pool.
///
/// Callers validate `trials` (≥ 1, capped); see [`crate::model::MAX_TRIALS`].
pub fn simulate(model: &LossModel, trials: u64, seed: u64) -> Simulation {
    let n = usize::try_from(trials).expect("trials are capped well below usize::MAX");
    let mut gross = vec![0.0; n];
    let block_totals: Vec<Vec<PerilTotals>> = if model.terms().is_none() {
        gross
            .par_chunks_mut(BLOCK_TRIALS)
            .enumerate()
            .map(|(b, g)| run_block(model, seed, b as u64, g, None))
            .collect()
    } else {
        let mut insured = vec![0.0; n];
        let totals = gross
            .par_chunks_mut(BLOCK_TRIALS)
            .zip(insured.par_chunks_mut(BLOCK_TRIALS))
            .enumerate()
            .map(|(b, (g, i))| run_block(model, seed, b as u64, g, Some(i)))
            .collect();
        return finish(trials, seed, gross, Some(insured), totals, model);
    };
    finish(trials, seed, gross, None, block_totals, model)
}

fn finish(
    trials: u64,
    seed: u64,
    gross: Vec<f64>,
    insured: Option<Vec<f64>>,
    block_totals: Vec<Vec<PerilTotals>>,
    model: &LossModel,
) -> Simulation {
    let mut perils = vec![PerilTotals::default(); model.perils().len()];
    for block in &block_totals {
        for (acc, t) in perils.iter_mut().zip(block) {
            acc.add(t);
        }
    }
    Simulation {
        trials,
        seed,
        gross,
        insured,
        perils,
    }
}

/// Simulates one block of years into `gross` (and `insured`), returning its per-peril totals.
/// The hot loop: no allocation per year, no fallible call.
fn run_block(
    model: &LossModel,
    seed: u64,
    block: u64,
    gross: &mut [f64],
    mut insured: Option<&mut [f64]>,
) -> Vec<PerilTotals> {
    let mut rng = block_rng(seed, block);
    let terms = *model.terms();
    let perils = model.perils();
    let mut totals = vec![PerilTotals::default(); perils.len()];
    let mut peril_insured = vec![0.0; perils.len()];
    for t in 0..gross.len() {
        let mut year_gross = 0.0;
        let mut year_insured = 0.0;
        for (k, peril) in perils.iter().enumerate() {
            let n = peril.frequency().sample(&mut rng);
            let mut g = 0.0;
            let mut i = 0.0;
            for _ in 0..n {
                let x = peril.severity().sample(&mut rng);
                g += x;
                i += terms.per_event(x);
            }
            let tot = &mut totals[k];
            tot.events += n;
            tot.gross_sum += g;
            tot.gross_sum_sq += g * g;
            peril_insured[k] = i;
            year_gross += g;
            year_insured += i;
        }
        let year_net = terms.annual(year_insured);
        let scale = if year_insured > 0.0 {
            year_net / year_insured
        } else {
            0.0
        };
        for (tot, i) in totals.iter_mut().zip(&peril_insured) {
            let a = i * scale;
            tot.insured_sum += a;
            tot.insured_sum_sq += a * a;
        }
        gross[t] = year_gross;
        if let Some(ins) = insured.as_deref_mut() {
            ins[t] = year_net;
        }
    }
    totals
}

/// The random stream of block `block` of a run seeded `seed`: a xoshiro256++ generator whose
/// 256-bit state is (m(s), m(s ⊕ c₁), m(b ⊕ c₂), m(b ⊕ c₃)) with m the SplitMix64 finaliser, a
/// bijection; distinct (seed, block) pairs therefore start from distinct, well-mixed states.
pub fn block_rng(seed: u64, block: u64) -> Xoshiro256PlusPlus {
    let words = [
        mix64(seed),
        mix64(seed ^ 0x6A09_E667_F3BC_C909),
        mix64(block ^ 0xBB67_AE85_84CA_A73B),
        mix64(block ^ 0x3C6E_F372_FE94_F82B),
    ];
    let mut bytes = [0u8; 32];
    for (chunk, w) in bytes.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(bytes)
}

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
