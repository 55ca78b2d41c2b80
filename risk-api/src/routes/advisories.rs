//! Advisories (contract §13): a hub publishes one (`POST /v1/advisories`, the service's JSON or a
//! STIX 2.1 bundle) or withdraws its own (`POST /v1/advisories/{id}/withdraw`); any
//! authenticated caller lists those its role may read under their TLP label
//! (`GET /v1/advisories`). Each publication and withdrawal is a new version of the threat table
//! and re-prices the stored assessments of the industries it moves (`routes::sharing`).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use risk_core::params::Tlp;
use risk_core::sharing::{Advisory, format_instant, parse_instant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::doc::{
    Authenticated, BadRequest, Conflict, Invalid, ObjectGuarded, RoleGuarded, TooLarge,
    UnsupportedMedia,
};
use super::extract::JsonText;
use super::field_errors;
use super::page::{Cursor, Page, PageParams};
use super::sharing::{Change, apply, may_read};
use crate::app::AppState;
use crate::auth::{Caller, Hub};
use crate::problem::{ApiError, ApiResult};
use crate::store::{AdvisoryRow, timestamp};

/// The media type of STIX 2.1 documents.
pub const STIX_JSON: &str = "application/stix+json";

/// An advisory in the service's own JSON form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "jcsip-2026-0417", "title": "Ransomware campaign against hospitals",
    "industries": ["healthcare"], "multipliers": {"ransomware": 1.5},
    "valid_from": "2026-12-01", "valid_until": "2027-01-31",
    "source": "J-CSIP healthcare liaison group", "tlp": "green"}))]
pub struct AdvisoryBody {
    /// The hub's id for it: 1–128 of `A-Z a-z 0-9 - _ . :`.
    pub id: String,
    /// Headline.
    pub title: String,
    /// Industries it concerns (contract §4 names).
    pub industries: Vec<String>,
    /// Frequency multiplier per peril, each within the model's bounds ([0.1, 10] by default).
    pub multipliers: BTreeMap<String, f64>,
    /// In force from (YYYY-MM-DD: the start of that day UTC; or RFC 3339).
    pub valid_from: String,
    /// In force until (YYYY-MM-DD: through the end of that day UTC; or RFC 3339, exclusive).
    pub valid_until: String,
    /// Where it comes from.
    pub source: String,
    /// TLP 2.0 label: `clear`, `green`, `amber`, `amber+strict` or `red`.
    pub tlp: String,
}

/// A STIX 2.1 bundle carrying one advisory as a `report` with `x_risk_multipliers`,
/// `x_risk_valid_until` and optionally `x_risk_industries` (else the sectors of the `identity`
/// objects it references); reference/interop.md §3.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StixBundle {
    /// `bundle`.
    #[serde(rename = "type")]
    #[schema(pattern = "^bundle$")]
    pub kind: String,
    /// `bundle--<uuid>`.
    pub id: String,
    /// STIX objects: one `report` with the `x_risk_*` properties, and the identities and
    /// marking definitions it references.
    #[schema(value_type = Vec<Object>)]
    pub objects: Vec<serde_json::Value>,
}

/// An advisory as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdvisoryDto {
    /// Id.
    pub id: String,
    /// Headline.
    pub title: String,
    /// Industries.
    pub industries: Vec<String>,
    /// Frequency multiplier per peril.
    pub multipliers: BTreeMap<String, f64>,
    /// In force from (RFC 3339).
    pub valid_from: String,
    /// In force until just before (RFC 3339).
    pub valid_until: String,
    /// Where it comes from.
    pub source: String,
    /// TLP label.
    pub tlp: String,
    /// `json` or `stix`.
    pub format: String,
    /// The hub that published it.
    pub published_by: String,
    /// When (RFC 3339).
    pub published_at: String,
    /// When it was withdrawn (null while it stands).
    pub withdrawn_at: Option<String>,
    /// Whether it applies now (standing and within its validity).
    pub in_force: bool,
}

