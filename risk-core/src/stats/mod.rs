//! Loss statistics of an annual-loss distribution, each with its standard error where the
//! distribution was sampled: [`LossStats::from_sample`] for simulated years,
//! [`LossStats::from_distribution`] for a distribution known exactly.

use rayon::prelude::*;

/// Summary statistics of an annual-loss distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct LossStats {
    /// E[L].
    pub mean: f64,
    /// Standard deviation of L (sample std with n − 1 for Monte Carlo).
    pub std: f64,
    /// Standard error of `mean`: std/√n (None for exact methods).
    pub mean_std_error: Option<f64>,
    /// Value at risk: the lower quantile inf{x : F(x) ≥ level}.
    pub var: Vec<LevelValue>,
    /// Tail value at risk: VaR + E[(L − VaR)+]/(1 − level).
    pub tvar: Vec<LevelValue>,
    /// P(L > threshold).
    pub exceedance: Vec<Exceedance>,
}

/// A statistic at a confidence level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelValue {
    /// Confidence level in (0, 1).
    pub level: f64,
    /// The statistic, currency units.
    pub value: f64,
    /// Its standard error (None for exact methods).
    pub std_error: Option<f64>,
}

/// An exceedance probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exceedance {
    /// Loss amount, currency units.
    pub threshold: f64,
    /// P(L > threshold).
    pub probability: f64,
    /// Its standard error √(p(1 − p)/n) (None for exact methods).
    pub std_error: Option<f64>,
}

/// Chunk size for the parallel sums: fixed, so the floating-point sum is the same for any thread
/// count.
const SUM_CHUNK: usize = 1 << 16;

impl LossStats {
    /// Statistics of an equally weighted sample of annual losses (one per simulated year).
    ///
    /// Standard errors: mean, std/√n; exceedance, √(p(1 − p)/n); VaR from the order statistics
    /// either side of the quantile's rank, (x₍ₖ₊ₘ₎ − x₍ₖ₋ₘ₎)/2 with m = √(n p (1 − p)) (the
    /// distribution-free binomial interval at ±1σ); TVaR, sd((L − VaR)+)/(√n (1 − p)), the
    /// asymptotic error of the estimator VaR + mean((L − VaR)+)/(1 − p), to which the error of VaR
    /// itself contributes nothing at first order.
    ///
    /// # Panics
    /// If `losses` is empty or a level is outside (0, 1) (validated upstream).
    pub fn from_sample(losses: &[f64], levels: &[f64], thresholds: &[f64]) -> Self {
        let n = losses.len();
        assert!(n > 0, "a sample needs at least one trial");
        let nf = n as f64;
        let mean = chunked_sum(losses, |x| x) / nf;

        // Ranks (1-based) needed per level: the quantile's k and k ± m for its error.
        let ranks: Vec<(usize, usize, usize)> = levels
            .iter()
            .map(|&p| {
                assert!(p > 0.0 && p < 1.0, "level {p} outside (0, 1)");
                let k = quantile_rank(n, p);
                let m = (nf * p * (1.0 - p)).sqrt().round() as usize;
                (k, k.saturating_sub(m).max(1), (k + m).min(n))
            })
            .collect();
        let lowest = ranks.iter().map(|r| r.1).min().unwrap_or(n);
        // Only the upper tail from the lowest needed rank is kept, and only the needed order
        // statistics are selected in it, in ascending rank order: each selection works on the
        // suffix above the previous one, which leaves the suffix above every rank as a set intact.
        let start = lowest - 1;
        // One more pass does the rest: squared deviations, exceedance counts, the upper tail.
        let pass = second_pass(losses, mean, thresholds, n - start);
        let std = if n > 1 {
            (pass.ss / (nf - 1.0)).sqrt()
        } else {
            0.0
        };
        let mut tail = pass.tail;
        let mut wanted: Vec<usize> = ranks.iter().flat_map(|&(k, lo, hi)| [k, lo, hi]).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut from = 0;
        for r in wanted {
            let idx = r - 1 - start;
            tail[from..].select_nth_unstable_by(idx - from, f64::total_cmp);
            from = idx;
        }
        let order = |rank: usize| tail[rank - 1 - start];

        let mut var = Vec::with_capacity(levels.len());
        let mut tvar = Vec::with_capacity(levels.len());
        for (&p, &(k, lo, hi)) in levels.iter().zip(&ranks) {
            let v = order(k);
            var.push(LevelValue {
                level: p,
                value: v,
                std_error: Some((order(hi) - order(lo)) / 2.0),
            });
            // (L − v)+ is zero below rank k, so the tail holds every non-zero term.
            let above = &tail[k - 1 - start..];
            let s1: f64 = above.iter().map(|x| x - v).sum::<f64>() / nf;
            let s2: f64 = above.iter().map(|x| (x - v) * (x - v)).sum::<f64>() / nf;
            let sd = (s2 - s1 * s1).max(0.0).sqrt();
            tvar.push(LevelValue {
                level: p,
                value: v + s1 / (1.0 - p),
                std_error: Some(sd / (nf.sqrt() * (1.0 - p))),
            });
        }

        let exceedance = thresholds
            .iter()
            .zip(&pass.exceed)
            .map(|(&t, &count)| {
                let p = count as f64 / nf;
                Exceedance {
                    threshold: t,
                    probability: p,
                    std_error: Some((p * (1.0 - p) / nf).sqrt()),
                }
            })
            .collect();

        LossStats {
            mean,
            std,
            mean_std_error: Some(std / nf.sqrt()),
            var,
            tvar,
            exceedance,
        }
    }
}

