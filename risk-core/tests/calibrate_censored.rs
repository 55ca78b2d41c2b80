//! Insurer claims: synthetic losses drawn ground-up from a model with a known base shift and
//! known factor effects, then recorded as an insurer would (claims at or below the deductible
//! dropped, payments net of it and capped at the occurrence limit). Read as ground-up, the data
//! bias both the claim size and the frequency down, outside their intervals; read with their
//! terms, the censored/truncated likelihood recovers the truth inside them.

use risk_core::calibrate::synth::{
    SyntheticRow, TermsMix, records as records_of, synthesize_insured,
};
use risk_core::calibrate::{
    Adjustments, Calibration, ClaimRecord, Experience, Factor, FactorFit, Options, Part, apply,
    calibrate, calibrate_experience, gates, value,
};
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::profile::FirmProfile;
use risk_core::vocab::{Industry, Scheme};
use time::macros::date;

/// The truth: the whole book 30% more frequent with claims 50% larger than the prior says,
/// ISO 27001 stronger, retail riskier, healthcare claims larger.
fn truth_adjustments() -> Adjustments {
    Adjustments::from([
        ((Part::Frequency, Factor::Base), 1.3),
        ((Part::Severity, Factor::Base), 1.5),
        (
            (Part::Frequency, Factor::Certification(Scheme::Iso27001)),
            0.8,
        ),
        ((Part::Frequency, Factor::Industry(Industry::Retail)), 1.35),
        (
            (Part::Severity, Factor::Industry(Industry::Healthcare)),
            1.6,
        ),
    ])
}

/// Deductibles of $10K–$100K and limits of $1M–$5M ([A] SME-to-mid-market terms).
fn terms() -> TermsMix {
    TermsMix {
        deductibles: vec![10e3, 25e3, 50e3, 100e3],
        limits: vec![1e6, 2e6, 5e6],
    }
}

/// The rows as read, with their policy terms or (`with_terms` false) without: payments taken
/// for ground-up amounts, the naive fit.
fn records(rows: &[SyntheticRow], prior: &ModelParams, with_terms: bool) -> Vec<ClaimRecord> {
    let rows: Vec<SyntheticRow> = rows
        .iter()
        .map(|r| SyntheticRow {
            terms: r.terms.filter(|_| with_terms),
            ..r.clone()
        })
        .collect();
    records_of(&rows, prior, date!(2026 - 11 - 26)).unwrap()
}

fn factor(fit: &Calibration, part: Part, factor: Factor) -> FactorFit {
    fit.part(part)
        .factor(factor)
        .unwrap_or_else(|| panic!("{} {} not fitted", part.as_str(), factor.name()))
        .clone()
}

fn inside(f: &FactorFit, t: f64) -> bool {
    f.interval.0 <= t && t <= f.interval.1
}

