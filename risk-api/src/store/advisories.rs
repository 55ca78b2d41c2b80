//! Table `advisories`: hubs' advisories as published and withdrawn. A publication or withdrawal
//! and the threat-table version it makes are written in one transaction.

use sqlx::Row;

use super::threats::{NewThreatVersion, insert_version};
use super::{Store, now};

/// A stored advisory.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AdvisoryRow {
    /// The hub's id.
    pub id: String,
    /// Headline.
    pub title: String,
    /// Industries (JSON list).
    pub industries: String,
    /// Multipliers per peril (JSON object).
    pub multipliers: String,
    /// In force from (RFC 3339 UTC).
    pub valid_from: String,
    /// In force until just before (RFC 3339 UTC).
    pub valid_until: String,
    /// Where it comes from.
    pub source: String,
    /// TLP label (`clear`, `green`, `amber`, `amber+strict`, `red`).
    pub tlp: String,
    /// `json` or `stix`: the form it was sent in.
    pub format: String,
    /// The document as sent.
    pub document: String,
    /// Subject of the hub that published it.
    pub published_by: String,
    /// When (RFC 3339).
    pub published_at: String,
    /// When it was withdrawn (None: it stands).
    pub withdrawn_at: Option<String>,
    /// Who withdrew it.
    pub withdrawn_by: Option<String>,
}

/// How a write that makes a new threat-table version ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionWrite {
    /// Committed as this version.
    Committed(i64),
    /// Another change took the version number first: nothing was written; re-read and retry.
    Raced,
    /// The advisory's id is taken (publication) or it is not a standing advisory of this hub
    /// (withdrawal): nothing was written.
    Refused,
}

const COLUMNS: &str = "id, title, industries, multipliers, valid_from, valid_until, source, tlp, \
    format, document, published_by, published_at, withdrawn_at, withdrawn_by";

