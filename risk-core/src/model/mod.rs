//! Loss models: what is simulated or computed (perils, each a frequency and a severity, under
//! insurance terms), and the loss-model spec of contract §2 that describes one.

mod cover;
pub mod firm;
mod spec;
mod terms;

pub(crate) use spec::DistWire;
pub use spec::{LossSpec, MAX_AMOUNT, MAX_EXPECTED_EVENTS, MAX_GPD_SCALE, MAX_TRIALS, SpecError};
/// Defaults of the loss-model spec, shared by reports of firm assessments.
pub mod spec_defaults {
    /// Default confidence levels for VaR and TVaR.
    pub const LEVELS: [f64; 5] = super::spec::DEFAULT_LEVELS;
}

pub use cover::Cover;
pub use terms::Terms;

use crate::dist::{Frequency, Severity};

/// One source of loss: N events a year of i.i.d. sizes X.
#[derive(Debug, Clone)]
pub struct Peril {
    name: String,
    frequency: Frequency,
    severity: Severity,
    stream: Option<u64>,
}

impl Peril {
    /// A peril from its parts.
    pub fn new(name: impl Into<String>, frequency: Frequency, severity: Severity) -> Self {
        Peril {
            name: name.into(),
            frequency,
            severity,
            stream: None,
        }
    }

    /// The same peril drawing from the streams named `id` instead of its position in the model:
    /// a peril that may or may not be present beside others (a firm's supplier perils) keeps
    /// its draws whatever precedes it, so counterfactuals stay on common random numbers.
    pub fn with_stream(mut self, id: u64) -> Self {
        self.stream = Some(id);
        self
    }

    /// The id of the streams the engine draws this peril from, at position `k` of its model.
    pub fn stream_id(&self, k: usize) -> u64 {
        self.stream.unwrap_or(k as u64)
    }

    /// Its name (unique in a model).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Annual event count.
    pub fn frequency(&self) -> &Frequency {
        &self.frequency
    }

    /// Size of one event (gross, before terms).
    pub fn severity(&self) -> &Severity {
        &self.severity
    }
}

/// Independent perils under one set of terms: L = Σ_k Σ_{i ≤ N_k} X_{k,i} gross; the insured annual
/// loss applies [`Terms::per_event`] to every event and [`Terms::annual`] to the year's sum.
#[derive(Debug, Clone)]
pub struct LossModel {
    perils: Vec<Peril>,
    terms: Terms,
    cover: Option<Cover>,
}

impl LossModel {
    /// A model from its perils (at least one) and terms.
    pub fn new(perils: Vec<Peril>, terms: Terms) -> Self {
        LossModel {
            perils,
            terms,
            cover: None,
        }
    }

    /// The same perils under a sectioned policy (its deductible and limits become the terms).
    pub fn with_cover(&self, cover: Cover) -> Self {
        LossModel {
            perils: self.perils.clone(),
            terms: *cover.terms(),
            cover: Some(cover),
        }
    }

    /// The sectioned policy, when there is one (None: [`LossModel::terms`] alone apply).
    pub fn cover(&self) -> Option<&Cover> {
        self.cover.as_ref()
    }

    /// The perils, in input order.
    pub fn perils(&self) -> &[Peril] {
        &self.perils
    }

    /// The insurance terms.
    pub fn terms(&self) -> &Terms {
        &self.terms
    }

    /// The same perils under other terms (and no sections).
    pub fn with_terms(&self, terms: Terms) -> Self {
        LossModel {
            perils: self.perils.clone(),
            terms,
            cover: None,
        }
    }

    /// Expected events a year over all perils.
    pub fn expected_events(&self) -> f64 {
        self.perils.iter().map(|p| p.frequency.mean()).sum()
    }

    /// Closed-form mean and variance of the gross annual loss, per peril summed:
    /// E[S] = E[N]E[X], Var[S] = E[N]Var[X] + Var[N]E[X]².
    pub fn gross_moments(&self) -> (f64, f64) {
        self.perils.iter().fold((0.0, 0.0), |(m, v), p| {
            let (en, vn) = (p.frequency.mean(), p.frequency.variance());
            let (ex, vx) = (p.severity.mean(), p.severity.variance());
            (m + en * ex, v + en * vx + vn * ex * ex)
        })
    }
}
