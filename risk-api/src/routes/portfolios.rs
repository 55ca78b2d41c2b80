//! Portfolio jobs: `POST /v1/portfolios` (CSV or Parquet; 202 and a background run) and
//! `GET /v1/portfolios/{id}` (its status and, once done, its PortfolioReport).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::assessments::RunParams;
use super::doc::{BadRequest, Invalid, ObjectGuarded, RoleGuarded, TooLarge, UnsupportedMedia};
use super::extract::{AppQuery, media_type};
use super::page::{Cursor, Page, PageParams};
use super::run;
use crate::app::AppState;
use crate::auth::Insurer;
use crate::portfolio_io::{FileKind, count_rows, model_shocks, read_policies_bytes};
use crate::problem::{ApiError, ApiResult};
use crate::store::{JobInput, PortfolioJob, timestamp};

/// Most policies one HTTP portfolio job may hold (the command line takes up to 1,000,000).
pub const MAX_JOB_POLICIES: usize = 20_000;
/// Most simulated years one HTTP portfolio job may ask for.
pub const MAX_JOB_TRIALS: u64 = 20_000;
/// Default simulated years of a portfolio job.
pub const DEFAULT_JOB_TRIALS: u64 = 5_000;
/// Most policy-years (policies × trials) one job may ask for.
pub const MAX_JOB_POLICY_YEARS: f64 = 1.0e8;
/// Most expected events (trials × Σ over policies of the expected annual event count) one job may
/// ask for. At the engine's ~80M events/s on this 2-core machine (BENCHMARKS.md, Monte Carlo W1,
/// 2 threads) 2e9 events are ~25 s of sampling, a few minutes at most with per-policy terms;
/// before this cap a 20,000-row file of frequency 1e6 at the 5,000 trials the policy-year cap
/// allows was 1e14 events, about two weeks of a simulation slot.
pub const MAX_JOB_EXPECTED_EVENTS: f64 = 2.0e9;

/// Σ over policies of the expected annual event count (every peril's frequency mean).
fn expected_annual_events(policies: &[risk_core::portfolio::Policy]) -> f64 {
    policies
        .iter()
        .flat_map(|p| p.model.perils())
        .map(|k| k.frequency().mean())
        .sum()
}

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
    fn new(j: PortfolioJob) -> ApiResult<Self> {
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
    responses((status = 202, body = PortfolioJobDto, description = "Accepted; `Location` names the job"), RoleGuarded, TooLarge, UnsupportedMedia, Invalid),
    security(("bearer" = ["insurer"])))]
