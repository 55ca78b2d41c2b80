//! Table `portfolio_jobs`: portfolio runs accepted by the service, and the leases under which a
//! replica's worker runs them.
//!
//! Why leases: replicas share one database and any of them may stop or crash. A worker claims a
//! job (queued, or running under a lease that lapsed) in one statement, renews the lease while it
//! runs, and writes the outcome only while it still holds the lease; a job whose worker died is
//! claimed again once the lease lapses, by whichever replica asks first. Every update names the
//! status it expects, so done and failed are final whatever a late writer does.

use sqlx::Row;

use super::{Backend, Store, timestamp};

/// A portfolio job as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PortfolioJob {
    /// Random UUID v4.
    pub id: String,
    /// The insurer that submitted it (the only caller who may read it).
    pub owner_subject: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Policies in the file.
    pub policies: i64,
    /// Simulated years.
    pub trials: i64,
    /// Seed (decimal text).
    pub seed: String,
    /// PortfolioReport JSON when done.
    pub report: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was accepted.
    pub created_at: String,
    /// Last status change.
    pub updated_at: String,
}

/// What a worker needs to run a job on any replica: the file as sent and what it was validated
/// with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInput {
    /// The file's bytes.
    pub body: Vec<u8>,
    /// `csv` or `parquet`.
    pub kind: String,
    /// `name-version` of the model the file was validated with.
    pub model_version: String,
    /// That model's hash.
    pub model_hash: String,
    /// The day it was accepted (YYYY-MM-DD): the valuation date of its firm rows.
    pub accepted_on: String,
    /// Version of the threat table in force when it was accepted (0: the model file's).
    pub threat_seq: i64,
}

/// A job a worker has claimed: run it, renew the lease, then finish or release it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// Job id.
    pub id: String,
    /// Simulated years.
    pub trials: u64,
    /// Seed.
    pub seed: u64,
    /// Its input.
    pub input: JobInput,
    /// Claims so far, this one included.
    pub attempts: i64,
}

/// Milliseconds since 1970 (UTC): how leases are timed.
pub fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

const JOB_COLUMNS: &str = "id, owner_subject, status, policies, trials, seed, report, error, \
                           created_at, updated_at";

