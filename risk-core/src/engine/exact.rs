//! Exact annual-loss distributions: discretised severities, generating functions and the FFT,
//! with the grid chosen automatically and the error reported.
//!
//! Brief overview: [`compute`] returns the same [`LossStats`] as the Monte Carlo path (standard
//! errors `None`) plus an `error_bound` on the reported probabilities, or an [`ExactError`] when
//! the requested accuracy cannot be reached within the memory cap. Never a number that is wrong
//! by more than it says.
//!
//! ```
//! use risk_core::engine::exact::{compute, ExactOptions};
//! use risk_core::model::LossSpec;
//!
//! let spec = LossSpec::parse(r#"{"perils": [{"name": "ransomware",
//!     "frequency": {"distribution": "poisson", "mean": 0.8},
//!     "severity": {"distribution": "lognormal", "median": 150000, "sigma": 2.0}}],
//!     "thresholds": [1000000]}"#).unwrap();
//! let exact = compute(&spec.model, &spec.levels, &spec.thresholds, &ExactOptions::default()).unwrap();
//! assert!((exact.stats.exceedance[0].probability - 0.138_603_783_6).abs() < 1e-8);
//! assert!(exact.error_bound < 1e-7);
//! ```
//!
//! # Algorithm
//! 1. **Per peril**, the per-event insured severity Y = min(max(X − d, 0), l) is rounded onto the
//!    lattice {0, h, 2h, …} (Y's atom at 0, of mass F_X(d), stays at 0; the atom at l, of mass
//!    P(X > d + l), lands on a lattice point because h divides l). Its discrete Fourier
//!    transform φ goes through the frequency's generating function P_N(φ) (Poisson, negative
//!    binomial in closed form; FAIR's mixed Poisson E[exp(TEF·V·(φ − 1))] by a Gauss rule of
//!    TEF·V with a proven error ≤ 1e-16, see `gauss`). The perils' transforms multiply; one
//!    inverse FFT gives the aggregate S.
//! 2. **Aliasing**: the sequence is tilted by e^(−θkh) before the transforms and untilted after
//!    (Grübel & Hermesmeier 1999; Mildenhall's `tilt`), with θT = 23 for the grid top T: the
//!    mass P(S ≥ T) that wraps around the circular convolution is damped by e^(−23) ≈ 1e-10,
//!    so the grid needs to reach only past the largest point read (T = 2·x_max), not past the
//!    tail. The price is rounding amplified by e^(θx) at x, at most e^(11.5) ≈ 1e5 times ε.
//!    Since the aggregate below cell r depends only on severity cells below r, severities are
//!    discretised only up to x_max: the upper half of the grid is padding.
//! 3. **Reading**: the atoms of S (at 0 and at multiples of the occurrence limit: years whose
//!    every event is at 0 or at the limit) are computed exactly on the limit's own lattice and
//!    kept apart from the continuous part. The rounding method's knots ((k + ½)h, P(S_h ≤ kh))
//!    are second-order accurate; between them the survival function is read by local cubics
//!    (fourth order, so the error does not depend on where a point falls in its cell, which
//!    keeps the error expansion regular for step 5), and around an atom, where the density may
//!    jump, by a half-cell split of the cell's continuous mass in the ratio of the densities
//!    extrapolated from either side. Integrals of the survival function (TVaR, and mean and
//!    second moment under an aggregate limit) integrate that same reading exactly.
//! 4. **Grid choice**: the top T = 2·x_max, x_max the largest point to read: the largest VaR
//!    asked for (located by a coarse pass on a generous grid), the largest threshold, or the
//!    aggregate limit. Then h is halved (n doubled, T fixed, h dividing the limit) from
//!    n = 2¹² until every reported statistic moves by at most `rel_tol` (relative) between h
//!    and h/2, up to n = 2^`max_log2`. After the first comparison the refinement jumps to two
//!    levels below the last one predicted by a four-fold shrinking change, so that only the
//!    levels the result and its error bound use are computed when the prediction holds.
//! 5. **Reported values** are the Richardson extrapolations (4·X_{h/2} − X_h)/3 of the last two
//!    levels. Mean and standard deviation are closed forms when there is no aggregate limit
//!    (E[S] = Σ E[N]E[Y], Var S = Σ E[N]Var Y + Var N·E[Y]², from the layers' limited moments),
//!    so that nothing beyond the grid biases them, and so is the E[S] inside TVaR_p = v +
//!    (E[S] − ∫₀^v P(S > x) dx)/(1 − p). An infinite variance (GPD tail with shape ≥ ½ and no
//!    occurrence limit) is reported as an infinite std. Under an aggregate limit AL everything
//!    lives on [0, AL], which the grid covers: L = min(S, AL), the mass above AL sits at AL.
//!
//! # Error bound
//! `error_bound` bounds the absolute error of the reported probabilities (the exceedances, and
//! P(L ≤ VaR) at each reported VaR): the largest change between the last two levels at those
//! points, or a quarter of the change between the two before if larger (an asymptotic bound:
//! it covers the finer level's error when the error is of first or second order in h, and the
//! extrapolated value is better still), plus the wrap-around bound e^(−θT)·P(S ≥ T), plus
//! estimates of rounding amplified by the tilt and of the quadrature error of FAIR frequencies.
//! It is not a rigorous bracket: lower and upper discretisations would bracket the true
//! distribution function, but only to first order in h (~1e-4 relative on W1 at 2¹⁹ points),
//! a hundred times looser than the error actually reached. The tests check the bound against
//! the `aggregate` references at every reported point.

