//! Portfolio accumulation: many policies, each its own loss model under its own terms, plus
//! common shocks (cloud outage, vendor failure, mass-exploited vulnerability, worm) that hit many
//! policies in the same year.
//!
//! Per simulated year y and policy i: the policy's own events (its loss model) and, for every shock
//! s that occurs in y (at most once a year, probability p_s, from a stream shared by all policies),
//! one more event if the policy is hit (probability h_{s,i}), of size X ~ the shock's severity. The
//! policy's terms apply to all of its events; the portfolio loss is S_y = Σ_i L_{i,y}.
//!
//! Exact additivity: policy-year losses are accumulated in 128-bit fixed point (2⁻¹⁶ currency
//! units), so the year-loss table does not depend on summation order: it is identical for any
//! thread count, and the tables of policy shards add up to the unsharded table bit for bit.
//!
//! Euler allocation at level q: with v the portfolio VaR (rank k₀ = ⌈nq⌉), T the m = n − k₀ years
//! ranked above it and w_i policy i's share of the VaR year, policy i is allocated
//! a_i = w_i v + (Σ_{y∈T} L_{i,y} − m w_i v)/(n(1 − q)), so Σ_i a_i = TVaR_q exactly.

mod shocks;

pub use shocks::parse_shocks;

use std::ops::Range;

use rand::RngExt;
use rand_distr::{Distribution, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::dist::{Frequency, Severity, TwoStep};
use crate::engine::monte_carlo::stream;
use crate::model::LossModel;
use crate::stats::LossStats;

/// Fixed-point scale of accumulated losses: 2¹⁶ units per currency unit.
const SCALE: f64 = 65_536.0;

/// Stream kinds of the portfolio engine.
const OWN: u64 = 0x504F_574E; // policy's own events
const SHOCK_YEARS: u64 = 0x5348_4B59; // shock occurrences, shared
const SHOCK_HITS: u64 = 0x5348_4B48; // a policy's hits and shock losses

/// Largest number of policies in one portfolio.
pub const MAX_POLICIES: usize = 1_000_000;

/// Why a portfolio could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PortfolioError {
    /// No policy.
    #[error("the portfolio has no policy")]
    Empty,
    /// More policies than [`MAX_POLICIES`].
    #[error("{0} policies exceed the cap of {MAX_POLICIES}")]
    TooLarge(usize),
    /// A shock parameter is out of range.
    #[error("shocks[{index}].{field}: {message}")]
    Shock {
        /// Position of the shock.
        index: usize,
        /// Field name.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A shard specification is out of range.
    #[error("shard: {0}")]
    Shard(String),
}

/// One policy: its loss model (with its terms) and what it depends on.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Policy identifier.
    pub id: String,
    /// Own perils and terms.
    pub model: LossModel,
    /// Dependencies (cloud providers, key software) that make it exposed to targeted shocks.
    pub dependencies: Vec<String>,
    /// Annual revenue, for shocks sized as a share of revenue (0 when unknown).
    pub revenue: f64,
}

/// How large a shock's loss is for a hit policy.
#[derive(Debug, Clone)]
pub enum ShockSize {
    /// A loss in currency units.
    Amount(Severity),
    /// A share of the policy's annual revenue (business interruption: days down × daily gross profit).
    RevenueShare(Severity),
}

/// A common shock.
#[derive(Debug, Clone)]
pub struct Shock {
    /// Name.
    pub name: String,
    /// Probability it occurs in a year (at most once).
    pub annual_probability: f64,
    /// Probability an exposed policy is hit when it occurs.
    pub hit_probability: f64,
    /// Only policies with this dependency are exposed (None: all).
    pub dependency: Option<String>,
    /// Loss of a hit policy.
    pub size: ShockSize,
}

