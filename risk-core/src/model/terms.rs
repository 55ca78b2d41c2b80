//! Insurance terms: the layer a policy pays.

/// Per-event deductible and occurrence limit, and an annual aggregate limit (currency units).
///
/// Per event: Y = min(max(X − deductible, 0), occurrence_limit); per year:
/// insured = min(Σ Y, aggregate_limit). Events under the deductible still count as events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Terms {
    deductible: f64,
    occurrence_limit: f64,
    aggregate_limit: f64,
}

impl Default for Terms {
    fn default() -> Self {
        Terms::NONE
    }
}

impl Terms {
    /// No deductible and no limits: the insured loss is the gross loss.
    pub const NONE: Terms = Terms {
        deductible: 0.0,
        occurrence_limit: f64::INFINITY,
        aggregate_limit: f64::INFINITY,
    };

    /// Builds terms; `None` limits are unlimited. Callers validate (finite, ≥ 0, limits > 0).
    pub(crate) fn new(
        deductible: f64,
        occurrence_limit: Option<f64>,
        aggregate_limit: Option<f64>,
    ) -> Self {
        Terms {
            deductible,
            occurrence_limit: occurrence_limit.unwrap_or(f64::INFINITY),
            aggregate_limit: aggregate_limit.unwrap_or(f64::INFINITY),
        }
    }

    /// Terms from a deductible and optional limits (None: unlimited). Values must be finite,
    /// the deductible ≥ 0 and limits > 0; callers validate.
    pub fn from_parts(
        deductible: f64,
        occurrence_limit: Option<f64>,
        aggregate_limit: Option<f64>,
    ) -> Self {
        Terms::new(deductible, occurrence_limit, aggregate_limit)
    }

    /// Per-event deductible.
    pub fn deductible(&self) -> f64 {
        self.deductible
    }

    /// Per-event limit (infinite when unlimited).
    pub fn occurrence_limit(&self) -> f64 {
        self.occurrence_limit
    }

    /// Annual aggregate limit (infinite when unlimited).
    pub fn aggregate_limit(&self) -> f64 {
        self.aggregate_limit
    }

    /// True when the terms change nothing (insured = gross).
    pub fn is_none(&self) -> bool {
        *self == Terms::NONE
    }

    /// Insured part of one event of size `x`.
    #[inline]
    pub fn per_event(&self, x: f64) -> f64 {
        (x - self.deductible).max(0.0).min(self.occurrence_limit)
    }

    /// Insured part of a year whose per-event insured losses sum to `s`.
    #[inline]
    pub fn annual(&self, s: f64) -> f64 {
        s.min(self.aggregate_limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_arithmetic() {
        let t = Terms::new(100.0, Some(1_000.0), Some(1_500.0));
        assert_eq!(t.per_event(50.0), 0.0);
        assert_eq!(t.per_event(100.0), 0.0);
        assert_eq!(t.per_event(600.0), 500.0);
        assert_eq!(t.per_event(5_000.0), 1_000.0);
        assert_eq!(t.annual(1_000.0 + 1_000.0), 1_500.0);
        assert!(Terms::NONE.is_none());
        assert_eq!(Terms::NONE.per_event(123.0), 123.0);
    }
}
