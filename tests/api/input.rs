//! Input the service must refuse with a 4xx naming the field (RELIABILITY.md §7): values that
//! once reached the engine and answered 500, documents nested past the parser's depth, duplicate
//! keys, hostile names and dates, and the size of the error document itself.

use crate::harness::*;
use crate::portfolios::post_csv;

/// A subnormal revenue (1e-320) panicked the firm model (500): now 422 on
/// `firm.annual_revenue`, in a profile and in a portfolio row.
#[tokio::test]
async fn subnormal_revenue_is_422() {
    let e = env().await;
    for revenue in ["1e-320", "5e-324", "1e-300", "0.5"] {
        let profile = PROFILE.replace("5000000000", revenue);
        check_field(
            &e,
            post(&format!("/v1/assessments?{TRIALS}"), &profile).by(&e.firm_a),
            422,
            "firm.annual_revenue",
        )
        .await;
        let csv = format!("policy_id,industry,annual_revenue,currency\nA,retail,{revenue},JPY\n");
        let r = check(&e, post_csv("/v1/portfolios", &csv).by(&e.insurer_s), 422).await;
        assert!(r.text.contains("annual_revenue"), "{}", r.text);
    }
}

/// JSON nested deeper than the parser's limit of 128 on shares and threat levels answered 500:
/// now 400 (not a document the service reads), as a body and inside a field.
#[tokio::test]
async fn deeply_nested_json_is_4xx() {
    let e = env().await;
    let a = crate::create(&e, &e.firm_a, PROFILE).await;
    let shares = format!("/v1/assessments/{}/shares", a["id"].as_str().unwrap());
    for depth in [129, 200, 5_000] {
        let nested = "[".repeat(depth) + &"]".repeat(depth);
        let obj = "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth);
        for body in [
            nested.clone(),
            obj,
            format!(r#"{{"insurer": {nested}}}"#),
            format!(r#"{{"levels": {{"ransomware": 2}}, "source": {nested}}}"#),
        ] {
            for call in [
                post(&shares, &body).by(&e.firm_a),
                put("/v1/threat-levels/retail", &body).by(&e.admin),
            ] {
                let r = send(&e, call.request()).await;
                assert!(r.status.is_client_error(), "{depth}: {}", r.text);
                check_problem(&r, r.status.as_u16());
            }
        }
    }
}