/// Answer to a publication or withdrawal.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdvisoryChangeDto {
    /// The advisory.
    pub advisory: AdvisoryDto,
    /// Version of the threat table this change made.
    pub threat_version: i64,
    /// Industries whose multipliers moved.
    pub industries_changed: Vec<String>,
    /// Stored assessments re-priced (one `threat_level_changed` event each).
    pub repriced: usize,
}

/// One page of advisories.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdvisoryPage {
    /// At most `limit` advisories, newest first.
    pub items: Vec<AdvisoryDto>,
    /// Cursor of the next page (pass it as `after`); `null` on the last page.
    pub next: Option<String>,
}

impl AdvisoryDto {
    fn new(r: AdvisoryRow) -> ApiResult<Self> {
        let now = time::OffsetDateTime::now_utc();
        let live = |s: &str, end: bool| parse_instant(s, end);
        let in_force = r.withdrawn_at.is_none()
            && live(&r.valid_from, false).is_some_and(|f| f <= now)
            && live(&r.valid_until, false).is_some_and(|u| now < u);
        Ok(AdvisoryDto {
            industries: serde_json::from_str(&r.industries).map_err(anyhow::Error::from)?,
            multipliers: serde_json::from_str(&r.multipliers).map_err(anyhow::Error::from)?,
            id: r.id,
            title: r.title,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            source: r.source,
            tlp: r.tlp,
            format: r.format,
            published_by: r.published_by,
            published_at: r.published_at,
            withdrawn_at: r.withdrawn_at,
            in_force,
        })
    }
}

/// The row to store for a validated advisory.
fn row_of(a: &Advisory, format: &str, document: String, by: &str) -> ApiResult<AdvisoryRow> {
    Ok(AdvisoryRow {
        id: a.id.clone(),
        title: a.title.clone(),
        industries: json(
            &a.industries
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        )?,
        multipliers: json(
            &a.multipliers
                .iter()
                .map(|(p, m)| (p.to_string(), *m))
                .collect::<BTreeMap<_, _>>(),
        )?,
        valid_from: format_instant(a.valid_from),
        valid_until: format_instant(a.valid_until),
        source: a.source.clone(),
        tlp: a.tlp.as_str().into(),
        format: format.into(),
        document,
        published_by: by.into(),
        published_at: timestamp(),
        withdrawn_at: None,
        withdrawn_by: None,
    })
}

/// A value as JSON text.
fn json<T: Serialize>(v: &T) -> ApiResult<String> {
    Ok(serde_json::to_string(v).map_err(anyhow::Error::from)?)
}

/// Publish an advisory (hub): the service's JSON, or a STIX 2.1 bundle sent as
/// `application/stix+json`. It is a new version of the threat table; stored assessments of the
/// industries it moves are re-priced (a `threat_level_changed` event each).
#[utoipa::path(post, path = "/v1/advisories",
    request_body(description = "An advisory: the service's JSON or a STIX 2.1 bundle", content(
        (AdvisoryBody = "application/json"),
        (StixBundle = "application/stix+json"),
    )),
    responses(
        (status = 201, body = AdvisoryChangeDto, description = "Published: the threat table's new version"),
        BadRequest, RoleGuarded, Conflict, TooLarge, UnsupportedMedia, Invalid,
    ),
    security(("bearer" = ["hub"])))]
