//! Monte Carlo: simulated years in fixed-size blocks, each block with its own random stream.
//!
//! Reproducibility: every random number comes from a stream named by the seed and fixed ids (see
//! [`stream`]), and per-block partial sums are combined in block order. So the output is a pure
//! function of (model, trials, seed): identical for any thread count, and a run can be sharded by
//! block ranges.
//!
//! Common random numbers: peril k's event counts in block b come from stream (s, FREQUENCY, b, k),
//! one draw per year by inversion, so a counterfactual with a different mean sees the same
//! uniforms and a count that moves monotonically with it; the sizes of year t's events come from
//! stream (s, SEVERITY, t, k), so they are the same whatever happened in other years. Premium
//! differences between two versions of a firm are then differences, not noise.

use rand::SeedableRng;
use rand_xoshiro::{SplitMix64, Xoshiro256PlusPlus};
use rayon::prelude::*;

use rand_distr::Distribution;

use crate::dist::{Frequency, Severity};
use crate::model::{Cover, LossModel, Terms};
use crate::vocab::SECTIONS;

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

    /// The annual losses of one side of the terms.
    pub fn losses(&self, side: Side) -> &[f64] {
        match side {
            Side::Gross => self.gross(),
            Side::Insured => self.insured(),
        }
    }

    /// Each peril's mean annual loss on one side of the terms with its standard error, in the
    /// model's peril order (insured: the aggregate limit shared pro rata, see [`PerilTotals`]).
    ///
    /// # Formula
    /// With n years, s₁ = Σ L_k and s₂ = Σ L_k²: mean = s₁/n,
    /// var = max(s₂/n − mean², 0) · n/max(n − 1, 1), std error = √(var/n).
    pub fn peril_stats(&self, side: Side) -> Vec<PerilStats> {
        let n = self.trials as f64;
        self.perils
            .iter()
            .map(|t| {
                let (s1, s2) = match side {
                    Side::Gross => (t.gross_sum, t.gross_sum_sq),
                    Side::Insured => (t.insured_sum, t.insured_sum_sq),
                };
                let mean = s1 / n;
                let var = (s2 / n - mean * mean).max(0.0) * n / (n - 1.0).max(1.0);
                PerilStats {
                    mean,
                    mean_std_error: (var / n).sqrt(),
                }
            })
            .collect()
    }
}

/// Which side of the insurance terms a loss is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Before terms.
    Gross,
    /// After terms.
    Insured,
}

/// One peril's simulated mean annual loss (statistics of a simulation, per peril).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerilStats {
    /// Mean annual loss from the peril.
    pub mean: f64,
    /// Its standard error.
    pub mean_std_error: f64,
}

