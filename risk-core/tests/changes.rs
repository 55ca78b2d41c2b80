//! Changes to a firm (the what-if and the premium-impact table share them), the Monte Carlo vs
//! exact check and the per-peril statistics of a simulation.

use risk_core::engine::{Side, exact, simulate};
use risk_core::model::LossSpec;
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::pricing::{Change, ChangeError, impact, what_if};
use risk_core::profile::FirmProfile;
use risk_core::stats::Check;
use risk_core::vocab::{Function, Scheme};
use time::macros::date;

const EXAMPLE: &str = include_str!("../../data/profiles/manufacturer-ot-iso27001.json");

fn parse(json: &str, params: &ModelParams) -> FirmProfile {
    FirmProfile::parse(json, params, date!(2026 - 11 - 25)).unwrap()
}

/// Every row of the impact table is the what-if of its one change, bit for bit.
#[test]
fn impact_rows_are_what_ifs_of_one_change() {
    let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let p = parse(EXAMPLE, &params);
    let i = impact(&p, &params, 5_000, 3);
    let changes = risk_core::pricing::impact_changes(&p, &params, &i.current.score.standings);
    assert_eq!(changes.len(), i.items.len());
    for c in changes {
        let item = i
            .items
            .iter()
            .find(|it| it.change == c.to_string())
            .unwrap();
        let a = what_if(&p, &params, &[c], 5_000, 3).unwrap();
        assert_eq!(a.premium.technical, item.premium, "{c}");
        assert_eq!(a.score.value, item.score, "{c}");
    }
}

/// Changes apply in order; those that do not apply are reported with their index and the
/// later ones still apply.
#[test]
fn changes_that_do_not_apply_are_reported_by_index() {
    let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let p = parse(EXAMPLE, &params);
    let held = p.certifications[0].scheme;
    let not_held = Scheme::ALL
        .iter()
        .copied()
        .find(|s| p.certifications.iter().all(|c| c.scheme != *s))
        .unwrap();
    let changes = [
        Change::Remove(held),
        Change::Lapse(held),
        Change::Remove(not_held),
        Change::Maturity {
            function: Function::Govern,
            level: 6,
        },
    ];
    let errors = risk_core::pricing::apply_changes(&p, &params, &changes).unwrap_err();
    assert_eq!(
        errors,
        vec![
            (1, ChangeError::NotHeld(held)),
            (2, ChangeError::NotHeld(not_held)),
            (3, ChangeError::LevelOutOfRange)
        ]
    );
    assert_eq!(changes[0].to_string(), format!("remove:{held}"));
    assert_eq!(
        changes[3].to_string(),
        format!("maturity:{}=6", Function::Govern)
    );
}

/// The check of a run against the exact method agrees within 3 standard errors, and the
/// per-peril means add up to the run's mean.
#[test]
fn check_and_per_peril_statistics() {
    let spec = LossSpec::parse(
        r#"{"perils": [{"name": "ransomware",
        "frequency": {"distribution": "poisson", "mean": 0.8},
        "severity": {"distribution": "lognormal", "median": 150000, "sigma": 1.5}},
        {"name": "bec", "frequency": {"distribution": "poisson", "mean": 2.0},
        "severity": {"distribution": "lognormal", "median": 20000, "sigma": 1.0}}]}"#,
    )
    .unwrap();
    let sim = simulate(&spec.model, 20_000, 11);
    let ex = exact::compute(
        &spec.model,
        &spec.levels,
        &spec.thresholds,
        &exact::ExactOptions::default(),
    )
    .unwrap();
    let check = Check::new(
        sim.insured(),
        &ex.stats,
        ex.closed_form_mean,
        ex.closed_form_std,
        &spec.levels,
        &spec.thresholds,
    );
    assert!(check.within_3_std_errors, "{check:?}");
    assert_eq!(check.var.len(), spec.levels.len());
    let perils = sim.peril_stats(Side::Gross);
    let total: f64 = perils.iter().map(|p| p.mean).sum();
    let mean = sim.losses(Side::Gross).iter().sum::<f64>() / 20_000.0;
    assert!((total - mean).abs() <= 1e-9 * mean, "{total} vs {mean}");
    assert!(perils.iter().all(|p| p.mean_std_error > 0.0));
}
