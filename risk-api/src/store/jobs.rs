//! Table `portfolio_jobs`: portfolio runs accepted by the service.

use super::{Store, timestamp};

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

impl Store {
    /// Records a new job as `queued` (committed before the 202 is sent).
    ///
    /// # Errors
    /// Database failures.
    pub async fn insert_job(&self, j: &PortfolioJob) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO portfolio_jobs (id, owner_subject, status, policies, trials, seed, \
             report, error, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, $8)",
        )
        .bind(j.id.clone())
        .bind(j.owner_subject.clone())
        .bind(j.status.clone())
        .bind(j.policies)
        .bind(j.trials)
        .bind(j.seed.clone())
        .bind(j.created_at.clone())
        .bind(j.updated_at.clone())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Moves a job to `status`, with its report or error.
    ///
    /// # Errors
    /// Database failures.
    pub async fn update_job(
        &self,
        id: &str,
        status: &str,
        report: Option<String>,
        error: Option<String>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE portfolio_jobs SET status = $1, report = $2, error = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(status.to_string())
        .bind(report)
        .bind(error)
        .bind(timestamp())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks jobs a stopped server left queued or running as failed.
    ///
    /// # Errors
    /// Database failures.
    pub async fn fail_interrupted_jobs(&self) -> Result<u64, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE portfolio_jobs SET status = 'failed', error = 'interrupted by a server restart', \
             updated_at = $1 WHERE status IN ('queued', 'running')",
        )
        .bind(timestamp())
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// A job by id.
    ///
    /// # Errors
    /// Database failures.
    pub async fn job(&self, id: &str) -> Result<Option<PortfolioJob>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, owner_subject, status, policies, trials, seed, report, error, created_at, \
             updated_at FROM portfolio_jobs WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
    }
}
