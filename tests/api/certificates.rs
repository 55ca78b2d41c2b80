//! Issue #17, the certificate registry: only certifiers register, only the issuer changes a
//! status, each caller sees what it may (certifier: issued; firm: held; insurer: held by firms
//! that shared with it; everyone else 404/403); verified vs declared credit; the firm key's
//! binding; a status change re-prices the assessments relying on it and notifies their owner and
//! the insurers they were shared with. On SQLite and on PostgreSQL.

use risk_api::auth::Role;
use serde_json::{Value, json};

use crate::authz::{EVERYONE, Who};
use crate::harness::*;
use crate::{create, share};

/// Firm A's ISO 27001 certificate as the certification body registers it.
const ISO: &str = r#"{"scheme": "iso27001", "certificate_id": "JQA-IM1001", "holder": "firm-a",
    "scope_share": 1.0, "issued": "2024-04-01", "expires": "2027-03-31"}"#;

/// The sample manufacturer citing `number` for its ISO 27001 certificate (and naming itself
/// `firm_id`, when given).
fn citing(number: &str, firm_id: Option<&str>) -> String {
    let mut v: Value = serde_json::from_str(PROFILE).unwrap();
    v["certifications"][0]["certificate_id"] = json!(number);
    if let Some(id) = firm_id {
        v["firm"]["id"] = json!(id);
    }
    v.to_string()
}

/// Two certifiers: the body that issued firm A's certificate and another.
async fn certifiers(e: &Env) -> (String, String) {
    let store = e.state.store();
    (
        key(store, Role::Certifier, "cb-jqa").await,
        key(store, Role::Certifier, "cb-other").await,
    )
}

fn items(r: &Res) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["certificate_id"].as_str().unwrap().to_string())
        .collect()
}

async fn listed(e: &Env, key: &str) -> Vec<String> {
    items(&check(e, get("/v1/certificates").by(key), 200).await)
}

