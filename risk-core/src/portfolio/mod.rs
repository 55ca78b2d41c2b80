//! Portfolio accumulation: many policies, each its own loss model under its own terms, plus
//! common shocks (cloud outage, vendor failure, mass-exploited vulnerability, worm) that hit many
//! policies in the same year.
//!
//! Per simulated year y and policy i: the policy's own events (its loss model) and, for every shock
//! s that occurs in y (at most once a year, probability p_s, from a stream shared by all policies),
//! one more event if the policy is hit (probability h_{s,i}), of size X ~ the shock's severity. The
//! policy's terms apply to all of its events; the portfolio loss is S_y = Σ_i L_{i,y}.
//!
//! Sampling is event-driven (`sample.rs`): each policy draws only the years its perils and the
//! shocks it is exposed to have events in, so the cost follows the simulated events plus a small
//! term per policy, peril and shock.
//!
//! Event-level losses (`table.rs`): besides each year's sum, the table keeps the year's largest
//! own event and each shock occurrence's loss, so one run gives both the aggregate (AEP) and the
//! occurrence (OEP) exceedance curves (`ep.rs`).
//!
//! Exact additivity: policy-year losses are accumulated in 128-bit fixed point (2⁻¹⁶ currency
//! units), so the year-loss table does not depend on summation order: it is identical for any
//! thread count, and the tables of policy shards add up to the unsharded table bit for bit.
//!
//! Euler allocation (`allocate.rs`) of the aggregate and the occurrence TVaR and VaR to the
//! policies, each set of contributions adding up to its portfolio measure.

mod allocate;
mod ep;
mod exp;
mod fair;
mod sample;
mod shocks;
mod suppliers;
mod table;

pub use allocate::{Allocation, allocate, allocate_range};
pub use ep::{EpKind, EpPoint, RETURN_PERIODS, ep_curve};
pub use shocks::parse_shocks;
pub use suppliers::{
    SUPPLIER_PREFIX, SupplierTail, supplier_shocks, supplier_stream, supplier_tail,
};
pub use table::{LargestEvent, NO_POLICY, YearLossTable};

use std::ops::Range;

use rand::RngExt;
use rayon::prelude::*;

use crate::dist::Severity;
use crate::engine::monte_carlo::stream;
use crate::model::LossModel;
use crate::stats::LossStats;
use sample::{AllYears, ShockIndex, Years, policy_events};
use table::{add, beats, max_into, money};

/// Fixed-point scale of accumulated losses: 2¹⁶ units per currency unit.
const SCALE: f64 = 65_536.0;

/// Stream kinds of the portfolio engine.
const SHOCK_YEARS: u64 = 0x5348_4B59; // shock occurrences, shared

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
    /// The insurer's share of every insured loss, in (0, 1] (a layer's participation; 1 for a
    /// whole policy).
    pub share: f64,
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
    /// Set when the shock is a supplier's compromise (contract §16; [`supplier_shocks`]).
    pub supplier: Option<SupplierLink>,
}

/// What makes a shock a supplier's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SupplierLink {
    /// The id naming its random streams instead of its position in the shock list
    /// ([`supplier_stream`] of the supplier id), so its years do not depend on which other
    /// suppliers a book names.
    pub stream: u64,
    /// Its annual probability had the supplier reached the model's best impact scheme (★4).
    pub improved_probability: f64,
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

    /// The id of its streams at position `s` of the shock list.
    fn stream_id(&self, s: usize) -> u64 {
        self.supplier.map_or(s as u64, |l| l.stream)
    }

    fn exposes(&self, p: &Policy) -> bool {
        self.dependency
            .as_ref()
            .is_none_or(|d| p.dependencies.iter().any(|x| x == d))
    }
}

