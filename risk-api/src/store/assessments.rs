//! Tables `assessments` and `shares`: stored assessments and the insurers each was shared with.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use super::{Store, now};
use crate::dto::firm::AssessmentDto;
use crate::keys::{Caller, Role};

/// A stored assessment with everything needed to re-run it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRecord {
    /// Random UUID v4.
    pub id: String,
    /// Who created it (and may always read it).
    pub owner: Caller,
    /// The firm profile exactly as sent.
    pub profile: String,
    /// `name-version` of the model.
    pub model_version: String,
    /// Hash of the model file.
    pub model_hash: String,
    /// Version string of the threat table used.
    pub threat_version: String,
    /// Threat-level history position used (0: the model's own table).
    pub threat_seq: i64,
    /// Certificate-registry position used (0: before any registration).
    pub registry_seq: i64,
    /// Seed.
    pub seed: u64,
    /// Simulated years.
    pub trials: u64,
    /// Valuation date used (the profile's `as_of`, or the day it was assessed).
    pub as_of: String,
    /// The Assessment JSON, insurer view.
    pub result: String,
    /// When it was stored (RFC 3339).
    pub created_at: String,
}

impl AssessmentRecord {
    /// The stored result read as its wire type (the insurer view).
    ///
    /// # Errors
    /// When `result` is not an Assessment document.
    pub fn assessment(&self) -> serde_json::Result<AssessmentDto> {
        serde_json::from_str(&self.result)
    }
}

impl Store {
    /// Stores an assessment; returns once it is committed.
    ///
    /// # Errors
    /// Database failures (including a duplicate id).
    pub async fn insert_assessment(&self, a: &AssessmentRecord) -> Result<(), sqlx::Error> {
        self.insert_assessment_relying(a, &[]).await
    }

