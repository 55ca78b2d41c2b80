//! The policy a profile asks to price (contract §4 `coverage`, §10): deductible and limits, and
//! per-section sublimits, retentions, coinsurance and the business-interruption waiting period.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::params::ModelParams;
use crate::vocab::{SECTIONS, Section};

/// Longest waiting period accepted (hours): 30 days.
pub const MAX_WAITING_PERIOD_HOURS: f64 = 720.0;

/// Policy terms, in the profile's currency.
///
/// Per event of ground-up loss X (peril k): section j's loss is x_j = share_kj·X, business
/// interruption less h·w (h the firm's hourly BI rate, w the waiting period), then less the
/// section retention r_j; the policy deductible d comes off their sum, pro rata; the insurer pays
/// c_j (coinsurance) of each section; the event's total is capped at the occurrence limit. Per
/// year each section is capped at its sublimit, then the total at the aggregate limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    /// Per-event deductible.
    pub deductible: f64,
    /// Per-event limit.
    pub occurrence_limit: f64,
    /// Annual aggregate limit.
    pub aggregate_limit: f64,
    /// Annual sublimit per section ([`Section::index`]); infinite where none.
    pub sublimits: [f64; SECTIONS],
    /// Per-event retention per section; 0 where none.
    pub retentions: [f64; SECTIONS],
    /// Insurer's share of each section's loss (1 − the insured's coinsurance); 1 where none.
    pub coinsurance: [f64; SECTIONS],
    /// Business-interruption waiting period (hours).
    pub waiting_period_hours: f64,
}

impl Coverage {
    /// Deductible and limits only: no section terms, no waiting period.
    pub fn plain(deductible: f64, occurrence_limit: f64, aggregate_limit: f64) -> Self {
        Coverage {
            deductible,
            occurrence_limit,
            aggregate_limit,
            sublimits: [f64::INFINITY; SECTIONS],
            retentions: [0.0; SECTIONS],
            coinsurance: [1.0; SECTIONS],
            waiting_period_hours: 0.0,
        }
    }

    /// True when only the deductible and limits act (no section term, no waiting period).
    pub fn is_plain(&self) -> bool {
        self.sublimits.iter().all(|s| s.is_infinite())
            && self.retentions.iter().all(|&r| r == 0.0)
            && self.coinsurance.iter().all(|&c| c == 1.0)
            && self.waiting_period_hours == 0.0
    }
}

/// `coverage` as sent (every field optional).
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct CoverageWire {
    deductible: Option<f64>,
    occurrence_limit: Option<f64>,
    aggregate_limit: Option<f64>,
    #[serde(default)]
    sublimits: BTreeMap<String, f64>,
    #[serde(default)]
    retentions: BTreeMap<String, f64>,
    #[serde(default)]
    coinsurance: BTreeMap<String, f64>,
    waiting_period_hours: Option<f64>,
}

impl CoverageWire {
    /// Deductible and limits only (portfolio rows and claims files).
    pub fn from_parts(parts: [Option<f64>; 3]) -> Self {
        CoverageWire {
            deductible: parts[0],
            occurrence_limit: parts[1],
            aggregate_limit: parts[2],
            ..CoverageWire::default()
        }
    }

