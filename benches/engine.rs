//! Criterion benchmarks per stage: raw sampling, the Monte Carlo engine, loss statistics, the
//! exact method.
//!
//! Run: `cargo bench -p risk-core --bench engine`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use risk_core::engine::{self, monte_carlo::stream};
use risk_core::model::LossSpec;
use risk_core::stats::LossStats;
use std::hint::black_box;

const W1: &str = r#"{"perils": [{"name": "ransomware",
    "frequency": {"distribution": "poisson", "mean": 0.8},
    "severity": {"distribution": "lognormal", "median": 150000, "sigma": 2.0}}],
    "thresholds": [1000000]}"#;

/// RNG + one lognormal draw per element, single thread: the ceiling the engine is compared to.
fn raw_sampler(c: &mut Criterion) {
    let n = 1_000_000u64;
    let mut g = c.benchmark_group("raw_sampler");
    g.throughput(Throughput::Elements(n));
    g.bench_function("lognormal_1t", |b| {
        b.iter(|| {
            let mut rng = stream(42, [0, 0, 0]);
            let (mu, sigma) = (150_000f64.ln(), 2.0);
            let mut s = 0.0;
            for _ in 0..n {
                let z: f64 = StandardNormal.sample(&mut rng);
                s += (mu + sigma * z).exp();
            }
            black_box(s)
        })
    });
    g.bench_function("uniform_u64_1t", |b| {
        b.iter(|| {
            let mut rng = stream(42, [0, 0, 0]);
            let mut s = 0u64;
            for _ in 0..n {
                s = s.wrapping_add(rng.next_u64());
            }
            black_box(s)
        })
    });
    g.finish();
}

/// The engine on W1, per simulated event (0.8 events a year), one thread and all threads.
fn monte_carlo(c: &mut Criterion) {
    let spec = LossSpec::parse(W1).unwrap();
    let trials = 1_000_000u64;
    let events = (0.8 * trials as f64) as u64;
    let mut g = c.benchmark_group("monte_carlo_w1");
    g.sample_size(20);
    g.throughput(Throughput::Elements(events));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    g.bench_function("events_1t", |b| {
        b.iter(|| one.install(|| black_box(engine::simulate(&spec.model, trials, 42))))
    });
    g.bench_function("events_all_threads", |b| {
        b.iter(|| black_box(engine::simulate(&spec.model, trials, 42)))
    });
    g.finish();
}

/// Loss statistics of 1,000,000 simulated years (5 levels, 1 threshold).
fn statistics(c: &mut Criterion) {
    let spec = LossSpec::parse(W1).unwrap();
    let trials = 1_000_000u64;
    let sim = engine::simulate(&spec.model, trials, 42);
    let mut g = c.benchmark_group("statistics");
    g.sample_size(20);
    g.throughput(Throughput::Elements(trials));
    g.bench_function("from_sample_1m", |b| {
        b.iter(|| {
            black_box(LossStats::from_sample(
                sim.gross(),
                &spec.levels,
                &spec.thresholds,
            ))
        })
    });
    g.finish();
}

