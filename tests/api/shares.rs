//! `/v1/assessments/{id}/shares`: only the owning firm grants, lists and revokes; bodies are
//! validated; the listing is what is stored; revocation removes the insurer's access; on SQLite
//! and on PostgreSQL. And `GET /v1/me`: who a key speaks for.

use crate::authz::{EVERYONE, Who, reads};
use crate::harness::*;
use crate::{create, share};

/// Expected status per caller for share management (the owning firm only).
fn owner_status(w: Who, ok: u16) -> u16 {
    match w {
        Who::FirmA => ok,
        Who::FirmB => 404,
        Who::InsurerShared | Who::InsurerNotShared | Who::Admin => 403,
        Who::NoKey | Who::WrongKey => 401,
    }
}

async fn shares(e: &Env) {
    let a = create(e, &e.firm_a, PROFILE).await;
    let id = a["id"].as_str().unwrap().to_string();
    share(e, &id, "ins-s").await;
    let uri = format!("/v1/assessments/{id}/shares");
    let ins_z = r#"{"insurer": "ins-z"}"#;
    // Shares go to registered insurers only.
    key(e.state.store(), risk_api::auth::Role::Insurer, "ins-z").await;

    for w in EVERYONE {
        check(e, post(&uri, ins_z).by_opt(e.key(w)), owner_status(w, 201)).await;
        // Revocation: re-grant as the owner, then try to revoke as `w`.
        let _ = send(e, post(&uri, ins_z).by(&e.firm_a).request()).await;
        let revoke = delete(&format!("{uri}/ins-z")).by_opt(e.key(w));
        check(e, revoke, owner_status(w, 204)).await;
    }
    // Share bodies are validated; unknown ids and absent shares are 404.
    let missing = uuid::Uuid::new_v4().to_string();
    check_all(
        e,
        [
            (post(&uri, r#"{"insurer": ""}"#), 422),
            (post(&uri, r#"{"insurer": "x", "role": "admin"}"#), 422),
            (post(&uri, r#"{"insurer": "#), 400),
            (
                post(
                    &format!("/v1/assessments/{missing}/shares"),
                    r#"{"insurer": "ins-s"}"#,
                ),
                404,
            ),
            (delete(&format!("{uri}/never-granted")), 404),
        ]
        .map(|(call, status)| (call.by(&e.firm_a), status)),
    )
    .await;

    // Who has access: the owner alone may list it, and it is what was granted (ins-z was
    // granted again after the last caller's revocation failed, then revoked by the owner).
    for w in EVERYONE {
        check(e, get(&uri).by_opt(e.key(w)), owner_status(w, 200)).await;
    }
    let listed = |r: &Res| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["insurer"].as_str().unwrap().to_string())
            .collect()
    };
    let r = check(e, get(&uri).by(&e.firm_a), 200).await;
    assert_eq!(r.body["assessment"], id.as_str());
    let before = listed(&r);
    assert!(before.contains(&"ins-s".to_string()), "{}", r.text);
    check(e, post(&uri, ins_z).by(&e.firm_a), 201).await;
    let both = listed(&check(e, get(&uri).by(&e.firm_a), 200).await);
    assert_eq!(
        both.len(),
        before.len() + usize::from(!before.contains(&"ins-z".into()))
    );
    assert!(both.contains(&"ins-z".to_string()));
    check(e, delete(&format!("{uri}/ins-z")).by(&e.firm_a), 204).await;
    let r = check(e, get(&uri).by(&e.firm_a), 200).await;
    assert_eq!(listed(&r), ["ins-s"]);
    assert_eq!(r.body["items"][0]["granted_by"], "firm-a");
    assert!(r.body["items"][0]["granted_at"].as_str().unwrap().len() >= 20);

    // Revocation removes access.
    check(e, delete(&format!("{uri}/ins-s")).by(&e.firm_a), 204).await;
    let r = check(e, get(&uri).by(&e.firm_a), 200).await;
    assert_eq!(r.body["items"], serde_json::json!([]));
    let reads = reads(&id);
    check_all(e, reads.clone().map(|u| (get(&u).by(&e.insurer_s), 404))).await;
    check(e, get(&reads[0]).by(&e.firm_a), 200).await;
}

#[tokio::test]
async fn shares_sqlite() {
    let e = env().await;
    shares(&e).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn shares_postgres() {
    let (store, schema) = postgres_store().await;
    let e = env_on(store.clone(), test_config()).await;
    shares(&e).await;
    drop_schema(&store, &schema).await;
}

/// `GET /v1/me` names the role and subject of every kind of key, and nothing for no key.
#[tokio::test]
async fn me_names_the_caller() {
    let e = env().await;
    let store = e.state.store();
    let cb = key(store, risk_api::auth::Role::Certifier, "cb-me").await;
    let hub = key(store, risk_api::auth::Role::Hub, "hub-me").await;
    for (k, role, subject) in [
        (e.firm_a.as_str(), "firm", "firm-a"),
        (e.insurer_s.as_str(), "insurer", "ins-s"),
        (cb.as_str(), "certifier", "cb-me"),
        (hub.as_str(), "hub", "hub-me"),
    ] {
        let r = check(&e, get("/v1/me").by(k), 200).await;
        assert_eq!(
            r.body,
            serde_json::json!({"role": role, "subject": subject})
        );
    }
    let admin = check(&e, get("/v1/me").by(&e.admin), 200).await;
    assert_eq!(admin.body["role"], "admin");
    check(&e, get("/v1/me"), 401).await;
    check(&e, get("/v1/me").by("rk_wrong"), 401).await;
}
