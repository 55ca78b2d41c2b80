//! Assessments: create (`POST /v1/assessments`), list, read (optionally re-run), premium impact
//! and the loss-exceedance chart; the stored inputs and how they are re-run.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use risk_core::model::LossModel;
use risk_core::params::ModelParams;
use risk_core::params::parse_date;
use risk_core::pricing::assess;
use risk_core::pricing::impact;
use risk_core::profile::FirmProfile;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::doc::{BadRequest, Invalid, ObjectGuarded, RoleGuarded, TooLarge, UnsupportedMedia};
use super::extract::{AppQuery, JsonText, ReadableAssessment};
use super::page::{Cursor, Page, PageParams};
use super::registry::{bind_and_verify, verify_stored};
use super::{field_errors, run};
use crate::app::AppState;
use crate::auth::{Caller, InsurerOrFirm};
use crate::dto::firm::{AssessmentDto, ImpactDto};
use crate::dto::input::FirmProfileBody;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::store::{AssessmentRecord, ThreatRow, timestamp};

/// Default simulated years of an assessment (contract §5).
pub const DEFAULT_TRIALS: u64 = 100_000;

/// Simulation settings of an assessment.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    /// Simulated years (default 100000; at most the service's cap, 1000000 by default).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub trials: Option<u64>,
    /// Seed of the random streams (default 0).
    pub seed: Option<u64>,
}

/// The validated settings of a new assessment: the query (400) with its trials within the
/// service's cap (422), checked before the body is read.
#[derive(Debug, Clone, Copy)]
pub struct AssessmentRun {
    /// Simulated years.
    pub trials: u64,
    /// Seed.
    pub seed: u64,
}

impl FromRequestParts<AppState> for AssessmentRun {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let AppQuery(q) = AppQuery::<RunParams>::from_request_parts(parts, state).await?;
        let cap = state.config().max_trials;
        let trials = q.trials.unwrap_or(DEFAULT_TRIALS.min(cap));
        if trials == 0 || trials > cap {
            return Err(ApiError::invalid_field(
                "trials",
                format!("must be between 1 and {cap}"),
            ));
        }
        Ok(AssessmentRun {
            trials,
            seed: q.seed.unwrap_or(0),
        })
    }
}

/// Options of a read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReadParams {
    /// Re-run the assessment from its stored inputs, seed, trials, model and threat-table
    /// versions; the answer carries `reproduced: true` when it equals the stored result.
    pub recompute: Option<bool>,
}

/// The model with the threat table in force at history position `seq` (0: the model file's),
/// read from that version's own row (`routes::sharing`).
///
/// # Errors
/// A stored threat row that no longer parses.
pub fn params_at(base: &ModelParams, rows: &[ThreatRow], seq: i64) -> anyhow::Result<ModelParams> {
    super::sharing::model_at(base, rows, seq)
}

/// The model with the threat table in force now (brought up to the clock first), and that
/// table's history position.
pub(super) async fn current_params(state: &AppState) -> ApiResult<(ModelParams, i64)> {
    super::sharing::refresh(state).await?;
    let rows = state.store().threat_rows().await?;
    let seq = rows.last().map_or(0, |r| r.seq);
    Ok((params_at(&state.params(), &rows, seq)?, seq))
}

/// An Assessment as `caller` may see it, as JSON. It goes out as a JSON value (object keys in
/// sorted order) so responses are byte for byte what they were when results were kept as JSON.
///
/// # Errors
/// Serialisation failures (none in practice).
pub fn view(dto: AssessmentDto, caller: &Caller) -> ApiResult<Value> {
    Ok(serde_json::to_value(dto.view(caller.role)).map_err(anyhow::Error::from)?)
}

/// Assess a firm profile and store the result.
#[utoipa::path(post, path = "/v1/assessments", params(RunParams),
    request_body(content = FirmProfileBody, description = "Firm profile (contract §4)", content_type = "application/json"),
    responses(
        (status = 201, body = AssessmentDto, description = "Stored; `premium.loadings` only for insurers"),
        BadRequest, RoleGuarded, TooLarge, UnsupportedMedia, Invalid,
    ),
    security(("bearer" = ["insurer", "firm"])))]
