//! A cyber policy with coverage sections, applied to simulated events: what [`Terms`] does for a
//! deductible and limits, with the event's loss split into sections first.

use super::Terms;
use crate::params::{CoverageParams, HOURS_PER_YEAR};
use crate::profile::Coverage;
use crate::vocab::{SECTIONS, Section};

const BI: usize = Section::BusinessInterruption as usize;

/// Sectioned policy terms for one loss model (amounts in the model's currency).
///
/// One event of ground-up size X from peril k (the model's k-th peril):
/// 1. x_j = s_kj·X, s_kj the model's share of section j in peril k;
/// 2. business interruption: x_BI ← max(x_BI − h·w, 0), h the firm's BI rate per hour and w the
///    waiting period (the first w hours of an outage are the insured's);
/// 3. x_j ← max(x_j − r_j, 0), r_j the section retention;
/// 4. the policy deductible d comes off the event's total, pro rata: x_j ← x_j·max(T − d, 0)/T,
///    T = Σ x_j;
/// 5. the insurer pays y_j = c_j·x_j (c_j its coinsurance share), all scaled down pro rata when
///    Σ y_j exceeds the occurrence limit.
///
/// Per year: each section's sum is capped at its sublimit; their total at the aggregate limit.
/// Each step is non-decreasing in X, so the insured event loss is too.
#[derive(Debug, Clone, PartialEq)]
pub struct Cover {
    shares: Vec<[f64; SECTIONS]>,
    bi_retention: f64,
    retentions: [f64; SECTIONS],
    coinsurance: [f64; SECTIONS],
    sublimits: [f64; SECTIONS],
    terms: Terms,
    /// Deductible and limits only: an event pays [`Terms::per_event`] (all in the first slot).
    plain: bool,
}

impl Cover {
    /// The cover of `coverage` for perils with the given section shares (one row per peril of
    /// the loss model, in its order), for a firm of `annual_revenue` (same currency).
    pub fn new(
        coverage: &Coverage,
        shares: Vec<[f64; SECTIONS]>,
        params: &CoverageParams,
        annual_revenue: f64,
    ) -> Self {
        let hourly = annual_revenue * params.bi_margin / HOURS_PER_YEAR;
        Cover {
            shares,
            bi_retention: hourly * coverage.waiting_period_hours,
            retentions: coverage.retentions,
            coinsurance: coverage.coinsurance,
            sublimits: coverage.sublimits,
            terms: Terms::new(
                coverage.deductible,
                Some(coverage.occurrence_limit),
                Some(coverage.aggregate_limit),
            ),
            plain: false,
        }
    }

    /// Deductible and limits only, for a model of `perils` perils: every event pays
    /// [`Terms::per_event`] and every year [`Terms::annual`], the same numbers as the model
    /// under `terms` alone, bit for bit.
    pub fn plain(terms: Terms, perils: usize) -> Self {
        Cover {
            shares: vec![[0.0; SECTIONS]; perils],
            bi_retention: 0.0,
            retentions: [0.0; SECTIONS],
            coinsurance: [1.0; SECTIONS],
            sublimits: [f64::INFINITY; SECTIONS],
            terms,
            plain: true,
        }
    }

    /// Deductible and limits.
    pub fn terms(&self) -> &Terms {
        &self.terms
    }

    /// The part of each event's business-interruption loss the waiting period keeps with the
    /// insured (h·w, currency units).
    pub fn bi_retention(&self) -> f64 {
        self.bi_retention
    }

    /// Insured amount per section of one event of size `x` from the model's peril `k` into `out`
    /// (overwritten); returns their sum.
    #[inline]
    pub fn event(&self, k: usize, x: f64, out: &mut [f64; SECTIONS]) -> f64 {
        if self.plain {
            *out = [0.0; SECTIONS];
            out[0] = self.terms.per_event(x);
            return out[0];
        }
        let shares = &self.shares[k];
        let mut total = 0.0;
        for j in 0..SECTIONS {
            let mut v = shares[j] * x;
            if j == BI {
                v = (v - self.bi_retention).max(0.0);
            }
            v = (v - self.retentions[j]).max(0.0);
            out[j] = v;
            total += v;
        }
        if total <= 0.0 {
            *out = [0.0; SECTIONS];
            return 0.0;
        }
        let keep = (total - self.terms.deductible()).max(0.0) / total;
        let mut paid = 0.0;
        for (v, c) in out.iter_mut().zip(&self.coinsurance) {
            *v *= keep * c;
            paid += *v;
        }
        let limit = self.terms.occurrence_limit();
        if paid > limit {
            let scale = limit / paid;
            for v in out.iter_mut() {
                *v *= scale;
            }
            paid = limit;
        }
        paid
    }

