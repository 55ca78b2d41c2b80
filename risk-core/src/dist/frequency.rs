//! Annual event-count (frequency) distributions.

use rand::Rng;
use rand_distr::{Distribution, Gamma, Poisson};

use super::{DistError, Severity, positive};

/// Largest expected number of events a year a peril may have: keeps one simulated year bounded.
pub const MAX_FREQUENCY_MEAN: f64 = 1.0e6;

/// Poisson means up to this use table inversion; larger ones `rand_distr`'s PTRS sampler.
const TABLE_MAX_MEAN: f64 = 32.0;

/// The number of events N in one year. All variants are Poisson or mixed Poisson.
#[derive(Debug, Clone)]
pub enum Frequency {
    /// N ~ Poisson(mean).
    Poisson(PoissonFreq),
    /// N ~ NegBin with E[N] = mean and Var[N] = mean + mean²/dispersion.
    NegativeBinomial(NegBinFreq),
    /// FAIR's loss-event frequency, Poisson(TEF × V) with TEF and V drawn once a year.
    Fair(FairFreq),
}

/// N ~ Poisson(λ), sampled by inversion of a precomputed CDF table for λ ≤ 32 (one uniform and
/// about λ + 1 comparisons a draw), otherwise by `rand_distr`'s rejection sampler.
#[derive(Debug, Clone)]
pub struct PoissonFreq {
    mean: f64,
    /// P(N ≤ k) for k = 0 … while it is < 1 − 1e-16 (empty above [`TABLE_MAX_MEAN`]).
    cdf: Vec<f64>,
    /// The same as 64-bit fixed point, ⌊P(N ≤ k) × 2⁶⁴⌋ (saturating), compared with a raw
    /// 64-bit draw: U = u/2⁶⁴ < P(N ≤ k) without a float conversion.
    cdf_fixed: Vec<u64>,
    sampler: Poisson<f64>,
}

/// Gamma–Poisson mixture: Λ ~ Gamma(shape r, scale mean/r), N | Λ ~ Poisson(Λ).
#[derive(Debug, Clone)]
pub struct NegBinFreq {
    mean: f64,
    dispersion: f64,
    gamma: Gamma<f64>,
}

/// Per year draw TEF (events a year) and vulnerability V in [0, 1] once, then
/// N | TEF, V ~ Poisson(TEF × V).
#[derive(Debug, Clone)]
pub struct FairFreq {
    tef: Severity,
    vulnerability: Severity,
}

impl Frequency {
    /// Poisson with the given mean (> 0, events a year).
    ///
    /// # Errors
    /// `mean` not finite, not > 0, or above [`MAX_FREQUENCY_MEAN`].
    pub fn poisson(mean: f64) -> Result<Self, DistError> {
        let mean = bounded_mean(mean)?;
        let sampler = Poisson::new(mean).map_err(|e| DistError::invalid("mean", e.to_string()))?;
        let mut cdf = Vec::new();
        if mean <= TABLE_MAX_MEAN {
            // p₀ = e^(−λ), p_{k+1} = p_k λ/(k + 1).
            let (mut p, mut c) = ((-mean).exp(), 0.0);
            let mut k = 0.0;
            while c < 1.0 - 1e-16 && cdf.len() < 1024 {
                c += p;
                cdf.push(c);
                k += 1.0;
                p *= mean / k;
            }
        }
        // 2⁶⁴ × c saturates to u64::MAX for c ≥ 1 − 2⁻⁵³; the draw of u64::MAX then falls through
        // to the recurrence, which returns the right k.
        let cdf_fixed = cdf
            .iter()
            .map(|&c| (c * 18_446_744_073_709_551_616.0) as u64)
            .collect();
        Ok(Frequency::Poisson(PoissonFreq {
            mean,
            cdf,
            cdf_fixed,
            sampler,
        }))
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
        Ok(Frequency::NegativeBinomial(NegBinFreq {
            mean,
            dispersion,
            gamma,
        }))
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
        Ok(Frequency::Fair(FairFreq { tef, vulnerability }))
    }

    /// E[N], events a year.
    pub fn mean(&self) -> f64 {
        match self {
            Frequency::Poisson(p) => p.mean,
            Frequency::NegativeBinomial(nb) => nb.mean,
            Frequency::Fair(f) => f.tef.mean() * f.vulnerability.mean(),
        }
    }

