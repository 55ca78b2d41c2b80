//! `POST /v1/quotes` (contract §10) and the underwriting fields of an Assessment: options on
//! common random numbers, the decision, roles, and bad coverage named field by field.

use serde_json::{Value, json};

use crate::create;
use crate::harness::*;

fn body(profile: &str, options: Value) -> String {
    let profile: Value = serde_json::from_str(profile).unwrap();
    json!({"profile": profile, "options": options}).to_string()
}

/// Limits low enough that 2,000 simulated years of the sample manufacturer reach them under the
/// default model (2.0.0 prices a Japanese firm's claims at its country's frequency and severity).
fn options() -> Value {
    json!([
        {"occurrence_limit": 10_000_000.0, "aggregate_limit": 10_000_000.0, "deductible": 1_000_000.0},
        {"occurrence_limit": 30_000_000.0, "aggregate_limit": 30_000_000.0, "deductible": 1_000_000.0},
        {"occurrence_limit": 30_000_000.0, "aggregate_limit": 30_000_000.0, "deductible": 5_000_000.0},
        {"occurrence_limit": 30_000_000.0, "aggregate_limit": 30_000_000.0,
         "waiting_period_hours": 12, "sublimits": {"social_engineering": 25_000_000.0},
         "coinsurance": {"extortion": 0.8}}
    ])
}