    /// True when some section has an annual sublimit.
    pub fn has_sublimits(&self) -> bool {
        self.sublimits.iter().any(|s| s.is_finite())
    }

    /// Σ_j min(S_j, sublimit_j): a year's insured loss before the aggregate limit, from the
    /// per-section sums of its events' insured amounts.
    pub fn capped(&self, sections: &[f64; SECTIONS]) -> f64 {
        sections
            .iter()
            .zip(&self.sublimits)
            .map(|(s, l)| s.min(*l))
            .sum()
    }

    /// Insured annual loss of a year whose events' insured amounts sum to `sections` per section:
    /// Σ_j min(S_j, sublimit_j), capped at the aggregate limit. Also returns each section's
    /// share factor min(S_j, sublimit_j)/S_j × (aggregate factor) in `factors`, so a year's
    /// insured loss can be allocated back to perils.
    #[inline]
    pub fn annual(&self, sections: &[f64; SECTIONS], factors: &mut [f64; SECTIONS]) -> f64 {
        let mut total = 0.0;
        for j in 0..SECTIONS {
            let s = sections[j];
            let capped = s.min(self.sublimits[j]);
            factors[j] = if s > 0.0 { capped / s } else { 0.0 };
            total += capped;
        }
        let net = self.terms.annual(total);
        let agg = if total > 0.0 { net / total } else { 0.0 };
        for f in factors.iter_mut() {
            *f *= agg;
        }
        net
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> CoverageParams {
        let mut shares = [[0.0; SECTIONS]; crate::vocab::PERILS];
        shares[0][Section::IncidentResponse.index()] = 0.5;
        shares[0][BI] = 0.5;
        CoverageParams {
            shares,
            bi_margin: 0.25,
            default_waiting_period_hours: 8.0,
        }
    }

    #[test]
    fn one_event_by_hand() {
        // Revenue 8,760,000 × 0.25 / 8,760 = 250 an hour; 8 h keep 2,000 of BI.
        let mut c = Coverage::plain(1_000.0, 10_000.0, 12_000.0);
        c.waiting_period_hours = 8.0;
        c.coinsurance[BI] = 0.8;
        c.sublimits[Section::IncidentResponse.index()] = 5_000.0;
        let p = params();
        let cover = Cover::new(&c, vec![p.shares[0]], &p, 8_760_000.0);
        assert_eq!(cover.bi_retention(), 2_000.0);
        let mut out = [0.0; SECTIONS];
        // X = 10,000: IR 5,000, BI 5,000 − 2,000 = 3,000; T = 8,000, keep 7,000/8,000.
        let paid = cover.event(0, 10_000.0, &mut out);
        let ir = 5_000.0 * 7.0 / 8.0;
        let bi = 3_000.0 * 7.0 / 8.0 * 0.8;
        assert!((out[0] - ir).abs() < 1e-9 && (out[BI] - bi).abs() < 1e-9);
        assert!((paid - ir - bi).abs() < 1e-9);
        // A huge event is capped at the occurrence limit.
        assert!((cover.event(0, 1e9, &mut out) - 10_000.0).abs() < 1e-6);
        // Two such events a year: IR capped by its sublimit, then the aggregate.
        let mut sections = [0.0; SECTIONS];
        sections[0] = 2.0 * out[0];
        sections[BI] = 2.0 * out[BI];
        let mut f = [0.0; SECTIONS];
        let year = cover.annual(&sections, &mut f);
        assert!((year - 12_000.0).abs() < 1e-6);
        let back: f64 = (0..SECTIONS).map(|j| sections[j] * f[j]).sum();
        assert!((back - year).abs() < 1e-6);
    }

    #[test]
    fn insured_event_is_monotone() {
        let mut c = Coverage::plain(500.0, 20_000.0, f64::INFINITY);
        c.waiting_period_hours = 12.0;
        c.retentions[0] = 300.0;
        c.coinsurance[0] = 0.5;
        let p = params();
        let cover = Cover::new(&c, vec![p.shares[0]], &p, 1e7);
        let mut out = [0.0; SECTIONS];
        let mut last = 0.0f64;
        for i in 0..2_000 {
            let x = 10.0 * 1.01f64.powi(i);
            let y = cover.event(0, x, &mut out);
            assert!(y >= last - 1e-9 * last.abs(), "x {x}: {y} < {last}");
            last = y.max(last);
        }
    }
}