/// Policies and shocks.
///
/// It may hold only a part of a book (a shard's policies, [`Portfolio::part`]): policy j of the
/// part is policy `first + j` of the book, whose index names its random streams.
#[derive(Debug, Clone)]
pub struct Portfolio {
    policies: Vec<Policy>,
    shocks: Vec<Shock>,
    first: usize,
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
        Ok(Portfolio {
            policies,
            shocks,
            first: 0,
        })
    }

    /// Policies `first..first + policies.len()` of a larger book (a shard priced on its own; it
    /// may be empty when a book has fewer policies than shards).
    ///
    /// # Errors
    /// A part reaching past [`MAX_POLICIES`].
    pub fn part(
        policies: Vec<Policy>,
        shocks: Vec<Shock>,
        first: usize,
    ) -> Result<Self, PortfolioError> {
        let end = first.saturating_add(policies.len());
        if end > MAX_POLICIES {
            return Err(PortfolioError::TooLarge(end));
        }
        Ok(Portfolio {
            policies,
            shocks,
            first,
        })
    }

    /// Book indices of the policies held: `0..n` for a whole book.
    pub fn range(&self) -> Range<usize> {
        self.first..self.first + self.policies.len()
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

/// Years in which each shock occurs (shared by all policies and shards).
fn shock_years(shocks: &[Shock], trials: u64, seed: u64) -> Vec<Vec<u64>> {
    shocks
        .iter()
        .enumerate()
        .map(|(s, shock)| {
            let mut rng = stream(seed, [SHOCK_YEARS, shock.stream_id(s), 0]);
            (0..trials)
                .filter(|_| rng.random::<f64>() < shock.annual_probability)
                .collect()
        })
        .collect()
}

/// Calls `add(year, insured amount, source)` (amounts in fixed point, [`fixed`], converted once
/// here) for the policy's insured losses in the years
/// `years` needs: the terms apply per event, then per year; a year's insured loss is the sum of
/// the amounts given for it. Without an aggregate limit every event is passed on as it is drawn;
/// with one, the year's events are grouped first and the limit shared pro rata over sources.
/// `peak(year, amount)` receives, for every needed year with own events, at least the largest
/// own event's insured loss (its share of the year under an aggregate limit); a shock's amount in
/// a year is one event (a shock occurs at most once a year).
#[allow(clippy::too_many_arguments)]
fn policy_losses(
    p: &Policy,
    g: u64,
    shocks: &[Shock],
    shock_years: &[Vec<u64>],
    trials: u64,
    seed: u64,
    exposed: &[usize],
    years: &impl Years,
    mut add: impl FnMut(u64, i128, usize),
    mut peak: impl FnMut(u64, i128),
) {
    let terms = *p.model.terms();
    let share = p.share;
    // A firm's sectioned cover (waiting period, section retentions and coinsurance) prices its
    // own events, deductible and occurrence limit included; common-shock losses take the
    // deductible and limits alone. With section sublimits, `sectioned_losses` caps each
    // section's year before the aggregate limit.
    let cover = p.model.cover();
    let own = |k: usize, x: f64| match cover {
        Some(c) => c.event(k, x, &mut [0.0; crate::vocab::SECTIONS]),
        None => x,
    };
    let per_event = |x: f64, s: usize| {
        if cover.is_some() && s == 0 {
            x
        } else {
            terms.per_event(x)
        }
    };
    if let Some(c) = cover.filter(|c| c.has_sublimits()) {
        sectioned_losses(
            p,
            c,
            g,
            shocks,
            shock_years,
            trials,
            seed,
            exposed,
            years,
            add,
            peak,
        );
        return;
    }
    if terms.aggregate_limit().is_infinite() {
        let mut each = |y, x, s| {
            let net = per_event(x, s) * share;
            if net > 0.0 {
                let v = fixed(net);
                add(y, v, s);
                if s == 0 {
                    peak(y, v);
                }
            }
        };
        policy_events(
            p,
            g,
            shocks,
            shock_years,
            exposed,
            trials,
            seed,
            years,
            &own,
            &mut each,
        );
        return;
    }
    let mut events: Vec<(u64, f64, usize)> = Vec::new();
    let mut push = |y, x, s| events.push((y, per_event(x, s), s));
    policy_events(
        p,
        g,
        shocks,
        shock_years,
        exposed,
        trials,
        seed,
        years,
        &own,
        &mut push,
    );
    events.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)).then(a.1.total_cmp(&b.1)));
    // The year's insured loss per source, sparse and in source order (the events are sorted by
    // source within a year): a book with a thousand supplier shocks costs no more per year.
    let mut by_source: Vec<(usize, f64)> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let y = events[i].0;
        by_source.clear();
        let mut largest_own = 0.0f64;
        while i < events.len() && events[i].0 == y {
            accumulate(&mut by_source, events[i].2, events[i].1);
            if events[i].2 == 0 {
                largest_own = largest_own.max(events[i].1);
            }
            i += 1;
        }
        share_year(
            y,
            &by_source,
            largest_own,
            &terms,
            share,
            &mut add,
            &mut peak,
        );
    }
}

/// A year's insured loss by source (`by_source`, before the aggregate limit) capped at the
/// aggregate limit and shared pro rata: `add(year, amount, source)` for each source, and
/// `peak(year, largest own event's share)`, all times the insurer's `share`.
fn share_year(
    y: u64,
    by_source: &[(usize, f64)],
    largest_own: f64,
    terms: &crate::model::Terms,
    share: f64,
    add: &mut impl FnMut(u64, i128, usize),
    peak: &mut impl FnMut(u64, i128),
) {
    let sum: f64 = by_source.iter().map(|(_, x)| x).sum();
    let net = terms.annual(sum);
    if net > 0.0 {
        let scale = net / sum * share;
        for &(s, x) in by_source {
            if x > 0.0 {
                add(y, fixed(x * scale), s);
            }
        }
        if largest_own > 0.0 {
            peak(y, fixed(largest_own * scale));
        }
    }
}

