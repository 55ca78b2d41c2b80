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

use rayon::prelude::*;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex64;

use super::fft::{forward_real, inverse_by_forward};
use super::transform::Pgf;
use crate::dist::Layer;

/// Fills a lattice buffer with one peril's (untilted) severity cells.
type Fill<'a> = dyn Fn(&mut [f64]) + Sync + 'a;

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
    /// P(S > (k + ½)h), k < read. Cell k's lattice mass is s_(k−1) − s_k (see [`Level::cont`]).
    s: Vec<f64>,
    /// The running sum giving ∫₀^{(k + ½)h} P(S > x) dx at every CHECKPOINT-th k (the knots
    /// between are summed on from there when read: a third less memory per level).
    e: Vec<Sum>,
    /// Atom masses at j·l, j = 0, 1, … (only j = 0 without a limit on the lattice).
    atoms: Vec<f64>,
    /// Cells per limit (usize::MAX when only the atom at 0 exists).
    m: usize,
    limit: f64,
}

/// Knots between stored values of the running integral.
const CHECKPOINT: usize = 64;
/// Cells per parallel task when a level's cells are summed.
const READ_CHUNK: usize = 4096;

/// The running sum before each of `totals` (the first is 0).
fn running(totals: &[Sum]) -> Vec<Sum> {
    let mut acc = Sum::default();
    totals
        .iter()
        .map(|t| {
            let here = acc;
            acc.merge(*t);
            here
        })
        .collect()
}

/// Neumaier's compensated running sum: the error stays at a few ulps of the total, not n of them.
#[derive(Debug, Default, Clone, Copy)]
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

    /// Adds another running sum (its value and its compensation).
    #[inline]
    fn merge(&mut self, other: Sum) {
        self.add(other.s);
        self.c += other.c;
    }

    #[inline]
    fn value(&self) -> f64 {
        self.s + self.c
    }
}

/// Buffers of [`compound`], kept from one level to the next: a fresh buffer costs a page fault
/// per 4 KiB page when first written, which at these sizes costs about as much as the arithmetic.
/// The result cells go into `buf`, the transforms' input, once the last transform has read it.
#[derive(Default)]
pub(crate) struct Workspace {
    buf: Vec<f64>,
    spec: Vec<Complex64>,
    acc: Vec<Complex64>,
    scratch: Vec<Complex64>,
}

impl Workspace {
    /// The cells left by the last [`compound`].
    fn cells(&self, used: usize) -> &[f64] {
        &self.buf[..used]
    }
}

/// `v` with length `len`, its old contents unspecified (no new memory when it already has room).
fn sized<T: Copy + Default>(v: &mut Vec<T>, len: usize) -> &mut [T] {
    v.resize(len, T::default());
    &mut v[..]
}

