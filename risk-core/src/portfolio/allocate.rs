//! Euler (co-TVaR) allocation of a portfolio's tail to its policies, for the aggregate measures
//! (each year's total, AEP) and the occurrence measures (each year's largest event, OEP), from one
//! replay of each policy's streams in the few years the two tails need.
//!
//! # Aggregate
//! At level q with n years: v = VaR_q (the year of rank k₀ = ⌈nq⌉ by (loss, year)), T the
//! m = n − k₀ years ranked above it and w_i = L_{i,v}/v policy i's share of the VaR year:
//! a_i = w_i v + (Σ_{y∈T} L_{i,y} − m w_i v)/(n(1 − q)), so
//! Σ_i a_i = v + Σ_{y∈T}(S_y − v)/(n(1 − q)) = TVaR_q of the annual losses (the report's `tvar`),
//! and Σ_i L_{i,v} = v = VaR_q (the report's `var`).
//!
//! # Occurrence
//! A year's occurrence loss O_y is one event ([`YearLossTable::largest_event`]): an own event of
//! one policy P_y, which takes all of it, or one common-shock occurrence, of which each policy it
//! hit takes its own insured loss. So every year's parts c_{i,y} add up to O_y exactly (fixed
//! point), and the same formula over the occurrence ranking (v_O, T_O, w_i = c_{i,v}/v_O) gives
//! Σ_i a_i^O = v_O + Σ_{y∈T_O}(O_y − v_O)/(n(1 − q)) = TVaR_q of the occurrence losses (the
//! report's `oep` TVaR at return period 1/(1 − q)), and Σ_i c_{i,v} = v_O = the occurrence VaR_q.
//! An own-event year needs no replay: the table names its policy. Only the years of T_O (and v_O)
//! whose largest event is a shock occurrence are replayed.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use super::sample::{Flagged, ShockIndex};
use super::table::{LargestEvent, money};
use super::{Portfolio, YearLossTable, policy_losses, shock_years};

/// A policy's share of the portfolio's tail.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// Index of the policy.
    pub policy: usize,
    /// Its co-TVaR (Euler) allocation of the annual losses' TVaR; the allocations sum to the
    /// portfolio TVaR.
    pub tvar_contribution: f64,
    /// Its loss in the year that is the annual losses' VaR; these sum to the portfolio VaR.
    pub var_contribution: f64,
    /// Its co-TVaR allocation of the occurrence losses' TVaR (each year's largest event); these
    /// sum to the occurrence TVaR (the OEP's TVaR at the same level).
    pub oep_tvar_contribution: f64,
    /// Its part of the event that is the occurrence VaR; these sum to the occurrence VaR.
    pub oep_var_contribution: f64,
}

/// The tail of one ranking of the years: the VaR year, its loss, the years ranked above it.
struct Tail {
    var_year: u64,
    v: f64,
    above: Vec<u64>,
}

impl Tail {
    /// Years ranked by (loss, year); rank k₀ = ⌈nq⌉ (at least 1, and the smallest k with
    /// k/n ≥ q, so that floating-point noise in nq does not move it up a rank).
    fn of(losses: &[i128], level: f64) -> Tail {
        let n = losses.len();
        let nf = n as f64;
        let mut k0 = ((nf * level).ceil() as usize).clamp(1, n);
        while k0 > 1 && (k0 - 1) as f64 / nf >= level {
            k0 -= 1;
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| losses[a].cmp(&losses[b]).then(a.cmp(&b)));
        let var_year = order[k0 - 1] as u64;
        Tail {
            var_year,
            v: money(losses[var_year as usize]),
            above: order[k0..].iter().map(|&y| y as u64).collect(),
        }
    }

    /// The Euler allocation of a policy whose parts are `at_var` in the VaR year and `above` in
    /// the years above it, for n years at level q.
    fn euler(&self, at_var: i128, above: i128, n: usize, level: f64) -> f64 {
        let (at_var, above) = (money(at_var), money(above));
        let w = if self.v > 0.0 { at_var / self.v } else { 0.0 };
        let m = self.above.len() as f64;
        w * self.v + (above - m * w * self.v) / (n as f64 * (1.0 - level))
    }
}

/// Where a year sits in a tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Out,
    Above,
    Var,
}

fn roles(tail: &Tail, n: usize) -> Vec<Role> {
    let mut r = vec![Role::Out; n];
    for &y in &tail.above {
        r[y as usize] = Role::Above;
    }
    r[tail.var_year as usize] = Role::Var;
    r
}

/// A policy's parts (fixed point) in one tail's VaR year and the years above it.
#[derive(Debug, Clone, Copy, Default)]
struct Parts {
    at_var: i128,
    above: i128,
}

impl Parts {
    #[inline]
    fn add(&mut self, role: Role, v: i128) {
        match role {
            Role::Var => self.at_var += v,
            Role::Above => self.above += v,
            Role::Out => {}
        }
    }
}

/// Euler allocation of the portfolio's TVaR at `level` to every policy, aggregate and
/// occurrence, from the full (unsharded) table; re-simulates each policy's losses in the tail
/// years from the same streams.
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
    let n = table.loss.len();
    let aggregate = Tail::of(&table.loss, level);
    let occurrence = Tail::of(&table.occurrence(), level);
    let (agg_role, occ_role) = (roles(&aggregate, n), roles(&occurrence, n));
    // Occurrence tail years: a shock occurrence's parts come from the replay (shock s as source
    // s + 1); an own event goes whole to its policy (book index), read from the table.
    let mut occ_source = vec![0usize; n];
    let mut own: HashMap<usize, Parts> = HashMap::new();
    for &y in occurrence.above.iter().chain([&occurrence.var_year]) {
        match table.largest_event(y) {
            Some(LargestEvent::Shock(s)) => occ_source[y as usize] = s + 1,
            Some(LargestEvent::Own(p)) => own
                .entry(p)
                .or_default()
                .add(occ_role[y as usize], table.max_event[y as usize]),
            None => {}
        }
    }
    // Only the aggregate tail and the occurrence tail's shock years are valued in the replay.
    let needed: Vec<bool> = (0..n)
        .map(|y| agg_role[y] != Role::Out || occ_source[y] != 0)
        .collect();
    let years = shock_years(&portfolio.shocks, table.trials, table.seed);
    let index = ShockIndex::new(&portfolio.shocks);
    portfolio.policies[range.clone()]
        .par_iter()
        .enumerate()
        .map(|(j, p)| {
            let i = range.start + j;
            let book = portfolio.first + i;
            let (mut agg, mut occ) = (
                Parts::default(),
                own.get(&book).copied().unwrap_or_default(),
            );
            policy_losses(
                p,
                book as u64,
                &portfolio.shocks,
                &years,
                table.trials,
                table.seed,
                &index.exposed(p),
                &Flagged(&needed),
                |y, v, s| {
                    let y = y as usize;
                    agg.add(agg_role[y], v);
                    if s != 0 && occ_source[y] == s {
                        occ.add(occ_role[y], v);
                    }
                },
                |_, _| {},
            );
            Allocation {
                policy: i,
                tvar_contribution: aggregate.euler(agg.at_var, agg.above, n, level),
                var_contribution: money(agg.at_var),
                oep_tvar_contribution: occurrence.euler(occ.at_var, occ.above, n, level),
                oep_var_contribution: money(occ.at_var),
            }
        })
        .collect()
}