/// [`policy_losses`] for a firm whose cover has section sublimits: a year's own events are
/// summed per section and each section capped at its sublimit, the common shocks' losses (under
/// the deductible and limits) added, the total capped at the aggregate limit and shared pro rata
/// over the sources.
#[allow(clippy::too_many_arguments)]
fn sectioned_losses(
    p: &Policy,
    cover: &crate::model::Cover,
    g: u64,
    shocks: &[Shock],
    shock_years: &[Vec<u64>],
    trials: u64,
    seed: u64,
    exposed: &[usize],
    years: &impl Years,
    mut add: impl FnMut(u64, i128, usize),
    mut peak: impl FnMut(u64, i128),
) {
    use crate::vocab::SECTIONS;
    let terms = *cover.terms();
    // The section amounts of the own event being generated: `own` computes them and the event
    // callback, called right after for the same event, keeps them.
    let last = std::cell::Cell::new([0.0; SECTIONS]);
    let own = |k: usize, x: f64| {
        let mut b = [0.0; SECTIONS];
        let t = cover.event(k, x, &mut b);
        last.set(b);
        t
    };
    let mut events: Vec<(u64, usize, f64, [f64; SECTIONS])> = Vec::new();
    let mut push = |y, x: f64, s| {
        if s == 0 {
            events.push((y, 0, x, last.get()));
        } else {
            events.push((y, s, terms.per_event(x), [0.0; SECTIONS]));
        }
    };
    policy_events(
        p,
        g,
        shocks,
        shock_years,
        exposed,
        trials,
        seed,
        years,
        &own,
        &mut push,
    );
    // Stable: within a year and source, events keep the order they were drawn in.
    events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut by_source: Vec<(usize, f64)> = Vec::new();
    for year in events.chunk_by(|a, b| a.0 == b.0) {
        // Source 0 (the capped own total) first, then the shocks in source order.
        by_source.clear();
        by_source.push((0, 0.0));
        let mut sections = [0.0; SECTIONS];
        let (mut raw_own, mut largest_own) = (0.0f64, 0.0f64);
        for &(_, s, x, b) in year {
            if s == 0 {
                for (acc, v) in sections.iter_mut().zip(&b) {
                    *acc += v;
                }
                raw_own += x;
                largest_own = largest_own.max(x);
            } else {
                accumulate(&mut by_source, s, x);
            }
        }
        by_source[0].1 = cover.capped(&sections);
        // The largest own event keeps its part of the capped own total.
        let largest = if raw_own > 0.0 {
            largest_own * by_source[0].1 / raw_own
        } else {
            0.0
        };
        share_year(
            year[0].0, &by_source, largest, &terms, p.share, &mut add, &mut peak,
        );
    }
}

/// Adds `x` to source `s` of a year's sparse per-source losses, whose entries arrive in source
/// order: the same sums, in the same order, as a dense vector indexed by source.
fn accumulate(by_source: &mut Vec<(usize, f64)>, s: usize, x: f64) {
    match by_source.last_mut() {
        Some(last) if last.0 == s => last.1 += x,
        _ => by_source.push((s, x)),
    }
}

/// x in fixed point, rounded to nearest. Losses are ≥ 0; below 2⁶³ units (1.4·10¹⁴ currency units)
/// the conversion goes through i64, which the CPU does in one instruction (the direct f64 → i128
/// cast and `round` are library calls, a fifth of the run time).
/// An event's loss is held to [`MAX_EVENT_UNITS`], so that no year's sum can wrap.
#[inline]
fn fixed(x: f64) -> i128 {
    let units = x * SCALE + 0.5;
    if units < 9.0e18 {
        units as i64 as i128
    } else {
        units.min(MAX_EVENT_UNITS).floor() as i128
    }
}

/// Largest event loss in fixed-point units: 2⁹⁶ (1.2·10²⁴ currency units, far above any loss a
/// cyber policy can see). A year's sum of 2³¹ such events still fits in an i128, so sums cannot
/// overflow, whatever a book's lognormal parameters draw (the `portfolio_csv` fuzz target found a
/// row with a median of 2·10¹²⁰ whose event overflowed the sum; such medians are now refused at
/// the boundary too, and this bound holds for the draws of a wide σ).
const MAX_EVENT_UNITS: f64 = 79_228_162_514_264_337_593_543_950_336.0;

