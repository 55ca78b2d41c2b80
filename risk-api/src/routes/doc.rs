//! The shared parts of the OpenAPI document: problem responses declared once (each a type
//! handlers list in `responses(...)`), the responses every operation may give, the bearer
//! scheme, and each operation's roles stated in its description.
//!
//! Each operation lists the roles it admits as the scopes of its `bearer` requirement
//! (`security(("bearer" = ["insurer", "firm"]))`; OpenAPI 3.1 lets non-OAuth schemes name roles
//! there, and an empty list means any authenticated caller); [`Roles`] repeats them in words.

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, Object, Ref, RefOr, Response, ResponseBuilder, Type};

use crate::problem::PROBLEM_JSON;

/// An `application/problem+json` response (with `Retry-After` when `retry`).
fn problem(description: &str, retry: bool) -> Response {
    let mut r = ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        Content::new(Some(Ref::from_schema_name("Problem"))),
    );
    if retry {
        r = r.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(Object::with_type(Type::Integer)))
                .description(Some("Seconds to wait before retrying"))
                .build(),
        );
    }
    r.build()
}

macro_rules! problems {
    ($($(#[$doc:meta])* $name:ident: [$(($code:literal, $description:literal)),+ $(,)?];)+) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    BTreeMap::from([$(($code.to_string(), problem($description, false).into())),+])
                }
            }
        )+
    };
}

problems! {
    /// 401 only (any authenticated caller may).
    Authenticated: [("401", "No or unknown API key")];
    /// 401 and 403: operations of some roles.
    RoleGuarded: [("401", "No or unknown API key"), ("403", "The caller's role may not do this")];
    /// 401, 403 and 404: operations on one object the caller must be allowed to see.
    ObjectGuarded: [
        ("401", "No or unknown API key"),
        ("403", "The caller's role may not do this"),
        ("404", "No such object, or not one the caller may see"),
    ];
    /// 400: the body is not JSON, or the query string is malformed.
    BadRequest: [("400", "The body is not JSON, or the query string is malformed")];
    /// 404 (nothing the caller may see here).
    NotFound: [("404", "No such resource")];
    /// 409.
    Conflict: [("409", "Conflicts with what is stored")];
    /// 413.
    TooLarge: [("413", "The request body, or what it asks for, is over a cap")];
    /// 415.
    UnsupportedMedia: [("415", "Unsupported media type of the body")];
    /// 422: failed validation, with `errors` naming each field.
    Invalid: [("422", "Failed validation; `errors` names each field")];
}

/// Responses any operation may give besides its own: 400 for a malformed request line or
/// query, 500, 503 with `Retry-After` (simulation pool saturated, or the request timed out), 429
/// with `Retry-After` for operations that take a key (repeated failed authentication), and
/// for operations with a body 408 (it did not arrive in time), 413 and 415.
pub struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for op in operations(openapi) {
            let mut common = vec![
                ("400", problem("Malformed request", false)),
                ("500", problem("Internal error", false)),
                (
                    "503",
                    problem("Simulation pool saturated or request timed out", true),
                ),
            ];
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                common.push((
                    "429",
                    problem("Too many failed authentications from this client", true),
                ));
            }
            if op.request_body.is_some() {
                common.extend([
                    (
                        "408",
                        problem("The request body did not arrive in time", false),
                    ),
                    ("413", problem("The request body is too large", false)),
                    ("415", problem("Unsupported media type of the body", false)),
                ]);
            }
            for (code, response) in common {
                op.responses
                    .responses
                    .entry(code.to_string())
                    .or_insert_with(|| response.into());
            }
        }
    }
}

/// The operations of `openapi`, mutably.
fn operations(
    openapi: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
    })
}

/// Appends to each operation's description who may call it: the roles of its `bearer`
/// requirement, any authenticated caller, or anyone.
pub struct Roles;

impl utoipa::Modify for Roles {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for op in operations(openapi) {
            let roles: Option<Vec<String>> = op.security.as_ref().map(|reqs| {
                reqs.iter()
                    .filter_map(|r| serde_json::to_value(r).ok())
                    .filter_map(|v| serde_json::from_value::<Vec<String>>(v["bearer"].clone()).ok())
                    .flatten()
                    .collect()
            });
            let line = match roles {
                None => "**Authentication:** none.".to_string(),
                Some(r) if r.is_empty() => {
                    "**Authentication:** `Authorization: Bearer <key>`; any role.".to_string()
                }
                Some(r) => format!(
                    "**Authentication:** `Authorization: Bearer <key>`; roles: {}.",
                    r.join(", ")
                ),
            };
            op.description = Some(match op.description.take() {
                Some(d) if !d.is_empty() => format!("{d}\n\n{line}"),
                _ => line,
            });
        }
    }
}

/// The `bearer` security scheme (`Authorization: Bearer <key>`).
pub struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some(
            "An API key made by `risk keys create --role admin|insurer|firm|certifier|hub`, sent as \
             `Authorization: Bearer <key>` (never in a URL). No or unknown key: 401; a role the \
             operation does not admit: 403."
                .into(),
        );
        c.add_security_scheme("bearer", SecurityScheme::Http(bearer));
    }
}
