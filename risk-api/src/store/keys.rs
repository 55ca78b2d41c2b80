//! Table `api_keys`: key hashes and the caller each belongs to.

use sqlx::Row;

use super::{Store, now};
use crate::keys::{Caller, Role};

/// A stored key as `risk keys list` shows it: never the key, nor its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    /// The key's id (the first 16 hex digits of its hash).
    pub id: String,
    /// Its role.
    pub role: String,
    /// Its holder.
    pub subject: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// The day it stops working (YYYY-MM-DD, UTC), if any.
    pub expires_at: Option<String>,
    /// When it was revoked (RFC 3339), if it was.
    pub revoked_at: Option<String>,
}

/// The id of a key with this hash.
pub fn key_id(hash: &str) -> String {
    hash.chars().take(16).collect()
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl Store {
    /// Stores a key's hash (no expiry).
    ///
    /// # Errors
    /// Database failures.
    pub async fn insert_key(&self, hash: &str, caller: &Caller) -> Result<(), sqlx::Error> {
        self.insert_key_expiring(hash, caller, None).await.map(drop)
    }

    /// Stores a key's hash with an optional expiry day (YYYY-MM-DD; the key stops working at
    /// the start of that day, UTC); returns the key's id.
    ///
    /// # Errors
    /// Database failures.
    pub async fn insert_key_expiring(
        &self,
        hash: &str,
        caller: &Caller,
        expires: Option<&str>,
    ) -> Result<String, sqlx::Error> {
        let id = key_id(hash);
        sqlx::query(
            "INSERT INTO api_keys (key_hash, role, subject, created_at, id, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash.to_string())
        .bind(caller.role.as_str().to_string())
        .bind(caller.subject.clone())
        .bind(now())
        .bind(id.clone())
        .bind(expires.map(str::to_string))
        .execute(self.db()?)
        .await?;
        Ok(id)
    }

    /// The caller a key hash belongs to, unless the key was revoked or has expired.
    ///
    /// # Errors
    /// Database failures.
    pub async fn caller_by_key_hash(&self, hash: &str) -> Result<Option<Caller>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT role, subject, expires_at FROM api_keys \
             WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(hash.to_string())
        .fetch_optional(self.db()?)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let expires: Option<String> = r.try_get("expires_at")?;
        if expires.is_some_and(|e| today() >= e) {
            return Ok(None);
        }
        let role: String = r.try_get("role")?;
        Ok(Some(Caller {
            role: Role::parse(&role)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role:?}").into()))?,
            subject: r.try_get("subject")?,
        }))
    }

    /// Every key, oldest first (never a key or its hash).
    ///
    /// # Errors
    /// Database failures.
    pub async fn list_keys(&self) -> Result<Vec<KeyRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, role, subject, created_at, expires_at, revoked_at FROM api_keys \
             ORDER BY created_at, id",
        )
        .fetch_all(self.db()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(KeyRow {
                    id: r.try_get("id")?,
                    role: r.try_get("role")?,
                    subject: r.try_get("subject")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes the key with this id, or every key of this subject (`by_subject`); returns how
    /// many keys were revoked now (already revoked ones are left as they were).
    ///
    /// # Errors
    /// Database failures.
    pub async fn revoke_keys(&self, value: &str, by_subject: bool) -> Result<u64, sqlx::Error> {
        let sql = if by_subject {
            "UPDATE api_keys SET revoked_at = $1 WHERE subject = $2 AND revoked_at IS NULL"
        } else {
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"
        };
        Ok(sqlx::query(sql)
            .bind(now())
            .bind(value.to_string())
            .execute(self.db()?)
            .await?
            .rows_affected())
    }

    /// Whether an insurer key with this subject is stored.
    ///
    /// # Errors
    /// Database failures.
    pub async fn is_insurer(&self, subject: &str) -> Result<bool, sqlx::Error> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM api_keys WHERE role = 'insurer' AND subject = $1 AND revoked_at IS NULL LIMIT 1",
        )
        .bind(subject.to_string())
        .fetch_optional(self.db()?)
        .await?;
        Ok(row.is_some())
    }

    /// Number of keys stored.
    ///
    /// # Errors
    /// Database failures.
    pub async fn key_count(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COUNT(*) AS n FROM api_keys")
            .fetch_one(self.db()?)
            .await?
            .try_get("n")
    }
}
