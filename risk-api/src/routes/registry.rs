//! Verified vs declared (contract §11): the registry's facts resolved into a validated profile
//! before the core scores it, and stored assessments re-priced when a certificate they relied on
//! changes status.
//!
//! A profile certification is verified when it cites a `certificate_id` registered under its
//! scheme to the assessed firm: the calling firm's key subject (a firm's key binds
//! `firm.id` to itself), or for an insurer the profile's `firm.id` when that firm shared an
//! assessment with it. The registry's status, dates, scope and security level then replace
//! what the profile declared ([`Certification::verify`]); the model decides what an unverified
//! one earns. An assessment records the registry position it read and the certificates it
//! relied on, so a re-run reads the same facts, and a re-pricing the facts of now.

use risk_core::params::parse_date;
use risk_core::profile::{Certification, FirmProfile, Registered, Status};

use crate::app::AppState;
use crate::keys::{Caller, Role};
use crate::problem::ApiResult;
use crate::store::{AssessmentRecord, CertificateRecord};

/// What a new profile's verification read: the registry position and the certificates (row
/// ids) it relied on.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// Registry position read.
    pub position: i64,
    /// Row ids of the registered certificates that verified one of the profile's.
    pub relied_on: Vec<String>,
}

/// Binds a firm key's identity (`firm.id` = the key's subject, whatever the body said) and
/// verifies the profile's cited certificates against the registry as it stands.
///
/// # Errors
/// Database failures.
pub async fn bind_and_verify(
    state: &AppState,
    caller: &Caller,
    profile: &mut FirmProfile,
) -> ApiResult<Verification> {
    if caller.role == Role::Firm {
        profile.id = Some(caller.subject.clone());
    }
    let store = state.store();
    let position = store.registry_position().await?;
    let holder = match (caller.role, profile.id.clone()) {
        (Role::Firm, _) => Some(caller.subject.clone()),
        (Role::Insurer, Some(id)) => store.sees_holder(caller, &id).await?.then_some(id),
        _ => None,
    };
    let mut relied_on = Vec::new();
    let Some(holder) = holder else {
        return Ok(Verification {
            position,
            relied_on,
        });
    };
    let as_of = profile.as_of;
    for c in &mut profile.certifications {
        let Some(number) = &c.certificate_id else {
            continue;
        };
        let Some(now) = store.certificate(c.scheme.as_str(), number).await? else {
            continue;
        };
        if now.holder != holder {
            continue;
        }
        // The registry as of the position read first, whatever was appended meanwhile.
        if let Some(rec) = store.certificate_at(&now.id, position).await?
            && apply(c, &rec, as_of)?
        {
            relied_on.push(rec.id);
        }
    }
    Ok(Verification {
        position,
        relied_on,
    })
}

/// Re-applies to a stored assessment's parsed profile its owner's binding and the registry's
/// facts at `position` for the certificates it relied on (its own `registry_seq` for a re-run,
/// the newest for a re-pricing).
///
/// # Errors
/// Database failures; a stored date that no longer parses.
pub async fn verify_stored(
    state: &AppState,
    rec: &AssessmentRecord,
    profile: &mut FirmProfile,
    position: i64,
) -> ApiResult<()> {
    if rec.owner.role == Role::Firm {
        profile.id = Some(rec.owner.subject.clone());
    }
    let store = state.store();
    for id in store.relied_on(&rec.id).await? {
        let Some(cert) = store.certificate_at(&id, position).await? else {
            continue;
        };
        let as_of = profile.as_of;
        if let Some(c) = profile.certifications.iter_mut().find(|c| {
            c.scheme.as_str() == cert.scheme
                && c.certificate_id.as_deref() == Some(&cert.certificate_id)
        }) {
            apply(c, &cert, as_of)?;
        }
    }
    Ok(())
}

/// Verifies `c` with the registry's record of it, unless the registry says it was issued after
/// the valuation date (then it stays declared); true when verified.
fn apply(c: &mut Certification, rec: &CertificateRecord, as_of: time::Date) -> ApiResult<bool> {
    let s = &rec.state;
    let date = |t: &str| {
        parse_date(t).ok_or_else(|| anyhow::anyhow!("stored certificate date {t} is not a date"))
    };
    let issued = date(&s.issued)?;
    if issued > as_of {
        return Ok(false);
    }
    let status = match s.status.as_str() {
        "active" => Status::Active,
        "suspended" => Status::Suspended,
        _ => Status::Withdrawn,
    };
    c.verify(&Registered {
        status,
        issued,
        expires: date(&s.expires)?,
        scope_share: s.scope_share,
        security_level: s.security_level.and_then(|l| u8::try_from(l).ok()),
    });
    Ok(true)
}