/// Simulates `trials` years of `model` with the streams of `seed`, on the current rayon pool.
///
/// Callers validate `trials` (≥ 1, capped); see [`crate::model::MAX_TRIALS`].
pub fn simulate(model: &LossModel, trials: u64, seed: u64) -> Simulation {
    if let Some(cover) = model.cover() {
        return simulate_covers(model, std::slice::from_ref(cover), trials, seed).0;
    }
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
///
/// Peril-major: each peril fills the whole block before the next, through [`peril_pass`], which is
/// monomorphised per (frequency, severity) pair so the hot loop has no dispatch, no allocation and
/// no fallible call. The stream is consumed peril by peril, trial by trial, event by event.
fn run_block(
    model: &LossModel,
    seed: u64,
    block: u64,
    gross: &mut [f64],
    insured: Option<&mut [f64]>,
) -> Vec<PerilTotals> {
    let terms = *model.terms();
    let perils = model.perils();
    let len = gross.len();
    let capped = terms.aggregate_limit().is_finite();
    // Per-peril, per-year insured loss before the aggregate limit: needed only to share a finite
    // aggregate limit. Without one, perils add their insured losses straight into the output (or
    // nowhere, when the caller keeps no insured losses): no allocation, no page faults.
    let mut peril_insured = if capped {
        vec![0.0; len * perils.len()]
    } else {
        Vec::new()
    };
    let mut insured = insured;
    let mut totals = Vec::with_capacity(perils.len());
    for (k, peril) in perils.iter().enumerate() {
        let target = if capped {
            Some(&mut peril_insured[k * len..(k + 1) * len])
        } else {
            insured.as_deref_mut()
        };
        let id = peril.stream_id(k);
        let mut pass = Pass {
            frequency_rng: stream(seed, [FREQUENCY, block, id]),
            seed,
            peril: k as u64,
            stream: id,
            first_trial: block * BLOCK_TRIALS as u64,
            terms,
            gross: &mut *gross,
            insured: target,
            first: k == 0,
            own_insured: capped,
            events: None,
        };
        totals.push(dispatch(peril.frequency(), peril.severity(), &mut pass));
    }
    if terms.aggregate_limit().is_finite() {
        // Aggregate limit, shared pro rata: a_k = i_k × min(Σ i, AL)/Σ i. The passes counted
        // insured totals without the limit: count them again.
        for tot in &mut totals {
            tot.insured_sum = 0.0;
            tot.insured_sum_sq = 0.0;
        }
        for t in 0..len {
            let year: f64 = (0..perils.len()).map(|k| peril_insured[k * len + t]).sum();
            let net = terms.annual(year);
            let scale = if year > 0.0 { net / year } else { 0.0 };
            for (k, tot) in totals.iter_mut().enumerate() {
                let a = peril_insured[k * len + t] * scale;
                tot.insured_sum += a;
                tot.insured_sum_sq += a * a;
            }
            peril_insured[t] = net; // peril 0's slot is no longer needed: reuse it for the year.
        }
        if let Some(ins) = insured {
            ins.copy_from_slice(&peril_insured[..len]);
        }
    }
    totals
}

/// What one peril's pass writes to.
struct Pass<'a> {
    /// Stream of the block's event counts for this peril.
    frequency_rng: Xoshiro256PlusPlus,
    seed: u64,
    /// The peril's position in the model (what covers index by).
    peril: u64,
    /// The peril's stream id ([`crate::model::Peril::stream_id`]).
    stream: u64,
    /// Global index of the block's first year.
    first_trial: u64,
    terms: Terms,
    /// Gross annual loss, accumulated over perils.
    gross: &'a mut [f64],
    /// Where this peril adds its per-event insured losses, per year (its own slice when an
    /// aggregate limit must be shared later, the output otherwise; None: not kept).
    insured: Option<&'a mut [f64]>,
    /// The first peril stores instead of adding: the output vectors are fresh zero pages, and
    /// reading one before writing it would fault every page twice (zero page, then copy).
    first: bool,
    /// `insured` is this peril's own slice (store), not the shared output (add).
    own_insured: bool,
    /// Where every event is recorded for sectioned covers (None: not kept).
    events: Option<&'a mut Vec<Event>>,
}

/// Picks the concrete frequency and severity types, then runs [`peril_pass`].
fn dispatch(f: &Frequency, s: &Severity, pass: &mut Pass<'_>) -> PerilTotals {
    match f {
        Frequency::Poisson(f) => dispatch_severity(f, s, pass),
        Frequency::NegativeBinomial(f) => dispatch_severity(f, s, pass),
        Frequency::Fair(f) => dispatch_severity(f, s, pass),
    }
}

