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

pub mod assess;
pub mod calibrate;
pub mod dist;
pub mod engine;
pub mod model;
pub mod portfolio;
pub mod pricing;
pub mod profile;
pub mod score;
pub mod stats;
pub mod vocab;
