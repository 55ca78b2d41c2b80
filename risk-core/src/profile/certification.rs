//! A profile's certificates (contract §4, §11): the wire form, its validation, and what a
//! certificate registry may confirm about one ([`Registered`], [`Certification::verify`]).
//!
//! The core knows no registry: the service looks a cited `certificate_id` up and, when the
//! certificate is registered to the calling firm, hands the registry's facts to
//! [`Certification::verify`] before scoring. What the registry records then wins over what the
//! profile declared; the model decides how much a certificate nobody verified earns
//! (`[certification_rules.declared_credit]`).

use serde::Deserialize;
use time::Date;

use crate::params::parse_date;
use crate::vocab::Scheme;

/// Status of a certificate as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Current.
    Active,
    /// Expired or surveillance missed.
    Lapsed,
    /// Suspended by the certification body.
    Suspended,
    /// Withdrawn by the certification body.
    Withdrawn,
}

impl Status {
    /// Parses a wire name (`active`, `lapsed`, `suspended`, `withdrawn`).
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "active" => Some(Status::Active),
            "lapsed" => Some(Status::Lapsed),
            "suspended" => Some(Status::Suspended),
            "withdrawn" => Some(Status::Withdrawn),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Lapsed => "lapsed",
            Status::Suspended => "suspended",
            Status::Withdrawn => "withdrawn",
        }
    }
}

/// One certificate held (or once held).
#[derive(Debug, Clone, PartialEq)]
pub struct Certification {
    /// The scheme.
    pub scheme: Scheme,
    /// Declared status (the registry's once verified).
    pub status: Status,
    /// Issue date, if given.
    pub issued: Option<Date>,
    /// Expiry date, if given.
    pub expires: Option<Date>,
    /// Share of the firm (by revenue or assets) inside the certified scope, in (0, 1].
    pub scope_share: f64,
    /// IEC 62443 security level 1–4.
    pub security_level: Option<u8>,
    /// ISO/IEC 27001 edition year (2013 or 2022), if given.
    pub edition: Option<u16>,
    /// The certification body's number for it, if the profile cites one
    /// ([`valid_certificate_id`]).
    pub certificate_id: Option<String>,
    /// Whether a registry confirmed it ([`Certification::verify`]); false as parsed.
    pub verified: bool,
}

/// What a certificate registry records about a certificate on the day it is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// `Active`, `Suspended` or `Withdrawn`, as the certification body last set it.
    pub status: Status,
    /// Issue date.
    pub issued: Date,
    /// Expiry date.
    pub expires: Date,
    /// Share of the firm inside the certified scope, in (0, 1].
    pub scope_share: f64,
    /// IEC 62443 security level 1–4.
    pub security_level: Option<u8>,
}

impl Certification {
    /// Marks the certificate verified and replaces what the profile declared with what the
    /// registry records (status, dates, scope, security level); the edition, which registries
    /// do not record, stays as declared.
    pub fn verify(&mut self, r: &Registered) {
        self.status = r.status;
        self.issued = Some(r.issued);
        self.expires = Some(r.expires);
        self.scope_share = r.scope_share;
        if self.scheme == Scheme::Iec62443 {
            self.security_level = r.security_level.or(self.security_level);
        }
        self.verified = true;
    }
}

/// Longest certificate number.
pub const MAX_CERTIFICATE_ID_CHARS: usize = 64;

/// A valid certificate number: 1–64 characters of `A-Z a-z 0-9 . _ - :` (a registry's path
/// segment as it is; numbers printed with spaces or slashes are cited with `-`).
pub fn valid_certificate_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_CERTIFICATE_ID_CHARS
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b))
}

/// A valid firm id (the service's key subjects): 1–128 characters of `A-Z a-z 0-9 . _ - @ :`.
pub fn valid_firm_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@:".contains(&b))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CertWire {
    scheme: String,
    status: String,
    issued: Option<String>,
    expires: Option<String>,
    scope_share: Option<f64>,
    security_level: Option<f64>,
    edition: Option<u16>,
    certificate_id: Option<String>,
}

impl CertWire {
    /// The certificate at `p` (`certifications[i]`), or None after reporting its errors
    /// through `err`.
    pub(super) fn check(
        &self,
        p: &str,
        as_of: Date,
        err: &mut impl FnMut(String, String),
    ) -> Option<Certification> {
        let c = self;
        let date = |name: &str, v: &Option<String>, err: &mut dyn FnMut(String, String)| {
            v.as_ref().and_then(|s| match parse_date(s) {
                Some(d) if super::DATE_YEARS.contains(&d.year()) => Some(d),
                Some(_) => {
                    err(format!("{p}.{name}"), super::date_range());
                    None
                }
                None => {
                    err(format!("{p}.{name}"), "must be a date YYYY-MM-DD".into());
                    None
                }
            })
        };
        let scheme = Scheme::parse(&c.scheme);
        if scheme.is_none() {
            err(
                format!("{p}.scheme"),
                format!(
                    "unknown scheme `{}`; expected one of {}",
                    c.scheme,
                    super::one_of(Scheme::ALL)
                ),
            );
        }
        let status = Status::parse(&c.status);
        if status.is_none() {
            err(
                format!("{p}.status"),
                format!(
                    "unknown status `{}`; expected one of active, lapsed, suspended, withdrawn",
                    c.status
                ),
            );
        }
        let issued = date("issued", &c.issued, err);
        let expires = date("expires", &c.expires, err);
        if let (Some(i), Some(e)) = (issued, expires)
            && e < i
        {
            err(format!("{p}.expires"), "before issued".into());
        }
        if let Some(i) = issued
            && i > as_of
        {
            err(format!("{p}.issued"), format!("after as_of ({as_of})"));
        }
        let scope_share = c.scope_share.unwrap_or(1.0);
        if !(scope_share > 0.0 && scope_share <= 1.0) {
            err(format!("{p}.scope_share"), "must be in (0, 1]".into());
        }
        let security_level = match (scheme, c.security_level) {
            (Some(Scheme::Iec62443), Some(l)) if (1.0..=4.0).contains(&l) && l.fract() == 0.0 => {
                Some(l as u8)
            }
            (Some(Scheme::Iec62443), Some(_)) => {
                err(
                    format!("{p}.security_level"),
                    "must be an integer 1..4".into(),
                );
                None
            }
            (Some(Scheme::Iec62443), None) => {
                err(
                    format!("{p}.security_level"),
                    "is required for iec62443 (1..4)".into(),
                );
                None
            }
            (_, Some(_)) => {
                err(
                    format!("{p}.security_level"),
                    "only applies to iec62443".into(),
                );
                None
            }
            (_, None) => None,
        };
        match (scheme, c.edition) {
            (Some(Scheme::Iso27001), Some(2013 | 2022)) | (_, None) => {}
            (Some(Scheme::Iso27001), Some(_)) => {
                err(format!("{p}.edition"), "must be 2013 or 2022".into())
            }
            (_, Some(_)) => err(format!("{p}.edition"), "only applies to iso27001".into()),
        }
        if let Some(id) = &c.certificate_id
            && !valid_certificate_id(id)
        {
            err(
                format!("{p}.certificate_id"),
                format!("must be 1-{MAX_CERTIFICATE_ID_CHARS} characters of A-Z a-z 0-9 . _ - :"),
            );
        }
        Some(Certification {
            scheme: scheme?,
            status: status?,
            issued,
            expires,
            scope_share,
            security_level,
            edition: c.edition,
            certificate_id: c.certificate_id.clone(),
            verified: false,
        })
    }
}