    /// Validated terms, defaults filled in from the model: with `[[default_terms]]` (2.0.0) the
    /// revenue band's limit and deductible (the deductible at most a tenth of the occurrence
    /// limit); before, deductible = revenue × `default_deductible_share` and limit =
    /// min(revenue × `default_limit_share`, the cap); the
    /// aggregate at least the occurrence limit; the model's waiting period. `rate` converts the
    /// base currency to the profile's. Every problem goes to `err(field, message)`, with `prefix`
    /// (`coverage` or `options[2]`) in front of the field.
    pub fn validate(
        &self,
        prefix: &str,
        revenue: f64,
        rate: f64,
        params: &ModelParams,
        err: &mut dyn FnMut(String, String),
    ) -> Coverage {
        let pr = &params.pricing;
        let band = crate::params::terms_band(&params.default_terms, revenue / rate);
        let default_limit = match band {
            Some(b) => b.limit * rate,
            None => (revenue * pr.default_limit_share).min(pr.default_limit_cap * rate),
        };
        let occurrence_limit = self.occurrence_limit.unwrap_or(default_limit);
        let deductible = self.deductible.unwrap_or(match band {
            // Never a default deductible at or above the limit: at most a tenth of it.
            Some(b) => (b.deductible * rate).min(occurrence_limit / 10.0),
            None => revenue * pr.default_deductible_share,
        });
        let aggregate_limit = self
            .aggregate_limit
            .unwrap_or(occurrence_limit.max(default_limit));
        if !(deductible >= 0.0 && deductible.is_finite()) {
            err(
                format!("{prefix}.deductible"),
                "must be a finite number >= 0".into(),
            );
        }
        for (name, v) in [
            ("occurrence_limit", occurrence_limit),
            ("aggregate_limit", aggregate_limit),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                err(
                    format!("{prefix}.{name}"),
                    "must be a finite number > 0".into(),
                );
            }
        }
        let mut cov = Coverage::plain(deductible, occurrence_limit, aggregate_limit);
        let sectioned = !self.sublimits.is_empty()
            || !self.retentions.is_empty()
            || !self.coinsurance.is_empty()
            || self.waiting_period_hours.is_some();
        let Some(model) = &params.coverage else {
            if sectioned {
                err(
                    prefix.to_string(),
                    format!(
                        "model {} has no coverage sections: sublimits, retentions, coinsurance and \
                         waiting_period_hours need a model that defines them (1.5.0 or later)",
                        params.version
                    ),
                );
            }
            return cov;
        };
        cov.waiting_period_hours = self
            .waiting_period_hours
            .unwrap_or(model.default_waiting_period_hours);
        if !(0.0..=MAX_WAITING_PERIOD_HOURS).contains(&cov.waiting_period_hours) {
            err(
                format!("{prefix}.waiting_period_hours"),
                format!("must be a number of hours in [0, {MAX_WAITING_PERIOD_HOURS}]"),
            );
        }
        let mut section = |table: &str, name: &str| -> Option<usize> {
            match Section::parse(name) {
                Some(s) => Some(s.index()),
                None => {
                    err(
                        // A hostile key is not echoed into the field path.
                        if crate::text::problem(name, 64).is_none() {
                            format!("{prefix}.{table}.{name}")
                        } else {
                            format!("{prefix}.{table}")
                        },
                        format!(
                            "unknown section; expected one of {}",
                            Section::ALL
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    None
                }
            }
        };
        let mut checks = Vec::new();
        for (name, &v) in &self.sublimits {
            if let Some(j) = section("sublimits", name) {
                cov.sublimits[j] = v;
                checks.push(("sublimits", name, v));
            }
        }
        for (name, &v) in &self.retentions {
            if let Some(j) = section("retentions", name) {
                cov.retentions[j] = v;
                checks.push(("retentions", name, v));
            }
        }
        for (name, &v) in &self.coinsurance {
            if let Some(j) = section("coinsurance", name) {
                cov.coinsurance[j] = v;
                checks.push(("coinsurance", name, v));
            }
        }
        for (table, name, v) in checks {
            let field = format!("{prefix}.{table}.{name}");
            match table {
                "sublimits" if !(v > 0.0 && v.is_finite()) => {
                    err(field, "must be a finite number > 0".into())
                }
                "sublimits" if aggregate_limit.is_finite() && v > aggregate_limit => err(
                    field,
                    format!("must not exceed the aggregate limit ({aggregate_limit})"),
                ),
                "retentions" if !(v >= 0.0 && v.is_finite()) => {
                    err(field, "must be a finite number >= 0".into())
                }
                "coinsurance" if !(0.0..=1.0).contains(&v) => err(
                    field,
                    "must be the insurer's share, a number in [0, 1]".into(),
                ),
                _ => {}
            }
        }
        cov
    }
}

/// Most coverage options one request may price.
pub const MAX_OPTIONS: usize = 20;

/// Parses quote options: a JSON array of 1–[`MAX_OPTIONS`] coverage objects (contract §10), each
/// validated for the firm of `profile` (its revenue and currency set the defaults), errors named
/// `options[i].field`.
///
/// # Errors
/// [`super::ProfileError::Malformed`] for JSON or shape errors; [`super::ProfileError::Invalid`]
/// listing every invalid value and a count outside 1–20.
pub fn parse_options(
    json: &str,
    profile: &super::FirmProfile,
    params: &ModelParams,
) -> Result<Vec<Coverage>, super::ProfileError> {
    use crate::error::FieldError;
    let wires: Vec<CoverageWire> =
        crate::error::parse_document(json, "options", |p, _| crate::error::prefixed("options", p))
            .map_err(super::ProfileError::Malformed)?;
    let mut errors = Vec::new();
    if wires.is_empty() || wires.len() > MAX_OPTIONS {
        return Err(super::ProfileError::Invalid(vec![FieldError::new(
            "options",
            format!(
                "must hold 1 to {MAX_OPTIONS} coverage options, not {}",
                wires.len()
            ),
        )]));
    }
    let rate = params.rate(&profile.currency).unwrap_or(1.0);
    let mut err = |f: String, m: String| errors.push(FieldError::new(f, m));
    let options = wires
        .iter()
        .enumerate()
        .map(|(i, w)| {
            w.validate(
                &format!("options[{i}]"),
                profile.annual_revenue,
                rate,
                params,
                &mut err,
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(options)
    } else {
        Err(super::ProfileError::Invalid(errors))
    }
}
