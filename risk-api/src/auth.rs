//! Authentication and function-level authorisation as extractors.
//!
//! Requests carry a key as `Authorization: Bearer <key>`; the [`Caller`] extractor resolves it to
//! a role and a subject (401 otherwise). The role guards — [`Admin`], [`Insurer`], [`Firm`],
//! [`InsurerOrFirm`], [`InsurerOrAdmin`] — add the role check (403), so a handler's signature
//! says who may call it. The extractors need only a [`Store`] from the state.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

pub use crate::keys::{Caller, Role, key_hash, new_key, valid_subject};
use crate::problem::ApiError;
use crate::store::Store;

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Store: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // Several extractors of one request may ask: the key is looked up once.
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let key = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|k| !k.is_empty() && k.len() <= 256)
            .ok_or_else(ApiError::unauthorized)?;
        let caller = Store::from_ref(state)
            .caller_by_key_hash(&key_hash(key))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
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
    /// An insurer or a firm: the roles that hold assessments (else 401 / 403).
    InsurerOrFirm: Insurer | Firm
);
role_guard!(
    /// An insurer or an admin: the roles that may run bare simulations (else 401 / 403).
    InsurerOrAdmin: Insurer | Admin
);
