//! The firm model: profile → score → premium → impact, against the contract's properties and the
//! published figures the default model is calibrated to.

use proptest::prelude::*;
use risk_core::exposure::base_perils;
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::pricing::assess;
use risk_core::pricing::impact;
use risk_core::profile::{Certification, FirmProfile, Status};
use risk_core::vocab::{Control, Industry, Peril, Scheme};
use time::macros::date;

const EXAMPLE: &str = include_str!("../../data/profiles/manufacturer-ot-iso27001.json");

fn params() -> ModelParams {
    ModelParams::parse(DEFAULT_MODEL).unwrap()
}

fn parse(json: &str) -> FirmProfile {
    FirmProfile::parse(json, &params(), date!(2026 - 11 - 25)).unwrap()
}

#[test]
fn contributions_add_up_and_premium_covers_pure() {
    let params = params();
    let a = assess(&parse(EXAMPLE), &params, 50_000, 0);
    let total: f64 = a.score.contributions.iter().map(|c| c.points).sum();
    assert!((total - (a.score.value - a.score.baseline)).abs() < 0.01);
    assert!(a.premium.technical >= a.premium.pure);
    assert!(a.score.relative_risk < 1.0);
    assert_eq!(a.score.grade, "B");
}

/// `remove:<scheme>`'s premium is exactly the premium of the profile without the certificate at
/// the same seed, and every delta is premium − current.
#[test]
fn impact_items_are_consistent_with_direct_assessments() {
    let params = params();
    let p = parse(EXAMPLE);
    let i = impact(&p, &params, 20_000, 5);
    let remove = i
        .items
        .iter()
        .find(|x| x.change == "remove:iso27001")
        .unwrap();
    let mut without = p.clone();
    without.certifications.clear();
    let direct = assess(&without, &params, 20_000, 5);
    assert_eq!(remove.premium, direct.premium.technical);
    assert!(remove.delta > 0.0);
    let lapse = i
        .items
        .iter()
        .find(|x| x.change == "lapse:iso27001")
        .unwrap();
    assert!(lapse.delta > 0.0 && lapse.delta < remove.delta);
    for it in &i.items {
        assert_eq!(it.delta, it.premium - i.current.premium.technical);
        assert!(it.delta_std_error >= 0.0);
    }
    assert!(i.items.windows(2).all(|w| w[0].delta <= w[1].delta));
    let changes: Vec<&str> = i.items.iter().map(|x| x.change.as_str()).collect();
    assert!(changes.contains(&"raise:protect"), "{changes:?}");
    assert!(
        changes.contains(&"improve:patch_critical_days"),
        "{changes:?}"
    );
    // Controls at their best level are not listed.
    assert!(!changes.contains(&"improve:mfa"), "{changes:?}");
}

fn firm(industry: Industry, revenue: f64, currency: &str) -> FirmProfile {
    parse(&format!(
        r#"{{"firm": {{"name": "F", "industry": "{industry}", "annual_revenue": {revenue}, "currency": "{currency}"}}}}"#
    ))
}

/// Claim frequency of a baseline firm (no answers, industry `other`) per revenue band against
/// Coalition 2025 (insured claims per policy-year): within ±30%. The table in models/README.md is
/// this test's output.
#[test]
fn calibration_against_published_frequencies() {
    let params = params();
    let usd = |r: f64| firm(Industry::Other, r, "USD");
    let freq = |p: &FirmProfile| -> f64 {
        base_perils(p, &params)
            .iter()
            .flatten()
            .map(|b| b.frequency)
            .sum()
    };
    let severity = |p: &FirmProfile| -> f64 {
        let b: Vec<_> = base_perils(p, &params).into_iter().flatten().collect();
        b.iter().map(|b| b.frequency * b.severity_mean).sum::<f64>()
            / b.iter().map(|b| b.frequency).sum::<f64>()
    };
    for (revenue, coalition_freq, coalition_sev) in [
        (10e6, 0.0107, 79e3),
        (50e6, 0.0399, 139e3),
        (250e6, 0.0597, 228e3),
    ] {
        let f = freq(&usd(revenue));
        let s = severity(&usd(revenue));
        eprintln!(
            "revenue {revenue:e}: frequency {f:.4} vs {coalition_freq}, severity {s:.0} vs {coalition_sev}"
        );
        assert!(
            (f / coalition_freq - 1.0).abs() < 0.30,
            "frequency at {revenue}: {f}"
        );
        // Ground-up expected severity sits above the insurers' average payout by the retention
        // and limits; the model must stay within 1x-3x of it.
        assert!(
            (1.0..3.0).contains(&(s / coalition_sev)),
            "severity at {revenue}: {s}"
        );
    }
    // Ransomware's share of claims: Coalition 0.31% of 1.48%.
    let p = usd(50e6);
    let b = base_perils(&p, &params);
    let share = b[Peril::Ransomware.index()].unwrap().frequency / freq(&p);
    assert!((share - 0.31 / 1.48).abs() < 0.03, "{share}");
}

