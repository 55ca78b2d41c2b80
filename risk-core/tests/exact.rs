//! The exact (FFT) engine against an outside oracle and against the Monte Carlo engine.
//!
//! - Oracle: `tests/fixtures/exact_refs.json`, produced by `benches/peers/aggregate_refs.py`
//!   with Mildenhall's `aggregate` at converged settings (8–10 digits stable under grid
//!   refinement, so the 1e-6 relative tolerance used here is the binding one, not theirs), for
//!   the specs in `tests/fixtures/specs/`.
//! - Monte Carlo: the same specs simulated with their fixed seed; every statistic within 3 of
//!   its standard errors of the exact value.
//! - Closed forms: mean and standard deviation; FAIR W2's compound mean E[TEF]·E[V]·E[LM].
//! - Errors: a spec whose accuracy cannot be met within the grid cap gives the error, not a
//!   number.

use std::path::{Path, PathBuf};

use risk_core::engine::exact::{ExactError, ExactOptions, ExactResult, compute};
use risk_core::engine::simulate;
use risk_core::model::LossSpec;
use risk_core::stats::{LossDistribution, LossStats};
use serde_json::Value;

/// Relative tolerance against the oracle.
const REL_TOL: f64 = 1e-6;

/// The specs with oracle values.
const SPECS: [&str; 6] = ["w1", "negbin", "layered", "gpd_tail", "two_perils", "pert"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load_spec(path: &Path) -> LossSpec {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    LossSpec::parse(&text).unwrap()
}

fn fixture_spec(name: &str) -> LossSpec {
    load_spec(&root().join(format!("tests/fixtures/specs/{name}.json")))
}

fn oracle() -> Value {
    let path = root().join("tests/fixtures/exact_refs.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn exact(spec: &LossSpec) -> ExactResult {
    compute(
        &spec.model,
        &spec.levels,
        &spec.thresholds,
        &ExactOptions::default(),
    )
    .unwrap()
}

/// The fixture's value under `key` for a level or threshold (keys are Python's repr of floats).
fn at(obj: &Value, x: f64) -> f64 {
    let key = if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    };
    obj[&key]
        .as_f64()
        .unwrap_or_else(|| panic!("no fixture value at {key}"))
}

fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
    let rel = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
    assert!(
        rel <= tol || got == want,
        "{what}: {got} vs {want} (relative error {rel:.2e} > {tol:.0e})"
    );
}

/// One spec against the oracle: VaR, TVaR and exceedance within 1e-6 relative, mean and std
/// against the closed forms (the fixture's, which its script checks by quadrature); and the
/// reported error bound is honest at the exceedance thresholds and at the oracle's VaRs.
fn check_against_oracle(name: &str) {
    let spec = fixture_spec(name);
    let refs = &oracle()[name];
    let r = exact(&spec);
    let s = &r.stats;
    if spec.model.terms().aggregate_limit().is_finite() {
        // Under an aggregate limit there are no closed forms: the oracle's grid values.
        assert!(r.closed_form_mean.is_none());
        let (mean, std) = (
            refs["mean"].as_f64().unwrap(),
            refs["std"].as_f64().unwrap(),
        );
        assert_rel(&format!("{name} mean"), s.mean, mean, REL_TOL);
        assert_rel(&format!("{name} std"), s.std, std, REL_TOL);
    } else {
        let closed_mean = refs["checks"]["closed_form_mean"].as_f64().unwrap();
        let closed_std = refs["checks"]["closed_form_std"].as_f64().unwrap();
        // 1e-10: the spliced GPD's tail mass comes from statrs' erfc, ~4e-11 off (see
        // `normal_sf` in dist/severity.rs), and the model is what Monte Carlo samples.
        assert_rel(&format!("{name} mean"), s.mean, closed_mean, 1e-10);
        assert_rel(&format!("{name} std"), s.std, closed_std, 1e-10);
    }
    for v in &s.var {
        let want = at(&refs["var"], v.level);
        assert_rel(&format!("{name} var[{}]", v.level), v.value, want, REL_TOL);
        assert!(v.std_error.is_none());
        // P(L > VaR_oracle) = 1 − p within the bound, unless the VaR sits on an atom.
        let p_above = r.distribution.exceedance(want);
        let atom = (r.distribution.exceedance(want - 1e-6 * want) - p_above).abs() > 1e-6;
        if !atom {
            let err = (p_above - (1.0 - v.level)).abs();
            assert!(
                err <= r.error_bound,
                "{name} P(L > var[{}]) off by {err:.2e} > bound {:.2e}",
                v.level,
                r.error_bound
            );
        }
    }
    for v in &s.tvar {
        let want = at(&refs["tvar"], v.level);
        assert_rel(&format!("{name} tvar[{}]", v.level), v.value, want, REL_TOL);
    }
    for e in &s.exceedance {
        let want = at(&refs["exceedance"], e.threshold);
        assert_rel(
            &format!("{name} exceedance[{}]", e.threshold),
            e.probability,
            want,
            REL_TOL,
        );
        let err = (e.probability - want).abs();
        assert!(
            err <= r.error_bound,
            "{name} exceedance[{}] off by {err:.2e} > bound {:.2e}",
            e.threshold,
            r.error_bound
        );
    }
    assert!(
        r.error_bound > 0.0 && r.error_bound < 1e-6,
        "{}",
        r.error_bound
    );
}

