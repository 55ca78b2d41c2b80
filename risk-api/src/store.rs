//! Persistence: API keys, assessments, shares and threat-level history, in SQLite (default) or
//! PostgreSQL, through sqlx's `Any` driver so one set of SQL and migrations serves both.
//!
//! Durability: SQLite runs in WAL mode with `synchronous=FULL`, so a committed write survives a
//! crash of the process or the machine; PostgreSQL commits synchronously by default. A call that
//! returns `Ok` has committed.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{AnyPool, AssertSqlSafe, Row, SqlSafeStr};

use crate::auth::{Caller, Role};

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE: &str = "sqlite://risk.db";

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A connection pool to the service's database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// A published model version.
#[derive(Debug, Clone, PartialEq)]
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

/// One publication of a sector's threat levels.
#[derive(Debug, Clone, PartialEq)]
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

/// The embedded migrations (`risk-api/migrations/`), the same for both databases.
#[derive(Debug)]
struct Embedded;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "portfolio_jobs",
        include_str!("../migrations/0002_portfolio_jobs.sql"),
    ),
    (3, "models", include_str!("../migrations/0003_models.sql")),
];

impl MigrationSource<'static> for Embedded {
    #[allow(clippy::type_complexity)]
    fn resolve(
        self,
    ) -> Pin<
        Box<
            dyn Future<Output = Result<Vec<Migration>, Box<dyn std::error::Error + Send + Sync>>>
                + Send,
        >,
    > {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|&(v, d, sql)| {
                    Migration::new(
                        v,
                        Cow::Borrowed(d),
                        MigrationType::Simple,
                        sql.into_sql_str(),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// Turns `--database` / `DATABASE_URL` into a URL sqlx understands: `postgres://…` and
/// `sqlite:…` pass through (SQLite files are created if missing); anything else is a SQLite file
/// path.
pub fn normalize_url(url: &str) -> (String, Backend) {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return (url.to_string(), Backend::Postgres);
    }
    let mut u = if url.starts_with("sqlite:") {
        url.to_string()
    } else {
        format!("sqlite://{url}")
    };
    if !u.contains("mode=") && !u.contains(":memory:") {
        u.push(if u.contains('?') { '&' } else { '?' });
        u.push_str("mode=rwc");
    }
    (u, Backend::Sqlite)
}

pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Store {
    /// Connects (creating a SQLite file if needed) and runs the migrations.
    ///
    /// # Errors
    /// When the database cannot be reached or migrated.
    pub async fn open(url: &str) -> anyhow::Result<Store> {
        Self::open_in_schema(url, None).await
    }

    /// Like [`Store::open`]; on PostgreSQL, inside `schema` (created if missing), so tests can
    /// share a database. `schema` must be `[a-z0-9_]+`.
    ///
    /// # Errors
    /// When the database cannot be reached or migrated, or the schema name is invalid.
    pub async fn open_in_schema(url: &str, schema: Option<&str>) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let (url, backend) = normalize_url(url);
        if let Some(s) = schema
            && (s.is_empty()
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
        {
            anyhow::bail!("invalid schema name");
        }
        let schema = schema.map(str::to_string);
        let opts = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 8,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            for p in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = FULL",
                                "PRAGMA foreign_keys = ON",
                                "PRAGMA busy_timeout = 10000",
                            ] {
                                sqlx::query(p).execute(&mut *conn).await?;
                            }
                        }
                        Backend::Postgres => {
                            if let Some(s) = schema {
                                // `s` is checked to be [a-z0-9_]+ above.
                                sqlx::query(AssertSqlSafe(format!(
                                    "CREATE SCHEMA IF NOT EXISTS {s}"
                                )))
                                .execute(&mut *conn)
                                .await?;
                                sqlx::query(AssertSqlSafe(format!("SET search_path TO {s}")))
                                    .execute(&mut *conn)
                                    .await?;
                            }
                        }
                    }
                    Ok(())
                })
            });
        let pool = opts
            .connect(&url)
            .await
            .context("cannot connect to the database")?;
        let migrator = Migrator::new(Embedded)
            .await
            .context("cannot load migrations")?;
        migrator
            .run(&pool)
            .await
            .context("cannot migrate the database")?;
        Ok(Store { pool, backend })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

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

    /// Stores an assessment; returns once it is committed.
    ///
    /// # Errors
    /// Database failures (including a duplicate id).
    pub async fn insert_assessment(&self, a: &AssessmentRecord) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO assessments (id, owner_role, owner_subject, profile, model_version, \
             model_hash, threat_version, threat_seq, seed, trials, as_of, result, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An assessment by id.
    ///
    /// # Errors
    /// Database failures.
    pub async fn assessment(&self, id: &str) -> Result<Option<AssessmentRecord>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, owner_role, owner_subject, profile, model_version, model_hash, \
             threat_version, threat_seq, seed, trials, as_of, result, created_at \
             FROM assessments WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| record(&r)).transpose()
    }

    /// Ids of every assessment (oldest first); for tests and operators.
    ///
    /// # Errors
    /// Database failures.
    pub async fn assessment_ids(&self) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query("SELECT id FROM assessments ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect()
    }

    /// Assessments `caller` may read, newest first: its own, and for an insurer also those
    /// shared with it. Full records (the listing reads name and score from `result`).
    ///
    /// # Errors
    /// Database failures.
    pub async fn readable_assessments(
        &self,
        caller: &Caller,
    ) -> Result<Vec<AssessmentRecord>, sqlx::Error> {
        let rows = if caller.role == Role::Insurer {
            sqlx::query(
                "SELECT id, owner_role, owner_subject, profile, model_version, model_hash, \
                 threat_version, threat_seq, seed, trials, as_of, result, created_at \
                 FROM assessments WHERE (owner_role = $1 AND owner_subject = $2) \
                 OR id IN (SELECT assessment_id FROM shares WHERE insurer = $3) \
                 ORDER BY created_at DESC, id",
            )
            .bind(caller.role.as_str().to_string())
            .bind(caller.subject.clone())
            .bind(caller.subject.clone())
            .fetch_all(&self.pool)
            .await?
        } else {
            sqlx::query(
                "SELECT id, owner_role, owner_subject, profile, model_version, model_hash, \
                 threat_version, threat_seq, seed, trials, as_of, result, created_at \
                 FROM assessments WHERE owner_role = $1 AND owner_subject = $2 \
                 ORDER BY created_at DESC, id",
            )
            .bind(caller.role.as_str().to_string())
            .bind(caller.subject.clone())
            .fetch_all(&self.pool)
            .await?
        };
        rows.iter().map(record).collect()
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
        .execute(&self.pool)
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
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
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
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

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
            .fetch_one(&self.pool)
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
        .execute(&self.pool)
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
        sqlx::query(
            "SELECT id, hash, body, published_by, published_at FROM models \
             ORDER BY published_at, id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ModelRow {
                id: r.try_get("id")?,
                hash: r.try_get("hash")?,
                body: r.try_get("body")?,
                published_by: r.try_get("published_by")?,
                published_at: r.try_get("published_at")?,
            })
        })
        .collect()
    }

    /// The whole threat-level history, oldest first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn threat_rows(&self) -> Result<Vec<ThreatRow>, sqlx::Error> {
        sqlx::query(
            "SELECT seq, industry, levels, source, published_by, published_at \
             FROM threat_levels ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ThreatRow {
                seq: r.try_get("seq")?,
                industry: r.try_get("industry")?,
                levels: r.try_get("levels")?,
                source: r.try_get("source")?,
                published_by: r.try_get("published_by")?,
                published_at: r.try_get("published_at")?,
            })
        })
        .collect()
    }
}

