//! Suppliers in `/v1/assessments` (contract §16): capped and validated by field, reported as
//! `supplier:<name>` score lines and `supplier:<name>:<scheme>` impact rows.

use serde_json::{Value, json};

use crate::create;
use crate::harness::*;

fn with_suppliers(n: usize) -> String {
    let mut v: Value = serde_json::from_str(PROFILE).unwrap();
    v["suppliers"] = (0..n)
        .map(|i| {
            json!({"name": format!("Supplier {i}"), "role": "it_service",
                        "critical": i == 0, "data_access": i == 1})
        })
        .collect();
    v.to_string()
}

#[tokio::test]
async fn suppliers_are_capped_scored_and_offered_in_the_impact() {
    let e = env().await;
    let over = with_suppliers(201);
    let r = post("/v1/assessments", &over).by(&e.firm_a);
    check_field(&e, r, 422, "suppliers").await;
    let bad = with_suppliers(2).replace("\"it_service\"", "\"cleaning\"");
    let r = post("/v1/assessments", &bad).by(&e.firm_a);
    check_field(&e, r, 422, "suppliers[0].role").await;

    let a = create(&e, &e.firm_a, &with_suppliers(3)).await;
    let lines: Vec<&str> = a["score"]["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["factor"].as_str())
        .filter(|f| f.starts_with("supplier:"))
        .collect();
    assert_eq!(
        lines,
        [
            "supplier:Supplier 0",
            "supplier:Supplier 1",
            "supplier:Supplier 2"
        ]
    );
    let id = a["id"].as_str().unwrap();
    let r = check(
        &e,
        get(&format!("/v1/assessments/{id}/impact")).by(&e.firm_a),
        200,
    )
    .await;
    let rows: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["change"].as_str())
        .collect();
    assert!(
        rows.contains(&"supplier:Supplier 0:supply_chain_4"),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"supplier:Supplier 1:supply_chain_3"),
        "{rows:?}"
    );

    // A what-if requiring the scheme of that supplier is its impact row, on the same years.
    let row = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["change"] == "supplier:Supplier 0:supply_chain_4")
        .unwrap()
        .clone();
    let wi = format!("/v1/assessments/{id}/what-if");
    let body = r#"{"require": [{"supplier": "Supplier 0", "scheme": "supply_chain_4"}]}"#;
    let w = check(&e, post(&wi, body).by(&e.firm_a), 200).await;
    assert_eq!(
        w.body["changes"],
        json!(["supplier:Supplier 0:supply_chain_4"])
    );
    assert_eq!(w.body["premium"], row["premium"]);
    // Never dearer on the same years (at 2,000 years the supplier's rare compromises may all
    // miss); the score, in closed form, rises.
    assert!(w.body["delta"].as_f64().unwrap() <= 0.0, "{}", w.text);
    assert!(
        w.body["score"].as_f64() > w.body["current_score"].as_f64(),
        "{}",
        w.text
    );
    for (body, field) in [
        (
            r#"{"require": [{"supplier": "Nobody", "scheme": "supply_chain_4"}]}"#,
            "require[0].supplier",
        ),
        (
            r#"{"require": [{"supplier": "Supplier 0", "scheme": "star5"}]}"#,
            "require[0].scheme",
        ),
        (
            r#"{"require": [{"supplier": "Supplier 0"}]}"#,
            "require[0].scheme",
        ),
    ] {
        check_field(&e, post(&wi, body).by(&e.firm_a), 422, field).await;
    }
}

/// A book's `suppliers` column: every supplier named is a common shock of the job, the report
/// lists the suppliers with their share of the tail, and a bad id is named by row and column.
#[tokio::test]
async fn portfolio_jobs_take_a_suppliers_column() {
    use crate::portfolios::post_csv;
    let e = env().await;
    let mut csv = String::from(
        "policy_id,frequency_mean,severity_median,severity_sigma,annual_revenue,suppliers\n",
    );
    for i in 0..40 {
        let own = if i % 2 == 0 { "acme-msp" } else { "" };
        csv += &format!("P{i},0.1,10000,1.5,100000000,{own};msp-{i}\n");
    }
    let r = check(
        &e,
        post_csv("/v1/portfolios?trials=4000&seed=3", &csv).by(&e.insurer_s),
        202,
    )
    .await;
    let uri = format!("/v1/portfolios/{}", r.body["id"].as_str().unwrap());
    let mut done = Value::Null;
    for _ in 0..600 {
        let g = check(&e, get(&uri).by(&e.insurer_s), 200).await;
        if g.body["status"] == "done" || g.body["status"] == "failed" {
            done = g.body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "done", "{done}");
    let report = &done["report"];
    let shocks: Vec<&str> = report["shocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .filter(|n| n.starts_with("supplier:"))
        .collect();
    assert_eq!(shocks.len(), 41, "{shocks:?}");
    assert_eq!(shocks[0], "supplier:acme-msp");
    let listed = report["suppliers"].as_array().unwrap();
    assert_eq!(listed.len(), 20);
    let total: f64 = listed
        .iter()
        .map(|s| s["tvar_share"].as_f64().unwrap())
        .sum();
    assert!((0.0..=1.0 + 1e-9).contains(&total), "{total}");

    let bad = csv.replace(
        "P2,0.1,10000,1.5,100000000,acme-msp",
        "P2,0.1,10000,1.5,100000000,acme msp",
    );
    let r = check(&e, post_csv("/v1/portfolios", &bad).by(&e.insurer_s), 422).await;
    assert!(r.text.contains("row 3, column suppliers"), "{}", r.text);
}
