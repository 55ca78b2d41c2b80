//! Monte Carlo engine against independent references: closed-form compound moments, the exact W1
//! values (aggregate FFT, converged), and layer arithmetic. Seeds are fixed; every comparison is in
//! standard errors of the estimate.

use risk_core::engine::simulate;
use risk_core::model::LossSpec;
use risk_core::stats::LossStats;

fn spec(perils: &str, extra: &str) -> LossSpec {
    LossSpec::parse(&format!(r#"{{"perils": [{perils}] {extra}}}"#)).unwrap()
}

/// Sample mean and variance, with the standard error of each: sd/√n and √((m₄ − s⁴)/n).
fn moments(xs: &[f64]) -> (f64, f64, f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let (m2, m4) = xs.iter().fold((0.0, 0.0), |(a, b), x| {
        let d = (x - m) * (x - m);
        (a + d, b + d * d)
    });
    let (v, m4) = (m2 / n, m4 / n);
    (m, (v / n).sqrt(), v, ((m4 - v * v) / n).sqrt())
}

/// The compound sum's mean and variance match E[N]E[X] and E[N]Var X + Var N (E X)².
/// 18 comparisons at 4σ: a family-wise false-alarm rate near 0.1%.
#[test]
fn compound_moments_match_closed_forms() {
    let cases = [
        r#"{"name": "p-ln", "frequency": {"distribution": "poisson", "mean": 1.7},
            "severity": {"distribution": "lognormal", "median": 20000, "sigma": 1.0}}"#,
        r#"{"name": "nb-ln", "frequency": {"distribution": "negative_binomial", "mean": 2.0, "dispersion": 1.5},
            "severity": {"distribution": "lognormal", "median": 50000, "sigma": 0.8}}"#,
        r#"{"name": "p-pert", "frequency": {"distribution": "poisson", "mean": 3.0},
            "severity": {"distribution": "pert", "min": 10000, "mode": 50000, "max": 500000}}"#,
        r#"{"name": "nb-pert", "frequency": {"distribution": "negative_binomial", "mean": 0.6, "dispersion": 0.7},
            "severity": {"distribution": "pert", "min": 0, "mode": 1000, "max": 90000}}"#,
        r#"{"name": "p-gpd", "frequency": {"distribution": "poisson", "mean": 0.5},
            "severity": {"distribution": "lognormal_gpd", "median": 100000, "sigma": 1.0, "threshold": 400000, "shape": 0.2}}"#,
        r#"{"name": "large-lambda", "frequency": {"distribution": "poisson", "mean": 45.0},
            "severity": {"distribution": "lognormal", "median": 1000, "sigma": 0.5}}"#,
    ];
    for (i, peril) in cases.iter().enumerate() {
        let s = spec(peril, "");
        let sim = simulate(&s.model, 400_000, 100 + i as u64);
        let (mean, var) = s.model.gross_moments();
        let (m, m_se, v, v_se) = moments(sim.gross());
        let zm = (m - mean) / m_se;
        let zv = (v - var) / v_se;
        assert!(zm.abs() < 4.0, "case {i}: mean {m} vs {mean}, z = {zm}");
        assert!(zv.abs() < 4.0, "case {i}: variance {v} vs {var}, z = {zv}");
        // Event counts too: E[N] per year.
        let per_year = sim.perils()[0].events as f64 / 400_000.0;
        let f = s.model.perils()[0].frequency();
        let z = (per_year - f.mean()) / (f.variance() / 400_000.0).sqrt();
        assert!(z.abs() < 4.0, "case {i}: events {per_year} vs {}", f.mean());
    }
}

/// The FAIR compound reading: E[L] = E[TEF] E[V] E[LM] (peers.md W2).
#[test]
fn fair_compound_mean() {
    let s = spec(
        r#"{"name": "w2", "fair": {
            "tef": {"distribution": "pert", "min": 0.1, "mode": 0.5, "max": 2.0},
            "vulnerability": {"distribution": "pert", "min": 0.2, "mode": 0.4, "max": 0.7},
            "loss_magnitude": {"distribution": "pert", "min": 10000, "mode": 100000, "max": 5000000}}}"#,
        "",
    );
    let pert_mean = |a: f64, m: f64, b: f64| (a + 4.0 * m + b) / 6.0;
    let closed = pert_mean(0.1, 0.5, 2.0) * pert_mean(0.2, 0.4, 0.7) * pert_mean(1e4, 1e5, 5e6);
    let sim = simulate(&s.model, 400_000, 9);
    let (m, se, v, v_se) = moments(sim.gross());
    assert!(((m - closed) / se).abs() < 3.5, "{m} vs {closed}");
    let (_, var) = s.model.gross_moments();
    assert!(((v - var) / v_se).abs() < 3.5, "{v} vs {var}");
}

/// W1 of peers.md against its exact values: every statistic within 3 standard errors.
#[test]
fn w1_matches_exact_values() {
    let s = spec(
        r#"{"name": "ransomware", "frequency": {"distribution": "poisson", "mean": 0.8},
            "severity": {"distribution": "lognormal", "median": 150000, "sigma": 2.0}}"#,
        r#", "thresholds": [1000000]"#,
    );
    let sim = simulate(&s.model, 1_000_000, 42);
    let st = LossStats::from_sample(sim.insured(), &s.levels, &s.thresholds);
    let exact_var = [
        1_565_470.514,
        3_432_157.097,
        13_821_039.14,
        22_831_403.93,
        64_269_630.9,
    ];
    for (v, want) in st.var.iter().zip(exact_var) {
        let z = (v.value - want) / v.std_error.unwrap();
        assert!(
            z.abs() < 3.0,
            "VaR{}: {} vs {want} (z = {z})",
            v.level,
            v.value
        );
    }
    let tvar99 = &st.tvar[2];
    assert_eq!(tvar99.level, 0.99);
    let z = (tvar99.value - 36_572_006.5) / tvar99.std_error.unwrap();
    assert!(z.abs() < 3.0, "TVaR99 {} (z = {z})", tvar99.value);
    let e = &st.exceedance[0];
    let z = (e.probability - 0.138_603_783_6) / e.std_error.unwrap();
    assert!(z.abs() < 3.0, "P(S > 1e6) = {} (z = {z})", e.probability);
    let z = (st.mean - 886_686.731_9) / st.mean_std_error.unwrap();
    assert!(z.abs() < 3.0, "mean {} (z = {z})", st.mean);
}