pub async fn create_assessment(
    State(state): State<AppState>,
    InsurerOrFirm(caller): InsurerOrFirm,
    run: AssessmentRun,
    JsonText(text): JsonText,
) -> ApiResult<Response> {
    let (id, result) = store_assessment(&state, &caller, text, run.trials, run.seed).await?;
    let location = HeaderValue::from_str(&format!("/v1/assessments/{id}"))
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view(result, &caller)?),
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
) -> ApiResult<(String, AssessmentDto)> {
    let (params, threat_seq) = current_params(state).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut profile =
        FirmProfile::parse(&text, &params, today).map_err(|e| field_errors(e.fields()))?;
    let verification = bind_and_verify(state, caller, &mut profile).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let (dto, profile) = {
        let id = id.clone();
        run(state, caller, move || {
            let a = assess(&profile, &params, trials, seed);
            (AssessmentDto::new(id, &profile, &params, &a, true), profile)
        })
        .await?
    };
    let rec = AssessmentRecord {
        id: id.clone(),
        owner: caller.clone(),
        profile: text,
        model_version: dto.model_version.clone(),
        model_hash: dto.model_hash.clone(),
        threat_version: dto.threat_level_version.clone(),
        threat_seq,
        registry_seq: verification.position,
        seed,
        trials,
        as_of: profile.as_of.to_string(),
        result: serde_json::to_string(&dto).map_err(anyhow::Error::from)?,
        created_at: timestamp(),
    };
    // Committed (WAL, synchronous=FULL on SQLite) before the 201 goes out.
    state
        .store()
        .insert_assessment_relying(&rec, &verification.relied_on)
        .await?;
    state.metrics().assessment_stored();
    Ok((id, dto))
}

/// The model, threat table, parsed profile and registry facts an assessment was made with.
pub(super) async fn inputs(
    state: &AppState,
    rec: &AssessmentRecord,
) -> ApiResult<(ModelParams, FirmProfile)> {
    let base = stored_model(state, rec)?;
    let rows = state.store().threat_rows().await?;
    let params = params_at(&base, &rows, rec.threat_seq)?;
    let mut profile = stored_profile(rec, &params)?;
    verify_stored(state, rec, &mut profile, rec.registry_seq).await?;
    Ok((params, profile))
}

/// The model a stored assessment was priced with (never the one in force now).
fn stored_model(state: &AppState, rec: &AssessmentRecord) -> ApiResult<Arc<ModelParams>> {
    state
        .model(&rec.model_version, &rec.model_hash)
        .ok_or_else(|| {
            ApiError::status(
                StatusCode::CONFLICT,
                format!(
                    "model {} is not loaded on this server; cannot re-run",
                    rec.model_version
                ),
            )
        })
}

/// A stored assessment's model with the newest threat table: what re-pricing it now uses.
///
/// # Errors
/// 409 when its model is no longer loaded; database failures.
pub(super) async fn current_params_for(
    state: &AppState,
    rec: &AssessmentRecord,
) -> ApiResult<ModelParams> {
    let base = stored_model(state, rec)?;
    let rows = state.store().threat_rows().await?;
    let seq = rows.last().map_or(0, |r| r.seq);
    Ok(params_at(&base, &rows, seq)?)
}

/// A stored assessment's model and profile with the threat table in force now (brought up to
/// the clock first) and the registry's newest facts about the certificates it relied on: what
/// its impact table and what-ifs price with, so they answer "what would this cost now" (the
/// stored result and `?recompute=true` keep the versions it recorded).
///
/// # Errors
/// As [`current_params_for`], [`stored_profile`] and [`verify_stored`].
pub(super) async fn inputs_now(
    state: &AppState,
    rec: &AssessmentRecord,
) -> ApiResult<(ModelParams, FirmProfile)> {
    super::sharing::refresh(state).await?;
    let params = current_params_for(state, rec).await?;
    let mut profile = stored_profile(rec, &params)?;
    let position = state.store().registry_position().await?;
    verify_stored(state, rec, &mut profile, position).await?;
    Ok((params, profile))
}

/// A stored assessment's profile, parsed at its stored valuation date (as sent: no firm-key
/// binding or registry facts yet, see [`super::registry::verify_stored`]).
///
/// # Errors
/// When the stored inputs no longer parse (500: the store holds only what once parsed).
pub(super) fn stored_profile(
    rec: &AssessmentRecord,
    params: &ModelParams,
) -> ApiResult<FirmProfile> {
    let as_of =
        parse_date(&rec.as_of).ok_or_else(|| anyhow::anyhow!("stored as_of is not a date"))?;
    Ok(FirmProfile::parse(&rec.profile, params, as_of)
        .map_err(|e| anyhow::anyhow!("stored profile no longer parses: {e}"))?)
}

/// A stored assessment (owner, or an insurer it was shared with).
#[utoipa::path(get, path = "/v1/assessments/{id}", params(("id" = String, Path, description = "Assessment id"), ReadParams),
    responses(
        (status = 200, body = AssessmentDto, description = "The stored result; with `recompute=true`, the re-run result and `reproduced`"),
        BadRequest, ObjectGuarded,
    ),
    security(("bearer" = ["insurer", "firm"])))]
