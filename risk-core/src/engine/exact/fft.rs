//! The real FFT of the exact method, through one forward complex plan of a quarter length:
//! the half spectrum of a real sequence by one radix-2 step and real packing on top of it, the
//! inverse as the same forward transform (the Hartley identity), and twiddle factors made in
//! runs where they are used.

use rayon::prelude::*;
use rustfft::Fft;
use rustfft::num_complex::Complex64;

/// Twiddle factors per `sin_cos` in [`Twiddles`]: the others are products with a table.
const TWIDDLE_RUN: usize = 256;

/// The twiddle factors e^(−2πik/N), made in runs of [`TWIDDLE_RUN`] consecutive k: one
/// `sin_cos` per run, times a table of the steps within a run (within a few ulps). A plan made
/// by rustfft or realfft computes each of its factors by a `sin_cos` of its own, once per length;
/// these are made where they are used, in parallel, and take no memory.
struct Twiddles {
    angle: f64,
    steps: Vec<Complex64>,
}

impl Twiddles {
    fn new(big_n: usize) -> Self {
        let angle = -2.0 * std::f64::consts::PI / big_n as f64;
        let steps = (0..TWIDDLE_RUN).map(|k| cis(angle * k as f64)).collect();
        Twiddles { angle, steps }
    }

    /// e^(−2πik/N) by one `sin_cos`.
    fn at(&self, k: usize) -> Complex64 {
        cis(self.angle * k as f64)
    }

    /// e^(−2πik/N) for k = first, first + 1, … (at most [`TWIDDLE_RUN`] of them).
    fn run(&self, first: usize) -> impl Iterator<Item = Complex64> + '_ {
        let base = self.at(first);
        self.steps.iter().map(move |&s| base * s)
    }
}

/// e^(iφ).
fn cis(phi: f64) -> Complex64 {
    let (sin, cos) = phi.sin_cos();
    Complex64::new(cos, sin)
}

/// The half spectrum X[0 … n/2] of the real sequence `x` of even length n = 2m into `out`
/// (length m + 1), through the complex transform `fft` of length m, or of length m/2 with one
/// radix-2 step on top (`x` is overwritten).
///
/// # Formula
/// Read as complex pairs, z_j = x_2j + i·x_2j+1 has the transform Z = FFT_m(z); the transforms
/// of the even and the odd samples are E_k = (Z_k + conj Z_(m−k))/2 and
/// O_k = (Z_k − conj Z_(m−k))/(2i), and X_k = E_k + w^k·O_k, X_(m−k) = conj(E_k − w^k·O_k),
/// w = e^(−2πi/n) (Z_m ≡ Z_0). With a plan of length m/2, Z itself comes from the transforms A
/// and B of the even and the odd z_j: Z_k = A_k + v^k·B_k, Z_(k+m/2) = A_k − v^k·B_k,
/// v = e^(−2πi/m) (decimation in time). Each level then plans at half the length: planning
/// computes every twiddle factor by a `sin_cos` of its own on one thread and keeps them, and at
/// 2¹⁸ points that costs more than the two passes over the data that the extra step adds (W1:
/// 227M → 215M instructions, 450 page faults fewer). A ready-made real transform (realfft)
/// would also plan n/4 factors of its own and transform in place with an n/2-point scratch
/// buffer; here the complex transform runs out of place without one, and w^k and v^k come from
/// [`Twiddles`].
pub(super) fn forward_real(
    fft: &dyn Fft<f64>,
    x: &mut [f64],
    out: &mut [Complex64],
    scratch: &mut [Complex64],
) {
    let m = x.len() / 2;
    let z: &mut [Complex64] = bytemuck::cast_slice_mut(x);
    if fft.len() == m {
        fft.process_outofplace_with_scratch(z, &mut out[..m], scratch);
    } else {
        assert_eq!(2 * fft.len(), m, "a plan of length m or m/2");
        let q = m / 2;
        // The even z_j to out[..q], the odd ones to out[q..m]; both transforms in one call (the
        // buffers hold two of the plan's length), into z; then the radix-2 step into out.
        let (even, odd) = out[..m].split_at_mut(q);
        even.par_chunks_mut(TWIDDLE_RUN)
            .zip(odd.par_chunks_mut(TWIDDLE_RUN))
            .zip(z.par_chunks(2 * TWIDDLE_RUN))
            .for_each(|((even, odd), pairs)| {
                for ((e, o), pair) in even.iter_mut().zip(odd).zip(pairs.chunks_exact(2)) {
                    *e = pair[0];
                    *o = pair[1];
                }
            });
        fft.process_outofplace_with_scratch(&mut out[..m], z, scratch);
        let v = Twiddles::new(m);
        let (a, b) = z.split_at(q);
        let (low, high) = out[..m].split_at_mut(q);
        low.par_chunks_mut(TWIDDLE_RUN)
            .zip(high.par_chunks_mut(TWIDDLE_RUN))
            .zip(a.par_chunks(TWIDDLE_RUN).zip(b.par_chunks(TWIDDLE_RUN)))
            .enumerate()
            .for_each(|(c, ((low, high), (a, b)))| {
                let cells = low.iter_mut().zip(high).zip(a.iter().zip(b));
                for (((lo, hi), (&a, &b)), vk) in cells.zip(v.run(c * TWIDDLE_RUN)) {
                    let vb = vk * b;
                    *lo = a + vb;
                    *hi = a - vb;
                }
            });
    }
    let z0 = out[0];
    out[0] = Complex64::new(z0.re + z0.im, 0.0);
    out[m] = Complex64::new(z0.re - z0.im, 0.0);
    if m < 2 {
        return;
    }
    // k = m/2 pairs with itself: E = Re Z, O = Im Z, w^k = −i.
    let half = m / 2;
    out[half] = out[half].conj();
    let w = Twiddles::new(2 * m);
    let (low, rest) = out[1..m].split_at_mut(half - 1);
    let high = &mut rest[1..];
    // low[i] is Z_k with k = 1 + i; high's i-th element from the end is Z_(m−k).
    low.par_chunks_mut(TWIDDLE_RUN)
        .zip(high.par_rchunks_mut(TWIDDLE_RUN))
        .enumerate()
        .for_each(|(c, (low, high))| {
            let len = high.len();
            let cells = low.iter_mut().enumerate();
            for ((i, a), wk) in cells.zip(w.run(1 + c * TWIDDLE_RUN)) {
                let b = &mut high[len - 1 - i];
                let (za, zb) = (*a, b.conj());
                let even = (za + zb) * 0.5;
                let odd = (za - zb) * Complex64::new(0.0, -0.5);
                let wo = wk * odd;
                *a = even + wo;
                *b = (even - wo).conj();
            }
        });
}