mod fft;
mod gauss;
mod grid;
mod read;
mod transform;

use rustfft::FftPlanner;

use crate::dist::Layer;
use crate::model::LossModel;
use crate::stats::LossStats;
use grid::{Geometry, Level, PerilInput, Workspace};
use read::{LevelStats, exceedance_at, level_stats, richardson};
use transform::Pgf;

/// θT: the tilt over the whole grid; wrap-around is damped by e^(−θT) ≈ 1e-10, on top of the
/// P(S ≥ T) ≤ P(S > x_max) (≤ 1 − the largest level) that can wrap at all.
const TILT_TOTAL: f64 = 23.0;
/// T / x_max: how far the grid reaches beyond the largest point read.
const TOP_FACTOR: f64 = 2.0;
/// First refinement level: n = 2^START_LOG2 cells.
const START_LOG2: u32 = 12;
/// Cells of the coarse pass that locates the largest VaR.
const LOCATE_LOG2: u32 = 14;
/// Below this, a change in a probability between two levels is rounding noise.
const PROBABILITY_FLOOR: f64 = 1e-14;

/// How accurate the exact method must be, and how much memory it may use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExactOptions {
    /// Relative accuracy every reported statistic must reach (VaR, TVaR, exceedance; mean and
    /// std when they come from the grid): the largest change between the last two grids.
    pub rel_tol: f64,
    /// Largest grid: 2^max_log2 cells (about 31 bytes a cell at the peak, with the coarser
    /// levels kept for the error estimate).
    pub max_log2: u32,
}

impl Default for ExactOptions {
    /// 1e-6 relative; grids up to 2²⁴ cells (0.51 GB peak resident measured for a spec that
    /// reaches 2²⁴: Poisson(2) × lognormal σ = 3).
    fn default() -> Self {
        ExactOptions {
            rel_tol: 1e-6,
            max_log2: 24,
        }
    }
}

