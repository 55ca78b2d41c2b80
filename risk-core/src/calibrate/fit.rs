//! The fit itself: Fisher scoring with step halving of one part's factors (frequency or
//! severity) on the model, with the current model as the prior, over the records in fixed
//! chunks (so the result does not depend on the thread count).

use rayon::prelude::*;

use super::context::{Cells, Context, log_moments};
use super::experience::Row;
use super::sums::{BANDS, Sums, residuals};
use super::*;

/// Where a fit starts, and how settled its end must be.
#[derive(Clone, Copy)]
pub(super) enum Start<'a> {
    /// From the prior, refitted in later rounds: converged fully, as the rounds' convergence
    /// test reads the moves between this fit and the next.
    Prior,
    /// From the prior, never refitted (ground-up frequency, which does not depend on the
    /// severity): ends at the first step gaining under [`KINK_GAIN`] log-posterior.
    ///
    /// Under the quadratic model a step of Newton's length that gains g log-posterior moves β
    /// by √(2g) posterior sd (Mahalanobis, in the information): g < 0.001 is under 0.045 sd, and
    /// under 0.052 sd for a halved step (which gains ¾ of the full step's gain). Measured on 1M
    /// policy-years (`risk synth-claims --rows 1000000`): nine of fifteen scoring passes gained
    /// under 0.003 each while creeping along certification floors; stopping at the first under 0.001 took 8 passes and moved no posterior mean by
    /// more than 0.025 of its posterior sd (BENCHMARKS.md, Calibration).
    Once,
    /// From this part's fit of the previous round: its β and its actual/expected under the
    /// prior.
    From(&'a PartFit),
}

