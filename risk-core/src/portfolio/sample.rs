//! Event-driven sampling of one policy's events over all simulated years: the cost follows the
//! events, not the years.
//!
//! A cyber policy has a few percent chance of any event in a year, so drawing a count for every
//! (policy, year, peril) spends nearly all the time on years without events. Here each peril and
//! each shock of a policy draws only the years it has events in:
//!
//! - **Poisson(λ)** perils draw the total N_T ~ Poisson(λT) over the T years and place each event
//!   in a uniform year (the same law as T independent Poisson(λ) years).
//! - **Negative binomial** perils (mean m, dispersion r; what a firm profile gives) skip from one
//!   event year to the next by geometric gaps: a year has an event with probability
//!   q = 1 − p₀, p₀ = P(N = 0) = (r/(r + m))^r, independently of other years, so the number of
//!   event-free years before the next event year is G ~ Geometric(q), drawn by inversion as
//!   G = ⌊ln U / ln p₀⌋ with U ~ U(0, 1]. In an event year the count comes from N | N ≥ 1 by
//!   inversion of one uniform along the pmf recurrence p_{k+1} = p_k (k + r)/(k + 1) · m/(m + r).
//!   When q > ½ (frequent perils) a gap saves little and the year-by-year sampler is used.
//! - **FAIR** perils (Λ = TEF × vulnerability drawn every year) skip between *candidate* years
//!   by geometric gaps at the mean rate m = E[Λ] and thin them by the size-biased rate
//!   (`fair.rs`): exact, without P(N = 0) in closed form. A TEF with a GPD tail, or m > ½, keeps
//!   the year-by-year sampler.
//! - **Shocks**: a shock occurs in a fixed list of years (shared by all policies and shards); an
//!   exposed policy is hit in each with probability h, independently, so it skips from one hit to
//!   the next along that list by G ~ Geometric(h), G = ⌊ln U / ln(1 − h)⌋.
//!
//! Each (policy, peril) and (policy, shock) has its own stream named by (seed, kind, policy,
//! peril or shock), so the events of a policy do not depend on which other policies are in the
//! run (shards), nor on the thread that simulates it. That stream gives the event years and
//! counts; the size of its j-th event comes from a stream of its own ([`event_stream`]: a
//! counter-based generator keyed by the first draw of the peril's stream and j), so a replay
//! that values only a few years (the allocation's tail) skips every other event's size without
//! drawing it.

use std::collections::HashMap;

use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, Poisson};
use rand_xoshiro::{SplitMix64, Xoshiro256PlusPlus};

use super::fair::FairYears;
use super::{Policy, Shock, ShockSize};
use crate::dist::{
    Frequency, LogNormal, LogNormalGpd, ModPert, NegBinFreq, Severity, SeverityDraw, TwoStep,
};
use crate::engine::monte_carlo::stream;

/// Stream kinds of the portfolio engine.
const OWN: u64 = 0x504F_574E; // policy's own events
const SHOCK_HITS: u64 = 0x5348_4B48; // a policy's hits and shock losses

/// Above this P(N ≥ 1) a negative-binomial peril is sampled year by year.
const GAP_MAX_EVENT_PROBABILITY: f64 = 0.5;

/// An event's size from its draw: [`TwoStep::value`], except that a lognormal's exp is the
/// portfolio's own ([`super::exp::exp`], within an ulp of the library's, a fifth of a run's
/// instructions less).
pub(super) trait Size: TwoStep {
    /// The size of a draw.
    #[inline(always)]
    fn size(&self, draw: Self::Draw) -> f64 {
        self.value(draw)
    }
}

impl Size for LogNormal {
    #[inline(always)]
    fn size(&self, z: f64) -> f64 {
        let (mu, sigma) = self.log_params();
        super::exp::exp(mu + sigma * z)
    }
}

impl Size for LogNormalGpd {}

impl Size for ModPert {}

impl Size for Severity {
    #[inline]
    fn size(&self, draw: SeverityDraw) -> f64 {
        match (self, draw) {
            (Severity::LogNormal(d), SeverityDraw::LogNormal(z)) => d.size(z),
            _ => self.value(draw),
        }
    }
}

