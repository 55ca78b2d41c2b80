//! Portfolio CSV (the body of POST /v1/portfolios): polars parsing + row validation + firm
//! pricing, then a tiny simulation of small books. Invariants: no panic; every year's loss ≥ 0.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use risk_api::portfolio_io::{FileKind, model_shocks, read_policies_bytes};
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::portfolio::{Portfolio, simulate};

static PARAMS: LazyLock<ModelParams> =
    LazyLock::new(|| ModelParams::parse(DEFAULT_MODEL).expect("the shipped model parses"));

fuzz_target!(|data: &[u8]| {
    let today = time::macros::date!(2026 - 04 - 01);
    let Ok(policies) = read_policies_bytes(data, FileKind::Csv, &PARAMS, today) else {
        return;
    };
    if policies.len() > 64 {
        return;
    }
    let Ok(book) = Portfolio::new(policies, model_shocks(&PARAMS)) else {
        return;
    };
    if book.expected_gross().is_nan() {
        panic!("expected gross loss NaN");
    }
    let n = book.policies().len();
    let table = simulate(&book, 0..n, 32, 1, &|_| {});
    for x in table.losses() {
        assert!(x >= 0.0, "year loss {x}");
    }
});