#[test]
fn w1_matches_aggregate() {
    check_against_oracle("w1");
}

#[test]
fn negative_binomial_matches_aggregate() {
    check_against_oracle("negbin");
}

#[test]
fn layered_terms_with_aggregate_limit_match_aggregate() {
    check_against_oracle("layered");
}

#[test]
fn lognormal_gpd_tail_matches_aggregate() {
    check_against_oracle("gpd_tail");
}

#[test]
fn two_perils_match_aggregate() {
    check_against_oracle("two_perils");
}

#[test]
fn pert_with_deductible_matches_aggregate() {
    check_against_oracle("pert");
}

/// peers.md's W1 table (aggregate, converged), independent of the fixture file.
#[test]
fn w1_matches_the_published_table() {
    let spec = fixture_spec("w1");
    let s = exact(&spec).stats;
    let var = [
        1_565_470.514,
        3_432_157.097,
        13_821_039.14,
        22_831_403.93,
        64_269_630.9,
    ];
    for (v, want) in s.var.iter().zip(var) {
        assert_rel("var", v.value, want, 1e-9 * 1e3);
    }
    assert_rel("tvar[0.99]", s.tvar[2].value, 36_572_006.5, 1e-7);
    assert_rel(
        "P(S > 1e6)",
        s.exceedance[0].probability,
        0.138_603_783_6,
        1e-7,
    );
    assert_rel("mean", s.mean, 0.8 * 150_000.0 * 2f64.exp(), 1e-14);
    assert_rel(
        "std",
        s.std,
        (0.8 * 150_000f64.powi(2) * 8f64.exp()).sqrt(),
        1e-14,
    );
}

/// z-scores of the Monte Carlo statistics against the exact values, each with a standard error
/// that is known rather than estimated where one exists: the mean (sd/√n); each VaR on the
/// probability scale, the sample's P(L > VaR_exact) against 1 − level with the binomial
/// standard error (the order-statistic error of the sample VaR is itself a noisy estimate);
/// TVaR with its asymptotic standard error; exceedance with the binomial one at the exact p.
fn z_scores(losses: &[f64], mc: &LossStats, ex: &LossStats) -> Vec<(String, f64)> {
    let n = losses.len() as f64;
    let binomial = |p_hat: f64, p: f64| {
        let se = (p * (1.0 - p) / n).sqrt();
        if p_hat == p { 0.0 } else { (p_hat - p) / se }
    };
    let above = |x: f64| losses.iter().filter(|&&l| l > x).count() as f64 / n;
    let mut z = vec![(
        "mean".to_string(),
        (mc.mean - ex.mean) / mc.mean_std_error.unwrap(),
    )];
    for (m, e) in mc.var.iter().zip(&ex.var) {
        // On an atom (the aggregate limit) both methods give the atom, and P(L > VaR) is below
        // 1 − level by the atom's mass: nothing to compare on the probability scale.
        let zi = if m.value == e.value {
            0.0
        } else {
            binomial(above(e.value), 1.0 - e.level)
        };
        z.push((format!("var[{}]", e.level), zi));
    }
    for (m, e) in mc.tvar.iter().zip(&ex.tvar) {
        let d = m.value - e.value;
        let zi = if d == 0.0 {
            0.0
        } else {
            d / m.std_error.unwrap()
        };
        z.push((format!("tvar[{}]", m.level), zi));
    }
    for (m, e) in mc.exceedance.iter().zip(&ex.exceedance) {
        z.push((
            format!("exceedance[{}]", m.threshold),
            binomial(m.probability, e.probability),
        ));
    }
    z
}

fn check_monte_carlo(spec: &LossSpec, what: &str) {
    let ex = exact(spec).stats;
    let sim = simulate(&spec.model, spec.trials, spec.seed);
    let mc = LossStats::from_sample(sim.insured(), &spec.levels, &spec.thresholds);
    for (stat, z) in z_scores(sim.insured(), &mc, &ex) {
        assert!(z.abs() < 3.0, "{what} {stat}: z = {z:.2}");
    }
}

/// Monte Carlo (the specs' own trials and seed) within 3 standard errors of exact, statistic by
/// statistic, on every oracle spec.
#[test]
fn monte_carlo_agrees_with_exact_within_3_standard_errors() {
    for name in SPECS {
        check_monte_carlo(&fixture_spec(name), name);
    }
}

fn w2() -> LossSpec {
    load_spec(&root().join("benches/peers/specs/w2.json"))
        .with_overrides(Some(200_000), None)
        .unwrap()
}

