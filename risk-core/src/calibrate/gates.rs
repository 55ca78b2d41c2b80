//! Sanity gates: data a calibration must not learn from, and fits that must not become a model
//! version. Each gate names what tripped it; the caller refuses to write (the command line exits
//! with status 2) and can still show the report.
//!
//! * **outlier rows**: a row's claim count is implausible under the model's own predictive
//!   distribution, even at the largest book-wide level the A/E gate accepts: P(Y ≥ y) <
//!   [`OUTLIER_ALPHA`] / rows for Y ~ NegBin(mean [`AE_RANGE`].1 × μ_i, size k t_i), μ_i the
//!   row's expected claims under the prior model (for a row with policy terms, the claims above
//!   its deductible). Under the model, the chance that any row of a
//!   file trips it is below [`OUTLIER_ALPHA`] (Bonferroni), so a refusal points at a data error
//!   (a mis-keyed count, an aggregate row), not at a bad year. The row's amount is tested alike:
//!   its n claims reach the incurred L only if one reaches L/n, so P ≤ n Σ_k w_k S_k(L/n) with
//!   the claim sizes at [`AE_RANGE`].1 times the model's, w_k the peril mix and S_k the spliced
//!   severity's survival function.
//! * **actual/expected**: Σ claims ÷ Σ μ_i under the prior outside [`AE_RANGE`] while the model
//!   expects at least [`MIN_EXPECTED`] claims (an all-zero file where hundreds are expected, a
//!   file in the wrong currency or period).
//! * **lineage**: the file's SHA-256 is in the prior's `[calibration]` lineage: the data
//!   already shaped the prior, and fitting them again would count them twice.
//! * **thin data**: no relativity (industry, certification, maturity; the base level aside)
//!   has a data weight of [`THIN_DATA_WEIGHT`] or more in either part: the new version would
//!   differ from the prior only by noise, and re-tagging its numbers `[C]` would claim evidence
//!   there is none of.

use rayon::prelude::*;
use statrs::distribution::{DiscreteCDF, NegativeBinomial};

use super::experience::{level_ratio, ln_tables, moved};
use super::{Calibration, ClaimRecord, Experience};
use crate::exposure::severity;
use crate::params::{ModelParams, PerilMultipliers};
use crate::score::multipliers;

/// Plausible range of actual/expected claims under the prior (\[A\]: a book at a fifth or five
/// times the model's frequency means the data or the model are not what they claim to be; the
/// 2024–25 market spread of frequencies between carriers is within ×3, market.md 6).
pub const AE_RANGE: (f64, f64) = (0.2, 5.0);
/// Expected claims below which actual/expected is too noisy to gate on (\[A\]: P(0 claims) =
/// e^−10 ≈ 5e−5 under a Poisson at 10).
pub const MIN_EXPECTED: f64 = 10.0;
/// Family-wise false-alarm rate of the outlier gate under the model (\[A\]).
pub const OUTLIER_ALPHA: f64 = 1e-3;
/// Data weight a relativity needs for the fit to write a version (\[A\]: the data must say at
/// least as much as the prior about one factor, half the posterior's precision; with a 0.5 prior
/// sd that is about four expected claims bearing on it, so a file of ten claims spread over a
/// book informs none).
pub const THIN_DATA_WEIGHT: f64 = 0.5;
/// Outlier rows named in a message; the count says how many more.
const NAMED: usize = 5;

/// A tripped gate.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// `outlier`, `actual_to_expected`, `lineage` or `thin_data`.
    pub gate: &'static str,
    /// What tripped it, naming rows or numbers.
    pub message: String,
}

/// A row whose claim count the model cannot explain.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlier {
    /// Row number from 1.
    pub row: usize,
    /// Its claims.
    pub claims: u64,
    /// Claims the prior model expects of it.
    pub expected: f64,
    /// Its incurred loss.
    pub incurred: f64,
    /// The count (false) or the amount (true) is implausible.
    pub amount: bool,
    /// P(Y ≥ claims) at [`AE_RANGE`].1 times the expected, or the bound on P(amount ≥
    /// incurred) at [`AE_RANGE`].1 times the claim sizes (0 when below f64's range).
    pub p_value: f64,
}

/// The data against the prior model, before any fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    /// Σ claims.
    pub actual: f64,
    /// Σ μ_i: claims the prior model expects.
    pub expected: f64,
    /// Rows failing the outlier test, in row order.
    pub outliers: Vec<Outlier>,
}

/// The expected claims of every row under `params` and the outlier test.
pub fn screen(records: &[ClaimRecord], params: &ModelParams) -> Screen {
    screen_experience(&Experience::from_records(records, params))
}

