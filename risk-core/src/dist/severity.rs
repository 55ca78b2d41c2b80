//! Loss-size (severity) distributions, also used for FAIR's threat-event frequency and
//! vulnerability factors.

use rand::Rng;
use rand_distr::{Distribution, Gamma, Open01, StandardNormal};
use statrs::distribution::{Beta, ContinuousCDF, Normal};

use super::{DistError, non_negative, positive};

/// A non-negative continuous distribution.
///
/// Variants (contract §2):
/// - `LogNormal`: ln X ~ Normal(ln median, sigma²).
/// - `LogNormalGpd`: the lognormal's density below `threshold` u; above u the lognormal's tail mass
///   p_u = 1 − Φ((ln u − ln median)/σ) is kept and spread as a generalised Pareto,
///   P(X > x) = p_u (1 + ξ (x − u)/β)^(−1/ξ), with scale β = p_u / f(u) so that the density is
///   continuous at u (f the lognormal density).
/// - `Pert`: modified PERT with λ = 4, Beta(α, β) on [min, max],
///   α = 1 + 4(mode − min)/(max − min), β = 1 + 4(max − mode)/(max − min).
#[derive(Debug, Clone)]
pub enum Severity {
    /// Lognormal severity.
    LogNormal(LogNormal),
    /// Lognormal body with a generalised Pareto tail.
    LogNormalGpd(LogNormalGpd),
    /// Modified PERT (λ = 4).
    Pert(ModPert),
}

impl Severity {
    /// Lognormal with the given median (> 0, currency units) and log-scale sigma (> 0).
    ///
    /// # Errors
    /// `median` or `sigma` not finite and > 0.
    pub fn lognormal(median: f64, sigma: f64) -> Result<Self, DistError> {
        Ok(Severity::LogNormal(LogNormal::new(median, sigma)?))
    }

    /// Lognormal body, GPD tail above `threshold` with shape ξ in (−1, 1).
    ///
    /// # Errors
    /// Non-positive median, sigma or threshold; shape outside (−1, 1) (ξ ≥ 1 has no finite mean).
    pub fn lognormal_gpd(
        median: f64,
        sigma: f64,
        threshold: f64,
        shape: f64,
    ) -> Result<Self, DistError> {
        Ok(Severity::LogNormalGpd(LogNormalGpd::new(
            median, sigma, threshold, shape,
        )?))
    }

    /// Modified PERT on [min, max] with the given mode.
    ///
    /// # Errors
    /// Negative or non-finite bounds, `min >= max`, or mode outside [min, max].
    pub fn pert(min: f64, mode: f64, max: f64) -> Result<Self, DistError> {
        Ok(Severity::Pert(ModPert::new(min, mode, max)?))
    }

    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Severity::LogNormal(d) => d.sample(rng),
            Severity::LogNormalGpd(d) => d.sample(rng),
            Severity::Pert(d) => d.sample(rng),
        }
    }

    /// E[X].
    pub fn mean(&self) -> f64 {
        match self {
            Severity::LogNormal(d) => d.raw_moment(1),
            Severity::LogNormalGpd(d) => d.raw_moment(1),
            Severity::Pert(d) => d.mean(),
        }
    }

    /// E[X²] (infinite for a GPD tail with ξ ≥ 1/2).
    pub fn second_moment(&self) -> f64 {
        match self {
            Severity::LogNormal(d) => d.raw_moment(2),
            Severity::LogNormalGpd(d) => d.raw_moment(2),
            Severity::Pert(d) => d.variance() + d.mean() * d.mean(),
        }
    }

    /// Var(X).
    pub fn variance(&self) -> f64 {
        let m = self.mean();
        self.second_moment() - m * m
    }

    /// P(X ≤ x).
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            Severity::LogNormal(d) => d.cdf(x),
            Severity::LogNormalGpd(d) => d.cdf(x),
            Severity::Pert(d) => d.cdf(x),
        }
    }

    /// Smallest x with P(X ≤ x) ≥ p, for p in [0, 1).
    pub fn quantile(&self, p: f64) -> f64 {
        match self {
            Severity::LogNormal(d) => d.quantile(p),
            Severity::LogNormalGpd(d) => d.quantile(p),
            Severity::Pert(d) => d.quantile(p),
        }
    }

    /// Smallest and largest value of the support (the upper one may be infinite).
    pub fn support(&self) -> (f64, f64) {
        match self {
            Severity::LogNormal(_) => (0.0, f64::INFINITY),
            Severity::LogNormalGpd(d) => (0.0, d.upper_end()),
            Severity::Pert(d) => (d.min, d.max),
        }
    }
}

