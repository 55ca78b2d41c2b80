//! Claims data that name the peril of each row: a base level and a σ per peril, and the revenue
//! elasticity, fitted beside the relativities. Synthetic claims are drawn from a model whose
//! perils moved apart (ransomware more frequent, fraud less, breaches larger, ransomware claims
//! less spread) with a steeper revenue curve; the fit recovers each inside its 95% interval, and
//! the new version carries them with their posteriors as the next prior.

use risk_core::calibrate::synth::{SyntheticRow, records as records_of, synthesize_with};
use risk_core::calibrate::{
    Adjustments, Calibration, ClaimRecord, Factor, FactorFit, Options, Part, apply, calibrate,
    rewrite, value,
};
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::profile::FirmProfile;
use risk_core::vocab::Peril;
use time::macros::date;

fn records(rows: &[SyntheticRow], prior: &ModelParams) -> Vec<ClaimRecord> {
    records_of(rows, prior, date!(2026 - 11 - 26)).unwrap()
}

fn factor(fit: &Calibration, part: Part, factor: Factor) -> FactorFit {
    fit.part(part)
        .factor(factor)
        .unwrap_or_else(|| panic!("{} {} not fitted", part.as_str(), factor.name()))
        .clone()
}

/// The true value of `f`: in the truth model, or for the revenue elasticity (a tilt, whose value
/// is relative to the model it is read in) the prior's plus the true shift.
fn truth_value(prior: &ModelParams, adj: &Adjustments, part: Part, f: Factor) -> f64 {
    let truth = apply(prior, adj);
    if f.additive() {
        value(prior, part, f) + adj.get(&(part, f)).map_or(0.0, |r| r.ln())
    } else {
        value(&truth, part, f)
    }
}

/// Asserts the fit of `f` covers the truth's value and is informed by the data.
fn covers(fit: &Calibration, prior: &ModelParams, adj: &Adjustments, part: Part, f: Factor) {
    let got = factor(fit, part, f);
    let t = truth_value(prior, adj, part, f);
    println!(
        "{} {}: prior {:.4} truth {t:.4} fit {:.4} [{:.4}, {:.4}] weight {:.2}",
        part.as_str(),
        f.name(),
        value(prior, part, f),
        got.posterior,
        got.interval.0,
        got.interval.1,
        got.data_weight
    );
    assert!(
        got.interval.0 <= t && t <= got.interval.1,
        "{} {}: truth {t} outside {:?}",
        part.as_str(),
        f.name(),
        got.interval
    );
    assert!(
        got.data_weight > 0.5,
        "{} {}: data weight {}",
        part.as_str(),
        f.name(),
        got.data_weight
    );
}