/// An annual-loss distribution known in closed form or on a grid (not sampled), read at the
/// points a report asks for.
pub trait LossDistribution {
    /// E[L] (currency units).
    fn mean(&self) -> f64;
    /// sd(L); infinite when the variance is.
    fn std(&self) -> f64;
    /// Lower quantile inf{x : F(x) ≥ level}.
    fn var(&self, level: f64) -> f64;
    /// VaR + E[(L − VaR)+]/(1 − level).
    fn tvar(&self, level: f64) -> f64;
    /// P(L > threshold).
    fn exceedance(&self, threshold: f64) -> f64;
}

impl LossStats {
    /// Statistics of a distribution known exactly: the same fields as
    /// [`LossStats::from_sample`], every standard error `None`.
    pub fn from_distribution(
        d: &impl LossDistribution,
        levels: &[f64],
        thresholds: &[f64],
    ) -> Self {
        let at = |f: &dyn Fn(f64) -> f64| {
            levels
                .iter()
                .map(|&level| LevelValue {
                    level,
                    value: f(level),
                    std_error: None,
                })
                .collect()
        };
        LossStats {
            mean: d.mean(),
            std: d.std(),
            mean_std_error: None,
            var: at(&|p| d.var(p)),
            tvar: at(&|p| d.tvar(p)),
            exceedance: thresholds
                .iter()
                .map(|&threshold| Exceedance {
                    threshold,
                    probability: d.exceedance(threshold),
                    std_error: None,
                })
                .collect(),
        }
    }
}

/// What the pass after the mean collects.
struct SecondPass {
    /// Σ (x − mean)², summed like [`chunked_sum`].
    ss: f64,
    /// Per threshold, the number of values above it.
    exceed: Vec<usize>,
    /// The `count` largest values, in no particular order.
    tail: Vec<f64>,
}

/// Squared deviations from `mean`, exceedance counts over `thresholds` and the `count` largest
/// values, in one pass over `xs` (it is large: each pass reads it from memory).
///
/// The tail: for a small upper tail, sort a strided subsample, take a value safely below the
/// tail's start (a 4σ binomial margin), keep everything at or above it in the pass and select in
/// that; if the guess kept too little, select in a full copy. Either way the result is exact.
fn second_pass(xs: &[f64], mean: f64, thresholds: &[f64], count: usize) -> SecondPass {
    let pivot = tail_pivot(xs, count);
    let parts: Vec<(f64, Vec<usize>, Vec<f64>)> = xs
        .par_chunks(SUM_CHUNK)
        .map(|c| {
            // Tight loops, one per quantity, over a chunk small enough to stay in cache: the
            // chunk comes from memory once.
            let ss: f64 = c.iter().map(|&x| (x - mean) * (x - mean)).sum();
            let exceed = thresholds
                .iter()
                .map(|&t| c.iter().filter(|&&x| x > t).count())
                .collect();
            let tail = match pivot {
                Some(p) => c.iter().copied().filter(|&x| x >= p).collect(),
                None => Vec::new(),
            };
            (ss, exceed, tail)
        })
        .collect();
    let ss = parts.iter().map(|p| p.0).sum();
    let mut exceed = vec![0usize; thresholds.len()];
    for part in &parts {
        for (e, k) in exceed.iter_mut().zip(&part.1) {
            *e += k;
        }
    }
    let kept: usize = parts.iter().map(|p| p.2.len()).sum();
    let tail = if pivot.is_some() && kept >= count {
        let mut tail = Vec::with_capacity(kept);
        for part in &parts {
            tail.extend_from_slice(&part.2);
        }
        let start = tail.len() - count;
        if start > 0 {
            tail.select_nth_unstable_by(start, f64::total_cmp);
        }
        tail.drain(..start);
        tail
    } else {
        let mut all = xs.to_vec();
        let start = xs.len() - count;
        if start > 0 {
            all.select_nth_unstable_by(start, f64::total_cmp);
        }
        all.split_off(start)
    };
    SecondPass { ss, exceed, tail }
}