/// Compound distribution on a lattice of `n` cells, of which only the first `used` matter:
/// each peril's fill writes its severity cells 0 … used − 1 (the aggregate on those cells
/// depends on no other severity cell, and dropping the rest only lowers the mass that wraps
/// around); `theta_h` is the tilt per cell. Leaves the untilted aggregate cells 0 … used − 1
/// in `ws.buf[..used]` and returns `used` (at most n).
///
/// Only a forward complex FFT of length n/4 is planned: the real transform goes through it with
/// a radix-2 step on top (see [`forward_real`]) and so does the inverse (see
/// [`inverse_by_forward`]), since planning, which computes the twiddle factors one `sin_cos` at a
/// time on one thread, costs about as much as the transforms. The plan is made while the first
/// peril's severity is discretised on the other threads. The tilt factors are made where they
/// are used (see [`tilt_each`]) rather than kept in a buffer.
fn compound(
    planner: &mut FftPlanner<f64>,
    ws: &mut Workspace,
    perils: &[(&Pgf, &Fill<'_>)],
    n: usize,
    used: usize,
    theta_h: f64,
) -> usize {
    let used = used.min(n);
    let Some(((_, first_fill), rest)) = perils.split_first() else {
        let cells = sized(&mut ws.buf, used);
        cells.fill(0.0);
        cells[0] = 1.0;
        return used;
    };
    let Workspace {
        buf,
        spec,
        acc,
        scratch,
    } = ws;
    debug_assert!(n >= 2 && n.is_power_of_two(), "n = {n}");
    let (fwd, ()) = rayon::join(
        || planner.plan_fft_forward(if n >= 4 { n / 4 } else { n / 2 }),
        || first_fill(&mut sized(buf, n)[..used]),
    );
    let half = n / 2 + 1;
    let scratch = sized(scratch, fwd.get_outofplace_scratch_len());
    let mut transform = |buf: &mut [f64], out: &mut [Complex64]| {
        buf[used..].fill(0.0);
        tilt_each(&mut buf[..used], theta_h, |b, t| *b *= t);
        forward_real(fwd.as_ref(), buf, out, scratch);
    };
    let acc = sized(acc, half);
    transform(buf, acc);
    let first_pgf = perils[0].0;
    acc.par_iter_mut()
        .with_min_len(1024)
        .for_each(|z| *z = first_pgf.eval(*z));
    if !rest.is_empty() {
        let spec = sized(spec, half);
        for (pgf, fill) in rest {
            fill(&mut buf[..used]);
            transform(buf, spec);
            acc.par_iter_mut()
                .zip(spec.par_iter())
                .with_min_len(1024)
                .for_each(|(a, &z)| *a *= pgf.eval(z));
        }
    }
    // The transform of a real sequence is real at 0 and at n/2; P_N keeps it so up to rounding.
    let last = acc.len() - 1;
    acc[0].im = 0.0;
    acc[last].im = 0.0;
    inverse_by_forward(fwd.as_ref(), acc, buf, scratch, used);
    let scale = 1.0 / n as f64;
    tilt_each(&mut buf[..used], theta_h, |b, t| *b *= scale / t);
    used
}

/// Calls `f(x_k, e^(−θh·k))` for every k < `xs.len()`: one `exp` per 64 cells, the cells between
/// by one multiplication with e^(−θh·j), j < 64 (within 2 ulps; the same factors tilt and
/// untilt, so what matters is only that they are close to geometric).
fn tilt_each(xs: &mut [f64], theta_h: f64, f: impl Fn(&mut f64, f64) + Sync) {
    const STEP: usize = 64;
    let steps: Vec<f64> = (0..STEP).map(|j| (-theta_h * j as f64).exp()).collect();
    xs.par_chunks_mut(STEP * 64)
        .enumerate()
        .for_each(|(c, chunk)| {
            for (i, sub) in chunk.chunks_mut(STEP).enumerate() {
                let base = (-theta_h * ((c * 64 + i) * STEP) as f64).exp();
                for (x, s) in sub.iter_mut().zip(&steps) {
                    f(x, base * s);
                }
            }
        });
}

impl Level {
    /// Computes the aggregate of `perils` on `geo`.
    pub(crate) fn compute(
        planner: &mut FftPlanner<f64>,
        ws: &mut Workspace,
        perils: &[PerilInput<'_>],
        geo: &Geometry,
    ) -> Level {
        let (h, n) = (geo.h, geo.n);
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
                let fills: Vec<Box<Fill<'_>>> = two_point
                    .iter()
                    .map(|&(a0, al)| {
                        Box::new(move |buf: &mut [f64]| {
                            buf.fill(0.0);
                            buf[0] = a0;
                            if let Some(b) = buf.get_mut(1) {
                                *b = al;
                            }
                        }) as Box<_>
                    })
                    .collect();
                let inputs: Vec<(&Pgf, &Fill<'_>)> = perils
                    .iter()
                    .zip(&fills)
                    .map(|(p, f)| (&p.pgf, f.as_ref()))
                    .collect();
                let used = compound(
                    planner,
                    ws,
                    &inputs,
                    big_m,
                    geo.read.div_ceil(m) + 1,
                    geo.theta * h * m as f64,
                );
                (ws.cells(used).to_vec(), m)
            }
            _ => {
                let a0 = perils
                    .iter()
                    .map(|p| p.pgf.eval(Complex64::new(p.layer.zero_mass(), 0.0)).re)
                    .product::<f64>();
                (vec![a0], usize::MAX)
            }
        };

        let fills: Vec<Box<Fill<'_>>> = perils
            .iter()
            .map(|p| Box::new(move |buf: &mut [f64]| p.layer.round_onto(h, buf)) as Box<_>)
            .collect();
        let inputs: Vec<(&Pgf, &Fill<'_>)> = perils
            .iter()
            .zip(&fills)
            .map(|(p, f)| (&p.pgf, f.as_ref()))
            .collect();
        let used = compound(planner, ws, &inputs, n, geo.read, geo.theta * h);
        let cells = ws.cells(used);

        let read = geo.read.min(n);
        // The distribution function by chunks in parallel: each chunk's sum, the running sum at
        // each chunk's start, then each chunk's own running sum from there.
        let cells = &cells[..read];
        let totals: Vec<Sum> = cells
            .par_chunks(READ_CHUNK)
            .map(|chunk| {
                let mut t = Sum::default();
                chunk.iter().for_each(|&p| t.add(p));
                t
            })
            .collect();
        let mut s = vec![0.0; read];
        s.par_chunks_mut(READ_CHUNK)
            .zip(cells.par_chunks(READ_CHUNK))
            .zip(running(&totals).into_par_iter())
            .for_each(|((s, cells), mut cdf)| {
                for (s, &p) in s.iter_mut().zip(cells) {
                    cdf.add(p);
                    *s = 1.0 - cdf.value();
                }
            });
        let mut level = Level {
            h,
            n,
            s,
            e: Vec::with_capacity(read / CHECKPOINT + 1),
            atoms,
            m,
            limit: geo.limit,
        };
        // The running integral at the checkpoints: the segments between two checkpoints summed
        // in parallel, then added up in order.
        let len = level.s.len();
        let between: Vec<Sum> = (0..len.saturating_sub(1).div_ceil(CHECKPOINT))
            .into_par_iter()
            .with_min_len(16)
            .map(|j| {
                let mut t = Sum::default();
                for k in j * CHECKPOINT + 1..((j + 1) * CHECKPOINT + 1).min(len) {
                    t.add(level.full_segment_integral(k));
                }
                t
            })
            .collect();
        let mut integral = Sum::default();
        integral.add(level.first_integral(1.0, 0));
        level.e.push(integral);
        for t in between {
            integral.merge(t);
            level.e.push(integral);
        }
        level
    }

    /// S ≡ 0 (every event under the deductible). An infinite bucket makes every reader stay in
    /// the first half-cell, where the atom at 0 holds all the mass.
    pub(crate) fn zero() -> Level {
        Level {
            h: f64::INFINITY,
            n: 1,
            s: vec![0.0],
            e: vec![Sum::default()],
            atoms: vec![1.0],
            m: usize::MAX,
            limit: f64::INFINITY,
        }
    }

    /// Number of cells n.
    pub(crate) fn n(&self) -> usize {
        self.n
    }

    /// Mass of the atom at cell k (0 unless k·h is 0 or a multiple of the limit).
    fn atom_at(&self, k: usize) -> f64 {
        if k == 0 {
            self.atoms[0]
        } else if self.is_atom_cell(k) {
            self.atoms.get(k / self.m).copied().unwrap_or(0.0)
        } else {
            0.0
        }
    }

    /// Continuous mass of cell k < read: its lattice mass s_(k−1) − s_k (s_(−1) = 1) minus the
    /// exact atom there. Recomputed where read rather than kept (8 bytes a kept cell, a quarter
    /// of a level's memory and its page faults); its absolute error is that of the s_k, a few
    /// ulps of the larger, as when it was the FFT's cell minus the atom.
    fn cont(&self, k: usize) -> f64 {
        let above = if k == 0 { 1.0 } else { self.s[k - 1] };
        above - self.s[k] - self.atom_at(k)
    }

    /// Position of the atom of cell k ≥ 1 as a multiple of the limit (exact for exact inputs).
    fn atom_x(&self, k: usize) -> f64 {
        (k / self.m) as f64 * self.limit
    }

    /// Whether cell k holds an atom (cell 0 always does, maybe of mass 0).
    fn is_atom_cell(&self, k: usize) -> bool {
        k == 0 || (self.m != usize::MAX && k.is_multiple_of(self.m))
    }

    /// How segment k ≥ 1, between knots k − 1 and k, is read.
    ///
    /// Where the survival function is smooth, by the cubic through four consecutive knots
    /// (centred if possible, shifted one knot away from an atom otherwise): fourth order, so the
    /// reading adds nothing to the discretisation's second-order error and the error does not
    /// depend on where x falls in its cell. A cell holding an atom (at 0 or j·l) is where the
    /// aggregate jumps and its density may jump too: its continuous mass is split between the
    /// two half-cells in the ratio of the densities extrapolated from either side, each half
    /// read as uniform. Anything else (too close to the ends of the kept cells) is read as
    /// uniform over the cell.
    fn shape(&self, k: usize) -> Shape {
        let len = self.s.len();
        if !self.is_atom_cell(k) {
            // Knots j … j + 3 span the centres j + 1 … j + 3.
            for j in [k as isize - 2, k as isize - 3, k as isize - 1] {
                if j >= 0
                    && (j + 3) < len as isize
                    && !(1..=3).any(|i| self.is_atom_cell((j + i) as usize))
                {
                    return Shape::Cubic(j as usize);
                }
            }
            let half = 0.5 * self.cont(k);
            return Shape::Split(half, half);
        }
        let clean = |i: usize| i >= 1 && i < len && !self.is_atom_cell(i);
        if k >= 3 && clean(k - 1) && clean(k - 2) && clean(k + 1) && clean(k + 2) {
            let c = |i: usize| self.cont(i);
            // Densities at the half-cells' centres, c ∓ h/4, extrapolated linearly from the two
            // cells on each side.
            let left = (c(k - 1) + 0.75 * (c(k - 1) - c(k - 2))).max(0.0);
            let right = (c(k + 1) + 0.75 * (c(k + 1) - c(k + 2))).max(0.0);
            if left + right > 0.0 {
                let m_left = c(k) * left / (left + right);
                return Shape::Split(m_left, c(k) - m_left);
            }
        }
        let half = 0.5 * self.cont(k);
        Shape::Split(half, half)
    }

    /// P(S > x) at fraction τ ∈ [0, 1] of segment k ≥ 1; `past_atom` says whether x is at or
    /// beyond the atom at the cell's centre (when there is one).
    fn segment_sf(&self, k: usize, shape: Shape, tau: f64, past_atom: bool) -> f64 {
        match shape {
            Shape::Cubic(j) => {
                // Lagrange through the knots at offsets j + i − (k − 1), i = 0…3 (in cells):
                // with u = τ − offset₀ the basis is Π_{l≠i}(u − l)/Π_{l≠i}(i − l).
                let u = tau - (j as f64 - (k as f64 - 1.0));
                let (a, b, c, d) = (u, u - 1.0, u - 2.0, u - 3.0);
                let s = &self.s[j..j + 4];
                -s[0] * b * c * d / 6.0 + s[1] * a * c * d / 2.0 - s[2] * a * b * d / 2.0
                    + s[3] * a * b * c / 6.0
            }
            Shape::Split(m_left, m_right) => {
                let s0 = self.s[k - 1];
                if tau <= 0.5 && !past_atom {
                    s0 - 2.0 * m_left * tau
                } else {
                    s0 - m_left - self.atom_at(k) - 2.0 * m_right * (tau - 0.5).max(0.0)
                }
            }
        }
    }

    /// ∫ P(S > x) x^power dx over the first fraction τ of segment k ≥ 1, by 3-point
    /// Gauss–Legendre on each smooth piece (exact: the pieces are polynomials of degree ≤ 3,
    /// times x at most).
    fn segment_integral(&self, k: usize, tau: f64, power: i32) -> f64 {
        let shape = self.shape(k);
        let a = (k as f64 - 0.5) * self.h;
        let piece = |t0: f64, t1: f64, past_atom: bool| {
            let (mid, half) = (0.5 * (t0 + t1), 0.5 * (t1 - t0));
            GL3.iter()
                .map(|&(node, weight)| {
                    let t = mid + half * node;
                    let x = a + t * self.h;
                    weight * x.powi(power) * self.segment_sf(k, shape, t, past_atom)
                })
                .sum::<f64>()
                * half
                * self.h
        };
        match shape {
            Shape::Cubic(_) => piece(0.0, tau, false),
            Shape::Split(..) if tau <= 0.5 => piece(0.0, tau, false),
            Shape::Split(..) => piece(0.0, 0.5, false) + piece(0.5, tau, true),
        }
    }

    /// ∫ P(S > x) dx over the whole of segment k ≥ 1: the same as
    /// `segment_integral(k, 1.0, 0)`, with the cubics' weights in closed form because it runs
    /// once per cell: nodes −1 … 2 (centred), (−1, 13, 13, −1)/24; nodes −2 … 1,
    /// Adams–Moulton's (1, −5, 19, 9)/24; nodes 0 … 3, its mirror (9, 19, −5, 1)/24.
    fn full_segment_integral(&self, k: usize) -> f64 {
        match self.shape(k) {
            Shape::Cubic(j) => {
                let s = &self.s[j..j + 4];
                let w: [f64; 4] = match j as isize - (k as isize - 1) {
                    -1 => [-1.0, 13.0, 13.0, -1.0],
                    -2 => [1.0, -5.0, 19.0, 9.0],
                    _ => [9.0, 19.0, -5.0, 1.0],
                };
                self.h * (w[0] * s[0] + w[1] * s[1] + w[2] * s[2] + w[3] * s[3]) / 24.0
            }
            Shape::Split(..) => self.segment_integral(k, 1.0, 0),
        }
    }

    /// ∫ P(S > x) x^power dx over [0, τh/2] (the first half-cell, after the atom at 0).
    fn first_integral(&self, tau: f64, power: i32) -> f64 {
        let y = 0.5 * self.h * tau;
        let (a0, c0) = (1.0 - self.atoms[0], self.cont(0));
        if self.h.is_infinite() {
            return 0.0;
        }
        // S̄(x) = a0 − c0 · 2x/h on [0, h/2].
        match power {
            0 => a0 * y - c0 * y * y / self.h,
            _ => a0 * y * y / 2.0 - c0 * 2.0 * y * y * y / (3.0 * self.h),
        }
    }

    /// Segment of x > h/2: the k ≥ 1 with (k − ½)h < x ≤ (k + ½)h; None beyond the kept cells.
    fn segment(&self, x: f64) -> Option<usize> {
        let k = (x / self.h - 0.5).ceil().max(1.0);
        (k < self.s.len() as f64).then_some(k as usize)
    }

    /// ∫₀^{(k + ½)h} P(S > x) dx: the checkpoint's running sum continued to knot k (the same
    /// additions in the same order as one sum over all knots).
    fn e_at(&self, k: usize) -> f64 {
        let j = k / CHECKPOINT;
        let mut sum = self.e[j];
        for i in j * CHECKPOINT + 1..=k {
            sum.add(self.full_segment_integral(i));
        }
        sum.value()
    }

    /// Largest x this level can read.
    pub(crate) fn reach(&self) -> f64 {
        (self.s.len() as f64 - 1.5) * self.h
    }

    /// Fraction of segment k at which x lies.
    fn tau(&self, k: usize, x: f64) -> f64 {
        (x / self.h - (k as f64 - 0.5)).clamp(0.0, 1.0)
    }

    /// P(S > x); None beyond the kept cells.
    pub(crate) fn sf(&self, x: f64) -> Option<f64> {
        if x < 0.0 {
            return Some(1.0);
        }
        if x <= 0.5 * self.h {
            return Some(1.0 - self.atoms[0] - self.cont(0) * 2.0 * x / self.h);
        }
        let k = self.segment(x)?;
        let past_atom = self.is_atom_cell(k) && x >= self.atom_x(k);
        Some(self.segment_sf(k, self.shape(k), self.tau(k, x), past_atom))
    }

    /// ∫₀^x P(S > u) du for x ≥ 0; None beyond the kept cells.
    pub(crate) fn integral(&self, x: f64) -> Option<f64> {
        if x <= 0.0 {
            return Some(0.0);
        }
        if x <= 0.5 * self.h {
            return Some(self.first_integral(2.0 * x / self.h, 0));
        }
        let k = self.segment(x)?;
        Some(self.e_at(k - 1) + self.segment_integral(k, self.tau(k, x), 0))
    }

    /// ∫₀^x u P(S > u) du for x ≥ 0, segment by segment; None beyond the kept cells.
    pub(crate) fn x_integral(&self, x: f64) -> Option<f64> {
        if x <= 0.0 {
            return Some(0.0);
        }
        if x <= 0.5 * self.h {
            return Some(self.first_integral(2.0 * x / self.h, 1));
        }
        let last = self.segment(x)?;
        let mut acc = Sum::default();
        acc.add(self.first_integral(1.0, 1));
        for k in 1..last {
            acc.add(self.segment_integral(k, 1.0, 1));
        }
        acc.add(self.segment_integral(last, self.tau(last, x), 1));
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
            let c = self.cont(0);
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
        let shape = self.shape(k);
        if let Shape::Split(m_left, m_right) = shape {
            let s0 = self.s[k - 1];
            let at_atom = s0 - m_left;
            let x = if at_atom <= q {
                a + h * (s0 - q) / (2.0 * m_left)
            } else if self.is_atom_cell(k) && at_atom - self.atom_at(k) <= q {
                self.atom_x(k)
            } else {
                a + h * (0.5 + (at_atom - self.atom_at(k) - q) / (2.0 * m_right))
            };
            return Some(if x.is_finite() {
                x.clamp(a, a + h)
            } else {
                a + 0.5 * h
            });
        }
        // The cubic falls from above q to at most q across the segment: bisect.
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if self.segment_sf(k, shape, mid, false) <= q {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(a + hi * h)
    }
}

/// How a segment is read (see [`Level::shape`]).
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// The cubic through knots j … j + 3.
    Cubic(usize),
    /// Continuous mass in the left and right half-cells, each uniform.
    Split(f64, f64),
}

/// 3-point Gauss–Legendre nodes and weights on [−1, 1].
#[allow(clippy::excessive_precision)]
const GL3: [(f64, f64); 3] = [
    (-0.774_596_669_241_483_4, 0.555_555_555_555_555_6),
    (0.0, 0.888_888_888_888_888_9),
    (0.774_596_669_241_483_4, 0.555_555_555_555_555_6),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Frequency, Severity};

    /// W1 on a small grid, with an occurrence limit so that atoms and split cells occur.
    fn level() -> Level {
        let sev = Severity::lognormal(150_000.0, 2.0).unwrap();
        let layer = Layer::new(&sev, 10_000.0, 2_000_000.0);
        let perils = [PerilInput {
            layer,
            pgf: Pgf::new(&Frequency::poisson(0.8).unwrap(), 0).unwrap(),
        }];
        let (h, n) = (2_000_000.0 / 64.0, 1 << 12);
        let geo = Geometry {
            h,
            n,
            theta: 30.0 / (h * n as f64),
            read: n / 4,
            limit_cells: Some(64),
            limit: 2_000_000.0,
        };
        Level::compute(
            &mut FftPlanner::new(),
            &mut Workspace::default(),
            &perils,
            &geo,
        )
    }

    #[test]
    fn closed_form_segment_integrals_match_the_quadrature() {
        let l = level();
        for k in 1..l.s.len() {
            let (a, b) = (l.full_segment_integral(k), l.segment_integral(k, 1.0, 0));
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1e-300) * l.h,
                "{k}: {a} vs {b}"
            );
        }
    }

    #[test]
    fn readers_are_consistent() {
        let l = level();
        // The survival function is non-increasing, jumps by the atoms, and its integral's
        // derivative is itself.
        let mut prev = 1.0;
        for i in 0..4000 {
            let x = i as f64 * 1234.5;
            let s = l.sf(x).unwrap();
            assert!(s <= prev + 1e-12, "{x}: {s} > {prev}");
            prev = s;
            if i > 0 {
                let d = 1e-3 * l.h;
                let deriv = (l.integral(x + d).unwrap() - l.integral(x - d).unwrap()) / (2.0 * d);
                assert!((deriv - s).abs() < 1e-7, "{x}: {deriv} vs {s}");
            }
        }
        // The quantile inverts the survival function.
        for q in [0.5, 0.1, 0.05, 0.01, 0.001] {
            let x = l.quantile(q).unwrap();
            assert!(l.sf(x).unwrap() <= q + 1e-12 && l.sf(x - 1e-6 * x).unwrap() > q - 1e-12);
        }
        // An atom at the limit: P(S ≥ l) − P(S > l) is at least P(N = 1, X > d + l)·….
        let lim = 2_000_000.0;
        assert!(l.sf(lim - 1e-6).unwrap() - l.sf(lim).unwrap() > 1e-3);
    }
}
