//! Loss-model spec: parse + validate, then both engines on a tiny run. Invariants: no panic,
//! every simulated year finite and every statistic a number (no NaN), insured ≤ gross year by
//! year, losses ≥ 0, VaR non-decreasing in the level, TVaR ≥ VaR, probabilities in [0, 1].
#![no_main]

use libfuzzer_sys::fuzz_target;
use risk_core::engine::{self, exact};
use risk_core::model::LossSpec;
use risk_core::stats::LossStats;

/// A tiny run keeps each input fast; the engine's loops are the same at any size.
const TRIALS: u64 = 64;
/// The validated cap allows ~2·10⁹ events per run; the harness runs far fewer per input. 200 a
/// year (2,000 until 2026-12-06) keeps the slowest valid inputs near a millisecond, so a run
/// reaches ten million executions in hours, not days; the sampling and validation paths are the
/// same at any count.
const MAX_EVENTS_PER_YEAR: f64 = 200.0;
/// Exact grids up to 2¹³ points (2¹⁴ until 2026-12-06): the grid geometry, including the
/// saturating cell count that the first crash found, is computed before this cap applies.
const MAX_LOG2: u32 = 13;

fn check(stats: &LossStats, what: &str) {
    assert!(!stats.mean.is_nan() && stats.mean >= 0.0, "{what}: mean {}", stats.mean);
    assert!(!stats.std.is_nan() && stats.std >= 0.0, "{what}: std {}", stats.std);
    for w in stats.var.windows(2) {
        if w[0].level <= w[1].level {
            assert!(w[0].value <= w[1].value, "{what}: VaR not monotone {w:?}");
        }
    }
    for (v, t) in stats.var.iter().zip(&stats.tvar) {
        assert!(!v.value.is_nan() && v.value >= 0.0, "{what}: VaR {v:?}");
        assert!(!t.value.is_nan(), "{what}: TVaR {t:?}");
        // TVaR ≥ VaR up to rounding of the tail mean.
        assert!(t.value >= v.value * (1.0 - 1e-9), "{what}: TVaR {t:?} < VaR {v:?}");
    }
    for e in &stats.exceedance {
        assert!((0.0..=1.0).contains(&e.probability), "{what}: exceedance {e:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = LossSpec::parse(text) else {
        return;
    };
    if spec.model.expected_events() > MAX_EVENTS_PER_YEAR {
        return;
    }
    let trials = spec.trials.min(TRIALS);
    let sim = engine::simulate(&spec.model, trials, spec.seed);
    for (g, i) in sim.gross().iter().zip(sim.insured()) {
        assert!(*g >= 0.0 && *i >= 0.0, "negative or NaN loss: gross {g}, insured {i}");
        // Since 2026-12-07: an accepted spec's years are finite (the amount caps).
        assert!(g.is_finite(), "non-finite year loss: gross {g}");
        assert!(i <= g, "insured {i} > gross {g}");
    }
    check(
        &LossStats::from_sample(sim.insured(), &spec.levels, &spec.thresholds),
        "monte carlo",
    );
    let opts = exact::ExactOptions {
        max_log2: MAX_LOG2,
        ..exact::ExactOptions::default()
    };
    if let Ok(r) = exact::compute(&spec.model, &spec.levels, &spec.thresholds, &opts) {
        check(&r.stats, "exact");
        assert!(!r.error_bound.is_nan(), "exact: error bound NaN");
    }
});
