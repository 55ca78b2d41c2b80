//! The HTTP service in-process (`app(state).oneshot(request)`): every endpoint, every error status,
//! the role × object authorisation matrix, reproducibility and restart.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use futures_util::StreamExt;
use risk_api::app::{AppState, Config};
use risk_api::store::Store;
use risk_core::model::{DEFAULT_MODEL, ModelParams};
use serde_json::Value;

use common::*;

const SPEC: &str = include_str!("../data/example-spec.json");

async fn create(e: &Env, key: &str, profile: &str) -> Value {
    let r = call(
        &e.state,
        Method::POST,
        &format!("/v1/assessments?{TRIALS}"),
        Some(key),
        Some(profile),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.headers.get(header::LOCATION).unwrap(),
        &format!("/v1/assessments/{id}")
    );
    r.body
}

#[tokio::test]
async fn health_openapi_models() {
    let e = env().await;
    let r = call(&e.state, Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
    assert!(r.headers.get("x-request-id").is_some());
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");

    let r = call(&e.state, Method::GET, "/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/healthz",
        "/openapi.json",
        "/metrics",
        "/v1/simulate",
        "/v1/assessments",
        "/v1/assessments/{id}",
        "/v1/assessments/{id}/impact",
        "/v1/assessments/{id}/shares",
        "/v1/assessments/{id}/shares/{insurer}",
        "/v1/models",
        "/v1/threat-levels/{industry}",
    ] {
        assert!(r.body["paths"][p].is_object(), "openapi lacks {p}");
    }
    let schemas = &r.body["components"]["schemas"];
    for s in ["AssessmentDto", "LossReport", "ImpactDto", "Problem"] {
        assert!(schemas[s].is_object(), "openapi lacks schema {s}");
    }

    for k in [&e.admin, &e.insurer_s, &e.firm_a] {
        let r = call(&e.state, Method::GET, "/v1/models", Some(k), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body[0]["id"], "jp-cyber-1.0.0");
    }
    check_problem(
        &call(&e.state, Method::GET, "/v1/models", None, None).await,
        401,
    );
}

#[tokio::test]
async fn routing_errors_are_problems() {
    let e = env().await;
    check_problem(&call(&e.state, Method::GET, "/nope", None, None).await, 404);
    check_problem(
        &call(
            &e.state,
            Method::PUT,
            "/v1/assessments",
            Some(&e.firm_a),
            None,
        )
        .await,
        405,
    );
    let r = call(&e.state, Method::DELETE, "/healthz", None, None).await;
    check_problem(&r, 405);
    assert!(r.headers.get(header::ALLOW).is_some());
    // Portfolios take CSV or Parquet, not JSON.
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/portfolios",
            Some(&e.insurer_s),
            Some("{}"),
        )
        .await,
        415,
    );
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/portfolios",
            Some(&e.firm_a),
            Some("{}"),
        )
        .await,
        403,
    );
}

fn csv_req(uri: &str, key: Option<&str>, body: &str) -> Request<Body> {
    typed_req(Method::POST, uri, key, "text/csv", Some(body))
}

