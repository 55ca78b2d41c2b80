//! `POST /v1/simulate`: the loss distribution of a loss-model spec (contract §2 → §3).

use axum::Json;
use axum::extract::State;
use risk_core::model::{LossSpec, MAX_EXPECTED_EVENTS, MAX_TRIALS};

use super::doc::{BadRequest, Invalid, RoleGuarded, TooLarge};
use super::extract::JsonText;
use super::{field_errors, run};
use crate::app::AppState;
use crate::auth::InsurerOrAdmin;
use crate::dto::input::LossSpecBody;
use crate::dto::v1::LossReport;
use crate::problem::{ApiError, ApiResult};
use crate::service::simulate_spec;

/// Loss distribution of a loss-model spec (contract §2 → §3).
#[utoipa::path(post, path = "/v1/simulate",
    request_body(content = LossSpecBody, description = "Loss-model spec (contract §2)", content_type = "application/json"),
    responses((status = 200, body = LossReport, description = "LossReport (contract §3)"), BadRequest, RoleGuarded, TooLarge, Invalid),
    security(("bearer" = ["insurer", "admin"])))]
pub async fn simulate(
    State(state): State<AppState>,
    InsurerOrAdmin(caller): InsurerOrAdmin,
    JsonText(text): JsonText,
) -> ApiResult<Json<LossReport>> {
    let spec = LossSpec::parse(&text).map_err(|e| field_errors(e.fields()))?;
    // The core caps trials and events at its own limits (checked by the parse above); a service
    // may run with a lower trial cap, and scales the event bound to it.
    let cap = state.config().max_trials;
    if spec.trials > cap {
        return Err(ApiError::invalid_field(
            "trials",
            format!("must be at most {cap} on this service"),
        ));
    }
    let max_events = MAX_EXPECTED_EVENTS * cap as f64 / MAX_TRIALS as f64;
    if spec.model.expected_events() * spec.trials as f64 > max_events {
        return Err(ApiError::invalid_field(
            "perils",
            format!("expected events × trials must be at most {max_events:.0} on this service"),
        ));
    }
    Ok(Json(
        run(&state, &caller, move || simulate_spec(&spec)).await?,
    ))
}