impl Store {
    /// Records a new job as `queued` with its input (committed before the 202 is sent).
    ///
    /// # Errors
    /// Database failures.
    pub async fn insert_job(&self, j: &PortfolioJob, input: &JobInput) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO portfolio_jobs (id, owner_subject, status, policies, trials, seed, \
             report, error, created_at, updated_at, input, input_kind, model_version, model_hash, \
             accepted_on, attempts, threat_seq) \
             VALUES ($1, $2, 'queued', $3, $4, $5, NULL, NULL, $6, $7, $8, $9, $10, $11, $12, 0, \
             $13)",
        )
        .bind(j.id.clone())
        .bind(j.owner_subject.clone())
        .bind(j.policies)
        .bind(j.trials)
        .bind(j.seed.clone())
        .bind(j.created_at.clone())
        .bind(j.updated_at.clone())
        .bind(hex::encode(&input.body))
        .bind(input.kind.clone())
        .bind(input.model_version.clone())
        .bind(input.model_hash.clone())
        .bind(input.accepted_on.clone())
        .bind(input.threat_seq)
        .execute(self.db()?)
        .await?;
        Ok(())
    }

    /// Claims the oldest job that is queued, or running under a lease that lapsed before `now`
    /// (its worker died), and has been claimed fewer than `max_attempts` times: it becomes
    /// `running`, held by `owner` until `until` (ms). `None` when there is none. PostgreSQL:
    /// `FOR UPDATE SKIP LOCKED`, so concurrent replicas claim different jobs without waiting on
    /// each other; SQLite has one writer, so the conditional update alone is enough.
    ///
    /// # Errors
    /// Database failures.
    pub async fn claim_job(
        &self,
        owner: &str,
        now: i64,
        until: i64,
        max_attempts: i64,
    ) -> Result<Option<ClaimedJob>, sqlx::Error> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let claimable = "input IS NOT NULL AND attempts < $4 \
                         AND (status = 'queued' OR (status = 'running' AND lease_until < $5))";
        let sql = format!(
            "UPDATE portfolio_jobs SET status = 'running', lease_owner = $1, lease_until = $2, \
             attempts = attempts + 1, updated_at = $3 \
             WHERE id = (SELECT id FROM portfolio_jobs WHERE {claimable} \
             ORDER BY created_at, id LIMIT 1{lock}) \
             AND attempts < $6 AND (status = 'queued' OR (status = 'running' AND lease_until < $7)) \
             RETURNING id, trials, seed, input, input_kind, model_version, model_hash, \
             accepted_on, attempts, threat_seq"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner.to_string())
            .bind(until)
            .bind(timestamp())
            .bind(max_attempts)
            .bind(now)
            .bind(max_attempts)
            .bind(now)
            .fetch_optional(self.db()?)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let decode = |m: &str| sqlx::Error::Decode(m.to_string().into());
        let trials: i64 = r.try_get("trials")?;
        let seed: String = r.try_get("seed")?;
        let input: String = r.try_get("input")?;
        Ok(Some(ClaimedJob {
            id: r.try_get("id")?,
            trials: u64::try_from(trials).map_err(|_| decode("bad trials"))?,
            seed: seed.parse().map_err(|_| decode("bad seed"))?,
            input: JobInput {
                body: hex::decode(input).map_err(|_| decode("bad job input"))?,
                kind: r
                    .try_get::<Option<String>, _>("input_kind")?
                    .unwrap_or_default(),
                model_version: r
                    .try_get::<Option<String>, _>("model_version")?
                    .unwrap_or_default(),
                model_hash: r
                    .try_get::<Option<String>, _>("model_hash")?
                    .unwrap_or_default(),
                accepted_on: r
                    .try_get::<Option<String>, _>("accepted_on")?
                    .unwrap_or_default(),
                threat_seq: r.try_get::<Option<i64>, _>("threat_seq")?.unwrap_or(0),
            },
            attempts: r.try_get("attempts")?,
        }))
    }

    /// Extends `owner`'s lease on running job `id` to `until` (ms); false when it no longer
    /// holds it (it lapsed and another worker claimed the job, or the job is finished).
    ///
    /// # Errors
    /// Database failures.
    pub async fn renew_lease(
        &self,
        id: &str,
        owner: &str,
        until: i64,
    ) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE portfolio_jobs SET lease_until = $1 \
             WHERE id = $2 AND lease_owner = $3 AND status = 'running'",
        )
        .bind(until)
        .bind(id.to_string())
        .bind(owner.to_string())
        .execute(self.db()?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Moves running job `id`, held by `owner`, to `done` (with its report) or `failed` (with
    /// why); false, and nothing written, when `owner` no longer holds it. Final: no update
    /// touches a done or failed job.
    ///
    /// # Errors
    /// Database failures.
    pub async fn finish_job(
        &self,
        id: &str,
        owner: &str,
        outcome: Result<(String, String), String>,
    ) -> Result<bool, sqlx::Error> {
        let (status, report, ord, error) = match outcome {
            Ok((report, ord)) => ("done", Some(report), Some(ord), None),
            Err(e) => ("failed", None, None, Some(e)),
        };
        let r = sqlx::query(
            "UPDATE portfolio_jobs SET status = $1, report = $2, error = $3, updated_at = $4, \
             lease_owner = NULL, lease_until = NULL, input = NULL, ord = $7 \
             WHERE id = $5 AND lease_owner = $6 AND status = 'running'",
        )
        .bind(status.to_string())
        .bind(report)
        .bind(error)
        .bind(timestamp())
        .bind(id.to_string())
        .bind(owner.to_string())
        .bind(ord)
        .execute(self.db()?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The ORD tables of done job `id` (a JSON object of CSV texts by table name), when kept.
    ///
    /// # Errors
    /// Database failures.
    pub async fn job_ord(&self, id: &str) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT ord FROM portfolio_jobs WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(self.db()?)
                .await?;
        Ok(row.and_then(|r| r.0))
    }

    /// Gives back `owner`'s lease on running job `id` (a stopping server): the job is queued
    /// again for any worker, and this claim is not counted against it. False when `owner` no
    /// longer held it.
    ///
    /// # Errors
    /// Database failures.
    pub async fn release_job(&self, id: &str, owner: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE portfolio_jobs SET status = 'queued', lease_owner = NULL, lease_until = NULL, \
             attempts = attempts - 1, updated_at = $1 \
             WHERE id = $2 AND lease_owner = $3 AND status = 'running'",
        )
        .bind(timestamp())
        .bind(id.to_string())
        .bind(owner.to_string())
        .execute(self.db()?)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Fails the jobs whose lease lapsed before `now` after `max_attempts` claims (each worker
    /// that took them died): a job that crashes its worker is not handed to the next one for
    /// ever.
    ///
    /// # Errors
    /// Database failures.
    pub async fn fail_abandoned_jobs(
        &self,
        now: i64,
        max_attempts: i64,
    ) -> Result<u64, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE portfolio_jobs SET status = 'failed', \
             error = 'abandoned: every worker that ran it stopped', updated_at = $1, \
             lease_owner = NULL, lease_until = NULL, input = NULL \
             WHERE status = 'running' AND lease_until < $2 AND attempts >= $3",
        )
        .bind(timestamp())
        .bind(now)
        .bind(max_attempts)
        .execute(self.db()?)
        .await?;
        Ok(r.rows_affected())
    }

    /// Who holds job `id`'s lease, if anyone (for operators and tests).
    ///
    /// # Errors
    /// Database failures.
    pub async fn job_lease(&self, id: &str) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query("SELECT lease_owner FROM portfolio_jobs WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.db()?)
            .await?;
        Ok(match row {
            Some(r) => r.try_get::<Option<String>, _>("lease_owner")?,
            None => None,
        })
    }

    /// One page of `owner`'s jobs, newest first (creation time descending, then id), at most
    /// `limit`, after the job with sort key `after` = (created_at, id); without their reports.
    ///
    /// # Errors
    /// Database failures.
    pub async fn jobs_of(
        &self,
        owner: &str,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> Result<Vec<PortfolioJob>, sqlx::Error> {
        let columns = "id, owner_subject, status, policies, trials, seed, error, created_at, \
                       updated_at";
        let sql = if after.is_some() {
            format!(
                "SELECT {columns} FROM portfolio_jobs WHERE owner_subject = $1 \
                 AND (created_at < $2 OR (created_at = $3 AND id > $4)) \
                 ORDER BY created_at DESC, id LIMIT $5"
            )
        } else {
            format!(
                "SELECT {columns} FROM portfolio_jobs WHERE owner_subject = $1 \
                 ORDER BY created_at DESC, id LIMIT $2"
            )
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(owner.to_string());
        if let Some((created_at, id)) = after {
            q = q
                .bind(created_at.to_string())
                .bind(created_at.to_string())
                .bind(id.to_string());
        }
        let limit = i64::try_from(limit).map_err(|e| sqlx::Error::Encode(e.into()))?;
        let rows = q.bind(limit).fetch_all(self.db()?).await?;
        rows.iter()
            .map(|r| {
                Ok(PortfolioJob {
                    id: r.try_get("id")?,
                    owner_subject: r.try_get("owner_subject")?,
                    status: r.try_get("status")?,
                    policies: r.try_get("policies")?,
                    trials: r.try_get("trials")?,
                    seed: r.try_get("seed")?,
                    report: None,
                    error: r.try_get("error")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// A job by id.
    ///
    /// # Errors
    /// Database failures.
    pub async fn job(&self, id: &str) -> Result<Option<PortfolioJob>, sqlx::Error> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM portfolio_jobs WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(self.db()?)
        .await
    }
}
