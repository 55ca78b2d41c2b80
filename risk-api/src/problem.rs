//! RFC 9457 problem details: the one error type of the service.
//!
//! Every error response is `application/problem+json` with `status`, `title` and `detail`, plus
//! `errors: [{"field", "message"}]` for validation failures. Internal causes are logged (with the
//! request id, from the enclosing trace span) and never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use risk_core::error::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem document (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type; `about:blank` means "see `title`".
    #[serde(rename = "type")]
    pub type_: String,
    /// HTTP status code.
    pub status: u16,
    /// Short summary of the problem type (the status's reason phrase).
    pub title: String,
    /// What went wrong with this request, for a human.
    pub detail: String,
    /// Invalid input fields (validation problems only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One invalid field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Path of the field in the input, dotted with `[i]` indices (`firm.annual_revenue`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl From<FieldError> for FieldProblem {
    fn from(e: FieldError) -> Self {
        FieldProblem {
            field: e.field,
            message: e.message,
        }
    }
}

/// A failed request.
#[derive(Debug)]
pub enum ApiError {
    /// A problem the client can act on (4xx, or 503 when busy); `detail` is safe to send.
    Client {
        /// Status.
        status: StatusCode,
        /// Safe explanation.
        detail: String,
        /// Field errors (422).
        errors: Vec<FieldProblem>,
    },
    /// Something failed on our side: logged, answered with a bare 500.
    Internal(anyhow::Error),
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A problem with a status and a safe detail.
    pub fn status(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError::Client {
            status,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// 400: the body is not JSON.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::status(StatusCode::BAD_REQUEST, detail)
    }

    /// 401: no or unknown key.
    pub fn unauthorized() -> Self {
        Self::status(
            StatusCode::UNAUTHORIZED,
            "a valid API key is required: Authorization: Bearer <key>",
        )
    }

    /// 403: the caller's role may not do this.
    pub fn forbidden() -> Self {
        Self::status(StatusCode::FORBIDDEN, "your role may not do this")
    }

    /// 404: nothing here the caller may see (never says whether it exists).
    pub fn not_found() -> Self {
        Self::status(StatusCode::NOT_FOUND, "no such resource")
    }

    /// 503: every simulation slot is taken and the queue is full (answered with `Retry-After`).
    pub fn busy() -> Self {
        Self::status(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("all simulation slots are busy; retry in {RETRY_AFTER_SECS} s (Retry-After)"),
        )
    }

    /// 422 with field errors: at most [`MAX_FIELD_PROBLEMS`] of them, then one entry (field
    /// `…`) saying how many more there were, so the error document stays small whatever the
    /// request.
    pub fn invalid(mut errors: Vec<FieldProblem>) -> Self {
        if errors.len() > MAX_FIELD_PROBLEMS {
            let more = errors.len() - MAX_FIELD_PROBLEMS;
            errors.truncate(MAX_FIELD_PROBLEMS);
            errors.push(FieldProblem {
                field: "…".into(),
                message: format!("… and {more} more"),
            });
        }
        for e in &mut errors {
            cap_chars(&mut e.field, MAX_PROBLEM_TEXT);
            cap_chars(&mut e.message, MAX_PROBLEM_TEXT);
        }
        ApiError::Client {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: "the request failed validation; see errors".into(),
            errors,
        }
    }

    /// 422 for one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldProblem {
            field: field.into(),
            message: message.into(),
        }])
    }
}

/// Most field errors one problem document lists (then a final "… and N more" entry).
pub const MAX_FIELD_PROBLEMS: usize = 50;

/// Longest field path or message in a problem document, in characters (an echoed key or value
/// is cut with "…").
pub const MAX_PROBLEM_TEXT: usize = 500;

fn cap_chars(s: &mut String, max: usize) {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
        s.push('…');
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

impl From<sqlx::Error> for ApiError {
    /// A database that is unreachable, gone, read-only or full is answered 503 with
    /// `Retry-After` (the request was not carried out; another replica or a later try may be);
    /// anything else is an internal error.
    fn from(e: sqlx::Error) -> Self {
        if database_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            return ApiError::status(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable; nothing was changed; try again later",
            );
        }
        ApiError::Internal(e.into())
    }
}

/// Whether `e` says the database cannot be used now, rather than that this request is wrong:
/// no connection (I/O, pool timeout or closed), SQLite busy, read-only, I/O error, full, cannot
/// open or not a database (primary result codes 5, 8, 10, 13, 14, 26), PostgreSQL connection
/// exceptions (SQLSTATE class 08), insufficient resources (53), operator intervention (57P) or a
/// read-only transaction (25006).
pub fn database_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.to_string()).unwrap_or_default();
            match code.parse::<u32>() {
                // SQLite: extended result codes keep the primary code in the low byte.
                Ok(n) if code.len() <= 4 => matches!(n & 0xff, 5 | 8 | 10 | 13 | 14 | 26),
                _ => {
                    code.starts_with("08")
                        || code.starts_with("53")
                        || code.starts_with("57P")
                        || code == "25006"
                }
            }
        }
        _ => false,
    }
}

/// The problem document for a status, with the status's reason phrase as title.
pub fn problem(
    status: StatusCode,
    detail: impl Into<String>,
    errors: Vec<FieldProblem>,
) -> Problem {
    Problem {
        type_: "about:blank".into(),
        status: status.as_u16(),
        title: status.canonical_reason().unwrap_or("Error").into(),
        detail: detail.into(),
        errors,
    }
}

/// Seconds a client is asked to wait (`Retry-After`) after a 429 or 503.
pub const RETRY_AFTER_SECS: u64 = 2;

/// Renders a problem document with its media type; a 429 or 503 also says when to retry.
pub fn problem_response(p: Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, Json(p)).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    }
    res
}

/// A generic detail for a status produced by middleware (timeout, body limit, method).
pub fn default_detail(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "no such resource",
        405 => "this method is not allowed on this resource",
        400 => "the request body could not be read",
        408 => "the request body did not arrive in time",
        503 => "the request took too long or the server is busy; try again later",
        413 => "the request body is too large",
        415 => "the request body must be application/json",
        500 => "internal error; quote the x-request-id header when reporting it",
        _ => "the request could not be processed",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Client {
                status,
                detail,
                errors,
            } => problem_response(problem(status, detail, errors)),
            ApiError::Internal(e) => {
                // The enclosing span carries the request id.
                tracing::error!(error = format!("{e:#}"), "internal error");
                let s = StatusCode::INTERNAL_SERVER_ERROR;
                problem_response(problem(s, default_detail(s), Vec::new()))
            }
        }
    }
}
