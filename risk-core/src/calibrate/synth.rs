//! Synthetic claims experience from a known model: the test bed of calibration. Policies are drawn
//! from a documented book mix ([A] assumptions below, loosely an SME-to-mid-market Japanese book),
//! then each policy-year's claims from the firm model under `truth` (per peril: N ~ NegBin(λt, kt),
//! N ground-up sizes from the spliced severity). Every row has its own stream keyed by (seed, row),
//! so the output does not depend on threads or chunking.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use time::Date;

use crate::calibrate::{CalibrateError, ClaimRecord};
use crate::dist::Frequency;
use crate::engine::monte_carlo::stream;
use crate::exposure::{base_perils, severity};
use crate::params::ModelParams;
use crate::profile::{FirmAttributes, FirmProfile};
use crate::score::multipliers;
use crate::vocab::{Industry, PERILS, Peril};

/// Stream id of the generator (distinct from the engine's).
const SYNTH: u64 = 0x5359_4e54_4845_5449;

/// Book mix by industry ([A]).
const INDUSTRY_MIX: [(Industry, f64); 12] = [
    (Industry::Manufacturing, 0.20),
    (Industry::Finance, 0.08),
    (Industry::Healthcare, 0.08),
    (Industry::Retail, 0.12),
    (Industry::InformationTechnology, 0.12),
    (Industry::Energy, 0.04),
    (Industry::Utilities, 0.03),
    (Industry::Chemicals, 0.04),
    (Industry::Public, 0.05),
    (Industry::Education, 0.04),
    (Industry::ProfessionalServices, 0.10),
    (Industry::Other, 0.10),
];

/// Share of policies holding each scheme ([A]); iec62443 only in industries that run OT-heavy
/// plants, with security level 1–3.
const SCHEME_MIX: [(&str, f64); 12] = [
    ("iso27001", 0.30),
    ("iso27017", 0.08),
    ("iso27701", 0.04),
    ("soc2_type1", 0.03),
    ("soc2_type2", 0.08),
    ("cyber_essentials", 0.04),
    ("cyber_essentials_plus", 0.04),
    ("security_action_1", 0.06),
    ("security_action_2", 0.08),
    ("supply_chain_3", 0.04),
    ("supply_chain_4", 0.04),
    ("pci_dss", 0.06),
];

/// One synthetic policy-year row.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticRow {
    /// The firm's attributes (contract §7 columns).
    pub attributes: FirmAttributes,
    /// Exposure in years.
    pub exposure: f64,
    /// Claims in the period.
    pub claims: u64,
    /// Their total in the row's currency: ground-up, or with `terms` the insurer's payments
    /// (claims above the deductible only, each net of it and capped at the limit).
    pub incurred: f64,
    /// The policy terms in the row's currency (None: ground-up data).
    pub terms: Option<crate::calibrate::ClaimTerms>,
    /// Every loss event and its ground-up total (what an insurer never sees below the
    /// deductible; equal to `claims` and `incurred` without terms).
    pub ground_up: (u64, f64),
    /// The peril of the row's claims and exposure ([`synthesize_with`] by peril; None: every
    /// peril).
    pub peril: Option<Peril>,
}

impl SyntheticRow {
    /// The row as the calibration reads it, row number `row` (from 1), its firm under `prior`
    /// as of `today`, with its peril and policy terms.
    ///
    /// # Errors
    /// [`CalibrateError::Record`] when the row's firm, peril or terms are not valid under
    /// `prior` (a peril the firm is not exposed to there, say).
    pub fn record(
        &self,
        row: usize,
        prior: &ModelParams,
        today: Date,
    ) -> Result<ClaimRecord, CalibrateError> {
        let profile =
            FirmProfile::from_attributes(&self.attributes, prior, today).map_err(|e| {
                CalibrateError::Record {
                    row,
                    field: "attributes".into(),
                    message: e.to_string(),
                }
            })?;
        let mut record = ClaimRecord::new(row, profile, self.exposure, self.claims, self.incurred)?;
        if let Some(k) = self.peril {
            record = record.with_peril(row, k, prior)?;
        }
        if let Some(t) = self.terms {
            record = record.with_terms(row, t.deductible, Some(t.limit))?;
        }
        Ok(record)
    }
}

