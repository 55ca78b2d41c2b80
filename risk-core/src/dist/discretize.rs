//! The per-event insured severity of a layer and its discretisation on a lattice.
//!
//! Brief overview: a [`Layer`] is Y = min(max(X − d, 0), l) for a severity X, deductible d and
//! occurrence limit l (currency units). Y has an atom at 0 of mass F_X(d) and, when l is finite,
//! an atom at l of mass P(X > d + l). [`Layer::moments`] gives E[Y] and E[Y²] in closed form
//! from the severity's stop-loss transforms; [`Layer::round_onto`] spreads Y onto the lattice
//! {0, h, 2h, …} by the method of rounding.

use rayon::prelude::*;

use super::Severity;

/// Y = min(max(X − deductible, 0), limit): what one event costs the insurer.
#[derive(Debug, Clone, Copy)]
pub struct Layer<'a> {
    severity: &'a Severity,
    deductible: f64,
    limit: f64,
}

impl<'a> Layer<'a> {
    /// The layer of `severity` above `deductible` (≥ 0) up to `limit` (> 0, may be infinite).
    pub fn new(severity: &'a Severity, deductible: f64, limit: f64) -> Self {
        Layer {
            severity,
            deductible,
            limit,
        }
    }

    /// The gross severity X.
    pub fn severity(&self) -> &Severity {
        self.severity
    }

    /// Per-event deductible d.
    pub fn deductible(&self) -> f64 {
        self.deductible
    }

    /// Per-event limit l (infinite when unlimited).
    pub fn limit(&self) -> f64 {
        self.limit
    }

    /// P(Y > y) = P(X > d + y) for 0 ≤ y < l; 1 below 0 and 0 from l on.
    #[inline]
    pub fn sf(&self, y: f64) -> f64 {
        if y < 0.0 {
            1.0
        } else if y >= self.limit {
            0.0
        } else {
            self.severity.sf(self.deductible + y)
        }
    }

    /// P(Y = 0) = P(X ≤ d): events that cost the insurer nothing (they still count as events).
    pub fn zero_mass(&self) -> f64 {
        1.0 - self.severity.sf(self.deductible)
    }

    /// P(Y = l) = P(X > d + l); 0 without a limit.
    pub fn limit_mass(&self) -> f64 {
        if self.limit.is_finite() {
            self.severity.sf(self.deductible + self.limit)
        } else {
            0.0
        }
    }

    /// Smallest y with P(Y ≤ y) ≥ p: min(max(q_X(p) − d, 0), l).
    pub fn quantile(&self, p: f64) -> f64 {
        if p >= 1.0 {
            return if self.limit.is_finite() {
                self.limit
            } else {
                self.severity.support().1
            };
        }
        (self.severity.quantile(p) - self.deductible)
            .max(0.0)
            .min(self.limit)
    }

    /// (E[Y], E[Y²]), currency units and units².
    ///
    /// # Formula
    /// With π_k(a) = E[((X − a)+)^k] (closed forms per family, [`Severity::stop_loss`]) and
    /// u = d + l: E[Y] = π₁(d) − π₁(u), E[Y²] = π₂(d) − π₂(u) − 2l π₁(u), because
    /// Y = (X − d)+ − (X − u)+ and (X − d)² − (X − u)² = l² + 2l(X − u) above u. Without a limit
    /// π₁(u) = π₂(u) = 0. E[Y²] is infinite for an unlimited GPD tail with shape ≥ 1/2; with a
    /// limit it is finite, and then (π₂(d) being infinite) it is integrated instead:
    /// E[Y²] = 2∫₀^l y P(X > d + y) dy, by adaptive Gauss–Kronrod to 1e-13 relative; so is any
    /// moment whose closed-form difference would cancel more than three digits (a layer thin
    /// compared with the severity's scale).
    pub fn moments(&self) -> (f64, f64) {
        let (d, l) = (self.deductible, self.limit);
        let (p1d, p2d) = self.severity.stop_loss(d);
        if !l.is_finite() {
            return (p1d, p2d);
        }
        let (p1u, p2u) = self.severity.stop_loss(d + l);
        // The differences lose log10(condition) digits when the layer is thin compared with the
        // severity's scale: integrate instead when that would cost more than 3 of them.
        let mut m1 = (p1d - p1u).max(0.0);
        if !(p1d + p1u <= 1e3 * m1) {
            m1 = self.integrate_sf(l, 0);
        }
        let mut m2 = (p2d - p2u - 2.0 * l * p1u).max(0.0);
        if !(p2d + p2u + 2.0 * l * p1u <= 1e3 * m2) {
            m2 = 2.0 * self.integrate_sf(l, 1);
        }
        (m1, m2)
    }