pub async fn publish_advisory(
    State(state): State<AppState>,
    Hub(caller): Hub,
    headers: HeaderMap,
    JsonText(text): JsonText,
) -> ApiResult<Response> {
    let params = state.params();
    let stix = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case(STIX_JSON));
    let parsed = if stix {
        Advisory::from_stix(&text, &params.sharing)
    } else {
        Advisory::parse(&text, &params.sharing)
    };
    let advisory = parsed.map_err(|e| field_errors(e.fields()))?;
    let row = row_of(
        &advisory,
        if stix { "stix" } else { "json" },
        text,
        &caller.subject,
    )?;
    let applied = apply(&state, &caller, Change::Publish(Box::new(row))).await?;
    let stored = state
        .store()
        .advisory(&advisory.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("advisory vanished after it was stored"))?;
    tracing::info!(id = %advisory.id, by = %caller.subject, seq = applied.seq, "advisory published");
    let location = HeaderValue::from_str(&format!("/v1/advisories/{}", advisory.id))
        .map_err(|e| ApiError::Internal(e.into()))?;
    let body = AdvisoryChangeDto {
        advisory: AdvisoryDto::new(stored)?,
        threat_version: applied.seq,
        industries_changed: applied.changed.iter().map(ToString::to_string).collect(),
        repriced: applied.repriced,
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

/// Withdraw an advisory (the hub that published it): it stops applying at once, as a new
/// version of the threat table, and what it moved is re-priced.
#[utoipa::path(post, path = "/v1/advisories/{id}/withdraw",
    params(("id" = String, Path, description = "Advisory id")),
    responses(
        (status = 200, body = AdvisoryChangeDto, description = "Withdrawn: the threat table's new version"),
        ObjectGuarded, Conflict,
    ),
    security(("bearer" = ["hub"])))]
pub async fn withdraw_advisory(
    State(state): State<AppState>,
    Hub(caller): Hub,
    Path(id): Path<String>,
) -> ApiResult<Json<AdvisoryChangeDto>> {
    match state.store().advisory(&id).await? {
        Some(r) if r.published_by == caller.subject => {
            if r.withdrawn_at.is_some() {
                return Err(ApiError::status(
                    StatusCode::CONFLICT,
                    "the advisory is already withdrawn",
                ));
            }
        }
        // Another hub's advisory, or none: the same answer.
        _ => return Err(ApiError::not_found()),
    }
    let applied = apply(&state, &caller, Change::Withdraw { id: id.clone() }).await?;
    let stored = state
        .store()
        .advisory(&id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("advisory vanished after it was withdrawn"))?;
    tracing::info!(id = %id, by = %caller.subject, seq = applied.seq, "advisory withdrawn");
    Ok(Json(AdvisoryChangeDto {
        advisory: AdvisoryDto::new(stored)?,
        threat_version: applied.seq,
        industries_changed: applied.changed.iter().map(ToString::to_string).collect(),
        repriced: applied.repriced,
    }))
}

/// Advisories the caller may read, newest first: every clear and green one, amber and red ones
/// only for the roles the model allows, and a hub's own; a page at a time.
#[utoipa::path(get, path = "/v1/advisories", params(PageParams),
    responses((status = 200, body = AdvisoryPage, description = "A page of advisories, newest first; follow `next` for the rest"), BadRequest, Authenticated, Invalid),
    security(("bearer" = [])))]
pub async fn list_advisories(
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
) -> ApiResult<Json<AdvisoryPage>> {
    let sharing = state.params().sharing.clone();
    let labels: Vec<&str> = Tlp::ALL
        .iter()
        .filter(|t| sharing.may_read(**t, caller.role.as_str()))
        .map(|t| t.as_str())
        .collect();
    let hub = (caller.role == crate::keys::Role::Hub).then_some(caller.subject.as_str());
    let after = page.after_key();
    let rows = state
        .store()
        .advisory_page(&labels, hub, after, page.limit + 1)
        .await?;
    let (rows, next) = page.split(rows, |r| Cursor {
        created_at: r.published_at.clone(),
        id: r.id.clone(),
    });
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        // The query already applied visibility; checked again so a listing can never widen it.
        let tlp = Tlp::parse(&r.tlp).unwrap_or(Tlp::Red);
        if may_read(&sharing, tlp, caller.role, &r.published_by, &caller.subject) {
            items.push(AdvisoryDto::new(r)?);
        }
    }
    Ok(Json(AdvisoryPage { items, next }))
}
