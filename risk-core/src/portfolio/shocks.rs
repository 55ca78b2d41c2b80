//! Common-shock lists (contract §7, `--shocks`) parsed from JSON into [`Shock`]s.

use serde::Deserialize;

use super::{Shock, ShockSize};
use crate::error::FieldError;
use crate::model::{DistWire, SpecError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShockWire {
    name: String,
    annual_probability: f64,
    hit_probability: f64,
    severity: DistWire,
    #[serde(default)]
    dependency: Option<String>,
}

/// Parses a common-shock list (contract §7, `--shocks`):
/// `[{"name", "annual_probability", "hit_probability", "severity": {distribution…}}]`, with an
/// optional `dependency` restricting the shock to policies that list it in `cloud_providers`.
///
/// # Errors
/// Shape errors as [`SpecError::Malformed`]; every out-of-range value as [`SpecError::Invalid`].
pub fn parse_shocks(json: &str) -> Result<Vec<Shock>, SpecError> {
    let wire: Vec<ShockWire> =
        crate::error::parse_document(json, "shocks", |p, _| crate::error::prefixed("shocks", p))
            .map_err(SpecError::Malformed)?;
    let mut errors = Vec::new();
    let mut shocks = Vec::new();
    for (i, w) in wire.into_iter().enumerate() {
        let path = format!("shocks[{i}]");
        for (name, p) in [
            ("annual_probability", w.annual_probability),
            ("hit_probability", w.hit_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                errors.push(FieldError::new(
                    format!("{path}.{name}"),
                    "must be a probability in [0, 1]",
                ));
            }
        }
        match w.severity.continuous(&format!("{path}.severity")) {
            Ok(sev) => shocks.push(Shock {
                name: w.name,
                annual_probability: w.annual_probability,
                hit_probability: w.hit_probability,
                dependency: w.dependency,
                size: ShockSize::Amount(sev),
                supplier: None,
            }),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(shocks)
    } else {
        Err(SpecError::Invalid(errors))
    }
}