/// Why the exact method gave no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExactError {
    /// The requested accuracy needs a finer grid than the cap allows: the distribution spans
    /// too many orders of magnitude between the smallest and the largest point to be read.
    #[error(
        "--method exact: {statistic} cannot reach the relative accuracy {tolerance:.0e} within the largest grid allowed (2^{max_log2} points): {reached:.1e} at 2^{points_log2} points (bucket {bucket:.4e}), the distribution spans too many orders of magnitude; use --method monte-carlo"
    )]
    Accuracy {
        /// The statistic furthest from converging (`var[0.999]`, `exceedance[1000000]`, …).
        statistic: String,
        /// Its relative change between the last two grids tried.
        reached: f64,
        /// The relative accuracy required.
        tolerance: f64,
        /// log2 of the grid cap.
        max_log2: u32,
        /// log2 of the cells of the last grid tried.
        points_log2: u32,
        /// Bucket size of the last grid tried (currency units).
        bucket: f64,
    },
    /// A part of the model that the exact method cannot compute with a known error.
    #[error("{field}: {what}")]
    Unsupported {
        /// Path of the offending input (`perils[0].fair`).
        field: String,
        /// What is not supported, and what to do instead.
        what: String,
    },
    /// The grid's constraints alone (the occurrence limit must fall on it) exceed the cap.
    #[error("--method exact: {why}; use --method monte-carlo")]
    GridTooLarge {
        /// What forces the grid's size.
        why: String,
    },
    /// The distribution's upper quantiles could not be located on any grid within the cap.
    #[error(
        "--method exact: {statistic} lies beyond the largest grid allowed (2^{max_log2} points); use --method monte-carlo"
    )]
    Range {
        /// The statistic that could not be located.
        statistic: String,
        /// log2 of the grid cap.
        max_log2: u32,
    },
}

/// A peril's expected frequency and insured loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerilMean {
    /// E[N], events a year.
    pub frequency: f64,
    /// Expected annual insured loss of the peril: E[N]·E[Y] without an aggregate limit. With one,
    /// a single peril gets E[min(S, AL)]; several share it in proportion to E[N]·E[Y] (which is
    /// not the Monte Carlo's year-by-year pro-rata share).
    pub mean: f64,
}

/// The grid that met the accuracy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridSummary {
    /// Bucket size h of the finest level (currency units).
    pub bucket: f64,
    /// Cells of the finest level.
    pub points: usize,
    /// Grid top T = n·h.
    pub top: f64,
    /// Largest point read (about T / 2).
    pub reach: f64,
    /// Tilt θ per currency unit.
    pub tilt: f64,
}

/// What [`compute`] returns.
#[derive(Debug, Clone)]
pub struct ExactResult {
    /// The statistics (standard errors `None`).
    pub stats: LossStats,
    /// Bound on the absolute error of the reported probabilities (see the module docs).
    pub error_bound: f64,
    /// Per peril, in model order.
    pub perils: Vec<PerilMean>,
    /// E[L] in closed form (None under an aggregate limit).
    pub closed_form_mean: Option<f64>,
    /// sd(L) in closed form (None under an aggregate limit; infinite for infinite variance).
    pub closed_form_std: Option<f64>,
    /// The grid used.
    pub grid: GridSummary,
    /// The distribution itself, for statistics at other points (accuracy guaranteed only at the
    /// requested ones).
    pub distribution: ExactDistribution,
}

/// The annual insured loss L = min(S, AL) from the last two grids, Richardson-extrapolated.
#[derive(Debug, Clone)]
pub struct ExactDistribution {
    fine: Level,
    coarse: Level,
    aggregate_limit: f64,
    closed: Option<(f64, f64)>,
}

