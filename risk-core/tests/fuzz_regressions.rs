//! Inputs found by the fuzz targets (`fuzz/`, RELIABILITY.md) that once crashed, replayed
//! through the same checks: `tests/fixtures/fuzz/spec-*.json` through spec parsing and both
//! engines, `profile-*.json` through profile parsing, scoring and pricing. Each must now give a
//! result or a clean error, never a panic.

use std::path::PathBuf;

use risk_core::engine::exact::{ExactOptions, compute};
use risk_core::engine::simulate;
use risk_core::model::LossSpec;
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::pricing::assess;
use risk_core::profile::FirmProfile;
use risk_core::stats::LossStats;

fn fixtures(prefix: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fuzz");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (p.display().to_string(), text)
        })
        .collect();
    out.sort();
    out
}

fn check_stats(stats: &LossStats, what: &str) {
    assert!(stats.mean >= 0.0, "{what}: mean {}", stats.mean);
    for (v, t) in stats.var.iter().zip(&stats.tvar) {
        assert!(
            !v.value.is_nan() && !t.value.is_nan(),
            "{what}: {v:?} {t:?}"
        );
        assert!(v.value >= 0.0, "{what}: VaR {v:?}");
        assert!(t.value >= v.value, "{what}: TVaR {t:?} < VaR {v:?}");
    }
}

/// Exact grid size overflowed (`next_power_of_two`) for a threshold ~10³³ occurrence limits
/// above the limit: now `ExactError::GridTooLarge`. A deductible of 10⁹⁷ left a mean of
/// −8.9·10⁻⁸ from the extrapolation of two nearly-zero integrals, and another a TVaR of −2.2·10⁻⁷
/// below its VaR of 0: now the moments are clamped at 0, VaR to [0, AL] and TVaR to [VaR, AL].
#[test]
fn spec_inputs_found_by_fuzzing() {
    let cases = fixtures("spec-");
    assert!(!cases.is_empty());
    for (name, text) in cases {
        let spec = LossSpec::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let sim = simulate(&spec.model, spec.trials.min(64), spec.seed);
        check_stats(
            &LossStats::from_sample(sim.insured(), &spec.levels, &spec.thresholds),
            &name,
        );
        // The grids the fuzz target has used (2¹³, 2¹⁴) and the default options, as `risk
        // simulate --method exact` runs them.
        for opts in [13, 14]
            .map(|max_log2| ExactOptions {
                max_log2,
                ..ExactOptions::default()
            })
            .into_iter()
            .chain([ExactOptions::default()])
        {
            if let Ok(r) = compute(&spec.model, &spec.levels, &spec.thresholds, &opts) {
                check_stats(&r.stats, &name);
            }
        }
    }
}

/// A revenue of 1.2·10⁵⁹ JPY (found by the `portfolio_csv` target; the same through a profile)
/// scaled the event frequency past the negative binomial's cap and panicked in
/// `LossModel::from_profile`: now rejected by `FirmProfile::parse` on `firm.annual_revenue`.
#[test]
fn profile_inputs_found_by_fuzzing() {
    let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let today = time::macros::date!(2026 - 04 - 01);
    let cases = fixtures("profile-");
    assert!(!cases.is_empty());
    for (name, text) in cases {
        if name.contains("revenue-overflow") {
            let e = FirmProfile::parse(&text, &params, today).unwrap_err();
            assert!(
                e.fields().iter().any(|f| f.field == "firm.annual_revenue"),
                "{name}: {e}"
            );
        }
        if let Ok(p) = FirmProfile::parse(&text, &params, today) {
            let a = assess(&p, &params, 64, 1);
            assert!(
                a.premium.technical.is_finite() && a.premium.technical >= 0.0,
                "{name}: premium {}",
                a.premium.technical
            );
        }
    }
}

/// A subnormal revenue (1e-320 JPY) underflowed the firm's size to 0, so its severity median was
/// 0 and `exposure::severity` panicked (`model parameters are validated`; `risk score` exited
/// 101, the service answered 500): now rejected by `FirmProfile::parse` below `MIN_REVENUE`
/// (USD 1) on `firm.annual_revenue`.
#[test]
fn subnormal_revenue_is_a_field_error() {
    let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let today = time::macros::date!(2026 - 04 - 01);
    let good = include_str!("../../data/profiles/manufacturer-ot-iso27001.json");
    for revenue in ["1e-320", "5e-324", "1e-300", "1"] {
        let text = good.replace("5000000000", revenue);
        let e = FirmProfile::parse(&text, &params, today).unwrap_err();
        assert_eq!(
            e.fields()
                .iter()
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>(),
            ["firm.annual_revenue"],
            "{revenue}: {e}"
        );
    }
    // The smallest accepted revenue is priced without a panic.
    let text = good.replace("5000000000", "152");
    let p = FirmProfile::parse(&text, &params, today).unwrap();
    let a = assess(&p, &params, 64, 1);
    assert!(a.premium.technical.is_finite() && a.premium.technical >= 0.0);
}