impl Shock {
    /// Validates a shock.
    ///
    /// # Errors
    /// Probabilities outside [0, 1].
    pub fn checked(self, index: usize) -> Result<Self, PortfolioError> {
        for (field, p) in [
            ("annual_probability", self.annual_probability),
            ("hit_probability", self.hit_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(PortfolioError::Shock {
                    index,
                    field,
                    message: "must be a probability in [0, 1]".into(),
                });
            }
        }
        Ok(self)
    }

    fn exposes(&self, p: &Policy) -> bool {
        self.dependency
            .as_ref()
            .is_none_or(|d| p.dependencies.iter().any(|x| x == d))
    }
}

/// Policies and shocks.
#[derive(Debug, Clone)]
pub struct Portfolio {
    policies: Vec<Policy>,
    shocks: Vec<Shock>,
}

impl Portfolio {
    /// A portfolio from validated policies and shocks.
    ///
    /// # Errors
    /// No policy, or more than [`MAX_POLICIES`].
    pub fn new(policies: Vec<Policy>, shocks: Vec<Shock>) -> Result<Self, PortfolioError> {
        if policies.is_empty() {
            return Err(PortfolioError::Empty);
        }
        if policies.len() > MAX_POLICIES {
            return Err(PortfolioError::TooLarge(policies.len()));
        }
        Ok(Portfolio { policies, shocks })
    }

    /// The policies.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The shocks.
    pub fn shocks(&self) -> &[Shock] {
        &self.shocks
    }

    /// Closed-form expected gross loss: Σ_i Σ_k E[N]E[X] + Σ_s p_s Σ_{i exposed} h_s E[size].
    pub fn expected_gross(&self) -> f64 {
        let own: f64 = self
            .policies
            .iter()
            .map(|p| p.model.gross_moments().0)
            .sum();
        let shocks: f64 = self
            .shocks
            .iter()
            .map(|s| {
                let exposed: f64 = self
                    .policies
                    .iter()
                    .filter(|p| s.exposes(p))
                    .map(|p| match &s.size {
                        ShockSize::Amount(d) => d.mean(),
                        ShockSize::RevenueShare(d) => d.mean() * p.revenue,
                    })
                    .sum();
                s.annual_probability * s.hit_probability * exposed
            })
            .sum();
        own + shocks
    }
}

/// Which policies a run simulates: shard i of n takes policies [i·P/n, (i+1)·P/n).
pub fn shard_range(
    policies: usize,
    shard: usize,
    shards: usize,
) -> Result<Range<usize>, PortfolioError> {
    if shards == 0 || shard >= shards {
        return Err(PortfolioError::Shard(format!(
            "{shard}/{shards}: need 0 <= i < n"
        )));
    }
    Ok(policies * shard / shards..policies * (shard + 1) / shards)
}

/// A year-loss table: the portfolio's insured loss in every simulated year, exact in fixed point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearLossTable {
    /// Simulated years.
    pub trials: u64,
    /// Seed.
    pub seed: u64,
    /// Policies covered (a shard covers a sub-range).
    pub policies: Range<usize>,
    /// Σ_i L_{i,y} per year, in units of 2⁻¹⁶.
    pub loss: Vec<i128>,
    /// Per shock, Σ over years and policies of the insured loss caused by it (pro rata share of
    /// each policy-year), in units of 2⁻¹⁶.
    pub shock_loss: Vec<i128>,
}

impl YearLossTable {
    /// Annual losses as floating point.
    pub fn losses(&self) -> Vec<f64> {
        self.loss.iter().map(|&x| x as f64 / SCALE).collect()
    }

    /// Mean annual insured loss caused by each shock.
    pub fn shock_means(&self) -> Vec<f64> {
        self.shock_loss
            .iter()
            .map(|&x| x as f64 / SCALE / self.trials as f64)
            .collect()
    }

