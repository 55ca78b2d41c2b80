//! Invariants of both engines over generated loss models (proptest): VaR is monotone in the
//! level, TVaR ≥ VaR, terms never increase a year's loss and tighter terms never pay more, and a
//! zero deductible with no limits pays the gross loss exactly. Few cases and small runs keep the
//! suite quick; a failing case is shrunk and printed as a spec.

use proptest::prelude::*;
use risk_core::engine::exact::{ExactOptions, compute};
use risk_core::engine::simulate;
use risk_core::model::{LossSpec, Terms};
use risk_core::stats::LossStats;

/// Simulated years per case: enough for the upper levels to have a tail, small enough to be fast.
const TRIALS: u64 = 2_000;
/// Ascending confidence levels.
const LEVELS: [f64; 6] = [0.5, 0.8, 0.9, 0.95, 0.99, 0.995];

fn frequency() -> impl Strategy<Value = String> {
    prop_oneof![
        (0.01f64..8.0).prop_map(|m| format!(r#"{{"distribution": "poisson", "mean": {m}}}"#)),
        (0.01f64..8.0, 0.1f64..5.0).prop_map(|(m, d)| format!(
            r#"{{"distribution": "negative_binomial", "mean": {m}, "dispersion": {d}}}"#
        )),
    ]
}

fn severity() -> impl Strategy<Value = String> {
    prop_oneof![
        (1e3f64..1e7, 0.1f64..3.0).prop_map(|(m, s)| format!(
            r#"{{"distribution": "lognormal", "median": {m}, "sigma": {s}}}"#
        )),
        (1e3f64..1e6, 0.1f64..2.0, 1.5f64..20.0, -0.5f64..0.9).prop_map(|(m, s, k, xi)| format!(
            r#"{{"distribution": "lognormal_gpd", "median": {m}, "sigma": {s}, "threshold": {}, "shape": {xi}}}"#,
            m * k
        )),
        (0f64..1e5, 0f64..1.0, 1e3f64..1e7).prop_map(|(lo, w, span)| format!(
            r#"{{"distribution": "pert", "min": {lo}, "mode": {}, "max": {}}}"#,
            lo + w * span,
            lo + span
        )),
    ]
}

/// A spec of one to three perils under a deductible and optional limits.
fn spec() -> impl Strategy<Value = String> {
    let peril = (frequency(), severity());
    (
        prop::collection::vec(peril, 1..=3),
        0f64..2e5,
        prop::option::of(1e4f64..1e7),
        prop::option::of(1e4f64..3e7),
    )
        .prop_map(|(perils, d, occ, agg)| {
            let perils: Vec<String> = perils
                .iter()
                .enumerate()
                .map(|(i, (f, s))| {
                    format!(r#"{{"name": "p{i}", "frequency": {f}, "severity": {s}}}"#)
                })
                .collect();
            let mut terms = format!(r#""deductible": {d}"#);
            if let Some(l) = occ {
                terms += &format!(r#", "occurrence_limit": {l}"#);
            }
            if let Some(l) = agg {
                terms += &format!(r#", "aggregate_limit": {l}"#);
            }
            format!(
                r#"{{"perils": [{}], "terms": {{{terms}}}}}"#,
                perils.join(", ")
            )
        })
}

fn parse(json: &str) -> LossSpec {
    LossSpec::parse(json).unwrap_or_else(|e| panic!("generated spec is invalid: {e}\n{json}"))
}

/// VaR non-decreasing in the level; TVaR ≥ VaR at every level (up to rounding of the tail mean).
fn check_quantiles(stats: &LossStats, what: &str) -> Result<(), TestCaseError> {
    for w in stats.var.windows(2) {
        prop_assert!(
            w[0].value <= w[1].value,
            "{what}: VaR[{}] = {} > VaR[{}] = {}",
            w[0].level,
            w[0].value,
            w[1].level,
            w[1].value
        );
    }
    for (v, t) in stats.var.iter().zip(&stats.tvar) {
        prop_assert!(
            t.value >= v.value * (1.0 - 1e-12),
            "{what}: TVaR[{}] = {} < VaR = {}",
            v.level,
            t.value,
            v.value
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn monte_carlo_var_monotone_and_tvar_above_var(json in spec(), seed in any::<u64>()) {
        let s = parse(&json);
        let sim = simulate(&s.model, TRIALS, seed);
        for (losses, what) in [(sim.gross(), "gross"), (sim.insured(), "insured")] {
            check_quantiles(&LossStats::from_sample(losses, &LEVELS, &[]), what)?;
        }
    }

    #[test]
    fn terms_never_increase_losses(
        json in spec(),
        seed in any::<u64>(),
        extra_d in 0f64..1e5,
        shrink in 0.1f64..1.0,
    ) {
        let s = parse(&json);
        let sim = simulate(&s.model, TRIALS, seed);
        for (y, (g, i)) in sim.gross().iter().zip(sim.insured()).enumerate() {
            prop_assert!(*i >= 0.0 && i <= g, "year {y}: insured {i} vs gross {g}");
        }
        // Tighter terms (higher deductible, lower limits) pay no more in any year: the same
        // streams, so the comparison is year by year.
        let t = s.model.terms();
        let lower = |l: f64| if l.is_finite() { Some(l * shrink) } else { Some(1e6 * shrink) };
        let tight = Terms::from_parts(
            t.deductible() + extra_d,
            lower(t.occurrence_limit()),
            lower(t.aggregate_limit()),
        );
        let tighter = simulate(&s.model.with_terms(tight), TRIALS, seed);
        prop_assert_eq!(tighter.gross(), sim.gross());
        for (y, (a, b)) in tighter.insured().iter().zip(sim.insured()).enumerate() {
            prop_assert!(a <= b, "year {y}: tighter terms pay {a} > {b}");
        }
    }

    #[test]
    fn no_deductible_no_limits_is_gross(json in spec(), seed in any::<u64>()) {
        let s = parse(&json);
        let open = s.model.with_terms(Terms::from_parts(0.0, None, None));
        prop_assert!(open.terms().is_none());
        let sim = simulate(&open, TRIALS, seed);
        prop_assert_eq!(sim.insured(), sim.gross());
    }
}

proptest! {
    // The exact engine is heavier per case: fewer cases, a coarser tolerance and a small grid.
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn exact_var_monotone_and_tvar_above_var(json in spec()) {
        let s = parse(&json);
        let opts = ExactOptions { rel_tol: 1e-3, max_log2: 16 };
        // Inputs the grid cannot resolve are an error, not a wrong answer; nothing to check.
        if let Ok(r) = compute(&s.model, &LEVELS, &[], &opts) {
            check_quantiles(&r.stats, "exact")?;
            for e in &r.stats.exceedance {
                prop_assert!((0.0..=1.0).contains(&e.probability));
            }
        }
    }
}
