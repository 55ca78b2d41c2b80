//! Probability generating functions P(z) = E[z^N] of the frequency distributions, evaluated at
//! the (tilted) discrete Fourier transform of a discretised severity, where |z| < 1.

use rustfft::num_complex::Complex64;

use super::ExactError;
use super::gauss::{GaussRule, mixture_rule};
use crate::dist::{Frequency, Severity};

/// A frequency's generating function in a form that is cheap to evaluate at many points.
#[derive(Debug, Clone)]
pub(crate) enum Pgf {
    /// Poisson(λ): P(z) = exp(λ(z − 1)).
    Poisson { lambda: f64 },
    /// Negative binomial with mean m and dispersion r: P(z) = (1 − (m/r)(z − 1))^(−r), taken as
    /// exp(−r ln(1 + (m/r)(1 − z))) with the principal logarithm: Re(1 + (m/r)(1 − z)) ≥ 1 on
    /// the unit disc, so no branch cut is crossed.
    NegBin { r: f64, beta: f64 },
    /// Mixed Poisson with mixing variable Λ: P(z) = E[exp(Λ(z − 1))] ≈ Σ wᵢ exp(λᵢ(z − 1)), a
    /// Gauss rule of Λ (see `gauss`); `bound` bounds the rule's error on the unit disc.
    Mixed { rule: GaussRule, bound: f64 },
}

impl Pgf {
    /// The generating function of `f`; `peril` is the peril's index, for error messages.
    ///
    /// # Errors
    /// [`ExactError::Unsupported`] for a FAIR frequency whose TEF or vulnerability is not PERT,
    /// or whose TEF × V range needs more quadrature nodes than allowed.
    pub(crate) fn new(f: &Frequency, peril: usize) -> Result<Self, ExactError> {
        Ok(match f {
            Frequency::Poisson(p) => Pgf::Poisson { lambda: p.mean() },
            Frequency::NegativeBinomial(nb) => Pgf::NegBin {
                r: nb.dispersion(),
                beta: nb.mean() / nb.dispersion(),
            },
            Frequency::Fair(fair) => {
                let (Severity::Pert(t), Severity::Pert(v)) = (fair.tef(), fair.vulnerability())
                else {
                    return Err(ExactError::Unsupported {
                        field: format!("perils[{peril}].fair"),
                        what: "the exact method needs tef and vulnerability as pert distributions \
                               (bounded, so that E[exp(TEF·V·(z − 1))] has a quadrature with a \
                               proven error); use --method monte-carlo"
                            .into(),
                    });
                };
                let (rule, bound) = mixture_rule(t, v).ok_or_else(|| ExactError::Unsupported {
                    field: format!("perils[{peril}].fair.tef"),
                    what: "tef × vulnerability spans too wide a range for the exact method's \
                           quadrature; use --method monte-carlo"
                        .into(),
                })?;
                Pgf::Mixed { rule, bound }
            }
        })
    }

    /// P(z) for |z| ≤ 1.
    #[inline]
    pub(crate) fn eval(&self, z: Complex64) -> Complex64 {
        match self {
            Pgf::Poisson { lambda } => cexp((z - 1.0) * *lambda),
            Pgf::NegBin { r, beta } => {
                cexp((Complex64::new(1.0, 0.0) + (1.0 - z) * *beta).ln() * -*r)
            }
            Pgf::Mixed { rule, .. } => {
                let w = z - 1.0;
                rule.nodes
                    .iter()
                    .zip(&rule.weights)
                    .map(|(&l, &p)| cexp(w * l) * p)
                    .sum()
            }
        }
    }

    /// Error bound of [`Pgf::eval`] from quadrature (0 for closed forms).
    pub(crate) fn quadrature_bound(&self) -> f64 {
        match self {
            Pgf::Mixed { bound, .. } => *bound,
            _ => 0.0,
        }
    }
}

/// e^z = e^(Re z) (cos Im z + i sin Im z). Arguments here are mostly small (|Im z| ≤ λ|φ|),
/// where [`sin_cos_small`] replaces the library's `sin_cos` (which costs about five times as much:
/// it reduces arguments of any size and rounds correctly).
#[inline]
fn cexp(z: Complex64) -> Complex64 {
    let (sin, cos) = if z.im.abs() <= std::f64::consts::FRAC_PI_4 {
        sin_cos_small(z.im)
    } else {
        z.im.sin_cos()
    };
    let r = z.re.exp();
    Complex64::new(r * cos, r * sin)
}

