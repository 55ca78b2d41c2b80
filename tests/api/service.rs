//! What every caller meets first: health, the OpenAPI document, the model list, routing errors
//! as problem documents, and metrics on loopback only.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode, header};

use crate::harness::*;

#[tokio::test]
async fn health_openapi_models() {
    let e = env().await;
    let r = check(&e, get("/healthz"), 200).await;
    assert_eq!(r.body["status"], "ok");
    assert!(r.headers.get("x-request-id").is_some());
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");

    let r = check(&e, get("/openapi.json"), 200).await;
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
        let r = check(&e, get("/v1/models").by(k), 200).await;
        assert_eq!(r.body[0]["id"], "jp-cyber-1.0.0");
    }
    check(&e, get("/v1/models"), 401).await;
}

#[tokio::test]
async fn routing_errors_are_problems() {
    let e = env().await;
    check(&e, get("/nope"), 404).await;
    let put = Call::new(Method::PUT, "/v1/assessments").by(&e.firm_a);
    check(&e, put, 405).await;
    let r = check(&e, Call::new(Method::DELETE, "/healthz"), 405).await;
    assert!(r.headers.get(header::ALLOW).is_some());
    // Portfolios take CSV or Parquet, not JSON.
    check_all(
        &e,
        [
            (post("/v1/portfolios", "{}").by(&e.insurer_s), 415),
            (post("/v1/portfolios", "{}").by(&e.firm_a), 403),
        ],
    )
    .await;
}

#[tokio::test]
async fn metrics_on_loopback_only() {
    let e = env().await;
    let _ = send(&e, get("/healthz").request()).await;
    let from = |ip: [u8; 4]| {
        let mut r = get("/metrics").request();
        r.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
        r
    };
    // Invented methods share one label: they cannot add series without bound.
    for m in ["FOO", "BAR"] {
        let mut r = get("/healthz").request();
        *r.method_mut() = Method::from_bytes(m.as_bytes()).unwrap();
        let _ = send(&e, r).await;
    }
    let r = send(&e, from([127, 0, 0, 1])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    for line in [
        "risk_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
        "risk_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
        "# TYPE risk_http_request_duration_seconds histogram",
        "risk_assessments_stored_total 0",
    ] {
        assert!(r.text.contains(line), "{line} not in {}", r.text);
    }
    assert!(r.text.contains("method=\"OTHER\""), "{}", r.text);
    assert!(
        !r.text.contains("FOO") && !r.text.contains("BAR"),
        "{}",
        r.text
    );
    check_problem(&send(&e, from([10, 1, 2, 3])).await, 404);
    check(&e, get("/metrics"), 404).await;
}
