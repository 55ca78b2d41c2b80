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
}