/// Fisher scoring for one part with the other part's adjustments `fixed`, from `start`.
pub(super) fn fit(
    data: &Experience,
    params: &ModelParams,
    fixed: &Adjustments,
    part: Part,
    factors: &[Factor],
    options: Options,
    start: Start,
) -> Result<PartFit, CalibrateError> {
    let (from, settled) = match start {
        Start::Prior => (None, false),
        Start::Once => (None, true),
        Start::From(f) => (Some(f), false),
    };
    let p = factors.len();
    let tau: Vec<f64> = factors
        .iter()
        .map(|f| options.prior_sd.unwrap_or_else(|| f.prior_sd(part, params)))
        .collect();
    let dispersion = params.reference.dispersion;
    let used = |r: &Row| part == Part::Frequency || (r.claims == 1 && r.incurred > 0.0);
    let rows = data.rows.iter().filter(|r| used(r)).count();
    // The cells this part evaluates (severity: those of single-claim rows only).
    let mut needed = vec![false; data.cells.len()];
    for r in data.rows.iter().filter(|r| used(r)) {
        needed[r.cell as usize] = true;
    }

    // ln(X/median) moments under the σ and tails of the model with `fixed` applied (a fitted σ).
    let moments = log_moments(&apply(params, fixed));
    // A certification cannot be credited below the model's floor on combined certification
    // effects (values below it price alike, so the data cannot tell them apart): ln r is bounded
    // below where the scheme's strongest effect reaches the floor.
    let floor = params.certification_rules.floor;
    let lower: Vec<f64> = factors
        .iter()
        .map(|f| match f {
            Factor::Certification(s) => {
                let sc = &params.certifications[s];
                let strongest = (0..PERILS)
                    .filter(|&k| sc.covered[k])
                    .map(|k| match part {
                        Part::Frequency => sc.effect[k].0,
                        Part::Severity => sc.effect[k].1,
                    })
                    .fold(1.0, f64::min);
                (floor / strongest).ln().min(0.0)
            }
            Factor::Revenue => revenue_bound(params, part),
            _ => f64::NEG_INFINITY,
        })
        .collect();
    // Gradient, information and log-posterior at β: one pass over the rows.
    let evaluate = |beta: &DVector<f64>| -> Sums {
        let ctx = Context::new(
            params,
            &adjustments(fixed, factors, part, beta),
            part,
            factors,
            moments,
            factors
                .iter()
                .zip(&lower)
                .zip(beta.iter())
                .filter_map(|((f, lo), b)| match f {
                    Factor::Certification(s) if *b <= *lo => Some(*s),
                    _ => None,
                })
                .collect(),
            Cells {
                profiles: &data.cells,
                needed: Some(&needed),
                nudge: true,
            },
        );
        let partials: Vec<Sums> = data
            .rows
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut s = Sums::new(p);
                for r in chunk.iter().filter(|r| used(r)) {
                    let e = ctx.eval(r);
                    if let Some(net) = &e.net {
                        s.net(net, &e.x, r, p);
                        continue;
                    }
                    let mu = e.eta.exp();
                    if part == Part::Severity {
                        s.count += 1.0;
                    }
                    let (u, w, actual, expected, ll) = match part {
                        Part::Frequency => {
                            let size = dispersion * r.exposure;
                            let y = r.claims as f64;
                            (
                                (y - mu) * size / (size + mu),
                                mu * size / (size + mu),
                                y,
                                mu,
                                y * e.eta - (y + size) * (size + mu).ln(),
                            )
                        }
                        Part::Severity => {
                            // actual/expected accumulate ln L − a and the count: the geometric
                            // mean ratio of observed to expected claim amounts.
                            let d = r.incurred.ln() - e.eta;
                            (d / e.var, 1.0 / e.var, d, 0.0, -0.5 * d * d / e.var)
                        }
                    };
                    s.actual += actual;
                    s.expected += expected;
                    s.objective += ll;
                    match part {
                        Part::Frequency => {
                            let y = r.claims as f64;
                            let size = dispersion * r.exposure;
                            // NegBin(μ, size) cumulants: κ2 = μ(1 + μ/size), κ4 = κ2 (1 + 6μ/size
                            // + 6μ²/size²) (the Pearson term's variance is κ4/κ2² + 2).
                            let k2 = mu * (1.0 + mu / size);
                            let k4 = k2 * (1.0 + 6.0 * mu / size + 6.0 * (mu / size).powi(2));
                            s.pearson += (y - mu).powi(2) / k2;
                            s.pearson_var += k4 / (k2 * k2) + 2.0;
                            s.excess += (y - mu).powi(2) - mu;
                            // Rows with two or more claims: where over-dispersion shows at
                            // cyber frequencies (a few % a year), P(Y ≥ 2) = 1 − P0 − P1 with
                            // P0 = (size/(size + μ))^size, P1 = P0 · size · μ/(size + μ).
                            let p0 = (size / (size + mu)).powf(size);
                            let p2 = (1.0 - p0 - p0 * size * mu / (size + mu)).max(0.0);
                            s.multi_actual += f64::from(u8::from(r.claims >= 2));
                            s.multi_expected += p2;
                            s.multi_var += p2 * (1.0 - p2);
                            s.excess_scale += mu * mu / r.exposure;
                            let band = BANDS.iter().take_while(|&&b| mu / r.exposure >= b).count();
                            s.band_rows[band] += 1.0;
                            s.band_actual[band] += y;
                            s.band_expected[band] += mu;
                        }
                        Part::Severity => {
                            // q = d²/v has mean 1 under the model; its variance (2 for a normal
                            // ln X) is taken from the data, as the peril mix and the GPD tail
                            // make ln X heavier-tailed than normal: a self-normalised test.
                            let q = actual * actual / e.var;
                            s.pearson += q;
                            s.pearson_var += (q - 1.0) * (q - 1.0);
                        }
                    }
                    for &(j, xj) in &e.x {
                        s.grad[j] += u * xj;
                        s.exposure[j] += r.exposure * xj.abs();
                        s.claims[j] += r.claims as f64 * xj.abs();
                        for &(l, xl) in &e.x {
                            s.info[j * p + l] += w * xj * xl;
                        }
                    }
                }
                s
            })
            .collect();
        let mut total = Sums::new(p);
        for s in &partials {
            total.add(s);
        }
        for j in 0..p {
            let prec = 1.0 / (tau[j] * tau[j]);
            total.info[j * p + j] += prec;
            total.grad[j] -= beta[j] * prec;
            total.objective -= 0.5 * beta[j] * beta[j] * prec;
        }
        total
    };

    // Fisher scoring with step halving: the log-posterior never decreases, which matters where a
    // certification floor puts a kink in the model.
    let mut beta = DVector::<f64>::zeros(p);
    for f in from.map_or(&[][..], |f| &f.factors) {
        if let Some(j) = factors.iter().position(|&g| g == f.factor) {
            beta[j] = f.log_ratio.0;
        }
    }
    let mut state = evaluate(&beta);
    // Severity: the geometric mean ratio of observed to expected ground-up amounts, and for
    // insurer rows the ratio of payments to expected payments, weighted by their claims on the
    // log scale.
    let ae = |s: &Sums| match part {
        Part::Frequency => s.actual / s.expected,
        Part::Severity => {
            let net = if s.net_count > 0.0 {
                s.net_count * (s.paid / s.paid_expected).ln()
            } else {
                0.0
            };
            ((s.actual + net) / (s.count + s.net_count)).exp()
        }
    };
    let prior_ae = from.map_or_else(|| ae(&state), |f| f.actual_to_expected_prior);
    let mut iterations = 0;
    let info = loop {
        let h = DMatrix::from_row_slice(p, p, &state.info);
        let chol = h
            .clone()
            .cholesky()
            .ok_or(CalibrateError::NotConverged(iterations))?;
        // Projected Newton: a factor at its bound that the gradient, or the Newton step of the
        // others, pushes beyond it stays there, and the step solves the Newton equations of the
        // free factors alone (projecting a full Newton step instead zigzags along the bound when
        // the base level couples every factor).
        let at_bound = |j: usize| beta[j] <= lower[j] + 1e-9;
        let mut fixed_at: Vec<bool> = (0..p)
            .map(|j| at_bound(j) && state.grad[j] <= 0.0)
            .collect();
        let step = loop {
            let free: Vec<usize> = (0..p).filter(|&j| !fixed_at[j]).collect();
            let sub = DMatrix::from_fn(free.len(), free.len(), |a, b| h[(free[a], free[b])]);
            let g = DVector::from_iterator(free.len(), free.iter().map(|&j| state.grad[j]));
            let solved = sub
                .cholesky()
                .ok_or(CalibrateError::NotConverged(iterations))?
                .solve(&g);
            let mut step = DVector::zeros(p);
            for (a, &j) in free.iter().enumerate() {
                step[j] = solved[a];
            }
            let pushed: Vec<usize> = free
                .iter()
                .copied()
                .filter(|&j| at_bound(j) && step[j] < 0.0)
                .collect();
            if pushed.is_empty() {
                break step;
            }
            pushed.iter().for_each(|&j| fixed_at[j] = true);
        };
        let largest = step.amax();
        if largest < TOLERANCE {
            break chol.inverse();
        }
        if iterations == MAX_ITERATIONS {
            return Err(CalibrateError::NotConverged(iterations));
        }
        let mut t = if largest > MAX_STEP {
            MAX_STEP / largest
        } else {
            1.0
        };
        let moved = loop {
            let mut candidate = &beta + &step * t;
            for j in 0..p {
                candidate[j] = candidate[j].max(lower[j]);
            }
            let next = evaluate(&candidate);
            if next.objective >= state.objective - 1e-12 * state.objective.abs() {
                let gain = next.objective - state.objective;
                beta = candidate;
                state = next;
                // At a kink (a certification floor) Newton steps stay long while the gain
                // vanishes: stop once it is negligible on the log-likelihood scale (any step
                // of a fit that is never refitted).
                let creeping = settled || t < 1.0 / 64.0;
                break if gain < GAIN_TOLERANCE || (creeping && gain < KINK_GAIN) {
                    0.0
                } else {
                    t * largest
                };
            }
            t *= 0.5;
            if t * largest < TOLERANCE {
                break 0.0;
            }
        };
        iterations += 1;
        if moved < TOLERANCE {
            break chol.inverse();
        }
    };
    let posterior_ae = ae(&state);
    let touch = state;
    let residuals = residuals(&touch, part);

    let fits = factors
        .iter()
        .enumerate()
        .filter(|(j, _)| touch.exposure[*j] > 0.0)
        .map(|(j, &factor)| {
            let prior = value(params, part, factor);
            let sd = info[(j, j)].sqrt();
            // A multiplier's value is prior × e^β, the revenue elasticity's prior + β.
            let at = |b: f64| {
                if factor.additive() {
                    prior + b
                } else {
                    prior * b.exp()
                }
            };
            FactorFit {
                parameter: factor.parameter(part, params),
                log_ratio: (beta[j], sd),
                at_bound: beta[j] <= lower[j] + 1e-9,
                part,
                factor,
                prior,
                prior_sd: tau[j],
                posterior: at(beta[j]),
                interval: (
                    at((beta[j] - Z95 * sd).max(lower[j])),
                    at(beta[j] + Z95 * sd),
                ),
                data_weight: (1.0 - info[(j, j)] / (tau[j] * tau[j])).clamp(0.0, 1.0),
                policy_years: touch.exposure[j],
                claims: touch.claims[j],
            }
        })
        .collect();
    Ok(PartFit {
        factors: fits,
        iterations,
        actual_to_expected_prior: prior_ae,
        actual_to_expected_posterior: posterior_ae,
        rows,
        residuals,
    })
}

