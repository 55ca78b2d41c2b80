//! The σ of the severity body (`perils.<peril>.sigma`) fitted to the claim sizes, after the
//! factors. The factors move each peril's lognormal location; σ sets the spread of ln X (and,
//! through the splice at a quantile of the body, the scale of the GPD tail).
//!
//! ψ = ln(σ/σ₀) has the prior N(0, τ²), τ from the parameter's source as for the factors. The
//! rows are those with exactly one claim (whose amount is then known): ground-up rows through the
//! normal likelihood of ln L with the model's mean a and variance v (the factors' quasi-likelihood
//! with its −½ ln v term, since v moves with σ), insurer rows through their censored/truncated
//! likelihood ([`super::censored`]). When the data name perils, σ is fitted per peril from the
//! rows of that peril alone; otherwise one common scale of every peril's σ from all the rows
//! (the mix of perils in a row's claim then blurs it).
//!
//! The log-likelihood ℓ(ψ) is evaluated on the model itself and differentiated by central
//! differences of half-width [`H`]; the mode is found by Newton's method with step halving. The
//! posterior sd is robust: ln X under the peril mix and the GPD tail is heavier-tailed than the
//! normal the quasi-likelihood assumes, so the data's variance of ψ̂ is the sandwich
//! V = Σ sᵢ²/(Σ ∂²ℓᵢ)² (sᵢ each row's score), and the posterior precision 1/V + 1/τ². ψ is held
//! to ±ln 4 ([`MAX_MOVE`]); a posterior there is flagged `at_bound`.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::context::{Cells, Context, log_moments};
use super::experience::Row;
use super::*;

/// Half-width of the central differences in ψ.
const H: f64 = 1e-3;
/// Largest Newton step in ψ.
const MAX_STEP: f64 = 0.5;
/// Newton steps before giving up.
const MAX_STEPS: usize = 60;
/// Rows evaluated per parallel chunk (fixed: sums identical for any thread count).
const CHUNK: usize = 4096;
/// Largest move of ln σ in one calibration (\[A\]: a σ four times smaller or larger than the
/// model's says the amounts are not claims the model describes — all alike, or mixed units —
/// rather than that the model's spread was that wrong; the posterior then sits at the bound
/// and is flagged `at_bound`).
const MAX_MOVE: f64 = std::f64::consts::LN_2 * 2.0;

/// The σ groups the data inform: one per peril that rows name, else the common scale.
pub(super) fn groups(data: &Experience) -> Vec<Factor> {
    if data.by_peril() {
        Peril::ALL
            .iter()
            .zip(data.named_perils())
            .filter(|(_, n)| *n > 0)
            .map(|(&k, _)| Factor::Sigma(Some(k)))
            .collect()
    } else {
        vec![Factor::Sigma(None)]
    }
}

