//! Extractors: request bodies and query strings whose rejections are the one [`ApiError`], and
//! loaders that fetch an object and authorise the caller for it (404 when it may not see it).
//!
//! Extractors run in signature order, so a handler's signature is its order of checks:
//! key (401) → role (403) → object (404) → query (400) → body (415, 400, 422).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::app::AppState;
use crate::auth::{Caller, Firm, InsurerOrFirm, Role};
use crate::problem::{ApiError, FieldProblem, default_detail};
use crate::store::AssessmentRecord;

/// The request's media type without parameters, lower-case ("" when absent).
pub fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The body as JSON text: 415 unless `application/json` (or `application/*+json`), 400 when it
/// is empty (what `curl --data @missing-file` sends) or not UTF-8; the callers then check it is
/// JSON.
///
/// # Errors
/// 415 or 400 as above.
pub fn json_text(headers: &HeaderMap, body: &[u8]) -> Result<String, ApiError> {
    let mime = media_type(headers);
    if !(mime == "application/json"
        || (mime.starts_with("application/") && mime.ends_with("+json")))
    {
        return Err(ApiError::status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be application/json",
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the request body is not UTF-8"))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty body: the request needs a JSON document (with curl, check the file named after --data @ exists)",
        ));
    }
    Ok(text.to_string())
}

fn not_json(e: &serde_json::Error) -> ApiError {
    ApiError::bad_request(format!(
        "the request body is not valid JSON (line {}, column {})",
        e.line(),
        e.column()
    ))
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|r| {
        let status = r.status();
        ApiError::status(status, default_detail(status))
    })
}

/// A JSON document for the core's own parser (`LossSpec::parse`, `FirmProfile::parse`, which
/// report every field error with its path): checked to be JSON here (415, 400), so the core's
/// errors are all 422.
#[derive(Debug, Clone)]
pub struct JsonText(pub String);

impl<S: Send + Sync> FromRequest<S> for JsonText {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let headers = req.headers().clone();
        let body = body_bytes(req, state).await?;
        let text = json_text(&headers, &body)?;
        match parse_unique(&text) {
            Ok(_) => {}
            // Deeper than the parser's limit: if it is well-formed, the core's parse reports its
            // shape (422); the skip below has no depth limit and needs no stack.
            Err(Ok(_)) => {
                serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|e| not_json(&e))?;
            }
            Err(Err(problem)) => return Err(problem),
        }
        Ok(JsonText(text))
    }
}

/// A JSON object body read as `T` (its wire type, `deny_unknown_fields`): 415 unless JSON media
/// type, 400 unless JSON, 422 when it is not an object of `T`'s shape (the field's path, or
/// `body`, and serde's message; a missing field is `<path>: is required`).
#[derive(Debug, Clone)]
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let headers = req.headers().clone();
        let body = body_bytes(req, state).await?;
        let text = json_text(&headers, &body)?;
        // One parse of the text (syntax and repeated keys); the typed read below walks the tree.
        let value = parse_unique(&text).map_err(|e| match e {
            Ok(deep) => not_json(&deep),
            Err(problem) => problem,
        })?;
        if !value.is_object() {
            return Err(ApiError::invalid_field("body", "must be a JSON object"));
        }
        serde_path_to_error::deserialize(value)
            .map(AppJson)
            .map_err(|e| ApiError::invalid(vec![field_problem(&e)]))
    }
}