/// FAIR W2 in compound form: N ~ Poisson(TEF × V), a sum of N loss magnitudes. The exact mean
/// is E[TEF]·E[V]·E[LM] with modified-PERT means (min + 4 mode + max)/6, and Monte Carlo agrees.
#[test]
fn fair_w2_compound_mean_and_monte_carlo() {
    let spec = w2();
    let r = exact(&spec);
    let pert_mean = |a: f64, m: f64, b: f64| (a + 4.0 * m + b) / 6.0;
    let closed = pert_mean(0.1, 0.5, 2.0) * pert_mean(0.2, 0.4, 0.7) * pert_mean(1e4, 1e5, 5e6);
    assert_rel("W2 mean", r.stats.mean, closed, 1e-12);
    assert_rel(
        "W2 frequency",
        r.perils[0].frequency,
        pert_mean(0.1, 0.5, 2.0) * pert_mean(0.2, 0.4, 0.7),
        1e-12,
    );
    let var_std = (spec.model.gross_moments().1).sqrt();
    assert_rel("W2 std", r.stats.std, var_std, 1e-10);
    assert!(r.error_bound < 1e-8, "{}", r.error_bound);
    check_monte_carlo(&spec, "w2");
}

/// Standard deviation is reported as infinite, never as a finite number, when the variance is
/// infinite (GPD tail with shape ≥ 1/2 and no occurrence limit); an occurrence limit makes it
/// finite again.
#[test]
fn infinite_variance_is_reported_as_such() {
    let peril = |shape: f64| {
        format!(
            r#"{{"perils": [{{"name": "a", "frequency": {{"distribution": "poisson", "mean": 0.5}},
            "severity": {{"distribution": "lognormal_gpd", "median": 100000, "sigma": 1.5,
                         "threshold": 1000000, "shape": {shape}}}}}]"#
        )
    };
    let spec = LossSpec::parse(&format!("{}}}", peril(0.6))).unwrap();
    let r = exact(&spec);
    assert!(r.stats.std.is_infinite());
    assert!(r.closed_form_std.unwrap().is_infinite());
    assert!(r.stats.mean.is_finite() && r.stats.tvar[4].value.is_finite());
    let limited = LossSpec::parse(&format!(
        r#"{}, "terms": {{"occurrence_limit": 50000000}}}}"#,
        peril(0.6)
    ))
    .unwrap();
    let r = exact(&limited);
    assert!(r.stats.std.is_finite() && r.stats.std > 0.0);
}

/// Too wide a distribution for the accuracy within the grid cap: the error, naming the
/// statistic, not a number. Unsupported input: the error, naming the field.
#[test]
fn unreachable_accuracy_and_unsupported_input_are_errors() {
    let spec = LossSpec::parse(
        r#"{"perils": [{"name": "a", "frequency": {"distribution": "poisson", "mean": 0.8},
            "severity": {"distribution": "lognormal", "median": 150000, "sigma": 5.0}}]}"#,
    )
    .unwrap();
    let err = compute(
        &spec.model,
        &spec.levels,
        &spec.thresholds,
        &ExactOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ExactError::Accuracy { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("var[") && msg.contains("2^24"), "{msg}");

    // A smaller cap turns a feasible spec into the same error.
    let w1 = fixture_spec("w1");
    let small = ExactOptions {
        rel_tol: 1e-6,
        max_log2: 14,
    };
    let err = compute(&w1.model, &w1.levels, &w1.thresholds, &small).unwrap_err();
    assert!(matches!(err, ExactError::Accuracy { .. }), "{err:?}");

    let fair = LossSpec::parse(
        r#"{"perils": [{"name": "f", "fair": {
            "tef": {"distribution": "lognormal", "median": 0.5, "sigma": 1.0},
            "vulnerability": {"distribution": "pert", "min": 0.2, "mode": 0.4, "max": 0.7},
            "loss_magnitude": {"distribution": "pert", "min": 10000, "mode": 100000, "max": 5000000}}}]}"#,
    )
    .unwrap();
    let err = compute(
        &fair.model,
        &fair.levels,
        &fair.thresholds,
        &ExactOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, ExactError::Unsupported { field, .. } if field == "perils[0].fair"),
        "{err:?}"
    );
}

/// Every event under the deductible: the distribution is a point mass at 0.
#[test]
fn nothing_insured_is_a_point_mass_at_zero() {
    let spec = LossSpec::parse(
        r#"{"perils": [{"name": "a", "frequency": {"distribution": "poisson", "mean": 2},
            "severity": {"distribution": "pert", "min": 0, "mode": 10, "max": 100}}],
            "terms": {"deductible": 1000}, "thresholds": [-1, 0, 5]}"#,
    )
    .unwrap();
    let s = exact(&spec).stats;
    assert_eq!((s.mean, s.std), (0.0, 0.0));
    assert!(s.var.iter().chain(&s.tvar).all(|v| v.value == 0.0));
    let p: Vec<f64> = s.exceedance.iter().map(|e| e.probability).collect();
    assert_eq!(p, [1.0, 0.0, 0.0]);
}

/// The same statistics whatever the thread count (the engine's reproducibility invariant).
#[test]
fn exact_results_do_not_depend_on_threads() {
    let spec = fixture_spec("two_perils");
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| exact(&spec).stats)
    };
    assert_eq!(run(1), run(3));
}
