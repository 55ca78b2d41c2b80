//! Probability generating functions P(z) = E[z^N] of the frequency distributions, evaluated at
//! the (tilted) discrete Fourier transform of a discretised severity, where |z| < 1.

use realfft::num_complex::Complex64;

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
            Pgf::Poisson { lambda } => ((z - 1.0) * *lambda).exp(),
            Pgf::NegBin { r, beta } => {
                ((Complex64::new(1.0, 0.0) + (1.0 - z) * *beta).ln() * -*r).exp()
            }
            Pgf::Mixed { rule, .. } => {
                let w = z - 1.0;
                rule.nodes
                    .iter()
                    .zip(&rule.weights)
                    .map(|(&l, &p)| (w * l).exp() * p)
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

#[cfg(test)]
mod tests {
    use super::*;

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
