//! Event-driven sampling of a FAIR peril (N ~ Poisson(Λ), Λ = TEF·V with TEF and V drawn once a
//! year): only the years with events are visited, exactly, without P(N = 0) in closed form.
//!
//! # Thinning by the size-biased rate
//! Let f be the law of Λ, m = E[Λ] (≤ ½ here) and g(λ) = λ f(λ)/m its size-biased law. Each year
//! is a *candidate* with probability m, independently (geometric gaps between candidates,
//! G = ⌊ln U / ln(1 − m)⌋). A candidate draws Λ̃ ~ g and becomes an event year with probability
//! (1 − e^{−Λ̃})/Λ̃ ≤ 1. Then
//! - P(event year) = m · E_g[(1 − e^{−Λ̃})/Λ̃] = E_f[1 − e^{−Λ}] = P(N ≥ 1), independently
//!   across years, as in year-by-year sampling;
//! - given an event year, Λ̃ has density ∝ g(λ)(1 − e^{−λ})/λ ∝ f(λ) P(N ≥ 1 | λ), the law of Λ
//!   given N ≥ 1; N is then drawn from Poisson(Λ̃) given N ≥ 1 (inversion of one uniform).
//!
//! So the counts are exactly those of the year-by-year sampler in law, at a cost of about m·T
//! candidates instead of T years.
//!
//! The size-biased law of a product of independent factors is the product of their size-biased
//! laws: Λ̃ = T̃·Ṽ. For a lognormal(μ, σ) the size-biased law is lognormal(μ + σ², σ); for a PERT
//! min + (max − min)·B, B ~ Beta(α, β), x f(x) = min·f(x) + (max − min)·b f(x) makes it the
//! mixture of the PERT itself (weight min/E[X]) and min + (max − min)·Beta(α + 1, β). A TEF with a
//! GPD tail has no such form here: that peril is sampled year by year.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Gamma, StandardNormal};

use crate::dist::{FairFreq, Severity};

/// Above this mean rate Λ a FAIR peril is sampled year by year (a gap saves little, and the
/// candidate probability m must be ≤ 1).
const MAX_CANDIDATE_PROBABILITY: f64 = 0.5;

/// A size-biased factor: X̃ with density x f(x)/E[X].
#[derive(Debug, Clone)]
enum SizeBiased {
    /// exp(μ + σ² + σZ).
    LogNormal { mu: f64, sigma: f64 },
    /// min + (max − min)·B: B ~ Beta(α, β) with probability `plain`, else Beta(α + 1, β); each
    /// Beta as G_a/(G_a + G_b) of gamma draws.
    Pert {
        min: f64,
        range: f64,
        plain: f64,
        alpha: Gamma<f64>,
        alpha1: Gamma<f64>,
        beta: Gamma<f64>,
    },
}

impl SizeBiased {
    fn new(d: &Severity) -> Option<Self> {
        match d {
            Severity::LogNormal(l) => {
                let (mu, sigma) = l.log_params();
                Some(SizeBiased::LogNormal {
                    mu: mu + sigma * sigma,
                    sigma,
                })
            }
            Severity::Pert(p) => {
                let ((min, max), (a, b)) = (p.bounds(), p.shapes());
                Some(SizeBiased::Pert {
                    min,
                    range: max - min,
                    plain: min / d.mean(),
                    alpha: Gamma::new(a, 1.0).ok()?,
                    alpha1: Gamma::new(a + 1.0, 1.0).ok()?,
                    beta: Gamma::new(b, 1.0).ok()?,
                })
            }
            Severity::LogNormalGpd(_) => None,
        }
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            SizeBiased::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            SizeBiased::Pert {
                min,
                range,
                plain,
                alpha,
                alpha1,
                beta,
            } => {
                let ga = if rng.random::<f64>() < *plain {
                    alpha.sample(rng)
                } else {
                    alpha1.sample(rng)
                };
                let gb = beta.sample(rng);
                min + range * (ga / (ga + gb))
            }
        }
    }
}

/// The candidate years of a FAIR peril and the count of an event year (module documentation).
#[derive(Debug, Clone)]
pub(super) struct FairYears {
    /// ln(1 − m), m = E[Λ] the candidate probability.
    pub(super) ln_miss: f64,
    tef: SizeBiased,
    vulnerability: SizeBiased,
}

impl FairYears {
    /// None when the mean rate is above [`MAX_CANDIDATE_PROBABILITY`] or a factor has no
    /// size-biased sampler (a TEF with a GPD tail): the peril is then sampled year by year.
    pub(super) fn new(f: &FairFreq) -> Option<Self> {
        let m = f.tef().mean() * f.vulnerability().mean();
        if !(m > 0.0 && m <= MAX_CANDIDATE_PROBABILITY) {
            return None;
        }
        Some(FairYears {
            ln_miss: (-m).ln_1p(),
            tef: SizeBiased::new(f.tef())?,
            vulnerability: SizeBiased::new(f.vulnerability())?,
        })
    }

    /// A candidate year's event count: 0 when it is thinned out, else N ~ Poisson(Λ̃) given
    /// N ≥ 1, by inversion: the smallest k with Σ_{j=1..k} p_j > U·(1 − e^{−Λ̃}).
    #[inline]
    pub(super) fn count<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let lambda = self.tef.sample(rng) * self.vulnerability.sample(rng);
        let q = -(-lambda).exp_m1(); // 1 − e^{−Λ̃}
        if !(rng.random::<f64>() * lambda < q) {
            return 0;
        }
        let target = rng.random::<f64>() * q;
        let mut p = lambda * (-lambda).exp();
        let (mut k, mut c) = (1u64, p);
        while target >= c && p > 0.0 {
            k += 1;
            p *= lambda / k as f64;
            c += p;
        }
        k
    }
}
