//! Table `threat_levels`: the append-only history of the sector threat table. Each row is one
//! version: before migration 0009 a whole-row publication of one industry's levels; from then on
//! a change (an advisory published, withdrawn, expired or coming into force, an admin override)
//! with the admin's base levels and the whole table in force after it.

use sqlx::Row;

use super::{Store, now};

/// One version of the threat table.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ThreatRow {
    /// Position in the history (1, 2, …): the table's version.
    pub seq: i64,
    /// Legacy rows: the industry published. Newer rows: the industries whose multipliers moved,
    /// comma-separated.
    pub industry: String,
    /// Legacy rows: the industry's per-peril multipliers. Newer rows: the levels an override
    /// set (JSON object; `{}` for other changes).
    pub levels: String,
    /// Legacy rows: where the levels come from. Newer rows: the advisory id, or the override's
    /// source.
    pub source: String,
    /// Who made the change (`system` for an advisory's validity starting or ending).
    pub published_by: String,
    /// When (RFC 3339).
    pub published_at: String,
    /// `publish`, `withdraw`, `expire`, `start` or `override`; None for a legacy row.
    pub kind: Option<String>,
    /// What changed (JSON object).
    pub detail: Option<String>,
    /// The admin's base levels after the change (JSON {industry: {peril: m}}).
    pub base: Option<String>,
    /// The table in force after the change (JSON {industry: {peril: {multiplier, advisories}}}).
    pub snapshot: Option<String>,
}

/// A change to append as the next version.
#[derive(Debug, Clone, PartialEq)]
pub struct NewThreatVersion {
    /// Industries whose multipliers moved, comma-separated.
    pub industries: String,
    /// The levels an override set (JSON), else `{}`.
    pub levels: String,
    /// The advisory id or the override's source.
    pub source: String,
    /// Who.
    pub by: String,
    /// `publish`, `withdraw`, `expire`, `start` or `override`.
    pub kind: String,
    /// What changed (JSON object).
    pub detail: String,
    /// Base levels after it (JSON).
    pub base: String,
    /// The table in force after it (JSON).
    pub snapshot: String,
}

const COLUMNS: &str =
    "seq, industry, levels, source, published_by, published_at, kind, detail, base, snapshot";

impl Store {
    /// Appends a legacy whole-row publication of one industry's levels; returns its row. Kept
    /// for stores and tests that write the pre-0009 form; the service writes versions with
    /// [`Store::append_threat_version`].
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
                        kind: None,
                        detail: None,
                        base: None,
                        snapshot: None,
                    });
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempt < 5 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The whole threat-table history, oldest first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn threat_rows(&self) -> Result<Vec<ThreatRow>, sqlx::Error> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM threat_levels ORDER BY seq"
        )))
        .fetch_all(self.db()?)
        .await
    }

    /// The newest version (None: the model file's table is in force).
    ///
    /// # Errors
    /// Database failures.
    pub async fn latest_threat_row(&self) -> Result<Option<ThreatRow>, sqlx::Error> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM threat_levels ORDER BY seq DESC LIMIT 1"
        )))
        .fetch_optional(self.db()?)
        .await
    }
}

/// Appends version `prev + 1` inside `tx`: fails with a unique violation when another change
/// took that number first (the caller re-reads and tries again).
pub(super) async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    prev: i64,
    v: &NewThreatVersion,
    at: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO threat_levels (seq, industry, levels, source, published_by, published_at, \
         kind, detail, base, snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(prev + 1)
    .bind(v.industries.clone())
    .bind(v.levels.clone())
    .bind(v.source.clone())
    .bind(v.by.clone())
    .bind(at.to_string())
    .bind(v.kind.clone())
    .bind(v.detail.clone())
    .bind(v.base.clone())
    .bind(v.snapshot.clone())
    .execute(&mut **tx)
    .await?;
    Ok(prev + 1)
}
