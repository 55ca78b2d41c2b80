//! Questionnaires (contract §12): the listing, one questionnaire, and a questionnaire's answers
//! turned into a firm profile with its mapping (nothing is stored or priced; post the profile to
//! `/v1/assessments` for that).

use axum::Json;
use axum::extract::{Path, State};
use risk_core::questionnaire::{Questionnaire, built_in, find};

use super::assessments::current_params;
use super::doc::{
    Authenticated, BadRequest, Invalid, NotFound, RoleGuarded, TooLarge, UnsupportedMedia,
};
use super::extract::JsonText;
use super::field_errors;
use crate::app::AppState;
use crate::auth::InsurerOrFirm;
use crate::dto::questionnaire::{
    QuestionnaireAnswersBody, QuestionnaireDto, QuestionnaireProfileDto, QuestionnaireSummaryDto,
};
use crate::keys::Caller;
use crate::problem::{ApiError, ApiResult};

/// The built-in questionnaire `name`, or 404.
fn named(name: &str) -> ApiResult<&'static Questionnaire> {
    find(name).map_err(|_| ApiError::not_found())
}

/// The questionnaires (any authenticated caller).
#[utoipa::path(get, path = "/v1/questionnaires",
    responses((status = 200, body = Vec<QuestionnaireSummaryDto>, description = "Name, version and item count of each questionnaire"), Authenticated),
    security(("bearer" = [])))]
pub async fn list_questionnaires(_: Caller) -> Json<Vec<QuestionnaireSummaryDto>> {
    Json(built_in().iter().map(Into::into).collect())
}

/// One questionnaire: its source, items, choices and what each choice sets (any authenticated
/// caller).
#[utoipa::path(get, path = "/v1/questionnaires/{name}",
    params(("name" = String, Path, description = "Questionnaire name (`supply_chain_3`)")),
    responses((status = 200, body = QuestionnaireDto, description = "The questionnaire"), Authenticated, NotFound),
    security(("bearer" = [])))]
pub async fn get_questionnaire(
    _: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<QuestionnaireDto>> {
    Ok(Json(named(&name)?.into()))
}

/// A questionnaire's answers as a firm profile (contract §4) with the mapping of answers to
/// values; for ★3/★4 whether the firm meets the rung (and then the certificate in the profile).
#[utoipa::path(post, path = "/v1/questionnaires/{name}/profile",
    params(("name" = String, Path, description = "Questionnaire name (`supply_chain_3`)")),
    request_body(content = QuestionnaireAnswersBody, content_type = "application/json"),
    responses((status = 200, body = QuestionnaireProfileDto, description = "The profile, the mapping and the rung"),
        BadRequest, RoleGuarded, NotFound, TooLarge, UnsupportedMedia, Invalid),
    security(("bearer" = ["insurer", "firm"])))]
pub async fn questionnaire_profile(
    State(state): State<AppState>,
    _: InsurerOrFirm,
    Path(name): Path<String>,
    JsonText(text): JsonText,
) -> ApiResult<Json<QuestionnaireProfileDto>> {
    let q = named(&name)?;
    let (params, _) = current_params(&state).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let answered = q
        .answer(&text, &params, today)
        .map_err(|e| field_errors(e.fields()))?;
    Ok(Json(QuestionnaireProfileDto::new(q, &answered)))
}
