//! `/v1/portfolios`: jobs (202 once stored, run in the background, readable only by the
//! submitting insurer), bad files named by row and column, caps.

use std::time::Duration;

use axum::http::header;
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
        ],
    )
    .await;
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