/// E[min(max(X − d, 0), l)] = ∫_d^{d+l} P(X > x) dx, by the trapezoid rule on a fine grid.
fn layer_mean(s: &LossSpec, d: f64, l: f64) -> f64 {
    let sev = s.model.perils()[0].severity();
    let steps = 200_000;
    let h = l / steps as f64;
    (0..=steps)
        .map(|i| {
            let w = if i == 0 || i == steps { 0.5 } else { 1.0 };
            w * (1.0 - sev.cdf(d + i as f64 * h))
        })
        .sum::<f64>()
        * h
}

/// Deductible and occurrence limit per event, aggregate limit per year; events under the
/// deductible are still events.
#[test]
fn terms_apply_per_event_and_per_year() {
    let peril = r#"{"name": "p", "frequency": {"distribution": "poisson", "mean": 2.5},
        "severity": {"distribution": "pert", "min": 0, "mode": 50000, "max": 100000}}"#;
    // Per-event layer only: mean = E[N] × E[layer].
    let s = spec(
        peril,
        r#", "terms": {"deductible": 30000, "occurrence_limit": 40000}"#,
    );
    let sim = simulate(&s.model, 400_000, 1);
    let want = 2.5 * layer_mean(&s, 30_000.0, 40_000.0);
    let (m, se, _, _) = moments(sim.insured());
    assert!(((m - want) / se).abs() < 3.5, "layer mean {m} vs {want}");
    assert!(sim.insured().iter().all(|&x| x >= 0.0));
    // Gross is untouched by terms and insured ≤ gross year by year.
    assert!(sim.gross().iter().zip(sim.insured()).all(|(g, i)| i <= g));

    // Aggregate limit caps every year, and the perils' shares add up to the capped total.
    let s = spec(
        peril,
        r#", "terms": {"deductible": 30000, "occurrence_limit": 40000, "aggregate_limit": 50000}"#,
    );
    let sim = simulate(&s.model, 100_000, 2);
    assert!(sim.insured().iter().all(|&x| x <= 50_000.0));
    assert!(sim.insured().contains(&50_000.0));
    let total: f64 = sim.insured().iter().sum();
    assert!((sim.perils()[0].insured_sum - total).abs() < 1e-6 * total);

    // A deductible above every loss: nothing insured, every event still counted.
    let s = spec(peril, r#", "terms": {"deductible": 200000}"#);
    let sim = simulate(&s.model, 100_000, 3);
    assert!(sim.insured().iter().all(|&x| x == 0.0));
    let per_year = sim.perils()[0].events as f64 / 100_000.0;
    assert!(((per_year - 2.5) / (2.5f64 / 100_000.0).sqrt()).abs() < 3.5);
}

/// Same inputs, same numbers, whatever the thread count; a different seed, different numbers.
#[test]
fn reproducible_for_any_thread_count() {
    let s = spec(
        r#"{"name": "a", "frequency": {"distribution": "negative_binomial", "mean": 1.2, "dispersion": 2},
            "severity": {"distribution": "lognormal", "median": 1000, "sigma": 1.5}},
           {"name": "b", "frequency": {"distribution": "poisson", "mean": 0.3},
            "severity": {"distribution": "pert", "min": 1, "mode": 2, "max": 30}}"#,
        r#", "terms": {"aggregate_limit": 20000}"#,
    );
    let run = |threads: usize, seed: u64| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| simulate(&s.model, 50_000, seed))
    };
    let (a, b, c) = (run(1, 7), run(3, 7), run(2, 8));
    assert_eq!(a.insured(), b.insured());
    assert_eq!(a.gross(), b.gross());
    assert_eq!(a.perils(), b.perils());
    assert_ne!(a.gross(), c.gross());
}

/// Common random numbers: a riskier version of the same model (higher frequency, larger sizes)
/// loses at least as much in every simulated year, so premium differences are not noise.
#[test]
fn counterfactuals_are_coupled_year_by_year() {
    let model = |mean: f64, median: f64| {
        spec(
            &format!(
                r#"{{"name": "a", "frequency": {{"distribution": "negative_binomial", "mean": {mean}, "dispersion": 2}},
                    "severity": {{"distribution": "lognormal_gpd", "median": {median}, "sigma": 1.5, "threshold": {}, "shape": 0.4}}}},
                   {{"name": "b", "frequency": {{"distribution": "poisson", "mean": {mean}}},
                    "severity": {{"distribution": "lognormal", "median": {median}, "sigma": 1.0}}}}"#,
                median * 10.0
            ),
            "",
        )
        .model
    };
    let base = simulate(&model(0.05, 1000.0), 200_000, 3);
    let riskier = simulate(&model(0.07, 1300.0), 200_000, 3);
    let mut differ = 0;
    for (a, b) in base.gross().iter().zip(riskier.gross()) {
        assert!(b >= a, "{b} < {a}");
        differ += usize::from(b > a);
    }
    assert!(differ > 0);
}
