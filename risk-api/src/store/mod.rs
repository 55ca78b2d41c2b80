//! Persistence: API keys, assessments, shares, the events feed and threat-level history, in
//! SQLite (default) or PostgreSQL, through sqlx's `Any` driver so one set of SQL and migrations serves both.
//!
//! Durability: SQLite runs in WAL mode with `synchronous=FULL`, so a committed write survives a
//! crash of the process or the machine; PostgreSQL commits synchronously by default. A call that
//! returns `Ok` has committed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, AssertSqlSafe};

mod advisories;
mod assessments;
mod certificates;
mod events;
mod jobs;
mod keys;
mod models;
mod threats;

pub use advisories::{AdvisoryRow, VersionWrite};
pub use assessments::{AssessmentRecord, ShareRow};
pub use certificates::{CertificateRecord, CertificateState, NewState};
pub use events::{EventKind, EventRow, NewEvent};
pub use jobs::{ClaimedJob, JobInput, PortfolioJob, now_ms};
pub use keys::{KeyRow, key_id};
pub use models::ModelRow;
pub use threats::{NewThreatVersion, ThreatRow};

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
    /// SQLite: the file the pool opened, checked before every use.
    file: Option<Arc<DatabaseFile>>,
}

/// A SQLite database file as it was when the store opened it.
///
/// Why: SQLite keeps writing to a file that was deleted or renamed while it is open (the data
/// go with the unlinked inode), and writing to the memory-mapped index of a file made immutable
/// kills the process with SIGBUS. So before every use the store checks that the path still
/// names the same file (device and inode) and that it and its WAL index can still be opened
/// for writing; if not, the database is unavailable (readiness 503, requests 503), and nothing
/// is acknowledged.
#[derive(Debug)]
struct DatabaseFile {
    path: PathBuf,
    #[cfg(unix)]
    identity: (u64, u64),
}

impl DatabaseFile {
    fn open(path: PathBuf) -> std::io::Result<DatabaseFile> {
        let meta = std::fs::metadata(&path)?;
        #[cfg(not(unix))]
        let _ = meta;
        Ok(DatabaseFile {
            #[cfg(unix)]
            identity: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino())
            },
            path,
        })
    }

    fn check(&self) -> std::io::Result<()> {
        let gone = |what: &str| std::io::Error::other(format!("database file {what}"));
        let meta = std::fs::metadata(&self.path).map_err(|_| gone("is missing"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if (meta.dev(), meta.ino()) != self.identity {
                return Err(gone("was replaced"));
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        let mut shm = self.path.clone().into_os_string();
        shm.push("-shm");
        // Asked with access(2), never by opening the files: closing any descriptor of a file
        // releases every POSIX lock this process holds on it, SQLite's own locks on the
        // database and its `-shm` index included — another process (`risk keys create` on the
        // same file) would then think nobody uses the WAL, check it in and delete it under the
        // server (seen: "no such table", "disk I/O error" mid-request). access(2) reports an
        // immutable file (EPERM) and a read-only one (EACCES, EROFS) all the same.
        for p in [self.path.as_os_str(), shm.as_os_str()] {
            match writable(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && p != self.path => {}
                Err(_) => return Err(gone("is not writable")),
            }
        }
        Ok(())
    }
}

/// Whether this process may write `path`, by access(2) (no descriptor opened).
#[cfg(unix)]
fn writable(path: &std::ffi::OsStr) -> std::io::Result<()> {
    rustix::fs::access(path, rustix::fs::Access::WRITE_OK).map_err(std::io::Error::from)
}

/// Whether this process may write `path` (no POSIX lock semantics to keep elsewhere).
#[cfg(not(unix))]
fn writable(path: &std::ffi::OsStr) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.permissions().readonly() {
        Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
    } else {
        Ok(())
    }
}

/// The SQLite file a URL names (`None` for PostgreSQL and in-memory databases).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let (u, backend) = normalize_url(url);
    if backend != Backend::Sqlite || u.contains(":memory:") || u.contains("mode=memory") {
        return None;
    }
    let rest = u
        .strip_prefix("sqlite://")
        .or_else(|| u.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty()).then(|| PathBuf::from(path))
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

    /// Like [`Store::open`], but a SQLite file that does not exist is an error unless `create`:
    /// a server pointed at a database that is gone refuses to start rather than start empty.
    ///
    /// # Errors
    /// As [`Store::open`], and a missing SQLite file without `create`.
    pub async fn open_existing(url: &str, create: bool) -> anyhow::Result<Store> {
        if let Some(path) = sqlite_path(url)
            && !create
            && !path.exists()
        {
            anyhow::bail!(
                "the database file {} does not exist; pass --create to make a new, empty one",
                path.display()
            );
        }
        Self::open(url).await
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
            // How long a request waits for a connection before its 503. PostgreSQL: 3 s, the
            // readiness bound — a server that is gone refuses or times out every connection,
            // and waiting longer only delays the 503 (a live server connects in milliseconds,
            // so a longer wait means overload, where 503 + Retry-After is the answer anyway).
            // SQLite: 10 s, the same file's writers queueing behind each other.
            .acquire_timeout(match backend {
                Backend::Sqlite => Duration::from_secs(10),
                Backend::Postgres => Duration::from_secs(3),
            })
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
        let file = match sqlite_path(&url) {
            Some(p) => Some(Arc::new(
                DatabaseFile::open(p).context("cannot read the database file")?,
            )),
            None => None,
        };
        Ok(Store {
            pool,
            backend,
            file,
        })
    }

    /// The pool, once the database file (SQLite) is checked to still be there and writable.
    ///
    /// # Errors
    /// `sqlx::Error::Io` when it is not (answered 503).
    fn db(&self) -> Result<&AnyPool, sqlx::Error> {
        if let Some(f) = &self.file {
            f.check().map_err(sqlx::Error::Io)?;
        }
        Ok(&self.pool)
    }

    /// Whether the database file (SQLite) is still the one opened and writable; always true on
    /// PostgreSQL. Checked again after a write, so a write that raced a deletion is not
    /// acknowledged.
    pub fn file_ok(&self) -> bool {
        self.file.as_ref().is_none_or(|f| f.check().is_ok())
    }

    /// Whether the database answers (`SELECT 1`), for readiness.
    ///
    /// # Errors
    /// When it does not (unreachable, pool closed or exhausted past the acquire timeout).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        let ping = sqlx::query("SELECT 1").execute(self.db()?);
        // Bounded well inside a load balancer's probe timeout (the pool's acquire timeout is 10 s).
        match tokio::time::timeout(Duration::from_secs(3), ping).await {
            Ok(r) => r.map(drop),
            Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
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
