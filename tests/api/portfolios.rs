//! `/v1/portfolios`: jobs (202 once stored, run in the background, readable only by the
//! submitting insurer), bad files named by row and column, caps.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, header};
use risk_api::app::Config;
use serde_json::Value;

use crate::harness::*;

/// `POST uri` with a CSV `body`.
pub fn post_csv(uri: &str, body: &str) -> Call {
    post(uri, body).typed("text/csv")
}

/// Portfolio jobs (contract §8): 202 once stored, run in the background, readable only by the
/// submitting insurer; bad files are 422 naming row and column.
#[tokio::test]
async fn portfolio_jobs() {
    let e = env().await;
    let mut csv = String::from("policy_id,frequency_mean,severity_median,severity_sigma\n");
    for i in 0..50 {
        csv += &format!(
            "P{i},{},{},1.5\n",
            0.1 + (i % 5) as f64 * 0.05,
            10_000 + 100 * i
        );
    }
    let job = post_csv("/v1/portfolios?trials=2000&seed=3", &csv).by(&e.insurer_s);
    let r = check(&e, job, 202).await;
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["policies"], 50);
    assert_eq!(
        r.headers.get(header::LOCATION).unwrap(),
        &format!("/v1/portfolios/{id}")
    );
    let uri = format!("/v1/portfolios/{id}");
    let mut done = Value::Null;
    for _ in 0..600 {
        let g = check(&e, get(&uri).by(&e.insurer_s), 200).await;
        if g.body["status"] == "done" || g.body["status"] == "failed" {
            done = g.body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "done", "{done}");
    let report = &done["report"];
    assert_eq!(report["policies"], 50);
    assert_eq!(report["trials"], 2000);
    let tvar = report["tvar"][1]["value"].as_f64().unwrap();
    let allocated = report["allocated_total"].as_f64().unwrap();
    assert!((allocated - tvar).abs() < 1e-6 * tvar.max(1.0));
    // Only the submitting insurer sees it.
    check_all(
        &e,
        [
            (get(&uri).by(&e.insurer_n), 404),
            (get(&uri).by(&e.firm_a), 403),
            (get(&uri), 401),
            (get("/v1/portfolios/nope").by(&e.insurer_s), 404),
            (get(&format!("{uri}/ord/ept.csv")).by(&e.insurer_n), 404),
            (get(&format!("{uri}/ord/nope.csv")).by(&e.insurer_s), 404),
            (get(&format!("{uri}/ord/ept.csv")).by(&e.firm_a), 403),
        ],
    )
    .await;
    // The ORD tables of the job are those `risk portfolio --ord` writes for the same book.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book.csv");
    std::fs::write(&book, &csv).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_risk"))
        .args([
            "portfolio",
            book.to_str().unwrap(),
            "--trials",
            "2000",
            "--seed",
            "3",
            "--ord",
        ])
        .arg(dir.path().join("ord"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for table in ["ept", "alt", "plt", "elt", "summary-info"] {
        let r = check(
            &e,
            get(&format!("{uri}/ord/{table}.csv")).by(&e.insurer_s),
            200,
        )
        .await;
        assert!(content_type(&r).starts_with("text/csv"), "{table}");
        let want =
            std::fs::read_to_string(dir.path().join("ord").join(format!("{table}.csv"))).unwrap();
        assert_eq!(r.text, want, "{table}");
    }
    // Bad files and caps.
    let bad =
        "policy_id,frequency_mean,severity_median,severity_sigma\nA,0.1,1000,1\nB,lots,1000,1\n";
    let r = check(&e, post_csv("/v1/portfolios", bad).by(&e.insurer_s), 422).await;
    assert!(
        r.text.contains("row 2, column frequency_mean"),
        "{}",
        r.text
    );
    check_all(
        &e,
        [
            (
                post_csv("/v1/portfolios?trials=0", &csv).by(&e.insurer_s),
                422,
            ),
            (post_csv("/v1/portfolios", &csv).by(&e.firm_a), 403),
        ],
    )
    .await;
}

/// RELIABILITY.md §7 row 10: a job's expected events (trials × Σ policies' expected annual
/// events) are capped before it is queued; 10 rows of frequency 1e6 at 20,000 years (2e11
/// events, days of a simulation slot) were accepted.
#[tokio::test]
async fn portfolio_expected_events_capped() {
    let e = env().await;
    let mut csv = String::from("policy_id,frequency_mean,severity_median,severity_sigma\n");
    for i in 0..10 {
        csv += &format!("P{i},1e6,1000,1\n");
    }
    let r = check_field(
        &e,
        post_csv("/v1/portfolios?trials=20000", &csv).by(&e.insurer_s),
        422,
        "trials",
    )
    .await;
    assert!(r.text.contains("2.0000e11 expected events"), "{}", r.text);
    // Firm rows count their model's perils: the sample book at a small run is accepted.
    let sample = include_str!("../../data/portfolio-sample.csv");
    let firms: String = sample.lines().take(4).map(|l| format!("{l}\n")).collect();
    check(
        &e,
        post_csv("/v1/portfolios?trials=100", &firms).by(&e.insurer_s),
        202,
    )
    .await;
}

/// A request with a binary body of `content_type`.
fn post_bytes(e: &Env, uri: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {}", e.insurer_s))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

/// RELIABILITY.md §7 row 11: the row cap is checked before the file is decoded (Parquet from its
/// footer, CSV by its newlines). Every row here is bad, so a 422 naming the row count (not row 1's
/// cell) shows nothing was decoded; before, 1,000,000 Parquet rows were materialised first.
#[tokio::test]
async fn portfolio_rows_counted_before_decoding() {
    use polars::prelude::*;
    let e = env_with(Config {
        body_limit: 1 << 20,
        ..test_config()
    })
    .await;
    let n = 1_000_000;
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("policy_id".into(), vec!["P"; n]),
        Column::new("frequency_mean".into(), vec!["lots"; n]),
        Column::new("severity_median".into(), vec!["1000"; n]),
        Column::new("severity_sigma".into(), vec!["1"; n]),
    ])
    .unwrap();
    let mut parquet = Vec::new();
    ParquetWriter::new(&mut parquet).finish(&mut df).unwrap();
    assert!(parquet.len() < 1 << 20, "{} bytes", parquet.len());
    let r = send(
        &e,
        post_bytes(
            &e,
            "/v1/portfolios",
            "application/vnd.apache.parquet",
            parquet,
        ),
    )
    .await;
    check_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "body", "{}", r.text);
    assert!(
        r.text.contains("1000000 policies exceed the cap of 20000"),
        "{}",
        r.text
    );
    // CSV: the header and 20,001 bad rows, refused by the count.
    let mut csv = String::from("policy_id,frequency_mean,severity_median,severity_sigma\n");
    csv += &"P,lots,1000,1\n".repeat(20_001);
    let r = check_field(
        &e,
        post_csv("/v1/portfolios", &csv).by(&e.insurer_s),
        422,
        "body",
    )
    .await;
    assert!(r.text.contains("20001 policies exceed"), "{}", r.text);
    // At the cap, the rows are read (and row 1's bad cell named).
    let at_cap = csv.rsplit_once("P,lots").unwrap().0;
    let r = check(&e, post_csv("/v1/portfolios", at_cap).by(&e.insurer_s), 422).await;
    assert!(
        r.text.contains("row 1, column frequency_mean"),
        "{}",
        r.text
    );
}