/// A value at or below the `count`-th largest of `xs` with near certainty, from a strided
/// subsample (None when the tail is not small: then it is selected in a full copy).
fn tail_pivot(xs: &[f64], count: usize) -> Option<f64> {
    let n = xs.len();
    if !(count * 4 < n && n >= 1 << 14) {
        return None;
    }
    let stride = n / 8192;
    let mut sub: Vec<f64> = xs.iter().step_by(stride).copied().collect();
    sub.sort_unstable_by(f64::total_cmp);
    let m = sub.len() as f64;
    let q = count as f64 / n as f64;
    let margin = 4.0 * (m * q * (1.0 - q)).sqrt() + 8.0;
    let idx = (m * (1.0 - q) - margin).floor();
    (idx > 0.0).then(|| sub[idx as usize])
}

/// Smallest 1-based rank k with k/n ≥ p: the empirical lower quantile is the k-th order statistic.
fn quantile_rank(n: usize, p: f64) -> usize {
    let nf = n as f64;
    let mut k = ((nf * p).ceil() as usize).clamp(1, n);
    while k > 1 && (k - 1) as f64 / nf >= p {
        k -= 1;
    }
    while k < n && (k as f64) / nf < p {
        k += 1;
    }
    k
}

/// Σ f(x) over fixed-size chunks summed in order: deterministic for any thread count.
fn chunked_sum(xs: &[f64], f: impl Fn(f64) -> f64 + Sync) -> f64 {
    let partial: Vec<f64> = xs
        .par_chunks(SUM_CHUNK)
        .map(|c| c.iter().map(|&x| f(x)).sum())
        .collect();
    partial.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_sample() {
        // 10 losses: 1..=10.
        let xs: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        let s = LossStats::from_sample(&xs, &[0.5, 0.9, 0.95], &[7.0, 10.0, 0.0]);
        assert_eq!(s.mean, 5.5);
        assert!((s.std - (55.0f64 / 6.0).sqrt()).abs() < 1e-12);
        // Lower quantile: inf{x : F(x) ≥ p}; F(5) = 0.5, F(9) = 0.9, F(10) = 1.
        assert_eq!(s.var[0].value, 5.0);
        assert_eq!(s.var[1].value, 9.0);
        assert_eq!(s.var[2].value, 10.0);
        // TVaR50 = 5 + E[(L − 5)+]/0.5 = 5 + (1+2+3+4+5)/10/0.5 = 8.
        assert!((s.tvar[0].value - 8.0).abs() < 1e-12);
        // TVaR90 = 9 + (1/10)/0.1 = 10.
        assert!((s.tvar[1].value - 10.0).abs() < 1e-12);
        assert_eq!(s.exceedance[0].probability, 0.3);
        assert_eq!(s.exceedance[1].probability, 0.0);
        assert_eq!(s.exceedance[2].probability, 1.0);
    }

    #[test]
    fn ranks_are_exact_for_decimal_levels() {
        assert_eq!(quantile_rank(1_000_000, 0.99), 990_000);
        assert_eq!(quantile_rank(1_000_000, 0.999), 999_000);
        assert_eq!(quantile_rank(1_000, 0.995), 995);
        assert_eq!(quantile_rank(3, 0.5), 2);
        assert_eq!(quantile_rank(1, 0.999), 1);
    }

    #[test]
    fn upper_tail_equals_the_sorted_top() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        // Heavy ties at zero, like a compound loss with P(N = 0) > 0.
        let xs: Vec<f64> = (0..100_000)
            .map(|_| {
                let u: f64 = rng.random();
                if u < 0.45 {
                    0.0
                } else {
                    (1.0 / (1.0 - u)).powi(2)
                }
            })
            .collect();
        let mut sorted = xs.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        for count in [1, 10, 1_000, 10_001, 24_999, 60_000, 100_000] {
            let mut tail = second_pass(&xs, 0.0, &[], count).tail;
            tail.sort_unstable_by(f64::total_cmp);
            assert_eq!(tail, sorted[100_000 - count..], "count {count}");
        }
    }

    #[test]
    fn single_trial_is_its_own_everything() {
        let s = LossStats::from_sample(&[42.0], &[0.9], &[41.0]);
        assert_eq!((s.mean, s.std), (42.0, 0.0));
        assert_eq!(s.var[0].value, 42.0);
        assert_eq!(s.tvar[0].value, 42.0);
    }
}
