//! Tables `certificates`, `certificate_history` and `assessment_certificates`: the certificate
//! registry (contract §11), its append-only history, and which assessments relied on which
//! certificate.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, FromRow, Row};

use super::{AssessmentRecord, Store, now};
use crate::keys::{Caller, Role};

/// One state of a certificate: a row of its history.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateState {
    /// Position in the registry's history (1, 2, …).
    pub seq: i64,
    /// What changed: `registered`, `suspended`, `withdrawn`, `reinstated`, `renewed`, `scope`.
    pub change: String,
    /// `active`, `suspended` or `withdrawn`.
    pub status: String,
    /// The day the change took effect (YYYY-MM-DD).
    pub effective: String,
    /// Issue date.
    pub issued: String,
    /// Expiry date.
    pub expires: String,
    /// Share of the holder inside the certified scope, (0, 1].
    pub scope_share: f64,
    /// IEC 62443 security level.
    pub security_level: Option<i64>,
    /// The certifier that made the change.
    pub changed_by: String,
    /// When (RFC 3339).
    pub changed_at: String,
}

/// A registered certificate with its state at some registry position.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateRecord {
    /// Random UUID v4 (the listing's cursor key).
    pub id: String,
    /// Scheme.
    pub scheme: String,
    /// The certification body's number for it.
    pub certificate_id: String,
    /// Subject of the certifier that registered it (the only one that may change it).
    pub certifier: String,
    /// Subject of the firm that holds it.
    pub holder: String,
    /// When it was registered (RFC 3339).
    pub created_at: String,
    /// Its state.
    pub state: CertificateState,
}

/// A new state to append (what a registration or status change sets).
#[derive(Debug, Clone, PartialEq)]
pub struct NewState {
    /// What changed.
    pub change: String,
    /// `active`, `suspended` or `withdrawn`.
    pub status: String,
    /// The day it takes effect.
    pub effective: String,
    /// Issue date.
    pub issued: String,
    /// Expiry date.
    pub expires: String,
    /// Scope share.
    pub scope_share: f64,
    /// IEC 62443 security level.
    pub security_level: Option<i64>,
}

const COLUMNS: &str = "c.id, c.scheme, c.certificate_id, c.certifier, c.holder, c.created_at, \
     h.seq, h.change, h.status, h.effective, h.issued, h.expires, h.scope_share, \
     h.security_level, h.changed_by, h.changed_at";

/// The newest history row of each certificate (the registry now).
const CURRENT: &str = "FROM certificates c JOIN certificate_history h ON h.certificate = c.id \
     AND h.seq = (SELECT MAX(seq) FROM certificate_history WHERE certificate = c.id)";

/// Holders whose certificates an insurer may see: firms that shared an assessment with it.
const SHARED_HOLDERS: &str = "SELECT a.owner_subject FROM assessments a JOIN shares s \
     ON s.assessment_id = a.id WHERE a.owner_role = 'firm' AND s.insurer = ";

