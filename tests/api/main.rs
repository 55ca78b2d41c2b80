//! The service in-process (`app(state).oneshot(request)`), one test binary with a module per
//! resource: every endpoint and error status, the role × object authorisation matrix, limits,
//! the web page, the store, reproducibility and restart. The harness is `harness.rs`; tests
//! that need PostgreSQL or Chromium are `#[ignore = "needs …"]`d and run by `.ci/run` with
//! `cargo test -- --ignored`, where they fail, never skip, without what they need.

mod assessments;
mod authz;
mod certificates;
mod docs;
mod events;
mod faults;
mod harness;
mod input;
mod jobs;
mod limits;
mod listing;
mod models;
mod portfolio_chunks;
mod portfolio_input;
mod portfolios;
mod questionnaires;
mod quotes;
mod restart;
mod service;
mod shares;
mod sharing;
mod simulate;
mod store;
mod suppliers;
mod threat_levels;
mod web;

use axum::http::header;
use serde_json::Value;

use harness::*;

/// The example loss spec (200,000 trials, seed 42).
pub const SPEC: &str = include_str!("../../data/example-spec.json");

/// A JSON body over the test service's 64 KiB limit.
pub fn huge_body() -> String {
    format!("{{\"pad\": \"{}\"}}", "x".repeat(100 * 1024))
}

/// A new assessment of `profile` by `key`'s caller (2,000 trials, seed 7): 201 with its location.
pub async fn create(e: &Env, key: &str, profile: &str) -> Value {
    let r = check(
        e,
        post(&format!("/v1/assessments?{TRIALS}"), profile).by(key),
        201,
    )
    .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.headers.get(header::LOCATION).unwrap(),
        &format!("/v1/assessments/{id}")
    );
    r.body
}

/// Firm A shares assessment `id` with `insurer`: 201 naming the insurer.
pub async fn share(e: &Env, id: &str, insurer: &str) {
    let body = format!(r#"{{"insurer": "{insurer}"}}"#);
    let uri = format!("/v1/assessments/{id}/shares");
    let r = check(e, post(&uri, &body).by(&e.firm_a), 201).await;
    assert_eq!(r.body["insurer"], insurer);
}
