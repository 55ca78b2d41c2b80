//! `GET /v1/events`: the feed of what changed for the assessments a caller owns or was shared
//! (contract §11), in the order it happened, a page at a time.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::doc::{BadRequest, Invalid, RoleGuarded};
use super::extract::AppQuery;
use super::page::{DEFAULT_PAGE, MAX_PAGE};
use crate::app::AppState;
use crate::auth::InsurerOrFirm;
use crate::problem::{ApiError, ApiResult};
use crate::store::EventRow;

/// Where the feed is read from.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventParams {
    /// Events after this sequence number: the `next` of the previous answer (default 0: from
    /// the start).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Events on this page: 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u64>,
}

/// One event: an assessment re-priced because something it relies on changed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": 7, "type": "certificate_status_changed", "at": "2026-12-06T10:00:00Z",
    "assessment_id": "6f0c7a3e-0000-4000-8000-000000000000", "premium_before": 41250.0, "premium_after": 48900.0,
    "technical_before": 39800.0, "technical_after": 47100.0, "currency": "JPY", "firm": "Example Manufacturing KK",
    "scheme": "iso27001", "certificate_id": "JP-ISMS-0001", "status": "withdrawn"}))]
pub struct EventDto {
    /// Position in the feed (increasing; pass the last one seen as `after`).
    pub seq: i64,
    /// `certificate_status_changed` or `threat_level_changed`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it was recorded (RFC 3339).
    pub at: String,
    /// The assessment re-priced.
    pub assessment_id: String,
    /// Its charged premium before the change, `premium_after` its premium after, the technical
    /// premiums `technical_before` and `technical_after`, the `currency` and the assessed `firm`'s
    /// name, and the cause (the certificate and its status, or the industry and advisories),
    /// side by side.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub body: serde_json::Map<String, Value>,
}

impl From<EventRow> for EventDto {
    fn from(r: EventRow) -> Self {
        EventDto {
            seq: r.seq,
            kind: r.kind.as_str().into(),
            at: r.at,
            assessment_id: r.assessment_id,
            body: r.body,
        }
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// At most `limit` events, oldest first.
    pub events: Vec<EventDto>,
    /// The sequence number to pass as `after` next time (the last event's, or `after` itself
    /// when nothing new happened).
    pub next: i64,
}

/// What changed for the caller's assessments and those shared with it, oldest first, after
/// `after`; poll with the answer's `next`.
#[utoipa::path(get, path = "/v1/events", params(EventParams),
    responses((status = 200, body = EventPage, description = "Events after `after`, oldest first; `next` is where to continue"), BadRequest, RoleGuarded, Invalid),
    security(("bearer" = ["insurer", "firm"])))]
pub async fn list_events(
    State(state): State<AppState>,
    InsurerOrFirm(caller): InsurerOrFirm,
    AppQuery(q): AppQuery<EventParams>,
) -> ApiResult<Json<EventPage>> {
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid_field("after", "must be 0 or more"));
    }
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let rows = state.store().events_for(&caller, after, limit).await?;
    let next = rows.last().map_or(after, |r| r.seq);
    Ok(Json(EventPage {
        events: rows.into_iter().map(EventDto::from).collect(),
        next,
    }))
}