fn record(r: &AnyRow) -> Result<AssessmentRecord, sqlx::Error> {
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
        seed: seed.parse().map_err(|_| decode("bad seed"))?,
        trials: u64::try_from(trials).map_err(|_| decode("bad trials"))?,
        as_of: r.try_get("as_of")?,
        result: r.try_get("result")?,
        created_at: r.try_get("created_at")?,
    })
}

/// A portfolio job as stored.
#[derive(Debug, Clone, PartialEq)]
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
        let row = sqlx::query(
            "SELECT id, owner_subject, status, policies, trials, seed, report, error, created_at, \
             updated_at FROM portfolio_jobs WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(PortfolioJob {
                id: r.try_get("id")?,
                owner_subject: r.try_get("owner_subject")?,
                status: r.try_get("status")?,
                policies: r.try_get("policies")?,
                trials: r.try_get("trials")?,
                seed: r.try_get("seed")?,
                report: r.try_get("report")?,
                error: r.try_get("error")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .transpose()
    }
}

/// The current time as RFC 3339 UTC text (what the store records).
pub fn timestamp() -> String {
    now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            normalize_url("postgres://u@h/db"),
            ("postgres://u@h/db".into(), Backend::Postgres)
        );
        assert_eq!(
            normalize_url("risk.db"),
            ("sqlite://risk.db?mode=rwc".into(), Backend::Sqlite)
        );
        assert_eq!(
            normalize_url("sqlite://x.db?mode=ro"),
            ("sqlite://x.db?mode=ro".into(), Backend::Sqlite)
        );
    }
}