/// Closed-form moments of the insured annual loss before any aggregate limit:
/// (E[S], E[S²]) with E[S] = Σ E[N_k]E[Y_k] and Var S = Σ (E[N_k]E[Y_k²] + (Var N_k − E[N_k])E[Y_k]²).
fn closed_moments(model: &LossModel, perils: &[PerilInput<'_>]) -> (f64, f64, Vec<f64>) {
    let mut mean = 0.0;
    let mut var = 0.0;
    let mut per_peril = Vec::with_capacity(perils.len());
    for (peril, input) in model.perils().iter().zip(perils) {
        let (en, vn) = (peril.frequency().mean(), peril.frequency().variance());
        let (ey, ey2) = input.layer.moments();
        per_peril.push(en * ey);
        mean += en * ey;
        var += en * ey2 + (vn - en) * ey * ey;
    }
    (mean, var + mean * mean, per_peril)
}

/// The bucket and cell count for a grid reaching at least `top` with about `n` cells, h
/// dividing the occurrence limit when the limit lies below the top.
fn geometry(top: f64, n: usize, limit: f64) -> (f64, usize) {
    let h = top / n as f64;
    if limit.is_finite() && limit <= top {
        let h = limit / (limit / h).ceil();
        // Saturates (a grid over the cap, reported as too large) rather than overflowing when
        // the top is many orders of magnitude above the limit.
        let cells = ((top / h).ceil() as usize).checked_next_power_of_two();
        return (h, cells.unwrap_or(usize::MAX));
    }
    (h, n)
}

/// Computes the exact distribution of `model`'s annual insured loss and its statistics at
/// `levels` (VaR, TVaR) and `thresholds` (exceedance).
///
/// # Errors
/// [`ExactError::Accuracy`] when `opts.rel_tol` cannot be met within 2^`max_log2` cells (or
/// [`ExactError::GridTooLarge`] when the occurrence limit alone forces a larger grid);
/// [`ExactError::Unsupported`] for FAIR perils whose TEF or vulnerability is not PERT;
/// [`ExactError::Range`] when the upper quantiles cannot be located.
pub fn compute(
    model: &LossModel,
    levels: &[f64],
    thresholds: &[f64],
    opts: &ExactOptions,
) -> Result<ExactResult, ExactError> {
    if model.cover().is_some() {
        // Annual section sublimits make the year's insured loss depend on the joint split of
        // every event, which a one-dimensional compound distribution cannot carry.
        return Err(ExactError::Unsupported {
            field: "coverage".into(),
            what: "the exact method prices a deductible and limits; coverage sections \
                   (sublimits, retentions, coinsurance, waiting period) need --method monte-carlo"
                .into(),
        });
    }
    let terms = model.terms();
    let (d, limit, al) = (
        terms.deductible(),
        terms.occurrence_limit(),
        terms.aggregate_limit(),
    );
    let perils = model
        .perils()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(PerilInput {
                layer: Layer::new(p.severity(), d, limit),
                pgf: Pgf::new(p.frequency(), i)?,
            })
        })
        .collect::<Result<Vec<_>, ExactError>>()?;
    let (mean_s, m2_s, per_peril_mean) = closed_moments(model, &perils);
    let closed = (!al.is_finite()).then_some((mean_s, m2_s));
    let frequencies: Vec<f64> = model
        .perils()
        .iter()
        .map(|p| p.frequency().mean())
        .collect();

    if !(mean_s > 0.0) {
        return Ok(degenerate(levels, thresholds, &frequencies));
    }

    let mut planner = FftPlanner::<f64>::new();
    let mut ws = Workspace::default();
    let mut x_max = locate(
        &mut planner,
        &mut ws,
        &perils,
        levels,
        thresholds,
        al,
        limit,
        opts,
    )?;
    let cap = 1usize << opts.max_log2;

    'restart: for _ in 0..8 {
        let top = TOP_FACTOR * x_max;
        let (mut h, mut n) = geometry(top, 1 << START_LOG2, limit);
        let theta = TILT_TOTAL / (h * n as f64);
        if n > cap {
            return Err(ExactError::GridTooLarge {
                why: format!(
                    "terms.occurrence_limit: the limit ({limit}) must fall on the grid, which then \
                     needs more than 2^{} points to reach {top:e}",
                    opts.max_log2
                ),
            });
        }
        let mut prev: Option<(Level, LevelStats)> = None;
        let mut prev2: Option<Level> = None;
        let mut prev_worst = f64::INFINITY;
        let mut predicted = false;
        let mut skipped = false;
        while n <= cap {
            let geo = Geometry {
                h,
                n,
                theta,
                read: (x_max / h).ceil() as usize + 8,
                limit_cells: limit_cells_for(limit, h, n),
                limit,
            };
            let level = Level::compute(&mut planner, &mut ws, &perils, &geo);
            let stats = match level_stats(&level, al, closed, levels, thresholds) {
                Ok(s) => s,
                Err(_) => {
                    x_max *= 2.0;
                    continue 'restart;
                }
            };
            if let Some((_, cstats)) = &prev {
                let worst = worst_change(&stats, cstats, levels, thresholds, closed.is_none());
                if worst.1 <= opts.rel_tol {
                    let Some((coarse, _)) = prev.take() else {
                        unreachable!("checked above")
                    };
                    let dist = ExactDistribution {
                        fine: level,
                        coarse,
                        aggregate_limit: al,
                        closed,
                    };
                    let stats_out = LossStats::from_distribution(&dist, levels, thresholds);
                    let older = match prev2.take() {
                        // Right after a skip the level below the coarse one was not computed:
                        // compute it now, so that the bound is the same as without the skip.
                        None if skipped => {
                            let (h, n) = (4.0 * h, n / 4);
                            let geo = Geometry {
                                h,
                                n,
                                theta,
                                read: (x_max / h).ceil() as usize + 8,
                                limit_cells: limit_cells_for(limit, h, n),
                                limit,
                            };
                            Some(Level::compute(&mut planner, &mut ws, &perils, &geo))
                        }
                        older => older,
                    };
                    let error_bound =
                        error_bound(&dist, older.as_ref(), &stats_out, &perils, theta, x_max);
                    let (mean_l, _) = dist.moments();
                    let peril_means = per_peril_mean
                        .iter()
                        .zip(&frequencies)
                        .map(|(&m, &f)| PerilMean {
                            frequency: f,
                            mean: if al.is_finite() {
                                m * mean_l / mean_s
                            } else {
                                m
                            },
                        })
                        .collect();
                    return Ok(ExactResult {
                        stats: stats_out,
                        error_bound,
                        perils: peril_means,
                        closed_form_mean: closed.map(|c| c.0),
                        closed_form_std: closed.map(|(m, m2)| {
                            if m2.is_infinite() {
                                f64::INFINITY
                            } else {
                                (m2 - m * m).max(0.0).sqrt()
                            }
                        }),
                        grid: GridSummary {
                            bucket: h,
                            points: n,
                            top: h * n as f64,
                            reach: x_max,
                            tilt: theta,
                        },
                        distribution: dist,
                    });
                }
                // Levels still needed if the change kept shrinking at least 16-fold a level (faster
                // than the second-order rate, so this never gives up too early): give up now if
                // even that would pass the cap.
                let rate = (prev_worst / worst.1).max(16.0);
                let needed = ((worst.1 / opts.rel_tol).ln() / rate.ln()).ceil().max(1.0);
                if (n as f64) * needed.exp2() > cap as f64 {
                    return Err(ExactError::Accuracy {
                        statistic: worst.0,
                        reached: worst.1,
                        tolerance: opts.rel_tol,
                        max_log2: opts.max_log2,
                        points_log2: n.trailing_zeros(),
                        bucket: h,
                    });
                }
                prev_worst = worst.1;
                if !predicted {
                    predicted = true;
                    let skip = levels_to_skip(worst.1, opts.rel_tol, n, cap);
                    if skip > 0 {
                        // The levels skipped would only have been compared with one another:
                        // start afresh two levels below the predicted last one.
                        prev = None;
                        prev2 = None;
                        prev_worst = f64::INFINITY;
                        skipped = true;
                        h *= 0.5f64.powi(skip as i32 + 1);
                        n <<= skip + 1;
                        continue;
                    }
                }
            }
            prev2 = prev.take().map(|p| p.0);
            prev = Some((level, stats));
            h *= 0.5;
            n *= 2;
        }
        break;
    }
    Err(ExactError::Range {
        statistic: format!("var[{}]", max_level(levels)),
        max_log2: opts.max_log2,
    })
}

