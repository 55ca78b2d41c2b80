//! The sums one scoring step of the fit accumulates over the rows (gradient, information,
//! log-posterior and the residual checks' terms), and the residual checks read from them.

use super::context::Net;
use super::experience::Row;
use super::{Band, Part, Residuals};

/// Lower edges of the residual bands of expected claims a policy-year (the first band starts
/// at 0): \[A\] bands that split a cyber book's 0.5–20% annual frequencies roughly evenly.
pub(super) const BANDS: [f64; 4] = [0.01, 0.02, 0.05, 0.1];

/// The residual checks at the posterior.
pub(super) fn residuals(s: &Sums, part: Part) -> Residuals {
    let bands = match part {
        Part::Frequency => (0..=BANDS.len())
            .filter(|&b| s.band_rows[b] > 0.0)
            .map(|b| Band {
                from: if b == 0 { 0.0 } else { BANDS[b - 1] },
                to: BANDS.get(b).copied(),
                rows: s.band_rows[b] as usize,
                actual: s.band_actual[b],
                expected: s.band_expected[b],
            })
            .collect(),
        Part::Severity => Vec::new(),
    };
    let n = match part {
        Part::Frequency => s.band_rows.iter().sum::<f64>(),
        Part::Severity => s.count + s.pit_count,
    };
    let estimate = match part {
        // Moment estimate of k: E[(y − μ)² − μ] = μ²/(k t) summed over rows.
        Part::Frequency if s.excess > 0.0 => Some(s.excess_scale / s.excess),
        Part::Frequency => None,
        // The factor on the model's sd of ln(claim): √(mean of d²/v).
        Part::Severity if n > 0.0 => Some((s.pearson / n).sqrt()),
        Part::Severity => None,
    };
    Residuals {
        bands,
        dispersion_ratio: if n > 0.0 { s.pearson / n } else { f64::NAN },
        dispersion_z: match part {
            Part::Frequency if s.multi_var > 0.0 => {
                (s.multi_actual - s.multi_expected) / s.multi_var.sqrt()
            }
            Part::Severity if s.pearson_var > 0.0 => (s.pearson - n) / s.pearson_var.sqrt(),
            _ => 0.0,
        },
        multiple_claims: (s.multi_actual, s.multi_expected),
        estimate,
    }
}

/// Per-chunk sums of the scoring step.
pub(super) struct Sums {
    pub(super) grad: Vec<f64>,
    pub(super) info: Vec<f64>,
    pub(super) exposure: Vec<f64>,
    pub(super) claims: Vec<f64>,
    pub(super) actual: f64,
    pub(super) expected: f64,
    pub(super) objective: f64,
    pub(super) count: f64,
    /// Σ Pearson terms (y − μ)²/Var y and their variances under the model.
    pub(super) pearson: f64,
    pub(super) pearson_var: f64,
    /// Σ ((y − μ)² − μ) and Σ μ²/t: the moment estimate of the dispersion.
    pub(super) excess: f64,
    pub(super) excess_scale: f64,
    /// Rows with two or more claims: observed, expected and the variance of the count.
    pub(super) multi_actual: f64,
    pub(super) multi_expected: f64,
    pub(super) multi_var: f64,
    /// Severity rows with policy terms: rows, payments, expected payments, and the rows whose
    /// residual q ([`super::censored::residual`]) entered `pearson`.
    pub(super) net_count: f64,
    pub(super) paid: f64,
    pub(super) paid_expected: f64,
    pub(super) pit_count: f64,
    /// Per band of expected claims a year: rows, claims, expected claims.
    pub(super) band_rows: [f64; BANDS.len() + 1],
    pub(super) band_actual: [f64; BANDS.len() + 1],
    pub(super) band_expected: [f64; BANDS.len() + 1],
}

impl Sums {
    pub(super) fn new(p: usize) -> Self {
        Sums {
            grad: vec![0.0; p],
            info: vec![0.0; p * p],
            exposure: vec![0.0; p],
            claims: vec![0.0; p],
            actual: 0.0,
            expected: 0.0,
            objective: 0.0,
            count: 0.0,
            pearson: 0.0,
            pearson_var: 0.0,
            excess: 0.0,
            excess_scale: 0.0,
            multi_actual: 0.0,
            multi_expected: 0.0,
            multi_var: 0.0,
            net_count: 0.0,
            paid: 0.0,
            paid_expected: 0.0,
            pit_count: 0.0,
            band_rows: [0.0; BANDS.len() + 1],
            band_actual: [0.0; BANDS.len() + 1],
            band_expected: [0.0; BANDS.len() + 1],
        }
    }

    /// An insurer row's severity: its log-likelihood, and the outer product of its score as
    /// its information (the expected information of a censored/truncated claim has no closed
    /// form; the score's outer product estimates it without bias under the model).
    pub(super) fn net(&mut self, net: &Net, x: &[(usize, f64)], r: &Row, p: usize) {
        self.objective += net.ll;
        for &(j, gj) in &net.score {
            self.grad[j] += gj;
            for &(l, gl) in &net.score {
                self.info[j * p + l] += gj * gl;
            }
        }
        for &(j, xj) in x {
            self.exposure[j] += r.exposure * xj.abs();
            self.claims[j] += r.claims as f64 * xj.abs();
        }
        self.net_count += 1.0;
        self.paid += r.incurred;
        self.paid_expected += net.expected;
        if let Some(q) = net.q {
            self.pit_count += 1.0;
            self.pearson += q;
            self.pearson_var += (q - 1.0).powi(2);
        }
    }

    pub(super) fn add(&mut self, o: &Sums) {
        let add = |a: &mut [f64], b: &[f64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.grad, &o.grad);
        add(&mut self.info, &o.info);
        add(&mut self.exposure, &o.exposure);
        add(&mut self.claims, &o.claims);
        self.actual += o.actual;
        self.expected += o.expected;
        self.objective += o.objective;
        self.count += o.count;
        self.pearson += o.pearson;
        self.pearson_var += o.pearson_var;
        self.excess += o.excess;
        self.excess_scale += o.excess_scale;
        self.multi_actual += o.multi_actual;
        self.multi_expected += o.multi_expected;
        self.multi_var += o.multi_var;
        self.net_count += o.net_count;
        self.paid += o.paid;
        self.paid_expected += o.paid_expected;
        self.pit_count += o.pit_count;
        add(&mut self.band_rows, &o.band_rows);
        add(&mut self.band_actual, &o.band_actual);
        add(&mut self.band_expected, &o.band_expected);
    }
}
