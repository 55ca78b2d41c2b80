//! One discretisation level: the aggregate distribution on the lattice {0, h, …, (n − 1)h} by a
//! tilted FFT, and readers of its survival function, integrals and quantiles.
//!
//! # The computation
//! Each peril's per-event insured severity Y is rounded onto the lattice (cell k holds
//! P((k − ½)h < Y ≤ (k + ½)h)), multiplied by the tilt e^(−θkh), transformed (real FFT of length
//! n), and mapped through its frequency's generating function P_N; the perils' transforms are
//! multiplied, transformed back and untilted by e^(θkh)/n. Tilting commutes with convolution,
//! so this is the aggregate's lattice distribution, except that the circular convolution wraps
//! mass from cells ≥ n onto cell k ∈ [0, n) with weight e^(−θ(n·h)) per turn: the wrap-around
//! error of every cell, and of every cumulative sum, is at most e^(−θT)·P(S ≥ T), T = nh
//! (Grübel & Hermesmeier 1999). Severity mass above the lattice is dropped: a year with such an
//! event lies above the lattice anyway, so cells below n stay exact.
//!
//! # The reading
//! The atoms of the aggregate S (at 0, and at multiples j·l of a finite occurrence limit l that
//! lies on the lattice: years whose every event is at 0 or at the limit) are computed exactly on
//! their own lattice and kept apart; the rest, the continuous part, is read as the rounding
//! method suggests: its distribution function is linear between the knots ((k + ½)h, Σ_{i≤k}
//! cont_i), anchored at (0, 0). That reading is second order in h away from atoms and kinks.

use realfft::RealFftPlanner;
use realfft::num_complex::Complex64;
use rayon::prelude::*;

use super::transform::Pgf;
use crate::dist::Layer;

/// One peril as the grid sees it: the per-event insured severity and the count's generating
/// function.
#[derive(Debug, Clone)]
pub(crate) struct PerilInput<'a> {
    pub layer: Layer<'a>,
    pub pgf: Pgf,
}

/// Lattice geometry of one level.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    /// Bucket size h (currency units).
    pub h: f64,
    /// Number of cells n (a power of two); the top is T = nh.
    pub n: usize,
    /// Tilt θ per currency unit.
    pub theta: f64,
    /// Cells kept for reading (from 0).
    pub read: usize,
    /// Cells per occurrence limit when the limit lies on the lattice (l = m·h), else None.
    pub limit_cells: Option<usize>,
    /// The occurrence limit l (atoms sit at j·l).
    pub limit: f64,
}

/// The aggregate distribution of one level, restricted to the cells kept for reading.
#[derive(Debug, Clone)]
pub(crate) struct Level {
    h: f64,
    n: usize,
    /// P(S > (k + ½)h), k < read.
    s: Vec<f64>,
    /// Continuous mass of cell k (lattice mass minus the exact atom there), k < read.
    cont: Vec<f64>,
    /// ∫₀^{(k + ½)h} P(S > x) dx, k < read.
    e: Vec<f64>,
    /// Atom masses at j·l, j = 0, 1, … (only j = 0 without a limit on the lattice).
    atoms: Vec<f64>,
    /// Cells per limit (usize::MAX when only the atom at 0 exists).
    m: usize,
    limit: f64,
}

/// Neumaier's compensated running sum: the error stays at a few ulps of the total, not n of them.
#[derive(Default, Clone, Copy)]
struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
    #[inline]
    fn add(&mut self, x: f64) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c += (self.s - t) + x;
        } else {
            self.c += (x - t) + self.s;
        }
        self.s = t;
    }

    #[inline]
    fn value(&self) -> f64 {
        self.s + self.c
    }
}

/// Compound distribution on a lattice of `n` cells: `sev[k]` gives each peril's severity cells,
/// `theta_h` is the tilt per cell. Returns the untilted aggregate cells.
fn compound(
    planner: &mut RealFftPlanner<f64>,
    perils: &[(&Pgf, &dyn Fn(&mut [f64]))],
    n: usize,
    theta_h: f64,
) -> Vec<f64> {
    let tilt: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|k| (-theta_h * k as f64).exp())
        .collect();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(n);
    let mut buf = vec![0.0; n];
    let mut spec = fwd.make_output_vec();
    let mut acc = vec![Complex64::new(1.0, 0.0); spec.len()];
    for (pgf, fill) in perils {
        fill(&mut buf);
        buf.par_iter_mut()
            .zip(tilt.par_iter())
            .for_each(|(b, t)| *b *= t);
        fwd.process(&mut buf, &mut spec)
            .expect("buffer lengths come from the plan");
        acc.par_iter_mut()
            .zip(spec.par_iter())
            .with_min_len(1024)
            .for_each(|(a, &z)| *a *= pgf.eval(z));
    }
    // The transform of a real sequence is real at 0 and at n/2; P_N keeps it so up to rounding.
    let last = acc.len() - 1;
    acc[0].im = 0.0;
    if n % 2 == 0 {
        acc[last].im = 0.0;
    }
    inv.process(&mut acc, &mut buf)
        .expect("buffer lengths come from the plan");
    let scale = 1.0 / n as f64;
    buf.par_iter_mut()
        .zip(tilt.par_iter())
        .for_each(|(b, t)| *b *= scale / t);
    buf
}

