//! The role × object authorisation matrix: who may read an assessment (its owner, an insurer it
//! is shared with), and what everyone else sees (401, 403, or a 404 identical to a missing id);
//! on SQLite and on PostgreSQL.

use crate::harness::*;
use crate::{create, share};

/// Who asks, in the matrix.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    FirmA,
    FirmB,
    InsurerShared,
    InsurerNotShared,
    Admin,
    NoKey,
    WrongKey,
}

pub const EVERYONE: [Who; 7] = [
    Who::FirmA,
    Who::FirmB,
    Who::InsurerShared,
    Who::InsurerNotShared,
    Who::Admin,
    Who::NoKey,
    Who::WrongKey,
];

impl Env {
    pub fn key(&self, w: Who) -> Option<&str> {
        match w {
            Who::FirmA => Some(&self.firm_a),
            Who::FirmB => Some(&self.firm_b),
            Who::InsurerShared => Some(&self.insurer_s),
            Who::InsurerNotShared => Some(&self.insurer_n),
            Who::Admin => Some(&self.admin),
            Who::NoKey => None,
            Who::WrongKey => {
                Some("rk_0000000000000000000000000000000000000000000000000000000000000000")
            }
        }
    }
}

/// Expected status per caller for reads of firm A's assessment shared with insurer S.
fn read_status(w: Who) -> u16 {
    match w {
        Who::FirmA | Who::InsurerShared => 200,
        Who::FirmB | Who::InsurerNotShared => 404,
        Who::Admin => 403,
        Who::NoKey | Who::WrongKey => 401,
    }
}

/// Expected status per caller for reads of an assessment insurer N made for itself.
fn insurer_owned_status(w: Who) -> u16 {
    match w {
        Who::InsurerNotShared => 200,
        Who::FirmA | Who::FirmB | Who::InsurerShared => 404,
        Who::Admin => 403,
        Who::NoKey | Who::WrongKey => 401,
    }
}

/// The reads of assessment `id`: the stored result, a re-run, the impact table.
pub fn reads(id: &str) -> [String; 3] {
    [
        format!("/v1/assessments/{id}"),
        format!("/v1/assessments/{id}?recompute=true"),
        format!("/v1/assessments/{id}/impact"),
    ]
}

async fn authorisation_matrix(e: &Env) {
    let a = create(e, &e.firm_a, PROFILE).await;
    let id = a["id"].as_str().unwrap().to_string();
    share(e, &id, "ins-s").await;
    let missing = uuid::Uuid::new_v4().to_string();

    for uri in &reads(&id) {
        for w in EVERYONE {
            let want = read_status(w);
            let r = check(e, get(uri).by_opt(e.key(w)), want).await;
            if want == 200 && !uri.ends_with("/impact") {
                let loadings = r.body["premium"].get("loadings").is_some();
                assert_eq!(
                    loadings,
                    matches!(w, Who::InsurerShared),
                    "loadings for {w:?}"
                );
            }
        }
        // An id that does not exist looks exactly like one the caller may not see.
        let other = uri.replace(&id, &missing);
        let r = check(e, get(&other).by(&e.firm_a), 404).await;
        let hidden = send(e, get(uri).by(&e.firm_b).request()).await;
        assert_eq!(r.body, hidden.body);
    }

    // An insurer's own assessment: only that insurer reads it; firms cannot share it.
    let own = create(e, &e.insurer_n, PROFILE_B).await;
    let oid = own["id"].as_str().unwrap();
    let uri = format!("/v1/assessments/{oid}");
    check_all(
        e,
        EVERYONE.map(|w| (get(&uri).by_opt(e.key(w)), insurer_owned_status(w))),
    )
    .await;
    let grant = post(&format!("{uri}/shares"), r#"{"insurer": "ins-s"}"#);
    check(e, grant.by(&e.firm_a), 404).await;
}

#[tokio::test]
async fn authorisation_matrix_sqlite() {
    let e = env().await;
    authorisation_matrix(&e).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn authorisation_matrix_postgres() {
    let (store, schema) = postgres_store().await;
    let e = env_on(store.clone(), test_config()).await;
    authorisation_matrix(&e).await;
    drop_schema(&store, &schema).await;
}