/// Portfolio jobs (contract §8): 202 once stored, run in the background, readable only by the
/// submitting insurer; bad files are 422 naming row and column.
#[tokio::test]
async fn portfolio_jobs() {
    let e = env().await;
    let mut csv = String::from("policy_id,frequency_mean,severity_median,severity_sigma\n");
    for i in 0..50 {
        csv += &format!(
            "P{i},{},{},1.5\n",
            0.1 + (i % 5) as f64 * 0.05,
            10_000 + 100 * i
        );
    }
    let r = send(
        &e.state,
        csv_req(
            "/v1/portfolios?trials=2000&seed=3",
            Some(&e.insurer_s),
            &csv,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["policies"], 50);
    assert_eq!(
        r.headers.get(header::LOCATION).unwrap(),
        &format!("/v1/portfolios/{id}")
    );
    let uri = format!("/v1/portfolios/{id}");
    let mut done = Value::Null;
    for _ in 0..600 {
        let g = call(&e.state, Method::GET, &uri, Some(&e.insurer_s), None).await;
        assert_eq!(g.status, StatusCode::OK, "{}", g.text);
        if g.body["status"] == "done" || g.body["status"] == "failed" {
            done = g.body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "done", "{done}");
    let report = &done["report"];
    assert_eq!(report["policies"], 50);
    assert_eq!(report["trials"], 2000);
    let tvar = report["tvar"][1]["value"].as_f64().unwrap();
    let allocated = report["allocated_total"].as_f64().unwrap();
    assert!((allocated - tvar).abs() < 1e-6 * tvar.max(1.0));
    // Only the submitting insurer sees it.
    check_problem(
        &call(&e.state, Method::GET, &uri, Some(&e.insurer_n), None).await,
        404,
    );
    check_problem(
        &call(&e.state, Method::GET, &uri, Some(&e.firm_a), None).await,
        403,
    );
    check_problem(&call(&e.state, Method::GET, &uri, None, None).await, 401);
    check_problem(
        &call(
            &e.state,
            Method::GET,
            "/v1/portfolios/nope",
            Some(&e.insurer_s),
            None,
        )
        .await,
        404,
    );
    // Bad files and caps.
    let bad =
        "policy_id,frequency_mean,severity_median,severity_sigma\nA,0.1,1000,1\nB,lots,1000,1\n";
    let r = send(&e.state, csv_req("/v1/portfolios", Some(&e.insurer_s), bad)).await;
    check_problem(&r, 422);
    assert!(
        r.text.contains("row 2, column frequency_mean"),
        "{}",
        r.text
    );
    let r = send(
        &e.state,
        csv_req("/v1/portfolios?trials=0", Some(&e.insurer_s), &csv),
    )
    .await;
    check_problem(&r, 422);
    let r = send(&e.state, csv_req("/v1/portfolios", Some(&e.firm_a), &csv)).await;
    check_problem(&r, 403);
}

#[tokio::test]
async fn simulate_endpoint() {
    let e = env().await;
    let small = SPEC.replace("\"trials\": 200000", "\"trials\": 5000");
    assert_ne!(small, SPEC, "example spec changed shape");
    let r = call(
        &e.state,
        Method::POST,
        "/v1/simulate",
        Some(&e.insurer_s),
        Some(&small),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The same numbers as the CLI's code path.
    let spec = risk_core::model::LossSpec::parse(&small).unwrap();
    let expect = serde_json::to_value(risk_api::cli::simulate_spec(&spec)).unwrap();
    assert_eq!(r.body, expect);
    let r = call(
        &e.state,
        Method::POST,
        "/v1/simulate",
        Some(&e.admin),
        Some(&small),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    check_problem(
        &call(&e.state, Method::POST, "/v1/simulate", None, Some(&small)).await,
        401,
    );
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/simulate",
            Some("rk_wrong"),
            Some(&small),
        )
        .await,
        401,
    );
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/simulate",
            Some(&e.firm_a),
            Some(&small),
        )
        .await,
        403,
    );
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/simulate",
            Some(&e.insurer_s),
            Some("{\"perils\": ["),
        )
        .await,
        400,
    );

    let bad = small.replace("\"sigma\": 1.6", "\"sigma\": -1");
    assert_ne!(bad, small);
    let r = call(
        &e.state,
        Method::POST,
        "/v1/simulate",
        Some(&e.insurer_s),
        Some(&bad),
    )
    .await;
    check_problem(&r, 422);
    assert_eq!(
        r.body["errors"][0]["field"], "perils[0].severity.sigma",
        "{}",
        r.text
    );

    // Over the service's trial cap.
    let big = SPEC.replace("\"trials\": 200000", "\"trials\": 60000");
    let r = call(
        &e.state,
        Method::POST,
        "/v1/simulate",
        Some(&e.insurer_s),
        Some(&big),
    )
    .await;
    check_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "trials");

    // Over the body limit (64 KiB here).
    let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(100 * 1024));
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/simulate",
            Some(&e.insurer_s),
            Some(&huge),
        )
        .await,
        413,
    );

    // Not JSON.
    let r = send(
        &e.state,
        Request::builder()
            .method(Method::POST)
            .uri("/v1/simulate")
            .header(header::AUTHORIZATION, format!("Bearer {}", e.insurer_s))
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(small.clone()))
            .unwrap(),
    )
    .await;
    check_problem(&r, 415);
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
    assert_eq!(firm["model_version"], "jp-cyber-1.0.0");
    let id = firm["id"].as_str().unwrap();

    // The firm view is exactly AssessmentDto without loadings.
    let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let profile = risk_core::profile::FirmProfile::parse(PROFILE, &params, today).unwrap();
    let a = risk_core::assess::assess(&profile, &params, 2000, 7);
    let dto = risk_api::dto::firm::AssessmentDto::new(id.to_string(), &profile, &params, &a, false);
    assert_eq!(firm, serde_json::to_value(dto).unwrap());

    let ins = create(&e, &e.insurer_n, PROFILE).await;
    assert!(
        ins["premium"]["loadings"]["risk_load"].is_number(),
        "insurers see loadings"
    );
    assert_ne!(ins["id"], firm["id"], "ids are random");

    let r = call(
        &e.state,
        Method::GET,
        &format!("/v1/assessments/{id}"),
        Some(&e.firm_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, firm, "stored result returned as created");

    let r = call(
        &e.state,
        Method::GET,
        &format!("/v1/assessments/{id}?recompute=true"),
        Some(&e.firm_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["reproduced"], true);
    let mut again = r.body.clone();
    again.as_object_mut().unwrap().remove("reproduced");
    assert_eq!(again, firm);

    let r = call(
        &e.state,
        Method::GET,
        &format!("/v1/assessments/{id}/impact"),
        Some(&e.firm_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
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
    let r = call(
        &e.state,
        Method::POST,
        "/v1/assessments",
        Some(&e.firm_a),
        Some(&bad),
    )
    .await;
    check_problem(&r, 422);
    assert!(
        r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "firm.annual_revenue"),
        "{}",
        r.text
    );
    let r = call(
        &e.state,
        Method::POST,
        "/v1/assessments",
        Some(&e.firm_a),
        Some(r#"{"firm": {}, "bogus": 1}"#),
    )
    .await;
    check_problem(&r, 422);
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/assessments",
            Some(&e.firm_a),
            Some("{\"firm\": "),
        )
        .await,
        400,
    );
    let r = call(
        &e.state,
        Method::POST,
        "/v1/assessments?trials=0",
        Some(&e.firm_a),
        Some(PROFILE),
    )
    .await;
    check_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "trials");
    let r = call(
        &e.state,
        Method::POST,
        "/v1/assessments?trials=999999999",
        Some(&e.firm_a),
        Some(PROFILE),
    )
    .await;
    check_problem(&r, 422);
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/assessments?trials=many",
            Some(&e.firm_a),
            Some(PROFILE),
        )
        .await,
        400,
    );
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/assessments",
            Some(&e.admin),
            Some(PROFILE),
        )
        .await,
        403,
    );
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/assessments",
            None,
            Some(PROFILE),
        )
        .await,
        401,
    );
    let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(100 * 1024));
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/assessments",
            Some(&e.firm_a),
            Some(&huge),
        )
        .await,
        413,
    );
}