/// Fits the σ of `group` ([`Factor::Sigma`]) with the factors at `fixed`, Newton's method
/// starting from `from` (the previous round's fit of the same group) or the prior. None when no
/// row bears on it.
///
/// # Errors
/// [`CalibrateError::NotConverged`] when Newton's method does not settle.
pub(super) fn fit(
    data: &Experience,
    params: &ModelParams,
    fixed: &Adjustments,
    group: Factor,
    options: Options,
    from: Option<&FactorFit>,
) -> Result<Option<FactorFit>, CalibrateError> {
    let Factor::Sigma(peril) = group else {
        unreachable!("σ groups only")
    };
    let used = |r: &Row| {
        r.claims == 1
            && r.incurred > 0.0
            && peril.is_none_or(|k| {
                r.base
                    .iter()
                    .enumerate()
                    .all(|(j, b)| b.is_some() == (j == k.index()))
            })
    };
    let rows: Vec<&Row> = data.rows.iter().filter(|r| used(r)).collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let mut needed = vec![false; data.cells.len()];
    for r in &rows {
        needed[r.cell as usize] = true;
    }
    let tau = options
        .prior_sd
        .unwrap_or_else(|| group.prior_sd(Part::Severity, params));
    // The cells' multipliers do not move with σ: one context, reshaped at each ψ.
    let mut ctx = Context::new(
        params,
        fixed,
        Part::Severity,
        &[],
        log_moments(&apply(params, fixed)),
        BTreeSet::new(),
        Cells {
            profiles: &data.cells,
            needed: Some(&needed),
            nudge: false,
        },
    );
    // Each used row's log-likelihood at ψ.
    let mut ll_at = |psi: f64| -> Vec<f64> {
        let mut adjusted = fixed.clone();
        adjusted.insert((Part::Severity, group), psi.exp());
        ctx.reshape(&apply(params, &adjusted));
        let ctx = &ctx;
        rows.par_chunks(CHUNK)
            .flat_map_iter(|chunk| {
                chunk
                    .iter()
                    .map(|r| {
                        let e = ctx.eval(r);
                        match e.net {
                            Some(net) => net.ll,
                            None => {
                                let d = r.incurred.ln() - e.eta;
                                -0.5 * e.var.ln() - 0.5 * d * d / e.var
                            }
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    // (log-posterior, gradient, data Hessian, Σ sᵢ²) at ψ.
    let mut evaluate = |psi: f64| -> (f64, f64, f64, f64) {
        let (lo, mid, hi) = (ll_at(psi - H), ll_at(psi), ll_at(psi + H));
        let (mut ll, mut g, mut h, mut meat) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..mid.len() {
            let s = (hi[i] - lo[i]) / (2.0 * H);
            ll += mid[i];
            g += s;
            h += (hi[i] - 2.0 * mid[i] + lo[i]) / (H * H);
            meat += s * s;
        }
        let prec = 1.0 / (tau * tau);
        (ll - 0.5 * psi * psi * prec, g - psi * prec, h, meat)
    };
    let prec = 1.0 / (tau * tau);
    let mut psi = from.map_or(0.0, |f| f.log_ratio.0);
    let mut state = evaluate(psi);
    let mut converged = false;
    for _ in 0..MAX_STEPS {
        let (_, g, h, _) = state;
        let curvature = h - prec;
        let mut step = if curvature < 0.0 {
            -g / curvature
        } else {
            g * tau * tau
        };
        step = step.clamp(-MAX_STEP, MAX_STEP);
        if step.abs() < 1e-6 {
            converged = true;
            break;
        }
        step = (psi + step).clamp(-MAX_MOVE, MAX_MOVE) - psi;
        if step.abs() < 1e-6 {
            converged = true;
            break;
        }
        let mut gain = 0.0;
        loop {
            let next = evaluate(psi + step);
            if next.0 >= state.0 - 1e-12 * state.0.abs() {
                gain = next.0 - state.0;
                psi += step;
                state = next;
                break;
            }
            step *= 0.5;
            if step.abs() < 1e-9 {
                break;
            }
        }
        // Done when the step vanished, or when it gains nothing on the log-likelihood scale:
        // near the mode the central differences' rounding can keep Newton stepping back and
        // forth by ~1e-5 without any gain.
        if step.abs() < 1e-9 || gain < GAIN_TOLERANCE {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(CalibrateError::NotConverged(MAX_STEPS));
    }
    let (_, _, h, meat) = state;
    // The sandwich variance of the data's ψ̂, V = Σ sᵢ²/(Σ ∂²ℓᵢ)², then the prior's precision
    // added (at a bound, where the curvature need not be negative, the same formula measures
    // how sharply the data pushed it there).
    let data_precision = if h != 0.0 && meat > 0.0 {
        h * h / meat
    } else {
        0.0
    };
    let var = 1.0 / (data_precision + prec);
    let sd = var.sqrt();
    let prior = value(params, Part::Severity, group);
    Ok(Some(FactorFit {
        part: Part::Severity,
        parameter: group.parameter(Part::Severity, params),
        factor: group,
        prior,
        prior_sd: tau,
        posterior: prior * psi.exp(),
        interval: (
            prior * (psi - Z95 * sd).max(-MAX_MOVE).exp(),
            prior * (psi + Z95 * sd).min(MAX_MOVE).exp(),
        ),
        data_weight: (1.0 - var / (tau * tau)).clamp(0.0, 1.0),
        policy_years: rows.iter().map(|r| r.exposure).sum(),
        claims: rows.len() as f64,
        log_ratio: (psi, sd),
        at_bound: psi.abs() >= MAX_MOVE - 1e-9,
    }))
}