/// Largest lognormal sigma accepted: σ = 10 already spans 26 orders of magnitude between the
/// 0.1% and 99.9% quantiles; beyond it draws overflow `f64`.
pub const MAX_SIGMA: f64 = 10.0;

impl Distribution<f64> for Severity {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        Severity::sample(self, rng)
    }
}

macro_rules! impl_distribution {
    ($($t:ty),*) => {$(
        impl Distribution<f64> for $t {
            #[inline]
            fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
                <$t>::sample(self, rng)
            }
        }
    )*};
}
impl_distribution!(LogNormal, LogNormalGpd, ModPert);

/// Sampling in two steps, for callers that need only some of the values they must draw (a
/// replay of a random stream that keeps a few years of it): [`TwoStep::draw`] consumes exactly
/// the random numbers that `sample` consumes, and [`TwoStep::value`] turns the draw into exactly
/// the value `sample` returns, bit for bit; the costly part (`exp`, `powf`) is in `value`.
pub trait TwoStep {
    /// What is left of a draw once its random numbers are consumed.
    type Draw: Copy;
    /// Consumes the random numbers of one sample.
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Self::Draw;
    /// The sample of a draw.
    fn value(&self, draw: Self::Draw) -> f64;
}

impl TwoStep for LogNormal {
    /// Z ~ N(0, 1).
    type Draw = f64;

    #[inline]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        StandardNormal.sample(rng)
    }

    /// exp(μ + σZ).
    #[inline]
    fn value(&self, z: f64) -> f64 {
        (self.mu + self.sigma * z).exp()
    }
}

/// A draw of [`LogNormalGpd`]: Z of the body, or the tail's survival probability.
#[derive(Debug, Clone, Copy)]
pub enum GpdDraw {
    /// Z ~ N(0, 1) below the threshold's z: the lognormal's value.
    Body(f64),
    /// Z at or above it: a fresh W = 1 − V in (0, 1) for the GPD excess.
    Tail(f64),
}

impl TwoStep for LogNormalGpd {
    type Draw = GpdDraw;

    /// Z ~ N(0, 1); at or above z_u also W ~ U(0, 1) (open).
    #[inline]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> GpdDraw {
        let z: f64 = StandardNormal.sample(rng);
        if z < self.z_threshold {
            GpdDraw::Body(z)
        } else {
            GpdDraw::Tail(Open01.sample(rng))
        }
    }

    /// Below z_u the lognormal's value, otherwise the threshold plus the GPD excess with
    /// survival probability W: Y = β/ξ (W^(−ξ) − 1), Y = −β ln W when ξ = 0.
    #[inline]
    fn value(&self, draw: GpdDraw) -> f64 {
        match draw {
            GpdDraw::Body(z) => (self.body.mu + self.body.sigma * z).exp(),
            GpdDraw::Tail(w) => self.threshold + self.gpd_excess_quantile(w),
        }
    }
}

impl TwoStep for ModPert {
    /// The value itself (the gamma draws are the costly part, and they consume the stream).
    type Draw = f64;

    #[inline]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = self.g1.sample(rng);
        let y = self.g2.sample(rng);
        self.min + (self.max - self.min) * (x / (x + y))
    }

    #[inline]
    fn value(&self, x: f64) -> f64 {
        x
    }
}

/// A draw of any [`Severity`].
#[derive(Debug, Clone, Copy)]
pub enum SeverityDraw {
    /// Of a lognormal.
    LogNormal(f64),
    /// Of a lognormal with a GPD tail.
    LogNormalGpd(GpdDraw),
    /// Of a PERT.
    Pert(f64),
}

impl TwoStep for Severity {
    type Draw = SeverityDraw;

