//! `/v1/assessments`: created, stored, read back and reproduced; the firm view without loadings;
//! the impact table; validation and caps.

use serde_json::Value;

use crate::harness::*;
use crate::{create, huge_body};

/// `risk score` of `PROFILE` at `trials` and `seed`: the CLI's assessment, computed in a process
/// of its own, as the expectation for the service's.
fn cli_score(trials: &str, seed: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.json");
    std::fs::write(&path, PROFILE).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_risk"))
        .args(["score", path.to_str().unwrap()])
        .args(["--trials", trials, "--seed", seed])
        .output()
        .expect("run risk score");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `v` without its `id` (random in the service, a content hash in the CLI).
fn without_id(v: &Value) -> Value {
    let mut v = v.clone();
    v.as_object_mut().unwrap().remove("id");
    v
}

#[tokio::test]
async fn assessments_store_reproduce_and_hide_loadings() {
    let e = env().await;
    let firm = create(&e, &e.firm_a, PROFILE).await;
    assert!(
        firm["premium"].get("loadings").is_none(),
        "firms never see loadings"
    );
    assert_eq!(firm["trials"], 2000);
    assert_eq!(firm["seed"], 7);
    assert_eq!(firm["model_version"], "jp-cyber-2.0.0");
    let id = firm["id"].as_str().unwrap();

    // The firm view is exactly `risk score` at the same trials and seed, without loadings,
    // plus the firm's identity bound to its key (`firm.id`; the command line has no key).
    let mut cli = cli_score("2000", "7");
    assert!(cli["premium"]["loadings"]["risk_load"].is_number());
    cli["premium"].as_object_mut().unwrap().remove("loadings");
    let mut bound = without_id(&firm);
    assert_eq!(bound["firm"]["id"], "firm-a");
    bound["firm"].as_object_mut().unwrap().remove("id");
    assert_eq!(bound, without_id(&cli));

    let ins = create(&e, &e.insurer_n, PROFILE).await;
    assert!(
        ins["premium"]["loadings"]["risk_load"].is_number(),
        "insurers see loadings"
    );
    assert_ne!(ins["id"], firm["id"], "ids are random");

    let uri = format!("/v1/assessments/{id}");
    let r = check(&e, get(&uri).by(&e.firm_a), 200).await;
    assert_eq!(r.body, firm, "stored result returned as created");

    let r = check(&e, get(&format!("{uri}?recompute=true")).by(&e.firm_a), 200).await;
    assert_eq!(r.body["reproduced"], true);
    let mut again = r.body.clone();
    again.as_object_mut().unwrap().remove("reproduced");
    assert_eq!(again, firm);

    let r = check(&e, get(&format!("{uri}/impact")).by(&e.firm_a), 200).await;
    assert_eq!(r.body["seed"], 7);
    assert_eq!(r.body["current_premium"], firm["premium"]["technical"]);
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["change"] == "remove:iso27001")
    );

    // Validation: field paths from the core, 400 for broken JSON, caps and query errors.
    let bad = PROFILE.replace("5000000000", "-5");
    let r = check(&e, post("/v1/assessments", &bad).by(&e.firm_a), 422).await;
    assert!(
        r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "firm.annual_revenue"),
        "{}",
        r.text
    );
    let r = post("/v1/assessments?trials=0", PROFILE).by(&e.firm_a);
    check_field(&e, r, 422, "trials").await;
    let post_as = |uri: &str, body: &str, key: &str| post(uri, body).by(key);
    check_all(
        &e,
        [
            (
                post_as("/v1/assessments", r#"{"firm": {}, "bogus": 1}"#, &e.firm_a),
                422,
            ),
            (post_as("/v1/assessments", "{\"firm\": ", &e.firm_a), 400),
            (
                post_as("/v1/assessments?trials=999999999", PROFILE, &e.firm_a),
                422,
            ),
            (
                post_as("/v1/assessments?trials=many", PROFILE, &e.firm_a),
                400,
            ),
            (post_as("/v1/assessments", PROFILE, &e.admin), 403),
            (post("/v1/assessments", PROFILE), 401),
            (post_as("/v1/assessments", &huge_body(), &e.firm_a), 413),
        ],
    )
    .await;
}
