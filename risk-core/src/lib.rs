//! # risk-core
//!
//! Brief overview: a certification-aware cyber-insurance risk engine. A [`model::LossModel`]
//! (perils, each a frequency × severity, under insurance [`model::Terms`]) is simulated by the
//! [`engine`] into annual losses, summarised by [`stats::LossStats`].
//!
//! ```
//! use risk_core::{engine, model::LossSpec, stats::LossStats};
//!
//! let spec = LossSpec::parse(r#"{"perils": [{"name": "ransomware",
//!     "frequency": {"distribution": "poisson", "mean": 0.8},
//!     "severity": {"distribution": "lognormal", "median": 150000, "sigma": 2.0}}]}"#).unwrap();
//! let sim = engine::simulate(&spec.model, 10_000, 42);
//! let stats = LossStats::from_sample(sim.insured(), &spec.levels, &spec.thresholds);
//! assert!(stats.mean > 0.0);
//! ```
//!
//! The crate does no I/O, no async and no HTTP: it takes `&str` documents and returns values.

#![deny(missing_docs)]

// Top-level modules in data-flow order: a module imports only modules listed above it
// (`.ci/check-imports.sh` enforces it). Blank lines keep rustfmt from sorting them.

// Closed vocabularies: perils, industries, schemes, CSF functions, controls.
pub mod vocab;

// Free text callers name things with: the one check every name field passes.
pub mod text;

// `FieldError`, the field path + message every parser reports.
pub mod error;

// Frequency and severity distributions.
pub mod dist;

// The model file (`ModelParams`).
pub mod params;

// Information sharing: hubs' advisories (native JSON, STIX 2.1) → the sector threat table.
pub mod sharing;

// Firm profiles (`FirmProfile::parse`).
pub mod profile;

// Questionnaires (IPA self-check, supply-chain ★3/★4, METI directions) → a profile and its mapping.
pub mod questionnaire;

// A firm's base perils before its answers.
pub mod exposure;

// The explainable score (`RiskScore`).
pub mod score;

// Loss models and the loss-model spec (`LossSpec`, `LossModel`, `Terms`).
pub mod model;

// Statistics of a loss distribution (`LossStats`) and the Monte Carlo vs exact check.
pub mod stats;

// Monte Carlo and exact engines.
pub mod engine;

// Premiums, assessments, premium impact and what-if changes.
pub mod pricing;

// Portfolios and common shocks.
pub mod portfolio;

// Experience calibration of the model file.
pub mod calibrate;
