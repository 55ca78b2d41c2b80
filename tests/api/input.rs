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

/// Duplicate keys were accepted (the last one won) on what-if, shares and threat levels, and in
/// profiles: now 422 naming the key.
#[tokio::test]
async fn duplicate_keys_are_422() {
    let e = env().await;
    let a = crate::create(&e, &e.firm_a, PROFILE).await;
    let id = a["id"].as_str().unwrap();
    let shares = format!("/v1/assessments/{id}/shares");
    let what_if = format!("/v1/assessments/{id}/what-if?{TRIALS}");
    let dup_profile = PROFILE.replace(
        "\"employees\": 320",
        "\"employees\": 320, \"employees\": 321",
    );
    assert_ne!(dup_profile, PROFILE);
    for (call, field) in [
        (
            post(&shares, r#"{"insurer": "ins-n", "insurer": "ins-s"}"#).by(&e.firm_a),
            "insurer",
        ),
        (
            put(
                "/v1/threat-levels/retail",
                r#"{"levels": {"ransomware": 2, "ransomware": 9}, "source": "x"}"#,
            )
            .by(&e.admin),
            "levels.ransomware",
        ),
        (
            put(
                "/v1/threat-levels/retail",
                r#"{"levels": {}, "source": "x", "source": "y"}"#,
            )
            .by(&e.admin),
            "source",
        ),
        (
            post(&what_if, r#"{"remove": [], "remove": ["iso27001"]}"#).by(&e.firm_a),
            "remove",
        ),
        (
            post(&format!("/v1/assessments?{TRIALS}"), &dup_profile).by(&e.firm_a),
            "firm.employees",
        ),
    ] {
        let r = check_field(&e, call, 422, field).await;
        assert!(r.text.contains("duplicate key"), "{}", r.text);
    }
}

/// Shares to a subject that is no registered insurer were accepted: now 422 on `insurer`.
#[tokio::test]
async fn shares_go_to_registered_insurers_only() {
    let e = env().await;
    let a = crate::create(&e, &e.firm_a, PROFILE).await;
    let uri = format!("/v1/assessments/{}/shares", a["id"].as_str().unwrap());
    for who in ["nobody", "firm-b", "ops"] {
        let body = format!(r#"{{"insurer": "{who}"}}"#);
        check_field(&e, post(&uri, &body).by(&e.firm_a), 422, "insurer").await;
    }
    check(&e, post(&uri, r#"{"insurer": "ins-n"}"#).by(&e.firm_a), 201).await;
}

/// Hostile names and far-off dates were accepted: now 422 naming the field (the accepted range
/// of dates is 1900..=2200); control characters in a threat-level source too.
#[tokio::test]
async fn hostile_names_and_dates_are_422() {
    let e = env().await;
    let uri = format!("/v1/assessments?{TRIALS}");
    let name = "\"Example Manufacturing KK\"";
    let mut cases = vec![
        (PROFILE.replace("\"2026-11-25\"", "\"9999-12-31\""), "as_of"),
        (
            PROFILE.replace("\"2024-04-01\"", "\"-0001-04-01\""),
            "certifications[0].issued",
        ),
    ];
    for bad in [
        r#""a\u0000b""#,
        r#""x\u202ekk""#,
        r#""\u200b\u200b""#,
        r#""x\uffff""#,
        r#""a\u001bb""#,
    ] {
        cases.push((PROFILE.replace(name, bad), "firm.name"));
    }
    for (profile, field) in cases {
        assert_ne!(profile, PROFILE, "{field}");
        check_field(&e, post(&uri, &profile).by(&e.firm_a), 422, field).await;
    }
    for source in [r#""a\u0000b""#, r#""\u202e""#, r#""  ""#] {
        let body = format!(r#"{{"levels": {{}}, "source": {source}}}"#);
        let call = put("/v1/threat-levels/retail", &body).by(&e.admin);
        check_field(&e, call, 422, "source").await;
    }
}

/// Length caps: names (200 characters), country (64), cloud providers (32 of at most 64); and an
/// error document of at most 50 field errors plus "… and N more", so a body near the limit
/// cannot make a many-megabyte answer.
#[tokio::test]
async fn caps_on_names_lists_and_error_documents() {
    let e = env_with(risk_api::app::Config {
        body_limit: 1 << 20,
        ..test_config()
    })
    .await;
    let uri = format!("/v1/assessments?{TRIALS}");
    let long = format!("\"{}\"", "x".repeat(201));
    let clouds = format!("[{}]", vec!["\"aws\""; 33].join(","));
    for (profile, field) in [
        (
            PROFILE.replace("\"Example Manufacturing KK\"", &long),
            "firm.name",
        ),
        (PROFILE.replace("\"JP\"", &long), "firm.country"),
        (
            PROFILE.replace("[\"aws\"]", &clouds),
            "firm.cloud_providers",
        ),
    ] {
        assert_ne!(profile, PROFILE, "{field}");
        check_field(&e, post(&uri, &profile).by(&e.firm_a), 422, field).await;
    }
    // 20,000 invalid certificates in a body of about 0.9 MB.
    let cert = r#"{"scheme": "iso9001", "status": "x"}"#;
    let certs = format!("[{}]", vec![cert; 20_000].join(","));
    let mut profile: serde_json::Value = serde_json::from_str(PROFILE).unwrap();
    profile["certifications"] = serde_json::from_str(&certs).unwrap();
    let body2 = profile.to_string();
    assert!(body2.len() > 600_000, "{}", body2.len());
    let r = check(&e, post(&uri, &body2).by(&e.firm_a), 422).await;
    let errors = r.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 51, "{}", r.text.len());
    let last = errors[50]["message"].as_str().unwrap();
    assert!(
        last.starts_with("… and ") && last.ends_with(" more"),
        "{last}"
    );
    assert!(r.text.len() < 64 * 1024, "{} bytes", r.text.len());
}

/// Contract §15: a revoked or expired key is answered 401; a key expiring later still works.
#[tokio::test]
async fn revoked_and_expired_keys_are_401() {
    key_lifecycle(&env().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn revoked_and_expired_keys_are_401_postgres() {
    let (store, schema) = postgres_store().await;
    key_lifecycle(&env_on(store.clone(), test_config()).await).await;
    drop_schema(&store, &schema).await;
}

async fn key_lifecycle(e: &Env) {
    use risk_api::auth::{Caller, Role, key_hash, new_key};
    let store = e.state.store();
    let mut keys = Vec::new();
    for (subject, expires) in [
        ("ins-old", Some("2020-01-01")),
        ("ins-later", Some("2200-01-01")),
        ("ins-gone", None),
    ] {
        let k = new_key().unwrap();
        let caller = Caller {
            role: Role::Insurer,
            subject: subject.into(),
        };
        store
            .insert_key_expiring(&key_hash(&k), &caller, expires)
            .await
            .unwrap();
        keys.push(k);
    }
    check(e, get("/v1/models").by(&keys[2]), 200).await;
    assert_eq!(store.revoke_keys("ins-gone", true).await.unwrap(), 1);
    check(e, get("/v1/models").by(&keys[0]), 401).await;
    check(e, get("/v1/models").by(&keys[1]), 200).await;
    check(e, get("/v1/models").by(&keys[2]), 401).await;
    // Revoked by id too; and a revoked insurer is no share target.
    let id = risk_api::store::key_id(&key_hash(&keys[1]));
    assert_eq!(store.revoke_keys(&id, false).await.unwrap(), 1);
    check(e, get("/v1/models").by(&keys[1]), 401).await;
    assert!(!store.is_insurer("ins-later").await.unwrap());
    let rows = store.list_keys().await.unwrap();
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().all(|r| r.id.len() == 16));
}

/// Contract §15: repeated failed authentication from one client is answered 429 with
/// `Retry-After`: per address when the server knows it, else per key prefix; no key at all is
/// not a failed attempt.
#[tokio::test]
async fn failed_authentication_is_throttled() {
    use axum::extract::ConnectInfo;
    use axum::http::header;
    let e = env_with(risk_api::app::Config {
        auth_failures: 3,
        ..test_config()
    })
    .await;
    let wrong = |i: u32| format!("rk_{:064}", i);
    // By key prefix (no address known in-process): the same prefix is throttled…
    for _ in 0..3 {
        check(&e, get("/v1/models").by(&wrong(1)), 401).await;
    }
    let r = check(&e, get("/v1/models").by(&wrong(1)), 429).await;
    assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap(), "2");
    // …valid keys and callers without a key are not.
    check(&e, get("/v1/models").by(&e.insurer_s), 200).await;
    for _ in 0..5 {
        check(&e, get("/v1/models"), 401).await;
    }
    // By address: different wrong keys from one address, then even a valid key from it.
    let from = |key: &str, ip: [u8; 4]| {
        let mut r = get("/v1/models").by(key).request();
        r.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from((ip, 40000))));
        r
    };
    for i in 10..13 {
        assert_eq!(send(&e, from(&wrong(i), [10, 0, 0, 1])).await.status, 401);
    }
    let r = send(&e, from(&wrong(20), [10, 0, 0, 1])).await;
    check_problem(&r, 429);
    assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap(), "2");
    assert_eq!(
        send(&e, from(&e.insurer_s, [10, 0, 0, 1])).await.status,
        429
    );
    assert_eq!(
        send(&e, from(&e.insurer_s, [10, 0, 0, 2])).await.status,
        200
    );
    // Documented on every operation that takes a key, with its Retry-After.
    let doc = check(&e, get("/openapi.json"), 200).await;
    let r429 = &doc.body["paths"]["/v1/models"]["get"]["responses"]["429"];
    assert!(r429["headers"]["Retry-After"].is_object(), "{r429}");
    assert!(doc.body["paths"]["/healthz"]["get"]["responses"]["429"].is_null());
}

/// `/healthz` is liveness (200 while the process runs); `/readyz` is readiness: 200 while the
/// database answers, 503 problem+json with `Retry-After` when it does not. Both are in OpenAPI.
#[tokio::test]
async fn readiness_follows_the_database() {
    use axum::http::header;
    let e = env().await;
    check(&e, get("/readyz"), 200).await;
    let doc = check(&e, get("/openapi.json"), 200).await;
    assert!(doc.body["paths"]["/readyz"]["get"].is_object());
    e.state.store().close().await;
    let r = check(&e, get("/readyz"), 503).await;
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    check(&e, get("/healthz"), 200).await;
}

/// Formula-leading policy ids (`=`, `+`, `-`, `@`) would reach reports and exports: now 422
/// naming row and column.
#[tokio::test]
async fn formula_policy_ids_are_422() {
    let e = env().await;
    for id in ["=1+1", "+1", "-1", "@SUM(A1)"] {
        let csv = format!("policy_id,industry,annual_revenue,currency\n{id},retail,1e9,JPY\n");
        let r = check(&e, post_csv("/v1/portfolios", &csv).by(&e.insurer_s), 422).await;
        assert!(r.text.contains("row 1, column policy_id"), "{}", r.text);
    }
}

/// `curl --data @missing/file.json` sends an empty body, which answered "not valid JSON (line 1,
/// column 0)": now 400 "empty body" on every JSON endpoint (the core's parsers and the typed
/// bodies alike), while a truncated document is still "not valid JSON".
#[tokio::test]
async fn empty_body_is_400_empty_body() {
    let e = env().await;
    let a = crate::create(&e, &e.firm_a, PROFILE).await;
    let id = a["id"].as_str().unwrap();
    for body in ["", "  \n\t "] {
        for call in [
            post(&format!("/v1/assessments?{TRIALS}"), body).by(&e.firm_a),
            post(&format!("/v1/assessments/{id}/shares"), body).by(&e.firm_a),
            post(&format!("/v1/assessments/{id}/what-if"), body).by(&e.firm_a),
            post("/v1/quotes", body).by(&e.insurer_s),
            post("/v1/simulate", body).by(&e.insurer_s),
        ] {
            let r = check(&e, call, 400).await;
            let detail = r.body["detail"].as_str().unwrap();
            assert!(detail.starts_with("empty body"), "{body:?}: {detail}");
        }
    }
    let r = check(
        &e,
        post(&format!("/v1/assessments?{TRIALS}"), "{").by(&e.firm_a),
        400,
    )
    .await;
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{}",
        r.text
    );
}
