//! The negative binomial dispersion k (`reference.dispersion`) fitted to the claim counts when they
//! inform it. The model draws each peril's count as NegBin(λ_k t, k t); with the frequency
//! factors at their posterior, a row's count (the sum over perils) is taken as the negative
//! binomial of the same mean and variance, NegBin(mean μ_i, size s_i = k c_i t_i) with c_i =
//! (Σ_k λ_k)²/Σ_k λ_k² the concentration of its peril mix, and ψ = ln k has the prior N(ln k₀, τ²) (τ from the
//! parameter's source, as for the factors). The mean and the size of a negative binomial are
//! orthogonal parameters (their cross information is 0), so fitting ψ after the factors, holding
//! the fitted means, loses nothing to first order.
//!
//! Per row, with y claims: ℓ = Σ_{j<y} ln(s + j) − ln y! + s ln(s/(s + μ)) + y ln(μ/(s + μ)),
//! ∂ℓ/∂s = Σ_{j<y} 1/(s + j) + ln(s/(s + μ)) + (μ − y)/(s + μ), and
//! ∂²ℓ/∂s² = −Σ_{j<y} 1/(s + j)² + 1/s − 1/(s + μ) − (μ − y)/(s + μ)², chained to ψ by
//! ∂s/∂ψ = s. The posterior is the Laplace approximation at the mode (Newton's method with step
//! halving); at cyber frequencies (a few % a year) counts above one are rare and the data weight
//! 1 − Var_post/τ² is usually small: the prior is then kept.

use rayon::prelude::*;

use super::experience::Row;
use super::{CalibrateError, Z95};

/// A model parameter fitted beside the factors.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterFit {
    /// Its model-file path.
    pub parameter: String,
    /// Its value in the prior model.
    pub prior: f64,
    /// Prior sd of its log.
    pub prior_sd: f64,
    /// Posterior median.
    pub posterior: f64,
    /// 95% credible interval.
    pub interval: (f64, f64),
    /// Posterior mean and sd of ln(value/prior).
    pub log_ratio: (f64, f64),
    /// 1 − Var_post/Var_prior of the log: 0 = all prior, 1 = all data.
    pub data_weight: f64,
}

/// Rows evaluated per parallel chunk (fixed: sums identical for any thread count).
const CHUNK: usize = 8192;

/// Fits ψ = ln k given each row's (expected claims, concentration c) in `mu` (same order as
/// `records`).
///
/// # Errors
/// [`CalibrateError::NotConverged`] when Newton's method does not settle in 100 steps.
pub(super) fn fit(
    records: &[Row],
    mu: &[(f64, f64)],
    prior: f64,
    tau: f64,
) -> Result<ParameterFit, CalibrateError> {
    let psi0 = prior.ln();
    // (log-posterior, gradient, Hessian) in ψ.
    let evaluate = |psi: f64| -> (f64, f64, f64) {
        let k = psi.exp();
        let (ll, g, h) = records
            .par_chunks(CHUNK)
            .zip(mu.par_chunks(CHUNK))
            .map(|(rs, ms)| {
                let (mut ll, mut g, mut h) = (0.0, 0.0, 0.0);
                for (r, &(m, c)) in rs.iter().zip(ms) {
                    let s = k * c * r.exposure;
                    let y = r.claims as f64;
                    let (mut sum1, mut sum2, mut logs) = (0.0, 0.0, 0.0);
                    for j in 0..r.claims.min(1_000_000) {
                        let v = s + j as f64;
                        logs += v.ln();
                        sum1 += 1.0 / v;
                        sum2 += 1.0 / (v * v);
                    }
                    let sm = s + m;
                    ll += logs + s * (s / sm).ln() + y * (m / sm).ln();
                    let d1 = sum1 + (s / sm).ln() + (m - y) / sm;
                    let d2 = -sum2 + 1.0 / s - 1.0 / sm - (m - y) / (sm * sm);
                    g += s * d1;
                    h += s * d1 + s * s * d2;
                }
                (ll, g, h)
            })
            .reduce(|| (0.0, 0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
        let prec = 1.0 / (tau * tau);
        let d = psi - psi0;
        (ll - 0.5 * d * d * prec, g - d * prec, h - prec)
    };
    let mut psi = psi0;
    let mut state = evaluate(psi);
    let mut converged = false;
    for _ in 0..100 {
        let (_, g, h) = state;
        // Newton where the log-posterior is concave, else a gradient step scaled by the prior.
        let mut step = if h < 0.0 { -g / h } else { g * tau * tau };
        step = step.clamp(-1.0, 1.0);
        if step.abs() < 1e-9 {
            converged = true;
            break;
        }
        loop {
            let next = evaluate(psi + step);
            if next.0 >= state.0 - 1e-12 * state.0.abs() {
                psi += step;
                state = next;
                break;
            }
            step *= 0.5;
            if step.abs() < 1e-12 {
                break;
            }
        }
        if step.abs() < 1e-12 {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(CalibrateError::NotConverged(100));
    }
    let var = if state.2 < 0.0 {
        -1.0 / state.2
    } else {
        tau * tau
    };
    let sd = var.sqrt();
    let ratio = psi - psi0;
    Ok(ParameterFit {
        parameter: "reference.dispersion".into(),
        prior,
        prior_sd: tau,
        posterior: psi.exp(),
        interval: ((psi - Z95 * sd).exp(), (psi + Z95 * sd).exp()),
        log_ratio: (ratio, sd),
        data_weight: (1.0 - var / (tau * tau)).clamp(0.0, 1.0),
    })
}