    #[inline]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> SeverityDraw {
        match self {
            Severity::LogNormal(d) => SeverityDraw::LogNormal(d.draw(rng)),
            Severity::LogNormalGpd(d) => SeverityDraw::LogNormalGpd(d.draw(rng)),
            Severity::Pert(d) => SeverityDraw::Pert(d.draw(rng)),
        }
    }

    /// # Panics
    /// If `draw` comes from another family (a caller's bug).
    #[inline]
    fn value(&self, draw: SeverityDraw) -> f64 {
        match (self, draw) {
            (Severity::LogNormal(d), SeverityDraw::LogNormal(z)) => d.value(z),
            (Severity::LogNormalGpd(d), SeverityDraw::LogNormalGpd(g)) => d.value(g),
            (Severity::Pert(d), SeverityDraw::Pert(x)) => d.value(x),
            _ => unreachable!("a draw is valued by the severity that drew it"),
        }
    }
}

fn std_normal() -> Normal {
    Normal::standard()
}

/// Lognormal: ln X ~ Normal(μ, σ²), μ = ln median.
#[derive(Debug, Clone)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    fn new(median: f64, sigma: f64) -> Result<Self, DistError> {
        let median = positive("median", median)?;
        let sigma = positive("sigma", sigma)?;
        if sigma > MAX_SIGMA {
            return Err(DistError::invalid(
                "sigma",
                format!("must be <= {MAX_SIGMA} (a wider lognormal overflows floating point)"),
            ));
        }
        Ok(LogNormal {
            mu: median.ln(),
            sigma,
        })
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.value(self.draw(rng))
    }

    /// E[X^k] = exp(kμ + k²σ²/2).
    fn raw_moment(&self, k: i32) -> f64 {
        let k = f64::from(k);
        (k * self.mu + 0.5 * k * k * self.sigma * self.sigma).exp()
    }

    fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        std_normal().cdf((x.ln() - self.mu) / self.sigma)
    }

    fn quantile(&self, p: f64) -> f64 {
        if p <= 0.0 {
            return 0.0;
        }
        (self.mu + self.sigma * std_normal().inverse_cdf(p)).exp()
    }
}

/// Lognormal body below `threshold`, generalised Pareto tail above it (see [`Severity`]).
#[derive(Debug, Clone)]
pub struct LogNormalGpd {
    body: LogNormal,
    /// Splice point u.
    threshold: f64,
    /// Standard-normal z of the threshold: (ln u − μ)/σ.
    z_threshold: f64,
    /// Tail mass p_u = 1 − Φ(z_u).
    tail_mass: f64,
    /// GPD shape ξ.
    shape: f64,
    /// GPD scale β = p_u / f(u).
    scale: f64,
}

impl LogNormalGpd {
    fn new(median: f64, sigma: f64, threshold: f64, shape: f64) -> Result<Self, DistError> {
        let body = LogNormal::new(median, sigma)?;
        let threshold = positive("threshold", threshold)?;
        if !(shape > -1.0 && shape < 1.0) {
            return Err(DistError::invalid(
                "shape",
                "must be in (-1, 1) (shape >= 1 has no finite mean)",
            ));
        }
        let z_threshold = (threshold.ln() - body.mu) / body.sigma;
        let normal = std_normal();
        let tail_mass = normal.sf(z_threshold);
        // Lognormal density at u: φ(z_u) / (u σ).
        let density =
            statrs::distribution::Continuous::pdf(&normal, z_threshold) / (threshold * body.sigma);
        if !(tail_mass > 0.0 && density > 0.0 && (tail_mass / density).is_finite()) {
            return Err(DistError::invalid(
                "threshold",
                "is so far in the lognormal's tail (above or below the median) that its \
                 density there underflows: the GPD tail would have no finite scale",
            ));
        }
        Ok(LogNormalGpd {
            body,
            threshold,
            z_threshold,
            tail_mass,
            shape,
            scale: tail_mass / density,
        })
    }

