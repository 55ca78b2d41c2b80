//! Loss statistics of an annual-loss distribution, each with its standard error where the
//! distribution was sampled: [`LossStats::from_sample`] for simulated years,
//! [`LossStats::from_distribution`] for a distribution known exactly.

mod check;
mod sparse;

pub use check::{Check, CheckLevel, CheckMoment, CheckThreshold, z_score};

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

        // The sample is read twice: first the mean's sums and the tail's candidates; then the
        // squared deviations and exceedance counts, on the other threads while one selects.
        let (mean_sum, candidates) = first_pass(losses, n - start);
        let mean = mean_sum / nf;
        let ((var, tvar), (ss, exceed)) = rayon::join(
            || {
                let mut tail = upper_tail(losses, n - start, candidates);
                let mut wanted: Vec<usize> =
                    ranks.iter().flat_map(|&(k, lo, hi)| [k, lo, hi]).collect();
                wanted.sort_unstable();
                wanted.dedup();
                // Each selection works on the part above the previous rank (from idx + 1): a
                // selection that included the previous rank could move its value.
                let mut from = 0;
                for r in wanted {
                    let idx = r - 1 - start;
                    tail[from..].select_nth_unstable_by(idx - from, f64::total_cmp);
                    from = idx + 1;
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
                    tvar.push(tvar_above(&tail[k - 1 - start..], v, p, nf));
                }
                (var, tvar)
            },
            || deviations_and_counts(losses, mean, thresholds),
        );
        let std = if n > 1 { (ss / (nf - 1.0)).sqrt() } else { 0.0 };

        let exceedance = thresholds
            .iter()
            .zip(&exceed)
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

/// TVaR_p = v + Σ(x − v)/(n(1 − p)) over `above` (the values at and above VaR `v` of a sample of
/// `nf` years; the rest add nothing), with its error sd((L − v)⁺)/(√n (1 − p)).
fn tvar_above(above: &[f64], v: f64, p: f64, nf: f64) -> LevelValue {
    let s1: f64 = above.iter().map(|x| x - v).sum::<f64>() / nf;
    let s2: f64 = above.iter().map(|x| (x - v) * (x - v)).sum::<f64>() / nf;
    let sd = (s2 - s1 * s1).max(0.0).sqrt();
    LevelValue {
        level: p,
        value: v + s1 / (1.0 - p),
        std_error: Some(sd / (nf.sqrt() * (1.0 - p))),
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

/// Per chunk of [`SUM_CHUNK`] (the chunks' sums added in order: the same for any thread
/// count): the chunk's sum, and its values that
/// may be among the `count` largest of `xs` (those at or above [`tail_pivot`]'s guess; none
/// without one), in order. Returns Σ xs and the candidates, or None without a guess.
fn first_pass(xs: &[f64], count: usize) -> (f64, Option<Vec<f64>>) {
    let pivot = tail_pivot(xs, count);
    let parts: Vec<(f64, Vec<f64>)> = xs
        .par_chunks(SUM_CHUNK)
        .map(|c| {
            let sum: f64 = c.iter().sum();
            let kept = match pivot {
                Some(p) => c.iter().copied().filter(|&x| x >= p).collect(),
                None => Vec::new(),
            };
            (sum, kept)
        })
        .collect();
    let sum = parts.iter().map(|p| p.0).sum();
    let candidates = pivot.map(|_| {
        let mut all = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
        for part in &parts {
            all.extend_from_slice(&part.1);
        }
        all
    });
    (sum, candidates)
}

/// Σ (x − mean)² (summed by chunks like [`first_pass`]) and, per threshold, the number of values above
/// it: tight loops over each chunk, which stays in cache, so the sample is read once.
fn deviations_and_counts(xs: &[f64], mean: f64, thresholds: &[f64]) -> (f64, Vec<usize>) {
    let parts: Vec<(f64, Vec<usize>)> = xs
        .par_chunks(SUM_CHUNK)
        .map(|c| {
            let ss: f64 = c.iter().map(|&x| (x - mean) * (x - mean)).sum();
            let counts = thresholds
                .iter()
                .map(|&t| c.iter().filter(|&&x| x > t).count())
                .collect();
            (ss, counts)
        })
        .collect();
    let ss = parts.iter().map(|p| p.0).sum();
    let mut counts = vec![0usize; thresholds.len()];
    for part in &parts {
        for (e, k) in counts.iter_mut().zip(&part.1) {
            *e += k;
        }
    }
    (ss, counts)
}

/// The `count` largest values of `xs`, in no particular order, from the candidates of
/// [`first_pass`]: selected among them if they are enough, else in a full copy. Either way the
/// result is exact.
fn upper_tail(xs: &[f64], count: usize, candidates: Option<Vec<f64>>) -> Vec<f64> {
    if let Some(mut tail) = candidates.filter(|c| c.len() >= count) {
        let start = tail.len() - count;
        if start > 0 {
            tail.select_nth_unstable_by(start, f64::total_cmp);
        }
        tail.drain(..start);
        return tail;
    }
    let mut all = xs.to_vec();
    let start = xs.len() - count;
    if start > 0 {
        all.select_nth_unstable_by(start, f64::total_cmp);
    }
    all.split_off(start)
}

/// A value at or below the `count`-th largest of `xs` with near certainty, from a strided
/// subsample: a value safely below the tail's start (a 4σ binomial margin) among the sorted
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
            let mut tail = upper_tail(&xs, count, first_pass(&xs, count).1);
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
