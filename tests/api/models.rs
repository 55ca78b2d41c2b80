//! `/v1/models`: admins publish new model versions, which price new assessments; stored ones
//! keep (and re-run with) their own, also after a restart.

use risk_api::app::AppState;
use risk_api::store::Store;
use risk_core::params::{DEFAULT_MODEL, ModelParams};

use crate::create;
use crate::harness::*;

/// The built-in model as a new version with ISO 27001 worth more: what `risk calibrate` hands an
/// admin to publish.
fn model_v11() -> String {
    DEFAULT_MODEL
        .replacen("version = \"2.0.0\"", "version = \"2.1.0\"", 1)
        .replacen(
            "effects = [{ perils = \"all\", frequency = 0.85, severity = 0.90, source = \"[A] domain §6.3 ISO 27001 (current, full scope)\" }]",
            "effects = [{ perils = \"all\", frequency = 0.70, severity = 0.90, source = \"[C] calibrated on claims (test)\" }]",
            1,
        )
}

/// `POST /v1/models` with a TOML model file.
fn publish(body: &str) -> Call {
    post("/v1/models", body).typed("application/toml")
}

#[tokio::test]
async fn published_models_price_new_assessments_and_old_ones_keep_theirs() {
    let path = temp_db("models.db");
    let db = path.to_str().unwrap().to_string();
    let e = env_on(Store::open(&db).await.unwrap(), test_config()).await;
    let v11 = model_v11();
    assert!(v11.contains("frequency = 0.70"));
    let before = create(&e, &e.firm_a, PROFILE).await;
    assert_eq!(before["model_version"], "jp-cyber-2.0.0");
    let old_id = before["id"].as_str().unwrap().to_string();

    // Only admins publish; bad files are problems naming the field.
    let bad = v11.replacen("frequency = 0.70", "frequency = 1.70", 1);
    let clash = DEFAULT_MODEL.replacen("frequency = 0.85", "frequency = 0.80", 1);
    check_all(
        &e,
        [
            (publish(&v11).by(&e.insurer_s), 403),
            (publish(&v11).by(&e.firm_a), 403),
            (publish(&v11), 401),
            (publish("not = [toml").by(&e.admin), 400),
            (publish(&clash).by(&e.admin), 409),
        ],
    )
    .await;
    let field = "certifications.iso27001.effects";
    check_field(&e, publish(&bad).by(&e.admin), 422, field).await;

    let r = check(&e, publish(&v11).by(&e.admin), 201).await;
    assert_eq!(r.body["id"], "jp-cyber-2.1.0");
    assert_eq!(r.body["in_force"], true);
    assert_eq!(r.body["published_by"], "ops");
    // Publishing the same file again changes nothing.
    check(&e, publish(&v11).by(&e.admin), 200).await;

    let r = send(&e, get("/v1/models").by(&e.firm_b).request()).await;
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 4, "{}", r.text);
    for (i, id) in ["jp-cyber-1.0.0", "jp-cyber-1.5.0", "jp-cyber-2.0.0"]
        .iter()
        .enumerate()
    {
        assert_eq!(list[i]["id"], *id);
        assert_eq!(list[i]["in_force"], false);
        assert_eq!(list[i]["origin"], "built-in");
    }
    assert_eq!(list[3]["id"], "jp-cyber-2.1.0");
    assert_eq!(list[3]["in_force"], true);

    // New assessments use the new version (ISO 27001 worth more: lower premium); the stored one
    // keeps 2.0.0 and still reproduces.
    let after = create(&e, &e.firm_a, PROFILE).await;
    assert_eq!(after["model_version"], "jp-cyber-2.1.0");
    assert!(
        after["premium"]["technical"].as_f64() < before["premium"]["technical"].as_f64(),
        "{after} vs {before}"
    );
    let old = format!("/v1/assessments/{old_id}");
    let r = check(&e, get(&format!("{old}?recompute=true")).by(&e.firm_a), 200).await;
    assert_eq!(r.body["model_version"], "jp-cyber-2.0.0");
    assert_eq!(r.body["reproduced"], true);
    // The impact table re-runs the stored assessment with its own model, seed and trials; it
    // reads no query parameters, so `trials` and `seed` in the query change nothing.
    let impact = check(&e, get(&format!("{old}/impact")).by(&e.firm_a), 200).await;
    assert_eq!(impact.body["model_version"], "jp-cyber-2.0.0");
    assert_eq!(
        impact.body["current_premium"],
        before["premium"]["technical"]
    );
    assert_eq!(
        (&impact.body["trials"], &impact.body["seed"]),
        (&2000.into(), &7.into())
    );
    let ignored = get(&format!("{old}/impact?trials=5000&seed=1")).by(&e.firm_a);
    assert_eq!(check(&e, ignored, 200).await.body, impact.body);

    // After a restart the published version is still in force.
    e.state.store().close().await;
    let state = AppState::new(
        Store::open(&db).await.unwrap(),
        ModelParams::parse(DEFAULT_MODEL).unwrap(),
        test_config(),
    );
    state.load_models().await.unwrap();
    assert_eq!(state.params().id(), "jp-cyber-2.1.0");
    let r = send(
        &state,
        get(&format!("{old}?recompute=true"))
            .by(&e.firm_a)
            .request(),
    )
    .await;
    assert_eq!(r.body["reproduced"], true, "{}", r.text);
}
