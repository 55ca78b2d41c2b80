//! Annual event-count (frequency) distributions.

use rand::Rng;
use rand_distr::{Distribution, Gamma, Poisson};

use super::{DistError, Severity, positive};

/// Largest expected number of events a year a peril may have: keeps one simulated year bounded.
pub const MAX_FREQUENCY_MEAN: f64 = 1.0e6;

/// The number of events N in one year. All variants are Poisson or mixed Poisson.
#[derive(Debug, Clone)]
pub enum Frequency {
    /// N ~ Poisson(mean).
    Poisson {
        /// λ, events a year.
        mean: f64,
        /// Precomputed sampler.
        sampler: Poisson<f64>,
    },
    /// N ~ NegBin with E[N] = mean and Var[N] = mean + mean²/dispersion, sampled as the
    /// gamma–Poisson mixture Λ ~ Gamma(shape r, scale mean/r), N | Λ ~ Poisson(Λ).
    NegativeBinomial {
        /// E[N], events a year.
        mean: f64,
        /// r > 0; r → ∞ is Poisson.
        dispersion: f64,
        /// Λ's sampler.
        gamma: Gamma<f64>,
    },
    /// FAIR's loss-event frequency: per year draw TEF (events a year) and vulnerability V in
    /// [0, 1] once, then N | TEF, V ~ Poisson(TEF × V).
    Fair {
        /// Threat-event frequency distribution.
        tef: Box<Severity>,
        /// Vulnerability (probability a threat event becomes a loss event), support in [0, 1].
        vulnerability: Box<Severity>,
    },
}

impl Frequency {
    /// Poisson with the given mean (> 0, events a year).
    ///
    /// # Errors
    /// `mean` not finite, not > 0, or above [`MAX_FREQUENCY_MEAN`].
    pub fn poisson(mean: f64) -> Result<Self, DistError> {
        let mean = bounded_mean(mean)?;
        let sampler = Poisson::new(mean).map_err(|e| DistError::invalid("mean", e.to_string()))?;
        Ok(Frequency::Poisson { mean, sampler })
    }

    /// Negative binomial with the given mean and dispersion r (variance = mean + mean²/r).
    ///
    /// # Errors
    /// Non-positive or non-finite `mean` or `dispersion`, or `mean` above [`MAX_FREQUENCY_MEAN`].
    pub fn negative_binomial(mean: f64, dispersion: f64) -> Result<Self, DistError> {
        let mean = bounded_mean(mean)?;
        let dispersion = positive("dispersion", dispersion)?;
        let gamma = Gamma::new(dispersion, mean / dispersion)
            .map_err(|e| DistError::invalid("dispersion", e.to_string()))?;
        Ok(Frequency::NegativeBinomial {
            mean,
            dispersion,
            gamma,
        })
    }

    /// FAIR loss-event frequency from TEF and vulnerability distributions.
    ///
    /// # Errors
    /// `vulnerability` whose support is not inside [0, 1] (as `"vulnerability"`), or a TEF whose
    /// mean exceeds [`MAX_FREQUENCY_MEAN`] (as `"tef"`).
    pub fn fair(tef: Severity, vulnerability: Severity) -> Result<Self, DistError> {
        let (lo, hi) = vulnerability.support();
        if !(lo >= 0.0 && hi <= 1.0) {
            return Err(DistError::invalid(
                "vulnerability",
                "is a probability: its distribution must lie in [0, 1] (use pert with max <= 1)",
            ));
        }
        if !(tef.mean() <= MAX_FREQUENCY_MEAN) {
            return Err(DistError::invalid(
                "tef",
                format!("mean must be <= {MAX_FREQUENCY_MEAN}"),
            ));
        }
        Ok(Frequency::Fair {
            tef: Box::new(tef),
            vulnerability: Box::new(vulnerability),
        })
    }

    /// E[N], events a year.
    pub fn mean(&self) -> f64 {
        match self {
            Frequency::Poisson { mean, .. } | Frequency::NegativeBinomial { mean, .. } => *mean,
            Frequency::Fair { tef, vulnerability } => tef.mean() * vulnerability.mean(),
        }
    }

    /// Var(N): λ for Poisson; mean + mean²/r for NegBin; E[Λ] + Var(Λ) for FAIR's Λ = TEF·V,
    /// Var(Λ) = E[TEF²]E[V²] − (E[TEF]E[V])².
    pub fn variance(&self) -> f64 {
        match self {
            Frequency::Poisson { mean, .. } => *mean,
            Frequency::NegativeBinomial {
                mean, dispersion, ..
            } => mean + mean * mean / dispersion,
            Frequency::Fair { tef, vulnerability } => {
                let m = self.mean();
                m + tef.second_moment() * vulnerability.second_moment() - m * m
            }
        }
    }

    /// Draws one year's event count.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            Frequency::Poisson { sampler, .. } => sampler.sample(rng) as u64,
            Frequency::NegativeBinomial { gamma, .. } => poisson_draw(gamma.sample(rng), rng),
            Frequency::Fair { tef, vulnerability } => {
                let lambda = tef.sample(rng) * vulnerability.sample(rng);
                poisson_draw(lambda, rng)
            }
        }
    }
}

fn bounded_mean(mean: f64) -> Result<f64, DistError> {
    let mean = positive("mean", mean)?;
    if mean > MAX_FREQUENCY_MEAN {
        return Err(DistError::invalid(
            "mean",
            format!("must be <= {MAX_FREQUENCY_MEAN} events a year"),
        ));
    }
    Ok(mean)
}

/// One Poisson(λ) draw for a λ that changes every year; λ = 0 (or an underflow) gives 0.
#[inline]
fn poisson_draw<R: Rng + ?Sized>(lambda: f64, rng: &mut R) -> u64 {
    match Poisson::new(lambda) {
        Ok(p) => p.sample(rng) as u64,
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Sample mean and variance of n draws.
    fn moments(f: &Frequency, n: usize) -> (f64, f64) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let xs: Vec<f64> = (0..n).map(|_| f.sample(&mut rng) as f64).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n as f64 - 1.0);
        (m, v)
    }

    #[test]
    fn sample_moments_match_closed_forms() {
        let cases = [
            Frequency::poisson(0.8).unwrap(),
            Frequency::poisson(40.0).unwrap(),
            Frequency::negative_binomial(2.0, 1.5).unwrap(),
            Frequency::fair(
                Severity::pert(0.1, 0.5, 2.0).unwrap(),
                Severity::pert(0.2, 0.4, 0.7).unwrap(),
            )
            .unwrap(),
        ];
        let n = 400_000;
        for f in &cases {
            let (m, v) = moments(f, n);
            let z = (m - f.mean()) / (f.variance() / n as f64).sqrt();
            assert!(z.abs() < 4.0, "{f:?}: mean {m} vs {}", f.mean());
            assert!((v / f.variance() - 1.0).abs() < 0.05, "{f:?}: var {v}");
        }
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(Frequency::poisson(0.0).is_err());
        assert!(Frequency::poisson(f64::INFINITY).is_err());
        assert!(Frequency::negative_binomial(1.0, 0.0).is_err());
        let lognormal = Severity::lognormal(0.5, 1.0).unwrap();
        let tef = Severity::pert(0.1, 0.5, 2.0).unwrap();
        assert!(Frequency::fair(tef, lognormal).is_err());
    }
}