fn retry(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Store {
    /// Registers a certificate with its first state; `None` when one of that scheme and number
    /// is registered already.
    ///
    /// # Errors
    /// Database failures (after a few retries on a concurrent registry change).
    pub async fn register_certificate(
        &self,
        scheme: &str,
        certificate_id: &str,
        certifier: &str,
        holder: &str,
        first: &NewState,
    ) -> Result<Option<CertificateRecord>, sqlx::Error> {
        let id = uuid::Uuid::new_v4().to_string();
        let at = now();
        let mut attempt = 0;
        loop {
            if self.certificate(scheme, certificate_id).await?.is_some() {
                return Ok(None);
            }
            let mut tx = self.db()?.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO certificates (id, scheme, certificate_id, certifier, holder, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.clone())
            .bind(scheme.to_string())
            .bind(certificate_id.to_string())
            .bind(certifier.to_string())
            .bind(holder.to_string())
            .bind(at.clone())
            .execute(&mut *tx)
            .await;
            let appended = match inserted {
                Ok(_) => append(&mut tx, &id, certifier, first, &at).await,
                Err(e) => Err(e),
            };
            match appended {
                Ok(_) => {
                    tx.commit().await?;
                    return self.certificate(scheme, certificate_id).await;
                }
                Err(e) if retry(&e) && attempt < 5 => {
                    tx.rollback().await?;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Appends a state to certificate `id` (its row id); returns the new state.
    ///
    /// # Errors
    /// Database failures (after a few retries on a concurrent registry change).
    pub async fn change_certificate(
        &self,
        id: &str,
        by: &str,
        state: &NewState,
    ) -> Result<CertificateState, sqlx::Error> {
        let at = now();
        let mut attempt = 0;
        loop {
            let mut tx = self.db()?.begin().await?;
            match append(&mut tx, id, by, state, &at).await {
                Ok(seq) => {
                    tx.commit().await?;
                    return Ok(CertificateState {
                        seq,
                        change: state.change.clone(),
                        status: state.status.clone(),
                        effective: state.effective.clone(),
                        issued: state.issued.clone(),
                        expires: state.expires.clone(),
                        scope_share: state.scope_share,
                        security_level: state.security_level,
                        changed_by: by.to_string(),
                        changed_at: at,
                    });
                }
                Err(e) if retry(&e) && attempt < 5 => {
                    tx.rollback().await?;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The registry's newest position (0: nothing registered yet).
    ///
    /// # Errors
    /// Database failures.
    pub async fn registry_position(&self) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM certificate_history")
            .fetch_one(self.db()?)
            .await?;
        row.try_get("seq")
    }

    /// The certificate of `scheme` and number `certificate_id` as it stands now.
    ///
    /// # Errors
    /// Database failures.
    pub async fn certificate(
        &self,
        scheme: &str,
        certificate_id: &str,
    ) -> Result<Option<CertificateRecord>, sqlx::Error> {
        let sql =
            format!("SELECT {COLUMNS} {CURRENT} WHERE c.scheme = $1 AND c.certificate_id = $2");
        sqlx::query(AssertSqlSafe(sql))
            .bind(scheme.to_string())
            .bind(certificate_id.to_string())
            .fetch_optional(self.db()?)
            .await?
            .map(|r| CertificateRecord::from_row(&r))
            .transpose()
    }

    /// Certificate `id` (row id) as the registry stood at position `seq`: its newest state with
    /// a position at most `seq` (`None` if it was registered later).
    ///
    /// # Errors
    /// Database failures.
    pub async fn certificate_at(
        &self,
        id: &str,
        seq: i64,
    ) -> Result<Option<CertificateRecord>, sqlx::Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM certificates c JOIN certificate_history h \
             ON h.certificate = c.id AND h.seq = (SELECT MAX(seq) FROM certificate_history \
             WHERE certificate = c.id AND seq <= $1) WHERE c.id = $2"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(seq)
            .bind(id.to_string())
            .fetch_optional(self.db()?)
            .await?
            .map(|r| CertificateRecord::from_row(&r))
            .transpose()
    }

    /// Every state of certificate `id` (row id), oldest first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn certificate_history(
        &self,
        id: &str,
    ) -> Result<Vec<CertificateState>, sqlx::Error> {
        sqlx::query(
            "SELECT seq, change, status, effective, issued, expires, scope_share, \
             security_level, changed_by, changed_at FROM certificate_history \
             WHERE certificate = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(self.db()?)
        .await?
        .iter()
        .map(CertificateState::from_row)
        .collect()
    }

    /// Whether `caller` may see the certificates `holder` holds: the holder itself, or an
    /// insurer a firm shared an assessment with. (A certifier sees what it issued: checked on
    /// the record.)
    ///
    /// # Errors
    /// Database failures.
    pub async fn sees_holder(&self, caller: &Caller, holder: &str) -> Result<bool, sqlx::Error> {
        match caller.role {
            Role::Firm => Ok(caller.subject == holder),
            Role::Insurer => {
                let sql = format!("SELECT 1 AS x WHERE $1 IN ({SHARED_HOLDERS}$2)");
                Ok(sqlx::query(AssertSqlSafe(sql))
                    .bind(holder.to_string())
                    .bind(caller.subject.clone())
                    .fetch_optional(self.db()?)
                    .await?
                    .is_some())
            }
            _ => Ok(false),
        }
    }

    /// One page of the certificates `caller` may see as they stand now, newest registration
    /// first: a certifier's own, a firm's own, and for an insurer those of firms that shared
    /// an assessment with it; at most `limit`, after the row with sort key `after` =
    /// (created_at, id).
    ///
    /// # Errors
    /// Database failures.
    pub async fn visible_certificates(
        &self,
        caller: &Caller,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> Result<Vec<CertificateRecord>, sqlx::Error> {
        let filter = match caller.role {
            Role::Firm => "c.holder = $1".to_string(),
            Role::Insurer => format!("c.holder IN ({SHARED_HOLDERS}$1)"),
            _ => "c.certifier = $1".to_string(),
        };
        let mut sql = format!("SELECT {COLUMNS} {CURRENT} WHERE {filter}");
        let mut n = 1;
        if after.is_some() {
            sql.push_str(" AND (c.created_at < $2 OR (c.created_at = $3 AND c.id > $4))");
            n = 4;
        }
        sql.push_str(&format!(
            " ORDER BY c.created_at DESC, c.id LIMIT ${}",
            n + 1
        ));
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(caller.subject.clone());
        if let Some((created_at, id)) = after {
            q = q
                .bind(created_at.to_string())
                .bind(created_at.to_string())
                .bind(id.to_string());
        }
        let limit = i64::try_from(limit).map_err(|e| sqlx::Error::Encode(e.into()))?;
        q.bind(limit)
            .fetch_all(self.db()?)
            .await?
            .iter()
            .map(CertificateRecord::from_row)
            .collect()
    }

    /// The certificates (row ids) assessment `id` relied on.
    ///
    /// # Errors
    /// Database failures.
    pub async fn relied_on(&self, id: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query(
            "SELECT certificate FROM assessment_certificates WHERE assessment_id = $1 \
             ORDER BY certificate",
        )
        .bind(id.to_string())
        .fetch_all(self.db()?)
        .await?
        .iter()
        .map(|r| r.try_get("certificate"))
        .collect()
    }

    /// The stored assessments that relied on certificate `id` (row id), oldest first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn relying_on(&self, id: &str) -> Result<Vec<AssessmentRecord>, sqlx::Error> {
        let mut out = Vec::new();
        let ids: Vec<String> = sqlx::query(
            "SELECT a.id FROM assessments a JOIN assessment_certificates l \
             ON l.assessment_id = a.id WHERE l.certificate = $1 ORDER BY a.created_at, a.id",
        )
        .bind(id.to_string())
        .fetch_all(self.db()?)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
        for a in ids {
            if let Some(rec) = self.assessment(&a).await? {
                out.push(rec);
            }
        }
        Ok(out)
    }
}

/// Appends `state` to certificate `id` at the next position, inside `tx`; returns it.
async fn append(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    by: &str,
    state: &NewState,
    at: &str,
) -> Result<i64, sqlx::Error> {
    // The next seq is computed in the statement; two concurrent changes on PostgreSQL can pick
    // the same one, and the primary key makes the loser retry.
    let row = sqlx::query(
        "INSERT INTO certificate_history (seq, certificate, change, status, effective, issued, \
         expires, scope_share, security_level, changed_by, changed_at) \
         SELECT COALESCE(MAX(seq), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
         FROM certificate_history RETURNING seq",
    )
    .bind(id.to_string())
    .bind(state.change.clone())
    .bind(state.status.clone())
    .bind(state.effective.clone())
    .bind(state.issued.clone())
    .bind(state.expires.clone())
    .bind(state.scope_share.to_string())
    .bind(state.security_level)
    .bind(by.to_string())
    .bind(at.to_string())
    .fetch_one(&mut **tx)
    .await?;
    row.try_get("seq")
}

impl sqlx::FromRow<'_, AnyRow> for CertificateState {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        let scope: String = r.try_get("scope_share")?;
        Ok(CertificateState {
            seq: r.try_get("seq")?,
            change: r.try_get("change")?,
            status: r.try_get("status")?,
            effective: r.try_get("effective")?,
            issued: r.try_get("issued")?,
            expires: r.try_get("expires")?,
            scope_share: scope
                .parse()
                .map_err(|_| sqlx::Error::Decode("bad scope_share".into()))?,
            security_level: r.try_get("security_level")?,
            changed_by: r.try_get("changed_by")?,
            changed_at: r.try_get("changed_at")?,
        })
    }
}

impl sqlx::FromRow<'_, AnyRow> for CertificateRecord {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(CertificateRecord {
            id: r.try_get("id")?,
            scheme: r.try_get("scheme")?,
            certificate_id: r.try_get("certificate_id")?,
            certifier: r.try_get("certifier")?,
            holder: r.try_get("holder")?,
            created_at: r.try_get("created_at")?,
            state: CertificateState::from_row(r)?,
        })
    }
}
