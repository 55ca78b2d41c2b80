//! `PUT /v1/threat-levels/{industry}`: versioned publications, recorded in every assessment, that
//! never change how a stored assessment re-runs.

use crate::create;
use crate::harness::*;

#[tokio::test]
async fn threat_levels_are_versioned_and_recorded() {
    let e = env().await;
    let before = create(&e, &e.firm_a, PROFILE).await;
    assert_eq!(before["threat_level_version"], "2026-11-01");

    let body = r#"{"levels": {"ransomware": 1.3, "ot_incident": 1.2}, "source": "JPCERT advisory 2026-11 (test)"}"#;
    let manufacturing = "/v1/threat-levels/manufacturing";
    let r = check(&e, put(manufacturing, body).by(&e.admin), 200).await;
    assert_eq!(r.body["version"], "2026-11-01+1");
    assert_eq!(r.body["published_by"], "ops");
    let rows = e.state.store().threat_rows().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].industry, "manufacturing");

    let r = send(&e, get("/v1/models").by(&e.firm_a).request()).await;
    assert_eq!(r.body[0]["threat_level_version"], "2026-11-01+1");

    let after = create(&e, &e.firm_a, PROFILE).await;
    assert_eq!(after["threat_level_version"], "2026-11-01+1");
    // The higher ransomware frequency raises the expected loss (same seed and trials).
    assert!(after["loss"]["mean"].as_f64() > before["loss"]["mean"].as_f64());

    // A later publication does not change how either re-runs.
    let later = r#"{"levels": {"ransomware": 2.0}, "source": "later"}"#;
    let r = send(&e, put(manufacturing, later).by(&e.admin).request()).await;
    assert_eq!(r.body["version"], "2026-11-01+2");
    for a in [&before, &after] {
        let id = a["id"].as_str().unwrap();
        let uri = format!("/v1/assessments/{id}?recompute=true");
        let r = send(&e, get(&uri).by(&e.firm_a).request()).await;
        assert_eq!(r.body["reproduced"], true, "{}", a["threat_level_version"]);
    }

    check_all(
        &e,
        [
            (put(manufacturing, body).by(&e.insurer_s), 403),
            (put(manufacturing, body), 401),
            (put("/v1/threat-levels/retail", "[1,").by(&e.admin), 400),
        ],
    )
    .await;
    let unknown = r#"{"levels": {"meteor": 5, "ransomware": 99}, "source": ""}"#;
    let r = put("/v1/threat-levels/shipbuilding", unknown).by(&e.admin);
    let r = check(&e, r, 422).await;
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["industry", "levels.meteor", "levels.ransomware", "source"]
    );
}