/// The rows as the calibration reads them ([`SyntheticRow::record`], numbered from 1).
///
/// # Errors
/// The first row's [`CalibrateError::Record`].
pub fn records(
    rows: &[SyntheticRow],
    prior: &ModelParams,
    today: Date,
) -> Result<Vec<ClaimRecord>, CalibrateError> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| r.record(i + 1, prior, today))
        .collect()
}

/// Policy terms of synthetic insurer data, in USD (converted to the row's currency): each row
/// draws a deductible and an occurrence limit uniformly from these lists, on its own stream (so
/// the ground-up losses are those [`synthesize`] draws).
#[derive(Debug, Clone, PartialEq)]
pub struct TermsMix {
    /// Deductibles (≥ 0).
    pub deductibles: Vec<f64>,
    /// Occurrence limits (> 0; infinite: none).
    pub limits: Vec<f64>,
}

/// `rows` policy-years drawn under the model `truth`, valued at `today`.
pub fn synthesize(truth: &ModelParams, rows: usize, seed: u64, today: Date) -> Vec<SyntheticRow> {
    synthesize_with(truth, rows, seed, today, None, false)
}

/// `policies` policy-years drawn under `truth` (the same firms and ground-up losses as
/// [`synthesize`]), recorded under per-row terms from `mix` when given ([`synthesize_insured`]),
/// and with `by_peril` one row per peril the firm is exposed to (its claims of that peril, the
/// whole period's exposure) in place of one row per policy-year.
pub fn synthesize_with(
    truth: &ModelParams,
    policies: usize,
    seed: u64,
    today: Date,
    mix: Option<&TermsMix>,
    by_peril: bool,
) -> Vec<SyntheticRow> {
    (0..policies)
        .into_par_iter()
        .flat_map_iter(|i| row(truth, i as u64, seed, today, mix, by_peril))
        .collect()
}

/// The policy-years of [`synthesize`] (same firms, same ground-up losses) as an insurer records
/// them under per-row terms from `mix`: claims at or below the deductible are dropped, each
/// other claim is paid min(X − D, M).
pub fn synthesize_insured(
    truth: &ModelParams,
    rows: usize,
    seed: u64,
    today: Date,
    mix: &TermsMix,
) -> Vec<SyntheticRow> {
    synthesize_with(truth, rows, seed, today, Some(mix), false)
}

