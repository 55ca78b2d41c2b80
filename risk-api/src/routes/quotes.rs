//! `POST /v1/quotes`: a firm profile and 1–20 coverage options priced on the same simulated years,
//! with the underwriting decision (contract §10); nothing is stored.

use axum::Json;
use axum::extract::State;
use risk_core::pricing::quote;
use risk_core::profile::{FirmProfile, ProfileError, parse_options};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::assessments::{AssessmentRun, RunParams, current_params};
use super::doc::{BadRequest, Invalid, RoleGuarded, TooLarge, UnsupportedMedia};
use super::extract::AppJson;
use super::registry::bind_and_verify;
use super::{field_errors, run};
use crate::app::AppState;
use crate::auth::{InsurerOrFirm, Role};
use crate::dto::quote::QuoteDto;
use crate::problem::ApiResult;

/// Body of a quote request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// Firm profile (contract §4).
    #[schema(value_type = crate::dto::input::FirmProfileBody)]
    pub profile: Value,
    /// 1–20 coverage objects (contract §10); default: the profile's own coverage.
    #[schema(value_type = Option<Vec<Object>>)]
    #[serde(default)]
    pub options: Option<Value>,
}

/// The errors of a parse, their fields under `prefix` (`profile.firm.name`).
fn prefixed(e: ProfileError, prefix: &str) -> crate::problem::ApiError {
    field_errors(
        e.fields()
            .into_iter()
            .map(|mut f| {
                f.field = format!("{prefix}{}", f.field);
                f
            })
            .collect(),
    )
}

/// Price coverage options for a firm on common random numbers, with the decision.
#[utoipa::path(post, path = "/v1/quotes", params(RunParams),
    request_body(content = QuoteRequest, content_type = "application/json",
        example = json!({"profile": {"firm": {"name": "Example KK", "industry": "manufacturing",
            "annual_revenue": 5_000_000_000.0, "currency": "JPY"}},
            "options": [{"occurrence_limit": 100_000_000.0, "aggregate_limit": 100_000_000.0},
                        {"occurrence_limit": 300_000_000.0, "aggregate_limit": 300_000_000.0,
                         "waiting_period_hours": 12, "sublimits": {"social_engineering": 25_000_000.0}}]})),
    responses((status = 200, body = QuoteDto, description = "Every option priced on the same simulated years; `adequacy` for insurers only"),
        BadRequest, RoleGuarded, TooLarge, UnsupportedMedia, Invalid),
    security(("bearer" = ["insurer", "firm"])))]
pub async fn create_quote(
    State(state): State<AppState>,
    InsurerOrFirm(caller): InsurerOrFirm,
    run_params: AssessmentRun,
    AppJson(req): AppJson<QuoteRequest>,
) -> ApiResult<Json<QuoteDto>> {
    let (params, _) = current_params(&state).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut profile = FirmProfile::parse(&req.profile.to_string(), &params, today)
        .map_err(|e| prefixed(e, "profile."))?;
    bind_and_verify(&state, &caller, &mut profile).await?;
    let options = match &req.options {
        None => vec![profile.coverage],
        Some(v) => parse_options(&v.to_string(), &profile, &params)
            .map_err(|e| field_errors(e.fields()))?,
    };
    let insurer = caller.role == Role::Insurer;
    let dto = run(&state, &caller, move || {
        quote(
            &profile,
            &options,
            &params,
            run_params.trials,
            run_params.seed,
        )
        .map(|q| QuoteDto::new(&profile, &params, &q, insurer))
    })
    .await?
    .map_err(|e| crate::problem::ApiError::invalid_field("options", e.to_string()))?;
    Ok(Json(dto))
}