    /// Adds the table of another shard of the same run.
    ///
    /// # Errors
    /// Different trials, seed or shock count, or overlapping policy ranges.
    pub fn merge(mut self, other: &YearLossTable) -> Result<Self, PortfolioError> {
        if self.trials != other.trials
            || self.seed != other.seed
            || self.shock_loss.len() != other.shock_loss.len()
        {
            return Err(PortfolioError::Shard(
                "tables come from different runs (trials, seed or shocks differ)".into(),
            ));
        }
        let (a, b) = (&self.policies, &other.policies);
        if a.start < b.end && b.start < a.end {
            return Err(PortfolioError::Shard(format!(
                "policy ranges {a:?} and {b:?} overlap"
            )));
        }
        for (x, y) in self.loss.iter_mut().zip(&other.loss) {
            *x += y;
        }
        for (x, y) in self.shock_loss.iter_mut().zip(&other.shock_loss) {
            *x += y;
        }
        self.policies = a.start.min(b.start)..a.end.max(b.end);
        Ok(self)
    }
}

/// Years in which each shock occurs (shared by all policies and shards).
fn shock_years(shocks: &[Shock], trials: u64, seed: u64) -> Vec<Vec<u64>> {
    shocks
        .iter()
        .enumerate()
        .map(|(s, shock)| {
            let mut rng = stream(seed, [SHOCK_YEARS, s as u64, 0]);
            (0..trials)
                .filter(|_| rng.random::<f64>() < shock.annual_probability)
                .collect()
        })
        .collect()
}

/// Years a pass over the policies needs: all of them (the year-loss table), or a few (the
/// allocation's tail years), whose events alone are valued; the others' draws are only consumed.
trait Years: Sync {
    /// Whether year `y`'s losses are needed.
    fn needs(&self, y: u64) -> bool;
}

/// Every year.
struct AllYears;

impl Years for AllYears {
    #[inline(always)]
    fn needs(&self, _: u64) -> bool {
        true
    }
}

/// The years flagged in a table indexed by year.
struct Flagged<'a>(&'a [bool]);

impl Years for Flagged<'_> {
    #[inline(always)]
    fn needs(&self, y: u64) -> bool {
        self.0[y as usize]
    }
}

/// Generates the events of policy `g` in the years `years` needs, as (year, size, source), source
/// 0 for its own perils and s + 1 for shock s; the draws of other years are consumed but not
/// valued, so the stream, and every needed event, is the same whatever is needed. Poisson perils
/// draw the Poisson(λT) total of all years and spread it uniformly over the years (the same law
/// as T independent Poisson(λ) years, at a cost proportional to the events rather than the years).
#[allow(clippy::too_many_arguments)]
fn policy_events(
    p: &Policy,
    g: u64,
    shocks: &[Shock],
    shock_years: &[Vec<u64>],
    trials: u64,
    seed: u64,
    years: &impl Years,
    event: &mut impl FnMut(u64, f64, usize),
) {
    for (k, peril) in p.model.perils().iter().enumerate() {
        let mut rng = stream(seed, [OWN, g, k as u64]);
        let f = peril.frequency();
        // One loop per severity family: no dispatch per event.
        match peril.severity() {
            Severity::LogNormal(s) => own_events(f, s, &mut rng, trials, years, event),
            Severity::LogNormalGpd(s) => own_events(f, s, &mut rng, trials, years, event),
            Severity::Pert(s) => own_events(f, s, &mut rng, trials, years, event),
        }
    }
    for (s, (shock, occ)) in shocks.iter().zip(shock_years).enumerate() {
        if !shock.exposes(p) {
            continue;
        }
        let mut rng = stream(seed, [SHOCK_HITS, s as u64, g]);
        for &y in occ {
            if rng.random::<f64>() < shock.hit_probability {
                let (d, scale) = match &shock.size {
                    ShockSize::Amount(d) => (d, None),
                    ShockSize::RevenueShare(d) => (d, Some(p.revenue)),
                };
                let draw = d.draw(&mut rng);
                if years.needs(y) {
                    let x = d.value(draw);
                    event(y, scale.map_or(x, |r| x * r), s + 1);
                }
            }
        }
    }
}

