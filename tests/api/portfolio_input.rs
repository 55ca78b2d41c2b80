//! Portfolio files as the service receives them (`POST /v1/portfolios` bodies) under random
//! damage: `read_policies_bytes` must give policies or an error message, never panic, and every
//! policy it accepts must price to a finite, non-negative expected loss. A coverage-less
//! complement of the `portfolio_csv` fuzz target (RELIABILITY.md), cheap enough for every run.

use proptest::prelude::*;
use risk_api::portfolio_io::{FileKind, model_shocks, read_policies_bytes};
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::portfolio::Portfolio;

const SAMPLE: &str = include_str!("../../data/portfolio-sample.csv");

/// The header and the first rows of the sample book (firm attributes, all optional columns).
fn seed_file(rows: usize) -> Vec<u8> {
    SAMPLE
        .lines()
        .take(rows + 1)
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes()
}

/// Tokens that stress a CSV reader and the cell validation.
const TOKENS: &[&str] = &[
    ",",
    "\n",
    "\r\n",
    "\"",
    "\"\"",
    ";",
    "NaN",
    "inf",
    "-1",
    "1e308",
    "1e-320",
    "0",
    "",
    "\u{feff}",
    "\u{0}",
    "iso27001:active",
    "soc2_type2:lapsed",
    "aws;gcp;azure",
    "99",
    "policy_id",
    "frequency_mean",
    "JPY",
    "XXX",
    "manufacturing",
    "  ",
];

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, usize),
    Delete(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Edit::Insert(i, t)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match *e {
            Edit::Flip(i, b) if !bytes.is_empty() => bytes[i % len] = b,
            Edit::Insert(i, t) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, TOKENS[t].bytes());
            }
            Edit::Delete(i, n) if !bytes.is_empty() => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Edit::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
            _ => {}
        }
    }
    bytes
}

/// Files found by the `portfolio_csv` fuzz target (`tests/fixtures/fuzz/portfolio-*.csv`) that
/// once panicked: each is now policies or a message. `portfolio-revenue-overflow.csv`: a revenue
/// of 1.2·10⁵⁹ JPY overflowed the frequency cap in `LossModel::from_profile`; now a row error.
/// `portfolio-severity-overflow.csv`: an explicit row's severity median of 2·10¹²⁰ overflowed the
/// year-loss sums in the simulation; now a row error on `severity_median`.
#[test]
fn portfolio_files_found_by_fuzzing() {
    let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let today = time::macros::date!(2026 - 04 - 01);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fuzz");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("portfolio-") && name.ends_with(".csv")) {
            continue;
        }
        seen += 1;
        let body = std::fs::read(&path).unwrap();
        let out = read_policies_bytes(&body, FileKind::Csv, &params, today);
        if name.contains("revenue-overflow") {
            let e = out.unwrap_err();
            assert!(e.contains("annual_revenue"), "{name}: {e}");
        } else if name.contains("severity-overflow") {
            let e = out.unwrap_err();
            assert!(e.contains("row 1, column severity_median"), "{name}: {e}");
        }
    }
    assert!(seen > 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn damaged_portfolio_files_never_panic(
        rows in 1usize..8,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
        let today = time::macros::date!(2026 - 04 - 01);
        let body = apply(seed_file(rows), &edits);
        if let Ok(policies) = read_policies_bytes(&body, FileKind::Csv, &params, today)
            && let Ok(book) = Portfolio::new(policies, model_shocks(&params))
        {
            let m = book.expected_gross();
            prop_assert!(m.is_finite() && m >= 0.0, "expected gross loss {}", m);
        }
        // The same bytes as a Parquet body: rejected cleanly.
        let _ = read_policies_bytes(&body, FileKind::Parquet, &params, today);
    }
}