fn dispatch_severity<F: Distribution<u64>>(
    f: &F,
    s: &Severity,
    pass: &mut Pass<'_>,
) -> PerilTotals {
    // Without terms the insured loss is the gross loss: the pass skips it. Recording passes
    // (sectioned covers) keep gross sums and every event; the covers price the events after.
    match (s, pass.events.is_some(), pass.terms.is_none()) {
        (Severity::LogNormal(s), true, _) => peril_pass::<_, _, false, true>(f, s, pass),
        (Severity::LogNormal(s), false, false) => peril_pass::<_, _, true, false>(f, s, pass),
        (Severity::LogNormal(s), false, true) => peril_pass::<_, _, false, false>(f, s, pass),
        (Severity::LogNormalGpd(s), true, _) => peril_pass::<_, _, false, true>(f, s, pass),
        (Severity::LogNormalGpd(s), false, false) => peril_pass::<_, _, true, false>(f, s, pass),
        (Severity::LogNormalGpd(s), false, true) => peril_pass::<_, _, false, false>(f, s, pass),
        (Severity::Pert(s), true, _) => peril_pass::<_, _, false, true>(f, s, pass),
        (Severity::Pert(s), false, false) => peril_pass::<_, _, true, false>(f, s, pass),
        (Severity::Pert(s), false, true) => peril_pass::<_, _, false, false>(f, s, pass),
    }
}

/// For every year of the block: N ~ f, then N sizes ~ s, gross and insured sums. `TERMS`: the
/// model has terms; without them (`pass.insured` is then None) the insured loss of every event
/// is its gross loss, bit for bit, so only the gross sums are kept and copied at the end.
/// `RECORD`: every event goes to `pass.events` (the draws are the same either way).
#[inline(never)]
fn peril_pass<F: Distribution<u64>, S: Distribution<f64>, const TERMS: bool, const RECORD: bool>(
    f: &F,
    s: &S,
    pass: &mut Pass<'_>,
) -> PerilTotals {
    let mut tot = PerilTotals::default();
    let terms = pass.terms;
    let prefix = year_stream_prefix(pass.seed, pass.stream);
    let mut events = pass.events.take();
    for t in 0..pass.gross.len() {
        let n = f.sample(&mut pass.frequency_rng);
        let mut g = 0.0;
        let mut i = 0.0;
        if n > 0 {
            let year = pass.first_trial + t as u64;
            let mut rng = year_stream(prefix, year);
            for _ in 0..n {
                let x = s.sample(&mut rng);
                g += x;
                if TERMS {
                    i += terms.per_event(x);
                }
                if RECORD && let Some(ev) = events.as_deref_mut() {
                    ev.push(Event {
                        year: t as u32,
                        peril: pass.peril as u32,
                        x,
                    });
                }
            }
        }
        tot.events += n;
        tot.gross_sum += g;
        tot.gross_sum_sq += g * g;
        if TERMS {
            tot.insured_sum += i;
            tot.insured_sum_sq += i * i;
        }
        if pass.first {
            pass.gross[t] = g;
        } else {
            pass.gross[t] += g;
        }
        if TERMS && let Some(ins) = pass.insured.as_deref_mut() {
            if pass.first || pass.own_insured {
                ins[t] = i;
            } else {
                ins[t] += i;
            }
        }
    }
    if !TERMS {
        tot.insured_sum = tot.gross_sum;
        tot.insured_sum_sq = tot.gross_sum_sq;
    }
    pass.events = events;
    tot
}

/// One simulated event, kept for sectioned covers: its year in the block, the model's peril index
/// and its ground-up size.
#[derive(Debug, Clone, Copy)]
struct Event {
    year: u32,
    peril: u32,
    x: f64,
}

