//! Wire types of the public interface (contract §3 onwards), converted by hand from core types so
//! that a refactor of the core never changes what clients see by accident.

/// Version 1 of the wire format.
pub mod v1 {
    use risk_core::engine::Simulation;
    use risk_core::model::LossModel;
    use risk_core::stats::{Exceedance, LevelValue, LossStats};
    use serde::Serialize;

    /// How a distribution was computed.
    #[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
    #[serde(rename_all = "snake_case")]
    pub enum Method {
        /// Sampled.
        MonteCarlo,
        /// Computed on a grid by FFT.
        Exact,
    }

    /// LossReport (contract §3).
    #[derive(Debug, Clone, Serialize)]
    pub struct LossReport {
        /// `monte_carlo` or `exact`.
        pub method: Method,
        /// Simulated years (null for exact).
        pub trials: Option<u64>,
        /// Seed (null for exact).
        pub seed: Option<u64>,
        /// E[L].
        pub mean: f64,
        /// sd(L).
        pub std: f64,
        /// Standard error of the mean.
        pub mean_std_error: Option<f64>,
        /// VaR per level.
        pub var: Vec<LevelDto>,
        /// TVaR per level.
        pub tvar: Vec<LevelDto>,
        /// Exceedance probabilities.
        pub exceedance: Vec<ExceedanceDto>,
        /// Per-peril expected frequency and loss.
        pub perils: Vec<PerilDto>,
        /// Exact method: bound on the absolute error of the reported probabilities.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub error_bound: Option<f64>,
    }

    /// A statistic at a level.
    #[derive(Debug, Clone, Serialize)]
    pub struct LevelDto {
        /// Confidence level.
        pub level: f64,
        /// Value, currency units.
        pub value: f64,
        /// Standard error.
        pub std_error: Option<f64>,
    }

    /// An exceedance probability.
    #[derive(Debug, Clone, Serialize)]
    pub struct ExceedanceDto {
        /// Loss amount.
        pub threshold: f64,
        /// P(L > threshold).
        pub probability: f64,
        /// Standard error.
        pub std_error: Option<f64>,
    }

    /// One peril's contribution.
    #[derive(Debug, Clone, Serialize)]
    pub struct PerilDto {
        /// Peril name.
        pub name: String,
        /// Expected events a year.
        pub frequency: f64,
        /// Expected annual loss from this peril (after terms; the aggregate limit shared pro rata).
        pub mean: f64,
        /// Standard error of `mean`.
        pub mean_std_error: Option<f64>,
    }

    impl From<&LevelValue> for LevelDto {
        fn from(v: &LevelValue) -> Self {
            LevelDto {
                level: v.level,
                value: v.value,
                std_error: v.std_error,
            }
        }
    }

    impl From<&Exceedance> for ExceedanceDto {
        fn from(e: &Exceedance) -> Self {
            ExceedanceDto {
                threshold: e.threshold,
                probability: e.probability,
                std_error: e.std_error,
            }
        }
    }

    /// Which side of the terms a report describes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Side {
        /// Before terms.
        Gross,
        /// After terms.
        Insured,
    }

    impl LossReport {
        /// A Monte Carlo report of `sim`'s gross or insured losses.
        pub fn monte_carlo(
            model: &LossModel,
            sim: &Simulation,
            side: Side,
            levels: &[f64],
            thresholds: &[f64],
        ) -> Self {
            let losses = match side {
                Side::Gross => sim.gross(),
                Side::Insured => sim.insured(),
            };
            let stats = LossStats::from_sample(losses, levels, thresholds);
            let n = sim.trials() as f64;
            let perils = model
                .perils()
                .iter()
                .zip(sim.perils())
                .map(|(p, t)| {
                    let (s1, s2) = match side {
                        Side::Gross => (t.gross_sum, t.gross_sum_sq),
                        Side::Insured => (t.insured_sum, t.insured_sum_sq),
                    };
                    let mean = s1 / n;
                    let var = (s2 / n - mean * mean).max(0.0) * n / (n - 1.0).max(1.0);
                    PerilDto {
                        name: p.name().to_string(),
                        frequency: p.frequency().mean(),
                        mean,
                        mean_std_error: Some((var / n).sqrt()),
                    }
                })
                .collect();
            LossReport::from_stats(
                Method::MonteCarlo,
                Some(sim.trials()),
                Some(sim.seed()),
                &stats,
                perils,
                None,
            )
        }

        /// Assembles a report from statistics.
        pub fn from_stats(
            method: Method,
            trials: Option<u64>,
            seed: Option<u64>,
            stats: &LossStats,
            perils: Vec<PerilDto>,
            error_bound: Option<f64>,
        ) -> Self {
            LossReport {
                method,
                trials,
                seed,
                mean: stats.mean,
                std: stats.std,
                mean_std_error: stats.mean_std_error,
                var: stats.var.iter().map(Into::into).collect(),
                tvar: stats.tvar.iter().map(Into::into).collect(),
                exceedance: stats.exceedance.iter().map(Into::into).collect(),
                perils,
                error_bound,
            }
        }
    }
}
