//! The year-loss table of a portfolio run, with the event-level losses that occurrence
//! exceedance needs, all in exact fixed point so that shards merge bit for bit.
//!
//! An *event* of the portfolio is either one own event of one policy (policies' own perils are
//! independent) or one occurrence of a common shock (every policy it hits, together). Per year y:
//! - the aggregate loss A_y = Σ_i L_{i,y} (what the AEP and the annual VaR read);
//! - the largest own event's insured loss M_y = max over policies and their own events, and the
//!   policy it belongs to P_y (ties to the lowest book index), so the occurrence measures can be
//!   allocated to policies;
//! - each shock occurrence's insured loss E_{s,y} = Σ_i (policy i's insured loss from shock s in
//!   year y), kept per shock for the years it occurs;
//! - the occurrence loss O_y = max(M_y, max_s E_{s,y}): the year's largest event (the OEP).
//!
//! Sums merge by addition and (M, P) by the larger M, ties to the lower P, all order-free on
//! integers, so a merged table is the unsharded table exactly, and O_y ≤ A_y in every year.
//!
//! With an aggregate limit a policy's insured year is shared pro rata over its events, so an
//! event's insured loss is its per-event insured loss times the year's scale (annual ÷ Σ events).

use std::ops::Range;

use super::{PortfolioError, SCALE};

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
    /// Per year, the largest insured loss of one own event of one policy (M_y), in units of 2⁻¹⁶.
    pub max_event: Vec<i128>,
    /// Per year, the book index of the policy whose own event is `max_event` (P_y; the lowest
    /// index among equal events), [`NO_POLICY`] in a year without own events.
    pub max_event_policy: Vec<u32>,
    /// Per shock, the years it occurs (ascending; the same in every shard of a run).
    pub shock_years: Vec<Vec<u64>>,
    /// Per shock and occurrence (aligned with `shock_years`), the insured loss of that occurrence
    /// summed over the policies covered (E_{s,y}), in units of 2⁻¹⁶.
    pub shock_events: Vec<Vec<i128>>,
}

/// Which event a year's occurrence loss is ([`YearLossTable::largest_event`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LargestEvent {
    /// An own event of the policy with this book index.
    Own(usize),
    /// The occurrence of shock s (position in the shock list): every policy it hit, together.
    Shock(usize),
}

/// `max_event_policy` of a year without own events.
pub const NO_POLICY: u32 = u32::MAX;

/// Whether own event (v, p) beats the year's current largest (cur, cur_p): larger, or as large
/// from a lower book index. Order-free, so folds and shard merges agree exactly.
#[inline]
pub(super) fn beats(v: i128, p: u32, cur: i128, cur_p: u32) -> bool {
    v >= cur && (v > cur || p < cur_p)
}

/// Keeps in (`max`, `at`) the larger of each year's largest own events of two tables.
pub(super) fn max_into(max: &mut [i128], at: &mut [u32], other: &[i128], other_at: &[u32]) {
    for (((m, p), &o), &op) in max.iter_mut().zip(at.iter_mut()).zip(other).zip(other_at) {
        if beats(o, op, *m, *p) {
            *m = o;
            *p = op;
        }
    }
}

/// Fixed-point units to currency units.
#[inline]
pub(super) fn money(x: i128) -> f64 {
    x as f64 / SCALE
}

impl YearLossTable {
    /// Annual (aggregate) losses as floating point.
    pub fn losses(&self) -> Vec<f64> {
        self.loss.iter().map(|&x| money(x)).collect()
    }

    /// Per year, the largest event loss O_y (fixed point): the larger of the largest own event
    /// and the largest shock occurrence of the year.
    pub fn occurrence(&self) -> Vec<i128> {
        let mut o = self.max_event.clone();
        for (years, events) in self.shock_years.iter().zip(&self.shock_events) {
            for (&y, &e) in years.iter().zip(events) {
                let slot = &mut o[y as usize];
                *slot = (*slot).max(e);
            }
        }
        o
    }

    /// The event whose loss is year `y`'s occurrence loss O_y: an own event of policy P_y when
    /// M_y is at least every shock occurrence's loss of the year, otherwise the shock occurrence
    /// with the largest loss (the lowest shock among equal ones); None in a year without events.
    pub fn largest_event(&self, y: u64) -> Option<LargestEvent> {
        let mut best: Option<(i128, LargestEvent)> = None;
        if self.max_event_policy[y as usize] != NO_POLICY {
            let p = self.max_event_policy[y as usize];
            best = Some((self.max_event[y as usize], LargestEvent::Own(p as usize)));
        }
        for (s, (years, events)) in self.shock_years.iter().zip(&self.shock_events).enumerate() {
            if let Ok(k) = years.binary_search(&y) {
                let e = events[k];
                if e > 0 && best.is_none_or(|(b, _)| e > b) {
                    best = Some((e, LargestEvent::Shock(s)));
                }
            }
        }
        best.map(|(_, e)| e)
    }

    /// Per year, the largest event loss as floating point (what the OEP reads).
    pub fn occurrence_losses(&self) -> Vec<f64> {
        self.occurrence().into_iter().map(money).collect()
    }

    /// Mean annual insured loss caused by each shock.
    pub fn shock_means(&self) -> Vec<f64> {
        self.shock_loss
            .iter()
            .map(|&x| money(x) / self.trials as f64)
            .collect()
    }

    /// Adds the table of another shard of the same run.
    ///
    /// # Errors
    /// Different trials, seed, shocks or shock years, or overlapping policy ranges.
    pub fn merge(mut self, other: &YearLossTable) -> Result<Self, PortfolioError> {
        if self.trials != other.trials
            || self.seed != other.seed
            || self.shock_loss.len() != other.shock_loss.len()
            || self.shock_years != other.shock_years
            || self.loss.len() != other.loss.len()
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
        add(&mut self.loss, &other.loss);
        add(&mut self.shock_loss, &other.shock_loss);
        max_into(
            &mut self.max_event,
            &mut self.max_event_policy,
            &other.max_event,
            &other.max_event_policy,
        );
        for (x, y) in self.shock_events.iter_mut().zip(&other.shock_events) {
            add(x, y);
        }
        self.policies = a.start.min(b.start)..a.end.max(b.end);
        Ok(self)
    }
}

/// x += y elementwise.
pub(super) fn add(x: &mut [i128], y: &[i128]) {
    x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
}
