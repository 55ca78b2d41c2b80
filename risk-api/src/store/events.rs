//! Table `events`: the append-only feed of what changed for stored assessments (contract §11
//! `GET /v1/events`), read by the assessments' owners and the insurers they are shared with.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, now};
use crate::keys::{Caller, Role};

/// What kind of change an event reports (contract §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A registered certificate the assessment relies on changed status.
    CertificateStatusChanged,
    /// The threat table in force changed for the assessment's industry.
    ThreatLevelChanged,
}

impl EventKind {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::CertificateStatusChanged => "certificate_status_changed",
            EventKind::ThreatLevelChanged => "threat_level_changed",
        }
    }

    /// Parses a wire or database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "certificate_status_changed" => Some(EventKind::CertificateStatusChanged),
            "threat_level_changed" => Some(EventKind::ThreatLevelChanged),
            _ => None,
        }
    }
}

/// An event to append: one assessment re-priced because something it relies on changed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What changed.
    pub kind: EventKind,
    /// The assessment re-priced.
    pub assessment_id: String,
    /// Its charged premium before the change (the stored result's, or the last event's after).
    pub premium_before: f64,
    /// Its charged premium after the change.
    pub premium_after: f64,
    /// What caused it (e.g. the certificate and its new status, or the advisory ids): a JSON
    /// object whose keys go out beside the event's own fields.
    pub detail: serde_json::Map<String, serde_json::Value>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Position in the feed (1, 2, …): the cursor.
    pub seq: i64,
    /// What changed.
    pub kind: EventKind,
    /// When it was recorded (RFC 3339).
    pub at: String,
    /// The assessment it concerns.
    pub assessment_id: String,
    /// Premium before and after and the cause, as a JSON object.
    pub body: serde_json::Map<String, serde_json::Value>,
}

impl sqlx::FromRow<'_, AnyRow> for EventRow {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        let decode = |m: &str| sqlx::Error::Decode(m.to_string().into());
        let kind: String = r.try_get("kind")?;
        let body: String = r.try_get("body")?;
        Ok(EventRow {
            seq: r.try_get("seq")?,
            kind: EventKind::parse(&kind).ok_or_else(|| decode("unknown event kind"))?,
            at: r.try_get("at")?,
            assessment_id: r.try_get("assessment_id")?,
            body: serde_json::from_str(&body).map_err(|e| sqlx::Error::Decode(e.into()))?,
        })
    }
}

impl Store {
    /// Appends `events` in one transaction, in order; returns their sequence numbers. Nothing
    /// is appended if any fails.
    ///
    /// # Errors
    /// Database failures (after a few retries when a concurrent append took the same numbers).
    pub async fn append_events(&self, events: &[NewEvent]) -> Result<Vec<i64>, sqlx::Error> {
        let at = now();
        let mut attempt = 0;
        loop {
            match self.try_append(events, &at).await {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempt < 5 => {
                    attempt += 1;
                }
                r => return r,
            }
        }
    }

    async fn try_append(&self, events: &[NewEvent], at: &str) -> Result<Vec<i64>, sqlx::Error> {
        let mut tx = self.db()?.begin().await?;
        let mut seqs = Vec::with_capacity(events.len());
        for e in events {
            let mut body = e.detail.clone();
            body.insert("premium_before".into(), e.premium_before.into());
            body.insert("premium_after".into(), e.premium_after.into());
            let body = serde_json::Value::Object(body).to_string();
            // The next seq is computed in the statement; two concurrent appends on PostgreSQL
            // can pick the same one, and the primary key makes the loser retry.
            let row = sqlx::query(
                "INSERT INTO events (seq, kind, at, assessment_id, body) \
                 SELECT COALESCE(MAX(seq), 0) + 1, $1, $2, $3, $4 FROM events RETURNING seq",
            )
            .bind(e.kind.as_str().to_string())
            .bind(at.to_string())
            .bind(e.assessment_id.clone())
            .bind(body)
            .fetch_one(&mut *tx)
            .await?;
            seqs.push(row.try_get("seq")?);
        }
        tx.commit().await?;
        Ok(seqs)
    }

    /// Up to `limit` events after `after`, oldest first, of the assessments `caller` may read
    /// now: its own, and for an insurer those shared with it.
    ///
    /// # Errors
    /// Database failures.
    pub async fn events_for(
        &self,
        caller: &Caller,
        after: i64,
        limit: u64,
    ) -> Result<Vec<EventRow>, sqlx::Error> {
        let insurer = caller.role == Role::Insurer;
        let sql = if insurer {
            "SELECT e.seq, e.kind, e.at, e.assessment_id, e.body FROM events e \
             JOIN assessments a ON a.id = e.assessment_id \
             WHERE e.seq > $1 AND ((a.owner_role = $2 AND a.owner_subject = $3) \
             OR e.assessment_id IN (SELECT assessment_id FROM shares WHERE insurer = $4)) \
             ORDER BY e.seq LIMIT $5"
        } else {
            "SELECT e.seq, e.kind, e.at, e.assessment_id, e.body FROM events e \
             JOIN assessments a ON a.id = e.assessment_id \
             WHERE e.seq > $1 AND a.owner_role = $2 AND a.owner_subject = $3 \
             ORDER BY e.seq LIMIT $4"
        };
        let mut q = sqlx::query_as(sql)
            .bind(after)
            .bind(caller.role.as_str().to_string())
            .bind(caller.subject.clone());
        if insurer {
            q = q.bind(caller.subject.clone());
        }
        let limit = i64::try_from(limit).map_err(|e| sqlx::Error::Encode(e.into()))?;
        q.bind(limit).fetch_all(self.db()?).await
    }

    /// The charged premium an assessment stands at now: `premium_after` of its newest event,
    /// or `None` when nothing has re-priced it since it was stored.
    ///
    /// # Errors
    /// Database failures.
    pub async fn last_repriced(&self, assessment_id: &str) -> Result<Option<f64>, sqlx::Error> {
        let row: Option<EventRow> = sqlx::query_as(
            "SELECT seq, kind, at, assessment_id, body FROM events \
             WHERE assessment_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(assessment_id.to_string())
        .fetch_optional(self.db()?)
        .await?;
        Ok(row.and_then(|r| {
            r.body
                .get("premium_after")
                .and_then(serde_json::Value::as_f64)
        }))
    }
}
