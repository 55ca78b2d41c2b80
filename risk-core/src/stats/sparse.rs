//! Statistics of a sample that is mostly zeros, from its non-zero values alone: a firm's insured
//! years are zero in most simulated years, so reading only the years with a loss makes the cost
//! follow the simulated events, not the trials.

use super::{Exceedance, LevelValue, LossStats, quantile_rank, tvar_above};

impl LossStats {
    /// Statistics of `n` simulated years of which all but `nonzero` are zero (`nonzero` holds
    /// the others, each > 0): the definitions and standard errors of
    /// [`LossStats::from_sample`] on the dense sample (zeros fill the lowest ranks), the sums
    /// taken over the non-zero years in the order given, so values agree with the dense form to
    /// rounding.
    ///
    /// # Panics
    /// If `n` is 0, `nonzero` has more than `n` values, or a level is outside (0, 1).
    pub fn from_sparse(n: usize, nonzero: &[f64], levels: &[f64], thresholds: &[f64]) -> Self {
        assert!(
            n > 0 && nonzero.len() <= n,
            "a sample needs at least one trial"
        );
        let nf = n as f64;
        let zeros = n - nonzero.len();
        let mean = nonzero.iter().sum::<f64>() / nf;
        let ss = nonzero
            .iter()
            .map(|&x| (x - mean) * (x - mean))
            .sum::<f64>()
            + zeros as f64 * mean * mean;
        let std = if n > 1 { (ss / (nf - 1.0)).sqrt() } else { 0.0 };
        let mut sorted = nonzero.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        // Rank r (1-based) of the dense sample: zero up to `zeros`, then the sorted non-zeros.
        let order = |r: usize| {
            if r <= zeros {
                0.0
            } else {
                sorted[r - 1 - zeros]
            }
        };
        let mut var = Vec::with_capacity(levels.len());
        let mut tvar = Vec::with_capacity(levels.len());
        for &p in levels {
            assert!(p > 0.0 && p < 1.0, "level {p} outside (0, 1)");
            let k = quantile_rank(n, p);
            let m = (nf * p * (1.0 - p)).sqrt().round() as usize;
            let (lo, hi) = (k.saturating_sub(m).max(1), (k + m).min(n));
            let v = order(k);
            var.push(LevelValue {
                level: p,
                value: v,
                std_error: Some((order(hi) - order(lo)) / 2.0),
            });
            // (L − v)+ over ranks ≥ k: zeros there add nothing (v is 0 when k is among them).
            let above = &sorted[k.saturating_sub(1 + zeros).min(sorted.len())..];
            tvar.push(tvar_above(above, v, p, nf));
        }
        let exceedance = thresholds
            .iter()
            .map(|&t| {
                let count =
                    nonzero.iter().filter(|&&x| x > t).count() + if t < 0.0 { zeros } else { 0 };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_equals_dense_to_rounding() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        for (n, share) in [
            (100_000, 0.03),
            (50_000, 0.3),
            (20_000, 0.001),
            (1_000, 0.9),
        ] {
            let dense: Vec<f64> = (0..n)
                .map(|_| {
                    let u: f64 = rng.random();
                    if u < share {
                        (1.0 / (1.0 - rng.random::<f64>())).powi(2) * 1e4
                    } else {
                        0.0
                    }
                })
                .collect();
            let nonzero: Vec<f64> = dense.iter().copied().filter(|&x| x > 0.0).collect();
            let levels = [0.5, 0.9, 0.99, 0.995, 0.999];
            let thresholds = [0.0, 1e4, 1e6];
            let a = LossStats::from_sample(&dense, &levels, &thresholds);
            let mut full = dense.clone();
            full.sort_unstable_by(f64::total_cmp);
            // Both are the order statistics of the sorted sample.
            for (v, &p) in a.var.iter().zip(&levels) {
                assert_eq!(
                    v.value,
                    full[super::super::quantile_rank(n, p) - 1],
                    "n {n} level {p}"
                );
            }
            let b = LossStats::from_sparse(n, &nonzero, &levels, &thresholds);
            let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-300);
            assert!(
                close(a.mean, b.mean) && close(a.std, b.std),
                "n {n}: {a:?} vs {b:?}"
            );
            for (x, y) in a.var.iter().zip(&b.var).chain(a.tvar.iter().zip(&b.tvar)) {
                assert!(close(x.value, y.value), "n {n}: {x:?} vs {y:?}");
                assert!(
                    close(x.std_error.unwrap(), y.std_error.unwrap()),
                    "{x:?} vs {y:?}"
                );
            }
            assert_eq!(a.exceedance, b.exceedance);
        }
    }
}