/// One own peril's events over all years (see [`policy_events`]).
#[inline]
fn own_events<S: TwoStep>(
    f: &Frequency,
    sev: &S,
    rng: &mut Xoshiro256PlusPlus,
    trials: u64,
    years: &impl Years,
    event: &mut impl FnMut(u64, f64, usize),
) {
    match f {
        Frequency::Poisson(_) => {
            let lambda = f.mean() * trials as f64;
            // Beyond the cap on one year's mean, `rand_distr`'s sampler directly: the one
            // `Frequency::poisson` uses for large means.
            let total = match Frequency::poisson(lambda) {
                Ok(t) => t.sample(rng),
                Err(_) => Poisson::new(lambda).map_or(0, |t| t.sample(rng) as u64),
            };
            for _ in 0..total {
                let y = rng.random_range(0..trials);
                let draw = sev.draw(rng);
                if years.needs(y) {
                    event(y, sev.value(draw), 0);
                }
            }
        }
        _ => {
            for y in 0..trials {
                for _ in 0..f.sample(rng) {
                    let draw = sev.draw(rng);
                    if years.needs(y) {
                        event(y, sev.value(draw), 0);
                    }
                }
            }
        }
    }
}

/// Calls `add(year, insured amount, source)` for the policy's insured losses in the years
/// `years` needs: the terms apply per event, then per year; a year's insured loss is the sum of
/// the amounts given for it. Without an aggregate limit every event is passed on as it is drawn;
/// with one, the year's events are grouped first and the limit shared pro rata over sources.
#[allow(clippy::too_many_arguments)]
fn policy_losses(
    p: &Policy,
    g: u64,
    shocks: &[Shock],
    shock_years: &[Vec<u64>],
    trials: u64,
    seed: u64,
    sources: usize,
    years: &impl Years,
    mut add: impl FnMut(u64, f64, usize),
) {
    let terms = *p.model.terms();
    if terms.aggregate_limit().is_infinite() {
        let mut each = |y, x, s| {
            let net = terms.per_event(x);
            if net > 0.0 {
                add(y, net, s);
            }
        };
        policy_events(p, g, shocks, shock_years, trials, seed, years, &mut each);
        return;
    }
    let mut events: Vec<(u64, f64, usize)> = Vec::new();
    let mut push = |y, x, s| events.push((y, terms.per_event(x), s));
    policy_events(p, g, shocks, shock_years, trials, seed, years, &mut push);
    events.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)).then(a.1.total_cmp(&b.1)));
    let mut by_source = vec![0.0; sources];
    let mut i = 0;
    while i < events.len() {
        let y = events[i].0;
        by_source.iter_mut().for_each(|x| *x = 0.0);
        while i < events.len() && events[i].0 == y {
            by_source[events[i].2] += events[i].1;
            i += 1;
        }
        let sum: f64 = by_source.iter().sum();
        let net = terms.annual(sum);
        if net > 0.0 {
            let scale = net / sum;
            for (s, x) in by_source.iter().enumerate() {
                if *x > 0.0 {
                    add(y, x * scale, s);
                }
            }
        }
    }
}

/// x in fixed point, rounded to nearest. Losses are ≥ 0; below 2⁶³ units (1.4·10¹⁴ currency units)
/// the conversion goes through i64, which the CPU does in one instruction (the direct f64 → i128
/// cast and `round` are library calls, a fifth of the run time).
#[inline]
fn fixed(x: f64) -> i128 {
    let units = x * SCALE + 0.5;
    if units < 9.0e18 {
        units as i64 as i128
    } else {
        units.floor() as i128
    }
}