/// Levels to skip after the first comparison, whose largest relative change was `worst` at `n`
/// cells: the change shrinks about four-fold a level (second order), so the last level is
/// predicted at n·2^k with 4^k ≥ worst/rel_tol, and refinement resumes at n·2^(k − 2): when the
/// prediction holds, exactly the levels the result uses are computed (the last, the one before
/// for Richardson and the convergence test, and the one before that for the error bound), and
/// none between the first comparison and those. A slower-shrinking change refines on from there
/// as usual; one that shrinks faster ends on the first comparison after the skip, a level finer
/// than it needed, and the level below is then computed for the error bound alone (resuming a
/// level lower would avoid that, at the price of one level more in the usual case: W1 went from
/// 248M to 234M instructions with this choice). Never skips past `cap`/2,
/// so that two levels remain.
fn levels_to_skip(worst: f64, rel_tol: f64, n: usize, cap: usize) -> u32 {
    if !(worst > rel_tol) || !worst.is_finite() {
        return 0;
    }
    let k = ((worst / rel_tol).ln() / 4f64.ln()).ceil() as u32;
    let mut skip = k.saturating_sub(3).min(32);
    while skip > 0 && (n as u128) << (skip + 1) > (cap / 2) as u128 {
        skip -= 1;
    }
    skip
}

