//! Questionnaires (contract §12): the listing and one questionnaire for any authenticated
//! caller, answers turned into a profile for insurers and firms, unknown names 404 and bad
//! answers 422 naming each field; the profile made is one `POST /v1/assessments` accepts.

use serde_json::{Value, json};

use crate::harness::*;

const ANSWERS: &str = include_str!("../../data/questionnaire-answers.json");

#[tokio::test]
async fn listing_and_items_for_any_authenticated_caller() {
    let e = env().await;
    check_all(
        &e,
        [
            (get("/v1/questionnaires"), 401),
            (get("/v1/questionnaires/supply_chain_3"), 401),
            (get("/v1/questionnaires/nonesuch").by(&e.firm_a), 404),
            (get("/v1/questionnaires/supply_chain_3").by(&e.admin), 200),
        ],
    )
    .await;
    let r = check(&e, get("/v1/questionnaires").by(&e.insurer_s), 200).await;
    let list: Vec<(String, u64)> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            assert!(q["version"].is_string());
            (
                q["name"].as_str().unwrap().into(),
                q["items"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("security_action_self_check", 25),
        ("supply_chain_3", 25),
        ("supply_chain_4", 44),
        ("meti_guideline", 10),
    ];
    assert_eq!(list, want.map(|(n, c)| (n.to_string(), c)));
    let r = check(
        &e,
        get("/v1/questionnaires/meti_guideline").by(&e.firm_a),
        200,
    )
    .await;
    let d7 = &r.body["items"][6];
    assert_eq!(d7["id"], "d7");
    assert_eq!(d7["choices"][0]["value"], "5");
    assert_eq!(d7["choices"][0]["sets"]["maturity"]["respond"], 5);
    assert_eq!(d7["choices"][0]["sets"]["controls"]["ir_plan"], "tested");
    assert!(r.body["source"]["url"].is_string());
}

#[tokio::test]
async fn answers_become_a_profile_the_assessments_accept() {
    let e = env().await;
    let uri = "/v1/questionnaires/security_action_self_check/profile";
    check_all(
        &e,
        [
            (post(uri, ANSWERS), 401),
            (post(uri, ANSWERS).by(&e.admin), 403),
            (
                post("/v1/questionnaires/nonesuch/profile", ANSWERS).by(&e.firm_a),
                404,
            ),
            (post(uri, "{not json").by(&e.firm_a), 400),
        ],
    )
    .await;
    let r = check(&e, post(uri, ANSWERS).by(&e.firm_a), 200).await;
    let b = &r.body;
    assert_eq!(b["questionnaire"], "security_action_self_check");
    assert_eq!(b["profile"]["maturity"]["protect"], 1, "{b}");
    assert_eq!(b["profile"]["controls"]["ir_plan"], "documented");
    assert!(b["rung"].is_null());
    let protect = b["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["field"] == "maturity.protect")
        .unwrap();
    assert_eq!(protect["rule"], "minimum of the answers' levels");
    assert!(
        protect["from"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["item"] == "q20")
    );
    // The profile is one an assessment takes as it is.
    let profile = b["profile"].to_string();
    check(
        &e,
        post(&format!("/v1/assessments?{TRIALS}"), &profile).by(&e.insurer_s),
        201,
    )
    .await;
}

#[tokio::test]
async fn bad_answers_are_422_naming_each_field() {
    let e = env().await;
    let uri = "/v1/questionnaires/supply_chain_3/profile";
    let firm: Value = serde_json::from_str::<Value>(ANSWERS).unwrap()["firm"].clone();
    let body =
        json!({"firm": firm, "answers": {"sc3_01": "met", "sc3_02": "perhaps", "sc3_99": "met"}});
    let r = check(&e, post(uri, &body.to_string()).by(&e.insurer_s), 422).await;
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["answers.sc3_02", "answers.sc3_99"], "{}", r.text);
    let mut bad_firm = json!({"firm": firm, "answers": {}});
    bad_firm["firm"]["industry"] = "mining".into();
    check_field(
        &e,
        post(uri, &bad_firm.to_string()).by(&e.firm_a),
        422,
        "firm.industry",
    )
    .await;
    let unknown = json!({"firm": firm, "answers": {}, "extra": 1});
    check_field(
        &e,
        post(uri, &unknown.to_string()).by(&e.firm_a),
        422,
        "extra",
    )
    .await;

    // Every requirement met: the rung and its self-assessed certificate.
    let all: serde_json::Map<String, Value> = (1..=25)
        .map(|i| (format!("sc3_{i:02}"), json!("met")))
        .collect();
    let body = json!({"firm": firm, "answers": all, "as_of": "2026-12-01"});
    let r = check(&e, post(uri, &body.to_string()).by(&e.firm_a), 200).await;
    assert_eq!(r.body["rung"]["met"], true);
    assert_eq!(r.body["rung"]["assessment"], "self");
    let cert = &r.body["profile"]["certifications"][0];
    assert_eq!(
        (&cert["scheme"], &cert["status"], &cert["issued"]),
        (
            &"supply_chain_3".into(),
            &"active".into(),
            &"2026-12-01".into()
        )
    );
}

/// The questionnaire schemas keep their own names in the OpenAPI document: a `ContributionDto`
/// of the answers once replaced the score's, so Assessments failed their documented schema.
#[tokio::test]
async fn questionnaire_schemas_do_not_shadow_others() {
    let e = env().await;
    let r = check(&e, get("/openapi.json"), 200).await;
    let schemas = &r.body["components"]["schemas"];
    assert!(schemas["ContributionDto"]["properties"]["factor"].is_object());
    assert!(schemas["AnswerContributionDto"]["properties"]["item"].is_object());
    for path in [
        "/v1/questionnaires",
        "/v1/questionnaires/{name}",
        "/v1/questionnaires/{name}/profile",
    ] {
        assert!(r.body["paths"][path].is_object(), "{path}");
    }
}
