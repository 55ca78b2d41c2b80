//! Coverage of the credible intervals on data that do not come from the prior: claims from a
//! model with a base-level shift and known certification, industry and maturity effects. Over
//! seeds, the 95% intervals of well-informed factors (data weight > 0.3) should cover the truth
//! 90–99% of the time. The tests run 3 seeds; `CALIBRATION_SEEDS=20` measures more (the 20-seed
//! figures are recorded in models/README.md). The second test draws the same truth as insurer
//! data (claims above a deductible, payments capped at a limit) with a base severity shift too,
//! fitted on the censored likelihood. The third draws rows by peril from a truth whose perils
//! moved apart, with a revenue tilt and one peril's σ changed: the base levels per peril, the
//! revenue elasticity and the σ per peril are counted with the relativities.

use risk_core::calibrate::synth::{
    SyntheticRow, TermsMix, records as records_of, synthesize, synthesize_insured, synthesize_with,
};
use risk_core::calibrate::{Adjustments, Factor, Options, Part, apply, calibrate, value};
use risk_core::params::{MODEL_2_0_0, ModelParams};
use risk_core::vocab::{Industry, Peril, Scheme};
use time::macros::date;

fn truth() -> Adjustments {
    Adjustments::from([
        ((Part::Frequency, Factor::Base), 1.3),
        (
            (Part::Frequency, Factor::Certification(Scheme::Iso27001)),
            0.8,
        ),
        ((Part::Frequency, Factor::Industry(Industry::Retail)), 1.35),
        ((Part::Frequency, Factor::Maturity(3)), 0.9),
        (
            (Part::Severity, Factor::Industry(Industry::Healthcare)),
            1.6,
        ),
    ])
}

#[test]
fn well_informed_intervals_cover_the_truth() {
    coverage(truth(), |truth, seed| {
        synthesize(truth, 30_000, 1000 + seed, date!(2026 - 11 - 26))
    });
}

#[test]
fn well_informed_intervals_cover_the_truth_on_insurer_data() {
    let mut t = truth();
    t.insert((Part::Severity, Factor::Base), 1.4);
    let terms = TermsMix {
        deductibles: vec![10e3, 25e3, 50e3],
        limits: vec![1e6, 2e6, 5e6],
    };
    coverage(t, |truth, seed| {
        synthesize_insured(truth, 30_000, 2000 + seed, date!(2026 - 11 - 26), &terms)
    });
}

#[test]
fn well_informed_intervals_cover_the_truth_by_peril() {
    let mut t = truth();
    t.remove(&(Part::Frequency, Factor::Base));
    t.extend([
        ((Part::Frequency, Factor::PerilBase(Peril::Ransomware)), 1.5),
        ((Part::Severity, Factor::PerilBase(Peril::DataBreach)), 1.8),
        ((Part::Severity, Factor::Sigma(Some(Peril::BecFraud))), 0.8),
        ((Part::Frequency, Factor::Revenue), 0.1f64.exp()),
    ]);
    coverage(t, |truth, seed| {
        synthesize_with(
            truth,
            30_000,
            3000 + seed,
            date!(2026 - 11 - 26),
            None,
            true,
        )
    });
}

/// Fits `CALIBRATION_SEEDS` (3) data sets drawn by `draw` under the prior with `adjustments`,
/// and holds the coverage of well-informed intervals to its band.
fn coverage(adjustments: Adjustments, draw: impl Fn(&ModelParams, u64) -> Vec<SyntheticRow>) {
    let seeds: u64 = std::env::var("CALIBRATION_SEEDS")
        .ok()
        .map_or(3, |s| s.parse().expect("CALIBRATION_SEEDS is a number"));
    let prior = ModelParams::parse(MODEL_2_0_0).unwrap();
    let truth = apply(&prior, &adjustments);
    let (mut checked, mut covered) = (0usize, 0usize);
    for seed in 0..seeds {
        let rows = draw(&truth, seed);
        let records = records_of(&rows, &prior, date!(2026 - 11 - 26)).unwrap();
        let fit = calibrate(&records, &prior, Options::default()).unwrap();
        for f in fit.frequency.factors.iter().chain(&fit.severity.factors) {
            if f.data_weight > 0.3 {
                // The revenue elasticity of this model is a tilt: its truth is the shift.
                let t = if f.factor.additive() {
                    value(&prior, f.part, f.factor)
                        + adjustments.get(&(f.part, f.factor)).map_or(0.0, |r| r.ln())
                } else {
                    value(&truth, f.part, f.factor)
                };
                checked += 1;
                covered += usize::from(f.interval.0 <= t && t <= f.interval.1);
            }
        }
    }
    let rate = covered as f64 / checked as f64;
    eprintln!("coverage over {seeds} seeds: {covered}/{checked} = {rate:.3}");
    assert!(checked as u64 >= 15 * seeds, "{checked}");
    // Over 3 seeds (~80 intervals) sampling noise alone spans about ±5%: the band is wider than
    // the [0.90, 0.99] the 20-seed measurement is held to.
    let (lo, hi) = if seeds >= 20 {
        (0.90, 0.99)
    } else {
        (0.85, 1.0)
    };
    assert!((lo..=hi).contains(&rate), "{covered}/{checked} = {rate}");
}