#[test]
fn rows_by_peril_recover_each_perils_base_sigma_and_the_revenue_curve() {
    let prior = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let truth_adj = Adjustments::from([
        ((Part::Frequency, Factor::PerilBase(Peril::Ransomware)), 1.6),
        ((Part::Frequency, Factor::PerilBase(Peril::BecFraud)), 0.7),
        ((Part::Severity, Factor::PerilBase(Peril::DataBreach)), 2.0),
        ((Part::Frequency, Factor::Revenue), 0.15f64.exp()),
        (
            (Part::Severity, Factor::Sigma(Some(Peril::Ransomware))),
            2.4 / 2.8,
        ),
    ]);
    let truth = apply(&prior, &truth_adj);
    let rows = synthesize_with(&truth, 60_000, 31, date!(2026 - 11 - 26), None, true);
    assert!(rows.iter().all(|r| r.peril.is_some()));
    let fit = calibrate(&records(&rows, &prior), &prior, Options::default()).unwrap();

    // A base per peril, no common base.
    assert!(
        fit.frequency
            .factors
            .iter()
            .all(|f| f.factor != Factor::Base)
    );
    for (part, f) in [
        (Part::Frequency, Factor::PerilBase(Peril::Ransomware)),
        (Part::Frequency, Factor::PerilBase(Peril::BecFraud)),
        (Part::Frequency, Factor::PerilBase(Peril::DataBreach)),
        (Part::Severity, Factor::PerilBase(Peril::DataBreach)),
        (Part::Severity, Factor::PerilBase(Peril::BecFraud)),
        (Part::Frequency, Factor::Revenue),
        (Part::Severity, Factor::Sigma(Some(Peril::Ransomware))),
        (Part::Severity, Factor::Sigma(Some(Peril::BecFraud))),
    ] {
        covers(&fit, &prior, &truth_adj, part, f);
    }
    // The revenue elasticity of a `[revenue_scale]` model is a tilt: prior 0, additive.
    let revenue = factor(&fit, Part::Frequency, Factor::Revenue);
    assert_eq!(revenue.prior, 0.0);
    assert!(
        revenue.differs_from_one(),
        "a tilt of 0.15 is found: {revenue:?}"
    );

    // The new version carries them, and reads their posteriors back as its priors.
    let provenance = risk_core::params::Calibration {
        from: prior.id(),
        data_sha256: "ab".repeat(32),
        rows: fit.rows as u64,
        policy_years: fit.policy_years,
        claims: fit.claims,
        date: "2026-11-26".into(),
        lineage: vec!["ab".repeat(32)],
    };
    let out = rewrite::rewrite(DEFAULT_MODEL, &prior, &fit, "2.1.0", &provenance).unwrap();
    for path in [
        "perils.ransomware.frequency",
        "perils.data_breach.median",
        "perils.ransomware.sigma",
        "revenue_scale.frequency[0].factor",
    ] {
        assert!(out.changed.iter().any(|c| c == path), "{path} not written");
    }
    let next = &out.params;
    for (part, f) in [
        (Part::Frequency, Factor::PerilBase(Peril::Ransomware)),
        (Part::Frequency, Factor::Revenue),
        (Part::Severity, Factor::Sigma(Some(Peril::Ransomware))),
    ] {
        let fitted = factor(&fit, part, f);
        let expected = if f.additive() {
            fitted.posterior - fitted.prior
        } else {
            fitted.ratio().ln()
        };
        // The written value moved by the fit (to the file's four significant digits).
        let moved = if f.additive() {
            // A tilt: the curve's factor at 10× the reference revenue moved by 10^β.
            let at = |p: &ModelParams| {
                let s = &p.revenue_scale.as_ref().unwrap().frequency;
                let r = p.reference.revenue;
                (s.factor(10.0 * r) / s.factor(r)).ln() / 10f64.ln()
            };
            at(next) - at(&prior)
        } else {
            (value(next, part, f) / value(&prior, part, f)).ln()
        };
        assert!(
            (moved - expected).abs() < 2e-3,
            "{}: written {moved}, fitted {expected}",
            f.name()
        );
        let sd = f.prior_sd(part, next);
        assert!(
            (sd - fitted.log_ratio.1).abs() < 1e-4,
            "{}: next prior sd {sd}, posterior sd {}",
            f.name(),
            fitted.log_ratio.1
        );
    }
}

#[test]
fn without_perils_one_sigma_scale_and_the_severity_curve_are_fitted() {
    let prior = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let truth_adj = Adjustments::from([
        ((Part::Severity, Factor::Sigma(None)), 0.85),
        ((Part::Severity, Factor::Revenue), 0.2f64.exp()),
        ((Part::Frequency, Factor::Base), 1.2),
    ]);
    let truth = apply(&prior, &truth_adj);
    let rows = synthesize_with(&truth, 60_000, 32, date!(2026 - 11 - 26), None, false);
    let fit = calibrate(&records(&rows, &prior), &prior, Options::default()).unwrap();
    assert!(
        fit.severity
            .factors
            .iter()
            .all(|f| !matches!(f.factor, Factor::PerilBase(_) | Factor::Sigma(Some(_))))
    );
    for (part, f) in [
        (Part::Frequency, Factor::Base),
        (Part::Severity, Factor::Sigma(None)),
        (Part::Severity, Factor::Revenue),
    ] {
        covers(&fit, &prior, &truth_adj, part, f);
    }
}

#[test]
fn a_peril_the_firm_is_not_exposed_to_is_refused() {
    let prior = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let rows = synthesize_with(&prior, 50, 3, date!(2026 - 11 - 26), None, false);
    let office = rows
        .iter()
        .find(|r| r.attributes.industry == "finance" || r.attributes.industry == "retail")
        .expect("a firm without operational technology");
    let p =
        FirmProfile::from_attributes(&office.attributes, &prior, date!(2026 - 11 - 26)).unwrap();
    let err = ClaimRecord::new(7, p, 1.0, 0, 0.0)
        .unwrap()
        .with_peril(7, Peril::OtIncident, &prior)
        .unwrap_err();
    assert!(err.to_string().contains("row 7, column peril"), "{err}");
}