    /// ∫₀^l y^k P(X > d + y) dy (k = 0, 1), split where the severity changes form so that each
    /// piece is smooth.
    fn integrate_sf(&self, l: f64, k: i32) -> f64 {
        let d = self.deductible;
        let f = |y: f64| y.powi(k) * self.severity.sf(d + y);
        let mut cuts = vec![0.0];
        // Where the integrand bends: the body's quantiles and, for PERT, the mode and the ends.
        for p in [0.01, 0.5, 0.99, 0.9999] {
            cuts.push(self.severity.quantile(p) - d);
        }
        if let Severity::Pert(p) = self.severity {
            let (lo, hi) = p.bounds();
            cuts.extend([lo - d, self.severity.mean() - d, hi - d]);
        }
        if let Severity::LogNormalGpd(g) = self.severity {
            let (u, beta) = g.splice();
            if u - d > 0.0 && u - d < l {
                cuts.push(u - d);
            }
            // Above the splice the survival decays like a power: integrate in t = ln(1 + x/β)
            // pieces that grow geometrically, each of which Gauss–Kronrod resolves quickly.
            let start = (u - d).max(0.0);
            let mut x = start + beta;
            while x < l {
                cuts.push(x);
                x = start + 2.0 * (x - start);
            }
        }
        cuts.push(l);
        cuts.retain(|&c| (0.0..=l).contains(&c));
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        cuts.windows(2)
            .map(|w| integrate(&f, w[0], w[1], 1e-13))
            .sum()
    }

    /// Rounding discretisation of Y onto the lattice {0, h, …, (n − 1)h}, n = `out.len()`:
    /// out[k] = P((k − ½)h < Y ≤ (k + ½)h) (out[0] = P(Y ≤ h/2), so the atom at 0 stays at 0).
    /// Mass above (n − ½)h is left out: the result is defective, which is exact for the
    /// aggregate on cells below n (a year with one event that large lies above the grid anyway).
    ///
    /// When the limit is finite it must be a multiple of h (callers choose h so), and then the
    /// atom at l lands on cell l/h.
    pub fn round_onto(&self, h: f64, out: &mut [f64]) {
        let n = out.len();
        // out[k] temporarily holds G_k = P(Y > (k + ½)h), in parallel (the costly part).
        out.par_chunks_mut(4096).enumerate().for_each(|(c, chunk)| {
            let base = c * 4096;
            for (i, g) in chunk.iter_mut().enumerate() {
                *g = self.sf((((base + i) as f64) + 0.5) * h);
            }
        });
        let mut prev = 1.0;
        for g in out.iter_mut() {
            let here = *g;
            *g = prev - here;
            prev = here;
        }
        debug_assert!(n == 0 || out[0] >= 0.0);
    }
}

/// Gauss–Kronrod 7–15 nodes and weights on [−1, 1] (nodes ≥ 0; the rule is symmetric).
#[allow(clippy::excessive_precision)]
const GK_NODES: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
#[allow(clippy::excessive_precision)]
const GK_WEIGHTS: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_728,
];
/// Gauss 7-point weights for nodes GK_NODES[1], [3], [5], [7].
#[allow(clippy::excessive_precision)]
const G_WEIGHTS: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// One Gauss–Kronrod panel: (Kronrod estimate, |Kronrod − Gauss|).
fn gk15(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let (c, r) = (0.5 * (a + b), 0.5 * (b - a));
    let fc = f(c);
    let mut k = GK_WEIGHTS[7] * fc;
    let mut g = G_WEIGHTS[3] * fc;
    for i in 0..7 {
        let s = f(c - r * GK_NODES[i]) + f(c + r * GK_NODES[i]);
        k += GK_WEIGHTS[i] * s;
        if i % 2 == 1 {
            g += G_WEIGHTS[i / 2] * s;
        }
    }
    (k * r, ((k - g) * r).abs())
}

