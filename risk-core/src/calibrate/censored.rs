//! Insurer claims: amounts net of a deductible and capped at a limit. A claim is reported only
//! when its ground-up amount X exceeds the deductible D (left truncation), and the insurer pays
//! min(X − D, M) (right censoring at the occurrence limit M). Fitting such amounts as if they
//! were ground-up biases the claim size down twice: small claims are missing, and large ones are
//! cut at the limit.
//!
//! The likelihood of one reported claim with payment y, under the model's peril mix w_k = λ_k/λ
//! and spliced severities (survival S_k, density f_k, both in currency units), is
//!
//! * y < M (observed): ℓ = ln Σ_k w_k f_k(D + y) − ln Σ_k w_k S_k(D);
//! * y ≥ M (censored): ℓ = ln Σ_k w_k S_k(D + M) − ln Σ_k w_k S_k(D).
//!
//! The severity is the model's own: lognormal body, generalised Pareto tail above the splice
//! point u_k (the body's `tail_quantile`). The tail is used as the model states it, not refitted:
//! a limit below u_k makes the tail enter only through S_k(D + M), which equals the body's
//! survival there, and a payment above u_k is scored on the GPD density. Every factor scales the
//! whole spliced severity of a peril (median, splice point and GPD scale together), so with
//! δ_k = ln(scale of peril k) the derivatives are exact: ∂S_k(x)/∂δ_k = x f_k(x), and
//! ∂f_k(x)/∂δ_k = f_k(x) (ln x − ln median_k)/σ_k² in the body,
//! f_k(x) ((1 + ξ) x/(β + ξ(x − u)) − 1) in the tail.
//!
//! The reported claim count is thinned alike: E[reported claims] = t Σ_k λ_k S_k(D).

use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::erf::erfc;

use crate::params::ModelParams;
use crate::vocab::PERILS;

/// A claims row's policy terms, in the row's currency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClaimTerms {
    /// Deductible (retention) per claim, ≥ 0: claims with a ground-up amount at or below it are
    /// neither reported nor counted.
    pub deductible: f64,
    /// Most paid on one claim, > 0 (infinite: no limit): a payment at the limit is censored.
    pub limit: f64,
}

/// The spliced severity of one peril at a given median (see [`crate::dist::Severity`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Spliced {
    /// ln median.
    mu: f64,
    sigma: f64,
    /// Splice point u.
    u: f64,
    /// GPD scale β = p_u / f_body(u).
    beta: f64,
    /// GPD shape ξ.
    xi: f64,
    /// Tail mass p_u = 1 − tail_quantile.
    pu: f64,
}

/// What a peril's spliced severity shares at every median: σ, the splice point's distance above
/// the median and the tail's shape. Computed once per parameter set (Φ⁻¹ of the tail quantile is
/// the costly part), then placed at each row's median by [`Tail::at`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Tail {
    sigma: f64,
    /// ln(u/median) = σ z_q, z_q = Φ⁻¹(tail_quantile).
    splice: f64,
    /// β/u = p_u / (u f_body(u)) = p_u σ √(2π) e^{z_q²/2} (β the GPD scale).
    beta_per_u: f64,
    xi: f64,
    pu: f64,
}

impl Tail {
    /// Peril k's tail under `params`.
    pub(super) fn of(k: usize, params: &ModelParams) -> Self {
        let p = &params.perils[k];
        let z = Normal::standard().inverse_cdf(p.tail_quantile);
        let pu = 1.0 - p.tail_quantile;
        Tail {
            sigma: p.sigma,
            splice: p.sigma * z,
            beta_per_u: pu * p.sigma * (2.0 * std::f64::consts::PI).sqrt() * (0.5 * z * z).exp(),
            xi: p.tail_shape,
            pu,
        }
    }

    /// The spliced severity at ln median `mu`.
    pub(super) fn at(&self, mu: f64) -> Spliced {
        let u = (mu + self.splice).exp();
        Spliced {
            mu,
            sigma: self.sigma,
            u,
            beta: self.beta_per_u * u,
            xi: self.xi,
            pu: self.pu,
        }
    }
}

impl Spliced {
    /// Peril k's severity at median `median` (currency units).
    #[cfg(test)]
    pub(super) fn new(median: f64, k: usize, params: &ModelParams) -> Self {
        Tail::of(k, params).at(median.ln())
    }