/// One fold's partial table: Σ losses per year, per source, largest own event per year (and its
/// policy), and per shock occurrence (flattened: shock s's occurrences from `offsets[s]`).
struct Partial {
    loss: Vec<i128>,
    by_source: Vec<i128>,
    max_event: Vec<i128>,
    max_policy: Vec<u32>,
    shock_events: Vec<i128>,
}

impl Partial {
    fn zero(trials: usize, sources: usize, occurrences: usize) -> Self {
        Partial {
            loss: vec![0; trials],
            by_source: vec![0; sources],
            max_event: vec![0; trials],
            max_policy: vec![NO_POLICY; trials],
            shock_events: vec![0; occurrences],
        }
    }

    /// Adds another partial (sums add, maxima take the larger): order-free on integers.
    fn join(mut self, other: Partial) -> Self {
        add(&mut self.loss, &other.loss);
        add(&mut self.by_source, &other.by_source);
        add(&mut self.shock_events, &other.shock_events);
        max_into(
            &mut self.max_event,
            &mut self.max_policy,
            &other.max_event,
            &other.max_policy,
        );
        self
    }
}

/// Simulates the policies in `range` (book indices, within [`Portfolio::range`]) for `trials`
/// years. `progress` is called with the number of policies done (from any thread).
///
/// # Panics
/// A `range` outside the policies held.
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
    let mut offsets = Vec::with_capacity(years.len());
    let mut occurrences = 0;
    for occ in &years {
        offsets.push(occurrences);
        occurrences += occ.len();
    }
    let zero = || Partial::zero(n, sources, occurrences);
    let index = ShockIndex::new(&portfolio.shocks);
    let held = portfolio.range();
    assert!(
        held.start <= range.start && range.end <= held.end,
        "range {range:?} outside the policies held ({held:?})"
    );
    let total = portfolio.policies[range.start - held.start..range.end - held.start]
        .par_iter()
        .enumerate()
        .fold(zero, |mut acc, (j, p)| {
            let g = (range.start + j) as u64;
            let Partial {
                loss,
                by_source,
                max_event,
                max_policy,
                shock_events,
            } = &mut acc;
            let at = g as u32; // < MAX_POLICIES
            policy_losses(
                p,
                g,
                &portfolio.shocks,
                &years,
                trials,
                seed,
                &index.exposed(p),
                &AllYears,
                |y, v, s| {
                    loss[y as usize] += v;
                    // Source 0 (own events) needs no total: only the shocks' are reported.
                    if s > 0 {
                        by_source[s] += v;
                        // A shock occurs at most once a year: its occurrence in year y.
                        let occ = &years[s - 1];
                        let k = occ.binary_search(&y).unwrap_or(0);
                        shock_events[offsets[s - 1] + k] += v;
                    }
                },
                |y, v| {
                    let y = y as usize;
                    if beats(v, at, max_event[y], max_policy[y]) {
                        max_event[y] = v;
                        max_policy[y] = at;
                    }
                },
            );
            progress(1);
            acc
        })
        .reduce(zero, Partial::join);
    let shock_events = years
        .iter()
        .zip(&offsets)
        .map(|(occ, &o)| total.shock_events[o..o + occ.len()].to_vec())
        .collect();
    YearLossTable {
        trials,
        seed,
        policies: range,
        loss: total.loss,
        shock_loss: total.by_source[1..].to_vec(),
        max_event: total.max_event,
        max_event_policy: total.max_policy,
        shock_years: years,
        shock_events,
    }
}

/// Statistics of a year-loss table's annual (aggregate) losses.
pub fn stats(table: &YearLossTable, levels: &[f64], thresholds: &[f64]) -> LossStats {
    LossStats::from_sample(&table.losses(), levels, thresholds)
}

/// Statistics of a year-loss table's occurrence losses (each year's largest event): VaR at
/// 1 − 1/RP is the OEP at return period RP in the report's (lower-quantile) convention.
pub fn occurrence_stats(table: &YearLossTable, levels: &[f64], thresholds: &[f64]) -> LossStats {
    LossStats::from_sample(&table.occurrence_losses(), levels, thresholds)
}

/// The ORD-convention EP curve of a table (see [`ep_curve`] for the ranks).
pub fn ep(table: &YearLossTable, kind: EpKind, return_periods: &[f64]) -> Vec<EpPoint> {
    let losses = match kind {
        EpKind::Occurrence => table.occurrence_losses(),
        EpKind::Aggregate => table.losses(),
    };
    ep_curve(&losses, return_periods)
}