/// ∫_a^b f by adaptive Gauss–Kronrod (7–15) bisection until the summed error estimate is below
/// `rel_tol` × |integral| (at most 4000 panels).
pub(crate) fn integrate(f: &impl Fn(f64) -> f64, a: f64, b: f64, rel_tol: f64) -> f64 {
    if !(b > a) {
        return 0.0;
    }
    let mut panels = vec![(a, b, gk15(f, a, b))];
    for _ in 0..4000 {
        let (total, err): (f64, f64) = panels
            .iter()
            .fold((0.0, 0.0), |(t, e), p| (t + p.2.0, e + p.2.1));
        if err <= rel_tol * total.abs() || err == 0.0 {
            break;
        }
        // Split the panel with the largest error estimate.
        let (i, _) = panels
            .iter()
            .enumerate()
            .max_by(|x, y| x.1.2.1.total_cmp(&y.1.2.1))
            .expect("at least one panel");
        let (lo, hi, _) = panels.swap_remove(i);
        let mid = 0.5 * (lo + hi);
        if !(mid > lo && mid < hi) {
            break;
        }
        panels.push((lo, mid, gk15(f, lo, mid)));
        panels.push((mid, hi, gk15(f, mid, hi)));
    }
    panels.iter().map(|p| p.2.0).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// E[Y] = ∫₀^l P(X > d + y) dy and E[Y²] = 2∫₀^l y P(X > d + y) dy by quadrature.
    fn by_quadrature(layer: &Layer<'_>, top: f64) -> (f64, f64) {
        let d = layer.deductible();
        let s = layer.severity();
        let l = layer.limit().min(top);
        let mut cuts: Vec<f64> = vec![0.0];
        let mut x = 1.0;
        while x < l {
            cuts.push(x);
            x *= 2.0;
        }
        cuts.push(l);
        let m1: f64 = cuts
            .windows(2)
            .map(|w| integrate(&|y| s.sf(d + y), w[0], w[1], 1e-14))
            .sum();
        let m2: f64 = cuts
            .windows(2)
            .map(|w| integrate(&|y| 2.0 * y * s.sf(d + y), w[0], w[1], 1e-14))
            .sum();
        (m1, m2)
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn layer_moments_match_quadrature() {
        let ln = Severity::lognormal(200_000.0, 1.8).unwrap();
        let gpd = Severity::lognormal_gpd(100_000.0, 1.5, 1_000_000.0, 0.4).unwrap();
        let heavy = Severity::lognormal_gpd(100_000.0, 1.5, 1_000_000.0, 0.7).unwrap();
        let pert = Severity::pert(10_000.0, 50_000.0, 500_000.0).unwrap();
        let cases = [
            (&ln, 50_000.0, 5_000_000.0),
            (&ln, 0.0, 1_000.0),
            (&gpd, 0.0, 50_000_000.0),
            (&gpd, 2_000_000.0, 3_000_000.0),
            (&gpd, 500_000.0, 1e9),
            (&heavy, 0.0, 50_000_000.0),
            (&heavy, 10_000.0, 2e9),
            (&pert, 20_000.0, f64::INFINITY),
            (&pert, 20_000.0, 100_000.0),
            (&pert, 0.0, 1e6),
        ];
        for (s, d, l) in cases {
            let layer = Layer::new(s, d, l);
            let (m1, m2) = layer.moments();
            let (q1, q2) = by_quadrature(&layer, 1e13);
            assert!(close(m1, q1, 1e-10), "{s:?} d={d} l={l}: E[Y] {m1} vs {q1}");
            assert!(close(m2, q2, 1e-9), "{s:?} d={d} l={l}: E[Y²] {m2} vs {q2}");
        }
        // Unlimited lognormal: the closed forms of E[X], E[X²] back.
        let (m1, m2) = Layer::new(&ln, 0.0, f64::INFINITY).moments();
        assert!(close(m1, ln.mean(), 1e-14) && close(m2, ln.second_moment(), 1e-14));
        // Infinite variance is reported as such.
        let (_, m2) = Layer::new(&heavy, 0.0, f64::INFINITY).moments();
        assert!(m2.is_infinite());
    }

    #[test]
    fn rounding_keeps_the_atoms_and_the_mass() {
        let ln = Severity::lognormal(200_000.0, 1.8).unwrap();
        let layer = Layer::new(&ln, 50_000.0, 5_000_000.0);
        let h = 5_000.0;
        let mut p = vec![0.0; 2048];
        layer.round_onto(h, &mut p);
        assert!(p.iter().all(|&x| x >= 0.0));
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        // Cell l/h holds the limit's atom plus the continuous mass of (l − h/2, l).
        let m = 1000;
        let want = layer.limit_mass() + ln.sf(5_050_000.0 - h / 2.0) - ln.sf(5_050_000.0);
        assert!(close(p[m], want, 1e-12));
        assert_eq!(p[m + 1], 0.0);
        assert!(p[0] >= layer.zero_mass());
    }
}
