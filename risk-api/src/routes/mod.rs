//! The endpoints of contract §8, a file per resource, and their OpenAPI description (generated
//! from the handlers and assembled here in [`ApiDoc`]).
//!
//! Authorisation shows in each handler's signature: a role guard ([`crate::auth`]; 401, 403)
//! or a loader that fetches the object and checks the caller may see it
//! ([`extract::ReadableAssessment`], [`extract::OwnedAssessment`]; 404 whether or not it
//! exists), then the query (400) and the body ([`extract::AppJson`], [`extract::JsonText`]; 415,
//! 400, 422).

use axum::Router;
use axum::routing::{delete, get, post, put};
use utoipa::OpenApi;

use crate::app::AppState;
use crate::problem::{ApiError, ApiResult, FieldProblem, Problem};
use doc::{BearerAuth, CommonResponses, Roles};

pub mod advisories;
pub mod assessments;
pub mod certificates;
pub mod doc;
pub mod events;
pub mod extract;
pub mod me;
pub mod models;
pub mod ops;
pub mod page;
pub mod portfolios;
pub mod questionnaires;
pub mod quotes;
pub mod registry;
pub mod reprice;
pub mod shares;
pub mod sharing;
pub mod simulate;
pub mod threat_levels;
pub mod what_if;

pub use assessments::{DEFAULT_TRIALS, params_at, store_assessment, view};
pub use portfolios::{DEFAULT_JOB_TRIALS, MAX_JOB_POLICIES, MAX_JOB_POLICY_YEARS, MAX_JOB_TRIALS};

/// The routes, without middleware (see [`crate::app::app`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(crate::web::index))
        .route("/ui/{file}", get(crate::web::asset))
        .route("/test/{file}", get(crate::web::narrow))
        .route("/docs", get(crate::web::docs))
        .route("/docs/{file}", get(crate::web::docs_asset))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/openapi.json", get(ops::openapi))
        .route("/metrics", get(ops::metrics))
        .route("/v1/me", get(me::me))
        .route("/v1/simulate", post(simulate::simulate))
        .route(
            "/v1/assessments",
            post(assessments::create_assessment).get(assessments::list_assessments),
        )
        .route("/v1/assessments/{id}", get(assessments::get_assessment))
        .route("/v1/assessments/{id}/impact", get(assessments::get_impact))
        .route(
            "/v1/assessments/{id}/exceedance.svg",
            get(assessments::get_exceedance),
        )
        .route("/v1/assessments/{id}/what-if", post(what_if::what_if))
        .route(
            "/v1/assessments/{id}/shares",
            post(shares::grant_share).get(shares::list_shares),
        )
        .route(
            "/v1/assessments/{id}/shares/{insurer}",
            delete(shares::revoke_share),
        )
        .route(
            "/v1/models",
            get(models::models).post(models::publish_model),
        )
        .route("/v1/threat-levels", get(threat_levels::get_threat_levels))
        .route(
            "/v1/threat-levels/history",
            get(threat_levels::threat_history),
        )
        .route(
            "/v1/threat-levels/{industry}",
            put(threat_levels::put_threat_level),
        )
        .route(
            "/v1/advisories",
            post(advisories::publish_advisory).get(advisories::list_advisories),
        )
        .route(
            "/v1/advisories/{id}/withdraw",
            post(advisories::withdraw_advisory),
        )
        .route("/v1/quotes", post(quotes::create_quote))
        .route("/v1/events", get(events::list_events))
        .route(
            "/v1/certificates",
            post(certificates::register_certificate).get(certificates::list_certificates),
        )
        .route(
            "/v1/certificates/{scheme}/{certificate_id}",
            get(certificates::get_certificate),
        )
        .route(
            "/v1/certificates/{scheme}/{certificate_id}/status",
            post(certificates::change_status),
        )
        .route(
            "/v1/questionnaires",
            get(questionnaires::list_questionnaires),
        )
        .route(
            "/v1/questionnaires/{name}",
            get(questionnaires::get_questionnaire),
        )
        .route(
            "/v1/questionnaires/{name}/profile",
            post(questionnaires::questionnaire_profile),
        )
        .route(
            "/v1/portfolios",
            post(portfolios::portfolios).get(portfolios::list_portfolios),
        )
        .route("/v1/portfolios/{id}", get(portfolios::get_portfolio))
        .route(
            "/v1/portfolios/{id}/ord/{table}",
            get(portfolios::get_ord_table),
        )
        .fallback(ops::not_found)
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "risk-engine",
        description = "Certification-aware cyber-insurance risk engine: assessments, premium impact, consent, sector threat levels. Errors are RFC 9457 application/problem+json."
    ),
    paths(
        ops::healthz,
        ops::readyz,
        ops::openapi,
        ops::metrics,
        me::me,
        simulate::simulate,
        assessments::create_assessment,
        assessments::list_assessments,
        assessments::get_assessment,
        assessments::get_impact,
        assessments::get_exceedance,
        what_if::what_if,
        shares::grant_share,
        shares::list_shares,
        shares::revoke_share,
        models::models,
        models::publish_model,
        threat_levels::put_threat_level,
        threat_levels::get_threat_levels,
        threat_levels::threat_history,
        advisories::publish_advisory,
        advisories::withdraw_advisory,
        advisories::list_advisories,
        quotes::create_quote,
        certificates::register_certificate,
        certificates::list_certificates,
        certificates::get_certificate,
        certificates::change_status,
        events::list_events,
        questionnaires::list_questionnaires,
        questionnaires::get_questionnaire,
        questionnaires::questionnaire_profile,
        portfolios::portfolios,
        portfolios::list_portfolios,
        portfolios::get_portfolio,
        portfolios::get_ord_table
    ),
    components(schemas(Problem, FieldProblem, portfolios::PortfolioJobDto)),
    modifiers(&BearerAuth, &CommonResponses, &Roles)
)]
pub struct ApiDoc;

/// A core parse's field errors as one 422.
fn field_errors(errors: Vec<risk_core::error::FieldError>) -> ApiError {
    ApiError::invalid(errors.into_iter().map(Into::into).collect())
}

/// Runs a request's CPU-bound work off the async threads, at most `max_concurrent_runs` at once
/// with a bounded queue and at most [`crate::app::Config::max_runs_per_caller`] queued or
/// running for `caller`: 503 with `Retry-After` when the pool is saturated or the caller is over
/// its share (never a timeout).
async fn run<T: Send + 'static>(
    state: &AppState,
    caller: &crate::keys::Caller,
    f: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    let slot = state.run_slot(caller).await.ok_or_else(ApiError::busy)?;
    tokio::task::spawn_blocking(move || {
        let out = f();
        drop(slot);
        out
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))
}
