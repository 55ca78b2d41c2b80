//! A profile's suppliers (contract §16): whom the firm depends on or trusts with its data, and
//! the certificates each holds. Validated like the firm's own fields, with the same paths
//! (`suppliers[3].role`, `suppliers[0].certifications[1].scheme`).

use serde::Deserialize;
use time::Date;

use super::certification::CertWire;
use super::{Certification, MAX_NAME_CHARS, valid_firm_id};
use crate::params::ModelParams;
use crate::text;
use crate::vocab::SupplierRole;

/// Most suppliers a profile may name.
pub const MAX_SUPPLIERS: usize = 200;

/// One supplier of the firm.
#[derive(Debug, Clone, PartialEq)]
pub struct Supplier {
    /// Its name, unique in the profile (the score and impact lines name it).
    pub name: String,
    /// Its id ([`valid_firm_id`]): what portfolios name it by.
    pub id: Option<String>,
    /// What it does for the firm.
    pub role: SupplierRole,
    /// Its stopping stops the firm (contingent business interruption at full rate).
    pub critical: bool,
    /// It holds the firm's records (third-party breach).
    pub data_access: bool,
    /// Its certificates, validated as the firm's own.
    pub certifications: Vec<Certification>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SupplierWire {
    name: String,
    id: Option<String>,
    role: String,
    #[serde(default)]
    critical: bool,
    #[serde(default)]
    data_access: bool,
    #[serde(default)]
    certifications: Vec<CertWire>,
}

/// The validated suppliers of `wire`, every error reported through `err` (an empty list when
/// there are too many to look at, or the model has no supplier parameters).
pub(super) fn check_suppliers(
    wire: &[SupplierWire],
    params: &ModelParams,
    as_of: Date,
    err: &mut impl FnMut(String, String),
) -> Vec<Supplier> {
    if wire.is_empty() {
        return Vec::new();
    }
    if wire.len() > MAX_SUPPLIERS {
        err(
            "suppliers".into(),
            format!(
                "must list at most {MAX_SUPPLIERS} suppliers (has {})",
                wire.len()
            ),
        );
        return Vec::new();
    }
    if params.suppliers.is_none() {
        err(
            "suppliers".into(),
            format!(
                "model {} has no supplier parameters ([suppliers]); price suppliers with 2.0.0 or later",
                params.id()
            ),
        );
        return Vec::new();
    }
    let mut out: Vec<Supplier> = Vec::with_capacity(wire.len());
    for (i, s) in wire.iter().enumerate() {
        let p = format!("suppliers[{i}]");
        if let Some(m) = text::problem(&s.name, MAX_NAME_CHARS) {
            err(format!("{p}.name"), m);
        } else if out.iter().any(|o| o.name == s.name) {
            err(format!("{p}.name"), format!("`{}` is listed twice", s.name));
        }
        if let Some(id) = &s.id
            && !valid_firm_id(id)
        {
            err(
                format!("{p}.id"),
                "must be 1-128 characters of A-Z a-z 0-9 . _ - @ :".into(),
            );
        }
        let role = SupplierRole::parse(&s.role).unwrap_or_else(|| {
            err(
                format!("{p}.role"),
                format!(
                    "unknown role `{}`; expected one of {}",
                    s.role,
                    super::one_of(SupplierRole::ALL)
                ),
            );
            SupplierRole::Other
        });
        let mut certifications: Vec<Certification> = Vec::new();
        for (j, c) in s.certifications.iter().enumerate() {
            let cp = format!("{p}.certifications[{j}]");
            if let Some(cert) = c.check(&cp, as_of, err) {
                if certifications.iter().any(|x| x.scheme == cert.scheme) {
                    err(
                        format!("{cp}.scheme"),
                        format!("`{}` is listed twice", cert.scheme),
                    );
                }
                certifications.push(cert);
            }
        }
        out.push(Supplier {
            name: s.name.clone(),
            id: s.id.clone(),
            role,
            critical: s.critical,
            data_access: s.data_access,
            certifications,
        });
    }
    out
}

/// Parses a book's supplier list (`risk portfolio --suppliers`, contract §16): the profile's
/// supplier objects, each with its `id` (what the book's `suppliers` column names), validated
/// as a profile's with paths `suppliers[i].…`; certificates stand as on `today`.
///
/// # Errors
/// [`super::ProfileError::Malformed`] for JSON/shape errors; [`super::ProfileError::Invalid`]
/// listing every invalid value, a missing `id` or an id listed twice.
pub fn parse_suppliers(
    json: &str,
    params: &ModelParams,
    today: Date,
) -> Result<Vec<Supplier>, super::ProfileError> {
    use crate::error::FieldError;
    let wire: Vec<SupplierWire> = crate::error::parse_document(json, "suppliers", |p, _| {
        crate::error::prefixed("suppliers", p)
    })
    .map_err(super::ProfileError::Malformed)?;
    let mut errors = Vec::new();
    let mut err = |f: String, m: String| errors.push(FieldError::new(f, m));
    let out = check_suppliers(&wire, params, today, &mut err);
    for (i, s) in wire.iter().enumerate() {
        match &s.id {
            None => err(
                format!("suppliers[{i}].id"),
                "is required in a book's list".into(),
            ),
            Some(id) if wire[..i].iter().any(|o| o.id.as_ref() == Some(id)) => {
                err(
                    format!("suppliers[{i}].id"),
                    format!("`{id}` is listed twice"),
                );
            }
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(super::ProfileError::Invalid(errors))
    }
}
