//! The harness every module of this test binary shares: a service on a fresh SQLite file with
//! one key per test caller, requests sent through `app(state).oneshot` and answers read whole,
//! table-driven status checks ([`check`]), and a store in a PostgreSQL schema of its own.

use std::path::PathBuf;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use risk_api::app::{AppState, Config, app};
use risk_api::auth::{Caller, Role, key_hash, new_key};
use risk_api::store::Store;
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use serde_json::Value;
use tower::ServiceExt;

pub const PROFILE: &str = include_str!("../../data/profiles/manufacturer-ot-iso27001.json");
pub const PROFILE_B: &str = include_str!("../../data/profiles/retailer-pci.json");

/// Small runs keep the suites quick; the numbers are still the engine's.
pub const TRIALS: &str = "trials=2000&seed=7";

/// A path in a directory of its own under the system's temporary directory.
pub fn temp_db(name: &str) -> PathBuf {
    let dir = tempfile::Builder::new()
        .prefix("risk-service-test-")
        .tempdir()
        .unwrap();
    // Kept: services and restarts reopen the file after this returns.
    dir.keep().join(name)
}

/// The service's limits in these tests: small runs and bodies.
pub fn test_config() -> Config {
    Config {
        max_trials: 50_000,
        body_limit: 64 * 1024,
        // The authorisation matrices send many wrong keys; throttling has its own test.
        auth_failures: 10_000,
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

/// A request as a row of a table: method, path and query, the caller's key, a body.
#[derive(Debug, Clone)]
pub struct Call {
    method: Method,
    uri: String,
    key: Option<String>,
    content_type: &'static str,
    body: Option<String>,
}

/// `GET uri`, without a key until [`Call::by`].
pub fn get(uri: &str) -> Call {
    Call::new(Method::GET, uri)
}

/// `POST uri` with a JSON `body`.
pub fn post(uri: &str, body: &str) -> Call {
    Call::new(Method::POST, uri).body(body)
}

/// `PUT uri` with a JSON `body`.
pub fn put(uri: &str, body: &str) -> Call {
    Call::new(Method::PUT, uri).body(body)
}

/// `DELETE uri`.
pub fn delete(uri: &str) -> Call {
    Call::new(Method::DELETE, uri)
}

impl Call {
    /// `method uri` without a key or a body.
    pub fn new(method: Method, uri: &str) -> Self {
        Call {
            method,
            uri: uri.to_string(),
            key: None,
            content_type: "application/json",
            body: None,
        }
    }

    /// With this body (JSON unless [`Call::typed`]).
    pub fn body(mut self, body: &str) -> Self {
        self.body = Some(body.to_string());
        self
    }

    /// Sent with this bearer key.
    pub fn by(self, key: &str) -> Self {
        self.by_opt(Some(key))
    }

    /// Sent with this bearer key, or none.
    pub fn by_opt(mut self, key: Option<&str>) -> Self {
        self.key = key.map(str::to_string);
        self
    }

    /// The body sent as `content_type` instead of JSON.
    pub fn typed(mut self, content_type: &'static str) -> Self {
        self.content_type = content_type;
        self
    }

    /// The request to send.
    pub fn request(&self) -> Request<Body> {
        typed_req(
            self.method.clone(),
            &self.uri,
            self.key.as_deref(),
            self.content_type,
            self.body.as_deref(),
        )
    }
}

/// Sends `call` and checks that it answers `status`; an error status must come as a problem
/// document ([`check_problem`]). Returns the answer for further checks.
pub async fn check(service: &impl Service, call: Call, status: u16) -> Res {
    let r = send(service, call.request()).await;
    let (method, uri) = (&call.method, &call.uri);
    assert_eq!(r.status.as_u16(), status, "{method} {uri}: {}", r.text);
    if status >= 400 {
        check_problem(&r, status);
    }
    r
}

/// [`check`], and the first field error of the problem names `field`.
pub async fn check_field(service: &impl Service, call: Call, status: u16, field: &str) -> Res {
    let r = check(service, call, status).await;
    assert_eq!(r.body["errors"][0]["field"], field, "{}", r.text);
    r
}

/// [`check`] for every row of a table of requests and the status each must answer.
pub async fn check_all(service: &impl Service, cases: impl IntoIterator<Item = (Call, u16)>) {
    for (call, status) in cases {
        check(service, call, status).await;
    }
}

/// A store in a fresh schema of `$DATABASE_URL`, which must be a reachable PostgreSQL: the tests
/// that call this are `#[ignore = "needs PostgreSQL…"]` and fail, never skip, when run without
/// it (`.ci/run` runs them with `-- --ignored`).
pub async fn postgres_store() -> (Store, String) {
    let url = std::env::var("DATABASE_URL").unwrap_or_default();
    assert!(
        url.starts_with("postgres"),
        "this test needs PostgreSQL: set DATABASE_URL=postgres://… (see .ci/run)"
    );
    let schema = format!("risk_test_{}", uuid::Uuid::new_v4().simple());
    match Store::open_in_schema(&url, Some(&schema)).await {
        Ok(s) => (s, schema),
        Err(e) => panic!("PostgreSQL at DATABASE_URL is unreachable: {e:#}"),
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

/// Runs `tests/<script>` with bash on the binary under test (its build-time path) and `envs`,
/// and asserts it succeeds within `limit`: a deadline for liveness (a hung server), far above
/// the script's usual run.
pub fn run_script(script: &str, envs: &[(&str, &std::ffi::OsStr)], limit: Duration) {
    let path = format!("{}/../tests/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = std::process::Command::new("bash")
        .arg(&path)
        .arg(env!("CARGO_BIN_EXE_risk"))
        .envs(envs.iter().copied())
        .spawn()
        .unwrap_or_else(|e| panic!("run tests/{script}: {e}"));
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "tests/{script} failed: {status}");
            return;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("tests/{script} took more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
