//! Gauss quadrature for FAIR's mixed Poisson frequency: the rule of Λ = TEF × V.
//!
//! N ~ Poisson(Λ) with Λ = TEF·V drawn once a year has the generating function
//! P(z) = E[exp(Λ(z − 1))]. A K-point Gauss rule (λᵢ, wᵢ) of Λ's distribution gives
//! P(z) ≈ Σᵢ wᵢ exp(λᵢ(z − 1)), which is exact for every polynomial of degree < 2K in Λ.
//!
//! How the rule is built (no moment is ever formed, so nothing cancels):
//! 1. Gauss–Jacobi rules of K points for TEF and V (both modified PERT, i.e. scaled Beta(α, β)),
//!    from the Jacobi polynomials' three-term recurrence and Golub–Welsch;
//! 2. their tensor product: K² points that reproduce every moment E[TEFⁱ Vʲ], i, j < 2K, hence
//!    every moment E[Λᵏ], k < 2K, exactly;
//! 3. the discretised Stieltjes procedure on that discrete measure gives Λ's recurrence
//!    coefficients, and Golub–Welsch again its K-point Gauss rule.
//!
//! Accuracy: with Λ ∈ [a, b], c = (a + b)/2, R = (b − a)/2 and w = z − 1 (|w| ≤ 2 on the closed
//! unit disc, Re w ≤ 0), exp(Λw) = exp(cw) exp(R w s), s ∈ [−1, 1], |exp(cw)| ≤ 1, and the
//! Chebyshev series exp(ζs) = I₀(ζ) + 2Σ I_k(ζ) T_k(s) with |I_k(ζ)| ≤ I_k(|ζ|). A Gauss rule with
//! positive weights summing to 1 errs by at most twice the best uniform polynomial error, so
//! |P(z) − P_K(z)| ≤ 4 Σ_{k ≥ 2K} I_k(2R), and I_k(x) ≤ (x/2)^k/k! · exp(x²/(4(k + 1))).
//! [`mixture_rule`] takes the smallest K for which this is ≤ [`QUADRATURE_TARGET`].

use crate::dist::ModPert;

/// Bound on |P(z) − P_K(z)| over the closed unit disc that the rule must meet: below double
/// precision's resolution of probabilities near 1.
pub(crate) const QUADRATURE_TARGET: f64 = 1e-16;

/// Most nodes a rule may have (a TEF × V range that needs more is refused).
pub(crate) const MAX_NODES: usize = 256;

/// Nodes and positive weights summing to 1.
#[derive(Debug, Clone)]
pub(crate) struct GaussRule {
    pub nodes: Vec<f64>,
    pub weights: Vec<f64>,
}

/// The K-point Gauss rule of Λ = T·V for independent PERT T and V, K chosen so that the error
/// of P(z) is ≤ [`QUADRATURE_TARGET`] on the unit disc; with that bound. None when more than
/// [`MAX_NODES`] nodes would be needed.
pub(crate) fn mixture_rule(t: &ModPert, v: &ModPert) -> Option<(GaussRule, f64)> {
    let ((t_lo, t_hi), (v_lo, v_hi)) = (t.bounds(), v.bounds());
    let half_range = 0.5 * (t_hi * v_hi - t_lo * v_lo);
    let k =
        (2..=MAX_NODES).find(|&k| chebyshev_tail(2.0 * half_range, 2 * k) <= QUADRATURE_TARGET)?;
    let bound = chebyshev_tail(2.0 * half_range, 2 * k);
    let (tr, vr) = (pert_rule(t, k), pert_rule(v, k));
    let mut points = Vec::with_capacity(k * k);
    for (&tn, &tw) in tr.nodes.iter().zip(&tr.weights) {
        for (&vn, &vw) in vr.nodes.iter().zip(&vr.weights) {
            points.push((tn * vn, tw * vw));
        }
    }
    let (diag, off) = stieltjes(&points, k);
    Some((golub_welsch(&diag, &off), bound))
}