pub async fn get_assessment(
    State(state): State<AppState>,
    ReadableAssessment {
        caller,
        record: rec,
    }: ReadableAssessment,
    AppQuery(q): AppQuery<ReadParams>,
) -> ApiResult<Json<Value>> {
    let stored = rec.assessment().map_err(anyhow::Error::from)?;
    if !q.recompute.unwrap_or(false) {
        return Ok(Json(view(stored, &caller)?));
    }
    let (params, profile) = inputs(&state, &rec).await?;
    let (trials, seed, id2) = (rec.trials, rec.seed, rec.id.clone());
    let fresh = run(&state, &caller, move || {
        let a = assess(&profile, &params, trials, seed);
        AssessmentDto::new(id2, &profile, &params, &a, true)
    })
    .await?;
    // Compared as JSON documents: exactly what was stored against what would be.
    let as_json = |d: &AssessmentDto| serde_json::to_value(d).map_err(anyhow::Error::from);
    // A line added since it was stored (the threat line) is not part of what it reproduces.
    let mut compared = fresh.clone();
    if stored.threat.is_none() {
        compared.threat = None;
    }
    let reproduced = as_json(&compared)? == as_json(&stored)?;
    if !reproduced {
        tracing::error!(id = %rec.id, "re-run assessment differs from the stored result");
    }
    let mut out = view(fresh, &caller)?;
    if let Some(o) = out.as_object_mut() {
        o.insert("reproduced".into(), Value::Bool(reproduced));
    }
    Ok(Json(out))
}

/// Premium impact of certifications and controls (contract §6), with the assessment's seed and
/// trials.
#[utoipa::path(get, path = "/v1/assessments/{id}/impact", params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = ImpactDto, description = "Premium impact (contract §6), largest saving first"), ObjectGuarded),
    security(("bearer" = ["insurer", "firm"])))]
pub async fn get_impact(
    State(state): State<AppState>,
    ReadableAssessment {
        caller,
        record: rec,
    }: ReadableAssessment,
) -> ApiResult<Json<ImpactDto>> {
    let (params, profile) = inputs_now(&state, &rec).await?;
    let (trials, seed) = (rec.trials, rec.seed);
    let dto = run(&state, &caller, move || {
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

/// One page of the assessment listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentPage {
    /// At most `limit` assessments, newest first.
    pub items: Vec<AssessmentSummaryDto>,
    /// Cursor of the next page (pass it as `after`); `null` on the last page.
    pub next: Option<String>,
}

/// The caller's assessments, newest first: its own and, for an insurer, those shared with it;
/// a page at a time (contract §15).
#[utoipa::path(get, path = "/v1/assessments", params(PageParams),
    responses((status = 200, body = AssessmentPage, description = "A page of the caller's assessments, newest first; follow `next` for the rest"), BadRequest, RoleGuarded, Invalid),
    security(("bearer" = ["insurer", "firm"])))]
pub async fn list_assessments(
    State(state): State<AppState>,
    InsurerOrFirm(caller): InsurerOrFirm,
    page: Page,
) -> ApiResult<Json<AssessmentPage>> {
    let after = page.after_key();
    let recs = state
        .store()
        .readable_assessments(&caller, after, page.limit + 1)
        .await?;
    let (recs, next) = page.split(recs, |r| Cursor {
        created_at: r.created_at.clone(),
        id: r.id.clone(),
    });
    let mut items = Vec::with_capacity(recs.len());
    for rec in recs {
        let a = rec.assessment().map_err(anyhow::Error::from)?;
        items.push(AssessmentSummaryDto {
            firm: a.firm.name,
            score: a.score.value,
            grade: a.score.grade,
            premium: a.premium.technical,
            currency: a.currency,
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
    Ok(Json(AssessmentPage { items, next }))
}

/// The loss-exceedance chart of an assessment (gross and insured, log-scale loss axis), drawn
/// from a re-run of its stored inputs with its seed and trials (the same years as the stored
/// result).
#[utoipa::path(get, path = "/v1/assessments/{id}/exceedance.svg", params(("id" = String, Path, description = "Assessment id")),
    responses(
        (status = 200, description = "SVG document", content_type = "image/svg+xml"),
        ObjectGuarded,
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The assessment's model is not loaded"),
    ),
    security(("bearer" = ["insurer", "firm"])))]
pub async fn get_exceedance(
    State(state): State<AppState>,
    ReadableAssessment {
        caller,
        record: rec,
    }: ReadableAssessment,
) -> ApiResult<Response> {
    let (params, profile) = inputs(&state, &rec).await?;
    let (trials, seed) = (rec.trials, rec.seed);
    let svg = run(&state, &caller, move || {
        // Only what the chart needs: the firm's loss model and its simulated years (no pricing).
        let score = risk_core::score::score(&profile, &params);
        let model = LossModel::from_profile(&profile, &score, &params);
        let simulation = risk_core::engine::simulate(&model, trials, seed);
        crate::web::exceedance_svg(
            simulation.gross(),
            simulation.insured(),
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