impl Level {
    /// Computes the aggregate of `perils` on `geo`.
    pub(crate) fn compute(
        planner: &mut RealFftPlanner<f64>,
        perils: &[PerilInput<'_>],
        geo: &Geometry,
    ) -> Level {
        let (h, n) = (geo.h, geo.n);
        let fills: Vec<Box<dyn Fn(&mut [f64]) + '_>> = perils
            .iter()
            .map(|p| Box::new(move |buf: &mut [f64]| p.layer.round_onto(h, buf)) as Box<_>)
            .collect();
        let inputs: Vec<(&Pgf, &dyn Fn(&mut [f64]))> = perils
            .iter()
            .zip(&fills)
            .map(|(p, f)| (&p.pgf, f.as_ref()))
            .collect();
        let cells = compound(planner, &inputs, n, geo.theta * h);

        // Atoms: years whose every event is at 0 or at the limit. On the limit's own lattice
        // (spacing l, covering the same top T so that its wrap-around is as small), each peril's
        // severity is the two-point defective law {0: P(Y = 0), 1: P(Y = l)}.
        let (atoms, m) = match geo.limit_cells {
            Some(m) if m < n => {
                let big_m = n.div_ceil(m).next_power_of_two().max(2);
                let two_point: Vec<(f64, f64)> = perils
                    .iter()
                    .map(|p| (p.layer.zero_mass(), p.layer.limit_mass()))
                    .collect();
                let fills: Vec<Box<dyn Fn(&mut [f64])>> = two_point
                    .iter()
                    .map(|&(a0, al)| {
                        Box::new(move |buf: &mut [f64]| {
                            buf.fill(0.0);
                            buf[0] = a0;
                            buf[1] = al;
                        }) as Box<_>
                    })
                    .collect();
                let inputs: Vec<(&Pgf, &dyn Fn(&mut [f64]))> = perils
                    .iter()
                    .zip(&fills)
                    .map(|(p, f)| (&p.pgf, f.as_ref()))
                    .collect();
                let mut a = compound(planner, &inputs, big_m, geo.theta * h * m as f64);
                a.truncate(geo.read.div_ceil(m) + 1);
                (a, m)
            }
            _ => {
                let a0 = perils
                    .iter()
                    .map(|p| {
                        p.pgf
                            .eval(Complex64::new(p.layer.zero_mass(), 0.0))
                            .re
                    })
                    .product::<f64>();
                (vec![a0], usize::MAX)
            }
        };

        let read = geo.read.min(n);
        let atom_at = |k: usize| -> f64 {
            if k == 0 {
                atoms[0]
            } else if m != usize::MAX && k % m == 0 {
                atoms.get(k / m).copied().unwrap_or(0.0)
            } else {
                0.0
            }
        };
        let mut s = Vec::with_capacity(read);
        let mut cont = Vec::with_capacity(read);
        let mut e = Vec::with_capacity(read);
        let mut cdf = Sum::default();
        let mut integral = Sum::default();
        let mut prev_s = 1.0 - atoms[0];
        for (k, &p) in cells.iter().take(read).enumerate() {
            cdf.add(p);
            let sk = 1.0 - cdf.value();
            let width = if k == 0 { 0.5 * h } else { h };
            // Trapezoid on the knots is exact for the reading: linear continuous part, and an
            // atom at the cell's centre contributes half a cell (see `Level::integral`).
            integral.add(0.5 * width * (prev_s + sk));
            s.push(sk);
            cont.push(p - atom_at(k));
            e.push(integral.value());
            prev_s = sk;
        }
        Level {
            h,
            n,
            s,
            cont,
            e,
            atoms,
            m,
            limit: geo.limit,
        }
    }

    /// Bucket size h.
    pub(crate) fn h(&self) -> f64 {
        self.h
    }

    /// Number of cells n.
    pub(crate) fn n(&self) -> usize {
        self.n
    }

    /// Mass of the atom at cell k (0 unless k·h is 0 or a multiple of the limit).
    fn atom_at(&self, k: usize) -> f64 {
        if k == 0 {
            self.atoms[0]
        } else if self.m != usize::MAX && k % self.m == 0 {
            self.atoms.get(k / self.m).copied().unwrap_or(0.0)
        } else {
            0.0
        }
    }

    /// Position of the atom at cell k, as a multiple of the limit (exact for exact inputs).
    fn atom_x(&self, k: usize) -> f64 {
        if k == 0 {
            0.0
        } else if self.m != usize::MAX && k % self.m == 0 {
            (k / self.m) as f64 * self.limit
        } else {
            k as f64 * self.h
        }
    }

    /// Segment of x > h/2: the k ≥ 1 with (k − ½)h < x ≤ (k + ½)h; None beyond the kept cells.
    fn segment(&self, x: f64) -> Option<usize> {
        let k = (x / self.h - 0.5).ceil().max(1.0);
        (k < self.s.len() as f64).then_some(k as usize)
    }

    /// Largest x this level can read.
    pub(crate) fn reach(&self) -> f64 {
        (self.s.len() as f64 - 0.5) * self.h
    }

    /// P(S > x); None beyond the kept cells.
    pub(crate) fn sf(&self, x: f64) -> Option<f64> {
        if x < 0.0 {
            return Some(1.0);
        }
        if x <= 0.5 * self.h {
            return Some(1.0 - self.atoms[0] - self.cont[0] * 2.0 * x / self.h);
        }
        let k = self.segment(x)?;
        let a = (k as f64 - 0.5) * self.h;
        let mut v = self.s[k - 1] - self.cont[k] * (x - a) / self.h;
        if x >= self.atom_x(k) {
            v -= self.atom_at(k);
        }
        Some(v)
    }

    /// ∫₀^x P(S > u) du for x ≥ 0; None beyond the kept cells.
    pub(crate) fn integral(&self, x: f64) -> Option<f64> {
        if x <= 0.0 {
            return Some(0.0);
        }
        if x <= 0.5 * self.h {
            return Some((1.0 - self.atoms[0]) * x - self.cont[0] * x * x / self.h);
        }
        let k = self.segment(x)?;
        let a = (k as f64 - 0.5) * self.h;
        let d = x - a;
        let c = self.atom_x(k);
        Some(
            self.e[k - 1] + self.s[k - 1] * d - self.cont[k] * d * d / (2.0 * self.h)
                - self.atom_at(k) * (x - c).max(0.0),
        )
    }

    /// ∫₀^x u P(S > u) du for x ≥ 0, segment by segment; None beyond the kept cells.
    pub(crate) fn x_integral(&self, x: f64) -> Option<f64> {
        if x <= 0.0 {
            return Some(0.0);
        }
        let h = self.h;
        let first = |y: f64| (1.0 - self.atoms[0]) * y * y / 2.0 - self.cont[0] * 2.0 * y * y * y / (3.0 * h);
        if x <= 0.5 * h {
            return Some(first(x));
        }
        let last = self.segment(x)?;
        let mut acc = Sum::default();
        acc.add(first(0.5 * h));
        // ∫_a^{a+d} u (s − c (u − a)/h − atom·1{u ≥ centre}) du.
        let piece = |k: usize, d: f64| {
            let a = (k as f64 - 0.5) * h;
            let c = self.atom_x(k);
            let b = a + d;
            let atom = if b > c {
                self.atom_at(k) * (b * b - c * c) / 2.0
            } else {
                0.0
            };
            self.s[k - 1] * (a * d + d * d / 2.0) - self.cont[k] / h * (a * d * d / 2.0 + d * d * d / 3.0)
                - atom
        };
        for k in 1..last {
            acc.add(piece(k, h));
        }
        acc.add(piece(last, x - (last as f64 - 0.5) * h));
        Some(acc.value())
    }

    /// Smallest x ≥ 0 with P(S > x) ≤ q (the lower quantile at level 1 − q); None when that is
    /// beyond the kept cells.
    pub(crate) fn quantile(&self, q: f64) -> Option<f64> {
        let h = self.h;
        let top0 = 1.0 - self.atoms[0];
        if top0 <= q {
            return Some(0.0);
        }
        if self.s[0] <= q {
            let c = self.cont[0];
            return Some((0.5 * h * (top0 - q) / c).clamp(0.0, 0.5 * h));
        }
        // First knot k ≥ 1 with s_k ≤ q (s is non-increasing up to rounding).
        let (mut lo, mut hi) = (0usize, self.s.len());
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if self.s[mid] <= q {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        if hi >= self.s.len() {
            return None;
        }
        let k = hi;
        let a = (k as f64 - 0.5) * h;
        let c = self.atom_x(k);
        let (sl, ck, ak) = (self.s[k - 1], self.cont[k], self.atom_at(k));
        // Left of the atom the survival falls linearly from s_{k−1}; then it drops by the atom.
        let at_centre = sl - ck * (c - a) / h;
        let x = if at_centre <= q {
            a + h * (sl - q) / ck
        } else if at_centre - ak <= q {
            c
        } else {
            c + h * (at_centre - ak - q) / ck
        };
        Some(x.clamp(a, a + h))
    }
}