/// 4 Σ_{k ≥ n} I_k(x), bounded through I_k(x) ≤ (x/2)^k/k! · exp(x²/(4(k + 1))) and a
/// geometric tail once the term ratio (x/2)/(k + 1) is below 1/2.
fn chebyshev_tail(x: f64, n: usize) -> f64 {
    let half = 0.5 * x;
    // ln((x/2)^n / n!)
    let ln_term = if half > 0.0 {
        n as f64 * half.ln() - statrs::function::gamma::ln_gamma(n as f64 + 1.0)
    } else {
        return 0.0;
    };
    let ratio = half / (n as f64 + 1.0);
    if ratio >= 0.5 {
        return f64::INFINITY;
    }
    let term = (ln_term + x * x / (4.0 * (n as f64 + 1.0))).exp();
    4.0 * term / (1.0 - ratio)
}

/// K-point Gauss rule of a modified PERT: Gauss–Jacobi for Beta(α, β) on [0, 1], scaled.
fn pert_rule(p: &ModPert, k: usize) -> GaussRule {
    let (lo, hi) = p.bounds();
    let (alpha, beta) = p.shapes();
    let mut rule = beta_rule(alpha, beta, k);
    for x in &mut rule.nodes {
        *x = lo + (hi - lo) * *x;
    }
    rule
}

/// Gauss rule of Beta(α, β) on [0, 1] (α, β ≥ 1). With t = 2x − 1 the weight is Jacobi's
/// (1 − t)^a (1 + t)^b, a = β − 1, b = α − 1, whose monic recurrence coefficients are
/// α_n = (b² − a²)/((2n + a + b)(2n + a + b + 2)) (α₀ = (b − a)/(a + b + 2)) and
/// β_n = 4n(n + a)(n + b)(n + a + b)/((2n + a + b)²(2n + a + b + 1)(2n + a + b − 1)); in x they
/// are (1 + α_n)/2 and β_n/4.
fn beta_rule(alpha: f64, beta: f64, k: usize) -> GaussRule {
    let (a, b) = (beta - 1.0, alpha - 1.0);
    let diag: Vec<f64> = (0..k)
        .map(|n| {
            let n = n as f64;
            let s = 2.0 * n + a + b;
            let an = if n == 0.0 {
                (b - a) / (a + b + 2.0)
            } else {
                (b * b - a * a) / (s * (s + 2.0))
            };
            0.5 * (1.0 + an)
        })
        .collect();
    let off: Vec<f64> = (1..k)
        .map(|n| {
            let n = n as f64;
            let s = 2.0 * n + a + b;
            let bn = 4.0 * n * (n + a) * (n + b) * (n + a + b) / (s * s * (s + 1.0) * (s - 1.0));
            0.5 * bn.sqrt()
        })
        .collect();
    golub_welsch(&diag, &off)
}

/// Recurrence coefficients (diagonal, off-diagonal = √β_k) of the first `k` orthonormal
/// polynomials of a discrete probability measure, by the Stieltjes procedure with normalised
/// vectors (Lanczos without reorthogonalisation; fine for k far below the number of points).
fn stieltjes(points: &[(f64, f64)], k: usize) -> (Vec<f64>, Vec<f64>) {
    let total: f64 = points.iter().map(|p| p.1).sum();
    let mut q: Vec<f64> = vec![1.0 / total.sqrt(); points.len()];
    let mut q_prev = vec![0.0; points.len()];
    let (mut diag, mut off) = (Vec::with_capacity(k), Vec::with_capacity(k));
    let mut b_prev = 0.0;
    for step in 0..k {
        let a: f64 = points
            .iter()
            .zip(&q)
            .map(|(&(x, w), &qi)| w * x * qi * qi)
            .sum();
        diag.push(a);
        if step + 1 == k {
            break;
        }
        let mut r: Vec<f64> = points
            .iter()
            .zip(q.iter().zip(&q_prev))
            .map(|(&(x, _), (&qi, &pi))| (x - a) * qi - b_prev * pi)
            .collect();
        let norm: f64 = points
            .iter()
            .zip(&r)
            .map(|(&(_, w), &ri)| w * ri * ri)
            .sum::<f64>()
            .sqrt();
        off.push(norm);
        for ri in &mut r {
            *ri /= norm;
        }
        q_prev = std::mem::replace(&mut q, r);
        b_prev = norm;
    }
    (diag, off)
}