    /// P(X > x).
    pub(super) fn sf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 1.0;
        }
        if x <= self.u {
            return 0.5 * erfc((x.ln() - self.mu) / (self.sigma * std::f64::consts::SQRT_2));
        }
        self.pu * self.gpd_sf(x - self.u)
    }

    fn gpd_sf(&self, y: f64) -> f64 {
        if self.xi == 0.0 {
            (-y / self.beta).exp()
        } else {
            let t = 1.0 + self.xi * y / self.beta;
            if t <= 0.0 {
                0.0
            } else {
                t.powf(-1.0 / self.xi)
            }
        }
    }

    /// (f(x), ∂f(x)/∂δ): the density and its derivative in the log scale δ of the severity.
    pub(super) fn density(&self, x: f64) -> (f64, f64) {
        if x <= 0.0 {
            return (0.0, 0.0);
        }
        if x <= self.u {
            let z = (x.ln() - self.mu) / self.sigma;
            let f = (-0.5 * z * z).exp() / ((2.0 * std::f64::consts::PI).sqrt() * self.sigma * x);
            return (f, f * z / self.sigma);
        }
        let y = x - self.u;
        let t = self.beta + self.xi * y;
        if t <= 0.0 {
            return (0.0, 0.0);
        }
        let f = self.pu / self.beta * self.gpd_sf(y) * self.beta / t;
        (f, f * ((1.0 + self.xi) * x / t - 1.0))
    }
}

/// A row's peril mix for the severity likelihood: per peril, the weight w_k (or λ_k for the
/// thinning) and the spliced severity at the row's median.
pub(super) type Mix = [Option<(f64, Spliced)>; PERILS];

/// Σ_k w_k S_k(D): the probability a claim exceeds the deductible (weights summing to 1), or
/// the reported claims a year (weights λ_k).
pub(super) fn reported(mix: &Mix, deductible: f64) -> f64 {
    mix.iter()
        .flatten()
        .map(|(w, s)| w * s.sf(deductible))
        .sum()
}

/// One reported claim's log-likelihood ℓ (module docs) and ∂ℓ/∂δ_k per peril.
pub(super) fn claim(mix: &Mix, terms: ClaimTerms, paid: f64) -> (f64, [f64; PERILS]) {
    let d = terms.deductible;
    let mut score = [0.0; PERILS];
    // Conditioning on a reported claim: − ln Σ w_k S_k(D) and its derivative.
    let (mut below, mut below_d) = (0.0, [0.0; PERILS]);
    for (k, (w, s)) in mix
        .iter()
        .enumerate()
        .filter_map(|(k, m)| m.map(|m| (k, m)))
    {
        below += w * s.sf(d);
        below_d[k] = if d > 0.0 { w * d * s.density(d).0 } else { 0.0 };
    }
    let below = below.max(f64::MIN_POSITIVE);
    let censored = paid >= terms.limit * (1.0 - 1e-9);
    let (mut top, mut top_d) = (0.0, [0.0; PERILS]);
    for (k, (w, s)) in mix
        .iter()
        .enumerate()
        .filter_map(|(k, m)| m.map(|m| (k, m)))
    {
        if censored {
            let x = d + terms.limit;
            top += w * s.sf(x);
            top_d[k] = w * x * s.density(x).0;
        } else {
            let (f, df) = s.density(d + paid);
            top += w * f;
            top_d[k] = w * df;
        }
    }
    let top = top.max(f64::MIN_POSITIVE);
    for k in 0..PERILS {
        score[k] = top_d[k] / top - below_d[k] / below;
    }
    (top.ln() - below.ln(), score)
}

/// The residual q of one payment for the σ check: z² with z = Φ⁻¹(F(D + y | X > D)) the payment's
/// probability integral transform under the truncated model, and for a payment at the limit the
/// conditional mean of z² beyond its censoring point c, E[z² | z > c] = 1 + c φ(c)/(1 − Φ(c))
/// (dropping censored payments would truncate the transforms and bias the check). E q = 1 when
/// the model's severity, σ included, is right.
pub(super) fn residual(mix: &Mix, terms: ClaimTerms, paid: f64) -> Option<f64> {
    let censored = paid >= terms.limit * (1.0 - 1e-9);
    let below = reported(mix, terms.deductible);
    if below <= 0.0 {
        return None;
    }
    let top = if censored { terms.limit } else { paid };
    let above = reported(mix, terms.deductible + top);
    let u = (1.0 - above / below).clamp(1e-12, 1.0 - 1e-12);
    let n = Normal::standard();
    let z = n.inverse_cdf(u);
    Some(if censored {
        let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        1.0 + z * density / (1.0 - u)
    } else {
        z * z
    })
}

