//! The certificate registry (contract §11): a certifier registers the certificates it issues
//! (`POST /v1/certificates`) and changes their status (`POST
//! /v1/certificates/{scheme}/{certificate_id}/status`: suspended, withdrawn, reinstated, renewed
//! with a new expiry, a new scope); callers list what they may see (`GET /v1/certificates`) and
//! read one with its history (`GET /v1/certificates/{scheme}/{certificate_id}`).
//!
//! Visibility: a certifier sees what it issued, a firm what it holds, an insurer what firms that
//! shared an assessment with it hold; anything else is 404, like a certificate that does not
//! exist. Every change is a new history row; nothing is updated in place.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use risk_core::params::parse_date;
use risk_core::profile::{DATE_YEARS, MAX_CERTIFICATE_ID_CHARS, valid_certificate_id};
use risk_core::vocab::Scheme;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::doc::{BadRequest, Conflict, Invalid, ObjectGuarded, RoleGuarded};
use super::extract::AppJson;
use super::page::{Cursor, Page, PageParams};
use super::reprice::reprice_and_record;
use crate::app::AppState;
use crate::auth::{Caller, CertificateReader, Certifier, Role, valid_subject};
use crate::problem::{ApiError, ApiResult, FieldProblem};
use crate::store::{CertificateRecord, CertificateState, EventKind, NewState};

/// Body of a registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scheme": "iso27001", "certificate_id": "JQA-IM1234", "holder": "example-firm",
    "scope_share": 1.0, "issued": "2025-04-01", "expires": "2028-03-31"}))]
pub struct RegisterRequest {
    /// Scheme (contract §4).
    pub scheme: String,
    /// The certifier's number for the certificate: 1–64 characters of `A-Z a-z 0-9 . _ - :`.
    #[schema(pattern = "^[A-Za-z0-9._:-]{1,64}$")]
    pub certificate_id: String,
    /// The holding firm's subject (its API key's subject).
    #[schema(pattern = "^[A-Za-z0-9._@:-]{1,128}$")]
    pub holder: String,
    /// Share of the holder inside the certified scope, (0, 1].
    #[schema(exclusive_minimum = 0, maximum = 1)]
    pub scope_share: f64,
    /// Issue date, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub issued: String,
    /// Expiry date, `YYYY-MM-DD`, not before `issued`.
    #[schema(format = Date)]
    pub expires: String,
    /// IEC 62443 security level 1–4 (`iec62443` only, and required there).
    #[schema(minimum = 1, maximum = 4, multiple_of = 1)]
    pub security_level: Option<f64>,
}

/// Body of a status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "withdrawn", "effective": "2026-12-01"}))]
pub struct StatusRequest {
    /// `active` (reinstated, or renewed with a new `expires`), `suspended` or `withdrawn`
    /// (final).
    #[schema(pattern = "^(active|suspended|withdrawn)$")]
    pub status: String,
    /// The day it takes effect, `YYYY-MM-DD`: not before the certificate was issued nor before
    /// its last change.
    #[schema(format = Date)]
    pub effective: String,
    /// A new expiry date (a renewal), `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub expires: Option<String>,
    /// A new scope share, (0, 1].
    #[schema(exclusive_minimum = 0, maximum = 1)]
    pub scope_share: Option<f64>,
}

/// One state in a certificate's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateChangeDto {
    /// Position in the registry's history.
    pub seq: i64,
    /// `registered`, `suspended`, `withdrawn`, `reinstated`, `renewed` or `scope`.
    pub change: String,
    /// Status from then on.
    pub status: String,
    /// The day it took effect.
    pub effective: String,
    /// Expiry date from then on.
    pub expires: String,
    /// Scope share from then on.
    pub scope_share: f64,
    /// When it was recorded (RFC 3339).
    pub changed_at: String,
}

/// A registered certificate as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateDto {
    /// Scheme.
    pub scheme: String,
    /// The certifier's number for it.
    pub certificate_id: String,
    /// The holding firm's subject.
    pub holder: String,
    /// The certifier that issued it.
    pub certifier: String,
    /// `active`, `suspended` or `withdrawn`.
    pub status: String,
    /// The day the current status took effect.
    pub effective: String,
    /// Issue date.
    pub issued: String,
    /// Expiry date.
    pub expires: String,
    /// Scope share.
    pub scope_share: f64,
    /// IEC 62443 security level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_level: Option<i64>,
    /// When it was registered (RFC 3339).
    pub registered_at: String,
    /// Every state it has been in, oldest first (reading one certificate only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<CertificateChangeDto>>,
    /// Stored assessments re-priced because of this change (status changes only); each wrote
    /// a `certificate_status_changed` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repriced: Option<usize>,
}

