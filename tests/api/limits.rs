//! Resource limits: the request timeout, the simulation pool and its queue, and abusive input
//! (oversize, nested, stalled), each answered with its own status.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use futures_util::StreamExt;
use risk_api::app::Config;
use risk_api::store::Store;

use crate::SPEC;
use crate::harness::*;
use crate::portfolios::post_csv;

#[tokio::test]
async fn slow_requests_time_out_as_problems() {
    let e = env_with(Config {
        timeout: Duration::from_millis(1),
        ..test_config()
    })
    .await;
    let spec = SPEC.replace("\"trials\": 200000", "\"trials\": 50000");
    check(&e, post("/v1/simulate", &spec).by(&e.insurer_s), 503).await;
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
    for call in [
        post("/v1/simulate", &small).by(&e.insurer_s),
        post("/v1/assessments?trials=2000", PROFILE).by(&e.firm_a),
    ] {
        let r = check(&e, call, 503).await;
        assert_eq!(
            r.headers.get(header::RETRY_AFTER).unwrap(),
            "2",
            "{}",
            r.text
        );
        // The pool's answer (busy slots), not the request timeout's (which is also a 503).
        let detail = r.body["detail"].as_str().unwrap();
        assert!(detail.contains("simulation slots are busy"), "{detail}");
    }
    // With a queue, a request waits for the slot and is served once it frees up.
    drop(held);
    check(&e, post("/v1/simulate", &small).by(&e.insurer_s), 200).await;

    let e = env_with(Config {
        max_concurrent_runs: 1,
        max_queued_runs: 1,
        queue_wait: Duration::from_secs(20),
        ..test_config()
    })
    .await;
    let held = e.state.runs().clone().acquire_owned().await.unwrap();
    let state = e.state.clone();
    let queued_call = post("/v1/simulate", &small).by(&e.insurer_s);
    let queued = tokio::spawn(async move { send(&state, queued_call.request()).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(held);
    let r = queued.await.unwrap();
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// One caller cannot take every simulation slot: past its share
/// ([`Config::max_runs_per_caller`]) of queued and running simulations its next request is
/// answered 503 with `Retry-After` at once, while another caller is still admitted and served.
#[tokio::test]
async fn a_caller_over_its_share_is_refused_while_others_are_admitted() {
    let e = env_with(Config {
        max_concurrent_runs: 1,
        max_queued_runs: 3,
        max_runs_per_caller: 1,
        queue_wait: Duration::from_secs(20),
        ..test_config()
    })
    .await;
    let small = SPEC.replace("\"trials\": 200000", "\"trials\": 2000");
    // Hold the only run slot, so admitted requests stay queued.
    let held = e.state.runs().clone().acquire_owned().await.unwrap();
    // Caller A (an insurer) fills its share of one with a queued simulation.
    let state = e.state.clone();
    let a_call = post("/v1/simulate", &small).by(&e.insurer_s);
    let a_first = tokio::spawn(async move { send(&state, a_call.request()).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A's next request is refused at once with Retry-After, though the queue has room.
    let r = check(&e, post("/v1/simulate", &small).by(&e.insurer_s), 503).await;
    assert_eq!(
        r.headers.get(header::RETRY_AFTER).unwrap(),
        "2",
        "{}",
        r.text
    );
    // Caller B (a firm) is still admitted: it waits in the queue rather than being refused.
    let state = e.state.clone();
    let b_call = post("/v1/assessments?trials=2000", PROFILE).by(&e.firm_a);
    let b = tokio::spawn(async move { send(&state, b_call.request()).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!b.is_finished(), "B must be queued, not refused");
    drop(held);
    let r = a_first.await.unwrap();
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = b.await.unwrap();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // A's share is free again once its run is done.
    check(&e, post("/v1/simulate", &small).by(&e.insurer_s), 200).await;
}

/// A JSON POST of `body` as it is (a stream has no Content-Length).
fn streamed(uri: &str, key: &str, body: Body) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap()
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
    check(&e, post("/v1/simulate", &huge).by(&e.insurer_s), 413).await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..(limit / 1024 + 2))
        .map(|_| Ok(vec![b' '; 1024]))
        .collect();
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    let r = send(&e, streamed("/v1/simulate", &e.insurer_s, body)).await;
    check_problem(&r, 413);
    // Trials over the service's cap, in the spec and in the query.
    let big = SPEC.replace("\"trials\": 200000", "\"trials\": 10000000");
    check_field(
        &e,
        post("/v1/simulate", &big).by(&e.insurer_s),
        422,
        "trials",
    )
    .await;
    let max = "/v1/assessments?trials=18446744073709551615";
    check(&e, post(max, PROFILE).by(&e.firm_a), 422).await;
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
            check(&e, post(uri, body).by(key), status).await;
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
    let r = check(
        &roomy,
        post_csv("/v1/portfolios", &rows).by(&roomy.insurer_s),
        422,
    )
    .await;
    assert!(r.text.contains("exceed the cap"), "{}", r.text);
    check(&e, post_csv("/v1/portfolios", &rows).by(&e.insurer_s), 413).await;
    // A body that starts and then stops arriving: 408 from the body deadline (200 ms here; the
    // request timeout would be a 503), and the connection is not reused. The outer deadline
    // only keeps a regression from hanging the suite: it tests liveness, not speed.
    let stalled = futures_util::stream::iter([Ok::<_, std::io::Error>(b"{\"perils\"".to_vec())])
        .chain(futures_util::stream::pending());
    let slow = streamed("/v1/simulate", &e.insurer_s, Body::from_stream(stalled));
    let r = tokio::time::timeout(Duration::from_secs(300), send(&e, slow))
        .await
        .expect("a stalled body is answered, not waited for forever");
    check_problem(&r, 408);
    assert_eq!(r.headers.get(header::CONNECTION).unwrap(), "close");
}
