//! Table `threat_levels`: the append-only history of sector threat levels.

use sqlx::Row;

use super::{Store, now};

/// One publication of a sector's threat levels.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ThreatRow {
    /// Position in the history (1, 2, …).
    pub seq: i64,
    /// Industry.
    pub industry: String,
    /// Per-peril multipliers, JSON object.
    pub levels: String,
    /// Where the levels come from (advisory reference).
    pub source: String,
    /// Subject of the admin who published it.
    pub published_by: String,
    /// When (RFC 3339).
    pub published_at: String,
}

impl Store {
    /// Appends a threat-level publication; returns its row.
    ///
    /// # Errors
    /// Database failures (after a few retries on a concurrent publication).
    pub async fn publish_threat(
        &self,
        industry: &str,
        levels: &str,
        source: &str,
        by: &str,
    ) -> Result<ThreatRow, sqlx::Error> {
        let at = now();
        let mut attempt = 0;
        loop {
            // The next seq is computed in the statement; two concurrent publications on
            // PostgreSQL can pick the same one, and the primary key makes the loser retry.
            let r = sqlx::query(
                "INSERT INTO threat_levels (seq, industry, levels, source, published_by, \
                 published_at) SELECT COALESCE(MAX(seq), 0) + 1, $1, $2, $3, $4, $5 \
                 FROM threat_levels RETURNING seq",
            )
            .bind(industry.to_string())
            .bind(levels.to_string())
            .bind(source.to_string())
            .bind(by.to_string())
            .bind(at.clone())
            .fetch_one(self.db()?)
            .await;
            match r {
                Ok(row) => {
                    return Ok(ThreatRow {
                        seq: row.try_get("seq")?,
                        industry: industry.into(),
                        levels: levels.into(),
                        source: source.into(),
                        published_by: by.into(),
                        published_at: at,
                    });
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempt < 5 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The whole threat-level history, oldest first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn threat_rows(&self) -> Result<Vec<ThreatRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT seq, industry, levels, source, published_by, published_at \
             FROM threat_levels ORDER BY seq",
        )
        .fetch_all(self.db()?)
        .await
    }
}
