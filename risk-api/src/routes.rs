//! The endpoints of contract §8 and their OpenAPI description (generated from these handlers).
//!
//! Authorisation, in order: authentication (401), the caller's role (403), then the object —
//! anything the caller may not see is 404, whether or not it exists.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use risk_core::assess::assess;
use risk_core::model::params::parse_date;
use risk_core::model::{LossSpec, MAX_EXPECTED_EVENTS, MAX_TRIALS, ModelParams};
use risk_core::pricing::impact;
use risk_core::profile::FirmProfile;
use risk_core::profile::Status;
use risk_core::vocab::{Function, Industry, PERILS, Peril, Scheme};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::app::AppState;
use crate::auth::{Caller, Role, valid_subject};
use crate::cli::simulate_spec;
use crate::dto::firm::{AssessmentDto, ImpactDto};
use crate::dto::v1::LossReport;
use crate::problem::{ApiError, ApiResult, FieldProblem, Problem};
use crate::store::{AssessmentRecord, ThreatRow, timestamp};

/// Default simulated years of an assessment (contract §5).
pub const DEFAULT_TRIALS: u64 = 100_000;

/// The routes, without middleware (see [`crate::app::app`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(crate::web::index))
        .route("/ui/app.js", get(crate::web::script))
        .route("/ui/style.css", get(crate::web::style))
        .route("/test/{file}", get(crate::web::narrow))
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .route("/v1/simulate", post(simulate))
        .route(
            "/v1/assessments",
            post(create_assessment).get(list_assessments),
        )
        .route("/v1/assessments/{id}", get(get_assessment))
        .route("/v1/assessments/{id}/impact", get(get_impact))
        .route("/v1/assessments/{id}/exceedance.svg", get(get_exceedance))
        .route("/v1/assessments/{id}/what-if", post(what_if))
        .route("/v1/assessments/{id}/shares", post(grant_share))
        .route(
            "/v1/assessments/{id}/shares/{insurer}",
            delete(revoke_share),
        )
        .route("/v1/models", get(models).post(publish_model))
        .route("/v1/threat-levels/{industry}", put(put_threat_level))
        .route("/v1/portfolios", post(portfolios))
        .route("/v1/portfolios/{id}", get(get_portfolio))
        .fallback(not_found)
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "risk-engine",
        description = "Certification-aware cyber-insurance risk engine: assessments, premium impact, consent, sector threat levels. Errors are RFC 9457 application/problem+json."
    ),
    paths(
        healthz,
        openapi,
        metrics,
        simulate,
        create_assessment,
        list_assessments,
        get_assessment,
        get_impact,
        get_exceedance,
        what_if,
        grant_share,
        revoke_share,
        models,
        publish_model,
        put_threat_level,
        portfolios,
        get_portfolio
    ),
    components(schemas(Problem, FieldProblem, PortfolioJobDto)),
    modifiers(&BearerAuth, &CommonResponses)
)]
pub struct ApiDoc;

/// Responses any operation may give besides its own: 400 for a malformed request line or
/// query, 500, 503 with `Retry-After` (simulation pool saturated, or the request timed out), and
/// for operations with a body 408 (it did not arrive in time), 413 and 415.
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{Content, Object, Ref, ResponseBuilder, Type};
        let problem = |description: &str, retry: bool| {
            let mut r = ResponseBuilder::new().description(description).content(
                crate::problem::PROBLEM_JSON,
                Content::new(Some(Ref::from_schema_name("Problem"))),
            );
            if retry {
                r = r.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(Some(Object::with_type(Type::Integer)))
                        .description(Some("Seconds to wait before retrying"))
                        .build(),
                );
            }
            r.build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let mut common = vec![
                    ("400", problem("Malformed request", false)),
                    ("500", problem("Internal error", false)),
                    (
                        "503",
                        problem("Simulation pool saturated or request timed out", true),
                    ),
                ];
                if op.request_body.is_some() {
                    common.extend([
                        (
                            "408",
                            problem("The request body did not arrive in time", false),
                        ),
                        ("413", problem("The request body is too large", false)),
                        ("415", problem("Unsupported media type of the body", false)),
                    ]);
                }
                for (code, response) in common {
                    op.responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| response.into());
                }
            }
        }
    }
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// Liveness check.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(s) => ([(header::CONTENT_TYPE, "application/json")], s).into_response(),
        Err(e) => ApiError::Internal(e.into()).into_response(),
    }
}

/// Prometheus metrics; answered on loopback connections only (404 otherwise).
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text", content_type = "text/plain"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn metrics(
    State(state): State<AppState>,
    connect: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
) -> ApiResult<Response> {
    match connect {
        Some(axum::Extension(ConnectInfo(addr))) if addr.ip().is_loopback() => Ok((
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            state.metrics().render(),
        )
            .into_response()),
        _ => Err(ApiError::not_found()),
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// Simulation settings of an assessment.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    /// Simulated years (default 100000; at most the service's cap, 1000000 by default).
    pub trials: Option<u64>,
    /// Seed of the random streams (default 0).
    pub seed: Option<u64>,
}

/// Options of a read.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReadParams {
    /// Re-run the assessment from its stored inputs, seed, trials, model and threat-table
    /// versions; the answer carries `reproduced: true` when it equals the stored result.
    pub recompute: Option<bool>,
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text())))
}

