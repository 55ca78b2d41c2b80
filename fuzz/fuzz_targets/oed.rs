//! OED v4 cyber account files (CSV) as a portfolio body: the same bytes-based entry point as
//! `portfolio_csv` (`read_policies_bytes`, which hands a table with the OED marker columns to
//! `risk_api::oed::policies`), but every input is an OED file: one whose first line does not
//! name `AccNumber` gets the header of `data/oed-cyber-account-example.csv` in front, so the
//! mutations land in the account rows. Then, for books of ≤ 64 policies, `Portfolio::new` and a
//! 32-year simulation. Invariants: no panic; every year's loss ≥ 0.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use risk_api::portfolio_io::{FileKind, model_shocks, read_policies_bytes};
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::portfolio::{Portfolio, simulate};

static PARAMS: LazyLock<ModelParams> =
    LazyLock::new(|| ModelParams::parse(DEFAULT_MODEL).expect("the shipped model parses"));

const EXAMPLE: &str = include_str!("../../data/oed-cyber-account-example.csv");

fuzz_target!(|data: &[u8]| {
    let first_line: &[u8] = data.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let has_header = first_line.windows(9).any(|w| w == b"AccNumber");
    let body: Vec<u8> = if has_header {
        data.to_vec()
    } else {
        let header = EXAMPLE.lines().next().expect("the example has a header");
        [header.as_bytes(), &b"\n"[..], data].concat()
    };
    let today = time::macros::date!(2026 - 04 - 01);
    let Ok(policies) = read_policies_bytes(&body, FileKind::Csv, &PARAMS, today) else {
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
