//! Restarts: a new service on the same database reads back what the old one stored, and the
//! binary survives kill -9 (`tests/durability.sh`).

use std::time::Duration;

use risk_api::app::AppState;
use risk_api::store::Store;
use risk_core::params::{DEFAULT_MODEL, ModelParams};

use crate::harness::*;
use crate::{create, share};

#[tokio::test]
async fn restart_reads_back_identical() {
    let path = temp_db("restart.db");
    let db = path.to_str().unwrap().to_string();
    let (id, created, firm_key) = {
        let e = env_on(Store::open(&db).await.unwrap(), test_config()).await;
        let a = create(&e, &e.firm_a, PROFILE).await;
        let id = a["id"].as_str().unwrap().to_string();
        share(&e, &id, "ins-s").await;
        e.state.store().close().await;
        (id, a, e.firm_a.clone())
    };
    // A new process's worth of state on the same file.
    let store = Store::open(&db).await.unwrap();
    let state = AppState::new(
        store,
        ModelParams::parse(DEFAULT_MODEL).unwrap(),
        test_config(),
    );
    let uri = format!("/v1/assessments/{id}");
    let r = check(&state, get(&uri).by(&firm_key), 200).await;
    assert_eq!(r.body, created);
    let r = send(
        &state,
        get(&format!("{uri}?recompute=true"))
            .by(&firm_key)
            .request(),
    )
    .await;
    assert_eq!(r.body["reproduced"], true);
    assert!(state.store().is_shared(&id, "ins-s").await.unwrap());
}

#[test]
fn durability_script() {
    // The script starts, kills -9 and restarts the binary under test.
    run_script("durability.sh", &[], Duration::from_secs(240));
}