/// Simulates the policies in `range` for `trials` years. `progress` is called with the number of
/// policies done (from any thread).
pub fn simulate(
    portfolio: &Portfolio,
    range: Range<usize>,
    trials: u64,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> YearLossTable {
    let years = shock_years(&portfolio.shocks, trials, seed);
    let sources = portfolio.shocks.len() + 1;
    let n = trials as usize;
    let zero = || (vec![0i128; n], vec![0i128; sources]);
    let (loss, by_source) = portfolio.policies[range.clone()]
        .par_iter()
        .enumerate()
        .fold(zero, |(mut loss, mut by), (j, p)| {
            let g = (range.start + j) as u64;
            policy_losses(
                p,
                g,
                &portfolio.shocks,
                &years,
                trials,
                seed,
                sources,
                &AllYears,
                |y, net, s| {
                    let v = fixed(net);
                    loss[y as usize] += v;
                    by[s] += v;
                },
            );
            progress(1);
            (loss, by)
        })
        .reduce(zero, |(mut a, mut b), (c, d)| {
            a.iter_mut().zip(&c).for_each(|(x, y)| *x += y);
            b.iter_mut().zip(&d).for_each(|(x, y)| *x += y);
            (a, b)
        });
    YearLossTable {
        trials,
        seed,
        policies: range,
        loss,
        shock_loss: by_source[1..].to_vec(),
    }
}

/// A policy's share of the portfolio's tail.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// Index of the policy.
    pub policy: usize,
    /// Its co-TVaR (Euler) allocation; the allocations sum to the portfolio TVaR.
    pub tvar_contribution: f64,
}

/// Euler (co-TVaR) allocation of the portfolio's TVaR at `level` to every policy, from the full
/// (unsharded) table; re-simulates each policy's losses in the tail years from the same streams.
pub fn allocate(portfolio: &Portfolio, table: &YearLossTable, level: f64) -> Vec<Allocation> {
    allocate_range(portfolio, table, level, 0..portfolio.policies.len())
}

/// [`allocate`] for the policies in `range` only (the same numbers as the whole run's entries
/// for them), so a caller can do the allocation in parts and stop between them.
pub fn allocate_range(
    portfolio: &Portfolio,
    table: &YearLossTable,
    level: f64,
    range: Range<usize>,
) -> Vec<Allocation> {
    let losses = table.losses();
    let n = losses.len();
    let k0 = {
        let nf = n as f64;
        let mut k = ((nf * level).ceil() as usize).clamp(1, n);
        while k > 1 && (k - 1) as f64 / nf >= level {
            k -= 1;
        }
        k
    };
    // Years by loss, ties broken by year: the VaR year is rank k0, the tail the ranks above.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| table.loss[a].cmp(&table.loss[b]).then(a.cmp(&b)));
    let var_year = order[k0 - 1] as u64;
    let tail: Vec<u64> = order[k0..].iter().map(|&y| y as u64).collect();
    let v = losses[var_year as usize];
    let m = tail.len() as f64;
    let denom = n as f64 * (1.0 - level);
    // Only the tail years and the VaR year are valued in the replay.
    let mut needed = vec![false; n];
    for &y in tail.iter().chain([&var_year]) {
        needed[y as usize] = true;
    }
    let years = shock_years(&portfolio.shocks, table.trials, table.seed);
    let sources = portfolio.shocks.len() + 1;
    portfolio.policies[range.clone()]
        .par_iter()
        .enumerate()
        .map(|(j, p)| {
            let i = range.start + j;
            let (mut tail_sum, mut at_var) = (0i128, 0i128);
            let (trials, seed) = (table.trials, table.seed);
            policy_losses(
                p,
                i as u64,
                &portfolio.shocks,
                &years,
                trials,
                seed,
                sources,
                &Flagged(&needed),
                |y, net, _| {
                    let v = fixed(net);
                    if y == var_year {
                        at_var += v;
                    } else {
                        tail_sum += v;
                    }
                },
            );
            let (tail_sum, at_var) = (tail_sum as f64 / SCALE, at_var as f64 / SCALE);
            let w = if v > 0.0 { at_var / v } else { 0.0 };
            Allocation {
                policy: i,
                tvar_contribution: w * v + (tail_sum - m * w * v) / denom,
            }
        })
        .collect()
}

/// Statistics of a year-loss table.
pub fn stats(table: &YearLossTable, levels: &[f64], thresholds: &[f64]) -> LossStats {
    LossStats::from_sample(&table.losses(), levels, thresholds)
}