#[tokio::test]
async fn threat_levels_are_versioned_and_recorded() {
    let e = env().await;
    let before = create(&e, &e.firm_a, PROFILE).await;
    assert_eq!(before["threat_level_version"], "2026-11-01");

    let body = r#"{"levels": {"ransomware": 1.3, "ot_incident": 1.2}, "source": "JPCERT advisory 2026-11 (test)"}"#;
    let r = call(
        &e.state,
        Method::PUT,
        "/v1/threat-levels/manufacturing",
        Some(&e.admin),
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["version"], "2026-11-01+1");
    assert_eq!(r.body["published_by"], "ops");
    let rows = e.state.store().threat_rows().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].industry, "manufacturing");

    let r = call(&e.state, Method::GET, "/v1/models", Some(&e.firm_a), None).await;
    assert_eq!(r.body[0]["threat_level_version"], "2026-11-01+1");

    let after = create(&e, &e.firm_a, PROFILE).await;
    assert_eq!(after["threat_level_version"], "2026-11-01+1");
    // The higher ransomware frequency raises the expected loss (same seed and trials).
    assert!(after["loss"]["mean"].as_f64() > before["loss"]["mean"].as_f64());

    // A later publication does not change how either re-runs.
    let r = call(
        &e.state,
        Method::PUT,
        "/v1/threat-levels/manufacturing",
        Some(&e.admin),
        Some(r#"{"levels": {"ransomware": 2.0}, "source": "later"}"#),
    )
    .await;
    assert_eq!(r.body["version"], "2026-11-01+2");
    for a in [&before, &after] {
        let r = call(
            &e.state,
            Method::GET,
            &format!(
                "/v1/assessments/{}?recompute=true",
                a["id"].as_str().unwrap()
            ),
            Some(&e.firm_a),
            None,
        )
        .await;
        assert_eq!(r.body["reproduced"], true, "{}", a["threat_level_version"]);
    }

    check_problem(
        &call(
            &e.state,
            Method::PUT,
            "/v1/threat-levels/manufacturing",
            Some(&e.insurer_s),
            Some(body),
        )
        .await,
        403,
    );
    check_problem(
        &call(
            &e.state,
            Method::PUT,
            "/v1/threat-levels/manufacturing",
            None,
            Some(body),
        )
        .await,
        401,
    );
    let r = call(
        &e.state,
        Method::PUT,
        "/v1/threat-levels/shipbuilding",
        Some(&e.admin),
        Some(r#"{"levels": {"meteor": 5, "ransomware": 99}, "source": ""}"#),
    )
    .await;
    check_problem(&r, 422);
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
    check_problem(
        &call(
            &e.state,
            Method::PUT,
            "/v1/threat-levels/retail",
            Some(&e.admin),
            Some("[1,"),
        )
        .await,
        400,
    );
}

#[tokio::test]
async fn metrics_on_loopback_only() {
    let e = env().await;
    let _ = call(&e.state, Method::GET, "/healthz", None, None).await;
    let with = |ip: [u8; 4]| {
        let mut r = req(Method::GET, "/metrics", None, None);
        r.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
        r
    };
    let r = send(&e.state, with([127, 0, 0, 1])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains(
            "risk_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{}",
        r.text
    );
    check_problem(&send(&e.state, with([10, 1, 2, 3])).await, 404);
    check_problem(
        &call(&e.state, Method::GET, "/metrics", None, None).await,
        404,
    );
}

#[tokio::test]
async fn slow_requests_time_out_as_problems() {
    let e = env_with(Config {
        timeout: Duration::from_millis(1),
        ..test_config()
    })
    .await;
    let spec = SPEC.replace("\"trials\": 200000", "\"trials\": 50000");
    let r = call(
        &e.state,
        Method::POST,
        "/v1/simulate",
        Some(&e.insurer_s),
        Some(&spec),
    )
    .await;
    check_problem(&r, 503);
}

/// A saturated simulation pool answers 503 with `Retry-After` at once (no queue) or after the
/// queue wait, never by running into the request timeout; a freed slot serves again.
#[tokio::test]
async fn saturated_pool_answers_503_with_retry_after() {
    let e = env_with(Config {
        max_concurrent_runs: 1,
        max_queued_runs: 0,
        queue_wait: Duration::from_millis(50),
        ..test_config()
    })
    .await;
    let small = SPEC.replace("\"trials\": 200000", "\"trials\": 2000");
    // Hold the only simulation slot, as a long run would.
    let held = e.state.runs().clone().acquire_owned().await.unwrap();
    let started = std::time::Instant::now();
    for (uri, key, body) in [
        ("/v1/simulate", &e.insurer_s, small.as_str()),
        ("/v1/assessments?trials=2000", &e.firm_a, PROFILE),
    ] {
        let r = call(&e.state, Method::POST, uri, Some(key), Some(body)).await;
        check_problem(&r, 503);
        assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap(), "2", "{uri}");
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    // With a queue, a request waits for the slot and is served once it frees up.
    drop(held);
    let r = call(
        &e.state,
        Method::POST,
        "/v1/simulate",
        Some(&e.insurer_s),
        Some(&small),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let e = env_with(Config {
        max_concurrent_runs: 1,
        max_queued_runs: 1,
        queue_wait: Duration::from_secs(20),
        ..test_config()
    })
    .await;
    let held = e.state.runs().clone().acquire_owned().await.unwrap();
    let state = e.state.clone();
    let (key, body) = (e.insurer_s.clone(), small.clone());
    let queued = tokio::spawn(async move {
        call(
            &state,
            Method::POST,
            "/v1/simulate",
            Some(&key),
            Some(&body),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(held);
    let r = queued.await.unwrap();
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// Abusive input is answered within limits with the right status: oversize bodies 413 (with or
/// without a Content-Length), trials over the cap 422, deeply nested JSON 400, oversize
/// portfolios 413/422, a body that stops arriving 408.
#[tokio::test]
async fn abusive_requests_are_bounded() {
    let e = env_with(Config {
        body_timeout: Duration::from_millis(200),
        ..test_config()
    })
    .await;
    let limit = test_config().body_limit;
    // Oversize, declared and streamed without a length.
    let huge = format!(r#"{{"pad": "{}"}}"#, "x".repeat(limit + 1));
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/simulate",
            Some(&e.insurer_s),
            Some(&huge),
        )
        .await,
        413,
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..(limit / 1024 + 2))
        .map(|_| Ok(vec![b' '; 1024]))
        .collect();
    let streamed = Request::builder()
        .method(Method::POST)
        .uri("/v1/simulate")
        .header(header::AUTHORIZATION, format!("Bearer {}", e.insurer_s))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    check_problem(&send(&e.state, streamed).await, 413);
    // Trials over the service's cap, in the spec and in the query.
    let big = SPEC.replace("\"trials\": 200000", "\"trials\": 10000000");
    let r = call(
        &e.state,
        Method::POST,
        "/v1/simulate",
        Some(&e.insurer_s),
        Some(&big),
    )
    .await;
    check_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "trials");
    check_problem(
        &call(
            &e.state,
            Method::POST,
            "/v1/assessments?trials=18446744073709551615",
            Some(&e.firm_a),
            Some(PROFILE),
        )
        .await,
        422,
    );
    // Deeply nested JSON is refused without exhausting the stack: valid but nested beyond the
    // parser's depth limit is 422 (the wrong shape), unterminated is 400 (not JSON).
    let nested = "[".repeat(30_000) + &"]".repeat(30_000);
    let in_field = format!(r#"{{"perils": {nested}}}"#);
    let unterminated = "[".repeat(60_000);
    for (uri, key) in [
        ("/v1/simulate", &e.insurer_s),
        ("/v1/assessments", &e.firm_a),
    ] {
        for (body, status) in [(&nested, 422), (&in_field, 422), (&unterminated, 400)] {
            check_problem(
                &call(&e.state, Method::POST, uri, Some(key), Some(body)).await,
                status,
            );
        }
    }
    // Portfolios: more rows than the cap (422), and a file over the body limit (413).
    let mut rows = String::from("policy_id,frequency_mean,severity_median,severity_sigma\n");
    for i in 0..20_001 {
        rows += &format!("{i},0.1,1,1\n");
    }
    let store = Store::open(temp_db("rows.db").to_str().unwrap())
        .await
        .unwrap();
    let roomy = env_on(
        store,
        Config {
            body_limit: 1 << 20,
            ..test_config()
        },
    )
    .await;
    let r = send(
        &roomy.state,
        csv_req("/v1/portfolios", Some(&roomy.insurer_s), &rows),
    )
    .await;
    check_problem(&r, 422);
    assert!(r.text.contains("exceed the cap"), "{}", r.text);
    let r = send(
        &e.state,
        csv_req("/v1/portfolios", Some(&e.insurer_s), &rows),
    )
    .await;
    check_problem(&r, 413);
    // A body that starts and then stops arriving: 408, and the connection is not reused.
    let stalled = futures_util::stream::iter([Ok::<_, std::io::Error>(b"{\"perils\"".to_vec())])
        .chain(futures_util::stream::pending());
    let slow = Request::builder()
        .method(Method::POST)
        .uri("/v1/simulate")
        .header(header::AUTHORIZATION, format!("Bearer {}", e.insurer_s))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stalled))
        .unwrap();
    let started = std::time::Instant::now();
    let r = send(&e.state, slow).await;
    check_problem(&r, 408);
    assert_eq!(r.headers.get(header::CONNECTION).unwrap(), "close");
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// Who asks, in the matrix.
#[derive(Debug, Clone, Copy)]
enum Who {
    FirmA,
    FirmB,
    InsurerShared,
    InsurerNotShared,
    Admin,
    NoKey,
    WrongKey,
}

const EVERYONE: [Who; 7] = [
    Who::FirmA,
    Who::FirmB,
    Who::InsurerShared,
    Who::InsurerNotShared,
    Who::Admin,
    Who::NoKey,
    Who::WrongKey,
];

impl Env {
    fn key(&self, w: Who) -> Option<&str> {
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

/// Expected status per caller for share management (the owning firm only).
fn owner_status(w: Who, ok: u16) -> u16 {
    match w {
        Who::FirmA => ok,
        Who::FirmB => 404,
        Who::InsurerShared | Who::InsurerNotShared | Who::Admin => 403,
        Who::NoKey | Who::WrongKey => 401,
    }
}

async fn authorisation_matrix(e: &Env) {
    let a = create(e, &e.firm_a, PROFILE).await;
    let id = a["id"].as_str().unwrap().to_string();
    let r = call(
        &e.state,
        Method::POST,
        &format!("/v1/assessments/{id}/shares"),
        Some(&e.firm_a),
        Some(r#"{"insurer": "ins-s"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["insurer"], "ins-s");
    let missing = uuid::Uuid::new_v4().to_string();

    let reads = [
        format!("/v1/assessments/{id}"),
        format!("/v1/assessments/{id}?recompute=true"),
        format!("/v1/assessments/{id}/impact"),
    ];
    for uri in &reads {
        for w in EVERYONE {
            let r = call(&e.state, Method::GET, uri, e.key(w), None).await;
            let want = read_status(w);
            assert_eq!(r.status.as_u16(), want, "GET {uri} as {w:?}: {}", r.text);
            if want == 200 {
                let loadings = r.body["premium"].get("loadings").is_some();
                if !uri.ends_with("/impact") {
                    assert_eq!(
                        loadings,
                        matches!(w, Who::InsurerShared),
                        "loadings for {w:?}"
                    );
                }
            } else {
                check_problem(&r, want);
            }
        }
        // An id that does not exist looks exactly like one the caller may not see.
        let other = uri.replace(&id, &missing);
        let r = call(&e.state, Method::GET, &other, Some(&e.firm_a), None).await;
        let hidden = call(&e.state, Method::GET, uri, Some(&e.firm_b), None).await;
        check_problem(&r, 404);
        assert_eq!(r.body, hidden.body);
    }

    for w in EVERYONE {
        let uri = format!("/v1/assessments/{id}/shares");
        let r = call(
            &e.state,
            Method::POST,
            &uri,
            e.key(w),
            Some(r#"{"insurer": "ins-z"}"#),
        )
        .await;
        assert_eq!(
            r.status.as_u16(),
            owner_status(w, 201),
            "POST {uri} as {w:?}: {}",
            r.text
        );

        // Revocation: re-grant as the owner, then try to revoke as `w`.
        let _ = call(
            &e.state,
            Method::POST,
            &uri,
            Some(&e.firm_a),
            Some(r#"{"insurer": "ins-z"}"#),
        )
        .await;
        let r = call(
            &e.state,
            Method::DELETE,
            &format!("{uri}/ins-z"),
            e.key(w),
            None,
        )
        .await;
        assert_eq!(
            r.status.as_u16(),
            owner_status(w, 204),
            "DELETE as {w:?}: {}",
            r.text
        );
    }
    // Share bodies are validated; unknown ids and absent shares are 404.
    let uri = format!("/v1/assessments/{id}/shares");
    check_problem(
        &call(
            &e.state,
            Method::POST,
            &uri,
            Some(&e.firm_a),
            Some(r#"{"insurer": ""}"#),
        )
        .await,
        422,
    );
    check_problem(
        &call(
            &e.state,
            Method::POST,
            &uri,
            Some(&e.firm_a),
            Some(r#"{"insurer": "x", "role": "admin"}"#),
        )
        .await,
        422,
    );
    check_problem(
        &call(
            &e.state,
            Method::POST,
            &uri,
            Some(&e.firm_a),
            Some(r#"{"insurer": "#),
        )
        .await,
        400,
    );
    check_problem(
        &call(
            &e.state,
            Method::POST,
            &format!("/v1/assessments/{missing}/shares"),
            Some(&e.firm_a),
            Some(r#"{"insurer": "ins-s"}"#),
        )
        .await,
        404,
    );
    check_problem(
        &call(
            &e.state,
            Method::DELETE,
            &format!("{uri}/never-granted"),
            Some(&e.firm_a),
            None,
        )
        .await,
        404,
    );

    // Revocation removes access.
    let r = call(
        &e.state,
        Method::DELETE,
        &format!("{uri}/ins-s"),
        Some(&e.firm_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    for u in &reads {
        check_problem(
            &call(&e.state, Method::GET, u, Some(&e.insurer_s), None).await,
            404,
        );
    }
    assert_eq!(
        call(&e.state, Method::GET, &reads[0], Some(&e.firm_a), None)
            .await
            .status,
        StatusCode::OK
    );

    // An insurer's own assessment: only that insurer reads it; firms cannot share it.
    let own = create(e, &e.insurer_n, PROFILE_B).await;
    let oid = own["id"].as_str().unwrap();
    for w in EVERYONE {
        let r = call(
            &e.state,
            Method::GET,
            &format!("/v1/assessments/{oid}"),
            e.key(w),
            None,
        )
        .await;
        let want = match w {
            Who::InsurerNotShared => 200,
            Who::FirmA | Who::FirmB | Who::InsurerShared => 404,
            Who::Admin => 403,
            Who::NoKey | Who::WrongKey => 401,
        };
        assert_eq!(r.status.as_u16(), want, "GET insurer-owned as {w:?}");
    }
    check_problem(
        &call(
            &e.state,
            Method::POST,
            &format!("/v1/assessments/{oid}/shares"),
            Some(&e.firm_a),
            Some(r#"{"insurer": "ins-s"}"#),
        )
        .await,
        404,
    );
}

#[tokio::test]
async fn authorisation_matrix_sqlite() {
    let e = env().await;
    authorisation_matrix(&e).await;
}

#[tokio::test]
async fn authorisation_matrix_postgres() {
    let Some((store, schema)) = postgres_store().await else {
        return;
    };
    let e = env_on(store.clone(), test_config()).await;
    authorisation_matrix(&e).await;
    drop_schema(&store, &schema).await;
}

#[tokio::test]
async fn restart_reads_back_identical() {
    let path = temp_db("restart.db");
    let db = path.to_str().unwrap().to_string();
    let (id, created, firm_key) = {
        let e = env_on(Store::open(&db).await.unwrap(), test_config()).await;
        let a = create(&e, &e.firm_a, PROFILE).await;
        let id = a["id"].as_str().unwrap().to_string();
        let r = call(
            &e.state,
            Method::POST,
            &format!("/v1/assessments/{id}/shares"),
            Some(&e.firm_a),
            Some(r#"{"insurer": "ins-s"}"#),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
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
    let r = call(
        &state,
        Method::GET,
        &format!("/v1/assessments/{id}"),
        Some(&firm_key),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body, created);
    let r = call(
        &state,
        Method::GET,
        &format!("/v1/assessments/{id}?recompute=true"),
        Some(&firm_key),
        None,
    )
    .await;
    assert_eq!(r.body["reproduced"], true);
    assert!(state.store().is_shared(&id, "ins-s").await.unwrap());
}

#[test]
fn durability_script() {
    // Build-time path of the binary under test; the script starts, kills -9 and restarts it.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/durability.sh");
    let mut child = std::process::Command::new("bash")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_risk"))
        .spawn()
        .expect("run tests/durability.sh");
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "tests/durability.sh failed: {status}");
            return;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("tests/durability.sh took more than 240 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The built-in model as a new version with ISO 27001 worth more: what `risk calibrate` hands an
/// admin to publish.
fn model_v11() -> String {
    DEFAULT_MODEL
        .replacen("version = \"1.0.0\"", "version = \"1.1.0\"", 1)
        .replacen(
            "effects = [{ perils = \"all\", frequency = 0.85, severity = 0.90, source = \"[A] domain §6.3 ISO 27001 (current, full scope)\" }]",
            "effects = [{ perils = \"all\", frequency = 0.70, severity = 0.90, source = \"[C] calibrated on claims (test)\" }]",
            1,
        )
}

fn toml_req(key: Option<&str>, body: &str) -> Request<Body> {
    typed_req(
        Method::POST,
        "/v1/models",
        key,
        "application/toml",
        Some(body),
    )
}

#[tokio::test]
async fn published_models_price_new_assessments_and_old_ones_keep_theirs() {
    let path = temp_db("models.db");
    let db = path.to_str().unwrap().to_string();
    let e = env_on(Store::open(&db).await.unwrap(), test_config()).await;
    let v11 = model_v11();
    assert!(v11.contains("frequency = 0.70"));
    let before = create(&e, &e.firm_a, PROFILE).await;
    assert_eq!(before["model_version"], "jp-cyber-1.0.0");
    let old_id = before["id"].as_str().unwrap().to_string();

    // Only admins publish; bad files are problems naming the field.
    for k in [&e.insurer_s, &e.firm_a] {
        check_problem(&send(&e.state, toml_req(Some(k), &v11)).await, 403);
    }
    check_problem(&send(&e.state, toml_req(None, &v11)).await, 401);
    check_problem(
        &send(&e.state, toml_req(Some(&e.admin), "not = [toml")).await,
        400,
    );
    let bad = v11.replacen("frequency = 0.70", "frequency = 1.70", 1);
    let r = send(&e.state, toml_req(Some(&e.admin), &bad)).await;
    check_problem(&r, 422);
    assert_eq!(
        r.body["errors"][0]["field"],
        "certifications.iso27001.effects"
    );
    let clash = DEFAULT_MODEL.replacen("frequency = 0.85", "frequency = 0.80", 1);
    check_problem(&send(&e.state, toml_req(Some(&e.admin), &clash)).await, 409);

    let r = send(&e.state, toml_req(Some(&e.admin), &v11)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["id"], "jp-cyber-1.1.0");
    assert_eq!(r.body["in_force"], true);
    assert_eq!(r.body["published_by"], "ops");
    // Publishing the same file again changes nothing.
    let r = send(&e.state, toml_req(Some(&e.admin), &v11)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let r = call(&e.state, Method::GET, "/v1/models", Some(&e.firm_b), None).await;
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 2, "{}", r.text);
    assert_eq!(list[0]["id"], "jp-cyber-1.0.0");
    assert_eq!(list[0]["in_force"], false);
    assert_eq!(list[0]["origin"], "built-in");
    assert_eq!(list[1]["id"], "jp-cyber-1.1.0");
    assert_eq!(list[1]["in_force"], true);

    // New assessments use the new version (ISO 27001 worth more: lower premium); the stored one
    // keeps 1.0.0 and still reproduces.
    let after = create(&e, &e.firm_a, PROFILE).await;
    assert_eq!(after["model_version"], "jp-cyber-1.1.0");
    assert!(
        after["premium"]["technical"].as_f64() < before["premium"]["technical"].as_f64(),
        "{after} vs {before}"
    );
    let r = call(
        &e.state,
        Method::GET,
        &format!("/v1/assessments/{old_id}?recompute=true"),
        Some(&e.firm_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["model_version"], "jp-cyber-1.0.0");
    assert_eq!(r.body["reproduced"], true);
    let r = call(
        &e.state,
        Method::GET,
        &format!("/v1/assessments/{old_id}/impact?{TRIALS}"),
        Some(&e.firm_a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["model_version"], "jp-cyber-1.0.0");

    // After a restart the published version is still in force.
    e.state.store().close().await;
    let state = AppState::new(
        Store::open(&db).await.unwrap(),
        ModelParams::parse(DEFAULT_MODEL).unwrap(),
        test_config(),
    );
    state.load_models().await.unwrap();
    assert_eq!(state.params().id(), "jp-cyber-1.1.0");
    let r = call(
        &state,
        Method::GET,
        &format!("/v1/assessments/{old_id}?recompute=true"),
        Some(&e.firm_a),
        None,
    )
    .await;
    assert_eq!(r.body["reproduced"], true, "{}", r.text);
}