async fn registry_role_matrix(e: &Env) {
    let (cb, other) = certifiers(e).await;
    // Only certifiers register; a number is registered once, whoever tries again.
    for w in EVERYONE {
        let status = match w {
            Who::NoKey | Who::WrongKey => 401,
            _ => 403,
        };
        check(e, post("/v1/certificates", ISO).by_opt(e.key(w)), status).await;
    }
    let r = check(e, post("/v1/certificates", ISO).by(&cb), 201).await;
    assert_eq!(
        r.headers.get("location").unwrap(),
        "/v1/certificates/iso27001/JQA-IM1001"
    );
    assert_eq!(
        (&r.body["status"], &r.body["certifier"], &r.body["holder"]),
        (&json!("active"), &json!("cb-jqa"), &json!("firm-a"))
    );
    check(e, post("/v1/certificates", ISO).by(&cb), 409).await;
    check(e, post("/v1/certificates", ISO).by(&other), 409).await;

    // Every field is validated and named.
    let with = |field: &str, v: Value| {
        let mut b: Value = serde_json::from_str(ISO).unwrap();
        b["certificate_id"] = json!("JQA-NEW");
        b[field] = v;
        b.to_string()
    };
    for (body, field) in [
        (with("scheme", json!("iso9001")), "scheme"),
        (with("certificate_id", json!("a b/c")), "certificate_id"),
        (
            with("certificate_id", json!("x".repeat(65))),
            "certificate_id",
        ),
        (with("holder", json!("")), "holder"),
        (with("holder", json!("x".repeat(129))), "holder"),
        (with("scope_share", json!(0)), "scope_share"),
        (with("scope_share", json!(1.5)), "scope_share"),
        (with("issued", json!("2024-13-01")), "issued"),
        (with("expires", json!("2020-01-01")), "expires"),
        (with("security_level", json!(2)), "security_level"),
        (with("scheme", json!("iec62443")), "security_level"),
    ] {
        check_field(e, post("/v1/certificates", &body).by(&cb), 422, field).await;
    }
    let mut sl5: Value = serde_json::from_str(&with("scheme", json!("iec62443"))).unwrap();
    sl5["security_level"] = json!(5);
    let sl5 = sl5.to_string();
    check_field(
        e,
        post("/v1/certificates", &sl5).by(&cb),
        422,
        "security_level",
    )
    .await;
    check(
        e,
        post("/v1/certificates", &with("extra", json!(1))).by(&cb),
        422,
    )
    .await;

    // Only the issuing certifier changes a status; others (and unknown numbers) are 404.
    let status = "/v1/certificates/iso27001/JQA-IM1001/status";
    let suspend = r#"{"status": "suspended", "effective": "2026-10-01"}"#;
    check(e, post(status, suspend).by(&other), 404).await;
    for w in EVERYONE {
        let code = match w {
            Who::NoKey | Who::WrongKey => 401,
            _ => 403,
        };
        check(e, post(status, suspend).by_opt(e.key(w)), code).await;
    }
    check_all(
        e,
        [
            (
                post("/v1/certificates/iso27001/JQA-NONE/status", suspend).by(&cb),
                404,
            ),
            (
                post("/v1/certificates/iso9001/JQA-IM1001/status", suspend).by(&cb),
                404,
            ),
        ],
    )
    .await;
    for (body, field) in [
        (
            r#"{"status": "lapsed", "effective": "2026-10-01"}"#,
            "status",
        ),
        (
            r#"{"status": "suspended", "effective": "2020-01-01"}"#,
            "effective",
        ),
        (
            r#"{"status": "suspended", "effective": "someday"}"#,
            "effective",
        ),
        (
            r#"{"status": "active", "effective": "2026-10-01", "scope_share": 0}"#,
            "scope_share",
        ),
        (
            r#"{"status": "active", "effective": "2026-10-01", "expires": "2001-01-01"}"#,
            "expires",
        ),
    ] {
        check_field(e, post(status, body).by(&cb), 422, field).await;
    }

    // Who sees what: the issuer and the holder; an insurer once the holder shared with it.
    let firm_b_cert = ISO
        .replace("JQA-IM1001", "JQA-IM2002")
        .replace("firm-a", "firm-b");
    check(e, post("/v1/certificates", &firm_b_cert).by(&other), 201).await;
    assert_eq!(listed(e, &cb).await, ["JQA-IM1001"]);
    assert_eq!(listed(e, &other).await, ["JQA-IM2002"]);
    assert_eq!(listed(e, &e.firm_a).await, ["JQA-IM1001"]);
    assert_eq!(listed(e, &e.firm_b).await, ["JQA-IM2002"]);
    assert!(listed(e, &e.insurer_s).await.is_empty());
    let a = create(e, &e.firm_a, PROFILE).await;
    share(e, a["id"].as_str().unwrap(), "ins-s").await;
    assert_eq!(listed(e, &e.insurer_s).await, ["JQA-IM1001"]);
    assert!(listed(e, &e.insurer_n).await.is_empty());
    check(e, get("/v1/certificates").by(&e.admin), 403).await;
    check(e, get("/v1/certificates"), 401).await;
    let one = "/v1/certificates/iso27001/JQA-IM1001";
    for (key, code) in [
        (&cb, 200),
        (&e.firm_a, 200),
        (&e.insurer_s, 200),
        (&other, 404),
        (&e.firm_b, 404),
        (&e.insurer_n, 404),
        (&e.admin, 403),
    ] {
        check(e, get(one).by(key), code).await;
    }
    check(e, get("/v1/certificates/iso27001/JQA-NONE").by(&cb), 404).await;

    // Suspended, reinstated, renewed, re-scoped, withdrawn: every state kept; withdrawal final.
    let steps = [
        (suspend, "suspended"),
        (
            r#"{"status": "active", "effective": "2026-10-20"}"#,
            "reinstated",
        ),
        (
            r#"{"status": "active", "effective": "2026-11-01", "expires": "2030-03-31"}"#,
            "renewed",
        ),
        (
            r#"{"status": "active", "effective": "2026-11-02", "scope_share": 0.6}"#,
            "scope",
        ),
        (
            r#"{"status": "withdrawn", "effective": "2026-11-03"}"#,
            "withdrawn",
        ),
    ];
    for (body, _) in steps {
        check(e, post(status, body).by(&cb), 200).await;
    }
    let h = check(e, get(one).by(&e.firm_a), 200).await;
    let changes: Vec<&str> = h.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["change"].as_str().unwrap())
        .collect();
    let mut expected = vec!["registered"];
    expected.extend(steps.iter().map(|(_, c)| *c));
    assert_eq!(changes, expected);
    assert_eq!(
        (
            &h.body["status"],
            &h.body["expires"],
            &h.body["scope_share"]
        ),
        (&json!("withdrawn"), &json!("2030-03-31"), &json!(0.6))
    );
    let again = r#"{"status": "active", "effective": "2026-12-01"}"#;
    check(e, post(status, again).by(&cb), 409).await;
    let early = r#"{"status": "withdrawn", "effective": "2026-10-01"}"#;
    check_field(e, post(status, early).by(&cb), 422, "effective").await;

    // Paging like every listing.
    for i in 0..3 {
        let b = ISO.replace("JQA-IM1001", &format!("JQA-P{i}"));
        check(e, post("/v1/certificates", &b).by(&cb), 201).await;
    }
    let p1 = check(e, get("/v1/certificates?limit=2").by(&cb), 200).await;
    let next = p1.body["next"].as_str().unwrap().to_string();
    let p2 = check(
        e,
        get(&format!("/v1/certificates?limit=2&after={next}")).by(&cb),
        200,
    )
    .await;
    let mut all = items(&p1);
    all.extend(items(&p2));
    all.sort();
    assert_eq!(all, ["JQA-IM1001", "JQA-P0", "JQA-P1", "JQA-P2"]);
    assert!(p2.body["next"].is_null());
    check_field(e, get("/v1/certificates?limit=0").by(&cb), 422, "limit").await;
    check_field(e, get("/v1/certificates?after=zz").by(&cb), 422, "after").await;
}