/// (sin x, cos x) for |x| ≤ π/4 by their Taylor series to x¹⁵ and x¹⁶: the first omitted terms
/// are below (π/4)¹⁷/17! < 5e-17 and (π/4)¹⁸/18! < 3e-18, so the error is the rounding of the
/// Horner sums, about an ulp.
#[inline]
fn sin_cos_small(x: f64) -> (f64, f64) {
    // (−1)^k/(2k + 1)! and (−1)^k/(2k)!, k ≥ 1.
    const S: [f64; 7] = [
        -1.0 / 6.0,
        1.0 / 120.0,
        -1.0 / 5040.0,
        1.0 / 362_880.0,
        -1.0 / 39_916_800.0,
        1.0 / 6_227_020_800.0,
        -1.0 / 1_307_674_368_000.0,
    ];
    const C: [f64; 8] = [
        -1.0 / 2.0,
        1.0 / 24.0,
        -1.0 / 720.0,
        1.0 / 40_320.0,
        -1.0 / 3_628_800.0,
        1.0 / 479_001_600.0,
        -1.0 / 87_178_291_200.0,
        1.0 / 20_922_789_888_000.0,
    ];
    let x2 = x * x;
    let s = S.iter().rev().fold(0.0, |acc, &c| acc * x2 + c);
    let c = C.iter().rev().fold(0.0, |acc, &c| acc * x2 + c);
    (x + x * x2 * s, 1.0 + x2 * c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sin_cos_matches_the_library() {
        for i in -1000..=1000 {
            let x = std::f64::consts::FRAC_PI_4 * f64::from(i) / 1000.0;
            let (s, c) = sin_cos_small(x);
            assert!(
                (s - x.sin()).abs() <= 2.0 * f64::EPSILON * x.abs(),
                "sin {x}"
            );
            assert!((c - x.cos()).abs() <= 2.0 * f64::EPSILON, "cos {x}");
        }
    }

    #[test]
    fn closed_forms_at_known_points() {
        let p = Pgf::new(&Frequency::poisson(0.8).unwrap(), 0).unwrap();
        assert!((p.eval(Complex64::new(0.0, 0.0)).re - (-0.8f64).exp()).abs() < 1e-16);
        let nb = Pgf::new(&Frequency::negative_binomial(2.0, 1.5).unwrap(), 0).unwrap();
        // P(N = 0) = (1 + m/r)^(−r).
        let want = (1.0 + 2.0 / 1.5f64).powf(-1.5);
        assert!((nb.eval(Complex64::new(0.0, 0.0)).re - want).abs() < 1e-15);
        assert!((nb.eval(Complex64::new(1.0, 0.0)).re - 1.0).abs() < 1e-15);
    }

    /// References: E[exp(TEF·V·(z − 1))] by nested adaptive quadrature against the two Beta
    /// densities (scipy.integrate.quad, tolerance 1e-14) for W2's TEF ~ PERT(0.1, 0.5, 2),
    /// V ~ PERT(0.2, 0.4, 0.7).
    #[test]
    fn fair_mixture_matches_nested_quadrature() {
        let f = Frequency::fair(
            Severity::pert(0.1, 0.5, 2.0).unwrap(),
            Severity::pert(0.2, 0.4, 0.7).unwrap(),
        )
        .unwrap();
        let p = Pgf::new(&f, 0).unwrap();
        for (z, want) in [
            (
                Complex64::new(0.0, 0.0),
                Complex64::new(0.760_927_129_894_538_8, 0.0),
            ),
            (
                Complex64::new(-1.0, 0.0),
                Complex64::new(0.591_274_872_251_143, 0.0),
            ),
            (
                Complex64::new(0.3, 0.9),
                Complex64::new(0.793_066_642_673_974_4, 0.195_266_255_031_846_3),
            ),
        ] {
            let got = p.eval(z);
            assert!((got - want).norm() < 1e-14, "{z}: {got} vs {want}");
        }
    }
}
