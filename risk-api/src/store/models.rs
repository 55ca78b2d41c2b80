//! Table `models`: model versions an admin published.

use super::Store;

/// A published model version.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ModelRow {
    /// `name-version`.
    pub id: String,
    /// Hash of the file (as the model loader computes it).
    pub hash: String,
    /// The TOML file.
    pub body: String,
    /// Admin who published it.
    pub published_by: String,
    /// When (RFC 3339).
    pub published_at: String,
}

impl Store {
    /// Stores a published model version. Returns false (and writes nothing) when a version with
    /// that id is already stored.
    ///
    /// # Errors
    /// Database failures.
    pub async fn insert_model(&self, m: &ModelRow) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "INSERT INTO models (id, hash, body, published_by, published_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(m.id.clone())
        .bind(m.hash.clone())
        .bind(m.body.clone())
        .bind(m.published_by.clone())
        .bind(m.published_at.clone())
        .execute(self.db()?)
        .await;
        match r {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every published model version, oldest publication first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn models(&self) -> Result<Vec<ModelRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, hash, body, published_by, published_at FROM models \
             ORDER BY published_at, id",
        )
        .fetch_all(self.db()?)
        .await
    }
}
