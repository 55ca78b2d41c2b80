//! The loss-model spec (contract §2): raw wire types mirroring the JSON, validated once into a
//! [`LossSpec`] with every field error reported at once, each with its path.

use std::collections::HashSet;

use serde::Deserialize;

use super::{LossModel, Peril, Terms};
use crate::dist::{DistError, Frequency, Severity};
use crate::error::FieldError;

/// Most trials one run may ask for (memory: 8 bytes per trial per loss vector).
pub const MAX_TRIALS: u64 = 10_000_000;

/// Most simulated events one run may ask for (Σ_k E[N_k] × trials): bounds its running time.
pub const MAX_EXPECTED_EVENTS: f64 = 2.0e9;

/// Largest currency amount a distribution in a spec may name (a lognormal's median, a
/// lognormal–GPD's threshold, a PERT's maximum): 10¹⁵, a quadrillion currency units, far beyond
/// any single firm's loss and the same as the portfolio boundary's cap on an explicit row's
/// `severity_median` [A]. With σ ≤ 10 a draw then stays below about 10¹⁸³ and a year's sum of
/// up to 10⁹ events finite; without it a median of 4.5·10³⁰ made every year loss infinite.
pub const MAX_AMOUNT: f64 = 1e15;

/// Largest GPD scale β = P(X > u)/f(u) (currency units) a lognormal–GPD in a spec may imply. A
/// threshold at or above the lognormal's 1st percentile gives β ≤ 37.5·u·σ ≤ 3.75·10¹⁷ under
/// [`MAX_AMOUNT`] and σ ≤ 10; a threshold tens of σ below the median gives a scale of 10²⁹⁶ or
/// an infinite one (the density at u underflows), whose draws overflow.
pub const MAX_GPD_SCALE: f64 = 1e18;

/// Default confidence levels for VaR and TVaR.
pub const DEFAULT_LEVELS: [f64; 5] = [0.9, 0.95, 0.99, 0.995, 0.999];

/// Default number of trials.
pub const DEFAULT_TRIALS: u64 = 100_000;

/// Why a spec was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The document is not valid JSON or does not have the spec's shape (unknown field, wrong
    /// type, unknown distribution); only the first such error is known.
    #[error("{0}")]
    Malformed(FieldError),
    /// Well-formed, but values are out of range; every offending field is listed.
    #[error("{}", join(.0))]
    Invalid(Vec<FieldError>),
}

impl SpecError {
    /// Every field error, in document order.
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            SpecError::Malformed(e) => vec![e.clone()],
            SpecError::Invalid(v) => v.clone(),
        }
    }
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A validated loss-model spec: the model plus how to run and report it.
#[derive(Debug, Clone)]
pub struct LossSpec {
    /// Perils and terms.
    pub model: LossModel,
    /// Monte Carlo trials (1 ..= [`MAX_TRIALS`]).
    pub trials: u64,
    /// Seed of the random streams.
    pub seed: u64,
    /// Confidence levels in (0, 1) for VaR and TVaR.
    pub levels: Vec<f64>,
    /// Loss amounts whose exceedance probability is reported.
    pub thresholds: Vec<f64>,
}

impl LossSpec {
    /// Parses and validates a spec document.
    ///
    /// # Errors
    /// [`SpecError::Malformed`] for JSON or shape errors, [`SpecError::Invalid`] listing every
    /// out-of-range value.
    pub fn parse(json: &str) -> Result<Self, SpecError> {
        let wire: SpecWire =
            crate::error::parse_document(json, "spec", |p, _| crate::error::path_or("spec", p))
                .map_err(SpecError::Malformed)?;
        wire.validate()
    }

    /// Replaces trials and/or seed (command-line overrides), re-checking the caps.
    ///
    /// # Errors
    /// [`SpecError::Invalid`] naming `trials` when out of range.
    pub fn with_overrides(
        mut self,
        trials: Option<u64>,
        seed: Option<u64>,
    ) -> Result<Self, SpecError> {
        if let Some(t) = trials {
            self.trials = t;
        }
        if let Some(s) = seed {
            self.seed = s;
        }
        let mut errors = Vec::new();
        check_trials(self.trials, &self.model, &mut errors);
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(SpecError::Invalid(errors))
        }
    }
}