/// Cells per occurrence limit when the limit lies on the grid (below its top).
fn limit_cells_for(limit: f64, h: f64, n: usize) -> Option<usize> {
    (limit.is_finite() && limit < h * n as f64).then(|| (limit / h).round() as usize)
}

fn max_level(levels: &[f64]) -> f64 {
    levels.iter().copied().fold(0.99, f64::max)
}

/// The statistic that moved most between two levels, relative to its size.
fn worst_change(
    fine: &LevelStats,
    coarse: &LevelStats,
    levels: &[f64],
    thresholds: &[f64],
    grid_moments: bool,
) -> (String, f64) {
    let rel = |f: f64, c: f64| {
        let scale = richardson(f, c).abs();
        if f == c { 0.0 } else { (f - c).abs() / scale }
    };
    let mut worst = (String::from("mean"), 0.0);
    let mut consider = |name: &dyn Fn() -> String, r: f64| {
        if !(r <= worst.1) {
            worst = (name(), r);
        }
    };
    if grid_moments {
        consider(&|| "mean".into(), rel(fine.mean, coarse.mean));
        let sd = |s: &LevelStats| (s.m2 - s.mean * s.mean).max(0.0).sqrt();
        consider(&|| "std".into(), rel(sd(fine), sd(coarse)));
    }
    for (i, &p) in levels.iter().enumerate() {
        consider(&|| format!("var[{p}]"), rel(fine.var[i], coarse.var[i]));
        consider(&|| format!("tvar[{p}]"), rel(fine.tvar[i], coarse.tvar[i]));
    }
    for (i, &t) in thresholds.iter().enumerate() {
        let (f, c) = (fine.exceedance[i], coarse.exceedance[i]);
        let r = if (f - c).abs() <= PROBABILITY_FLOOR {
            0.0
        } else {
            rel(f, c)
        };
        consider(&|| format!("exceedance[{t}]"), r);
    }
    worst
}

/// The largest point to read: the aggregate limit if there is one (everything lives below it),
/// else the largest VaR asked for, located on a coarse grid that is enlarged until it holds it,
/// and the largest threshold.
#[allow(clippy::too_many_arguments)]
fn locate(
    planner: &mut FftPlanner<f64>,
    ws: &mut Workspace,
    perils: &[PerilInput<'_>],
    levels: &[f64],
    thresholds: &[f64],
    al: f64,
    limit: f64,
    opts: &ExactOptions,
) -> Result<f64, ExactError> {
    let t_max = thresholds.iter().copied().fold(0.0, f64::max);
    if al.is_finite() {
        return Ok(al);
    }
    let p = max_level(levels);
    // A generous first guess: moments, and the single-big-jump quantile of the severities.
    let en: f64 = perils.iter().map(|i| i.pgf_mean()).sum();
    let mut guess = 0.0f64;
    let mut mean = 0.0;
    let mut var = 0.0;
    for input in perils {
        let (ey, ey2) = input.layer.moments();
        let f = input.pgf_mean();
        mean += f * ey;
        var += f * ey2;
        let q = (1.0 - (1.0 - p) / (10.0 * en.max(1.0))).clamp(0.5, 1.0 - 1e-15);
        guess = guess.max(input.layer.quantile(q));
    }
    let sd = if var.is_finite() { var.sqrt() } else { 0.0 };
    let mut top = 4.0 * (mean + 10.0 * sd).max(2.0 * guess + mean).max(t_max);
    let max_top = top * 16f64.powi(8);
    while top <= max_top {
        let (h, n) = geometry(top, 1 << LOCATE_LOG2, f64::INFINITY);
        // The coarse pass only locates; the occurrence limit need not lie on its lattice (its
        // atoms are then rounded with the rest, which moves quantiles by at most h).
        let geo = Geometry {
            h,
            n,
            theta: TILT_TOTAL / top,
            read: n / 2,
            limit_cells: None,
            limit,
        };
        let level = Level::compute(planner, ws, perils, &geo);
        if let Some(v) = level.quantile(1.0 - p) {
            return Ok((v + 4.0 * h).max(t_max));
        }
        top *= 16.0;
    }
    Err(ExactError::Range {
        statistic: format!("var[{p}]"),
        max_log2: opts.max_log2,
    })
}

impl PerilInput<'_> {
    /// E[N] from the generating function's parameters.
    fn pgf_mean(&self) -> f64 {
        match &self.pgf {
            Pgf::Poisson { lambda } => *lambda,
            Pgf::NegBin { r, beta } => r * beta,
            Pgf::Mixed { rule, .. } => rule
                .nodes
                .iter()
                .zip(&rule.weights)
                .map(|(l, w)| l * w)
                .sum(),
        }
    }
}