#[test]
fn censored_likelihood_recovers_what_the_naive_fit_biases() {
    let prior = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let truth = apply(&prior, &truth_adjustments());
    let rows = synthesize_insured(&truth, 80_000, 21, date!(2026 - 11 - 26), &terms());
    // The terms bite: many events fall below the deductible, and some payments hit the limit.
    let events: u64 = rows.iter().map(|r| r.ground_up.0).sum();
    let reported: u64 = rows.iter().map(|r| r.claims).sum();
    let capped = rows
        .iter()
        .filter(|r| r.claims == 1 && r.terms.is_some_and(|t| r.incurred >= t.limit))
        .count();
    assert!(
        (reported as f64) < 0.8 * events as f64 && capped >= 5,
        "{reported}/{events} reported, {capped} capped"
    );

    let naive = calibrate(&records(&rows, &prior, false), &prior, Options::default()).unwrap();
    let fitted = calibrate(&records(&rows, &prior, true), &prior, Options::default()).unwrap();
    for (part, name) in [
        (Part::Frequency, Factor::Base),
        (Part::Severity, Factor::Base),
    ] {
        let t = value(&truth, part, name);
        let n = factor(&naive, part, name);
        let f = factor(&fitted, part, name);
        eprintln!(
            "{} base: truth {t:.4}; naive {:.4} {:?}; censored {:.4} {:?}",
            part.as_str(),
            n.posterior,
            n.interval,
            f.posterior,
            f.interval
        );
        // Read as ground-up the data are biased: fewer claims (those under the deductible are
        // missing) and larger ones (the small ones are missing; with the model's wide bodies
        // that outweighs the deductible taken off each payment).
        match part {
            Part::Frequency => assert!(n.interval.1 < t, "naive {n:?} vs truth {t}"),
            Part::Severity => assert!(n.interval.0 > t, "naive {n:?} vs truth {t}"),
        }
        eprintln!("censored: {f:?}");
        assert!(inside(&f, t), "censored {f:?} vs truth {t}");
        assert!(f.data_weight > 0.8, "{f:?}");
    }
    // Every factor of the truth, and the well-informed others, inside their intervals.
    let (mut checked, mut covered) = (0, 0);
    for f in fitted
        .frequency
        .factors
        .iter()
        .chain(&fitted.severity.factors)
    {
        let t = value(&truth, f.part, f.factor);
        if truth_adjustments().contains_key(&(f.part, f.factor)) {
            assert!(
                inside(f, t),
                "{} {}: {f:?} vs {t}",
                f.part.as_str(),
                f.factor.name()
            );
        }
        if f.data_weight > 0.3 {
            checked += 1;
            covered += usize::from(inside(f, t));
        }
    }
    assert!(
        checked >= 10 && covered as f64 >= 0.85 * checked as f64,
        "{covered}/{checked}"
    );
    // The severity residual check sees the model's σ: the payments' probability transforms are
    // about standard normal.
    let r = &fitted.severity.residuals;
    assert!(r.dispersion_z.abs() < 3.0, "{r:?}");
    assert!((r.estimate.unwrap() - 1.0).abs() < 0.1, "{r:?}");
    // Payments against their expected value at the posterior: within 3 standard errors of 1
    // (the mean of capped payments is noisy: a few large claims carry it).
    let paid: Vec<f64> = rows
        .iter()
        .filter(|r| r.claims == 1 && r.incurred > 0.0)
        .map(|r| r.incurred)
        .collect();
    let n = paid.len() as f64;
    let mean = paid.iter().sum::<f64>() / n;
    let cv = (paid.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() / mean;
    let ae = fitted.severity.actual_to_expected_posterior;
    eprintln!("severity A/E {ae:.3}, standard error {:.3}", cv / n.sqrt());
    assert!((ae - 1.0).abs() < 3.0 * cv / n.sqrt(), "{ae}");
}

/// Wrong terms cells are named by row and column.
#[test]
fn bad_terms_are_named_by_row_and_column() {
    let prior = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let rows = synthesize_insured(&prior, 50, 3, date!(2026 - 11 - 26), &terms());
    let p =
        FirmProfile::from_attributes(&rows[0].attributes, &prior, date!(2026 - 11 - 26)).unwrap();
    let r = ClaimRecord::new(7, p.clone(), 1.0, 1, 3e6).unwrap();
    let e = r.clone().with_terms(7, -1.0, None).unwrap_err().to_string();
    assert!(e.starts_with("row 7, column deductible"), "{e}");
    let e = r
        .clone()
        .with_terms(7, 0.0, Some(0.0))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("row 7, column occurrence_limit"), "{e}");
    let e = r
        .clone()
        .with_terms(7, 1e4, Some(1e6))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("row 7, column incurred_loss"), "{e}");
    assert!(r.with_terms(7, 1e4, Some(5e6)).is_ok());
}

