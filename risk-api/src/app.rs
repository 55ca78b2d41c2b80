//! The HTTP service: state, configuration, middleware and [`app`], the router tests call with
//! `app(state).oneshot(request)` and `risk serve` binds to a socket.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use risk_core::params::ModelParams;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};

use crate::jobs::Jobs;
use crate::keys::Caller;
use crate::metrics::Metrics;
use crate::problem::{PROBLEM_JSON, default_detail, problem, problem_response};
use crate::routes;
use crate::store::{ModelRow, Store};
use crate::throttle::AuthThrottle;

/// Limits and policies of one service instance.
#[derive(Debug, Clone)]
pub struct Config {
    /// Most simulated years one request may ask for (422 above).
    pub max_trials: u64,
    /// Largest request body in bytes (413 above).
    pub body_limit: usize,
    /// Longest a request may take before it is answered 503.
    pub timeout: Duration,
    /// Simulations run at once.
    pub max_concurrent_runs: usize,
    /// Requests that may wait for a simulation slot when all are taken; beyond that a request
    /// is answered 503 with `Retry-After` at once.
    pub max_queued_runs: usize,
    /// Simulations one caller (role + subject) may have queued or running at once; beyond that
    /// its next request is answered 503 with `Retry-After` at once while other callers are still
    /// admitted. Default `max(1, (max_concurrent_runs + max_queued_runs) / 4)`, a quarter of the
    /// admission capacity.
    pub max_runs_per_caller: usize,
    /// Longest a request waits for a simulation slot before it is answered 503 with
    /// `Retry-After`.
    pub queue_wait: Duration,
    /// Longest the request body may take to arrive (408 after; slow-body clients).
    pub body_timeout: Duration,
    /// Browser origins allowed by CORS (none by default: the API is for servers and scripts).
    pub cors_origins: Vec<HeaderValue>,
    /// Test only: the web page also signs in from a `#key=…` URL fragment and follows
    /// `open=`/`whatif=` fragment parameters, so a headless browser can drive it
    /// (`RISK_UI_TEST_MODE=1` for `risk serve`). Off by default.
    pub ui_test_mode: bool,
    /// Failed authentications a client may make at once (then 429 with `Retry-After`); 0
    /// turns throttling off.
    pub auth_failures: u32,
    /// Time in which a client earns back one failed authentication.
    pub auth_refill: Duration,
    /// How long a worker's claim on a portfolio job lasts without renewal: after a replica
    /// dies, its jobs are claimed by another within this (plus `job_poll`).
    pub job_lease: Duration,
    /// How often a running job's lease is renewed (well under `job_lease`).
    pub job_heartbeat: Duration,
    /// How often an idle worker looks for jobs (queued by other replicas or whose lease lapsed).
    pub job_poll: Duration,
}

impl Default for Config {
    fn default() -> Self {
        let max_concurrent_runs = std::thread::available_parallelism().map_or(2, usize::from);
        let max_queued_runs = 8;
        Config {
            max_trials: 1_000_000,
            body_limit: 1 << 20,
            timeout: Duration::from_secs(60),
            max_concurrent_runs,
            max_queued_runs,
            max_runs_per_caller: ((max_concurrent_runs + max_queued_runs) / 4).max(1),
            queue_wait: Duration::from_secs(10),
            body_timeout: Duration::from_secs(15),
            cors_origins: Vec::new(),
            ui_test_mode: false,
            auth_failures: 10,
            auth_refill: Duration::from_secs(crate::problem::RETRY_AFTER_SECS),
            job_lease: Duration::from_secs(30),
            job_heartbeat: Duration::from_secs(10),
            job_poll: Duration::from_secs(2),
        }
    }
}

/// Shared state of the service (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    models: RwLock<Models>,
    config: Config,
    runs: Arc<Semaphore>,
    admission: Arc<Semaphore>,
    per_caller: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    metrics: Metrics,
    auth_throttle: AuthThrottle,
    jobs: Jobs,
}

/// A simulation slot held by a request: its place in the bounded queue and the run permit.
#[derive(Debug)]
pub struct RunSlot {
    _share: CallerShare,
    _admitted: OwnedSemaphorePermit,
    _run: OwnedSemaphorePermit,
}

/// One admitted request's place in its caller's share: the caller's count goes down on drop,
/// and its entry is removed at 0 (the map holds only callers with admitted requests).
#[derive(Debug)]
struct CallerShare {
    map: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    key: String,
}