#[tokio::test]
async fn options_share_one_simulation_and_match_single_requests() {
    let e = env().await;
    let uri = format!("/v1/quotes?{TRIALS}");
    let all = check(
        &e,
        post(&uri, &body(PROFILE, options())).by(&e.insurer_s),
        200,
    )
    .await;
    let b = &all.body;
    assert_eq!((&b["trials"], &b["seed"]), (&2000.into(), &7.into()));
    assert_eq!(b["currency"], "JPY");
    assert_eq!(b["options"].as_array().unwrap().len(), 4);
    for (i, o) in options().as_array().unwrap().iter().enumerate() {
        let one = check(
            &e,
            post(&uri, &body(PROFILE, json!([o]))).by(&e.insurer_s),
            200,
        )
        .await;
        assert_eq!(one.body["options"][0], b["options"][i], "option {i}");
    }
    // Terms echoed with defaults, the premium's parts, the insured loss.
    let o3 = &b["options"][3];
    assert_eq!(o3["terms"]["waiting_period_hours"], 12.0);
    assert_eq!(o3["terms"]["sublimits"]["social_engineering"], 25_000_000.0);
    assert_eq!(o3["terms"]["coinsurance"]["extortion"], 0.8);
    assert_eq!(b["options"][0]["terms"]["waiting_period_hours"], 8.0);
    for o in b["options"].as_array().unwrap() {
        let p = &o["premium"];
        for k in ["pure", "technical", "charged", "adequacy"] {
            assert!(p[k].as_f64().unwrap() >= 0.0, "{k}: {p}");
        }
        assert!(p["minimum_applied"].is_boolean());
        assert!(
            o["insured_loss"]["tvar"].as_f64().unwrap()
                >= o["insured_loss"]["mean"].as_f64().unwrap()
        );
    }
    // Higher limit costs more; a deductible credits.
    let tech = |i: usize| b["options"][i]["premium"]["technical"].as_f64().unwrap();
    assert!(tech(1) > tech(0) && tech(2) < tech(1));
    let ilf = &b["increased_limit_factors"];
    assert!(
        ilf.as_array()
            .unwrap()
            .iter()
            .any(|r| r["option"] == 1 && r["basis_option"] == 0)
    );
    assert_eq!(b["decision"]["status"], "accept", "{}", b["decision"]);

    // The stored assessment of the profile prices its own coverage as a quote of it does.
    let a = create(&e, &e.insurer_s, PROFILE).await;
    let own = check(
        &e,
        post(&uri, &body(PROFILE, json!([a["terms"]]))).by(&e.insurer_s),
        200,
    )
    .await;
    // (To rounding: a quote reads each option's years with a loss only.)
    for k in ["technical", "charged", "pure"] {
        let (x, y) = (
            own.body["options"][0]["premium"][k].as_f64().unwrap(),
            a["premium"][k].as_f64().unwrap(),
        );
        assert!(
            (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
            "{k}: {x} vs {y}"
        );
    }
    assert_eq!(a["decision"]["status"], "accept");
    assert!(a["premium"]["minimum_applied"].is_boolean());
}

#[tokio::test]
async fn roles_defaults_and_bad_coverage() {
    let e = env().await;
    let uri = format!("/v1/quotes?{TRIALS}");
    // A firm may quote; it does not see the adequacy ratio. Without options: the profile's own.
    let just_profile =
        json!({"profile": serde_json::from_str::<Value>(PROFILE).unwrap()}).to_string();
    let r = check(&e, post(&uri, &just_profile).by(&e.firm_a), 200).await;
    assert_eq!(r.body["options"].as_array().unwrap().len(), 1);
    assert!(r.body["options"][0]["premium"].get("adequacy").is_none());
    check_all(
        &e,
        [
            (post(&uri, &just_profile), 401),
            (post(&uri, &just_profile).by(&e.admin), 403),
            (post(&uri, "{\"profile\": ").by(&e.insurer_s), 400),
            (
                post(&uri, "{\"profile\": {}, \"extra\": 1}").by(&e.insurer_s),
                422,
            ),
        ],
    )
    .await;
    let bad = body(
        PROFILE,
        json!([{"occurrence_limit": 1000.0, "aggregate_limit": 1000.0,
                "sublimits": {"extortion": 5000.0, "ransom": 1.0}, "waiting_period_hours": -1,
                "coinsurance": {"pci": 1.5}}]),
    );
    let r = check(&e, post(&uri, &bad).by(&e.insurer_s), 422).await;
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in [
        "options[0].sublimits.extortion",
        "options[0].sublimits.ransom",
        "options[0].waiting_period_hours",
        "options[0].coinsurance.pci",
    ] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
    let many = body(PROFILE, Value::Array(vec![json!({}); 21]));
    check_field(&e, post(&uri, &many).by(&e.insurer_s), 422, "options").await;
    let none = body(PROFILE, json!([]));
    check_field(&e, post(&uri, &none).by(&e.insurer_s), 422, "options").await;
    let bad_profile = body(
        r#"{"firm": {"name": "X", "industry": "mining", "annual_revenue": 1, "currency": "JPY"}}"#,
        options(),
    );
    check_field(
        &e,
        post(&uri, &bad_profile).by(&e.insurer_s),
        422,
        "profile.firm.industry",
    )
    .await;
    // A bad coverage in an assessment is a 422 naming the field, and nothing is stored.
    let mut p: Value = serde_json::from_str(PROFILE).unwrap();
    p["coverage"]["coinsurance"] = json!({"extortion": 2});
    let before = check(&e, get("/v1/assessments").by(&e.firm_a), 200)
        .await
        .body;
    check_field(
        &e,
        post(&format!("/v1/assessments?{TRIALS}"), &p.to_string()).by(&e.firm_a),
        422,
        "coverage.coinsurance.extortion",
    )
    .await;
    let after = check(&e, get("/v1/assessments").by(&e.firm_a), 200)
        .await
        .body;
    assert_eq!(before, after);
}

#[tokio::test]
async fn an_unprotected_firm_is_declined_with_reasons() {
    let e = env().await;
    let mut p: Value = serde_json::from_str(PROFILE).unwrap();
    p["controls"] = json!({"mfa": "none", "exposed_rdp": true, "eol_software": true,
                           "offline_backups": "none", "edr": false});
    let a = create(&e, &e.insurer_s, &p.to_string()).await;
    assert_eq!(a["decision"]["status"], "decline");
    let codes: Vec<&str> = a["decision"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for c in [
        "exposed_rdp",
        "mfa_missing",
        "eol_software",
        "no_offline_backups",
    ] {
        assert!(codes.contains(&c), "{c} not in {codes:?}");
    }
    // The insurer still sees the technical price.
    assert!(a["premium"]["technical"].as_f64().unwrap() > 0.0);
}