impl CertificateDto {
    fn new(r: &CertificateRecord) -> Self {
        let s = &r.state;
        CertificateDto {
            scheme: r.scheme.clone(),
            certificate_id: r.certificate_id.clone(),
            holder: r.holder.clone(),
            certifier: r.certifier.clone(),
            status: s.status.clone(),
            effective: s.effective.clone(),
            issued: s.issued.clone(),
            expires: s.expires.clone(),
            scope_share: s.scope_share,
            security_level: s.security_level,
            registered_at: r.created_at.clone(),
            history: None,
            repriced: None,
        }
    }
}

fn change_dto(s: &CertificateState) -> CertificateChangeDto {
    CertificateChangeDto {
        seq: s.seq,
        change: s.change.clone(),
        status: s.status.clone(),
        effective: s.effective.clone(),
        expires: s.expires.clone(),
        scope_share: s.scope_share,
        changed_at: s.changed_at.clone(),
    }
}

/// One page of the certificate listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificatePage {
    /// At most `limit` certificates, newest registration first.
    pub items: Vec<CertificateDto>,
    /// Cursor of the next page (pass it as `after`); `null` on the last page.
    pub next: Option<String>,
}

/// A date field within the years profiles accept.
fn date(field: &str, text: &str, errors: &mut Vec<FieldProblem>) -> Option<Date> {
    let d = parse_date(text).filter(|d| DATE_YEARS.contains(&d.year()));
    if d.is_none() {
        errors.push(FieldProblem {
            field: field.into(),
            message: format!(
                "must be a date YYYY-MM-DD in the years {}..={}",
                DATE_YEARS.start(),
                DATE_YEARS.end()
            ),
        });
    }
    d
}

fn check_scope(field: &str, v: f64, errors: &mut Vec<FieldProblem>) {
    if !(v > 0.0 && v <= 1.0) {
        errors.push(FieldProblem {
            field: field.into(),
            message: "must be in (0, 1]".into(),
        });
    }
}

/// The first state of a valid registration, or every field error at once.
fn validate_registration(req: &RegisterRequest) -> Result<(Scheme, NewState), ApiError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldProblem {
            field: field.into(),
            message,
        })
    };
    let scheme = Scheme::parse(&req.scheme);
    if scheme.is_none() {
        let all: Vec<String> = Scheme::ALL.iter().map(ToString::to_string).collect();
        err(
            "scheme",
            format!("unknown scheme; expected one of {}", all.join(", ")),
        );
    }
    if !valid_certificate_id(&req.certificate_id) {
        err(
            "certificate_id",
            format!("must be 1-{MAX_CERTIFICATE_ID_CHARS} characters of A-Z a-z 0-9 . _ - :"),
        );
    }
    if !valid_subject(&req.holder) {
        err(
            "holder",
            "must be 1-128 characters of A-Z a-z 0-9 . _ - @ :".into(),
        );
    }
    let security_level = match (scheme, req.security_level) {
        (Some(Scheme::Iec62443), Some(l)) if (1.0..=4.0).contains(&l) && l.fract() == 0.0 => {
            Some(l as i64)
        }
        (Some(Scheme::Iec62443), Some(_)) => {
            err("security_level", "must be an integer 1..4".into());
            None
        }
        (Some(Scheme::Iec62443), None) => {
            err("security_level", "is required for iec62443 (1..4)".into());
            None
        }
        (Some(_), Some(_)) => {
            err("security_level", "only applies to iec62443".into());
            None
        }
        (_, None) | (None, Some(_)) => None,
    };
    check_scope("scope_share", req.scope_share, &mut errors);
    let issued = date("issued", &req.issued, &mut errors);
    let expires = date("expires", &req.expires, &mut errors);
    if let (Some(i), Some(e)) = (issued, expires)
        && e < i
    {
        errors.push(FieldProblem {
            field: "expires".into(),
            message: "before issued".into(),
        });
    }
    match (scheme, issued, expires) {
        (Some(scheme), Some(issued), Some(expires)) if errors.is_empty() => Ok((
            scheme,
            NewState {
                change: "registered".into(),
                status: "active".into(),
                effective: issued.to_string(),
                issued: issued.to_string(),
                expires: expires.to_string(),
                scope_share: req.scope_share,
                security_level,
            },
        )),
        _ => Err(ApiError::invalid(errors)),
    }
}

