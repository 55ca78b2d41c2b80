//! Model 2.0.0's properties: premiums monotone in revenue (with its default terms across the
//! band edges, and with fixed terms), limit, deductible, records held and controls; country and
//! trend factors as the file states them; older models unchanged by the new sections.

use proptest::prelude::*;
use risk_core::exposure::base_perils;
use risk_core::params::{MODEL_1_5_0, MODEL_2_0_0, ModelParams};
use risk_core::pricing::assess;
use risk_core::profile::FirmProfile;
use risk_core::vocab::{Control, Industry, Peril};
use time::macros::date;

fn params() -> ModelParams {
    ModelParams::parse(MODEL_2_0_0).unwrap()
}

const TRIALS: u64 = 20_000;

fn profile(params: &ModelParams, body: &str) -> FirmProfile {
    FirmProfile::parse(body, params, date!(2026 - 11 - 25)).unwrap()
}

fn firm(industry: Industry, revenue: f64, currency: &str, extra: &str) -> String {
    format!(
        r#"{{"as_of": "2026-11-25", "firm": {{"name": "F", "industry": "{industry}", "annual_revenue": {revenue}, "currency": "{currency}"}}{extra}}}"#
    )
}

fn premium(p: &FirmProfile, params: &ModelParams) -> f64 {
    assess(p, params, TRIALS, 3).premium.technical
}

/// With the default terms of each revenue band, the technical premium rises with revenue over
/// $100K-$100B, across every band edge (checked just below and above each), and no default
/// deductible reaches its limit.
#[test]
fn default_terms_premiums_rise_with_revenue() {
    let params = params();
    let mut revenues: Vec<f64> = (0..=24).map(|i| 1e5 * 10f64.powf(i as f64 / 4.0)).collect();
    for b in &params.default_terms {
        if b.revenue_up_to.is_finite() {
            revenues.extend([b.revenue_up_to, b.revenue_up_to * 1.0001]);
        }
    }
    revenues.sort_by(f64::total_cmp);
    revenues.dedup();
    let mut last = (0.0, 0.0);
    for r in revenues {
        let p = profile(&params, &firm(Industry::Other, r, "USD", ""));
        assert!(
            p.coverage.deductible < p.coverage.occurrence_limit,
            "revenue {r}: deductible {} >= limit {}",
            p.coverage.deductible,
            p.coverage.occurrence_limit
        );
        let prem = premium(&p, &params);
        assert!(
            prem > last.1,
            "premium at revenue {r} ({prem}) <= at {} ({})",
            last.0,
            last.1
        );
        last = (r, prem);
    }
}

/// The default deductible stays below a limit the profile names.
#[test]
fn default_deductible_stays_below_a_given_limit() {
    let params = params();
    let p = profile(
        &params,
        &firm(
            Industry::Other,
            5e9,
            "USD",
            r#", "coverage": {"occurrence_limit": 1000000}"#,
        ),
    );
    assert_eq!(p.coverage.occurrence_limit, 1e6);
    assert!(p.coverage.deductible <= 1e5, "{}", p.coverage.deductible);
}

#[test]
fn country_and_currency_pick_the_jurisdiction() {
    let params = params();
    let c = params.countries.as_ref().unwrap();
    assert_eq!(c.lookup(Some("de"), "USD").name, "EU");
    assert_eq!(c.lookup(Some("JP"), "USD").name, "JP");
    assert_eq!(c.lookup(None, "JPY").name, "JP");
    assert_eq!(c.lookup(None, "SGD").name, "other");
    assert_eq!(c.lookup(Some("BR"), "USD").name, "other");
    // The factors reach the base perils: a US firm vs the same firm in Great Britain.
    let us = profile(&params, &firm(Industry::Other, 1e7, "USD", ""));
    let mut gb = us.clone();
    gb.country = Some("GB".into());
    let (u, g) = (base_perils(&us, &params), base_perils(&gb, &params));
    let k = Peril::Ransomware.index();
    let (u, g) = (u[k].unwrap(), g[k].unwrap());
    let (us_f, gb_f) = (&c.lookup(Some("US"), "USD"), &c.lookup(Some("GB"), "USD"));
    assert!((g.frequency / u.frequency - gb_f.frequency / us_f.frequency).abs() < 1e-12);
    assert!((g.median / u.median - gb_f.severity / us_f.severity).abs() < 1e-12);
}

#[test]
fn trend_grows_cost_severities_but_not_revenue_based_interruption() {
    let params = params();
    let t = params.trend.unwrap();
    let a = profile(&params, &firm(Industry::Other, 1e8, "USD", ""));
    let mut b = a.clone();
    b.as_of = date!(2027 - 11 - 25);
    let (pa, pb) = (base_perils(&a, &params), base_perils(&b, &params));
    let r = Peril::Ransomware.index();
    let ratio = pb[r].unwrap().median / pa[r].unwrap().median;
    assert!((ratio - t.index(b.as_of) / t.index(a.as_of)).abs() < 1e-12);
    assert!(ratio > 1.0);
    let bi = Peril::BusinessInterruption.index();
    assert_eq!(pb[bi].unwrap().median, pa[bi].unwrap().median);
    // BI from daily revenue: doubling revenue doubles its median.
    let mut c = a.clone();
    c.annual_revenue *= 2.0;
    let pc = base_perils(&c, &params);
    assert!((pc[bi].unwrap().median / pa[bi].unwrap().median - 2.0).abs() < 1e-12);
}