    /// Draws Z ~ N(0,1); below z_u the value is the lognormal's, otherwise a fresh GPD excess by
    /// inversion: Y = β/ξ ((1 − V)^(−ξ) − 1), Y = −β ln(1 − V) when ξ = 0.
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.value(self.draw(rng))
    }

    /// GPD excess with survival probability `w`: β/ξ (w^(−ξ) − 1).
    fn gpd_excess_quantile(&self, w: f64) -> f64 {
        if self.shape == 0.0 {
            -self.scale * w.ln()
        } else {
            self.scale / self.shape * (w.powf(-self.shape) - 1.0)
        }
    }

    fn upper_end(&self) -> f64 {
        if self.shape < 0.0 {
            self.threshold - self.scale / self.shape
        } else {
            f64::INFINITY
        }
    }

    /// E[X^k] for k = 1, 2: the lognormal's partial moment below u,
    /// exp(kμ + k²σ²/2) Φ(z_u − kσ), plus p_u E[(u + Y)^k] with E[Y] = β/(1 − ξ) and
    /// E[Y²] = 2β²/((1 − ξ)(1 − 2ξ)) (infinite for ξ ≥ 1/2).
    fn raw_moment(&self, k: i32) -> f64 {
        let kf = f64::from(k);
        let body =
            self.body.raw_moment(k) * std_normal().cdf(self.z_threshold - kf * self.body.sigma);
        let (u, b, xi) = (self.threshold, self.scale, self.shape);
        let ey = b / (1.0 - xi);
        let tail = match k {
            1 => u + ey,
            2 => {
                if xi >= 0.5 {
                    return f64::INFINITY;
                }
                u * u + 2.0 * u * ey + 2.0 * b * b / ((1.0 - xi) * (1.0 - 2.0 * xi))
            }
            _ => unreachable!("only the first two moments are used"),
        };
        body + self.tail_mass * tail
    }

    fn cdf(&self, x: f64) -> f64 {
        if x <= self.threshold {
            return self.body.cdf(x);
        }
        let sf = self.gpd_sf(x - self.threshold);
        1.0 - self.tail_mass * sf
    }

    fn quantile(&self, p: f64) -> f64 {
        if p <= 1.0 - self.tail_mass {
            return self.body.quantile(p);
        }
        let w = ((1.0 - p) / self.tail_mass).clamp(f64::MIN_POSITIVE, 1.0);
        self.threshold + self.gpd_excess_quantile(w)
    }
}

/// Modified PERT (λ = 4) on [min, max].
///
/// Sampled as min + (max − min)·G₁/(G₁ + G₂) with G₁ ~ Gamma(α), G₂ ~ Gamma(β): α, β ≥ 1 here, so
/// `rand_distr`'s Marsaglia–Tsang gamma sampler needs about one normal and one uniform each —
/// cheaper than its general Beta sampler, and exactly the same distribution.
#[derive(Debug, Clone)]
pub struct ModPert {
    min: f64,
    max: f64,
    alpha: f64,
    beta: f64,
    g1: Gamma<f64>,
    g2: Gamma<f64>,
    cdf: Beta,
}

impl ModPert {
    fn new(min: f64, mode: f64, max: f64) -> Result<Self, DistError> {
        let min = non_negative("min", min)?;
        let mode = non_negative("mode", mode)?;
        let max = non_negative("max", max)?;
        if !(max > min) {
            return Err(DistError::invalid("max", "must be > min"));
        }
        if mode < min {
            return Err(DistError::invalid("mode", "must be >= min"));
        }
        if mode > max {
            return Err(DistError::invalid("mode", "must be <= max"));
        }
        let range = max - min;
        let alpha = 1.0 + 4.0 * (mode - min) / range;
        let beta = 1.0 + 4.0 * (max - mode) / range;
        let gamma = |shape: f64| {
            Gamma::new(shape, 1.0).map_err(|e| DistError::invalid("mode", e.to_string()))
        };
        let (g1, g2) = (gamma(alpha)?, gamma(beta)?);
        let cdf = Beta::new(alpha, beta).map_err(|e| DistError::invalid("mode", e.to_string()))?;
        Ok(ModPert {
            min,
            max,
            alpha,
            beta,
            g1,
            g2,
            cdf,
        })
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.value(self.draw(rng))
    }

    /// min + (max − min) α/(α + β) = (min + 4 mode + max)/6.
    fn mean(&self) -> f64 {
        self.min + (self.max - self.min) * self.alpha / (self.alpha + self.beta)
    }

    /// (max − min)² αβ / ((α + β)² (α + β + 1)).
    fn variance(&self) -> f64 {
        let (a, b) = (self.alpha, self.beta);
        let r = self.max - self.min;
        r * r * a * b / ((a + b) * (a + b) * (a + b + 1.0))
    }

