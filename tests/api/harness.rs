//! The harness the in-process service tests share (`api.rs`, `web.rs`, `store.rs`): a service
//! on a fresh SQLite file with one key per test caller, requests sent through
//! `app(state).oneshot` and answers read whole, and a store in a PostgreSQL schema of its own.

// Each test crate uses a part of the harness.
#![allow(dead_code)]

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use risk_api::app::{AppState, Config, app};
use risk_api::auth::{Caller, Role, key_hash, new_key};
use risk_api::store::Store;
use risk_core::model::{DEFAULT_MODEL, ModelParams};
use serde_json::Value;
use tower::ServiceExt;

pub const PROFILE: &str = include_str!("../../data/profiles/manufacturer-ot-iso27001.json");
pub const PROFILE_B: &str = include_str!("../../data/profiles/retailer-pci.json");

/// Small runs keep the suites quick; the numbers are still the engine's.
pub const TRIALS: &str = "trials=2000&seed=7";

/// A path in a directory of its own under the system's temporary directory.
pub fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "risk-service-test-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The service's limits in these tests: small runs and bodies.
pub fn test_config() -> Config {
    Config {
        max_trials: 50_000,
        body_limit: 64 * 1024,
        ..Config::default()
    }
}

/// A service with one key per test caller.
pub struct Env {
    pub state: AppState,
    pub admin: String,
    pub insurer_s: String,
    pub insurer_n: String,
    pub firm_a: String,
    pub firm_b: String,
}

/// A new key for `subject` in `role`, stored (hashed) in `store`.
pub async fn key(store: &Store, role: Role, subject: &str) -> String {
    let k = new_key().unwrap();
    let caller = Caller {
        role,
        subject: subject.into(),
    };
    store.insert_key(&key_hash(&k), &caller).await.unwrap();
    k
}

/// The service on `store` with `config` and the default model.
pub async fn env_on(store: Store, config: Config) -> Env {
    let admin = key(&store, Role::Admin, "ops").await;
    let insurer_s = key(&store, Role::Insurer, "ins-s").await;
    let insurer_n = key(&store, Role::Insurer, "ins-n").await;
    let firm_a = key(&store, Role::Firm, "firm-a").await;
    let firm_b = key(&store, Role::Firm, "firm-b").await;
    let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
    Env {
        state: AppState::new(store, params, config),
        admin,
        insurer_s,
        insurer_n,
        firm_a,
        firm_b,
    }
}

/// The service on a fresh SQLite file with the test limits.
pub async fn env() -> Env {
    env_with(test_config()).await
}

/// A service on a fresh SQLite file with these limits.
pub async fn env_with(config: Config) -> Env {
    let store = Store::open(temp_db("risk.db").to_str().unwrap())
        .await
        .unwrap();
    env_on(store, config).await
}

/// An answer read whole: status, headers, the body as JSON (Null if it is not) and as text.
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

/// What requests are sent to: a service's state, or a test environment around one.
pub trait Service {
    fn state(&self) -> &AppState;
}

impl Service for AppState {
    fn state(&self) -> &AppState {
        self
    }
}

impl Service for Env {
    fn state(&self) -> &AppState {
        &self.state
    }
}

pub async fn send(service: &impl Service, req: Request<Body>) -> Res {
    let res = app(service.state().clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Res {
        status,
        headers,
        body,
        text,
    }
}

/// A request with an optional bearer key and an optional body of `content_type`.
pub fn typed_req(
    method: Method,
    uri: &str,
    key: Option<&str>,
    content_type: &str,
    body: Option<&str>,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        b = b.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    match body {
        Some(s) => b
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(s.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

/// A request with an optional bearer key and an optional JSON body.
pub fn req(method: Method, uri: &str, key: Option<&str>, body: Option<&str>) -> Request<Body> {
    typed_req(method, uri, key, "application/json", body)
}

pub async fn call(
    service: &impl Service,
    method: Method,
    uri: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> Res {
    send(service, req(method, uri, key, body)).await
}

/// The answer's Content-Type.
pub fn content_type(r: &Res) -> &str {
    r.headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
}

/// A problem document (RFC 9457) with this status.
pub fn check_problem(r: &Res, status: u16) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json",
        "{}",
        r.text
    );
    assert_eq!(r.body["status"], status, "{}", r.text);
    assert!(r.body["title"].is_string(), "{}", r.text);
    assert!(r.body["detail"].is_string(), "{}", r.text);
}

/// A store in a fresh schema of `$DATABASE_URL` when it is PostgreSQL; None (skip) when it is
/// not set, unless `RISK_REQUIRE_POSTGRES=1`, which makes an absent or unreachable database fail.
pub async fn postgres_store() -> Option<(Store, String)> {
    let url = std::env::var("DATABASE_URL").unwrap_or_default();
    let required = std::env::var("RISK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    if !url.starts_with("postgres") {
        assert!(
            !required,
            "RISK_REQUIRE_POSTGRES=1 but DATABASE_URL is not postgres://…"
        );
        eprintln!("skipped: DATABASE_URL is not a PostgreSQL URL");
        return None;
    }
    let schema = format!("risk_test_{}", uuid::Uuid::new_v4().simple());
    match Store::open_in_schema(&url, Some(&schema)).await {
        Ok(s) => Some((s, schema)),
        Err(e) if !required => {
            eprintln!("skipped: PostgreSQL unreachable: {e:#}");
            None
        }
        Err(e) => panic!("RISK_REQUIRE_POSTGRES=1 and PostgreSQL is unreachable: {e:#}"),
    }
}

/// Closes `store` and drops its schema (made by [`postgres_store`]).
pub async fn drop_schema(store: &Store, schema: &str) {
    use sqlx::Connection;
    store.close().await;
    let url = std::env::var("DATABASE_URL").unwrap();
    let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut c)
        .await
        .unwrap();
}