/// Expected payment of a reported claim: Σ w_k (π_k(D) − π_k(D + M)) / Σ w_k S_k(D), π the
/// stop-loss transform E[(X − a)+], by the midpoint rule on ln x over (D, D + M) of the survival
/// (E[min(X − D, M) | X > D] = ∫_D^{D+M} S(x) dx / S(D)).
pub(super) fn expected_payment(mix: &Mix, terms: ClaimTerms) -> f64 {
    const N: usize = 64;
    let d = terms.deductible;
    let below = reported(mix, d);
    if below <= 0.0 {
        return 0.0;
    }
    // ∫ S(x) dx with x = D + e^s − 1 from s = 0 to ln(1 + M), capped at a large multiple of the
    // largest median where the limit is infinite (the tails have finite means: ξ < 1).
    let top = mix
        .iter()
        .flatten()
        .map(|(_, s)| s.u * 1e3)
        .fold(0.0, f64::max);
    let span = terms.limit.min(top);
    let end = span.ln_1p();
    let h = end / N as f64;
    let mut integral = 0.0;
    for j in 0..N {
        let s = (j as f64 + 0.5) * h;
        let x = d + s.exp_m1();
        integral += reported(mix, x) * s.exp() * h;
    }
    integral / below
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{DEFAULT_MODEL, ModelParams};

    fn mix(params: &ModelParams, shift: [f64; PERILS]) -> Mix {
        let medians = [27e3, 18e3, 50e3, 60e3, 250e3];
        std::array::from_fn(|k| {
            (k < medians.len()).then(|| {
                (
                    0.2 + 0.1 * k as f64,
                    Spliced::new(medians[k] * shift[k].exp(), k, params),
                )
            })
        })
    }

    /// The per-peril scores are the derivatives of ℓ: central differences agree, for observed
    /// payments in the body and the tail and for a censored one.
    #[test]
    fn scores_are_the_derivatives_of_the_likelihood() {
        let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
        let total: f64 = (0..PERILS.min(5)).map(|k| 0.2 + 0.1 * k as f64).sum();
        let norm = |mut m: Mix| {
            m.iter_mut().flatten().for_each(|(w, _)| *w /= total);
            m
        };
        let terms = ClaimTerms {
            deductible: 25e3,
            limit: 2e6,
        };
        for paid in [5e3, 3e5, 1.5e6, 2e6] {
            let (_, score) = claim(&norm(mix(&params, [0.0; PERILS])), terms, paid);
            for k in 0..PERILS.min(5) {
                let h = 1e-5;
                let mut up = [0.0; PERILS];
                up[k] = h;
                let mut down = [0.0; PERILS];
                down[k] = -h;
                let numeric = (claim(&norm(mix(&params, up)), terms, paid).0
                    - claim(&norm(mix(&params, down)), terms, paid).0)
                    / (2.0 * h);
                assert!(
                    (numeric - score[k]).abs() < 1e-5 * (1.0 + numeric.abs()),
                    "paid {paid}, peril {k}: {numeric} vs {}",
                    score[k]
                );
            }
        }
    }

    /// The spliced survival function is the model's ([`crate::dist::Severity::sf`]) and the
    /// density integrates it: −dS/dx = f.
    #[test]
    fn survival_and_density_are_the_models() {
        let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
        for k in 0..5 {
            let s = Spliced::new(40e3, k, &params);
            let model = crate::exposure::severity(40e3, k, &params);
            for x in [1e3, 4e4, 1e6, 2e7, 3e8] {
                let (a, b) = (s.sf(x), model.sf(x));
                assert!(
                    (a - b).abs() < 1e-9 + 1e-7 * b,
                    "peril {k} at {x}: {a} vs {b}"
                );
                let h = x * 1e-6;
                let f = (s.sf(x - h) - s.sf(x + h)) / (2.0 * h);
                let d = s.density(x).0;
                assert!(
                    (f - d).abs() < 1e-5 * d + 1e-300,
                    "peril {k} at {x}: {f} vs {d}"
                );
            }
        }
    }
}
