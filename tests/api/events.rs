//! `GET /v1/events` and re-pricing: a stored assessment re-priced under a new threat table gives
//! an event with the premium before and after, which its owner and the insurers it is shared
//! with read, in order, a page at a time — and nobody else. The new roles (certifier, hub) hold
//! no assessments.

use risk_api::auth::{Caller, Role};
use risk_api::routes::reprice::reprice_and_record;
use risk_api::store::EventKind;

use crate::harness::*;
use crate::{create, share};

#[tokio::test]
async fn repricing_writes_events_only_the_owner_and_shared_insurers_read() {
    let e = env().await;
    let a = create(&e, &e.firm_a, PROFILE).await;
    let b = create(&e, &e.firm_b, PROFILE_B).await;
    let (id_a, id_b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    share(&e, id_a, "ins-s").await;
    let stored_a = a["premium"]["charged"].as_f64().unwrap();

    // Nothing happened yet.
    for k in [&e.firm_a, &e.insurer_s] {
        let r = check(&e, get("/v1/events").by(k), 200).await;
        assert_eq!(r.body["events"], serde_json::json!([]));
        assert_eq!(r.body["next"], 0);
    }

    // The manufacturing sector's ransomware threat rises; both stored assessments are
    // re-priced under it (the retailer's sector is untouched, so its premium stays).
    // Written straight to the store (a pre-advisory whole-row publication), so nothing has
    // re-priced them yet: `PUT /v1/threat-levels` re-prices by itself (tests/api/sharing.rs).
    e.state
        .store()
        .publish_threat(
            "manufacturing",
            r#"{"ransomware": 2.0}"#,
            "advisory (test)",
            "ops",
        )
        .await
        .unwrap();
    let ops = Caller {
        role: Role::Admin,
        subject: "ops".into(),
    };
    let store = e.state.store();
    let recs = vec![
        store.assessment(id_a).await.unwrap().unwrap(),
        store.assessment(id_b).await.unwrap().unwrap(),
    ];
    let mut detail = serde_json::Map::new();
    detail.insert("advisories".into(), serde_json::json!(["test-1"]));
    let kind = EventKind::ThreatLevelChanged;
    let events = reprice_and_record(&e.state, &ops, &recs, kind, &detail)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].premium_before, stored_a);
    assert!(events[0].premium_after > stored_a, "{events:?}");
    let b_charged = b["premium"]["charged"].as_f64().unwrap();
    assert_eq!(events[1].premium_before, b_charged);
    assert_eq!(events[1].premium_after, b_charged);
    // The stored assessment itself is a record of what was priced: unchanged, and it re-runs.
    let r = check(
        &e,
        get(&format!("/v1/assessments/{id_a}")).by(&e.firm_a),
        200,
    )
    .await;
    assert_eq!(r.body["premium"]["charged"].as_f64(), Some(stored_a));

    // Each reader sees exactly the events of the assessments it may read.
    let seen = |r: &Res| -> Vec<String> {
        r.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["assessment_id"].as_str().unwrap().to_string())
            .collect()
    };
    let r = check(&e, get("/v1/events").by(&e.firm_a), 200).await;
    assert_eq!(seen(&r), [id_a]);
    let ev = &r.body["events"][0];
    assert_eq!(ev["type"], "threat_level_changed");
    assert_eq!(ev["premium_before"].as_f64(), Some(stored_a));
    assert_eq!(ev["premium_after"].as_f64(), Some(events[0].premium_after));
    assert_eq!(ev["advisories"], serde_json::json!(["test-1"]));
    assert!(ev["at"].is_string());
    let first = ev["seq"].as_i64().unwrap();
    assert_eq!(r.body["next"].as_i64(), Some(first));
    let r = check(&e, get("/v1/events").by(&e.insurer_s), 200).await;
    assert_eq!(seen(&r), [id_a]);
    let r = check(&e, get("/v1/events").by(&e.firm_b), 200).await;
    assert_eq!(seen(&r), [id_b]);
    let r = check(&e, get("/v1/events").by(&e.insurer_n), 200).await;
    assert_eq!(seen(&r), Vec::<String>::new());

    // A second change starts from the last re-priced premium, and the feed continues after
    // the cursor.
    let events = reprice_and_record(&e.state, &ops, &recs[..1], kind, &detail)
        .await
        .unwrap();
    assert_eq!(
        events[0].premium_before, events[0].premium_after,
        "same table twice: nothing moves"
    );
    let r = check(
        &e,
        get(&format!("/v1/events?after={first}")).by(&e.firm_a),
        200,
    )
    .await;
    assert_eq!(seen(&r), [id_a]);
    assert!(r.body["events"][0]["seq"].as_i64().unwrap() > first);
    let r = check(&e, get("/v1/events?limit=1").by(&e.firm_a), 200).await;
    assert_eq!(r.body["events"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["next"].as_i64(), Some(first));

    // Revoking the share takes the insurer's view of the feed with it.
    check(
        &e,
        delete(&format!("/v1/assessments/{id_a}/shares/ins-s")).by(&e.firm_a),
        204,
    )
    .await;
    let r = check(&e, get("/v1/events").by(&e.insurer_s), 200).await;
    assert_eq!(seen(&r), Vec::<String>::new());
}

#[tokio::test]
async fn the_feed_checks_its_callers_and_its_query() {
    let e = env().await;
    let certifier = key(e.state.store(), Role::Certifier, "jqa").await;
    let hub = key(e.state.store(), Role::Hub, "ipa-jcsip").await;
    check_all(
        &e,
        [
            (get("/v1/events"), 401),
            (get("/v1/events").by(&e.admin), 403),
            (get("/v1/events").by(&certifier), 403),
            (get("/v1/events").by(&hub), 403),
            (get("/v1/events?after=-1").by(&e.firm_a), 422),
            (get("/v1/events?limit=0").by(&e.firm_a), 422),
            (get("/v1/events?limit=101").by(&e.firm_a), 422),
            (get("/v1/events?after=x").by(&e.firm_a), 400),
            (get("/v1/events?since=1").by(&e.firm_a), 400),
        ],
    )
    .await;
    // Certification bodies and hubs hold no assessments.
    for k in [&certifier, &hub] {
        check(
            &e,
            post(&format!("/v1/assessments?{TRIALS}"), PROFILE).by(k),
            403,
        )
        .await;
        check(&e, get("/v1/assessments").by(k), 403).await;
    }
}
