//! Consent: the owning firm lets an insurer read one assessment
//! (`POST /v1/assessments/{id}/shares`), sees who may read it (`GET …/shares`) or withdraws it
//! (`DELETE …/shares/{insurer}`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::doc::{Invalid, ObjectGuarded};
use super::extract::{AppJson, OwnedAssessment};
use crate::app::AppState;
use crate::auth::valid_subject;
use crate::problem::{ApiError, ApiResult, Problem};

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

/// Who may read one assessment besides its owner.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"assessment": "6f0c7a3e-0000-4000-8000-000000000000",
    "items": [{"insurer": "example-insurer", "granted_by": "example-firm", "granted_at": "2026-12-06T10:00:00Z"}]}))]
pub struct ShareListDto {
    /// Assessment id.
    pub assessment: String,
    /// The insurers with access, oldest grant first (empty: only the owner).
    pub items: Vec<GrantDto>,
}

/// One insurer's access.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantDto {
    /// The insurer's subject.
    pub insurer: String,
    /// The firm that granted it.
    pub granted_by: String,
    /// When it was granted (RFC 3339).
    pub granted_at: String,
}

/// Who may read this assessment (the owning firm only): the consent it has given, as stored.
#[utoipa::path(get, path = "/v1/assessments/{id}/shares", params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = ShareListDto, description = "The insurers with access"), ObjectGuarded),
    security(("bearer" = ["firm"])))]
pub async fn list_shares(
    State(state): State<AppState>,
    OwnedAssessment { record, .. }: OwnedAssessment,
) -> ApiResult<Json<ShareListDto>> {
    let items = state
        .store()
        .shares_of(&record.id)
        .await?
        .into_iter()
        .map(|r| GrantDto {
            insurer: r.insurer,
            granted_by: r.granted_by,
            granted_at: r.created_at,
        })
        .collect();
    Ok(Json(ShareListDto {
        assessment: record.id,
        items,
    }))
}

/// Body of a grant: `{"insurer": "<subject>"}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"insurer": "example-insurer"}))]
pub struct ShareRequest {
    /// The insurer's subject.
    #[schema(pattern = "^[A-Za-z0-9._@:-]{1,128}$")]
    pub insurer: String,
}

/// Let an insurer read this assessment (the owning firm only).
#[utoipa::path(post, path = "/v1/assessments/{id}/shares", params(("id" = String, Path, description = "Assessment id")),
    request_body(content = ShareRequest, content_type = "application/json"),
    responses((status = 201, body = ShareDto, description = "Granted (granting again is harmless)"), ObjectGuarded, Invalid),
    security(("bearer" = ["firm"])))]
pub async fn grant_share(
    State(state): State<AppState>,
    OwnedAssessment { caller, record }: OwnedAssessment,
    AppJson(req): AppJson<ShareRequest>,
) -> ApiResult<(StatusCode, Json<ShareDto>)> {
    if !valid_subject(&req.insurer) {
        return Err(ApiError::invalid_field(
            "insurer",
            "must be 1-128 characters of A-Z a-z 0-9 . _ - @ :",
        ));
    }
    // Consent goes to an insurer the service knows: a typo must not grant a stranger later.
    if !state.store().is_insurer(&req.insurer).await? {
        return Err(ApiError::invalid_field(
            "insurer",
            "is not a registered insurer (no active insurer key has this subject)",
        ));
    }
    state
        .store()
        .grant(&record.id, &req.insurer, &caller.subject)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ShareDto {
            assessment: record.id,
            insurer: req.insurer,
            granted_by: caller.subject,
        }),
    ))
}

/// Withdraw an insurer's access (the owning firm only).
#[utoipa::path(delete, path = "/v1/assessments/{id}/shares/{insurer}",
    params(("id" = String, Path, description = "Assessment id"), ("insurer" = String, Path, description = "Insurer subject")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "No or unknown API key"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "The caller's role may not do this"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such assessment or no such share"),
    ),
    security(("bearer" = ["firm"])))]
pub async fn revoke_share(
    State(state): State<AppState>,
    OwnedAssessment { record, .. }: OwnedAssessment,
    Path((_, insurer)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    if state.store().revoke(&record.id, &insurer).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