fn raced(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// Stores a new advisory and the version `prev + 1` it makes, in one transaction.
    ///
    /// # Errors
    /// Database failures.
    pub async fn publish_advisory(
        &self,
        a: &AdvisoryRow,
        prev: i64,
        version: &NewThreatVersion,
    ) -> Result<VersionWrite, sqlx::Error> {
        let mut tx = self.db()?.begin().await?;
        let taken = sqlx::query("SELECT 1 AS one FROM advisories WHERE id = $1")
            .bind(a.id.clone())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if taken {
            return Ok(VersionWrite::Refused);
        }
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO advisories ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL)"
        )))
        .bind(a.id.clone())
        .bind(a.title.clone())
        .bind(a.industries.clone())
        .bind(a.multipliers.clone())
        .bind(a.valid_from.clone())
        .bind(a.valid_until.clone())
        .bind(a.source.clone())
        .bind(a.tlp.clone())
        .bind(a.format.clone())
        .bind(a.document.clone())
        .bind(a.published_by.clone())
        .bind(a.published_at.clone())
        .execute(&mut *tx)
        .await;
        match r {
            Err(e) if raced(&e) => return Ok(VersionWrite::Refused),
            r => r?,
        };
        match insert_version(&mut tx, prev, version, &a.published_at).await {
            Err(e) if raced(&e) => return Ok(VersionWrite::Raced),
            r => r?,
        };
        tx.commit().await?;
        Ok(VersionWrite::Committed(prev + 1))
    }

    /// Marks advisory `id` of hub `by` withdrawn and appends version `prev + 1`, in one
    /// transaction.
    ///
    /// # Errors
    /// Database failures.
    pub async fn withdraw_advisory(
        &self,
        id: &str,
        by: &str,
        prev: i64,
        version: &NewThreatVersion,
    ) -> Result<VersionWrite, sqlx::Error> {
        let at = now();
        let mut tx = self.db()?.begin().await?;
        let done = sqlx::query(
            "UPDATE advisories SET withdrawn_at = $1, withdrawn_by = $2 \
             WHERE id = $3 AND published_by = $4 AND withdrawn_at IS NULL",
        )
        .bind(at.clone())
        .bind(by.to_string())
        .bind(id.to_string())
        .bind(by.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(VersionWrite::Refused);
        }
        match insert_version(&mut tx, prev, version, &at).await {
            Err(e) if raced(&e) => return Ok(VersionWrite::Raced),
            r => r?,
        };
        tx.commit().await?;
        Ok(VersionWrite::Committed(prev + 1))
    }

    /// Appends version `prev + 1` (an override, or an advisory's validity starting or ending).
    ///
    /// # Errors
    /// Database failures.
    pub async fn append_threat_version(
        &self,
        prev: i64,
        version: &NewThreatVersion,
    ) -> Result<VersionWrite, sqlx::Error> {
        let mut tx = self.db()?.begin().await?;
        match insert_version(&mut tx, prev, version, &now()).await {
            Err(e) if raced(&e) => return Ok(VersionWrite::Raced),
            r => r?,
        };
        tx.commit().await?;
        Ok(VersionWrite::Committed(prev + 1))
    }

    /// One advisory by id.
    ///
    /// # Errors
    /// Database failures.
    pub async fn advisory(&self, id: &str) -> Result<Option<AdvisoryRow>, sqlx::Error> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM advisories WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(self.db()?)
        .await
    }

    /// Every advisory not withdrawn (what the table in force is derived from), oldest first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn standing_advisories(&self) -> Result<Vec<AdvisoryRow>, sqlx::Error> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM advisories WHERE withdrawn_at IS NULL \
             ORDER BY published_at, id"
        )))
        .fetch_all(self.db()?)
        .await
    }

    /// One page of the advisories a caller may read, newest first (published_at descending,
    /// then id): those labelled one of `labels`, and those `hub` published (None: none by
    /// that rule); at most `limit`, after the row with sort key `after`.
    ///
    /// # Errors
    /// Database failures.
    pub async fn advisory_page(
        &self,
        labels: &[&str],
        hub: Option<&str>,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> Result<Vec<AdvisoryRow>, sqlx::Error> {
        // Placeholders are numbered in bind order, each bound once.
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let mut who: Vec<String> = Vec::new();
        if !labels.is_empty() {
            let ps: Vec<String> = labels.iter().map(|_| next()).collect();
            who.push(format!("tlp IN ({})", ps.join(", ")));
        }
        if hub.is_some() {
            who.push(format!("published_by = {}", next()));
        }
        if who.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = format!(
            "SELECT {COLUMNS} FROM advisories WHERE ({})",
            who.join(" OR ")
        );
        if after.is_some() {
            let (a, b, c) = (next(), next(), next());
            sql.push_str(&format!(
                " AND (published_at < {a} OR (published_at = {b} AND id > {c}))"
            ));
        }
        sql.push_str(&format!(" ORDER BY published_at DESC, id LIMIT {}", next()));
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for l in labels {
            q = q.bind(l.to_string());
        }
        if let Some(h) = hub {
            q = q.bind(h.to_string());
        }
        if let Some((at, id)) = after {
            q = q
                .bind(at.to_string())
                .bind(at.to_string())
                .bind(id.to_string());
        }
        let limit = i64::try_from(limit).map_err(|e| sqlx::Error::Encode(e.into()))?;
        q.bind(limit).fetch_all(self.db()?).await
    }

    /// Ids and industries (`firm.industry` of the stored profile) of every stored assessment:
    /// what re-pricing after a threat-table change selects from.
    ///
    /// # Errors
    /// Database failures.
    pub async fn assessment_industries(&self) -> Result<Vec<(String, String)>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, profile FROM assessments ORDER BY created_at, id")
            .fetch_all(self.db()?)
            .await?;
        rows.iter()
            .map(|r| {
                let profile: String = r.try_get("profile")?;
                let industry = serde_json::from_str::<serde_json::Value>(&profile)
                    .ok()
                    .and_then(|v| v["firm"]["industry"].as_str().map(str::to_string))
                    .unwrap_or_default();
                Ok((r.try_get("id")?, industry))
            })
            .collect()
    }
}
