//! `risk keys list | revoke` (contract §15): keys are named by id, role and subject, never shown.

use super::{CliError, runtime};
use crate::store::Store;

/// A `--expires` day, checked: YYYY-MM-DD in 1900..=2200.
pub(super) fn expiry(s: &str) -> Result<String, CliError> {
    match risk_core::params::parse_date(s) {
        Some(d) if (1900..=2200).contains(&d.year()) => Ok(s.to_string()),
        _ => Err(CliError::BadInput(format!(
            "--expires: must be a date YYYY-MM-DD in the years 1900..=2200, not {s:?}"
        ))),
    }
}

/// The table of keys: id, role, subject, created, expires, revoked (`-` where none).
pub(super) fn list(db: &str) -> Result<String, CliError> {
    let rows = runtime()?.block_on(async {
        let store = Store::open(db).await?;
        let rows = store.list_keys().await?;
        store.close().await;
        anyhow::Ok(rows)
    })?;
    let mut lines =
        vec![["id", "role", "subject", "created", "expires", "revoked"].map(String::from)];
    for r in rows {
        lines.push([
            r.id,
            r.role,
            r.subject,
            r.created_at,
            r.expires_at.unwrap_or_else(|| "-".into()),
            r.revoked_at.unwrap_or_else(|| "-".into()),
        ]);
    }
    let mut widths = [0usize; 6];
    for l in &lines {
        for (w, c) in widths.iter_mut().zip(l) {
            *w = (*w).max(c.chars().count());
        }
    }
    Ok(lines
        .iter()
        .map(|l| {
            l.iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Revokes a key by id or every key of a subject; bad input when none was active.
pub(super) fn revoke(
    db: &str,
    id: Option<String>,
    subject: Option<String>,
) -> Result<String, CliError> {
    let (value, by_subject) = match (id, subject) {
        (Some(id), None) => (id, false),
        (None, Some(s)) => (s, true),
        _ => {
            return Err(CliError::BadInput(
                "give exactly one of --id and --subject".into(),
            ));
        }
    };
    let n = runtime()?.block_on(async {
        let store = Store::open(db).await?;
        let n = store.revoke_keys(&value, by_subject).await?;
        store.close().await;
        anyhow::Ok(n)
    })?;
    if n == 0 {
        let what = if by_subject { "subject" } else { "id" };
        return Err(CliError::BadInput(format!(
            "no active key with {what} {value:?}"
        )));
    }
    eprintln!("revoked {n} key(s); they are answered 401 from now on");
    Ok(String::new())
}
