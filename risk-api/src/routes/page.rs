//! Cursor pagination of listings (contract §15): `?limit=` and `?after=<cursor>` in, `{"items":
//! […], "next": "<cursor>" | null}` out.
//!
//! Why cursors and not offsets: a listing is read while objects are being added, and an offset
//! would skip or repeat items when one is inserted before it; a cursor names the last item seen
//! (its creation time and id, the listing's sort key), so every page starts exactly after it.
//! The cursor is opaque to clients (hex of that key): they pass back what they were given.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::AppQuery;
use crate::problem::ApiError;

/// Items on a page when `limit` is not given.
pub const DEFAULT_PAGE: u64 = 50;
/// Most items on one page.
pub const MAX_PAGE: u64 = 100;

/// Page settings of a listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Items on this page: 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u64>,
    /// The `next` cursor of the previous page (absent: the first page).
    pub after: Option<String>,
}

/// Where a listing's page starts: after the item with this sort key (creation time, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The last item's creation time, as stored.
    pub created_at: String,
    /// The last item's id.
    pub id: String,
}

impl Cursor {
    /// The opaque text handed to clients.
    pub fn encode(&self) -> String {
        hex::encode(format!("{}|{}", self.created_at, self.id))
    }

    /// The cursor a client passed back, if it is one this service made.
    pub fn decode(text: &str) -> Option<Cursor> {
        if text.len() > 512 {
            return None;
        }
        let raw = String::from_utf8(hex::decode(text).ok()?).ok()?;
        let (created_at, id) = raw.split_once('|')?;
        let rfc3339 = &time::format_description::well_known::Rfc3339;
        time::OffsetDateTime::parse(created_at, rfc3339).ok()?;
        // Ids of every listing: UUIDs, history positions, and advisory ids (1-128 of
        // `A-Z a-z 0-9 - _ . :`).
        let id_ok = !id.is_empty()
            && id.len() <= 128
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
        id_ok.then(|| Cursor {
            created_at: created_at.to_string(),
            id: id.to_string(),
        })
    }
}

/// A validated page request: the query (400), `limit` within 1..=[`MAX_PAGE`] (422 on
/// `limit`), `after` a cursor this service made (422 on `after`).
#[derive(Debug, Clone)]
pub struct Page {
    /// Items on this page.
    pub limit: u64,
    /// Start after this item (none: the first page).
    pub after: Option<Cursor>,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let AppQuery(q) = AppQuery::<PageParams>::from_request_parts(parts, state).await?;
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(ApiError::invalid_field(
                "limit",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        let after = match q.after {
            None => None,
            Some(t) => Some(Cursor::decode(&t).ok_or_else(|| {
                ApiError::invalid_field("after", "not a cursor of this listing (use `next`)")
            })?),
        };
        Ok(Page { limit, after })
    }
}

impl Page {
    /// The sort key the page starts after, as the store's listings take it: (created_at, id).
    pub fn after_key(&self) -> Option<(&str, &str)> {
        self.after
            .as_ref()
            .map(|c| (c.created_at.as_str(), c.id.as_str()))
    }

    /// Cuts `rows` (fetched with `limit + 1`, in listing order) to the page and says where the
    /// next one starts: `None` when nothing follows.
    pub fn split<T>(
        &self,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> Cursor,
    ) -> (Vec<T>, Option<String>) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() <= limit {
            return (rows, None);
        }
        rows.truncate(limit);
        let next = rows.last().map(|r| key(r).encode());
        (rows, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_this_service_did_not_make() {
        let c = Cursor {
            created_at: "2026-12-06T09:20:01.5Z".into(),
            id: "6f0c7a3e-0000-4000-8000-000000000000".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in [
            "",
            "zz",
            "00",
            &hex::encode("no-bar"),
            &hex::encode("yesterday|x"),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
        assert_eq!(
            Cursor::decode(&hex::encode("2026-12-06T09:20:01Z|a'b")),
            None
        );
    }
}