/// Register a certificate the calling certifier issued.
#[utoipa::path(post, path = "/v1/certificates",
    request_body(content = RegisterRequest, content_type = "application/json"),
    responses(
        (status = 201, body = CertificateDto, description = "Registered, active from `issued`"),
        BadRequest, RoleGuarded, Conflict, Invalid,
    ),
    security(("bearer" = ["certifier"])))]
pub async fn register_certificate(
    State(state): State<AppState>,
    Certifier(caller): Certifier,
    AppJson(req): AppJson<RegisterRequest>,
) -> ApiResult<Response> {
    let (scheme, first) = validate_registration(&req)?;
    let Some(rec) = state
        .store()
        .register_certificate(
            scheme.as_str(),
            &req.certificate_id,
            &caller.subject,
            &req.holder,
            &first,
        )
        .await?
    else {
        return Err(ApiError::status(
            StatusCode::CONFLICT,
            "a certificate of this scheme and number is registered already",
        ));
    };
    let location = HeaderValue::from_str(&format!(
        "/v1/certificates/{}/{}",
        rec.scheme, rec.certificate_id
    ))
    .map_err(|e| ApiError::Internal(e.into()))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(CertificateDto::new(&rec)),
    )
        .into_response())
}

/// The certificate at `(scheme, id)` if `caller` may see it (404 otherwise).
async fn visible(
    state: &AppState,
    caller: &Caller,
    scheme: &str,
    id: &str,
) -> ApiResult<CertificateRecord> {
    // Only names this registry could hold are looked up.
    let scheme = Scheme::parse(scheme).ok_or_else(ApiError::not_found)?;
    if !valid_certificate_id(id) {
        return Err(ApiError::not_found());
    }
    let rec = state
        .store()
        .certificate(scheme.as_str(), id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let sees = match caller.role {
        Role::Certifier => rec.certifier == caller.subject,
        _ => state.store().sees_holder(caller, &rec.holder).await?,
    };
    if sees {
        Ok(rec)
    } else {
        Err(ApiError::not_found())
    }
}

/// Change a certificate's status: suspend, withdraw (final), reinstate, renew (`active` with a
/// new `expires`) or re-scope; the issuing certifier only. Stored assessments that relied on
/// the certificate are re-priced with its new standing and each writes a
/// `certificate_status_changed` event for its owner and the insurers it was shared with.
#[utoipa::path(post, path = "/v1/certificates/{scheme}/{certificate_id}/status",
    params(("scheme" = String, Path, description = "Scheme"),
           ("certificate_id" = String, Path, description = "The certifier's number for it")),
    request_body(content = StatusRequest, content_type = "application/json"),
    responses(
        (status = 200, body = CertificateDto, description = "The certificate as it now stands (unchanged when nothing changed)"),
        BadRequest, ObjectGuarded, Invalid,
        (status = 409, body = crate::problem::Problem, content_type = "application/problem+json", description = "The certificate was withdrawn: that is final"),
    ),
    security(("bearer" = ["certifier"])))]