    fn cdf(&self, x: f64) -> f64 {
        if x <= self.min {
            0.0
        } else if x >= self.max {
            1.0
        } else {
            self.cdf.cdf((x - self.min) / (self.max - self.min))
        }
    }

    fn quantile(&self, p: f64) -> f64 {
        if p <= 0.0 {
            return self.min;
        }
        self.min + (self.max - self.min) * self.cdf.inverse_cdf(p.min(1.0))
    }
}

/// Survival functions and stop-loss transforms: what the exact engine (and layer pricing) needs.
///
/// The stop-loss transforms π₁(a) = E[(X − a)+] and π₂(a) = E[((X − a)+)²] (currency units and
/// units²) are closed forms per family, written so that no term is the small difference of two
/// large ones in the far tail (survival functions, never 1 − CDF).
impl Severity {
    /// P(X > x).
    pub fn sf(&self, x: f64) -> f64 {
        match self {
            Severity::LogNormal(d) => d.sf(x),
            Severity::LogNormalGpd(d) => d.sf(x),
            Severity::Pert(d) => d.sf(x),
        }
    }

    /// (π₁(a), π₂(a)) = (E[(X − a)+], E[((X − a)+)²]) for a ≥ 0; π₂ is infinite for a GPD tail
    /// with shape ≥ 1/2 that has mass above `a`.
    pub fn stop_loss(&self, a: f64) -> (f64, f64) {
        let a = a.max(0.0);
        match self {
            Severity::LogNormal(d) => d.stop_loss(a),
            Severity::LogNormalGpd(d) => d.stop_loss(a),
            Severity::Pert(d) => d.stop_loss(a),
        }
    }
}

/// P(lo < Z ≤ hi) for Z ~ N(0, 1), from whichever tail keeps precision.
fn normal_mass(lo: f64, hi: f64) -> f64 {
    if lo >= 0.0 {
        normal_sf(lo) - normal_sf(hi)
    } else if hi <= 0.0 {
        normal_sf(-hi) - normal_sf(-lo)
    } else {
        1.0 - normal_sf(-lo) - normal_sf(hi)
    }
}

/// P(Z > z) = erfc(z/√2)/2, accurate far into the upper tail. `libm`'s erfc (musl's, within an
/// ulp or two) rather than statrs', which is off by up to ~4e-11 relative (e.g. near 1.1).
#[inline]
fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z * std::f64::consts::FRAC_1_SQRT_2)
}

impl LogNormal {
    /// P(X > x) = Φ̄((ln x − μ)/σ).
    #[inline]
    fn sf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 1.0;
        }
        normal_sf((x.ln() - self.mu) / self.sigma)
    }

    /// E[X^k; lo < X ≤ hi] = exp(kμ + k²σ²/2) P(z_lo − kσ < Z ≤ z_hi − kσ).
    fn partial_moment(&self, k: i32, lo: f64, hi: f64) -> f64 {
        let z = |x: f64| {
            if x <= 0.0 {
                f64::NEG_INFINITY
            } else {
                (x.ln() - self.mu) / self.sigma
            }
        };
        let ks = f64::from(k) * self.sigma;
        self.raw_moment(k) * normal_mass(z(lo) - ks, z(hi) - ks)
    }

    /// π₁(a) = E[X] Φ̄(z_a − σ) − a Φ̄(z_a);
    /// π₂(a) = E[X²] Φ̄(z_a − 2σ) − 2a E[X] Φ̄(z_a − σ) + a² Φ̄(z_a).
    fn stop_loss(&self, a: f64) -> (f64, f64) {
        if a <= 0.0 {
            return (self.raw_moment(1), self.raw_moment(2));
        }
        let z = (a.ln() - self.mu) / self.sigma;
        let (s0, s1, s2) = (
            normal_sf(z),
            normal_sf(z - self.sigma),
            normal_sf(z - 2.0 * self.sigma),
        );
        let (m1, m2) = (self.raw_moment(1), self.raw_moment(2));
        let p1 = (m1 * s1 - a * s0).max(0.0);
        let p2 = (m2 * s2 - 2.0 * a * m1 * s1 + a * a * s0).max(0.0);
        (p1, p2)
    }
}

impl LogNormalGpd {
    /// (threshold u, GPD scale β): where the tail starts and its scale (currency units).
    pub fn splice(&self) -> (f64, f64) {
        (self.threshold, self.scale)
    }

