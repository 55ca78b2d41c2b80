//! Table `api_keys`: key hashes and the caller each belongs to.

use sqlx::Row;

use super::{Store, now};
use crate::keys::{Caller, Role};

impl Store {
    /// Stores a key's hash.
    ///
    /// # Errors
    /// Database failures.
    pub async fn insert_key(&self, hash: &str, caller: &Caller) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO api_keys (key_hash, role, subject, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash.to_string())
        .bind(caller.role.as_str().to_string())
        .bind(caller.subject.clone())
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The caller a key hash belongs to.
    ///
    /// # Errors
    /// Database failures.
    pub async fn caller_by_key_hash(&self, hash: &str) -> Result<Option<Caller>, sqlx::Error> {
        let row = sqlx::query("SELECT role, subject FROM api_keys WHERE key_hash = $1")
            .bind(hash.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let role: String = r.try_get("role")?;
            Ok(Caller {
                role: Role::parse(&role)
                    .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role:?}").into()))?,
                subject: r.try_get("subject")?,
            })
        })
        .transpose()
    }

    /// Whether an insurer key with this subject is stored.
    ///
    /// # Errors
    /// Database failures.
    pub async fn is_insurer(&self, subject: &str) -> Result<bool, sqlx::Error> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM api_keys WHERE role = 'insurer' AND subject = $1 LIMIT 1",
        )
        .bind(subject.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Number of keys stored.
    ///
    /// # Errors
    /// Database failures.
    pub async fn key_count(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COUNT(*) AS n FROM api_keys")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }
}