/// Distance between the starts of two events' streams along one SplitMix64 sequence: 2³² steps
/// of its increment (φ = 0x9E3779B97F4A7C15, odd).
const EVENT_STRIDE: u64 = 0x9E37_79B9_7F4A_7C15u64 << 32;

/// The stream of the j-th event's size of a (policy, peril) or (policy, shock) keyed by `key`:
/// SplitMix64 started at key + j·2³²·φ, whose k-th output is m(key + (j·2³² + k)·φ). For
/// j, k < 2³² the positions j·2³² + k are distinct and φ is odd, so no two events of a key share
/// a random number; starting one costs a multiply-add (an event draws one or two numbers).
#[inline(always)]
pub(super) fn event_stream(key: u64, j: u64) -> SplitMix64 {
    SplitMix64::from_seed(key.wrapping_add(j.wrapping_mul(EVENT_STRIDE)).to_le_bytes())
}

/// Years a pass over the policies needs: all of them (the year-loss table), or a few (the
/// allocation's tail years), whose events alone are valued; the other years' event sizes are
/// not drawn (each has its own stream), only their years and counts.
pub(super) trait Years: Sync {
    /// Whether year `y`'s losses are needed.
    fn needs(&self, y: u64) -> bool;
}

/// Every year.
pub(super) struct AllYears;

impl Years for AllYears {
    #[inline(always)]
    fn needs(&self, _: u64) -> bool {
        true
    }
}

/// The years flagged in a table indexed by year.
pub(super) struct Flagged<'a>(pub(super) &'a [bool]);

impl Years for Flagged<'_> {
    #[inline(always)]
    fn needs(&self, y: u64) -> bool {
        self.0[y as usize]
    }
}

/// U ~ U(0, 1], for logarithms.
#[inline(always)]
fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    1.0 - rng.random::<f64>()
}

/// Number of failures before the first success of Bernoulli trials whose failure probability
/// is e^{ln_miss} (ln_miss < 0): ⌊ln U / ln_miss⌋, as f64 (may exceed any trial count).
#[inline(always)]
fn geometric_gap<R: Rng + ?Sized>(ln_miss: f64, rng: &mut R) -> f64 {
    (open_unit(rng).ln() / ln_miss).floor()
}

/// Which shocks expose which policies, indexed once per run: a policy's shocks are those
/// without a dependency and those of its dependencies, found by lookup rather than by testing
/// every shock against every policy (a book may name a thousand suppliers).
pub(super) struct ShockIndex<'a> {
    general: Vec<usize>,
    by_dependency: HashMap<&'a str, Vec<usize>>,
}

impl<'a> ShockIndex<'a> {
    pub(super) fn new(shocks: &'a [Shock]) -> Self {
        let mut index = ShockIndex {
            general: Vec::new(),
            by_dependency: HashMap::new(),
        };
        for (s, shock) in shocks.iter().enumerate() {
            match &shock.dependency {
                None => index.general.push(s),
                Some(d) => index.by_dependency.entry(d.as_str()).or_default().push(s),
            }
        }
        index
    }