/// The bound reported with the statistics (module docs, "Error bound").
///
/// Discretisation: at each reported point, the change between the last two levels, or a
/// quarter of the change between the two before if that is larger (a second-order error shrinks
/// four-fold a level; this keeps a change that happens to be small at one level from hiding
/// the error). Wrap-around: e^(−θT)·P(S ≥ T), with P(S ≥ T) ≤ P(S > x_max) read off the grid
/// (plus 1e-12). Rounding: the FFTs' relative error ε·log₂n on unit-mass sequences, amplified
/// by the untilting e^(θx) at the farthest point read, with a factor 4 to spare (varying θT
/// from 20 to 45 moves the results by ~100 times less than this). FAIR quadrature: its error
/// per frequency, amplified the same way.
fn error_bound(
    dist: &ExactDistribution,
    older: Option<&Level>,
    stats: &LossStats,
    perils: &[PerilInput<'_>],
    theta: f64,
    x_max: f64,
) -> f64 {
    let al = dist.aggregate_limit;
    let mut disc = 0.0f64;
    let points = stats
        .var
        .iter()
        .map(|v| v.value)
        .chain(stats.exceedance.iter().map(|e| e.threshold));
    for x in points {
        if let Some((f, c)) = dist.sf_pair(x) {
            disc = disc.max((f - c).abs());
            if let Some(o) = older.and_then(|l| exceedance_at(l, al, x)) {
                disc = disc.max(0.25 * (c - o).abs());
            }
        }
    }
    let n = dist.fine.n() as f64;
    let wraps = dist
        .fine
        .sf(x_max)
        .map_or(1.0, |p| (p + 1e-12).clamp(0.0, 1.0));
    let alias = (-TILT_TOTAL).exp() * wraps;
    let amplification = (theta * x_max).exp() * n.log2();
    let rounding = 4.0 * f64::EPSILON * amplification;
    let quadrature: f64 =
        perils.iter().map(|p| p.pgf.quadrature_bound()).sum::<f64>() * amplification;
    disc + alias + rounding + quadrature
}

/// S ≡ 0: every event below the deductible.
fn degenerate(levels: &[f64], thresholds: &[f64], frequencies: &[f64]) -> ExactResult {
    let dist = ExactDistribution {
        fine: Level::zero(),
        coarse: Level::zero(),
        aggregate_limit: f64::INFINITY,
        closed: Some((0.0, 0.0)),
    };
    let stats = LossStats::from_distribution(&dist, levels, thresholds);
    ExactResult {
        stats,
        error_bound: 0.0,
        perils: frequencies
            .iter()
            .map(|&f| PerilMean {
                frequency: f,
                mean: 0.0,
            })
            .collect(),
        closed_form_mean: Some(0.0),
        closed_form_std: Some(0.0),
        grid: GridSummary {
            bucket: 0.0,
            points: 0,
            top: 0.0,
            reach: 0.0,
            tilt: 0.0,
        },
        distribution: dist,
    }
}

/// A one-line description of the grid, for logs.
impl std::fmt::Display for GridSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "h = {:.6e}, n = 2^{}, top = {:.6e}, reach = {:.6e}, tilt = {:.3e}",
            self.bucket,
            self.points.trailing_zeros(),
            self.top,
            self.reach,
            self.tilt
        )
    }
}
