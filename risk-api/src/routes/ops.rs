//! Operations endpoints: liveness, readiness, the OpenAPI document, Prometheus metrics, and the fallback.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::ApiDoc;
use super::doc::NotFound;
use crate::app::AppState;
use crate::problem::{ApiError, ApiResult, Problem};

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// Liveness check.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health, description = "The service is up")))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness check: the database answers a `SELECT 1` (503 problem+json with `Retry-After` when
/// it does not, so a load balancer sends traffic elsewhere while the process stays alive).
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, body = Health, description = "Ready: the database answers"),
    (status = 503, body = Problem, content_type = "application/problem+json", description = "The database is unreachable", headers(("Retry-After" = u64, description = "Seconds to wait"))),
))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    match state.store().ping().await {
        Ok(()) => Ok(Json(Health { status: "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            Err(ApiError::status(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unreachable; try again later",
            ))
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(s) => ([(header::CONTENT_TYPE, "application/json")], s).into_response(),
        Err(e) => ApiError::Internal(e.into()).into_response(),
    }
}

/// Prometheus metrics; answered on loopback connections only (404 otherwise).
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text", content_type = "text/plain; version=0.0.4; charset=utf-8"), NotFound))]
pub async fn metrics(
    State(state): State<AppState>,
    connect: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
) -> ApiResult<Response> {
    match connect {
        Some(axum::Extension(ConnectInfo(addr))) if addr.ip().is_loopback() => Ok((
            [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
            state.metrics().render(),
        )
            .into_response()),
        _ => Err(ApiError::not_found()),
    }
}

/// Any path no route matches.
pub async fn not_found() -> ApiError {
    ApiError::not_found()
}
