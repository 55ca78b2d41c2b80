//! Quote options (the body of POST /v1/quotes): a profile and a JSON list of coverage options,
//! split at the first NUL byte (an input without one is the options list, for a fixed sample
//! profile). `FirmProfile::parse`, then `parse_options` for that firm, then `quote` on 200 years.
//! Invariants: no panic; every option priced, in request order; every premium component finite
//! and ≥ 0, the charged premium included; the insured mean ≥ 0.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::pricing::quote;
use risk_core::profile::{FirmProfile, parse_options};

static PARAMS: LazyLock<ModelParams> =
    LazyLock::new(|| ModelParams::parse(DEFAULT_MODEL).expect("the shipped model parses"));

/// The profile an input without a NUL byte is quoted for.
const SAMPLE_PROFILE: &str = include_str!("../../data/profiles/supplier-star3.json");

fuzz_target!(|data: &[u8]| {
    let (profile_bytes, options_bytes) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (SAMPLE_PROFILE.as_bytes(), data),
    };
    let (Ok(profile_text), Ok(options_text)) = (
        std::str::from_utf8(profile_bytes),
        std::str::from_utf8(options_bytes),
    ) else {
        return;
    };
    let today = time::macros::date!(2026 - 04 - 01);
    let Ok(profile) = FirmProfile::parse(profile_text, &PARAMS, today) else {
        return;
    };
    let Ok(options) = parse_options(options_text, &profile, &PARAMS) else {
        return;
    };
    let q = quote(&profile, &options, &PARAMS, 200, 1).expect("parse_options gives 1-20 options");
    assert_eq!(q.options.len(), options.len(), "one priced option per requested option");
    assert!((0.0..=1000.0).contains(&q.score.value), "score {}", q.score.value);
    for (i, o) in q.options.iter().enumerate() {
        assert_eq!(o.coverage, options[i], "options[{i}] out of request order");
        let p = &o.premium;
        for (name, x) in [
            ("pure", p.pure),
            ("risk_load", p.risk_load),
            ("expense_load", p.expense_load),
            ("technical", p.technical),
            ("capital_tvar", p.capital_tvar),
            ("charged", p.charged),
            ("minimum_premium", p.minimum_premium),
        ] {
            assert!(x.is_finite(), "options[{i}].premium.{name} = {x}");
            assert!(x >= 0.0, "options[{i}].premium.{name} = {x} < 0");
        }
        assert!(!p.technical_std_error.is_nan(), "options[{i}] technical std error NaN");
        assert!(o.insured.mean >= 0.0, "options[{i}].insured.mean = {}", o.insured.mean);
    }
});