/// [`screen`] of rows folded into an [`Experience`], under the prior model they were read with.
pub fn screen_experience(data: &Experience) -> Screen {
    let params = &data.params;
    let k = params.reference.dispersion;
    let threshold = OUTLIER_ALPHA / data.len().max(1) as f64;
    // Each cell's multipliers under the prior, moved to each row's CSF levels.
    let cells: Vec<(PerilMultipliers, (f64, f64))> = data
        .cells
        .par_iter()
        .map(|p| multipliers(p, params))
        .collect();
    let ln = ln_tables(params);
    let rows: Vec<(f64, Option<Outlier>)> = data
        .rows
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let (m, levels) = &cells[r.cell as usize];
            let m = &moved(
                m,
                (
                    level_ratio(&ln.0, levels.0, r.levels.0),
                    level_ratio(&ln.1, levels.1, r.levels.1),
                ),
            );
            let base = &r.base;
            let lambda: f64 = base
                .iter()
                .zip(m)
                .filter_map(|(b, m)| b.as_ref().map(|b| b.0 * m.0))
                .sum();
            // Insurer rows count only the claims above the deductible.
            let reported = match r.terms {
                Some(t) if t.deductible > 0.0 => base
                    .iter()
                    .zip(m)
                    .enumerate()
                    .filter_map(|(j, (b, m))| {
                        b.as_ref()
                            .map(|b| b.0 * m.0 * severity(b.2 * m.1, j, params).sf(t.deductible))
                    })
                    .sum(),
                _ => lambda,
            };
            let mu = r.exposure * reported / r.development;
            if r.claims == 0 {
                return (mu, None);
            }
            let outlier = |p: f64, amount: bool| {
                (p < threshold).then_some(Outlier {
                    row: i + 1,
                    claims: r.claims,
                    expected: mu,
                    incurred: r.incurred,
                    amount,
                    p_value: p,
                })
            };
            let size = k * r.exposure;
            let high = AE_RANGE.1 * mu;
            let p = NegativeBinomial::new(size, size / (size + high))
                .map_or(1.0, |d| d.sf(r.claims - 1));
            if let Some(o) = outlier(p, false) {
                return (mu, Some(o));
            }
            let n = r.claims as f64;
            let each = r.incurred / n / AE_RANGE.1;
            let tail: f64 = base
                .iter()
                .zip(m)
                .enumerate()
                .filter_map(|(j, (b, m))| {
                    b.as_ref()
                        .map(|b| b.0 * m.0 / lambda * severity(b.2 * m.1, j, params).sf(each))
                })
                .sum();
            (mu, outlier((n * tail).min(1.0), true))
        })
        .collect();
    Screen {
        actual: data.rows.iter().map(|r| r.claims as f64).sum(),
        expected: rows.iter().map(|r| r.0).sum(),
        outliers: rows.into_iter().filter_map(|r| r.1).collect(),
    }
}

impl Screen {
    /// Actual ÷ expected claims under the prior.
    pub fn actual_to_expected(&self) -> f64 {
        self.actual / self.expected
    }

    /// The outlier and actual/expected gates.
    pub fn gates(&self) -> Vec<Gate> {
        let mut out = Vec::new();
        if !self.outliers.is_empty() {
            let named: Vec<String> = self
                .outliers
                .iter()
                .take(NAMED)
                .map(|o| {
                    if o.amount {
                        format!(
                            "row {}: incurred {:.4e} on {} claim(s) (P <= {:.1e} even at {}x the model's claim sizes)",
                            o.row, o.incurred, o.claims, o.p_value, AE_RANGE.1
                        )
                    } else {
                        format!(
                            "row {}: {} claims where the model expects {:.3} (P = {:.1e} even at {}x)",
                            o.row, o.claims, o.expected, o.p_value, AE_RANGE.1
                        )
                    }
                })
                .collect();
            let more = self.outliers.len().saturating_sub(NAMED);
            out.push(Gate {
                gate: "outlier",
                message: format!(
                    "{} row(s) implausible under the model's predictive distribution (P < {:.0e} / rows): {}{}",
                    self.outliers.len(),
                    OUTLIER_ALPHA,
                    named.join("; "),
                    if more > 0 {
                        format!("; and {more} more")
                    } else {
                        String::new()
                    }
                ),
            });
        }
        let ae = self.actual_to_expected();
        if self.expected >= MIN_EXPECTED && !(AE_RANGE.0..=AE_RANGE.1).contains(&ae) {
            out.push(Gate {
                gate: "actual_to_expected",
                message: format!(
                    "{} claims where the model expects {:.1}: actual/expected {:.3} outside the plausible {}..{}",
                    self.actual, self.expected, ae, AE_RANGE.0, AE_RANGE.1
                ),
            });
        }
        out
    }
}

/// The lineage gate: the claims file `sha256` already shaped `prior`.
pub fn lineage(prior: &ModelParams, sha256: &str) -> Option<Gate> {
    let c = prior.calibration.as_ref()?;
    c.used(sha256).then(|| Gate {
        gate: "lineage",
        message: format!(
            "claims sha256:{} are already in the lineage of {} (calibrated {} from {}): fitting them again counts them twice (--force to fit anyway)",
            &sha256[..16.min(sha256.len())],
            prior.id(),
            c.date,
            c.from
        ),
    })
}

/// The thin-data gate on a fit.
pub fn thin(fit: &Calibration) -> Option<Gate> {
    let best = fit
        .frequency
        .factors
        .iter()
        .chain(&fit.severity.factors)
        .filter(|f| !f.factor.is_level())
        .max_by(|a, b| a.data_weight.total_cmp(&b.data_weight));
    let weight = best.map_or(0.0, |f| f.data_weight);
    (weight < THIN_DATA_WEIGHT).then(|| Gate {
        gate: "thin_data",
        message: format!(
            "no factor is informed by the data ({} claims in {:.1} policy-years; the best, {}, has data weight {:.3} < {}): no version written",
            fit.claims,
            fit.policy_years,
            best.map_or_else(|| "none".into(), |f| format!("{} {}", f.part.as_str(), f.factor.name())),
            weight,
            THIN_DATA_WEIGHT
        ),
    })
}