    /// Stores an assessment and the registered certificates (row ids) it relied on, in one
    /// transaction; returns once it is committed.
    ///
    /// # Errors
    /// Database failures (including a duplicate id).
    pub async fn insert_assessment_relying(
        &self,
        a: &AssessmentRecord,
        certificates: &[String],
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.db()?.begin().await?;
        sqlx::query(
            "INSERT INTO assessments (id, owner_role, owner_subject, profile, model_version, \
             model_hash, threat_version, threat_seq, seed, trials, as_of, result, created_at, \
             registry_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(a.id.clone())
        .bind(a.owner.role.as_str().to_string())
        .bind(a.owner.subject.clone())
        .bind(a.profile.clone())
        .bind(a.model_version.clone())
        .bind(a.model_hash.clone())
        .bind(a.threat_version.clone())
        .bind(a.threat_seq)
        .bind(a.seed.to_string())
        .bind(i64::try_from(a.trials).map_err(|e| sqlx::Error::Encode(e.into()))?)
        .bind(a.as_of.clone())
        .bind(a.result.clone())
        .bind(a.created_at.clone())
        .bind(a.registry_seq)
        .execute(&mut *tx)
        .await?;
        for c in certificates {
            sqlx::query(
                "INSERT INTO assessment_certificates (assessment_id, certificate) VALUES ($1, $2)",
            )
            .bind(a.id.clone())
            .bind(c.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// An assessment by id.
    ///
    /// # Errors
    /// Database failures.
    pub async fn assessment(&self, id: &str) -> Result<Option<AssessmentRecord>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, owner_role, owner_subject, profile, model_version, model_hash, \
             threat_version, threat_seq, seed, trials, as_of, result, created_at, registry_seq \
             FROM assessments WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(self.db()?)
        .await?;
        row.map(|r| AssessmentRecord::from_row(&r)).transpose()
    }

    /// Ids of every assessment (oldest first); for tests and operators.
    ///
    /// # Errors
    /// Database failures.
    pub async fn assessment_ids(&self) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query("SELECT id FROM assessments ORDER BY created_at, id")
            .fetch_all(self.db()?)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect()
    }

    /// One page of the assessments `caller` may read, newest first (creation time descending,
    /// then id): its own, and for an insurer also those shared with it; at most `limit` rows,
    /// starting after the row with sort key `after` = (created_at, id). Full records (the
    /// listing reads name and score from `result`).
    ///
    /// # Errors
    /// Database failures.
    pub async fn readable_assessments(
        &self,
        caller: &Caller,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> Result<Vec<AssessmentRecord>, sqlx::Error> {
        // Placeholders are numbered in bind order, each bound once (SQLite and PostgreSQL alike).
        let insurer = caller.role == Role::Insurer;
        let mut sql = String::from(
            "SELECT id, owner_role, owner_subject, profile, model_version, model_hash, \
             threat_version, threat_seq, seed, trials, as_of, result, created_at, registry_seq \
             FROM assessments WHERE ((owner_role = $1 AND owner_subject = $2)",
        );
        let mut n = 2;
        if insurer {
            sql.push_str(" OR id IN (SELECT assessment_id FROM shares WHERE insurer = $3)");
            n = 3;
        }
        sql.push(')');
        if after.is_some() {
            // Strictly after the cursor in (created_at DESC, id ASC) order.
            sql.push_str(&format!(
                " AND (created_at < ${} OR (created_at = ${} AND id > ${}))",
                n + 1,
                n + 2,
                n + 3
            ));
            n += 3;
        }
        sql.push_str(&format!(" ORDER BY created_at DESC, id LIMIT ${}", n + 1));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(caller.role.as_str().to_string())
            .bind(caller.subject.clone());
        if insurer {
            q = q.bind(caller.subject.clone());
        }
        if let Some((created_at, id)) = after {
            q = q
                .bind(created_at.to_string())
                .bind(created_at.to_string())
                .bind(id.to_string());
        }
        let limit = i64::try_from(limit).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let rows = q.bind(limit).fetch_all(self.db()?).await?;
        rows.iter().map(AssessmentRecord::from_row).collect()
    }

    /// Lets `insurer` read assessment `id` (idempotent).
    ///
    /// # Errors
    /// Database failures.
    pub async fn grant(&self, id: &str, insurer: &str, by: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO shares (assessment_id, insurer, granted_by, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (assessment_id, insurer) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(insurer.to_string())
        .bind(by.to_string())
        .bind(now())
        .execute(self.db()?)
        .await?;
        Ok(())
    }

    /// Withdraws `insurer`'s access to `id`; false if it had none.
    ///
    /// # Errors
    /// Database failures.
    pub async fn revoke(&self, id: &str, insurer: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("DELETE FROM shares WHERE assessment_id = $1 AND insurer = $2")
            .bind(id.to_string())
            .bind(insurer.to_string())
            .execute(self.db()?)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// The insurers that may read `id`, oldest grant first (at most [`MAX_SHARES_LISTED`]).
    ///
    /// # Errors
    /// Database failures.
    pub async fn shares_of(&self, id: &str) -> Result<Vec<ShareRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT insurer, granted_by, created_at FROM shares WHERE assessment_id = $1 \
             ORDER BY created_at, insurer LIMIT $2",
        )
        .bind(id.to_string())
        .bind(MAX_SHARES_LISTED)
        .fetch_all(self.db()?)
        .await?;
        rows.iter().map(ShareRow::from_row).collect()
    }

    /// Whether `insurer` may read `id`.
    ///
    /// # Errors
    /// Database failures.
    pub async fn is_shared(&self, id: &str, insurer: &str) -> Result<bool, sqlx::Error> {
        Ok(
            sqlx::query("SELECT 1 AS x FROM shares WHERE assessment_id = $1 AND insurer = $2")
                .bind(id.to_string())
                .bind(insurer.to_string())
                .fetch_optional(self.db()?)
                .await?
                .is_some(),
        )
    }
}

/// Rows of `assessments`: the owner's role by name, the seed as decimal text.
impl sqlx::FromRow<'_, AnyRow> for AssessmentRecord {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        let role: String = r.try_get("owner_role")?;
        let seed: String = r.try_get("seed")?;
        let trials: i64 = r.try_get("trials")?;
        let decode = |m: &str| sqlx::Error::Decode(m.to_string().into());
        Ok(AssessmentRecord {
            id: r.try_get("id")?,
            owner: Caller {
                role: Role::parse(&role).ok_or_else(|| decode("unknown owner role"))?,
                subject: r.try_get("owner_subject")?,
            },
            profile: r.try_get("profile")?,
            model_version: r.try_get("model_version")?,
            model_hash: r.try_get("model_hash")?,
            threat_version: r.try_get("threat_version")?,
            threat_seq: r.try_get("threat_seq")?,
            registry_seq: r.try_get("registry_seq")?,
            seed: seed.parse().map_err(|_| decode("bad seed"))?,
            trials: u64::try_from(trials).map_err(|_| decode("bad trials"))?,
            as_of: r.try_get("as_of")?,
            result: r.try_get("result")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

/// The most grants one listing returns: each is a distinct registered insurer, so this bounds
/// the answer without paging (no deployment has that many insurers on one assessment).
pub const MAX_SHARES_LISTED: i64 = 1000;

/// One grant of read access, as `shares` stores it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShareRow {
    /// The insurer's subject.
    pub insurer: String,
    /// The firm subject that granted it.
    pub granted_by: String,
    /// When (RFC 3339).
    pub created_at: String,
}
