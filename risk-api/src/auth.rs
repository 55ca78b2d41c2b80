//! Authentication and function-level authorisation as extractors.
//!
//! Requests carry a key as `Authorization: Bearer <key>`; the [`Caller`] extractor resolves it to
//! a role and a subject (401 otherwise). The role guards — [`Admin`], [`Insurer`], [`Firm`],
//! [`Certifier`], [`Hub`], [`InsurerOrFirm`], [`InsurerOrAdmin`] — add the role check (403), so a handler's signature
//! says who may call it. The extractors need a [`Store`] and an [`AuthThrottle`] from the state:
//! a client with too many failed authentications is answered 429 before its key is looked up.

use axum::extract::{FromRef, FromRequestParts};
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

pub use crate::keys::{Caller, Role, key_hash, new_key, valid_subject};
use crate::problem::{ApiError, RETRY_AFTER_SECS};
use crate::store::Store;
use crate::throttle::{AuthThrottle, Client};

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Store: FromRef<S>,
    AuthThrottle: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // Several extractors of one request may ask: the key is looked up once.
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or("?"));
        // No key at all is not a failed attempt; a key that is wrong or malformed is.
        let Some(header) = header else {
            return Err(ApiError::unauthorized());
        };
        let key = header
            .split_once(' ')
            .and_then(|(scheme, rest)| scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim()))
            .filter(|k| !k.is_empty() && k.len() <= 256);
        let throttle = AuthThrottle::from_ref(state);
        let client = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(a)) => Client::Addr(a.ip()),
            None => Client::KeyPrefix(key.unwrap_or("").chars().take(11).collect()),
        };
        if throttle.blocked(&client) {
            return Err(ApiError::status(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many failed authentications from this client; retry in {RETRY_AFTER_SECS} s (Retry-After)"
                ),
            ));
        }
        let caller = match key {
            Some(k) => {
                Store::from_ref(state)
                    .caller_by_key_hash(&key_hash(k))
                    .await?
            }
            None => None,
        };
        let Some(caller) = caller else {
            throttle.failed(client);
            return Err(ApiError::unauthorized());
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// The caller if its role is one of `roles`: 401 without a valid key, 403 for another role.
///
/// # Errors
/// [`ApiError::unauthorized`], [`ApiError::forbidden`].
pub async fn caller_with_role<S>(
    parts: &mut Parts,
    state: &S,
    roles: &[Role],
) -> Result<Caller, ApiError>
where
    S: Send + Sync,
    Store: FromRef<S>,
    AuthThrottle: FromRef<S>,
{
    let caller = Caller::from_request_parts(parts, state).await?;
    if roles.contains(&caller.role) {
        Ok(caller)
    } else {
        Err(ApiError::forbidden())
    }
}

macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident: $($role:ident)|+) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl<S> FromRequestParts<S> for $name
        where
            S: Send + Sync,
            Store: FromRef<S>,
            AuthThrottle: FromRef<S>,
        {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                caller_with_role(parts, state, &[$(Role::$role),+]).await.map($name)
            }
        }
    };
}

role_guard!(
    /// An admin (else 401 / 403).
    Admin: Admin
);
role_guard!(
    /// An insurer (else 401 / 403).
    Insurer: Insurer
);
role_guard!(
    /// A firm (else 401 / 403).
    Firm: Firm
);
role_guard!(
    /// A certification body (else 401 / 403).
    Certifier: Certifier
);
role_guard!(
    /// An information-sharing operator (else 401 / 403).
    Hub: Hub
);
role_guard!(
    /// An insurer or a firm: the roles that hold assessments (else 401 / 403).
    InsurerOrFirm: Insurer | Firm
);
role_guard!(
    /// An insurer or an admin: the roles that may run bare simulations (else 401 / 403).
    InsurerOrAdmin: Insurer | Admin
);