/// Golub–Welsch: the nodes are the eigenvalues of the symmetric tridiagonal Jacobi matrix, the
/// weights the squared first components of its unit eigenvectors (total mass 1). Implicit QL
/// with Wilkinson shifts, rotating only the first row of the eigenvector matrix.
fn golub_welsch(diag: &[f64], off: &[f64]) -> GaussRule {
    let n = diag.len();
    let mut d = diag.to_vec();
    let mut e: Vec<f64> = off.iter().copied().chain(std::iter::once(0.0)).collect();
    let mut z = vec![0.0; n];
    z[0] = 1.0;
    for l in 0..n {
        for _ in 0..100 {
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[m] - d[l] + e[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut i = m;
            let mut deflated = false;
            while i > l {
                i -= 1;
                let f = s * e[i];
                let b = c * e[i];
                r = f.hypot(g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
                let fz = z[i + 1];
                z[i + 1] = s * z[i] + c * fz;
                z[i] = c * z[i] - s * fz;
            }
            if deflated {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    let mut pairs: Vec<(f64, f64)> = d.into_iter().zip(z.into_iter().map(|x| x * x)).collect();
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
    GaussRule {
        nodes: pairs.iter().map(|p| p.0).collect(),
        weights: pairs.iter().map(|p| p.1).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Severity;

    fn pert(a: f64, m: f64, b: f64) -> ModPert {
        match Severity::pert(a, m, b).unwrap() {
            Severity::Pert(p) => p,
            _ => unreachable!(),
        }
    }

    /// E[B^j] for Beta(α, β) = Π_{i<j} (α + i)/(α + β + i).
    fn beta_moment(alpha: f64, beta: f64, j: i32) -> f64 {
        (0..j)
            .map(|i| (alpha + f64::from(i)) / (alpha + beta + f64::from(i)))
            .product()
    }

    #[test]
    fn beta_rule_integrates_polynomials_exactly() {
        let (alpha, beta) = (1.84, 4.2);
        let rule = beta_rule(alpha, beta, 8);
        for j in 0..16 {
            let q: f64 = rule
                .nodes
                .iter()
                .zip(&rule.weights)
                .map(|(x, w)| w * x.powi(j))
                .sum();
            let want = beta_moment(alpha, beta, j);
            assert!((q - want).abs() < 1e-14 * want, "moment {j}: {q} vs {want}");
        }
    }

    #[test]
    fn mixture_rule_reproduces_the_moments_of_tef_times_v() {
        let (t, v) = (pert(0.1, 0.5, 2.0), pert(0.2, 0.4, 0.7));
        let (rule, bound) = mixture_rule(&t, &v).unwrap();
        assert!(bound <= QUADRATURE_TARGET);
        let k = rule.nodes.len() as i32;
        let raw = |p: &ModPert, j: i32| {
            // E[(lo + R B)^j] by the binomial expansion.
            let ((lo, hi), (a, b)) = (p.bounds(), p.shapes());
            (0..=j)
                .map(|i| {
                    let c = statrs::function::factorial::binomial(j as u64, i as u64);
                    c * lo.powi(j - i) * (hi - lo).powi(i) * beta_moment(a, b, i)
                })
                .sum::<f64>()
        };
        for j in 0..2 * k {
            let q: f64 = rule
                .nodes
                .iter()
                .zip(&rule.weights)
                .map(|(x, w)| w * x.powi(j))
                .sum();
            let want = raw(&t, j) * raw(&v, j);
            assert!((q - want).abs() < 1e-12 * want, "E[Λ^{j}]: {q} vs {want}");
        }
        assert!(rule.weights.iter().all(|&w| w > 0.0));
    }
}