/// The first `used` values of the real sequence x whose half spectrum is `spec` (Hermitian:
/// X[0] and X[n/2] real), times n, into `work[..used]`, computed with the complex transform
/// `fwd` of length n/2 (n = `work.len()`; `spec` is overwritten).
///
/// # Formula
/// With X = A + iB (A even, B odd in the index), n·x[k] = Σ_j A[j] cos θ − B[j] sin θ,
/// θ = 2πjk/n, and the forward transform U of the real sequence u = A − B has Re U[k] = Σ A cos θ
/// and Im U[k] = Σ B sin θ (the other sums vanish by symmetry), so n·x[k] = Re U[k] − Im U[k]:
/// the Hartley transform. u[j] = Re X[j] − Im X[j] for j ≤ n/2 and Re X[n − j] + Im X[n − j]
/// above; U[k] for k > n/2 is conj(U[n − k]).
pub(super) fn inverse_by_forward(
    fwd: &dyn Fft<f64>,
    spec: &mut [Complex64],
    work: &mut [f64],
    scratch: &mut [Complex64],
    used: usize,
) {
    let n = work.len();
    let half = spec.len() - 1; // n/2
    let (low, high) = work.split_at_mut(half + 1);
    low.par_iter_mut()
        .zip(spec.par_iter())
        .with_min_len(4096)
        .for_each(|(u, z)| *u = z.re - z.im);
    high.par_iter_mut()
        .enumerate()
        .with_min_len(4096)
        .for_each(|(i, u)| {
            let z = spec[half - 1 - i];
            *u = z.re + z.im;
        });
    forward_real(fwd, work, spec, scratch);
    let spec = &*spec;
    work[..used]
        .par_iter_mut()
        .enumerate()
        .with_min_len(4096)
        .for_each(|(k, x)| {
            *x = if k <= half {
                spec[k].re - spec[k].im
            } else {
                let z = spec[n - k];
                z.re + z.im
            };
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustfft::FftPlanner;

    #[test]
    fn real_transform_matches_a_complex_one() {
        // The half spectrum of a real sequence against the full complex transform of the same
        // sequence, for every length from 2 up (several twiddle runs at the largest).
        let mut planner = FftPlanner::new();
        for log2 in 1..=12 {
            let n = 1usize << log2;
            let x: Vec<f64> = (0..n)
                .map(|k| ((k * 7919 % 1013) as f64 / 1013.0 - 0.3) * (-(k as f64) / 500.0).exp())
                .collect();
            let mut full: Vec<Complex64> = x.iter().map(|&v| Complex64::new(v, 0.0)).collect();
            planner.plan_fft_forward(n).process(&mut full);
            // Through a plan of length n/2, and of n/4 with the radix-2 step.
            for plan_len in [n / 2, n / 4].into_iter().filter(|&l| l >= 1) {
                let fwd = planner.plan_fft_forward(plan_len);
                let mut scratch = vec![Complex64::default(); fwd.get_outofplace_scratch_len()];
                let mut out = vec![Complex64::default(); n / 2 + 1];
                forward_real(fwd.as_ref(), &mut x.clone(), &mut out, &mut scratch);
                let scale = x.iter().map(|v| v.abs()).sum::<f64>();
                for (k, (a, b)) in out.iter().zip(&full).enumerate() {
                    assert!(
                        (a - b).norm() <= 1e-14 * scale,
                        "n = {n}, plan {plan_len}, k = {k}: {a} vs {b}"
                    );
                }
                assert!(out[0].im == 0.0 && out[n / 2].im == 0.0);
            }
        }
    }
}