pub async fn portfolios(
    State(state): State<AppState>,
    Insurer(caller): Insurer,
    AppQuery(q): AppQuery<RunParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let mime = media_type(&headers);
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
    let rows = count_rows(&body, kind).map_err(|m| ApiError::invalid_field("body", m))?;
    if rows > MAX_JOB_POLICIES {
        return Err(ApiError::invalid_field(
            "body",
            format!("{rows} policies exceed the cap of {MAX_JOB_POLICIES}"),
        ));
    }
    // The model in force with the threat table in force: the job records its version.
    let (model, threat_seq) = super::assessments::current_params(&state).await?;
    let model = std::sync::Arc::new(model);
    let params = model.clone();
    let body_copy = body.clone();
    let today = time::OffsetDateTime::now_utc().date();
    let parsed = run(&state, &caller, move || {
        read_policies_bytes(&body, kind, &params, today).map(|p| {
            let ids = crate::suppliers_io::named(&p);
            let shocks =
                crate::suppliers_io::book_shocks(&params, model_shocks(&params), &ids, &[], today);
            (p, shocks)
        })
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
    let events = trials as f64 * expected_annual_events(&policies);
    if events > MAX_JOB_EXPECTED_EVENTS {
        return Err(ApiError::invalid_field(
            "trials",
            format!(
                "{trials} years x {:.4e} expected events a year = {events:.4e} expected events exceed {MAX_JOB_EXPECTED_EVENTS:e}",
                events / trials as f64
            ),
        ));
    }
    let portfolio = risk_core::portfolio::Portfolio::new(policies, shocks)
        .map_err(|e| ApiError::invalid_field("body", e.to_string()))?;
    let now = timestamp();
    let job = PortfolioJob {
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
    // The file as sent and what it was validated with: any replica's worker can run it.
    let input = JobInput {
        body: body_copy.to_vec(),
        kind: match kind {
            FileKind::Csv => "csv",
            FileKind::Parquet => "parquet",
        }
        .into(),
        model_version: model.id(),
        model_hash: model.hash.clone(),
        accepted_on: today.to_string(),
        threat_seq,
    };
    state.store().insert_job(&job, &input).await?;
    state.jobs().start(&state);
    let location = format!("/v1/portfolios/{}", job.id);
    let mut res = (StatusCode::ACCEPTED, Json(PortfolioJobDto::new(job)?)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// One page of the caller's portfolio jobs.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioJobPage {
    /// At most `limit` jobs, newest first, without their reports (read each with
    /// `GET /v1/portfolios/{id}`).
    pub items: Vec<PortfolioJobDto>,
    /// Cursor of the next page (pass it as `after`); `null` on the last page.
    pub next: Option<String>,
}

/// The calling insurer's portfolio jobs, newest first, a page at a time (contract §15).
#[utoipa::path(get, path = "/v1/portfolios", params(PageParams),
    responses((status = 200, body = PortfolioJobPage, description = "A page of the caller's portfolio jobs, newest first; follow `next` for the rest"), BadRequest, RoleGuarded, Invalid),
    security(("bearer" = ["insurer"])))]
pub async fn list_portfolios(
    State(state): State<AppState>,
    Insurer(caller): Insurer,
    page: Page,
) -> ApiResult<Json<PortfolioJobPage>> {
    let after = page.after_key();
    let jobs = state
        .store()
        .jobs_of(&caller.subject, after, page.limit + 1)
        .await?;
    let (jobs, next) = page.split(jobs, |j| Cursor {
        created_at: j.created_at.clone(),
        id: j.id.clone(),
    });
    let items = jobs
        .into_iter()
        .map(PortfolioJobDto::new)
        .collect::<ApiResult<_>>()?;
    Ok(Json(PortfolioJobPage { items, next }))
}

/// A portfolio job's status and, once done, its report; only the insurer that submitted it.
#[utoipa::path(get, path = "/v1/portfolios/{id}",
    params(("id" = String, Path, description = "Job id")),
    responses((status = 200, body = PortfolioJobDto, description = "The job's status and, once done, its report"), ObjectGuarded),
    security(("bearer" = ["insurer"])))]
pub async fn get_portfolio(
    State(state): State<AppState>,
    Insurer(caller): Insurer,
    Path(id): Path<String>,
) -> ApiResult<Json<PortfolioJobDto>> {
    match state.store().job(&id).await? {
        Some(j) if j.owner_subject == caller.subject => Ok(Json(PortfolioJobDto::new(j)?)),
        _ => Err(ApiError::not_found()),
    }
}

/// One ORD result table of a done portfolio job as CSV (`ept`, `alt`, `plt`, `elt`,
/// `summary-info`; the bytes `risk portfolio --ord` writes for the same book, trials and seed);
/// only the insurer that submitted it. 409 while the job is not done.
#[utoipa::path(get, path = "/v1/portfolios/{id}/ord/{table}",
    params(("id" = String, Path, description = "Job id"),
           ("table" = String, Path, description = "`ept.csv`, `alt.csv`, `plt.csv`, `elt.csv` or `summary-info.csv`")),
    responses((status = 200, content_type = "text/csv", body = String, description = "The ORD table (CSV with a header row)"),
        (status = 409, description = "The job is not done", body = crate::problem::Problem, content_type = "application/problem+json"),
        ObjectGuarded),
    security(("bearer" = ["insurer"])))]
pub async fn get_ord_table(
    State(state): State<AppState>,
    Insurer(caller): Insurer,
    Path((id, table)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let job = match state.store().job(&id).await? {
        Some(j) if j.owner_subject == caller.subject => j,
        _ => return Err(ApiError::not_found()),
    };
    let name = table.strip_suffix(".csv").unwrap_or("");
    if !crate::ord::TABLES.contains(&name) {
        return Err(ApiError::not_found());
    }
    if job.status != "done" {
        return Err(ApiError::status(
            axum::http::StatusCode::CONFLICT,
            format!(
                "the job is {}; its results are read once it is done",
                job.status
            ),
        ));
    }
    let tables: std::collections::BTreeMap<String, String> =
        match state.store().job_ord(&id).await? {
            Some(text) => serde_json::from_str(&text).map_err(anyhow::Error::from)?,
            None => return Err(ApiError::not_found()),
        };
    let csv = tables.get(name).cloned().ok_or_else(ApiError::not_found)?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        csv,
    )
        .into_response())
}