    /// Var(N): λ for Poisson; mean + mean²/r for NegBin; E[Λ] + Var(Λ) for FAIR's Λ = TEF·V,
    /// Var(Λ) = E[TEF²]E[V²] − (E[TEF]E[V])².
    pub fn variance(&self) -> f64 {
        match self {
            Frequency::Poisson(p) => p.mean,
            Frequency::NegativeBinomial(nb) => nb.mean + nb.mean * nb.mean / nb.dispersion,
            Frequency::Fair(f) => {
                let m = self.mean();
                m + f.tef.second_moment() * f.vulnerability.second_moment() - m * m
            }
        }
    }

    /// Draws one year's event count.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            Frequency::Poisson(p) => p.sample(rng),
            Frequency::NegativeBinomial(nb) => nb.sample(rng),
            Frequency::Fair(f) => f.sample(rng),
        }
    }
}

impl Distribution<u64> for PoissonFreq {
    #[inline(always)]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let Some(&p0) = self.cdf_fixed.first() else {
            return self.sampler.sample(rng) as u64;
        };
        let bits = rng.next_u64();
        if bits < p0 {
            return 0; // the common case for cyber frequencies
        }
        match self.cdf_fixed.iter().position(|&c| bits < c) {
            Some(k) => k as u64,
            // u beyond the table (probability < 1e-16): continue the recurrence.
            None => {
                let u = bits as f64 / 18_446_744_073_709_551_616.0;
                let mut k = self.cdf.len() as f64;
                let mut c = self.cdf[self.cdf.len() - 1];
                let mut p = (-self.mean + (k - 1.0) * self.mean.ln() - ln_factorial(k - 1.0)).exp();
                while u >= c && p > 0.0 {
                    p *= self.mean / k;
                    c += p;
                    k += 1.0;
                }
                (k - 1.0) as u64
            }
        }
    }
}

impl Distribution<u64> for NegBinFreq {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        poisson_draw(self.gamma.sample(rng), rng)
    }
}

impl Distribution<u64> for FairFreq {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let lambda = self.tef.sample(rng) * self.vulnerability.sample(rng);
        poisson_draw(lambda, rng)
    }
}

impl Distribution<u64> for Frequency {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        Frequency::sample(self, rng)
    }
}

/// Parameters, for engines that work with the distribution rather than draws from it.
impl NegBinFreq {
    /// E[N], events a year.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Dispersion r: Var[N] = mean + mean²/r.
    pub fn dispersion(&self) -> f64 {
        self.dispersion
    }
}

impl PoissonFreq {
    /// E[N] = λ, events a year.
    pub fn mean(&self) -> f64 {
        self.mean
    }
}

impl FairFreq {
    /// Threat-event frequency (events a year), drawn once a year.
    pub fn tef(&self) -> &Severity {
        &self.tef
    }

    /// Vulnerability: the probability that a threat event becomes a loss event.
    pub fn vulnerability(&self) -> &Severity {
        &self.vulnerability
    }
}

/// ln k! (only used far in a Poisson tail).
fn ln_factorial(k: f64) -> f64 {
    statrs::function::gamma::ln_gamma(k + 1.0)
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

/// One Poisson(λ) draw for a λ that changes every year.
///
/// For λ ≤ [`TABLE_MAX_MEAN`] (all but extreme inputs) by sequential inversion of one uniform:
/// exactly one 64-bit draw whatever λ is, and a count monotone in λ for a given draw, which keeps
/// common random numbers coupled across counterfactuals. λ = 0 gives 0.
#[inline]
fn poisson_draw<R: Rng + ?Sized>(lambda: f64, rng: &mut R) -> u64 {
    if lambda <= TABLE_MAX_MEAN {
        let u = (rng.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0); // [0, 1)
        let mut p = (-lambda.max(0.0)).exp();
        let mut c = p;
        let mut k = 0u64;
        while u >= c && p > 0.0 {
            k += 1;
            p *= lambda / k as f64;
            c += p;
        }
        k
    } else {
        Poisson::new(lambda).map_or(0, |p| p.sample(rng) as u64)
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
            Frequency::poisson(3.0).unwrap(),
            Frequency::negative_binomial(2.0, 1.5).unwrap(),
            Frequency::negative_binomial(0.05, 2.0).unwrap(),
            Frequency::negative_binomial(60.0, 3.0).unwrap(),
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
