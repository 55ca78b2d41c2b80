//! `risk score` and `risk impact`: a firm profile read with its model.

#[allow(clippy::wildcard_imports)]
use super::*;
use risk_core::params::parse_date;
use risk_core::profile::{DATE_YEARS, Registered, Status};

/// Reads the profile and model of a firm command, validating both and the trial count.
pub(super) fn load_firm(args: &FirmArgs) -> Result<(String, FirmProfile, ModelParams), CliError> {
    if args.trials == 0 || args.trials > MAX_TRIALS {
        return Err(CliError::BadInput(format!(
            "trials: must be between 1 and {MAX_TRIALS}"
        )));
    }
    let params = load_params(&args.model)?;
    let text = read_input(&args.profile)?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut profile =
        FirmProfile::parse(&text, &params, today).map_err(|e| CliError::BadInput(e.to_string()))?;
    if let Some(path) = &args.registry {
        let entries = read_registry(&read_input(path)?)?;
        verify(&mut profile, &entries);
    }
    Ok((text, profile, params))
}

/// One certificate of a registry export, as `GET /v1/certificates` lists it (other fields of
/// the listing, such as `certifier` and `registered_at`, are ignored).
#[derive(Debug, serde::Deserialize)]
struct RegistryEntry {
    scheme: String,
    certificate_id: String,
    holder: String,
    status: String,
    issued: String,
    expires: String,
    scope_share: f64,
    security_level: Option<u8>,
}

/// A registry export: a list of certificates, or a listing page (`{"items": [...]}`), each
/// checked; the first bad field is named (`registry[2].status`).
fn read_registry(text: &str) -> Result<Vec<(RegistryEntry, Registered)>, CliError> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Export {
        List(Vec<RegistryEntry>),
        Page { items: Vec<RegistryEntry> },
    }
    let bad = |m: String| CliError::BadInput(m);
    let entries = match serde_json::from_str::<Export>(text)
        .map_err(|e| bad(format!("registry: not a list of certificates: {e}")))?
    {
        Export::List(v) | Export::Page { items: v } => v,
    };
    entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let field = |f: &str, m: &str| bad(format!("registry[{i}].{f}: {m}"));
            let status = match e.status.as_str() {
                "active" => Status::Active,
                "suspended" => Status::Suspended,
                "withdrawn" => Status::Withdrawn,
                _ => return Err(field("status", "must be active, suspended or withdrawn")),
            };
            let date = |f: &str, t: &str| {
                parse_date(t)
                    .filter(|d| DATE_YEARS.contains(&d.year()))
                    .ok_or_else(|| field(f, "must be a date YYYY-MM-DD"))
            };
            let (issued, expires) = (date("issued", &e.issued)?, date("expires", &e.expires)?);
            if !(e.scope_share > 0.0 && e.scope_share <= 1.0) {
                return Err(field("scope_share", "must be in (0, 1]"));
            }
            let r = Registered {
                status,
                issued,
                expires,
                scope_share: e.scope_share,
                security_level: e.security_level,
            };
            Ok((e, r))
        })
        .collect()
}

/// Verifies the profile's certifications that cite a certificate the registry holds for the
/// profile's `firm.id` (and issued by its valuation date), as the service does.
fn verify(profile: &mut FirmProfile, entries: &[(RegistryEntry, Registered)]) {
    let Some(holder) = profile.id.clone() else {
        return;
    };
    let as_of = profile.as_of;
    for c in &mut profile.certifications {
        let found = entries.iter().find(|(e, _)| {
            e.scheme == c.scheme.as_str()
                && Some(&e.certificate_id) == c.certificate_id.as_ref()
                && e.holder == holder
        });
        if let Some((_, r)) = found
            && r.issued <= as_of
        {
            c.verify(r);
        }
    }
}