/// Simulates `trials` years of `model`'s perils once and applies every cover to the same events
/// (common random numbers: the ground-up years are those of [`simulate`] at this seed, gross
/// losses bit for bit). Returns the first cover's run as a [`Simulation`] (its per-peril insured
/// totals allocate each year's insured loss back to the perils through the section and
/// aggregate caps) and every cover's insured annual losses, in cover order.
///
/// Cost: one simulation of the gross years plus, per cover, one pass over the simulated events
/// and the years that have any: it follows the events, not the trials × covers loop.
///
/// # Panics
/// When `covers` is empty.
pub fn simulate_covers(
    model: &LossModel,
    covers: &[Cover],
    trials: u64,
    seed: u64,
) -> (Simulation, Vec<Vec<f64>>) {
    assert!(!covers.is_empty(), "at least one cover");
    let n = usize::try_from(trials).expect("trials are capped well below usize::MAX");
    let mut gross = vec![0.0; n];
    let blocks: Vec<(Vec<Vec<f64>>, Vec<PerilTotals>)> = gross
        .par_chunks_mut(BLOCK_TRIALS)
        .enumerate()
        .map(|(b, g)| run_covered_block(model, covers, seed, b as u64, g))
        .collect();
    let mut insured: Vec<Vec<f64>> = covers.iter().map(|_| Vec::with_capacity(n)).collect();
    let mut totals = Vec::with_capacity(blocks.len());
    for (block, t) in blocks {
        for (out, part) in insured.iter_mut().zip(block) {
            out.extend_from_slice(&part);
        }
        totals.push(t);
    }
    let first = insured[0].clone();
    let sim = finish(trials, seed, gross, Some(first), totals, model);
    (sim, insured)
}

/// One block of a covered run: gross years into `gross`, and per cover the block's insured years.
fn run_covered_block(
    model: &LossModel,
    covers: &[Cover],
    seed: u64,
    block: u64,
    gross: &mut [f64],
) -> (Vec<Vec<f64>>, Vec<PerilTotals>) {
    let len = gross.len();
    let (events, mut totals) = record_block(model, seed, block, gross);
    let insured = covers
        .iter()
        .enumerate()
        .map(|(c, cover)| {
            let mut out = vec![0.0; len];
            let perils = if c == 0 { Some(&mut totals) } else { None };
            cover_years(cover, &events, &mut |t, v| out[t] = v, perils);
            out
        })
        .collect();
    (insured, totals)
}

/// Simulates one block's ground-up years into `gross` and returns every event, years in order
/// and each year's events in peril order then draw order (a stable sort of the peril-major
/// passes), with the per-peril gross totals.
fn record_block(
    model: &LossModel,
    seed: u64,
    block: u64,
    gross: &mut [f64],
) -> (Vec<Event>, Vec<PerilTotals>) {
    let mut events = Vec::new();
    let mut totals = Vec::with_capacity(model.perils().len());
    for (k, peril) in model.perils().iter().enumerate() {
        let id = peril.stream_id(k);
        let mut pass = Pass {
            frequency_rng: stream(seed, [FREQUENCY, block, id]),
            seed,
            peril: k as u64,
            stream: id,
            first_trial: block * BLOCK_TRIALS as u64,
            terms: Terms::NONE,
            gross: &mut *gross,
            insured: None,
            first: k == 0,
            own_insured: false,
            events: Some(&mut events),
        };
        let mut t = dispatch(peril.frequency(), peril.severity(), &mut pass);
        t.insured_sum = 0.0;
        t.insured_sum_sq = 0.0;
        totals.push(t);
    }
    events.sort_by_key(|e| e.year);
    (events, totals)
}

/// Every cover's non-zero insured years, in year order, from the ground-up years of
/// [`simulate`] at this seed: what quote options need, at a cost that follows the events (the
/// years without an insured loss are never written or read).
///
/// # Panics
/// When `covers` is empty.
pub fn covered_nonzero_years(
    model: &LossModel,
    covers: &[Cover],
    trials: u64,
    seed: u64,
) -> Vec<Vec<f64>> {
    assert!(!covers.is_empty(), "at least one cover");
    let n = usize::try_from(trials).expect("trials are capped well below usize::MAX");
    let blocks: Vec<Vec<Vec<f64>>> = (0..n.div_ceil(BLOCK_TRIALS))
        .into_par_iter()
        .map(|b| {
            let len = BLOCK_TRIALS.min(n - b * BLOCK_TRIALS);
            let mut gross = vec![0.0; len];
            let (events, _) = record_block(model, seed, b as u64, &mut gross);
            covers
                .iter()
                .map(|cover| {
                    let mut out = Vec::new();
                    cover_years(
                        cover,
                        &events,
                        &mut |_, v| {
                            if v > 0.0 {
                                out.push(v);
                            }
                        },
                        None,
                    );
                    out
                })
                .collect()
        })
        .collect();
    let mut all: Vec<Vec<f64>> = covers.iter().map(|_| Vec::new()).collect();
    for block in blocks {
        for (acc, part) in all.iter_mut().zip(block) {
            acc.extend_from_slice(&part);
        }
    }
    all
}