/// Checks 1 ≤ trials ≤ [`MAX_TRIALS`] and the expected event count against
/// [`MAX_EXPECTED_EVENTS`].
pub(crate) fn check_trials(trials: u64, model: &LossModel, errors: &mut Vec<FieldError>) {
    if trials == 0 || trials > MAX_TRIALS {
        errors.push(FieldError::new(
            "trials",
            format!("must be between 1 and {MAX_TRIALS}"),
        ));
    } else if model.expected_events() * trials as f64 > MAX_EXPECTED_EVENTS {
        errors.push(FieldError::new(
            "trials",
            format!(
                "{trials} trials of {:.4} expected events a year exceed the cap of {MAX_EXPECTED_EVENTS:e} simulated events",
                model.expected_events()
            ),
        ));
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecWire {
    trials: Option<u64>,
    seed: Option<u64>,
    perils: Vec<PerilWire>,
    terms: Option<TermsWire>,
    levels: Option<Vec<f64>>,
    thresholds: Option<Vec<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerilWire {
    name: String,
    frequency: Option<DistWire>,
    severity: Option<DistWire>,
    fair: Option<FairWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FairWire {
    tef: DistWire,
    vulnerability: DistWire,
    loss_magnitude: DistWire,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsWire {
    #[serde(default)]
    deductible: f64,
    #[serde(default)]
    occurrence_limit: Option<f64>,
    #[serde(default)]
    aggregate_limit: Option<f64>,
}

/// A distribution object; which variants are allowed depends on where it stands.
#[derive(Deserialize, Clone, Copy)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum DistWire {
    Poisson {
        mean: f64,
    },
    NegativeBinomial {
        mean: f64,
        dispersion: f64,
    },
    Lognormal {
        median: f64,
        sigma: f64,
    },
    LognormalGpd {
        median: f64,
        sigma: f64,
        threshold: f64,
        shape: f64,
    },
    Pert {
        min: f64,
        mode: f64,
        max: f64,
    },
}

impl DistWire {
    fn frequency(self, path: &str) -> Result<Frequency, FieldError> {
        match self {
            DistWire::Poisson { mean } => Frequency::poisson(mean),
            DistWire::NegativeBinomial { mean, dispersion } => {
                Frequency::negative_binomial(mean, dispersion)
            }
            _ => {
                return Err(FieldError::new(
                    format!("{path}.distribution"),
                    "must be a frequency distribution: poisson or negative_binomial",
                ));
            }
        }
        .map_err(|e| dist_error(path, e))
    }

    pub(crate) fn continuous(self, path: &str) -> Result<Severity, FieldError> {
        let amounts: &[(&str, f64)] = match &self {
            DistWire::Lognormal { median, .. } => &[("median", *median)],
            DistWire::LognormalGpd {
                median, threshold, ..
            } => &[("median", *median), ("threshold", *threshold)],
            DistWire::Pert { max, .. } => &[("max", *max)],
            _ => &[],
        };
        if let Some((param, _)) = amounts.iter().find(|(_, x)| *x > MAX_AMOUNT) {
            return Err(FieldError::new(
                format!("{path}.{param}"),
                format!("must be at most {MAX_AMOUNT:e} (a quadrillion currency units)"),
            ));
        }
        let severity = self.build_continuous(path)?;
        if let Severity::LogNormalGpd(d) = &severity {
            let (_, scale) = d.splice();
            if !(scale <= MAX_GPD_SCALE) {
                return Err(FieldError::new(
                    format!("{path}.threshold"),
                    format!(
                        "lies so far below the median that the tail's scale \
                         β = P(X > u)/f(u) is {scale:e}, above {MAX_GPD_SCALE:e}: \
                         put the threshold at or above the lognormal's 1st percentile"
                    ),
                ));
            }
        }
        Ok(severity)
    }

    fn build_continuous(self, path: &str) -> Result<Severity, FieldError> {
        match self {
            DistWire::Lognormal { median, sigma } => Severity::lognormal(median, sigma),
            DistWire::LognormalGpd {
                median,
                sigma,
                threshold,
                shape,
            } => Severity::lognormal_gpd(median, sigma, threshold, shape),
            DistWire::Pert { min, mode, max } => Severity::pert(min, mode, max),
            _ => {
                return Err(FieldError::new(
                    format!("{path}.distribution"),
                    "must be a continuous distribution: lognormal, lognormal_gpd or pert",
                ));
            }
        }
        .map_err(|e| dist_error(path, e))
    }
}

fn dist_error(path: &str, e: DistError) -> FieldError {
    match e {
        DistError::Invalid { param, rule } => FieldError::new(format!("{path}.{param}"), rule),
    }
}

impl SpecWire {
    fn validate(self) -> Result<LossSpec, SpecError> {
        let mut errors = Vec::new();
        if self.perils.is_empty() {
            errors.push(FieldError::new("perils", "must list at least one peril"));
        }
        let mut names = HashSet::new();
        let mut perils = Vec::with_capacity(self.perils.len());
        for (i, p) in self.perils.into_iter().enumerate() {
            let path = format!("perils[{i}]");
            if p.name.trim().is_empty() {
                errors.push(FieldError::new(format!("{path}.name"), "must not be empty"));
            } else if !names.insert(p.name.clone()) {
                errors.push(FieldError::new(
                    format!("{path}.name"),
                    "duplicates an earlier peril's name",
                ));
            }
            match peril(&path, p) {
                Ok(peril) => perils.push(peril),
                Err(mut e) => errors.append(&mut e),
            }
        }
        let terms = match self.terms {
            None => Terms::NONE,
            Some(t) => terms(t, &mut errors),
        };
        let levels = self.levels.unwrap_or_else(|| DEFAULT_LEVELS.to_vec());
        for (i, l) in levels.iter().enumerate() {
            if !(*l > 0.0 && *l < 1.0) {
                errors.push(FieldError::new(format!("levels[{i}]"), "must be in (0, 1)"));
            }
        }
        let thresholds = self.thresholds.unwrap_or_default();
        for (i, t) in thresholds.iter().enumerate() {
            if !t.is_finite() {
                errors.push(FieldError::new(
                    format!("thresholds[{i}]"),
                    "must be finite",
                ));
            }
        }
        let model = LossModel::new(perils, terms);
        let trials = self.trials.unwrap_or(DEFAULT_TRIALS);
        if errors.is_empty() {
            check_trials(trials, &model, &mut errors);
        }
        if !errors.is_empty() {
            return Err(SpecError::Invalid(errors));
        }
        Ok(LossSpec {
            model,
            trials,
            seed: self.seed.unwrap_or(0),
            levels,
            thresholds,
        })
    }
}

fn peril(path: &str, p: PerilWire) -> Result<Peril, Vec<FieldError>> {
    let mut errors = Vec::new();
    let parts = match (p.frequency, p.severity, p.fair) {
        (Some(f), Some(s), None) => {
            let f = keep(&mut errors, f.frequency(&format!("{path}.frequency")));
            let s = keep(&mut errors, s.continuous(&format!("{path}.severity")));
            f.zip(s)
        }
        (None, None, Some(fair)) => {
            let tef = keep(
                &mut errors,
                fair.tef.continuous(&format!("{path}.fair.tef")),
            );
            let v = keep(
                &mut errors,
                fair.vulnerability
                    .continuous(&format!("{path}.fair.vulnerability")),
            );
            let lm = keep(
                &mut errors,
                fair.loss_magnitude
                    .continuous(&format!("{path}.fair.loss_magnitude")),
            );
            match (tef, v, lm) {
                (Some(tef), Some(v), Some(lm)) => keep(
                    &mut errors,
                    Frequency::fair(tef, v).map_err(|e| dist_error(&format!("{path}.fair"), e)),
                )
                .map(|f| (f, lm)),
                _ => None,
            }
        }
        _ => {
            errors.push(FieldError::new(
                path,
                "give either `frequency` and `severity`, or `fair`",
            ));
            None
        }
    };
    match parts {
        Some((f, s)) if errors.is_empty() => Ok(Peril::new(p.name, f, s)),
        _ => Err(errors),
    }
}

/// The value of `r`, or None with its error recorded.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

fn terms(t: TermsWire, errors: &mut Vec<FieldError>) -> Terms {
    if !(t.deductible >= 0.0 && t.deductible.is_finite()) {
        errors.push(FieldError::new(
            "terms.deductible",
            "must be a finite number >= 0",
        ));
    }
    for (name, limit) in [
        ("terms.occurrence_limit", t.occurrence_limit),
        ("terms.aggregate_limit", t.aggregate_limit),
    ] {
        if let Some(l) = limit
            && !(l > 0.0 && l.is_finite())
        {
            errors.push(FieldError::new(
                name,
                "must be a finite number > 0, or null for no limit",
            ));
        }
    }
    Terms::new(t.deductible, t.occurrence_limit, t.aggregate_limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_fields(json: &str) -> Vec<String> {
        LossSpec::parse(json)
            .unwrap_err()
            .fields()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    const W1: &str = r#"{"perils": [{"name": "ransomware",
        "frequency": {"distribution": "poisson", "mean": 0.8},
        "severity": {"distribution": "lognormal", "median": 150000, "sigma": 2.0}}]}"#;

    #[test]
    fn defaults_apply() {
        let s = LossSpec::parse(W1).unwrap();
        assert_eq!(s.trials, DEFAULT_TRIALS);
        assert_eq!(s.seed, 0);
        assert_eq!(s.levels, DEFAULT_LEVELS.to_vec());
        assert!(s.thresholds.is_empty());
        assert!(s.model.terms().is_none());
    }

    #[test]
    fn every_bad_value_is_named() {
        let json = r#"{"trials": 10, "levels": [0.5, 1.0],
          "terms": {"deductible": -1, "occurrence_limit": 0, "aggregate_limit": null},
          "perils": [
            {"name": "a", "frequency": {"distribution": "poisson", "mean": 0},
             "severity": {"distribution": "lognormal", "median": 1, "sigma": -2}},
            {"name": "a", "frequency": {"distribution": "poisson", "mean": 1},
             "severity": {"distribution": "pert", "min": 5, "mode": 4, "max": 10}},
            {"name": "c", "frequency": {"distribution": "lognormal", "median": 1, "sigma": 1},
             "severity": {"distribution": "poisson", "mean": 1}}
          ]}"#;
        assert_eq!(
            err_fields(json),
            [
                "perils[0].frequency.mean",
                "perils[0].severity.sigma",
                "perils[1].name",
                "perils[1].severity.mode",
                "perils[2].frequency.distribution",
                "perils[2].severity.distribution",
                "terms.deductible",
                "terms.occurrence_limit",
                "levels[1]",
            ]
        );
    }

    #[test]
    fn shape_errors_carry_their_path() {
        let unknown_field = W1.replace(r#""mean": 0.8"#, r#""mean": 0.8, "lambda": 1"#);
        assert_eq!(err_fields(&unknown_field), ["perils[0].frequency"]);
        let unknown_dist = W1.replace("lognormal", "weibull");
        assert_eq!(
            err_fields(&unknown_dist),
            ["perils[0].severity.distribution"]
        );
        let bad_type = W1.replace("0.8", r#""many""#);
        assert_eq!(err_fields(&bad_type), ["perils[0].frequency"]);
        assert_eq!(err_fields("{"), ["spec"]);
        assert_eq!(err_fields(r#"{"perils": [], "extra": 1}"#), ["extra"]);
    }

    #[test]
    fn trials_are_capped() {
        let s = W1.replacen('{', r#"{"trials": 0,"#, 1);
        assert_eq!(err_fields(&s), ["trials"]);
        let s = W1.replacen('{', r#"{"trials": 10000001,"#, 1);
        assert_eq!(err_fields(&s), ["trials"]);
        let ok = LossSpec::parse(W1).unwrap();
        assert!(ok.with_overrides(Some(0), None).is_err());
    }

    #[test]
    fn fair_form_builds_a_mixed_poisson() {
        let json = r#"{"perils": [{"name": "fair", "fair": {
            "tef": {"distribution": "pert", "min": 0.1, "mode": 0.5, "max": 2.0},
            "vulnerability": {"distribution": "pert", "min": 0.2, "mode": 0.4, "max": 0.7},
            "loss_magnitude": {"distribution": "pert", "min": 10000, "mode": 100000, "max": 5000000}}}]}"#;
        let s = LossSpec::parse(json).unwrap();
        let p = &s.model.perils()[0];
        let tef = (0.1 + 4.0 * 0.5 + 2.0) / 6.0;
        let v = (0.2 + 4.0 * 0.4 + 0.7) / 6.0;
        assert!((p.frequency().mean() - tef * v).abs() < 1e-12);
        let bad = json.replace(r#""max": 0.7"#, r#""max": 1.7"#);
        assert_eq!(err_fields(&bad), ["perils[0].fair.vulnerability"]);
    }
}