/// The body's JSON `text` parsed once into a value: 400 unless JSON, 422 naming the first key an
/// object repeats (serde would keep the last of them, so `{"insurer": "a", "insurer": "b"}` would
/// silently mean `b`); `Err(Ok(e))` when it nests past serde_json's depth limit of 128 (`e` says
/// where), which each extractor answers in its own way.
fn parse_unique(text: &str) -> Result<Value, Result<serde_json::Error, ApiError>> {
    use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};

    /// A JSON value whose objects have no repeated key (the error names the key).
    struct Unique(Value);
    struct UniqueVisitor;

    impl<'de> Deserialize<'de> for Unique {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(UniqueVisitor)
        }
    }

    impl<'de> Visitor<'de> for UniqueVisitor {
        type Value = Unique;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Unique, E> {
            Ok(Unique(Value::Bool(v)))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Unique, E> {
            Ok(Unique(Value::from(v)))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Unique, E> {
            Ok(Unique(Value::from(v)))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Unique, E> {
            Ok(Unique(Value::from(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Unique, E> {
            Ok(Unique(Value::String(v.to_owned())))
        }
        fn visit_string<E>(self, v: String) -> Result<Unique, E> {
            Ok(Unique(Value::String(v)))
        }
        fn visit_unit<E>(self) -> Result<Unique, E> {
            Ok(Unique(Value::Null))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Unique, A::Error> {
            let mut items = Vec::new();
            while let Some(Unique(v)) = a.next_element::<Unique>()? {
                items.push(v);
            }
            Ok(Unique(Value::Array(items)))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Unique, A::Error> {
            let mut map = serde_json::Map::new();
            while let Some(k) = a.next_key::<String>()? {
                if map.contains_key(&k) {
                    // Skip the value so the path below points at this object.
                    a.next_value::<IgnoredAny>()?;
                    return Err(A::Error::custom(format!("duplicate key `{k}`")));
                }
                let Unique(v) = a.next_value::<Unique>()?;
                map.insert(k, v);
            }
            Ok(Unique(Value::Object(map)))
        }
    }

    let de = &mut serde_json::Deserializer::from_str(text);
    let e = match serde_path_to_error::deserialize::<_, Unique>(&mut *de) {
        Ok(Unique(v)) => {
            // Nothing but whitespace may follow the value.
            de.end().map_err(|e| Err(not_json(&e)))?;
            return Ok(v);
        }
        Err(e) => e,
    };
    let message = e.inner().to_string();
    let Some(key) = message
        .strip_prefix("duplicate key `")
        .and_then(|m| m.split_once('`'))
        .map(|(k, _)| k.to_string())
    else {
        return Err(if message.starts_with("recursion limit exceeded") {
            Ok(e.into_inner())
        } else {
            Err(not_json(e.inner()))
        });
    };
    let path = e.path().to_string();
    let field = if path == "." {
        key.clone()
    } else {
        format!("{path}.{key}")
    };
    Err(Err(ApiError::invalid_field(
        &field,
        format!("duplicate key `{key}` (each key may appear once)"),
    )))
}

fn field_problem(e: &serde_path_to_error::Error<serde_json::Error>) -> FieldProblem {
    let path = e.path().to_string();
    let message = e.inner().to_string();
    let in_body = |p: &str| {
        if p == "." {
            "body".to_string()
        } else {
            p.to_string()
        }
    };
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        let field = if path == "." {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        return FieldProblem {
            field,
            message: "is required".into(),
        };
    }
    if message.starts_with("unknown field `") {
        // The object holding the unknown key is at fault (the message names the key).
        let mut segments: Vec<String> = e.path().iter().map(ToString::to_string).collect();
        segments.pop();
        let parent = segments.join(".");
        return FieldProblem {
            field: if parent.is_empty() {
                "body".into()
            } else {
                parent
            },
            message,
        };
    }
    FieldProblem {
        field: in_body(&path),
        message,
    }
}

/// A query string read as `T`: 400 naming what is wrong.
#[derive(Debug, Clone)]
pub struct AppQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AppQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| AppQuery(t))
            .map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text())))
    }
}

/// The `{id}` segment of the route.
async fn path_id(parts: &mut Parts, state: &AppState) -> Result<String, ApiError> {
    let Path(mut segments) = Path::<BTreeMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::not_found())?;
    segments.remove("id").ok_or_else(ApiError::not_found)
}

/// An assessment the caller may read — its owner, or an insurer the owning firm shared it with
/// — with that caller (401, 403 for admins, 404 for anyone else, whether or not it exists).
#[derive(Debug, Clone)]
pub struct ReadableAssessment {
    /// Who asks.
    pub caller: Caller,
    /// What it may read.
    pub record: AssessmentRecord,
}

impl FromRequestParts<AppState> for ReadableAssessment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let InsurerOrFirm(caller) = InsurerOrFirm::from_request_parts(parts, state).await?;
        let id = path_id(parts, state).await?;
        let record = state
            .store()
            .assessment(&id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        if record.owner == caller
            || (caller.role == Role::Insurer
                && state.store().is_shared(&id, &caller.subject).await?)
        {
            Ok(ReadableAssessment { caller, record })
        } else {
            Err(ApiError::not_found())
        }
    }
}

/// An assessment of the calling firm (401, 403 for other roles, 404 for other firms' and
/// missing ones).
#[derive(Debug, Clone)]
pub struct OwnedAssessment {
    /// The owning firm.
    pub caller: Caller,
    /// Its assessment.
    pub record: AssessmentRecord,
}

impl FromRequestParts<AppState> for OwnedAssessment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Firm(caller) = Firm::from_request_parts(parts, state).await?;
        let id = path_id(parts, state).await?;
        match state.store().assessment(&id).await? {
            Some(record) if record.owner == caller => Ok(OwnedAssessment { caller, record }),
            _ => Err(ApiError::not_found()),
        }
    }
}