/// Records raise the breach severity without a cap, by a power law below 1 (the cost per record
/// falls with scale).
#[test]
fn records_scale_breach_severity_without_a_cap() {
    let params = params();
    let k = Peril::DataBreach.index();
    let median = |n: f64| {
        let mut p = profile(&params, &firm(Industry::Other, 1e8, "USD", ""));
        p.records_held = Some(n);
        base_perils(&p, &params)[k].unwrap().median
    };
    let e = params.reference.records_elasticity;
    assert!(e < 1.0);
    for n in [1e5, 1e6, 1e8] {
        let ratio = median(n * 10.0) / median(n);
        assert!((ratio - 10f64.powf(e)).abs() < 1e-9, "{n}: {ratio}");
    }
}

/// The new sections are absent from 1.5.0, so it reads as before.
#[test]
fn older_models_have_none_of_the_new_sections() {
    let old = ModelParams::parse(MODEL_1_5_0).unwrap();
    assert!(old.revenue_scale.is_none() && old.countries.is_none() && old.trend.is_none());
    assert!(old.default_terms.is_empty() && old.reference.bi_margin.is_none());
    assert_eq!(old.reference.records_max, 100_000.0);
}

#[test]
fn bad_new_sections_are_named() {
    let bad = MODEL_2_0_0
        .replace("deductible = 2_500\n", "deductible = 2_000_000\n")
        .replace(
            "{ revenue = 50_000_000, factor = 1.0 },\n  { revenue = 250_000_000",
            "{ revenue = 50_000_000, factor = 0.01 },\n  { revenue = 250_000_000",
        )
        .replace("[countries.other]", "[countries.Japan]");
    let Err(risk_core::params::ParamsError::Invalid(errors)) = ModelParams::parse(&bad) else {
        panic!("accepted")
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    for f in [
        "default_terms[0].deductible",
        "default_terms",
        "revenue_scale.frequency",
        "countries.Japan",
        "countries.other",
    ] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
}

fn arb_firm() -> impl Strategy<Value = (Industry, f64, bool)> {
    (
        prop::sample::select(Industry::ALL.to_vec()),
        1e6f64..2e10,
        any::<bool>(),
    )
}

fn fixed(industry: Industry, revenue: f64, ot: bool, d: f64, l: f64) -> FirmProfile {
    let mut p = profile(
        &params(),
        &firm(
            industry,
            revenue,
            "USD",
            &format!(
                r#", "coverage": {{"deductible": {d}, "occurrence_limit": {l}, "aggregate_limit": {l}}}"#
            ),
        ),
    );
    p.ot_exposure = ot;
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    /// Fixed terms: more revenue never lowers the premium.
    #[test]
    fn premium_rises_with_revenue((ind, r, ot) in arb_firm(), up in 1.01f64..5.0) {
        let params = params();
        let a = premium(&fixed(ind, r, ot, 1e4, 5e6), &params);
        let b = premium(&fixed(ind, r * up, ot, 1e4, 5e6), &params);
        prop_assert!(b >= a, "{a} -> {b}");
    }

    /// A higher limit never lowers it; a higher deductible never raises it.
    #[test]
    fn premium_monotone_in_limit_and_deductible(
        (ind, r, ot) in arb_firm(),
        l in 1e5f64..5e7,
        d in 0f64..1e6,
        up in 1.01f64..5.0,
    ) {
        let params = params();
        let base = premium(&fixed(ind, r, ot, d, l), &params);
        let more_limit = premium(&fixed(ind, r, ot, d, l * up), &params);
        let more_ded = premium(&fixed(ind, r, ot, d * up + 1.0, l), &params);
        prop_assert!(more_limit >= base, "limit {l}: {base} -> {more_limit}");
        prop_assert!(more_ded <= base, "deductible {d}: {base} -> {more_ded}");
    }

    /// More records never lower the premium.
    #[test]
    fn premium_rises_with_records((ind, r, ot) in arb_firm(), n in 1e3f64..1e9, up in 1.01f64..100.0) {
        let params = params();
        let mut a = fixed(ind, r, ot, 1e4, 1e7);
        a.records_held = Some(n);
        let mut b = a.clone();
        b.records_held = Some(n * up);
        let (pa, pb) = (premium(&a, &params), premium(&b, &params));
        prop_assert!(pb >= pa, "{pa} -> {pb}");
    }

    /// A better level of any control never raises the premium.
    #[test]
    fn better_controls_never_raise_the_premium((ind, r, ot) in arb_firm(), c in 0usize..8, level in 0usize..3) {
        let params = params();
        let control = Control::ALL[c];
        let n = params.controls[&control].levels.len();
        let level = level.min(n - 2);
        let mut worse = fixed(ind, r, ot, 1e4, 5e6);
        worse.controls[c] = Some(level);
        let mut better = worse.clone();
        better.controls[c] = Some(level + 1);
        let (w, b) = (premium(&worse, &params), premium(&better, &params));
        prop_assert!(b <= w * (1.0 + 1e-12), "{control}: {w} -> {b}");
    }
}