/// Insured loss of every year with an event under `cover`, given to `out(year, loss)`; with
/// `perils`, each year's insured loss allocated back to the perils is added to their insured
/// totals.
fn cover_years(
    cover: &Cover,
    events: &[Event],
    out: &mut dyn FnMut(usize, f64),
    mut perils: Option<&mut Vec<PerilTotals>>,
) {
    let mut amounts = [0.0; SECTIONS];
    let mut factors = [0.0; SECTIONS];
    for year in events.chunk_by(|a, b| a.year == b.year) {
        // Per peril first, then across perils: under plain terms this is the order of the
        // plain path's sums, so both give the same bits.
        let mut sections = [0.0; SECTIONS];
        for peril in year.chunk_by(|a, b| a.peril == b.peril) {
            let mut sub = [0.0; SECTIONS];
            for e in peril {
                cover.event(e.peril as usize, e.x, &mut amounts);
                for (s, a) in sub.iter_mut().zip(&amounts) {
                    *s += a;
                }
            }
            for (s, a) in sections.iter_mut().zip(&sub) {
                *s += a;
            }
        }
        out(year[0].year as usize, cover.annual(&sections, &mut factors));
        if let Some(totals) = perils.as_deref_mut() {
            for peril in year.chunk_by(|a, b| a.peril == b.peril) {
                let mut a = 0.0;
                for e in peril {
                    cover.event(e.peril as usize, e.x, &mut amounts);
                    a += amounts
                        .iter()
                        .zip(&factors)
                        .map(|(v, f)| v * f)
                        .sum::<f64>();
                }
                let t = &mut totals[peril[0].peril as usize];
                t.insured_sum += a;
                t.insured_sum_sq += a * a;
            }
        }
    }
}

/// Stream kind: a block's event counts.
const FREQUENCY: u64 = 0x4652_4551; // "FREQ"
/// Stream kind: one year's event sizes.
const SEVERITY: u64 = 0x5345_5645; // "SEVE"

/// The random stream named by `seed` and `ids`: a xoshiro256++ generator seeded (through
/// SplitMix64, as `seed_from_u64` does) with h = m(…m(m(s) ⊕ id₀)… ⊕ id₂), m the SplitMix64
/// finaliser, a bijection. For a fixed prefix distinct ids give distinct keys; two unrelated
/// streams share a key with probability 2⁻⁶⁴.
pub fn stream(seed: u64, ids: [u64; 3]) -> Xoshiro256PlusPlus {
    let key = ids.iter().fold(mix64(seed), |h, &id| mix64(h ^ id));
    Xoshiro256PlusPlus::seed_from_u64(key)
}

/// Key prefix of a peril's per-year severity streams: m(m(m(s) ⊕ SEVERITY) ⊕ peril).
fn year_stream_prefix(seed: u64, peril: u64) -> u64 {
    mix64(mix64(mix64(seed) ^ SEVERITY) ^ peril)
}

/// The stream of one year's event sizes for one peril: SplitMix64 (a counter-based generator:
/// output i is m(key + iγ)) keyed by m(prefix ⊕ year), `prefix` from [`year_stream_prefix`]. It
/// costs one mix to start, which matters because one is started for every year with an event; a
/// year draws only a handful of numbers from it.
#[inline]
pub fn year_stream(prefix: u64, year: u64) -> SplitMix64 {
    SplitMix64::seed_from_u64(mix64(prefix ^ year))
}

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