/// Each record's expected claims under `params` with `adjusted` applied (reported claims for
/// insurer rows) and the concentration of its peril mix ([`Context::concentration`]): what the
/// dispersion is fitted at.
pub(super) fn expected_claims(
    data: &Experience,
    params: &ModelParams,
    adjusted: &Adjustments,
    factors: &[Factor],
) -> Vec<(f64, f64)> {
    let ctx = Context::new(
        params,
        adjusted,
        Part::Frequency,
        factors,
        [(0.0, 0.0); PERILS],
        Default::default(),
        Cells {
            profiles: &data.cells,
            needed: None,
            nudge: false,
        },
    );
    data.rows
        .par_chunks(CHUNK)
        .flat_map_iter(|chunk| {
            chunk
                .iter()
                .map(|r| (ctx.eval(r).eta.exp(), ctx.concentration(r)))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The lower bound of the revenue elasticity's shift β: a 1.x exponent stays ≥ 0 (the model
/// file's range), a `[revenue_scale]` curve non-decreasing (β ≥ − its least slope).
fn revenue_bound(params: &ModelParams, part: Part) -> f64 {
    match &params.revenue_scale {
        Some(s) => match part {
            Part::Frequency => -s.frequency.least_slope(),
            Part::Severity => -s.severity.least_slope(),
        },
        None => -value(params, part, Factor::Revenue),
    }
}

/// `fixed` plus e^β for this part's factors.
fn adjustments(
    fixed: &Adjustments,
    factors: &[Factor],
    part: Part,
    beta: &DVector<f64>,
) -> Adjustments {
    let mut a = fixed.clone();
    for (j, &f) in factors.iter().enumerate() {
        if beta[j] != 0.0 {
            a.insert((part, f), beta[j].exp());
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::calibrate::synth::{records, synthesize};
    use crate::params::DEFAULT_MODEL;

    /// [`Start::Once`] ends early only where the log-posterior is flat to 0.001: on 60,000
    /// policy-years from a truth with ISO 27001 at its floor, every frequency posterior mean is
    /// within 0.05 posterior sd of the fully converged fit's (measured: under 0.007), in no more
    /// steps (8 against 11). Its sd is within 5%: the information of a certificate near a
    /// firm's combined floor (a kink) depends on the side it is evaluated on (IEC 62443: 2.3%).
    #[test]
    fn a_fit_never_refitted_ends_within_a_twentieth_of_a_posterior_sd() {
        let prior = ModelParams::parse(DEFAULT_MODEL).unwrap();
        let truth = apply(
            &prior,
            &Adjustments::from([
                (
                    (Part::Frequency, Factor::Certification(Scheme::Iso27001)),
                    0.7,
                ),
                ((Part::Frequency, Factor::Industry(Industry::Retail)), 1.8),
                ((Part::Frequency, Factor::Maturity(3)), 0.68),
            ]),
        );
        let today = date!(2026 - 11 - 26);
        let rows = records(&synthesize(&truth, 60_000, 7, today), &prior, today).unwrap();
        let data = Experience::from_records(&rows, &prior);
        let factors = Factor::fitted(false);
        let run = |start| {
            fit(
                &data,
                &prior,
                &Adjustments::new(),
                Part::Frequency,
                &factors,
                Options::default(),
                start,
            )
            .unwrap()
        };
        let (full, once) = (run(Start::Prior), run(Start::Once));
        assert!(once.iterations <= full.iterations);
        assert_eq!(full.factors.len(), once.factors.len());
        for (a, b) in full.factors.iter().zip(&once.factors) {
            assert_eq!(a.factor, b.factor);
            let (m, s) = a.log_ratio;
            assert!(
                (b.log_ratio.0 - m).abs() < 0.05 * s,
                "{:?}: {a:?} {b:?}",
                a.factor
            );
            assert!((b.log_ratio.1 / s - 1.0).abs() < 0.05, "{:?}", a.factor);
        }
    }
}