#[tokio::test]
async fn registry_roles_and_history() {
    registry_role_matrix(&env().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn registry_roles_and_history_postgres() {
    let (store, schema) = postgres_store().await;
    let e = env_on(store.clone(), test_config()).await;
    registry_role_matrix(&e).await;
    drop_schema(&store, &schema).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn verified_prices_no_higher_than_declared_postgres() {
    let (store, schema) = postgres_store().await;
    let e = env_on(store.clone(), test_config()).await;
    verified_and_declared(&e).await;
    drop_schema(&store, &schema).await;
}

fn certification(a: &Value) -> &Value {
    &a["certifications"][0]
}

fn technical(a: &Value) -> f64 {
    a["premium"]["technical"].as_f64().unwrap()
}

async fn verified_and_declared(e: &Env) {
    let (cb, _) = certifiers(e).await;
    let body = ISO.replace("JQA-IM1001", "JQA-V1");
    check(e, post("/v1/certificates", &body).by(&cb), 201).await;
    // The holder citing its registered certificate is verified and earns the full effect.
    let verified = create(e, &e.firm_a, &citing("JQA-V1", None)).await;
    let c = certification(&verified);
    assert_eq!(
        (&c["verified"], &c["credit_share"]),
        (&json!(true), &json!(1.0))
    );
    assert_eq!(c["certificate_id"], "JQA-V1");
    // Another firm citing the same number is not: it is firm A's certificate.
    let other = create(e, &e.firm_b, &citing("JQA-V1", Some("firm-a"))).await;
    let c = certification(&other);
    assert_eq!(c["verified"], false);
    assert_eq!(
        c["credit_share"], 0.7,
        "the model's declared share for ISO 27001"
    );
    // Firm-key binding: the firm's identity is its key's subject, whatever the body says.
    assert_eq!(other["firm"]["id"], "firm-b");
    assert_eq!(verified["firm"]["id"], "firm-a");
    // Same seed: verified prices no higher than declared (here strictly lower).
    assert!(technical(&verified) < technical(&other));
    let plain = create(e, &e.firm_a, PROFILE).await;
    assert_eq!(certification(&plain)["verified"], false);
    assert_eq!(technical(&plain), technical(&other));
    // An insurer verifies only for a firm that shared an assessment with it.
    let by_insurer = create(e, &e.insurer_s, &citing("JQA-V1", Some("firm-a"))).await;
    assert_eq!(certification(&by_insurer)["verified"], false);
    share(e, verified["id"].as_str().unwrap(), "ins-s").await;
    let by_insurer = create(e, &e.insurer_s, &citing("JQA-V1", Some("firm-a"))).await;
    assert_eq!(certification(&by_insurer)["verified"], true);
    assert_eq!(technical(&by_insurer), technical(&verified));
    let by_other = create(e, &e.insurer_n, &citing("JQA-V1", Some("firm-a"))).await;
    assert_eq!(certification(&by_other)["verified"], false);
    // Stored assessments re-run with the registry as it stood: bit for bit.
    let id = verified["id"].as_str().unwrap();
    let uri = format!("/v1/assessments/{id}?recompute=true");
    let r = check(e, get(&uri).by(&e.firm_a), 200).await;
    assert_eq!(r.body["reproduced"], true, "{}", r.text);
    // Quotes verify the same way.
    let quote = |p: &str| json!({"profile": serde_json::from_str::<Value>(p).unwrap()}).to_string();
    let q = format!("/v1/quotes?{TRIALS}");
    let qa = check(
        e,
        post(&q, &quote(&citing("JQA-V1", None))).by(&e.firm_a),
        200,
    )
    .await;
    let qb = check(
        e,
        post(&q, &quote(&citing("JQA-V1", None))).by(&e.firm_b),
        200,
    )
    .await;
    let tech = |r: &Res| {
        r.body["options"][0]["premium"]["technical"]
            .as_f64()
            .unwrap()
    };
    assert!(tech(&qa) < tech(&qb));
    // Malformed ids are named.
    let bad = citing("JQA V1", None);
    check_field(
        e,
        post(&format!("/v1/assessments?{TRIALS}"), &bad).by(&e.firm_a),
        422,
        "certifications[0].certificate_id",
    )
    .await;
    let bad_id = citing("JQA-V1", Some("a b"));
    check_field(
        e,
        post(&format!("/v1/assessments?{TRIALS}"), &bad_id).by(&e.insurer_s),
        422,
        "firm.id",
    )
    .await;
}

#[tokio::test]
async fn verified_prices_no_higher_than_declared() {
    verified_and_declared(&env().await).await;
}

fn events(r: &Res) -> Vec<Value> {
    r.body["events"].as_array().unwrap().clone()
}

async fn feed(e: &Env, key: &str) -> Vec<Value> {
    events(&check(e, get("/v1/events").by(key), 200).await)
}

async fn status_changes_reprice(e: &Env) {
    let (cb, _) = certifiers(e).await;
    check(e, post("/v1/certificates", ISO).by(&cb), 201).await;
    let a = create(e, &e.firm_a, &citing("JQA-IM1001", None)).await;
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(certification(&a)["verified"], true);
    share(e, &id, "ins-s").await;
    // An assessment that cites nothing registered relies on nothing: it is not re-priced.
    create(e, &e.firm_a, PROFILE).await;
    let charged = a["premium"]["charged"].as_f64().unwrap();

    let status = "/v1/certificates/iso27001/JQA-IM1001/status";
    let withdraw = r#"{"status": "withdrawn", "effective": "2026-11-20"}"#;
    let r = check(e, post(status, withdraw).by(&cb), 200).await;
    assert_eq!(r.body["repriced"], 1);
    // The owner and the insurer it was shared with see one event each, with a higher premium.
    for key in [&e.firm_a, &e.insurer_s] {
        let ev = feed(e, key).await;
        assert_eq!(ev.len(), 1, "{ev:?}");
        let ev = &ev[0];
        assert_eq!(ev["type"], "certificate_status_changed");
        assert_eq!(ev["assessment_id"], id.as_str());
        assert_eq!(
            (&ev["scheme"], &ev["certificate_id"], &ev["status"]),
            (
                &json!("iso27001"),
                &json!("JQA-IM1001"),
                &json!("withdrawn")
            )
        );
        assert_eq!(ev["premium_before"], charged);
        // The charged premium never falls for a riskier firm (the rating plan's layer factor
        // is its class's); with the schedule modifier at its bound it may not move at all.
        let after = ev["premium_after"].as_f64().unwrap();
        assert!(after.is_finite() && after >= charged, "{ev}");
        // The technical premium (common random numbers: never lower for a riskier firm).
        assert_eq!(ev["technical_before"], a["premium"]["technical"]);
        let t = |k: &str| ev[k].as_f64().unwrap();
        assert!(t("technical_after") > t("technical_before"), "{ev}");
    }
    // Nobody else.
    for key in [&e.firm_b, &e.insurer_n] {
        assert!(feed(e, key).await.is_empty());
    }
    // The stored assessment is a record: it re-runs bit for bit with the registry as it was.
    let uri = format!("/v1/assessments/{id}?recompute=true");
    let r = check(e, get(&uri).by(&e.firm_a), 200).await;
    assert_eq!(r.body["reproduced"], true, "{}", r.text);
    assert_eq!(certification(&r.body)["standing"], "active");
    // A new assessment citing it now prices the withdrawal (verified, and penalised).
    let now = create(e, &e.firm_a, &citing("JQA-IM1001", None)).await;
    let c = certification(&now);
    assert_eq!(
        (&c["verified"], &c["status"], &c["standing"]),
        (&json!(true), &json!("withdrawn"), &json!("negative"))
    );
    assert!(technical(&now) > technical(&a));

    // Suspension then reinstatement of another certificate: two events, the second back down.
    let other = ISO.replace("JQA-IM1001", "JQA-IM3003");
    check(e, post("/v1/certificates", &other).by(&cb), 201).await;
    let b = create(e, &e.firm_a, &citing("JQA-IM3003", None)).await;
    let status = "/v1/certificates/iso27001/JQA-IM3003/status";
    let suspend = r#"{"status": "suspended", "effective": "2026-11-01"}"#;
    let reinstate = r#"{"status": "active", "effective": "2026-11-10"}"#;
    check(e, post(status, suspend).by(&cb), 200).await;
    check(e, post(status, reinstate).by(&cb), 200).await;
    let ev: Vec<Value> = feed(e, &e.firm_a)
        .await
        .into_iter()
        .filter(|v| v["assessment_id"] == b["id"])
        .collect();
    assert_eq!(ev.len(), 2, "{ev:?}");
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap();
    assert!(f(&ev[0], "technical_after") > f(&ev[0], "technical_before"));
    assert_eq!(f(&ev[1], "premium_before"), f(&ev[0], "premium_after"));
    assert_eq!(f(&ev[1], "premium_after"), f(&ev[0], "premium_before"));
    assert_eq!(f(&ev[1], "technical_before"), f(&ev[0], "technical_after"));
    assert_eq!(f(&ev[1], "technical_after"), f(&ev[0], "technical_before"));
    // A change that changes nothing writes nothing.
    let r = check(e, post(status, reinstate).by(&cb), 200).await;
    assert!(r.body["repriced"].is_null());
    assert_eq!(feed(e, &e.firm_a).await.len(), 3);
}

#[tokio::test]
async fn withdrawal_reprices_and_notifies_owner_and_shared_insurer() {
    status_changes_reprice(&env().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn withdrawal_reprices_and_notifies_postgres() {
    let (store, schema) = postgres_store().await;
    let e = env_on(store.clone(), test_config()).await;
    status_changes_reprice(&e).await;
    drop_schema(&store, &schema).await;
}