impl Drop for CallerShare {
    fn drop(&mut self) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}

impl AppState {
    /// State over a store, the built-in model and limits (call [`AppState::load_models`] to bring
    /// in the versions published to the store).
    pub fn new(store: Store, params: ModelParams, config: Config) -> Self {
        let runs = Arc::new(Semaphore::new(config.max_concurrent_runs.max(1)));
        let admission = Arc::new(Semaphore::new(
            config.max_concurrent_runs.max(1) + config.max_queued_runs,
        ));
        let auth_throttle = AuthThrottle::new(config.auth_failures, config.auth_refill);
        AppState {
            inner: Arc::new(Inner {
                auth_throttle,
                store,
                models: RwLock::new(Models {
                    other_builtin: risk_core::params::BUILT_IN_MODELS
                        .iter()
                        .filter_map(|t| ModelParams::parse(t).ok())
                        .filter(|p| p.id() != params.id())
                        .map(Arc::new)
                        .collect(),
                    builtin: Arc::new(params),
                    published: Vec::new(),
                }),
                config,
                runs,
                admission,
                per_caller: Arc::default(),
                metrics: Metrics::default(),
                jobs: Jobs::default(),
            }),
        }
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The model in force: the newest published version, else the built-in one (its threat
    /// table is the model file's; the store's history overrides).
    pub fn params(&self) -> Arc<ModelParams> {
        let m = self.models();
        m.published
            .last()
            .map_or_else(|| m.builtin.clone(), |(_, p)| p.clone())
    }

    /// The model an assessment was priced with, if this server has it (built-in or published).
    pub fn model(&self, id: &str, hash: &str) -> Option<Arc<ModelParams>> {
        let m = self.models();
        std::iter::once(&m.builtin)
            .chain(&m.other_builtin)
            .chain(m.published.iter().map(|(_, p)| p))
            .find(|p| p.id() == id && p.hash == hash)
            .cloned()
    }

    /// Every model version: the built-in ones, then the published ones (oldest first).
    pub fn model_list(&self) -> Vec<(Option<ModelRow>, Arc<ModelParams>)> {
        let m = self.models();
        m.other_builtin
            .iter()
            .map(|p| (None, p.clone()))
            .chain(std::iter::once((None, m.builtin.clone())))
            .chain(
                m.published
                    .iter()
                    .map(|(r, p)| (Some(r.clone()), p.clone())),
            )
            .collect()
    }

    /// Loads the model versions published to the store (at start).
    ///
    /// # Errors
    /// Database failures, or a stored version that no longer validates.
    pub async fn load_models(&self) -> anyhow::Result<()> {
        let rows = self.store().models().await?;
        let mut published = Vec::with_capacity(rows.len());
        for r in rows {
            let p = ModelParams::parse(&r.body)
                .map_err(|e| anyhow::anyhow!("stored model {}: {e}", r.id))?;
            published.push((r, Arc::new(p)));
        }
        self.models_mut().published = published;
        Ok(())
    }

    /// Records a version just stored; it is in force from now on.
    pub fn add_model(&self, row: ModelRow, params: ModelParams) {
        self.models_mut().published.push((row, Arc::new(params)));
    }

    fn models(&self) -> std::sync::RwLockReadGuard<'_, Models> {
        self.inner
            .models
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn models_mut(&self) -> std::sync::RwLockWriteGuard<'_, Models> {
        self.inner
            .models
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The limits.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Permits to run simulations (background jobs wait for one without a bound).
    pub fn runs(&self) -> &Arc<Semaphore> {
        &self.inner.runs
    }

    /// A simulation slot for a request: `None` when the queue is full or no slot frees up
    /// within [`Config::queue_wait`], or when `caller` already has
    /// [`Config::max_runs_per_caller`] requests queued or running (the handler answers 503 with
    /// `Retry-After`).
    pub async fn run_slot(&self, caller: &Caller) -> Option<RunSlot> {
        let share = {
            let key = format!("{:?}:{}", caller.role, caller.subject);
            let mut map = self
                .inner
                .per_caller
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let n = map.entry(key.clone()).or_insert(0);
            if *n >= self.inner.config.max_runs_per_caller.max(1) {
                return None;
            }
            *n += 1;
            CallerShare {
                map: self.inner.per_caller.clone(),
                key,
            }
        };
        let admitted = self.inner.admission.clone().try_acquire_owned().ok()?;
        let run = tokio::time::timeout(
            self.inner.config.queue_wait,
            self.inner.runs.clone().acquire_owned(),
        )
        .await
        .ok()?
        .ok()?;
        Some(RunSlot {
            _share: share,
            _admitted: admitted,
            _run: run,
        })
    }

    /// Request counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// This replica's portfolio-job worker.
    pub fn jobs(&self) -> &Jobs {
        &self.inner.jobs
    }
}

impl FromRef<AppState> for AuthThrottle {
    fn from_ref(state: &AppState) -> AuthThrottle {
        state.inner.auth_throttle.clone()
    }
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Store {
        state.store().clone()
    }
}

/// The model versions a server knows.
struct Models {
    builtin: Arc<ModelParams>,
    /// The other built-in versions (older ones kept so stored assessments re-run), oldest first.
    other_builtin: Vec<Arc<ModelParams>>,
    published: Vec<(ModelRow, Arc<ModelParams>)>,
}

/// (method, route template, status) → (requests, seconds).
/// The service's router with all middleware: request ids, tracing, timeout, body limit, CORS,
/// security headers, problem+json for every error, metrics.
pub fn app(state: AppState) -> Router {
    let cfg = state.config().clone();
    let x_request_id = HeaderName::from_static("x-request-id");
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(cfg.cors_origins.clone()))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600));
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
        let id = req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        // The URI path only: query strings are not logged.
        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
    })
    .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
    .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN));
    routes::router()
        .with_state(state.clone())
        // Innermost first: limits, then problem bodies for bare errors, then the outer layers.
        .layer(axum::extract::DefaultBodyLimit::max(cfg.body_limit))
        .layer(RequestBodyLimitLayer::new(cfg.body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            unacknowledged_writes,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), read_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            cfg.timeout,
        ))
        .layer(middleware::from_fn(problem_bodies))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                tracing::error!("handler panicked");
                let s = StatusCode::INTERNAL_SERVER_ERROR;
                problem_response(problem(s, default_detail(s), Vec::new()))
            },
        ))
        .layer(cors)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(middleware::from_fn_with_state(state, record_metrics))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
        ]))
}