pub async fn change_status(
    State(state): State<AppState>,
    Certifier(caller): Certifier,
    Path((scheme, id)): Path<(String, String)>,
    AppJson(req): AppJson<StatusRequest>,
) -> ApiResult<Json<CertificateDto>> {
    let rec = visible(&state, &caller, &scheme, &id).await?;
    let now = &rec.state;
    let mut errors = Vec::new();
    if !matches!(req.status.as_str(), "active" | "suspended" | "withdrawn") {
        errors.push(FieldProblem {
            field: "status".into(),
            message: "must be one of active, suspended, withdrawn".into(),
        });
    }
    let effective = date("effective", &req.effective, &mut errors);
    let expires = req
        .expires
        .as_deref()
        .and_then(|e| date("expires", e, &mut errors));
    if let Some(s) = req.scope_share {
        check_scope("scope_share", s, &mut errors);
    }
    let stored = |t: &str| parse_date(t).ok_or_else(|| anyhow::anyhow!("stored date {t}"));
    let (issued, last) = (stored(&now.issued)?, stored(&now.effective)?);
    if let Some(e) = effective {
        if e < issued {
            errors.push(FieldProblem {
                field: "effective".into(),
                message: format!("before the certificate was issued ({issued})"),
            });
        } else if e < last {
            errors.push(FieldProblem {
                field: "effective".into(),
                message: format!("before its last change ({last})"),
            });
        }
    }
    if let Some(x) = expires
        && x < issued
    {
        errors.push(FieldProblem {
            field: "expires".into(),
            message: format!("before the certificate was issued ({issued})"),
        });
    }
    let Some(effective) = effective.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    if now.status == "withdrawn" {
        return Err(ApiError::status(
            StatusCode::CONFLICT,
            "the certificate was withdrawn, which is final; register a new one",
        ));
    }
    let expires = expires.map_or_else(|| now.expires.clone(), |x| x.to_string());
    let scope_share = req.scope_share.unwrap_or(now.scope_share);
    let change = if req.status != now.status {
        if req.status == "active" {
            "reinstated".to_string()
        } else {
            req.status.clone()
        }
    } else if expires != now.expires {
        "renewed".into()
    } else if scope_share != now.scope_share {
        "scope".into()
    } else {
        // Nothing changes: no history row, no re-pricing.
        return Ok(Json(CertificateDto::new(&rec)));
    };
    let next = NewState {
        change,
        status: req.status.clone(),
        effective: effective.to_string(),
        issued: now.issued.clone(),
        expires,
        scope_share,
        security_level: now.security_level,
    };
    let state_now = state
        .store()
        .change_certificate(&rec.id, &caller.subject, &next)
        .await?;
    let after = CertificateRecord {
        state: state_now,
        ..rec
    };
    // Every stored assessment that relied on it, re-priced with its new standing; one event
    // each for its owner and the insurers it is shared with.
    let relying = state.store().relying_on(&after.id).await?;
    let s = &after.state;
    let detail: serde_json::Map<String, serde_json::Value> = [
        ("scheme", &after.scheme),
        ("certificate_id", &after.certificate_id),
        ("change", &s.change),
        ("status", &s.status),
        ("effective", &s.effective),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.clone().into()))
    .collect();
    let events = reprice_and_record(
        &state,
        &caller,
        &relying,
        EventKind::CertificateStatusChanged,
        &detail,
    )
    .await?;
    let mut dto = CertificateDto::new(&after);
    dto.repriced = Some(events.len());
    Ok(Json(dto))
}

/// The certificates the caller may see, newest registration first, a page at a time
/// (contract §15): a certifier's own, a firm's own, an insurer's from firms that shared an
/// assessment with it.
#[utoipa::path(get, path = "/v1/certificates", params(PageParams),
    responses((status = 200, body = CertificatePage, description = "A page of certificates as they stand; follow `next` for the rest"), BadRequest, RoleGuarded, Invalid),
    security(("bearer" = ["certifier", "firm", "insurer"])))]
pub async fn list_certificates(
    State(state): State<AppState>,
    CertificateReader(caller): CertificateReader,
    page: Page,
) -> ApiResult<Json<CertificatePage>> {
    let after = page.after_key();
    let recs = state
        .store()
        .visible_certificates(&caller, after, page.limit + 1)
        .await?;
    let (recs, next) = page.split(recs, |r| Cursor {
        created_at: r.created_at.clone(),
        id: r.id.clone(),
    });
    let items = recs.iter().map(CertificateDto::new).collect();
    Ok(Json(CertificatePage { items, next }))
}

/// One certificate with its history.
#[utoipa::path(get, path = "/v1/certificates/{scheme}/{certificate_id}",
    params(("scheme" = String, Path, description = "Scheme"),
           ("certificate_id" = String, Path, description = "The certifier's number for it")),
    responses((status = 200, body = CertificateDto, description = "The certificate as it stands, with every change"), ObjectGuarded),
    security(("bearer" = ["certifier", "firm", "insurer"])))]
pub async fn get_certificate(
    State(state): State<AppState>,
    CertificateReader(caller): CertificateReader,
    Path((scheme, id)): Path<(String, String)>,
) -> ApiResult<Json<CertificateDto>> {
    let rec = visible(&state, &caller, &scheme, &id).await?;
    let history = state.store().certificate_history(&rec.id).await?;
    let mut dto = CertificateDto::new(&rec);
    dto.history = Some(history.iter().map(change_dto).collect());
    Ok(Json(dto))
}
