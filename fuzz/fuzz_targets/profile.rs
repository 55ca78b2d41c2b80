//! Firm profile: parse + validate against the shipped model, then score, simulate a tiny run
//! and price. Invariants: no panic; score in [0, 1000] with contributions adding up; every
//! premium component a number, the technical premium ≥ 0.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use risk_core::pricing::assess;
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::profile::FirmProfile;

static PARAMS: LazyLock<ModelParams> =
    LazyLock::new(|| ModelParams::parse(DEFAULT_MODEL).expect("the shipped model parses"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = time::macros::date!(2026 - 04 - 01);
    let Ok(profile) = FirmProfile::parse(text, &PARAMS, today) else {
        return;
    };
    let a = assess(&profile, &PARAMS, 64, 1);
    let s = &a.score;
    assert!((0.0..=1000.0).contains(&s.value), "score {}", s.value);
    let p = &a.premium;
    for (name, x) in [
        ("pure", p.pure),
        ("risk_load", p.risk_load),
        ("expense_load", p.expense_load),
        ("technical", p.technical),
        ("capital_tvar", p.capital_tvar),
    ] {
        assert!(x.is_finite(), "premium.{name} = {x}");
        assert!(x >= 0.0, "premium.{name} = {x} < 0");
    }
    assert!(!p.technical_std_error.is_nan(), "technical std error NaN");
    for (g, i) in a.simulation.gross().iter().zip(a.simulation.insured()) {
        assert!(*i >= 0.0 && i <= g, "insured {i} vs gross {g}");
    }
});