/// The body as JSON text: 415 unless `application/json`, 400 unless UTF-8 JSON.
fn json_text(headers: &HeaderMap, body: &Bytes) -> ApiResult<String> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !(mime == "application/json"
        || (mime.starts_with("application/") && mime.ends_with("+json")))
    {
        return Err(ApiError::status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be application/json",
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the request body is not UTF-8"))?;
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
        ApiError::bad_request(format!(
            "the request body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    Ok(text.to_string())
}

fn fields(errors: Vec<risk_core::model::FieldError>) -> ApiError {
    ApiError::invalid(errors.into_iter().map(Into::into).collect())
}

/// Runs a request's CPU-bound work off the async threads, at most `max_concurrent_runs` at once
/// with a bounded queue: 503 with `Retry-After` when the pool is saturated (never a timeout).
async fn run<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    let slot = state.run_slot().await.ok_or_else(ApiError::busy)?;
    tokio::task::spawn_blocking(move || {
        let out = f();
        drop(slot);
        out
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))
}

/// Runs an accepted background job's work: waits for a simulation slot without a bound.
async fn run_job<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    let permit = state
        .runs()
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || {
        let out = f();
        drop(permit);
        out
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))
}

/// Loss distribution of a loss-model spec (contract §2 → §3).
#[utoipa::path(post, path = "/v1/simulate",
    request_body(content = Object, description = "Loss-model spec (contract §2)", content_type = "application/json"),
    responses(
        (status = 200, body = LossReport),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn simulate(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<LossReport>> {
    caller.require(&[Role::Insurer, Role::Admin])?;
    let text = json_text(&headers, &body)?;
    let spec = LossSpec::parse(&text).map_err(|e| fields(e.fields()))?;
    let cap = state.config().max_trials;
    if spec.trials > cap {
        return Err(ApiError::invalid_field(
            "trials",
            format!("must be at most {cap} on this service"),
        ));
    }
    // The core bounds events for its own trial cap; the service scales that bound to its own.
    let max_events = MAX_EXPECTED_EVENTS * cap as f64 / MAX_TRIALS as f64;
    if spec.model.expected_events() * spec.trials as f64 > max_events {
        return Err(ApiError::invalid_field(
            "perils",
            format!("expected events × trials must be at most {max_events:.0} on this service"),
        ));
    }
    Ok(Json(run(&state, move || simulate_spec(&spec)).await?))
}

/// The model with the threat table in force at history position `seq` (0: the model file's).
pub fn params_at(base: &ModelParams, rows: &[ThreatRow], seq: i64) -> anyhow::Result<ModelParams> {
    let mut p = base.clone();
    if seq == 0 {
        return Ok(p);
    }
    for r in rows.iter().filter(|r| r.seq <= seq) {
        let industry = Industry::parse(&r.industry)
            .ok_or_else(|| anyhow::anyhow!("threat row {}: unknown industry", r.seq))?;
        let map: BTreeMap<String, f64> = serde_json::from_str(&r.levels)?;
        let mut l = [1.0; PERILS];
        for (k, v) in map {
            let peril = Peril::parse(&k)
                .ok_or_else(|| anyhow::anyhow!("threat row {}: unknown peril", r.seq))?;
            l[peril.index()] = v;
        }
        p.threat.levels.insert(industry, l);
    }
    p.threat.version = format!("{}+{seq}", base.threat.version);
    Ok(p)
}

/// The model with the newest threat table, and that table's history position.
async fn current_params(state: &AppState) -> ApiResult<(ModelParams, i64)> {
    let rows = state.store().threat_rows().await?;
    let seq = rows.last().map_or(0, |r| r.seq);
    Ok((params_at(&state.params(), &rows, seq)?, seq))
}

/// What `caller` may see of a stored Assessment JSON: insurers get the loadings, nobody else.
pub fn view(mut result: Value, caller: &Caller) -> Value {
    if caller.role != Role::Insurer
        && let Some(p) = result.get_mut("premium").and_then(Value::as_object_mut)
    {
        p.remove("loadings");
    }
    result
}

/// Assess a firm profile and store the result.
#[utoipa::path(post, path = "/v1/assessments", params(RunParams),
    request_body(content = Object, description = "Firm profile (contract §4)", content_type = "application/json"),
    responses(
        (status = 201, body = AssessmentDto, description = "Stored; `premium.loadings` only for insurers"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn create_assessment(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<RunParams>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require(&[Role::Insurer, Role::Firm])?;
    let q = query(q)?;
    let cap = state.config().max_trials;
    let trials = q.trials.unwrap_or(DEFAULT_TRIALS.min(cap));
    let seed = q.seed.unwrap_or(0);
    if trials == 0 || trials > cap {
        return Err(ApiError::invalid_field(
            "trials",
            format!("must be between 1 and {cap}"),
        ));
    }
    let text = json_text(&headers, &body)?;
    let (id, result) = store_assessment(&state, &caller, text, trials, seed).await?;
    let location = HeaderValue::from_str(&format!("/v1/assessments/{id}"))
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view(result, &caller)),
    )
        .into_response())
}

/// Validates, assesses and stores a profile for `caller` with the newest threat table; returns
/// the new id and the stored (insurer-view) Assessment once it is committed.
///
/// # Errors
/// 422 for an invalid profile; 500 when the store fails.
pub async fn store_assessment(
    state: &AppState,
    caller: &Caller,
    text: String,
    trials: u64,
    seed: u64,
) -> ApiResult<(String, Value)> {
    let (params, threat_seq) = current_params(state).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let profile = FirmProfile::parse(&text, &params, today).map_err(|e| fields(e.fields()))?;
    let id = uuid::Uuid::new_v4().to_string();
    let (dto, profile) = {
        let id = id.clone();
        run(state, move || {
            let a = assess(&profile, &params, trials, seed);
            (AssessmentDto::new(id, &profile, &params, &a, true), profile)
        })
        .await?
    };
    let result = serde_json::to_value(&dto).map_err(anyhow::Error::from)?;
    let rec = AssessmentRecord {
        id: id.clone(),
        owner: caller.clone(),
        profile: text,
        model_version: dto.model_version.clone(),
        model_hash: dto.model_hash.clone(),
        threat_version: dto.threat_level_version.clone(),
        threat_seq,
        seed,
        trials,
        as_of: profile.as_of.to_string(),
        result: result.to_string(),
        created_at: timestamp(),
    };
    // Committed (WAL, synchronous=FULL on SQLite) before the 201 goes out.
    state.store().insert_assessment(&rec).await?;
    state.metrics().assessment_stored();
    Ok((id, result))
}

/// The record if `caller` may read it; 404 otherwise (never revealing that it exists).
async fn readable(state: &AppState, caller: &Caller, id: &str) -> ApiResult<AssessmentRecord> {
    caller.require(&[Role::Insurer, Role::Firm])?;
    let rec = state
        .store()
        .assessment(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if rec.owner == *caller
        || (caller.role == Role::Insurer && state.store().is_shared(id, &caller.subject).await?)
    {
        Ok(rec)
    } else {
        Err(ApiError::not_found())
    }
}

/// The model, threat table and parsed profile an assessment was made with.
async fn inputs(state: &AppState, rec: &AssessmentRecord) -> ApiResult<(ModelParams, FirmProfile)> {
    // The version it was priced with, never the one in force now.
    let Some(base) = state.model(&rec.model_version, &rec.model_hash) else {
        return Err(ApiError::status(
            StatusCode::CONFLICT,
            format!(
                "model {} is not loaded on this server; cannot re-run",
                rec.model_version
            ),
        ));
    };
    let rows = state.store().threat_rows().await?;
    let params = params_at(&base, &rows, rec.threat_seq)?;
    let as_of =
        parse_date(&rec.as_of).ok_or_else(|| anyhow::anyhow!("stored as_of is not a date"))?;
    let profile = FirmProfile::parse(&rec.profile, &params, as_of)
        .map_err(|e| anyhow::anyhow!("stored profile no longer parses: {e}"))?;
    Ok((params, profile))
}

/// A stored assessment (owner, or an insurer it was shared with).
#[utoipa::path(get, path = "/v1/assessments/{id}", params(("id" = String, Path, description = "Assessment id"), ReadParams),
    responses(
        (status = 200, body = AssessmentDto, description = "The stored result; with `recompute=true`, the re-run result and `reproduced`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn get_assessment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    q: Result<Query<ReadParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = query(q)?;
    let rec = readable(&state, &caller, &id).await?;
    let stored: Value = serde_json::from_str(&rec.result).map_err(anyhow::Error::from)?;
    if !q.recompute.unwrap_or(false) {
        return Ok(Json(view(stored, &caller)));
    }
    let (params, profile) = inputs(&state, &rec).await?;
    let (trials, seed, id2) = (rec.trials, rec.seed, rec.id.clone());
    let dto = run(&state, move || {
        let a = assess(&profile, &params, trials, seed);
        AssessmentDto::new(id2, &profile, &params, &a, true)
    })
    .await?;
    let fresh = serde_json::to_value(&dto).map_err(anyhow::Error::from)?;
    let reproduced = fresh == stored;
    if !reproduced {
        tracing::error!(id = %rec.id, "re-run assessment differs from the stored result");
    }
    let mut out = view(fresh, &caller);
    if let Some(o) = out.as_object_mut() {
        o.insert("reproduced".into(), Value::Bool(reproduced));
    }
    Ok(Json(out))
}

/// Premium impact of certifications and controls (contract §6), with the assessment's seed and
/// trials.
#[utoipa::path(get, path = "/v1/assessments/{id}/impact", params(("id" = String, Path, description = "Assessment id")),
    responses(
        (status = 200, body = ImpactDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn get_impact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ImpactDto>> {
    let rec = readable(&state, &caller, &id).await?;
    let (params, profile) = inputs(&state, &rec).await?;
    let (trials, seed) = (rec.trials, rec.seed);
    let dto = run(&state, move || {
        let i = impact(&profile, &params, trials, seed);
        ImpactDto::new(&profile, &params, &i)
    })
    .await?;
    Ok(Json(dto))
}

/// One line of the assessment list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentSummaryDto {
    /// Assessment id.
    pub id: String,
    /// Firm name.
    pub firm: String,
    /// When it was stored (RFC 3339).
    pub created_at: String,
    /// Score 0–1000.
    pub score: f64,
    /// Grade band.
    pub grade: String,
    /// Technical premium.
    pub premium: f64,
    /// Currency of the premium.
    pub currency: String,
    /// `owned` (the caller made it) or `shared` (a firm shared it with the calling insurer).
    pub access: String,
}

/// The caller's assessments, newest first: its own and, for an insurer, those shared with it.
#[utoipa::path(get, path = "/v1/assessments",
    responses(
        (status = 200, body = Vec<AssessmentSummaryDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn list_assessments(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<AssessmentSummaryDto>>> {
    caller.require(&[Role::Insurer, Role::Firm])?;
    let recs = state.store().readable_assessments(&caller).await?;
    let mut out = Vec::with_capacity(recs.len());
    for rec in recs {
        let v: Value = serde_json::from_str(&rec.result).map_err(anyhow::Error::from)?;
        out.push(AssessmentSummaryDto {
            firm: v["firm"]["name"].as_str().unwrap_or_default().to_string(),
            score: v["score"]["value"].as_f64().unwrap_or_default(),
            grade: v["score"]["grade"].as_str().unwrap_or_default().to_string(),
            premium: v["premium"]["technical"].as_f64().unwrap_or_default(),
            currency: v["currency"].as_str().unwrap_or_default().to_string(),
            access: if rec.owner == caller {
                "owned"
            } else {
                "shared"
            }
            .into(),
            id: rec.id,
            created_at: rec.created_at,
        });
    }
    Ok(Json(out))
}

/// The loss-exceedance chart of an assessment (gross and insured, log-scale loss axis), drawn
/// from a re-run of its stored inputs with its seed and trials (the same years as the stored
/// result).
#[utoipa::path(get, path = "/v1/assessments/{id}/exceedance.svg", params(("id" = String, Path, description = "Assessment id")),
    responses(
        (status = 200, description = "SVG document", content_type = "image/svg+xml"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The assessment's model is not loaded"),
    ),
    security(("bearer" = [])))]
async fn get_exceedance(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let rec = readable(&state, &caller, &id).await?;
    let (params, profile) = inputs(&state, &rec).await?;
    let (trials, seed) = (rec.trials, rec.seed);
    let svg = run(&state, move || {
        let a = assess(&profile, &params, trials, seed);
        crate::web::exceedance_svg(
            a.simulation.gross(),
            a.simulation.insured(),
            &profile.currency,
            &profile.name,
        )
    })
    .await?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}

/// Body of a what-if: changes to the stored profile, each optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    /// Schemes whose certificate is removed.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Schemes whose certificate lapses on the valuation date.
    #[serde(default)]
    pub lapse: Vec<String>,
    /// CSF functions set to a maturity level 0–5.
    #[serde(default)]
    pub maturity: BTreeMap<String, u8>,
}

/// A re-priced profile (not stored).
#[derive(Debug, Serialize, ToSchema)]
pub struct WhatIfDto {
    /// The assessment changed.
    pub assessment: String,
    /// Seed (the assessment's).
    pub seed: u64,
    /// Simulated years (the assessment's).
    pub trials: u64,
    /// Currency of the premiums.
    pub currency: String,
    /// The changes, as `remove:<scheme>`, `lapse:<scheme>`, `maturity:<function>=<level>`.
    pub changes: Vec<String>,
    /// Technical premium with the changes.
    pub premium: f64,
    /// Its standard error.
    pub premium_std_error: f64,
    /// The stored technical premium.
    pub current_premium: f64,
    /// premium − current premium (same seed and trials: common random numbers).
    pub delta: f64,
    /// Score with the changes.
    pub score: f64,
    /// Grade with the changes.
    pub grade: String,
    /// The stored score.
    pub current_score: f64,
}

/// Re-price an assessment's profile with certificates removed or lapsed or maturity levels
/// changed, with its seed and trials; nothing is stored.
#[utoipa::path(post, path = "/v1/assessments/{id}/what-if", params(("id" = String, Path, description = "Assessment id")),
    request_body(content = WhatIfRequest, content_type = "application/json"),
    responses(
        (status = 200, body = WhatIfDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn what_if(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WhatIfDto>> {
    let rec = readable(&state, &caller, &id).await?;
    let text = json_text(&headers, &body)?;
    let req: WhatIfRequest =
        serde_json::from_str(&text).map_err(|e| ApiError::invalid_field("body", e.to_string()))?;
    let (params, mut profile) = inputs(&state, &rec).await?;
    let mut errors = Vec::new();
    let mut changes = Vec::new();
    let held = |p: &FirmProfile, s: &str| {
        Scheme::parse(s).and_then(|sc| p.certifications.iter().position(|c| c.scheme == sc))
    };
    for (k, s) in req.remove.iter().enumerate() {
        match held(&profile, s) {
            Some(i) => {
                profile.certifications.remove(i);
                changes.push(format!("remove:{s}"));
            }
            None => errors.push(FieldProblem {
                field: format!("remove[{k}]"),
                message: "not a certificate of this profile".into(),
            }),
        }
    }
    for (k, s) in req.lapse.iter().enumerate() {
        match held(&profile, s) {
            Some(i) => {
                let as_of = profile.as_of;
                let c = &mut profile.certifications[i];
                c.status = Status::Lapsed;
                c.expires = Some(as_of);
                changes.push(format!("lapse:{s}"));
            }
            None => errors.push(FieldProblem {
                field: format!("lapse[{k}]"),
                message: "not a certificate of this profile (or removed)".into(),
            }),
        }
    }
    for (f, &level) in &req.maturity {
        match Function::parse(f) {
            Some(func) if level <= 5 => {
                profile.maturity[func.index()] = Some(level);
                changes.push(format!("maturity:{f}={level}"));
            }
            Some(_) => errors.push(FieldProblem {
                field: format!("maturity.{f}"),
                message: "must be an integer 0-5".into(),
            }),
            None => errors.push(FieldProblem {
                field: format!("maturity.{f}"),
                message: "unknown CSF function".into(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let stored: Value = serde_json::from_str(&rec.result).map_err(anyhow::Error::from)?;
    let current_premium = stored["premium"]["technical"].as_f64().unwrap_or_default();
    let current_score = stored["score"]["value"].as_f64().unwrap_or_default();
    let (trials, seed) = (rec.trials, rec.seed);
    let currency = profile.currency.clone();
    let a = run(&state, move || assess(&profile, &params, trials, seed)).await?;
    Ok(Json(WhatIfDto {
        assessment: rec.id,
        seed,
        trials,
        currency,
        changes,
        premium: a.premium.technical,
        premium_std_error: a.premium.technical_std_error,
        current_premium,
        delta: a.premium.technical - current_premium,
        score: a.score.value,
        grade: a.score.grade.clone(),
        current_score,
    }))
}

/// A grant of read access.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareDto {
    /// Assessment id.
    pub assessment: String,
    /// The insurer's subject.
    pub insurer: String,
    /// The firm that granted it.
    pub granted_by: String,
}

/// Body of a grant: `{"insurer": "<subject>"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// The insurer's subject.
    pub insurer: String,
}

/// The assessment if `caller` is its owning firm (403 for other roles, 404 for other firms).
async fn owned_by_firm(state: &AppState, caller: &Caller, id: &str) -> ApiResult<AssessmentRecord> {
    caller.require(&[Role::Firm])?;
    match state.store().assessment(id).await? {
        Some(rec) if rec.owner == *caller => Ok(rec),
        _ => Err(ApiError::not_found()),
    }
}

/// A JSON object body with exactly the listed fields (400 if not JSON, 422 otherwise).
fn object(
    headers: &HeaderMap,
    body: &Bytes,
    allowed: &[&str],
) -> ApiResult<serde_json::Map<String, Value>> {
    let text = json_text(headers, body)?;
    let Value::Object(o) = serde_json::from_str(&text).map_err(anyhow::Error::from)? else {
        return Err(ApiError::invalid_field("body", "must be a JSON object"));
    };
    let unknown: Vec<FieldProblem> = o
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| FieldProblem {
            field: k.clone(),
            message: "unknown field".into(),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::invalid(unknown));
    }
    Ok(o)
}

/// Let an insurer read this assessment (the owning firm only).
#[utoipa::path(post, path = "/v1/assessments/{id}/shares", params(("id" = String, Path, description = "Assessment id")),
    request_body(content = ShareRequest, content_type = "application/json"),
    responses(
        (status = 201, body = ShareDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn grant_share(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ShareDto>)> {
    let rec = owned_by_firm(&state, &caller, &id).await?;
    let o = object(&headers, &body, &["insurer"])?;
    let insurer = match o.get("insurer") {
        Some(Value::String(s)) if valid_subject(s) => s.clone(),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "insurer",
                "must be 1-128 characters of A-Z a-z 0-9 . _ - @ :",
            ));
        }
        None => return Err(ApiError::invalid_field("insurer", "is required")),
    };
    state
        .store()
        .grant(&rec.id, &insurer, &caller.subject)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ShareDto {
            assessment: rec.id,
            insurer,
            granted_by: caller.subject,
        }),
    ))
}

/// Withdraw an insurer's access (the owning firm only).
#[utoipa::path(delete, path = "/v1/assessments/{id}/shares/{insurer}",
    params(("id" = String, Path, description = "Assessment id"), ("insurer" = String, Path, description = "Insurer subject")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such assessment or no such share"),
    ),
    security(("bearer" = [])))]
async fn revoke_share(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, insurer)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let rec = owned_by_firm(&state, &caller, &id).await?;
    if state.store().revoke(&rec.id, &insurer).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// A model version the service runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelDto {
    /// `name-version`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Semantic version.
    pub version: String,
    /// First 16 hex digits of the SHA-256 of the file.
    pub hash: String,
    /// Base currency.
    pub base_currency: String,
    /// Version of the sector threat table new assessments use with it.
    pub threat_level_version: String,
    /// New assessments use this version (the newest published, else the built-in one).
    pub in_force: bool,
    /// `built-in` or `published`.
    pub origin: String,
    /// Admin who published it (published versions).
    pub published_by: Option<String>,
    /// When (RFC 3339; published versions).
    pub published_at: Option<String>,
    /// The claims data it was calibrated on (versions made by `risk calibrate`).
    #[schema(value_type = Option<Object>)]
    pub calibration: Option<risk_core::model::params::Calibration>,
}

impl ModelDto {
    fn new(
        p: &ModelParams,
        row: Option<&crate::store::ModelRow>,
        threat_version: String,
        in_force: bool,
    ) -> Self {
        ModelDto {
            id: p.id(),
            name: p.name.clone(),
            version: p.version.clone(),
            hash: p.hash.clone(),
            base_currency: p.base_currency.clone(),
            threat_level_version: threat_version,
            in_force,
            origin: if row.is_some() {
                "published"
            } else {
                "built-in"
            }
            .into(),
            published_by: row.map(|r| r.published_by.clone()),
            published_at: row.map(|r| r.published_at.clone()),
            calibration: p.calibration.clone(),
        }
    }
}

/// Model versions, oldest first (any authenticated caller).
#[utoipa::path(get, path = "/v1/models",
    responses(
        (status = 200, body = Vec<ModelDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn models(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Vec<ModelDto>>> {
    let rows = state.store().threat_rows().await?;
    let seq = rows.last().map_or(0, |r| r.seq);
    let in_force = state.params();
    Ok(Json(
        state
            .model_list()
            .iter()
            .map(|(row, p)| {
                let threat = params_at(p, &rows, seq)
                    .map_or_else(|_| p.threat.version.clone(), |q| q.threat.version.clone());
                let current = p.id() == in_force.id() && p.hash == in_force.hash;
                ModelDto::new(p, row.as_ref(), threat, current)
            })
            .collect(),
    ))
}

/// Largest model file accepted.
const MAX_MODEL_BYTES: usize = 512 * 1024;

/// Publish a model version (admin): the TOML file `risk calibrate` wrote (or any file the model
/// loader accepts). It is in force for new assessments from now on; stored assessments keep the
/// version they were priced with. Publishing the same file again is a no-op (200).
#[utoipa::path(post, path = "/v1/models",
    request_body(content = String, content_type = "text/plain", description = "Model file (TOML text; sent as text/plain or application/toml)"),
    responses(
        (status = 201, body = ModelDto, description = "Published and in force"),
        (status = 200, body = ModelDto, description = "This exact file was already published"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn publish_model(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ModelDto>)> {
    caller.require(&[Role::Admin])?;
    if body.len() > MAX_MODEL_BYTES {
        return Err(ApiError::status(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("model files are at most {MAX_MODEL_BYTES} bytes"),
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::status(StatusCode::BAD_REQUEST, "body: must be UTF-8 TOML"))?
        .to_string();
    let params = match ModelParams::parse(&text) {
        Ok(p) => p,
        Err(risk_core::model::ParamsError::Invalid(errors)) => {
            return Err(ApiError::invalid(
                errors
                    .into_iter()
                    .map(|e| FieldProblem {
                        field: e.field.clone(),
                        message: e.message.clone(),
                    })
                    .collect(),
            ));
        }
        Err(e) => return Err(ApiError::status(StatusCode::BAD_REQUEST, e.to_string())),
    };
    let rows = state.store().threat_rows().await?;
    let threat = params_at(&params, &rows, rows.last().map_or(0, |r| r.seq))?
        .threat
        .version;
    if let Some((row, known)) = state
        .model_list()
        .into_iter()
        .find(|(_, p)| p.id() == params.id())
    {
        if known.hash == params.hash {
            let in_force = state.params().hash == params.hash;
            return Ok((
                StatusCode::OK,
                Json(ModelDto::new(&known, row.as_ref(), threat, in_force)),
            ));
        }
        return Err(ApiError::status(
            StatusCode::CONFLICT,
            format!(
                "model {} is already published with another file (hash {}); publish it under a new version",
                params.id(),
                known.hash
            ),
        ));
    }
    let row = crate::store::ModelRow {
        id: params.id(),
        hash: params.hash.clone(),
        body: text,
        published_by: caller.subject.clone(),
        published_at: crate::store::now(),
    };
    if !state.store().insert_model(&row).await? {
        return Err(ApiError::status(
            StatusCode::CONFLICT,
            format!("model {} was published concurrently", row.id),
        ));
    }
    tracing::info!(model = %row.id, hash = %row.hash, by = %caller.subject, "model published");
    let dto = ModelDto::new(&params, Some(&row), threat, true);
    state.add_model(row, params);
    Ok((StatusCode::CREATED, Json(dto)))
}

/// Body of a threat-level publication.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreatLevelRequest {
    /// Frequency multiplier per peril, each in [0.1, 10]; perils not listed are 1.0.
    pub levels: BTreeMap<String, f64>,
    /// Where the levels come from (advisory reference).
    pub source: String,
}

/// A published threat level.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatLevelDto {
    /// Industry.
    pub industry: String,
    /// Threat-table version new assessments record from now on.
    pub version: String,
    /// Position in the publication history.
    pub seq: i64,
    /// Frequency multiplier per peril.
    pub levels: BTreeMap<String, f64>,
    /// Where the levels come from.
    pub source: String,
    /// Admin who published it.
    pub published_by: String,
    /// When (RFC 3339).
    pub published_at: String,
}

/// Publish a sector's threat levels (admin); later assessments use and record them.
#[utoipa::path(put, path = "/v1/threat-levels/{industry}", params(("industry" = String, Path, description = "Industry (contract §4)")),
    request_body(content = ThreatLevelRequest, content_type = "application/json"),
    responses(
        (status = 200, body = ThreatLevelDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn put_threat_level(
    State(state): State<AppState>,
    caller: Caller,
    Path(industry): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ThreatLevelDto>> {
    caller.require(&[Role::Admin])?;
    let o = object(&headers, &body, &["levels", "source"])?;
    let mut errors = Vec::new();
    let mut bad = |field: String, message: &str| {
        errors.push(FieldProblem {
            field,
            message: message.into(),
        });
    };
    if Industry::parse(&industry).is_none() {
        bad("industry".into(), "unknown industry");
    }
    let mut levels = BTreeMap::new();
    match o.get("levels") {
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let path = format!("levels.{k}");
                if Peril::parse(k).is_none() {
                    bad(path, "unknown peril");
                } else {
                    match v.as_f64() {
                        Some(x) if (0.1..=10.0).contains(&x) => {
                            levels.insert(k.clone(), x);
                        }
                        _ => bad(path, "must be a number in [0.1, 10]"),
                    }
                }
            }
        }
        Some(_) => bad("levels".into(), "must be an object of peril: multiplier"),
        None => bad("levels".into(), "is required"),
    }
    let source = match o.get("source") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 2000 => s.clone(),
        _ => {
            bad(
                "source".into(),
                "must be a non-empty string of at most 2000 bytes",
            );
            String::new()
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let levels_json = serde_json::to_string(&levels).map_err(anyhow::Error::from)?;
    let row = state
        .store()
        .publish_threat(&industry, &levels_json, &source, &caller.subject)
        .await?;
    tracing::info!(industry = %industry, seq = row.seq, by = %caller.subject, "threat level published");
    Ok(Json(ThreatLevelDto {
        industry,
        version: format!("{}+{}", state.params().threat.version, row.seq),
        seq: row.seq,
        levels,
        source,
        published_by: row.published_by,
        published_at: row.published_at,
    }))
}

/// Most policies one HTTP portfolio job may hold (the command line takes up to 1,000,000).
pub const MAX_JOB_POLICIES: usize = 20_000;
/// Most simulated years one HTTP portfolio job may ask for.
pub const MAX_JOB_TRIALS: u64 = 20_000;
/// Default simulated years of a portfolio job.
pub const DEFAULT_JOB_TRIALS: u64 = 5_000;
/// Most policy-years (policies × trials) one job may ask for.
pub const MAX_JOB_POLICY_YEARS: f64 = 1.0e8;

/// A portfolio job (contract §8): its status and, once done, its PortfolioReport.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioJobDto {
    /// Job id.
    pub id: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Policies in the file.
    pub policies: i64,
    /// Simulated years.
    pub trials: i64,
    /// Seed.
    pub seed: String,
    /// When it was accepted.
    pub created_at: String,
    /// Last status change.
    pub updated_at: String,
    /// The PortfolioReport (contract §7) once done.
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Value>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl PortfolioJobDto {
    fn new(j: crate::store::PortfolioJob) -> ApiResult<Self> {
        let report = j
            .report
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(|e| ApiError::Internal(e.into()))?;
        Ok(PortfolioJobDto {
            id: j.id,
            status: j.status,
            policies: j.policies,
            trials: j.trials,
            seed: j.seed,
            created_at: j.created_at,
            updated_at: j.updated_at,
            report,
            error: j.error,
        })
    }
}

/// Submits a portfolio (CSV with a header row, or Parquet; contract §7 columns) as a job.
///
/// The file is validated before the job is accepted (422 naming the row and column); the job row
/// is committed before the 202; the run then uses the model's common shocks, the query's trials
/// and seed, and the same engine as `risk portfolio`.
#[utoipa::path(post, path = "/v1/portfolios",
    params(RunParams),
    request_body(content = String, description = "Portfolio file: text/csv or application/vnd.apache.parquet", content_type = "text/csv"),
    responses(
        (status = 202, body = PortfolioJobDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn portfolios(
    State(state): State<AppState>,
    caller: Caller,
    q: Result<Query<RunParams>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    use crate::portfolio_io::{FileKind, model_shocks, read_policies_bytes};
    caller.require(&[Role::Insurer])?;
    let q = query(q)?;
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let kind = match mime.as_str() {
        "text/csv" => FileKind::Csv,
        "application/vnd.apache.parquet" | "application/octet-stream" => FileKind::Parquet,
        _ => {
            return Err(ApiError::status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the body must be text/csv or application/vnd.apache.parquet",
            ));
        }
    };
    let trials = q.trials.unwrap_or(DEFAULT_JOB_TRIALS);
    let seed = q.seed.unwrap_or(0);
    if trials == 0 || trials > MAX_JOB_TRIALS {
        return Err(ApiError::invalid_field(
            "trials",
            format!("must be between 1 and {MAX_JOB_TRIALS}"),
        ));
    }
    let params = state.params().clone();
    let today = time::OffsetDateTime::now_utc().date();
    let parsed = run(&state, move || {
        read_policies_bytes(&body, kind, &params, today).map(|p| (p, model_shocks(&params)))
    })
    .await?;
    let (policies, shocks) = parsed.map_err(|m| ApiError::invalid_field("body", m))?;
    if policies.len() > MAX_JOB_POLICIES {
        return Err(ApiError::invalid_field(
            "body",
            format!(
                "{} policies exceed the cap of {MAX_JOB_POLICIES}",
                policies.len()
            ),
        ));
    }
    if policies.len() as f64 * trials as f64 > MAX_JOB_POLICY_YEARS {
        return Err(ApiError::invalid_field(
            "trials",
            format!(
                "{trials} years x {} policies exceed {MAX_JOB_POLICY_YEARS:e} policy-years",
                policies.len()
            ),
        ));
    }
    let portfolio = risk_core::portfolio::Portfolio::new(policies, shocks)
        .map_err(|e| ApiError::invalid_field("body", e.to_string()))?;
    let now = timestamp();
    let job = crate::store::PortfolioJob {
        id: uuid::Uuid::new_v4().to_string(),
        owner_subject: caller.subject.clone(),
        status: "queued".into(),
        policies: portfolio.policies().len() as i64,
        trials: trials as i64,
        seed: seed.to_string(),
        report: None,
        error: None,
        created_at: now.clone(),
        updated_at: now,
    };
    state.store().insert_job(&job).await?;
    let id = job.id.clone();
    let bg = state.clone();
    tokio::spawn(async move {
        let store = bg.store().clone();
        if let Err(e) = store.update_job(&id, "running", None, None).await {
            tracing::error!(job = %id, error = %e, "cannot mark portfolio job running");
            return;
        }
        let out = run_job(&bg, move || {
            crate::cli::whole_portfolio_report(&portfolio, trials, seed, &|_| {})
        })
        .await;
        let res = match out.map(|r| serde_json::to_string(&r)) {
            Ok(Ok(json)) => store.update_job(&id, "done", Some(json), None).await,
            Ok(Err(e)) => {
                store
                    .update_job(&id, "failed", None, Some(format!("report: {e}")))
                    .await
            }
            Err(_) => {
                tracing::error!(job = %id, "portfolio job failed");
                store
                    .update_job(&id, "failed", None, Some("internal error".into()))
                    .await
            }
        };
        if let Err(e) = res {
            tracing::error!(job = %id, error = %e, "cannot record the portfolio job's outcome");
        }
    });
    let location = format!("/v1/portfolios/{}", job.id);
    let mut res = (StatusCode::ACCEPTED, Json(PortfolioJobDto::new(job)?)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// A portfolio job's status and, once done, its report; only the insurer that submitted it.
#[utoipa::path(get, path = "/v1/portfolios/{id}",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, body = PortfolioJobDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn get_portfolio(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<PortfolioJobDto>> {
    caller.require(&[Role::Insurer])?;
    match state.store().job(&id).await? {
        Some(j) if j.owner_subject == caller.subject => Ok(Json(PortfolioJobDto::new(j)?)),
        _ => Err(ApiError::not_found()),
    }
}
