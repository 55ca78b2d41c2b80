//! Persistence: API keys, assessments, shares and threat-level history, in SQLite (default) or
//! PostgreSQL, through sqlx's `Any` driver so one set of SQL and migrations serves both.
//!
//! Durability: SQLite runs in WAL mode with `synchronous=FULL`, so a committed write survives a
//! crash of the process or the machine; PostgreSQL commits synchronously by default. A call that
//! returns `Ok` has committed.

use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, AssertSqlSafe};

mod assessments;
mod jobs;
mod keys;
mod models;
mod threats;

pub use assessments::AssessmentRecord;
pub use jobs::PortfolioJob;
pub use keys::{KeyRow, key_id};
pub use models::ModelRow;
pub use threats::ThreatRow;

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

/// The embedded migrations (`risk-api/migrations/`), the same for both databases. sqlx keys
/// applied migrations by version and checks their SHA-384 checksums, so databases migrated
/// before the migrations were embedded this way load unchanged.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

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
        MIGRATOR
            .run(&pool)
            .await
            .context("cannot migrate the database")?;
        Ok(Store { pool, backend })
    }

    /// Whether the database answers (`SELECT 1`), for readiness.
    ///
    /// # Errors
    /// When it does not (unreachable, pool closed or exhausted past the acquire timeout).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
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
