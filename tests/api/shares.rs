//! `/v1/assessments/{id}/shares`: only the owning firm grants and revokes; bodies are validated;
//! revocation removes the insurer's access; on SQLite and on PostgreSQL.

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

    // Revocation removes access.
    check(e, delete(&format!("{uri}/ins-s")).by(&e.firm_a), 204).await;
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
