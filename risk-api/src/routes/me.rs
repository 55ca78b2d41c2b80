//! `GET /v1/me`: who a key speaks for, so a page can say so at sign-in without guessing the
//! role from which listings answer.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::doc::Authenticated;
use crate::keys::Caller;

/// The caller behind a key: its role and subject (never the key or its hash).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"role": "firm", "subject": "example-firm"}))]
pub struct MeDto {
    /// `admin`, `insurer`, `firm`, `certifier` or `hub`.
    pub role: String,
    /// The firm, insurer, certification body or hub the key speaks for (an admin's name).
    pub subject: String,
}

/// The role and subject of the calling key (any role).
#[utoipa::path(get, path = "/v1/me",
    responses((status = 200, body = MeDto, description = "The caller"), Authenticated),
    security(("bearer" = [])))]
pub async fn me(caller: Caller) -> Json<MeDto> {
    Json(MeDto {
        role: caller.role.as_str().into(),
        subject: caller.subject,
    })
}