    /// P(X > x): the lognormal's below the threshold u, p_u (1 + ξ(x − u)/β)^(−1/ξ) above.
    #[inline]
    fn sf(&self, x: f64) -> f64 {
        if x <= self.threshold {
            return self.body.sf(x);
        }
        self.tail_mass * self.gpd_sf(x - self.threshold)
    }

    /// P(Y > y) of the GPD excess Y.
    #[inline]
    fn gpd_sf(&self, y: f64) -> f64 {
        if self.shape == 0.0 {
            (-y / self.scale).exp()
        } else {
            let t = 1.0 + self.shape * y / self.scale;
            if t <= 0.0 {
                0.0
            } else {
                (-t.ln() / self.shape).exp()
            }
        }
    }

    /// Above u the GPD's mean excess is linear: for b = a − u ≥ 0 the excess over b is again GPD
    /// with scale β + ξb, so π₁(a) = p_u Ȳ(b) (β + ξb)/(1 − ξ) and
    /// π₂(a) = p_u Ȳ(b) 2(β + ξb)²/((1 − ξ)(1 − 2ξ)) (infinite for ξ ≥ 1/2). Below u, the
    /// lognormal's partial moments on (a, u] plus p_u E[(c + Y)^k], c = u − a.
    fn stop_loss(&self, a: f64) -> (f64, f64) {
        let (u, b, xi, pu) = (self.threshold, self.scale, self.shape, self.tail_mass);
        if a >= u {
            let sf = self.gpd_sf(a - u);
            if sf <= 0.0 {
                return (0.0, 0.0);
            }
            let scale = b + xi * (a - u);
            let p1 = pu * sf * scale / (1.0 - xi);
            let p2 = if xi >= 0.5 {
                f64::INFINITY
            } else {
                pu * sf * 2.0 * scale * scale / ((1.0 - xi) * (1.0 - 2.0 * xi))
            };
            return (p1, p2);
        }
        let m0 = self.body.partial_moment(0, a, u);
        let m1 = self.body.partial_moment(1, a, u);
        let m2 = self.body.partial_moment(2, a, u);
        let body1 = (m1 - a * m0).max(0.0);
        let body2 = (m2 - 2.0 * a * m1 + a * a * m0).max(0.0);
        let c = u - a;
        let ey = b / (1.0 - xi);
        let tail1 = pu * (c + ey);
        let tail2 = if xi >= 0.5 {
            f64::INFINITY
        } else {
            pu * (c * c + 2.0 * c * ey + 2.0 * b * b / ((1.0 - xi) * (1.0 - 2.0 * xi)))
        };
        (body1 + tail1, body2 + tail2)
    }
}

impl LogNormal {
    /// (μ, σ) of ln X ~ Normal(μ, σ²).
    pub fn log_params(&self) -> (f64, f64) {
        (self.mu, self.sigma)
    }
}

impl ModPert {
    /// Support [min, max] (currency units, or events a year / probabilities in FAIR use).
    pub fn bounds(&self) -> (f64, f64) {
        (self.min, self.max)
    }

    /// Beta shape parameters (α, β) of (X − min)/(max − min).
    pub fn shapes(&self) -> (f64, f64) {
        (self.alpha, self.beta)
    }

    /// P(X > x) = I_{1−b}(β, α) with b = (x − min)/(max − min) (the upper tail taken directly).
    #[inline]
    fn sf(&self, x: f64) -> f64 {
        if x <= self.min {
            1.0
        } else if x >= self.max {
            0.0
        } else {
            let b = (x - self.min) / (self.max - self.min);
            beta_upper(self.alpha, self.beta, b)
        }
    }