/// Issue #20 (calibration v2: memory and time linear in rows): rows folded into cells of firms
/// that price alike (their multipliers moved to each row's CSF levels), appended in batches,
/// fit as each row evaluated with its own profile (every row its own cell) to 1e-7, ground-up
/// and as insurer data; the gates see the same. Batches do not change the fold at all.
#[test]
fn folded_cells_fit_as_row_by_row() {
    let prior = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let truth = apply(&prior, &truth_adjustments());
    let rows = synthesize_insured(&truth, 6_000, 5, date!(2026 - 11 - 26), &terms());
    for with_terms in [false, true] {
        let records = records(&rows, &prior, with_terms);
        let mut folded = Experience::new(&prior);
        for batch in records.chunks(1_000) {
            folded.extend(batch.to_vec());
        }
        let mut by_row = Experience::row_by_row(&prior);
        by_row.extend(records.clone());
        assert_eq!(by_row.cells(), records.len());
        assert!(
            folded.cells() < records.len() * 9 / 10,
            "{} cells of {} rows: nothing folded",
            folded.cells(),
            records.len()
        );
        let a = calibrate_experience(&folded, Options::default()).unwrap();
        let b = calibrate_experience(&by_row, Options::default()).unwrap();
        assert_close(&a, &b);
        assert_eq!(
            calibrate(&records, &prior, Options::default()).unwrap(),
            a,
            "terms: {with_terms}"
        );
        let (s, t) = (
            gates::screen_experience(&folded),
            gates::screen_experience(&by_row),
        );
        assert_eq!(s.actual, t.actual);
        close(s.expected, t.expected, "expected claims");
        assert_eq!(s.outliers.len(), t.outliers.len());
        for (o, p) in s.outliers.iter().zip(&t.outliers) {
            assert_eq!((o.row, o.amount), (p.row, p.amount));
            close(o.p_value, p.p_value, "outlier p-value");
        }
    }
}

/// Equal but for rounding: 1e-7 relative (absolute near 0). The level ratio's rounding (~1e-16)
/// can move where Fisher scoring stops inside its tolerance (steps of ln r below 1e-8), and
/// quantities read at the final β (policy-years bearing on a certificate, a central difference)
/// follow by a few 1e-9; 1e-7 still fails any real difference in the fold.
fn close(x: f64, y: f64, what: &str) {
    assert!(
        (x - y).abs() <= 1e-7 * x.abs().max(y.abs()).max(1.0),
        "{what}: {x} vs {y}"
    );
}

fn assert_close(a: &Calibration, b: &Calibration) {
    assert_eq!((a.rows, a.claims), (b.rows, b.claims));
    close(a.policy_years, b.policy_years, "policy-years");
    for (pa, pb) in [(&a.frequency, &b.frequency), (&a.severity, &b.severity)] {
        assert_eq!((pa.rows, pa.factors.len()), (pb.rows, pb.factors.len()));
        for (fa, fb) in pa.factors.iter().zip(&pb.factors) {
            let name = format!("{} {}", fa.part.as_str(), fa.factor.name());
            assert_eq!(
                (fa.part, fa.factor, fa.at_bound),
                (fb.part, fb.factor, fb.at_bound)
            );
            for (x, y, what) in [
                (fa.log_ratio.0, fb.log_ratio.0, "ln r"),
                (fa.log_ratio.1, fb.log_ratio.1, "sd of ln r"),
                (fa.posterior / fb.posterior, 1.0, "posterior"),
                (fa.interval.0 / fb.interval.0, 1.0, "interval"),
                (fa.interval.1 / fb.interval.1, 1.0, "interval"),
                (fa.data_weight, fb.data_weight, "data weight"),
                (fa.policy_years, fb.policy_years, "policy-years"),
                (fa.claims, fb.claims, "claims"),
            ] {
                close(x, y, &format!("{name} {what}"));
            }
        }
        for (x, y, what) in [
            (
                pa.actual_to_expected_prior,
                pb.actual_to_expected_prior,
                "A/E prior",
            ),
            (
                pa.actual_to_expected_posterior,
                pb.actual_to_expected_posterior,
                "A/E posterior",
            ),
            (
                pa.residuals.dispersion_ratio,
                pb.residuals.dispersion_ratio,
                "dispersion ratio",
            ),
            (
                pa.residuals.dispersion_z,
                pb.residuals.dispersion_z,
                "dispersion z",
            ),
        ] {
            close(x, y, what);
        }
    }
    close(a.dispersion.posterior, b.dispersion.posterior, "dispersion");
    close(
        a.dispersion.data_weight,
        b.dispersion.data_weight,
        "dispersion data weight",
    );
}
