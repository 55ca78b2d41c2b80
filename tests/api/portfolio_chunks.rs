//! Books read a chunk of rows at a time (`risk_api::portfolio_chunks`): the policies, and so the
//! report, are those of the whole file read at once, whatever the chunk size, file form (CSV of
//! firms or of explicit parameters, OED, Parquet) or shard; an error names the file's row.

use polars::prelude::*;
use proptest::prelude::*;
use risk_api::portfolio_chunks::Source;
use risk_api::portfolio_io::{FileKind, book_rows, model_shocks, read_policies_in};
use risk_api::service::whole_portfolio_report;
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::portfolio::{Policy, Portfolio};

const SAMPLE: &str = include_str!("../../data/portfolio-sample.csv");
const OED: &str = include_str!("../../data/oed-cyber-account-example.csv");

fn params() -> ModelParams {
    ModelParams::parse(DEFAULT_MODEL).unwrap()
}

fn today() -> time::Date {
    time::macros::date!(2026 - 04 - 01)
}

/// Rows `range` of a file read `rows` at a time (`usize::MAX`: the whole file parsed at once, as
/// before chunked reading).
fn read(
    body: &[u8],
    kind: FileKind,
    range: Option<std::ops::Range<usize>>,
    rows: usize,
) -> Result<Vec<Policy>, String> {
    let source = Source::Bytes(body, kind);
    let range = match range {
        Some(r) => r,
        None => 0..book_rows(&source)?,
    };
    read_policies_in(&source, &params(), today(), range, rows, &|_| {})
}

/// The first `rows` firms of the sample book.
fn firms(rows: usize) -> String {
    SAMPLE
        .lines()
        .take(rows + 1)
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The OED example's accounts repeated `times` times under new account numbers.
fn oed(times: usize) -> String {
    let mut lines = OED.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    let rows: Vec<&str> = lines.collect();
    for k in 0..times {
        for r in &rows {
            out += &r.replacen(",A0", &format!(",A{k}-0"), 1);
            out.push('\n');
        }
    }
    out
}

/// Explicit-parameter rows, some with quoted ids holding a comma and a newline.
fn explicit(rows: usize) -> String {
    let mut out =
        String::from("policy_id,frequency_mean,severity_median,severity_sigma,deductible\n");
    for i in 0..rows {
        let id = if i % 5 == 0 {
            format!("\"E{i}, \"\"quoted\"\"\"")
        } else {
            format!("E{i}")
        };
        out += &format!(
            "{id},{},{},1.1,{}\n",
            0.1 + (i % 7) as f64 * 0.05,
            10_000 + 500 * i,
            i * 10
        );
    }
    out
}

/// The same file as Parquet, written with `group` rows to a row group.
fn parquet(csv: &str, group: usize) -> Vec<u8> {
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .into_reader_with_file_handle(std::io::Cursor::new(csv.as_bytes().to_vec()))
        .finish()
        .unwrap();
    let mut out = Vec::new();
    ParquetWriter::new(&mut out)
        .with_row_group_size(Some(group))
        .finish(&mut df)
        .unwrap();
    out
}

fn same(a: &[Policy], b: &[Policy]) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

fn report(policies: Vec<Policy>) -> String {
    let book = Portfolio::new(policies, model_shocks(&params())).unwrap();
    serde_json::to_string(&whole_portfolio_report(&book, 2_000, 11, &|_| {})).unwrap()
}

/// Issue #23: a book read in chunks of 7 rows gives, bit for bit, the report of the book read
/// whole; so do a shard's rows, read from their own first row.
#[test]
fn a_book_read_in_chunks_of_seven_rows_gives_the_whole_reads_report() {
    let files = [
        ("firms", firms(60).into_bytes(), FileKind::Csv),
        ("explicit", explicit(50).into_bytes(), FileKind::Csv),
        ("oed", oed(9).into_bytes(), FileKind::Csv),
        ("parquet firms", parquet(&firms(60), 16), FileKind::Parquet),
        ("parquet oed", parquet(&oed(9), 5), FileKind::Parquet),
    ];
    for (name, body, kind) in &files {
        let whole = read(body, *kind, None, usize::MAX).unwrap();
        assert!(whole.len() >= 50, "{name}: {} policies", whole.len());
        for rows in [1, 7, 50] {
            let chunked = read(body, *kind, None, rows).unwrap();
            assert!(same(&whole, &chunked), "{name}: chunks of {rows}");
        }
        let part = read(body, *kind, Some(13..41), 7).unwrap();
        assert!(same(&whole[13..41], &part), "{name}: rows 13..41");
        if *name == "firms" || *name == "oed" {
            let chunked = read(body, *kind, None, 7).unwrap();
            assert_eq!(report(whole), report(chunked), "{name}");
        }
    }
}

/// A bad cell in a later chunk is named by its row in the file, in every file form.
#[test]
fn errors_in_later_chunks_name_the_files_row() {
    let bad = firms(40)
        .lines()
        .enumerate()
        .map(|(k, l)| {
            if k == 23 {
                l.replacen(",JPY,", ",XXX,", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    for (body, kind) in [
        (bad.clone().into_bytes(), FileKind::Csv),
        (parquet(&bad, 4), FileKind::Parquet),
    ] {
        for rows in [7, usize::MAX] {
            let e = read(&body, kind, None, rows).unwrap_err();
            assert!(e.starts_with("row 23, column currency"), "{rows}: {e}");
        }
        // A shard that starts after the bad row does not see it.
        assert_eq!(read(&body, kind, Some(23..40), 7).unwrap().len(), 17);
    }
    let mut oed = oed(6);
    oed = oed
        .lines()
        .enumerate()
        .map(|(k, l)| {
            if k == 30 {
                l.replacen(",JPY,", ",USD,", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let e = read(oed.as_bytes(), FileKind::Csv, None, 7).unwrap_err();
    assert!(
        e.starts_with("row 30, column AccCurrency")
            || e.starts_with("row 30, column AnnualRevenueCurrency"),
        "{e}"
    );
}

/// Damage of the kinds `portfolio_input` applies: records end where polars ends them, so a
/// file read in chunks of 3 rows gives the whole read's policies, or its row error.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
}

const TOKENS: &[&str] = &[
    ",", "\n", "\r\n", "\"", "\"\"", "", "\u{feff}", "  ", "x\ny", "\n\n",
];

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        match *e {
            Edit::Insert(i, t) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, TOKENS[t].bytes());
            }
            Edit::Delete(i, n) if !bytes.is_empty() => {
                let at = i % bytes.len();
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Edit::Delete(..) => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn damaged_books_read_in_chunks_as_whole(
        rows in 1usize..12,
        edits in prop::collection::vec(prop_oneof![
            (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Edit::Insert(i, t)),
            (any::<usize>(), 1usize..30).prop_map(|(i, n)| Edit::Delete(i, n)),
        ], 1..5),
        explicit_form in any::<bool>(),
    ) {
        let seed = if explicit_form { explicit(rows) } else { firms(rows) };
        let body = apply(seed.into_bytes(), &edits);
        let whole = read(&body, FileKind::Csv, None, usize::MAX);
        let chunked = read(&body, FileKind::Csv, None, 3);
        match (&whole, &chunked) {
            (Ok(a), Ok(b)) => prop_assert!(same(a, b)),
            (Err(a), Err(b)) if a.starts_with("row ") => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "whole {:?} vs chunked {:?}", whole.as_ref().map(Vec::len), chunked.as_ref().map(Vec::len)),
        }
    }
}