/// Gives every error response without a problem document (from routing, body limits, timeouts)
/// one, so clients always get `application/problem+json`.
async fn problem_bodies(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let allow = res.headers().get(header::ALLOW).cloned();
        let mut p = problem_response(problem(status, default_detail(status), Vec::new()));
        if let Some(a) = allow {
            p.headers_mut().insert(header::ALLOW, a);
        }
        return p;
    }
    res
}

/// Reads the whole request body before any handler runs: 413 past the body limit (at once when
/// `Content-Length` says so), 408 when it does not arrive within [`Config::body_timeout`] (a
/// slow-body client holds no handler, permit or database connection), 400 when the connection
/// fails mid-body.
async fn read_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use futures_util::StreamExt;
    let cfg = state.config();
    let limit = cfg.body_limit;
    let too_large = || {
        let s = StatusCode::PAYLOAD_TOO_LARGE;
        problem_response(problem(s, default_detail(s), Vec::new()))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut buf = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    let read = tokio::time::timeout(cfg.body_timeout, async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
            if buf.len() + chunk.len() > limit {
                return Err(StatusCode::PAYLOAD_TOO_LARGE);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(())
    })
    .await;
    let status = match read {
        Ok(Ok(())) => return next.run(Request::from_parts(parts, Body::from(buf))).await,
        Ok(Err(s)) => s,
        Err(_) => StatusCode::REQUEST_TIMEOUT,
    };
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large();
    }
    let mut res = problem_response(problem(status, default_detail(status), Vec::new()));
    // The rest of the body will not be read: the connection cannot carry another request.
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// Answers a write 503 instead of its success when the SQLite database file was deleted,
/// replaced or made unwritable while it ran: what it committed went to a file no one will open
/// again, so it must not be acknowledged (the store refuses later requests itself).
async fn unacknowledged_writes(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let res = next.run(req).await;
    if write && res.status().is_success() && !state.store().file_ok() {
        tracing::error!("the database file is gone or unwritable: a write is not acknowledged");
        let s = StatusCode::SERVICE_UNAVAILABLE;
        return problem_response(problem(
            s,
            "the database is unavailable; the change may not have been kept; try again later",
            Vec::new(),
        ));
    }
    res
}

async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = crate::metrics::method_label(req.method());
    // Route templates only (never raw paths, which would leak ids into labels).
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let res = next.run(req).await;
    state.metrics().record(
        method,
        route,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    res
}