    /// The shocks exposing `p` (as `Shock::exposes` tells), ascending, each once.
    pub(super) fn exposed(&self, p: &Policy) -> Vec<usize> {
        let mut out = self.general.clone();
        for d in &p.dependencies {
            if let Some(s) = self.by_dependency.get(d.as_str()) {
                out.extend(s);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Generates the events of policy `g` in the years `years` needs, as (year, size, source), source
/// 0 for its own perils (peril k's sizes passed through `own(k, size)`) and s + 1 for shock s;
/// every needed event is the same whatever else is needed (sizes come from per-event streams).
#[allow(clippy::too_many_arguments)]
pub(super) fn policy_events(
    p: &Policy,
    g: u64,
    shocks: &[Shock],
    shock_years: &[Vec<u64>],
    exposed: &[usize],
    trials: u64,
    seed: u64,
    years: &impl Years,
    own: &impl Fn(usize, f64) -> f64,
    event: &mut impl FnMut(u64, f64, usize),
) {
    for (k, peril) in p.model.perils().iter().enumerate() {
        let mut rng = stream(seed, [OWN, g, k as u64]);
        let f = peril.frequency();
        // An own event of peril k reaches `event` as own(k, size).
        let mut own_event = |y, x, s| event(y, own(k, x), s);
        // One loop per severity family: no dispatch per event.
        match peril.severity() {
            Severity::LogNormal(s) => own_events(f, s, &mut rng, trials, years, &mut own_event),
            Severity::LogNormalGpd(s) => own_events(f, s, &mut rng, trials, years, &mut own_event),
            Severity::Pert(s) => own_events(f, s, &mut rng, trials, years, &mut own_event),
        }
    }
    for &s in exposed {
        let (shock, occ) = (&shocks[s], &shock_years[s]);
        if shock.hit_probability <= 0.0 {
            continue;
        }
        let mut rng = stream(seed, [SHOCK_HITS, shock.stream_id(s), g]);
        let key = rng.next_u64();
        let (d, scale) = match &shock.size {
            ShockSize::Amount(d) => (d, None),
            ShockSize::RevenueShare(d) => (d, Some(p.revenue)),
        };
        // The hit of the j-th occurrence draws its size from event stream j.
        let mut hit = |j: usize| {
            let y = occ[j];
            if years.needs(y) {
                let x = d.size(d.draw(&mut event_stream(key, j as u64)));
                event(y, scale.map_or(x, |r| x * r), s + 1);
            }
        };
        if shock.hit_probability >= 1.0 {
            for j in 0..occ.len() {
                hit(j);
            }
            continue;
        }
        let ln_miss = (-shock.hit_probability).ln_1p();
        let mut j = 0usize;
        loop {
            let gap = geometric_gap(ln_miss, &mut rng);
            if gap >= (occ.len() - j) as f64 {
                break;
            }
            j += gap as usize;
            hit(j);
            j += 1;
        }
    }
}

/// One own peril's events over all years (see the module documentation).
#[inline]
fn own_events<S: Size>(
    f: &Frequency,
    sev: &S,
    rng: &mut Xoshiro256PlusPlus,
    trials: u64,
    years: &impl Years,
    event: &mut impl FnMut(u64, f64, usize),
) {
    let key = rng.next_u64();
    // Events are numbered in the order they are drawn; the j-th draws its size from event
    // stream j, and only in a needed year. (A macro rather than a closure: it is inlined at
    // each of its four uses, which matters once per event.)
    let mut next = 0u64;
    macro_rules! events_in {
        ($y:expr, $count:expr) => {{
            let (y, count): (u64, u64) = ($y, $count);
            if years.needs(y) {
                for j in next..next + count {
                    let x = sev.size(sev.draw(&mut event_stream(key, j)));
                    event(y, x, 0);
                }
            }
            next += count;
        }};
    }
    let gaps = match f {
        Frequency::NegativeBinomial(nb) => EventYears::new(nb).map(Gaps::NegBin),
        Frequency::Fair(fair) => FairYears::new(fair).map(|f| Gaps::Fair(Box::new(f))),
        Frequency::Poisson(_) => None,
    };
    match (f, gaps) {
        (Frequency::Poisson(_), _) => {
            let lambda = f.mean() * trials as f64;
            // Beyond the cap on one year's mean, `rand_distr`'s sampler directly: the one
            // `Frequency::poisson` uses for large means.
            let total = match Frequency::poisson(lambda) {
                Ok(t) => t.sample(rng),
                Err(_) => Poisson::new(lambda).map_or(0, |t| t.sample(rng) as u64),
            };
            for _ in 0..total {
                let y = rng.random_range(0..trials);
                events_in!(y, 1);
            }
        }
        (_, Some(gaps)) => {
            let ln_miss = gaps.ln_miss();
            let mut y = 0u64;
            while y < trials {
                let gap = geometric_gap(ln_miss, rng);
                if gap >= (trials - y) as f64 {
                    break;
                }
                y += gap as u64;
                let count = gaps.count(rng);
                events_in!(y, count);
                y += 1;
            }
        }
        (_, None) => {
            for y in 0..trials {
                let count = f.sample(rng);
                events_in!(y, count);
            }
        }
    }
}

/// The gap samplers: a negative binomial's event years (P(N = 0) known), or a FAIR peril's
/// candidate years, thinned ([`FairYears`]).
enum Gaps {
    NegBin(EventYears),
    Fair(Box<FairYears>),
}

impl Gaps {
    /// ln of the probability that a year is skipped.
    fn ln_miss(&self) -> f64 {
        match self {
            Gaps::NegBin(ey) => ey.ln_p0,
            Gaps::Fair(fy) => fy.ln_miss,
        }
    }

    /// The count of a year the gaps land on (0 for a thinned-out FAIR candidate).
    #[inline]
    fn count<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            Gaps::NegBin(ey) => ey.count(rng),
            Gaps::Fair(fy) => fy.count(rng),
        }
    }
}

/// A negative binomial's event years: P(N = 0) and N | N ≥ 1.
#[derive(Debug, Clone, Copy)]
struct EventYears {
    /// ln p₀ = −r ln(1 + m/r) (< 0).
    ln_p0: f64,
    /// q = 1 − p₀ = P(N ≥ 1).
    q: f64,
    /// p₁ = p₀ · r · m/(m + r).
    p1: f64,
    /// Ratio of successive pmf terms without the (k + r)/(k + 1) factor: m/(m + r).
    ratio: f64,
    /// r.
    r: f64,
}

impl EventYears {
    /// None when the peril has events in most years (q > ½) or p₀ is not representable.
    fn new(nb: &NegBinFreq) -> Option<Self> {
        let (m, r) = (nb.mean(), nb.dispersion());
        let ln_p0 = -r * (m / r).ln_1p();
        let q = -ln_p0.exp_m1();
        if !(ln_p0 < 0.0 && q <= GAP_MAX_EVENT_PROBABILITY) {
            return None;
        }
        let ratio = m / (m + r);
        Some(EventYears {
            ln_p0,
            q,
            p1: ln_p0.exp() * r * ratio,
            ratio,
            r,
        })
    }

    /// N | N ≥ 1 by inversion: the smallest k with Σ_{j=1..k} p_j > U·q.
    #[inline]
    fn count<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let target = rng.random::<f64>() * self.q;
        let (mut k, mut p, mut c) = (1u64, self.p1, self.p1);
        while target >= c && p > 0.0 {
            p *= (k as f64 + self.r) / (k as f64 + 1.0) * self.ratio;
            k += 1;
            c += p;
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The gap sampler reproduces the year-by-year law: share of event years, mean and variance
    /// of the annual count (within 4 standard errors).
    #[test]
    fn negative_binomial_event_years_have_the_right_law() {
        for (m, r) in [(0.03, 0.8), (0.2, 2.0), (0.6, 1.5)] {
            let Frequency::NegativeBinomial(nb) = Frequency::negative_binomial(m, r).unwrap()
            else {
                unreachable!()
            };
            let ey = EventYears::new(&nb).unwrap();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let trials = 2_000_000u64;
            let mut counts = vec![0u64; trials as usize];
            let mut y = 0u64;
            while y < trials {
                let gap = geometric_gap(ey.ln_p0, &mut rng);
                if gap >= (trials - y) as f64 {
                    break;
                }
                y += gap as u64;
                counts[y as usize] = ey.count(&mut rng);
                y += 1;
            }
            let n = trials as f64;
            let share = counts.iter().filter(|&&c| c > 0).count() as f64 / n;
            let z = (share - ey.q) / (ey.q * (1.0 - ey.q) / n).sqrt();
            assert!(z.abs() < 4.0, "m {m} r {r}: share {share} vs {}", ey.q);
            let mean = counts.iter().sum::<u64>() as f64 / n;
            let var_n = m + m * m / r;
            let z = (mean - m) / (var_n / n).sqrt();
            assert!(z.abs() < 4.0, "m {m} r {r}: mean {mean}");
            let var = counts
                .iter()
                .map(|&c| (c as f64 - mean).powi(2))
                .sum::<f64>()
                / (n - 1.0);
            assert!((var / var_n - 1.0).abs() < 0.03, "m {m} r {r}: var {var}");
        }
    }

    #[test]
    fn frequent_perils_fall_back_to_years() {
        let Frequency::NegativeBinomial(nb) = Frequency::negative_binomial(3.0, 2.0).unwrap()
        else {
            unreachable!()
        };
        assert!(EventYears::new(&nb).is_none());
    }
}