/// The `spec` target's run 6 found that the core parsers read one JSON document and ignored what
/// followed it: this input closes its object after `perils`, and its `terms` (the limits) were
/// dropped without a word. Every core parser now refuses trailing characters, naming the
/// document; whitespace after it is still fine.
#[test]
fn trailing_data_after_a_document_is_refused() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fuzz");
    let text = std::fs::read_to_string(dir.join("trailing-data-spec.json")).unwrap();
    let e = LossSpec::parse(&text).unwrap_err().to_string();
    assert!(e.contains("spec") && e.contains("trailing"), "{e}");

    let spec = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/example-spec.json"),
    )
    .unwrap();
    assert!(LossSpec::parse(&format!("{spec}\n\n")).is_ok());
    assert!(LossSpec::parse(&format!("{spec} {{}}")).is_err());

    let params = ModelParams::parse(DEFAULT_MODEL).unwrap();
    let today = time::macros::date!(2026 - 04 - 01);
    let profile = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../data/profiles/manufacturer-ot-iso27001.json"),
    )
    .unwrap();
    assert!(FirmProfile::parse(&format!("{profile}\n"), &params, today).is_ok());
    let e = FirmProfile::parse(&format!("{profile}]"), &params, today)
        .unwrap_err()
        .to_string();
    assert!(e.contains("profile") && e.contains("trailing"), "{e}");
}

/// The same run's second fault: the spec the parser used to read from that input (its object
/// up to `perils`, no limits) has a lognormal–GPD with a median of 4.5·10³⁰ above a threshold of
/// 1.4·10⁶; the lognormal's density at the threshold underflows, the tail's scale
/// β = P(X > u)/f(u) was infinite and every year loss with an event infinite (`risk simulate`
/// printed `null` statistics). Now the median is refused above `MAX_AMOUNT` and a threshold whose
/// β exceeds `MAX_GPD_SCALE`, each naming the field; at the caps every loss is finite.
#[test]
fn severities_whose_draws_overflow_are_refused() {
    use risk_core::model::{MAX_AMOUNT, MAX_GPD_SCALE};
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fuzz");
    let text = std::fs::read_to_string(dir.join("nonfinite-gpd-spec.json")).unwrap();
    let fields = |text: &str| -> Vec<String> {
        LossSpec::parse(text)
            .unwrap_err()
            .fields()
            .into_iter()
            .map(|f| f.field)
            .collect()
    };
    assert_eq!(fields(&text), ["perils[0].severity.median"]);

    // At the cap, with the threshold far below the median: β ≈ 5·10²⁹⁶, refused on the
    // threshold; the same threshold near the median is accepted and every year is finite.
    let at_cap = text.replace("450E028", &format!("{MAX_AMOUNT:e}"));
    let far = at_cap.replace("1400000", "3.7e-10");
    assert_eq!(fields(&far), ["perils[0].severity.threshold"]);
    let e = LossSpec::parse(&far).unwrap_err().to_string();
    assert!(e.contains(&format!("{MAX_GPD_SCALE:e}")), "{e}");
    for threshold in ["1e13", "3e14", "1e15"] {
        let spec = LossSpec::parse(&at_cap.replace("1400000", threshold))
            .unwrap_or_else(|e| panic!("{threshold}: {e}"));
        let sim = simulate(&spec.model, 20_000, spec.seed);
        assert!(
            sim.gross().iter().all(|x| x.is_finite() && *x >= 0.0),
            "{threshold}: a non-finite year"
        );
        let stats = LossStats::from_sample(sim.insured(), &spec.levels, &spec.thresholds);
        assert!(
            stats.mean.is_finite() && stats.std.is_finite(),
            "{threshold}"
        );
        check_stats(&stats, threshold);
    }
    // A PERT's maximum and a plain lognormal's median have the same cap.
    let pert = r#"{"perils": [{"name": "p", "frequency": {"distribution": "poisson", "mean": 1},
        "severity": {"distribution": "pert", "min": 0, "mode": 1, "max": 1e300}}]}"#;
    assert_eq!(fields(pert), ["perils[0].severity.max"]);
    let ln = r#"{"perils": [{"name": "p", "frequency": {"distribution": "poisson", "mean": 1},
        "severity": {"distribution": "lognormal", "median": 2e15, "sigma": 1}}]}"#;
    assert_eq!(fields(ln), ["perils[0].severity.median"]);
}