fn row(
    truth: &ModelParams,
    i: u64,
    seed: u64,
    today: Date,
    mix: Option<&TermsMix>,
    by_peril: bool,
) -> Vec<SyntheticRow> {
    let mut rng = stream(seed, [SYNTH, i, 0]);
    let mut pick = 1.0 - uniform(&mut rng);
    let industry = INDUSTRY_MIX
        .iter()
        .find(|(_, w)| {
            pick -= w;
            pick <= 0.0
        })
        .map_or(Industry::Other, |(ind, _)| *ind);
    // Revenue: lognormal, median $30M, σ 1.5, within $1M–$20B ([A]); 30% booked in JPY.
    let normal = |rng: &mut rand_xoshiro::Xoshiro256PlusPlus| -> f64 { StandardNormal.sample(rng) };
    let usd = (30e6 * (1.5 * normal(&mut rng)).exp()).clamp(1e6, 2e10);
    let (currency, revenue) = if uniform(&mut rng) < 0.3 {
        ("JPY", (usd * truth.rate("JPY").unwrap_or(1.0)).round())
    } else {
        ("USD", usd.round())
    };
    let mut certifications = Vec::new();
    for (scheme, share) in SCHEME_MIX {
        if uniform(&mut rng) < share {
            certifications.push((scheme.to_string(), status(&mut rng).into(), None));
        }
    }
    let ot = matches!(
        industry,
        Industry::Manufacturing | Industry::Energy | Industry::Utilities | Industry::Chemicals
    );
    if ot && uniform(&mut rng) < 0.15 {
        let level = 1.0 + (uniform(&mut rng) * 3.0).floor();
        certifications.push(("iec62443".into(), status(&mut rng).into(), Some(level)));
    }
    // 60% answer the six CSF functions around the industry median (sd 1.1 level).
    let median = truth.industries[&industry].median_maturity;
    let mut maturity = [None; 6];
    if uniform(&mut rng) < 0.6 {
        for m in &mut maturity {
            *m = Some((median + 1.1 * normal(&mut rng)).round().clamp(0.0, 5.0));
        }
    }
    // 75% a full year, the rest a part year (mid-term starts and cancellations).
    let exposure = if uniform(&mut rng) < 0.75 {
        1.0
    } else {
        ((0.1 + 0.9 * uniform(&mut rng)) * 1000.0).round() / 1000.0
    };
    let attributes = FirmAttributes {
        name: format!("P{i:07}"),
        industry: industry.as_str().into(),
        annual_revenue: revenue,
        currency: currency.into(),
        certifications,
        maturity,
        coverage: [None; 3],
        cloud_providers: Vec::new(),
    };
    let profile = FirmProfile::from_attributes(&attributes, truth, today)
        .expect("the generator only writes valid attributes");
    let base = base_perils(&profile, truth);
    let (m, _) = multipliers(&profile, truth);
    let terms = mix.map(|mix| {
        let mut rng = stream(seed, [SYNTH, i, 1]);
        let rate = truth.rate(&profile.currency).unwrap_or(1.0);
        let pick = |rng: &mut rand_xoshiro::Xoshiro256PlusPlus, v: &[f64]| {
            v[((uniform(rng) * v.len() as f64) as usize).min(v.len() - 1)]
        };
        crate::calibrate::ClaimTerms {
            deductible: pick(&mut rng, &mix.deductibles) * rate,
            limit: pick(&mut rng, &mix.limits) * rate,
        }
    });
    // Per peril: (events, ground-up total, reported, paid).
    let mut tally: [Option<(u64, f64, u64, f64)>; PERILS] = [None; PERILS];
    // The whole row's totals, summed in draw order (as rows were always summed).
    let (mut all_incurred, mut all_paid) = (0.0, 0.0);
    for (i, (b, m)) in base.iter().zip(m).enumerate() {
        let Some(b) = b else { continue };
        let (mut incurred, mut reported, mut paid) = (0.0, 0, 0.0);
        let k = truth.reference.dispersion * exposure;
        let n = Frequency::negative_binomial(b.frequency * m.0 * exposure, k)
            .expect("model frequencies are positive")
            .sample(&mut rng);
        let x = severity(b.median * m.1, i, truth);
        for _ in 0..n {
            let loss = x.sample(&mut rng);
            incurred += loss;
            all_incurred += loss;
            if let Some(t) = terms
                && loss > t.deductible
            {
                reported += 1;
                paid += (loss - t.deductible).min(t.limit);
                all_paid += (loss - t.deductible).min(t.limit);
            }
        }
        tally[i] = Some((n, incurred, reported, paid));
    }
    let record = |peril: Option<Peril>, (n, incurred, reported, paid): (u64, f64, u64, f64)| {
        let ground_up = (n, incurred.round());
        let (claims, incurred) = match terms {
            Some(_) => (reported, paid.round()),
            None => ground_up,
        };
        SyntheticRow {
            attributes: attributes.clone(),
            exposure,
            claims,
            incurred,
            terms,
            ground_up,
            peril,
        }
    };
    if by_peril {
        return tally
            .iter()
            .enumerate()
            .filter_map(|(k, t)| t.map(|t| record(Some(Peril::ALL[k]), t)))
            .collect();
    }
    let (n, reported) = tally
        .iter()
        .flatten()
        .fold((0, 0), |a, t| (a.0 + t.0, a.1 + t.2));
    vec![record(None, (n, all_incurred, reported, all_paid))]
}

/// Certificate status mix: 90% active, 7% lapsed, 3% withdrawn ([A]).
fn status(rng: &mut impl Rng) -> &'static str {
    let u = uniform(rng);
    if u < 0.90 {
        "active"
    } else if u < 0.97 {
        "lapsed"
    } else {
        "withdrawn"
    }
}

/// A uniform draw in [0, 1) from the top 53 bits.
fn uniform(rng: &mut (impl Rng + ?Sized)) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}