/// One full assessment (score + 100,000-trial simulation + premium) and one impact report of the
/// contract's example firm, under the default model and under 1.0.0 and 2.0.0 side by side (the
/// 2.0.0 budget: no slower than 1.0.0 by more than 20%, BENCHMARKS.md).
fn firm(c: &mut Criterion) {
    use risk_core::params::{DEFAULT_MODEL, MODEL_1_0_0, MODEL_2_0_0, ModelParams};
    use risk_core::pricing::assess;
    use risk_core::pricing::impact;
    use risk_core::profile::FirmProfile;
    let json = include_str!("../data/profiles/manufacturer-ot-iso27001.json");
    let today = time::macros::date!(2026 - 11 - 25);
    let mut g = c.benchmark_group("firm");
    g.sample_size(10);
    // 2.0.0 with 1.x's layer-factor rule (the firm's own): what the class's simulation costs.
    let own_layer = MODEL_2_0_0.replace(r#"layer_factor = "class""#, r#"layer_factor = "own""#);
    assert_ne!(own_layer, MODEL_2_0_0);
    for (suffix, text) in [
        ("", DEFAULT_MODEL),
        ("/1.0.0", MODEL_1_0_0),
        ("/2.0.0", MODEL_2_0_0),
        ("/2.0.0-own-layer", own_layer.as_str()),
    ] {
        let params = ModelParams::parse(text).unwrap();
        let profile = FirmProfile::parse(json, &params, today).unwrap();
        g.bench_function(format!("assess_100k{suffix}"), |b| {
            b.iter(|| black_box(assess(&profile, &params, 100_000, 0)))
        });
        g.bench_function(format!("impact_100k{suffix}"), |b| {
            b.iter(|| black_box(impact(&profile, &params, 100_000, 0).items.len()))
        });
    }
    g.finish();
}

/// What `risk_engine.simulate` does in Rust, in-process: W1 (1,000,000 years) simulated and its
/// report's statistics (levels, threshold, mean) read: the baseline of the Python package's
/// overhead (BENCHMARKS.md).
fn python_baseline(c: &mut Criterion) {
    let spec = LossSpec::parse(include_str!("peers/specs/w1.json")).unwrap();
    let mut g = c.benchmark_group("python_baseline");
    g.sample_size(10);
    g.bench_function("w1_simulate_and_stats_1m", |b| {
        b.iter(|| {
            let sim = engine::simulate(&spec.model, spec.trials, spec.seed);
            black_box(LossStats::from_sample(sim.insured(), &spec.levels, &spec.thresholds).mean)
        })
    });
    g.finish();
}

/// Quote options (contract §10): one option against twenty on the same 100,000 simulated years
/// of the example firm. The ground-up years are simulated once, so twenty should cost well under
/// twenty times one (the target: under 1.5×).
fn quote(c: &mut Criterion) {
    use risk_core::params::{DEFAULT_MODEL, ModelParams};
    use risk_core::pricing::quote;
    use risk_core::profile::{FirmProfile, parse_options};
    let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let json = include_str!("../data/profiles/manufacturer-ot-iso27001.json");
    let today = time::macros::date!(2026 - 11 - 25);
    let profile = FirmProfile::parse(json, &params, today).unwrap();
    let options: Vec<String> = (0..20)
        .map(|i| {
            let limit = 50_000_000.0 * f64::from(1 + i % 5);
            let ded = 1_000_000.0 * f64::from(i / 5);
            format!(
                r#"{{"deductible": {ded}, "occurrence_limit": {limit}, "aggregate_limit": {limit},
                    "waiting_period_hours": {}, "sublimits": {{"social_engineering": 25000000}}}}"#,
                8 + i % 3 * 4
            )
        })
        .collect();
    let twenty = parse_options(&format!("[{}]", options.join(",")), &profile, &params).unwrap();
    let one = vec![twenty[0]];
    let mut g = c.benchmark_group("quote");
    g.sample_size(10);
    g.bench_function("one_option_100k", |b| {
        b.iter(|| {
            black_box(
                quote(&profile, &one, &params, 100_000, 0)
                    .unwrap()
                    .options
                    .len(),
            )
        })
    });
    g.bench_function("twenty_options_100k", |b| {
        b.iter(|| {
            black_box(
                quote(&profile, &twenty, &params, 100_000, 0)
                    .unwrap()
                    .options
                    .len(),
            )
        })
    });
    g.finish();
}

/// The exact method on W1 at 1e-6 (the levels and threshold of `benches/peers/specs/w1.json`),
/// in-process: the time to set beside `aggregate`'s in-process times (BENCHMARKS.md).
fn exact(c: &mut Criterion) {
    let spec = LossSpec::parse(include_str!("peers/specs/w1.json")).unwrap();
    let opts = engine::exact::ExactOptions::default();
    let mut g = c.benchmark_group("exact");
    g.sample_size(20);
    g.bench_function("w1_1e-6", |b| {
        b.iter(|| {
            let r = engine::exact::compute(&spec.model, &spec.levels, &spec.thresholds, &opts);
            black_box(r.unwrap().error_bound)
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    raw_sampler,
    monte_carlo,
    statistics,
    firm,
    quote,
    python_baseline,
    exact
);
criterion_main!(benches);
