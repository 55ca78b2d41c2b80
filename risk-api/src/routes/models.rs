//! Model versions: the list (`GET /v1/models`) and an admin's publication (`POST /v1/models`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use risk_core::params::{Calibration, ModelParams};
use serde::Serialize;
use utoipa::ToSchema;

use super::assessments::params_at;
use super::doc::{Authenticated, BadRequest, Conflict, Invalid, RoleGuarded, TooLarge};
use crate::app::AppState;
use crate::auth::{Admin, Caller};
use crate::problem::{ApiError, ApiResult, FieldProblem};

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
    pub calibration: Option<ProvenanceDto>,
}

/// Where a calibrated model version came from (its `[calibration]` table).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvenanceDto {
    /// `name-version` of the model the data updated.
    pub from: String,
    /// SHA-256 of the claims file's bytes (hex).
    pub data_sha256: String,
    /// Rows (policy-year records) used.
    pub rows: u64,
    /// Total exposure in policy-years.
    pub policy_years: f64,
    /// Total claim count.
    pub claims: u64,
    /// Date of the calibration (YYYY-MM-DD).
    pub date: String,
}

impl From<&Calibration> for ProvenanceDto {
    fn from(c: &Calibration) -> Self {
        ProvenanceDto {
            from: c.from.clone(),
            data_sha256: c.data_sha256.clone(),
            rows: c.rows,
            policy_years: c.policy_years,
            claims: c.claims,
            date: c.date.clone(),
        }
    }
}

impl ModelDto {
    pub(super) fn new(
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
            calibration: p.calibration.as_ref().map(Into::into),
        }
    }
}

/// Model versions, oldest first (any authenticated caller).
#[utoipa::path(get, path = "/v1/models",
    responses((status = 200, body = Vec<ModelDto>, description = "Model versions, oldest first"), Authenticated),
    security(("bearer" = [])))]
pub async fn models(State(state): State<AppState>, _: Caller) -> ApiResult<Json<Vec<ModelDto>>> {
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
        BadRequest, RoleGuarded, Conflict, TooLarge, Invalid,
    ),
    security(("bearer" = ["admin"])))]
pub async fn publish_model(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ModelDto>)> {
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
        Err(risk_core::params::ParamsError::Invalid(errors)) => {
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
