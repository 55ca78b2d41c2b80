//! Reading one level's statistics (moments, VaR, TVaR, exceedance of L = min(S, AL)) and the
//! Richardson-extrapolated distribution of the last two levels.

use super::ExactDistribution;
use super::grid::Level;
use crate::stats::LossDistribution;

/// Statistics of one level.
#[derive(Debug, Clone)]
pub(super) struct LevelStats {
    pub(super) mean: f64,
    pub(super) m2: f64,
    pub(super) var: Vec<f64>,
    pub(super) tvar: Vec<f64>,
    pub(super) exceedance: Vec<f64>,
}

/// Mean and second moment of L on one level: closed forms when given, else from the grid.
pub(super) fn moments(level: &Level, al: f64, closed: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match closed {
        Some(c) => Some(c),
        None => Some((level.integral(al)?, 2.0 * level.x_integral(al)?)),
    }
}

/// Lower quantile of L = min(S, AL) at level p.
pub(super) fn var_at(level: &Level, al: f64, p: f64) -> Option<f64> {
    let q = 1.0 - p;
    match level.quantile(q) {
        Some(v) => Some(v.min(al)),
        // Beyond the kept cells: that is at or above AL when the grid covers AL.
        None if al.is_finite() && al <= level.reach() && level.sf(al)? > q => Some(al),
        None => None,
    }
}

pub(super) fn tvar_at(level: &Level, al: f64, p: f64, v: f64, mean: f64) -> Option<f64> {
    if v >= al {
        return Some(al);
    }
    Some(v + (mean - level.integral(v)?) / (1.0 - p))
}

pub(super) fn exceedance_at(level: &Level, al: f64, t: f64) -> Option<f64> {
    if t >= al { Some(0.0) } else { level.sf(t) }
}

pub(super) fn level_stats(
    level: &Level,
    al: f64,
    closed: Option<(f64, f64)>,
    levels: &[f64],
    thresholds: &[f64],
) -> Result<LevelStats, String> {
    let (mean, m2) = moments(level, al, closed).ok_or("mean")?;
    let mut var = Vec::with_capacity(levels.len());
    let mut tvar = Vec::with_capacity(levels.len());
    for &p in levels {
        let v = var_at(level, al, p).ok_or_else(|| format!("var[{p}]"))?;
        var.push(v);
        tvar.push(tvar_at(level, al, p, v, mean).ok_or_else(|| format!("tvar[{p}]"))?);
    }
    let exceedance = thresholds
        .iter()
        .map(|&t| exceedance_at(level, al, t).ok_or_else(|| format!("exceedance[{t}]")))
        .collect::<Result<_, _>>()?;
    Ok(LevelStats {
        mean,
        m2,
        var,
        tvar,
        exceedance,
    })
}

/// Richardson extrapolation of a second-order quantity from steps h (coarse) and h/2 (fine).
#[inline]
pub(super) fn richardson(fine: f64, coarse: f64) -> f64 {
    if fine == coarse {
        fine
    } else {
        (4.0 * fine - coarse) / 3.0
    }
}

impl ExactDistribution {
    fn both<T>(&self, f: impl Fn(&Level) -> Option<T>) -> Option<(T, T)> {
        Some((f(&self.fine)?, f(&self.coarse)?))
    }

    pub(super) fn moments(&self) -> (f64, f64) {
        let al = self.aggregate_limit;
        match self.both(|l| moments(l, al, self.closed)) {
            // L ≥ 0, so E[L] ≥ 0 and E[L²] ≥ 0: the extrapolation of two nearly-zero integrals
            // (a deductible far above every loss) can land a rounding error below zero, which
            // is projected back onto the feasible set.
            Some(((m, s), (mc, sc))) => (richardson(m, mc).max(0.0), richardson(s, sc).max(0.0)),
            None => (f64::NAN, f64::NAN),
        }
    }

    /// P(L > x) from each of the two levels (fine, coarse).
    pub(super) fn sf_pair(&self, x: f64) -> Option<(f64, f64)> {
        let al = self.aggregate_limit;
        self.both(|l| exceedance_at(l, al, x))
    }
}

impl LossDistribution for ExactDistribution {
    fn mean(&self) -> f64 {
        self.moments().0
    }

    fn std(&self) -> f64 {
        let (m, m2) = self.moments();
        if m2.is_infinite() {
            f64::INFINITY
        } else {
            (m2 - m * m).max(0.0).sqrt()
        }
    }

    /// NaN when the level's VaR lies beyond the grid. Within [0, AL]: the extrapolation of two
    /// quantiles at 0 can otherwise leave a rounding error below zero.
    fn var(&self, level: f64) -> f64 {
        let al = self.aggregate_limit;
        self.both(|l| var_at(l, al, level))
            .map_or(f64::NAN, |(f, c)| richardson(f, c).min(al).max(0.0))
    }

    /// NaN when the level's VaR lies beyond the grid. At least the VaR at the same level (TVaR_p
    /// = VaR_p + E[(L − VaR_p)⁺]/(1 − p) ≥ VaR_p): when nothing lies above the VaR (a deductible
    /// above every loss) the extrapolated tail mean is a rounding error either side of zero.
    fn tvar(&self, level: f64) -> f64 {
        let al = self.aggregate_limit;
        let closed = self.closed;
        let var = self.var(level);
        self.both(|l| {
            let (mean, _) = moments(l, al, closed)?;
            let v = var_at(l, al, level)?;
            tvar_at(l, al, level, v, mean)
        })
        .map_or(f64::NAN, |(f, c)| richardson(f, c).min(al).max(var))
    }

    /// NaN beyond the grid.
    fn exceedance(&self, threshold: f64) -> f64 {
        self.sf_pair(threshold)
            .map_or(f64::NAN, |(f, c)| richardson(f, c).clamp(0.0, 1.0))
    }
}