fn cert(scheme: Scheme, status: Status) -> Certification {
    Certification {
        scheme,
        status,
        issued: Some(date!(2025 - 06 - 01)),
        expires: match status {
            Status::Lapsed => Some(date!(2026 - 09 - 01)),
            _ => Some(date!(2028 - 05 - 31)),
        },
        scope_share: 1.0,
        security_level: (scheme == Scheme::Iec62443).then_some(2),
        edition: None,
        certificate_id: None,
        verified: false,
    }
}

fn arb_profile() -> impl Strategy<Value = FirmProfile> {
    let industry = prop::sample::select(Industry::ALL.to_vec());
    let revenue = 1e8f64..1e11;
    let certs = prop::collection::vec(prop::sample::select(Scheme::ALL.to_vec()), 0..3);
    let maturity = prop::array::uniform6(prop::option::of(0u8..=5));
    let controls = prop::array::uniform8(prop::option::of(0usize..3));
    (industry, revenue, certs, maturity, controls, any::<bool>()).prop_map(
        |(industry, revenue, mut certs, maturity, controls, ot)| {
            certs.sort();
            certs.dedup();
            let mut p = firm(industry, revenue, "JPY");
            p.ot_exposure = ot;
            p.certifications = certs.into_iter().map(|s| cert(s, Status::Active)).collect();
            p.maturity = maturity;
            let params = params();
            for (i, c) in Control::ALL.iter().enumerate() {
                let n = params.controls[c].levels.len();
                p.controls[i] = controls[i].map(|l| l.min(n - 1));
            }
            p
        },
    )
}

const TRIALS: u64 = 4_000;

/// (score, technical premium) at a fixed seed.
fn outcome(p: &FirmProfile) -> (f64, f64) {
    let a = assess(p, &params(), TRIALS, 11);
    (a.score.value, a.premium.technical)
}

fn no_worse(better: (f64, f64), worse: (f64, f64)) -> Result<(), TestCaseError> {
    prop_assert!(
        better.0 >= worse.0 - 1e-9,
        "score {} < {}",
        better.0,
        worse.0
    );
    prop_assert!(
        better.1 <= worse.1 * (1.0 + 1e-12),
        "premium {} > {}",
        better.1,
        worse.1
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Better maturity never lowers the score nor raises the premium (same seed).
    #[test]
    fn better_maturity_never_hurts(p in arb_profile(), f in 0usize..6) {
        let mut q = p.clone();
        q.maturity[f] = Some(q.maturity[f].map_or(3, |m| (m + 1).min(5)));
        if p.maturity[f].is_some() {
            no_worse(outcome(&q), outcome(&p))?;
        }
    }

    /// A better control answer never lowers the score nor raises the premium.
    #[test]
    fn better_controls_never_hurt(p in arb_profile(), c in 0usize..8) {
        let levels = params().controls[&Control::ALL[c]].levels.len();
        if let Some(l) = p.controls[c] && l + 1 < levels {
            let mut q = p.clone();
            q.controls[c] = Some(l + 1);
            no_worse(outcome(&q), outcome(&p))?;
        }
    }

    /// An active certificate never hurts; one lapsed within 12 months sits between active and none.
    #[test]
    fn certificates_order_active_lapsed_none(p in arb_profile(), s in prop::sample::select(Scheme::ALL.to_vec())) {
        let mut none = p.clone();
        none.certifications.retain(|c| c.scheme != s);
        let mut active = none.clone();
        active.certifications.push(cert(s, Status::Active));
        let mut lapsed = none.clone();
        lapsed.certifications.push(cert(s, Status::Lapsed));
        let (a, l, n) = (outcome(&active), outcome(&lapsed), outcome(&none));
        no_worse(a, l)?;
        no_worse(l, n)?;
    }

    /// Contributions add up; the premium covers the pure premium.
    #[test]
    fn score_is_explained_exactly(p in arb_profile()) {
        let a = assess(&p, &params(), TRIALS, 3);
        let total: f64 = a.score.contributions.iter().map(|c| c.points).sum();
        prop_assert!((total - (a.score.value - a.score.baseline)).abs() < 0.01);
        prop_assert!((0.0..=1000.0).contains(&a.score.value));
        prop_assert!(a.premium.technical >= a.premium.pure);
    }
}