    /// With B = (X − min)/R, R = max − min, b = (a − min)/R and E[B^k; B > b] =
    /// E[B^k] P_{α+k,β}(B > b): π₁ = R (m₁ Ī(α+1) − b Ī(α)),
    /// π₂ = R² (m₂ Ī(α+2) − 2b m₁ Ī(α+1) + b² Ī(α)), m_k = E[B^k], Ī(p) = P_{p,β}(B > b).
    fn stop_loss(&self, a: f64) -> (f64, f64) {
        let r = self.max - self.min;
        if a <= self.min {
            let excess = self.mean() - a;
            return (excess, self.variance() + excess * excess);
        }
        if a >= self.max {
            return (0.0, 0.0);
        }
        let (al, be) = (self.alpha, self.beta);
        let b = (a - self.min) / r;
        let m1 = al / (al + be);
        let m2 = m1 * (al + 1.0) / (al + be + 1.0);
        let (i0, i1, i2) = (
            beta_upper(al, be, b),
            beta_upper(al + 1.0, be, b),
            beta_upper(al + 2.0, be, b),
        );
        let p1 = r * (m1 * i1 - b * i0).max(0.0);
        let p2 = r * r * (m2 * i2 - 2.0 * b * m1 * i1 + b * b * i0).max(0.0);
        (p1, p2)
    }
}

/// P(B > b) for B ~ Beta(α, β): I_{1−b}(β, α).
fn beta_upper(alpha: f64, beta: f64, b: f64) -> f64 {
    statrs::function::beta::beta_reg(beta, alpha, 1.0 - b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn sample_moments(d: &Severity, n: usize) -> (f64, f64) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n as f64 - 1.0);
        (m, v)
    }

    /// Sample mean within 4 standard errors of the closed-form mean.
    fn check_mean(d: &Severity, n: usize) {
        let (m, _) = sample_moments(d, n);
        let se = (d.variance() / n as f64).sqrt();
        let z = (m - d.mean()) / se;
        assert!(z.abs() < 4.0, "mean {m} vs {} (z = {z})", d.mean());
    }

    #[test]
    fn lognormal_moments_and_quantiles() {
        let d = Severity::lognormal(150_000.0, 1.0).unwrap();
        assert!((d.mean() - 150_000.0 * 0.5f64.exp()).abs() < 1e-6);
        assert!((d.quantile(0.5) - 150_000.0).abs() < 1e-6);
        assert!((d.cdf(d.quantile(0.99)) - 0.99).abs() < 1e-12);
        check_mean(&d, 200_000);
    }

    #[test]
    fn pert_matches_closed_forms() {
        let d = Severity::pert(10_000.0, 100_000.0, 5_000_000.0).unwrap();
        let mean = (10_000.0 + 4.0 * 100_000.0 + 5_000_000.0) / 6.0;
        assert!((d.mean() - mean).abs() < 1e-6 * mean);
        // λ = 4: Var = (μ − min)(max − μ)/7.
        let var = (mean - 10_000.0) * (5_000_000.0 - mean) / 7.0;
        assert!((d.variance() - var).abs() < 1e-9 * var);
        check_mean(&d, 200_000);
        assert!((d.cdf(d.quantile(0.3)) - 0.3).abs() < 1e-9);
    }

    #[test]
    fn gpd_splice_is_continuous_and_keeps_tail_mass() {
        let d = Severity::lognormal_gpd(100_000.0, 1.5, 1_000_000.0, 0.4).unwrap();
        let body = Severity::lognormal(100_000.0, 1.5).unwrap();
        // Same mass below the threshold as the lognormal.
        assert!((d.cdf(1_000_000.0) - body.cdf(1_000_000.0)).abs() < 1e-15);
        // Density continuous at u: finite differences either side agree.
        let h = 1.0;
        let left = (d.cdf(1_000_000.0) - d.cdf(1_000_000.0 - h)) / h;
        let right = (d.cdf(1_000_000.0 + h) - d.cdf(1_000_000.0)) / h;
        assert!((left - right).abs() < 1e-4 * left, "{left} vs {right}");
        assert!((d.cdf(d.quantile(0.999)) - 0.999).abs() < 1e-12);
        check_mean(&d, 400_000);
        // A power tail: far enough out, heavier than the lognormal it replaces.
        assert!(d.quantile(1.0 - 1e-8) > body.quantile(1.0 - 1e-8));
    }

    #[test]
    fn constructors_reject_bad_parameters() {
        assert!(Severity::lognormal(0.0, 1.0).is_err());
        assert!(Severity::lognormal(1.0, f64::NAN).is_err());
        assert!(Severity::lognormal(1.0, -1.0).is_err());
        assert!(Severity::pert(5.0, 4.0, 10.0).is_err());
        assert!(Severity::pert(5.0, 5.0, 5.0).is_err());
        assert!(Severity::lognormal_gpd(1.0, 1.0, 10.0, 1.0).is_err());
    }
}
