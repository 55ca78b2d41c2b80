//! End-to-end tests of the `risk` binary: contract §1–3 (output shape, determinism, exit codes).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn risk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_risk"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run risk")
}

/// `risk args`, which must succeed.
fn succeeded(args: &[&str]) -> Output {
    let out = risk(args);
    assert_success(&out);
    out
}

/// Exit 0, else the exit and stderr in the failure.
fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json(out: &Output) -> serde_json::Value {
    assert_success(out);
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// `risk args` refused as bad input: exit 2, nothing on stdout, a message on stderr that
/// contains `want` (returned for further checks).
fn rejected(args: &[&str], want: &str) -> String {
    let out = risk(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout not empty");
    assert!(
        stderr.contains(want),
        "{args:?}: {stderr} does not name {want}"
    );
    stderr
}

/// This test binary's scratch directory, made once (by `tempfile`: a fresh, private name).
fn scratch() -> &'static Path {
    static DIR: std::sync::LazyLock<tempfile::TempDir> = std::sync::LazyLock::new(|| {
        tempfile::Builder::new()
            .prefix("risk-cli-")
            .tempdir()
            .expect("scratch directory")
    });
    DIR.path()
}

fn temp_spec(name: &str, body: &str) -> PathBuf {
    let p = scratch().join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn simulate_reports_the_contract_fields() {
    let r = json(&risk(&[
        "simulate",
        "data/example-spec.json",
        "--trials",
        "20000",
    ]));
    assert_eq!(r["method"], "monte_carlo");
    assert_eq!(r["trials"], 20000);
    assert_eq!(r["seed"], 42);
    for k in ["mean", "std", "mean_std_error"] {
        assert!(r[k].as_f64().unwrap() > 0.0, "{k}");
    }
    let var = r["var"].as_array().unwrap();
    assert_eq!(var.len(), 5);
    assert_eq!(var[3]["level"], 0.995);
    assert!(var[3]["std_error"].as_f64().unwrap() >= 0.0);
    assert!(r["tvar"][3]["value"].as_f64() >= var[3]["value"].as_f64());
    assert_eq!(r["exceedance"][0]["threshold"], 10_000_000.0);
    let perils = r["perils"].as_array().unwrap();
    assert_eq!(perils.len(), 3);
    assert_eq!(perils[0]["name"], "ransomware");
    assert_eq!(perils[0]["frequency"], 0.08);
    // Perils add up to the total (aggregate limit shared pro rata).
    let sum: f64 = perils.iter().map(|p| p["mean"].as_f64().unwrap()).sum();
    let mean = r["mean"].as_f64().unwrap();
    assert!((sum - mean).abs() < 1e-9 * mean, "{sum} vs {mean}");
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let simulate = |extra: &[&str]| {
        let base = ["simulate", "data/example-spec.json", "--trials", "50000"];
        risk(&[&base[..], extra].concat())
    };
    let one = simulate(&["--threads", "1"]);
    let two = simulate(&["--threads", "2"]);
    assert!(one.status.success());
    assert_eq!(one.stdout, two.stdout);
    let other_seed = simulate(&["--seed", "1"]);
    assert_ne!(one.stdout, other_seed.stdout);
}

/// A pinned seed reproduces a committed report byte for byte. If the engine's sampling changes on
/// purpose, regenerate with `UPDATE_GOLDEN=1 cargo test --test cli` and say so in the changelog.
#[test]
fn golden_report() {
    let out = risk(&[
        "simulate",
        "data/example-spec.json",
        "--trials",
        "30000",
        "--seed",
        "2026",
    ]);
    json(&out);
    let golden = root().join("tests/golden/simulate-example-30000-2026.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &out.stdout).unwrap();
    }
    let want = std::fs::read(&golden).expect("golden file");
    assert!(
        want == out.stdout,
        "report differs from {}",
        golden.display()
    );
}

/// Bad input: exit 2, one line on stderr naming the field, nothing on stdout.
#[test]
fn bad_input_is_rejected_with_the_field_named() {
    let base = r#"{"perils": [{"name": "r",
        "frequency": {"distribution": "poisson", "mean": 0.8},
        "severity": {"distribution": "lognormal", "median": 150000, "sigma": 2.0}}]"#;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "sigma",
            base.replace("\"sigma\": 2.0", "\"sigma\": 0") + "}",
            "perils[0].severity.sigma",
        ),
        (
            "neg-sigma",
            base.replace("\"sigma\": 2.0", "\"sigma\": -1") + "}",
            "perils[0].severity.sigma",
        ),
        (
            "mean",
            base.replace("\"mean\": 0.8", "\"mean\": 0") + "}",
            "perils[0].frequency.mean",
        ),
        (
            "pert",
            base.replace(
                r#"{"distribution": "lognormal", "median": 150000, "sigma": 2.0}"#,
                r#"{"distribution": "pert", "min": 10, "mode": 5, "max": 20}"#,
            ) + "}",
            "perils[0].severity.mode",
        ),
        (
            "unknown-dist",
            base.replace("poisson", "binomial") + "}",
            "perils[0].frequency",
        ),
        (
            "unknown-field",
            base.to_string() + r#", "trails": 5}"#,
            "trails",
        ),
        (
            "level",
            base.to_string() + r#", "levels": [0.5, 1.5]}"#,
            "levels[1]",
        ),
        (
            "level-zero",
            base.to_string() + r#", "levels": [0]}"#,
            "levels[0]",
        ),
        (
            "trials-zero",
            base.to_string() + r#", "trials": 0}"#,
            "trials",
        ),
        (
            "trials-cap",
            base.to_string() + r#", "trials": 100000000}"#,
            "trials",
        ),
        ("malformed", base.to_string(), "spec"),
        ("no-perils", r#"{"perils": []}"#.to_string(), "perils"),
    ];
    for (name, body, field) in cases {
        let path = temp_spec(&format!("{name}.json"), &body);
        let stderr = rejected(&["simulate", path.to_str().unwrap()], field);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: {stderr}");
    }
    // Command-line overrides are checked too.
    rejected(
        &["simulate", "data/example-spec.json", "--trials", "0"],
        "trials",
    );
    rejected(&["simulate", "no/such/file.json"], "");
}

fn profiles() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("data/profiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

/// Every sample profile scores (contract §5): contributions add up, premium ≥ pure premium.
#[test]
fn score_every_sample_profile() {
    let all = profiles();
    assert!(all.len() >= 12, "{} sample profiles", all.len());
    for p in all {
        let r = json(&risk(&[
            "score",
            p.to_str().unwrap(),
            "--trials",
            "20000",
            "--seed",
            "3",
        ]));
        let name = p.display();
        assert_eq!(r["model_version"], "jp-cyber-2.0.0", "{name}");
        assert_eq!(r["trials"], 20000);
        assert_eq!(r["seed"], 3);
        let s = &r["score"];
        let value = s["value"].as_f64().unwrap();
        assert!((0.0..=1000.0).contains(&value), "{name}");
        let sum: f64 = s["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["points"].as_f64().unwrap())
            .sum();
        assert!(
            (sum - (value - s["baseline"].as_f64().unwrap())).abs() < 0.01,
            "{name}"
        );
        let premium = &r["premium"];
        assert!(
            premium["technical"].as_f64() >= premium["pure"].as_f64(),
            "{name}"
        );
        assert_eq!(premium["currency"], r["currency"]);
        assert_eq!(r["loss"]["method"], "monte_carlo");
        assert!(
            r["insured_loss"]["mean"].as_f64() <= r["loss"]["mean"].as_f64(),
            "{name}"
        );
    }
}

/// `remove:<scheme>`'s premium equals `risk score` of the profile without that certificate at
/// the same seed (contract §6).
#[test]
fn impact_matches_score_of_the_counterfactual() {
    let path = "data/profiles/cloud-provider-27001-27017.json";
    let args = ["--trials", "20000", "--seed", "9"];
    let i = json(&risk(&[&["impact", path][..], &args].concat()));
    let items = i["items"].as_array().unwrap();
    let deltas: Vec<f64> = items.iter().map(|x| x["delta"].as_f64().unwrap()).collect();
    assert!(deltas.windows(2).all(|w| w[0] <= w[1]), "sorted by delta");
    let remove = items
        .iter()
        .find(|x| x["change"] == "remove:soc2_type2")
        .expect("remove:soc2_type2");

    let mut profile: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(path)).unwrap()).unwrap();
    profile["certifications"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["scheme"] != "soc2_type2");
    let without = temp_spec("without-soc2.json", &profile.to_string());
    let s = json(&risk(
        &[&["score", without.to_str().unwrap()][..], &args].concat(),
    ));
    assert_eq!(remove["premium"], s["premium"]["technical"]);
    let current = json(&risk(&[&["score", path][..], &args].concat()));
    assert_eq!(i["current_premium"], current["premium"]["technical"]);
}

/// Bad profiles: exit 2 naming every bad field, nothing on stdout.
#[test]
fn bad_profiles_name_every_field() {
    let good = std::fs::read_to_string(root().join("data/profiles/manufacturer-ot-iso27001.json"))
        .unwrap();
    let bad = good
        .replace("5000000000", "-5")
        .replace("\"iso27001\"", "\"iso9001\"")
        .replace("\"govern\": 3", "\"govern\": 7")
        .replace("\"2027-03-31\"", "\"2023-03-31\"")
        .replace("\"JPY\"", "\"XXX\"");
    let path = temp_spec("bad-profile.json", &bad);
    let stderr = rejected(&["score", path.to_str().unwrap()], "");
    assert_eq!(stderr.trim_end().lines().count(), 1);
    for field in [
        "firm.annual_revenue",
        "firm.currency",
        "certifications[0].scheme",
        "certifications[0].expires",
        "maturity.govern",
    ] {
        assert!(stderr.contains(field), "{field} not in {stderr}");
    }
    let unknown = good.replace("\"employees\": 320", "\"employees\": 320, \"staff\": 1");
    let path = temp_spec("unknown-field.json", &unknown);
    rejected(&["impact", path.to_str().unwrap()], "staff");
    rejected(
        &["score", "data/profiles/no-answers.json", "--trials", "0"],
        "",
    );
}

/// Portfolio (contract §7): closed-form mean, allocation adding up to TVaR99.5, shards that merge
/// into exactly the unsharded table.
#[test]
fn portfolio_report_shards_and_merge() {
    let dir = temp_spec("x", "").parent().unwrap().to_path_buf();
    let mut csv =
        String::from("policy_id,frequency_mean,severity_median,severity_sigma,cloud_providers\n");
    for i in 0..300 {
        let cloud = if i % 3 == 0 { "aws" } else { "" };
        csv += &format!(
            "P{i},{},{},1.2,{cloud}\n",
            0.05 + (i % 10) as f64 * 0.03,
            20_000 + 1_000 * (i % 17)
        );
    }
    let book = dir.join("book.csv");
    std::fs::write(&book, csv).unwrap();
    let shocks = dir.join("shocks.json");
    std::fs::write(
        &shocks,
        r#"[{"name": "cloud_outage", "annual_probability": 0.05, "hit_probability": 0.4, "dependency": "aws",
            "severity": {"distribution": "lognormal", "median": 100000, "sigma": 1.0}}]"#,
    )
    .unwrap();
    let (b, s) = (book.to_str().unwrap(), shocks.to_str().unwrap());
    let portfolio = |extra: &[&str]| {
        let base = [
            "portfolio",
            b,
            "--shocks",
            s,
            "--trials",
            "20000",
            "--seed",
            "5",
        ];
        json(&risk(&[&base[..], extra].concat()))
    };
    let whole_ylt = dir.join("whole.parquet");
    let whole_ord = dir.join("ord-whole");
    let r = portfolio(&[
        "--out",
        whole_ylt.to_str().unwrap(),
        "--ord",
        whole_ord.to_str().unwrap(),
    ]);
    assert_eq!(r["policies"], 300);
    let mean = r["mean"].as_f64().unwrap();
    let closed = r["closed_form_gross_mean"].as_f64().unwrap();
    let z = (mean - closed) / r["mean_std_error"].as_f64().unwrap();
    assert!(z.abs() < 4.0, "mean {mean} vs {closed}");
    let tvar995 = r["tvar"][1]["value"].as_f64().unwrap();
    let allocated = r["allocated_total"].as_f64().unwrap();
    assert!(
        (allocated - tvar995).abs() < 1e-6 * tvar995,
        "{allocated} vs {tvar995}"
    );
    assert_eq!(r["shocks"][0]["name"], "cloud_outage");
    assert!(r["top_contributors"].as_array().unwrap().len() == 10);

    let mut parts = Vec::new();
    for i in 0..3 {
        let out = dir.join(format!("shard{i}.parquet"));
        let shard = format!("{i}/3");
        let p = portfolio(&["--shard", &shard, "--out", out.to_str().unwrap()]);
        assert_eq!(p["shard"], shard);
        parts.push(out.to_str().unwrap().to_string());
    }
    let merged_ylt = dir.join("merged.parquet");
    let merged_ord = dir.join("ord-merged");
    let mut args = vec!["portfolio-merge".to_string()];
    args.extend(parts);
    args.extend(["--out".into(), merged_ylt.to_str().unwrap().into()]);
    args.extend(["--ord".into(), merged_ord.to_str().unwrap().into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let m = json(&risk(&args));
    assert_eq!(m["mean"], r["mean"]);
    assert_eq!(m["var"], r["var"]);
    assert_eq!(m["tvar"], r["tvar"]);
    assert_eq!(m["shocks"], r["shocks"]);
    assert_eq!(m["aep"], r["aep"]);
    assert_eq!(m["oep"], r["oep"]);
    assert_eq!(m["policies"], 300);
    // The ORD tables of the merged shards are those of the whole run, byte for byte.
    for name in ["ept", "alt", "plt", "elt"] {
        let file = format!("{name}.csv");
        let (a, b) = (
            std::fs::read(whole_ord.join(&file)).unwrap(),
            std::fs::read(merged_ord.join(&file)).unwrap(),
        );
        assert!(a == b, "{file} differs after the merge");
    }
    ord_curves_agree_with_the_report(&r, &whole_ord);
}

/// ORD `ept.csv` (contract §14): v1 columns and codes, OEP ≤ AEP at every return period, the
/// report's `oep` ≤ `aep`, and AEP at 1-in-200 against the report's VaR 99.5: ktools reads the
/// (n/RP)-th largest year, the report's lower quantile the next one down, so
/// VaR 99.5 ≤ AEP(200) ≤ TVaR 99.5.
fn ord_curves_agree_with_the_report(r: &serde_json::Value, dir: &std::path::Path) {
    let ept = std::fs::read_to_string(dir.join("ept.csv")).unwrap();
    let mut lines = ept.lines();
    assert_eq!(
        lines.next().unwrap(),
        "SummaryId,EPCalc,EPType,ReturnPeriod,Loss"
    );
    let mut by = std::collections::BTreeMap::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!((f[0], f[1]), ("1", "2"), "{l}");
        let rp: f64 = f[3].parse().unwrap();
        by.insert((f[2].to_string(), rp as u64), f[4].parse::<f64>().unwrap());
    }
    for rp in [10, 50, 100, 200, 250, 500, 1000] {
        let (oep, aep) = (by[&("1".into(), rp)], by[&("3".into(), rp)]);
        let (oep_t, aep_t) = (by[&("2".into(), rp)], by[&("4".into(), rp)]);
        assert!(
            oep <= aep && oep_t <= aep_t,
            "RP {rp}: OEP {oep} > AEP {aep}"
        );
        assert!(aep <= aep_t && oep <= oep_t, "RP {rp}");
    }
    let var995 = r["var"][1]["value"].as_f64().unwrap();
    let tvar995 = r["tvar"][1]["value"].as_f64().unwrap();
    let aep200 = by[&("3".into(), 200)];
    assert!(
        var995 <= aep200 && aep200 <= tvar995,
        "{var995} {aep200} {tvar995}"
    );
    for (a, o) in r["aep"]
        .as_array()
        .unwrap()
        .iter()
        .zip(r["oep"].as_array().unwrap())
    {
        assert!(o["loss"].as_f64().unwrap() <= a["loss"].as_f64().unwrap());
        assert!(o["tvar"].as_f64().unwrap() <= a["tvar"].as_f64().unwrap());
    }
    assert_eq!(r["aep"][6]["loss"], r["exceedance_curve"][6]["loss"]);
    for f in ["alt", "plt", "elt", "summary-info"] {
        assert!(dir.join(format!("{f}.csv")).exists() && dir.join(format!("{f}.parquet")).exists());
    }
}

#[test]
fn bad_portfolio_files_name_row_and_column() {
    let dir = temp_spec("x", "").parent().unwrap().to_path_buf();
    let cases = [
        (
            "missing",
            "policy_id,frequency_mean,severity_median\nA,0.1,1000\n",
            "severity_sigma",
        ),
        (
            "nonnumeric",
            "policy_id,frequency_mean,severity_median,severity_sigma\nA,0.1,1000,1\nB,lots,1000,1\n",
            "row 2, column frequency_mean",
        ),
        (
            "negative-revenue",
            "policy_id,industry,annual_revenue,currency\nA,retail,1e9,JPY\nB,retail,-5,JPY\n",
            "row 2, column annual_revenue",
        ),
        (
            "unknown-industry",
            "policy_id,industry,annual_revenue,currency\nA,mining,1e9,JPY\n",
            "row 1, column industry",
        ),
        (
            "bad-cert",
            "policy_id,industry,annual_revenue,currency,certifications\nA,retail,1e9,JPY,iso9001:active\n",
            "row 1, column certifications",
        ),
        (
            "empty",
            "policy_id,frequency_mean,severity_median,severity_sigma\n",
            "no rows",
        ),
    ];
    for (name, body, want) in cases {
        let path = dir.join(format!("{name}.csv"));
        std::fs::write(&path, body).unwrap();
        rejected(
            &["portfolio", path.to_str().unwrap(), "--trials", "100"],
            want,
        );
    }
}

#[test]
fn sample_portfolio_runs_with_model_shocks() {
    let r = json(&risk(&[
        "portfolio",
        "data/portfolio-sample.csv",
        "--trials",
        "2000",
    ]));
    assert_eq!(r["policies"], 1000);
    let names: Vec<&str> = r["shocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"cloud_outage_aws") && names.contains(&"worm"),
        "{names:?}"
    );
    assert!(r["tvar"][1]["value"].as_f64() >= r["var"][1]["value"].as_f64());
}

/// `--method exact` against the `aggregate` oracle's converged W1 values, and `--check`.
#[test]
fn exact_method_and_check() {
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/exact_refs.json")).unwrap(),
    )
    .unwrap();
    let w1 = &refs["w1"];
    let r = json(&risk(&[
        "simulate",
        "tests/fixtures/specs/w1.json",
        "--method",
        "exact",
    ]));
    assert_eq!(r["method"], "exact");
    assert!(r["trials"].is_null() && r["seed"].is_null());
    assert!(r["error_bound"].as_f64().unwrap() < 1e-6);
    for v in r["var"].as_array().unwrap() {
        let level = v["level"].as_f64().unwrap();
        let want = w1["var"][level.to_string()].as_f64().unwrap();
        let got = v["value"].as_f64().unwrap();
        assert!(
            (got / want - 1.0).abs() < 1e-6,
            "VaR{level}: {got} vs {want}"
        );
    }
    let p = r["exceedance"][0]["probability"].as_f64().unwrap();
    let want = w1["exceedance"]["1000000"].as_f64().unwrap();
    assert!((p / want - 1.0).abs() < 1e-6, "{p} vs {want}");

    let c = json(&risk(&[
        "simulate",
        "tests/fixtures/specs/w1.json",
        "--check",
        "--trials",
        "50000",
    ]));
    assert_eq!(c["method"], "check");
    assert!(c["mean"]["z"].as_f64().unwrap().abs() < 4.0);
    assert_eq!(c["mean"]["closed_form"], c["mean"]["exact"]);
}

#[test]
fn calibrate_synthetic_claims_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let models = dir.join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::copy(
        root().join("models/jp-cyber-1.0.0.toml"),
        models.join("jp-cyber-1.0.0.toml"),
    )
    .unwrap();
    let truth = temp_spec(
        "truth.json",
        r#"{"frequency": {"certification:iso27001": 0.7, "industry:retail": 2.0}}"#,
    );
    let claims = dir.join("claims.parquet");
    synth_claims(
        &claims,
        5,
        // The model calibrated below: claims from its own loss model (1.5.0 credits declared
        // certificates less since the registry, so its claims are not 1.0.0's).
        &["--truth", truth.to_str().unwrap(), "--model", "1.0.0"],
    );
    let args = [
        "calibrate",
        claims.to_str().unwrap(),
        "--model",
        "1.0.0",
        "--models-dir",
        models.to_str().unwrap(),
        "--date",
        "2026-11-26",
    ];
    let r = json(&risk(&args));
    assert_eq!(r["model"], "jp-cyber-1.0.0");
    assert_eq!(r["data"]["rows"], 20000);
    assert_eq!(r["data"]["sha256"].as_str().unwrap().len(), 64);
    let iso = factor(&r, "frequency", "certification:iso27001");
    assert_eq!(iso["prior"], 0.85);
    let (lo, hi) = interval(&iso);
    assert!(lo <= 0.7 && 0.7 <= hi, "{iso}");
    assert!(iso["posterior"].as_f64().unwrap() < 0.85, "{iso}");
    assert!(iso["data_weight"].as_f64().unwrap() > 0.5);
    let retail = factor(&r, "frequency", "industry:retail");
    assert!(retail["differs_from_one"].as_bool().unwrap(), "{retail}");
    // The next version is written beside the prior and loads; the prior is untouched; a second
    // run never overwrites the first.
    let new = &r["new_model"];
    assert_eq!(new["id"], "jp-cyber-1.1.0");
    let text = std::fs::read_to_string(models.join("jp-cyber-1.1.0.toml")).unwrap();
    assert!(text.contains("[calibration]") && text.contains("[C] calibrated 2026-11-26"));
    assert_eq!(
        std::fs::read(models.join("jp-cyber-1.0.0.toml")).unwrap(),
        std::fs::read(root().join("models/jp-cyber-1.0.0.toml")).unwrap()
    );
    let again = json(&risk(&args));
    assert_eq!(again["new_model"]["id"], "jp-cyber-1.2.0");
    assert_eq!(again["frequency"], r["frequency"]);
    // 1.1.0 was fitted to these claims: fitting it on them again is refused, unless forced.
    let mut reuse = args.to_vec();
    reuse[3] = "1.1.0";
    let e = rejected(&reuse, "[lineage] claims sha256:");
    assert!(
        e.contains("already in the lineage of jp-cyber-1.1.0"),
        "{e}"
    );
    assert!(!models.join("jp-cyber-1.3.0.toml").exists());
    reuse.push("--force");
    let forced = json(&risk(&reuse));
    assert_eq!(forced["new_model"]["id"], "jp-cyber-1.3.0");
    assert!(forced["gates"].as_array().unwrap().is_empty());
    // The calibrated file prices firms.
    let scored = json(&risk(&[
        "score",
        "data/profiles/manufacturer-ot-iso27001.json",
        "--trials",
        "2000",
        "--model",
        models.join("jp-cyber-1.1.0.toml").to_str().unwrap(),
    ]));
    assert_eq!(scored["model_version"], "jp-cyber-1.1.0");
}

/// `risk synth-claims` of 20,000 rows drawn with `seed` into `out`, with `extra` options; it
/// must succeed and print nothing.
fn synth_claims(out: &Path, seed: u64, extra: &[&str]) {
    let seed = seed.to_string();
    let mut args = vec![
        "synth-claims",
        "--rows",
        "20000",
        "--seed",
        &seed,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    assert!(succeeded(&args).stdout.is_empty());
}

/// The factor `name` of `part` in a calibration report.
fn factor(report: &serde_json::Value, part: &str, name: &str) -> serde_json::Value {
    report[part]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["factor"] == name)
        .unwrap_or_else(|| panic!("{part} {name} missing"))
        .clone()
}

/// A factor's 95% interval.
fn interval(f: &serde_json::Value) -> (f64, f64) {
    (
        f["interval"][0].as_f64().unwrap(),
        f["interval"][1].as_f64().unwrap(),
    )
}

/// A claims file of `rows` rows of one retail firm at $50M a year each, every row claim-free
/// but `claims` (row number from 1 → (claims, incurred loss)).
fn claims_file(name: &str, rows: usize, claims: &[(usize, u64, f64)]) -> PathBuf {
    let mut text = String::from(
        "policy_id,industry,annual_revenue,currency,certifications,exposure,claim_count,incurred_loss\n",
    );
    for i in 1..=rows {
        let (c, l) = claims
            .iter()
            .find(|x| x.0 == i)
            .map_or((0, 0.0), |x| (x.1, x.2));
        text.push_str(&format!("p{i},retail,5e7,USD,,1,{c},{l}\n"));
    }
    temp_spec(name, &text)
}

#[test]
fn calibrate_gates_refuse_implausible_data() {
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().to_str().unwrap();
    let written = || std::fs::read_dir(tmp.path()).unwrap().count();
    // 3,000 claim-free policy-years where model 2.0.0 expects ~140 claims.
    let zero = claims_file("all-zero.csv", 3000, &[]);
    let zero = zero.to_str().unwrap();
    let args = [
        "calibrate",
        zero,
        "--model",
        "2.0.0",
        "--models-dir",
        models,
    ];
    let e = rejected(
        &args,
        "[actual_to_expected] 0 claims where the model expects",
    );
    assert!(e.contains("refused, no model written"), "{e}");
    // --dry-run shows the report and the gate, and writes nothing.
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let r = json(&risk(&dry));
    assert_eq!(r["gates"][0]["gate"], "actual_to_expected");
    assert!(r["new_model"].is_null());
    assert!(r["data"]["expected_claims_prior"].as_f64().unwrap() > 100.0);
    // One row with a million claims: named by the outlier gate, never an internal error.
    let wild = claims_file("outlier.csv", 3000, &[(8, 1_000_000, 5e9), (20, 1, 3e4)]);
    let wild = wild.to_str().unwrap();
    let e = rejected(
        &[
            "calibrate",
            wild,
            "--model",
            "2.0.0",
            "--models-dir",
            models,
        ],
        "[outlier] 1 row(s) implausible",
    );
    assert!(e.contains("row 8: 1000000 claims"), "{e}");
    assert!(!e.contains("row 20"), "{e}");
    // Ten claims: no factor is informed, so no version.
    let claims: Vec<(usize, u64, f64)> = (1..=10).map(|i| (i * 3, 1, 2e4)).collect();
    let thin = claims_file("thin.csv", 200, &claims);
    let thin = thin.to_str().unwrap();
    rejected(
        &[
            "calibrate",
            thin,
            "--model",
            "2.0.0",
            "--models-dir",
            models,
        ],
        "[thin_data] no factor is informed by the data (10 claims",
    );
    assert_eq!(written(), 0);
}

/// Key controls and the country are claims columns: each row is priced with its own, so the
/// model expects fewer claims of firms with full MFA than of firms without; bad cells are named.
#[test]
fn claims_columns_carry_controls_and_country() {
    let file = |name: &str, mfa: &str, edr: &str| {
        let mut text = String::from(
            "policy_id,industry,annual_revenue,currency,country,mfa,edr,exposure,claim_count,incurred_loss\n",
        );
        for i in 1..=3000 {
            let c = u64::from(i % 25 == 0);
            text.push_str(&format!(
                "p{i},retail,5e7,USD,JP,{mfa},{edr},1,{c},{}\n",
                c * 30_000
            ));
        }
        temp_spec(name, &text)
    };
    let expected = |path: &Path| {
        let r = json(&risk(&[
            "calibrate",
            path.to_str().unwrap(),
            "--model",
            "2.0.0",
            "--dry-run",
        ]));
        r["data"]["expected_claims_prior"].as_f64().unwrap()
    };
    let full = expected(&file("mfa-full.csv", "full", "true"));
    let none = expected(&file("mfa-none.csv", "none", "false"));
    // Model 2.0.0: MFA full 0.84, none 1.18 on every peril's frequency.
    assert!((full / none - 0.84 / 1.18).abs() < 1e-6, "{full} vs {none}");
    let bad = file("edr-bad.csv", "full", "maybe");
    rejected(
        &[
            "calibrate",
            bad.to_str().unwrap(),
            "--model",
            "2.0.0",
            "--dry-run",
        ],
        "row 1, column edr: `maybe` is not true or false",
    );
    let bad = file("mfa-bad.csv", "sometimes", "true");
    rejected(
        &[
            "calibrate",
            bad.to_str().unwrap(),
            "--model",
            "2.0.0",
            "--dry-run",
        ],
        "row 1, column mfa: unknown level `sometimes`",
    );
}

/// Policy terms, accident year, certificate dates and scope, and development are claims columns:
/// a deductible thins the claims the model expects, a development factor of 2 halves them, a
/// certificate issued after the period or out of scope gives no credit, an older accident year
/// is valued at that year's trend; empty cells change nothing; bad cells are named.
#[test]
fn claims_columns_carry_terms_period_and_certificates() {
    let file = |name: &str, extra: &str, cell: &str, cert: &str| {
        let header = if extra.is_empty() {
            String::new()
        } else {
            format!("{extra},")
        };
        let mut text = format!(
            "policy_id,industry,annual_revenue,currency,certifications,{header}exposure,claim_count,incurred_loss\n"
        );
        let cell = if extra.is_empty() {
            String::new()
        } else {
            format!("{cell},")
        };
        for i in 1..=3000 {
            let c = u64::from(i % 25 == 0);
            text.push_str(&format!(
                "p{i},retail,5e7,USD,{cert},{cell}1,{c},{}\n",
                c * 30_000
            ));
        }
        temp_spec(name, &text)
    };
    let report = |path: &Path| {
        json(&risk(&[
            "calibrate",
            path.to_str().unwrap(),
            "--model",
            "2.0.0",
            "--date",
            "2026-11-26",
            "--dry-run",
        ]))
    };
    let expected = |path: &Path| {
        report(path)["data"]["expected_claims_prior"]
            .as_f64()
            .unwrap()
    };
    let iso = "iso27001:active";
    let base = expected(&file("t-base.csv", "deductible", "", iso));
    assert_eq!(base, expected(&file("t-none.csv", "", "", iso)));
    let thinned = expected(&file("t-ded.csv", "deductible", "25000", iso));
    assert!(
        thinned < 0.8 * base && thinned > 0.2 * base,
        "{thinned} vs {base}"
    );
    let developed = expected(&file("t-dev.csv", "development_factor", "2", iso));
    assert!(
        (developed / base - 0.5).abs() < 1e-9,
        "{developed} vs {base}"
    );
    let uncertified = expected(&file("t-nocert.csv", "", "", ""));
    assert!(uncertified > base, "{uncertified} vs {base}");
    let out_of_scope = expected(&file("t-scope.csv", "certificate_scope", "iso27001:0", iso));
    assert!((out_of_scope / uncertified - 1.0).abs() < 1e-9);
    let half = expected(&file(
        "t-half.csv",
        "certificate_scope",
        "iso27001:0.5",
        iso,
    ));
    assert!(
        base < half && half < uncertified,
        "{base} {half} {uncertified}"
    );
    let late = expected(&file(
        "t-late.csv",
        "accident_year,certificate_issued",
        "2024,iso27001:2025-01-10",
        iso,
    ));
    let held = expected(&file(
        "t-held.csv",
        "accident_year,certificate_issued",
        "2024,iso27001:2023-01-10",
        iso,
    ));
    assert!(
        (late / uncertified - 1.0).abs() < 1e-9,
        "{late} vs {uncertified}"
    );
    assert!((held / base - 1.0).abs() < 1e-9, "{held} vs {base}");
    // Model 2.0.0 trends claim costs 5% a year (all perils but business interruption, priced by
    // days down): the same amounts in accident year 2020 are larger against the model's 2020
    // claim sizes, by up to 1.05^6.4 = 1.37.
    let sev = |r: serde_json::Value| r["severity"]["actual_to_expected_prior"].as_f64().unwrap();
    let old = sev(report(&file("t-ay.csv", "accident_year", "2020", iso)));
    let now = sev(report(&file("t-now.csv", "", "", iso)));
    assert!((1.2..1.37).contains(&(old / now)), "{old} vs {now}");
    let cases = [
        ("deductible", "-1", "row 1, column deductible"),
        ("occurrence_limit", "1000", "row 25, column incurred_loss"),
        ("accident_year", "2099", "row 1, column accident_year"),
        (
            "development_factor",
            "0.5",
            "row 1, column development_factor",
        ),
        (
            "certificate_issued",
            "iso27001:soon",
            "row 1, column certificate_issued",
        ),
        (
            "certificate_issued",
            "soc2_type2:2024-01-01",
            "row 1, column certificate_issued",
        ),
        (
            "certificate_scope",
            "iso27001:2",
            "row 1, column certificate_scope",
        ),
        (
            "certificate_expires",
            "iso27001:20x",
            "row 1, column certificate_expires",
        ),
    ];
    for (column, cell, want) in cases {
        let bad = file(&format!("t-bad-{column}.csv"), column, cell, iso);
        rejected(
            &[
                "calibrate",
                bad.to_str().unwrap(),
                "--model",
                "2.0.0",
                "--dry-run",
            ],
            want,
        );
    }
}

/// Insurer claims end to end: `synth-claims` with deductibles and limits writes the terms
/// columns, and `calibrate` fits them on the censored likelihood (claims from the prior itself:
/// the base levels stay inside their intervals around the prior).
#[test]
fn calibrate_reads_insurer_claims() {
    let claims = scratch().join("insured.csv");
    synth_claims(
        &claims,
        4,
        &[
            "--model",
            "2.0.0",
            "--deductibles",
            "10000,50000",
            "--limits",
            "1000000,2000000",
        ],
    );
    let text = std::fs::read_to_string(&claims).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with(",deductible,occurrence_limit")
    );
    let r = json(&risk(&[
        "calibrate",
        claims.to_str().unwrap(),
        "--model",
        "2.0.0",
        "--dry-run",
    ]));
    for part in ["frequency", "severity"] {
        let base = factor(&r, part, "base");
        let (lo, hi) = interval(&base);
        let prior = base["prior"].as_f64().unwrap();
        assert!(lo <= prior && prior <= hi, "{part}: {base}");
    }
    let e = rejected(
        &[
            "synth-claims",
            "--rows",
            "10",
            "--limits",
            "1000000",
            "--out",
            claims.to_str().unwrap(),
        ],
        "--limits: needs --deductibles",
    );
    assert!(!e.is_empty());
}

/// Claims by peril end to end: `synth-claims --by-peril` writes a `peril` column, and
/// `calibrate` fits a base level and a σ per peril, informed by the data, with the revenue
/// elasticity as a tilt of 2.0.0's curve (claims from the prior itself: the ransomware base
/// level's interval holds the prior; coverage over seeds is calibrate_coverage.rs's).
#[test]
fn calibrate_reads_claims_by_peril() {
    let claims = scratch().join("by-peril.parquet");
    synth_claims(&claims, 5, &["--model", "2.0.0", "--by-peril"]);
    let r = json(&risk(&[
        "calibrate",
        claims.to_str().unwrap(),
        "--model",
        "2.0.0",
        "--dry-run",
    ]));
    assert!(
        r["data"]["rows"].as_u64().unwrap() > 60_000,
        "{}",
        r["data"]
    );
    assert!(
        r["frequency"]["factors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["factor"] != "base")
    );
    for (part, name, parameter) in [
        (
            "frequency",
            "base:ransomware",
            "perils.ransomware.frequency",
        ),
        ("severity", "base:bec_fraud", "perils.bec_fraud.median"),
        ("severity", "sigma:bec_fraud", "perils.bec_fraud.sigma"),
        ("frequency", "revenue", "revenue_scale.frequency[*].factor"),
    ] {
        let f = factor(&r, part, name);
        assert_eq!(f["parameter"], parameter, "{f}");
        assert!(f["data_weight"].as_f64().unwrap() > 0.5, "{f}");
        if name == "base:ransomware" {
            let (lo, hi) = interval(&f);
            let prior = f["prior"].as_f64().unwrap();
            assert!(lo <= prior && prior <= hi, "{part}: {f}");
        }
    }
}

#[test]
fn bad_claims_files_name_row_and_column() {
    let header = "policy_id,industry,annual_revenue,currency,certifications,exposure,claim_count,incurred_loss";
    let cases = [
        ("p1,retail,1e7,USD,,-1,0,0", "row 1, column exposure"),
        ("p1,retail,1e7,USD,,0,2,5000", "row 1, column exposure"),
        (
            "p1,retail,1e7,USD,iso9999:active,1,0,0",
            "row 1, column certifications",
        ),
        ("p1,retail,1e7,USD,,1,1.5,100", "row 1, column claim_count"),
        ("p1,retail,1e7,USD,,1,0,100", "row 1, column incurred_loss"),
        ("p1,retail,1e7,USD,,1,1,abc", "row 1, column incurred_loss"),
    ];
    for (row, expected) in cases {
        let file = temp_spec(
            "bad-claims.csv",
            &format!("{header}\np0,finance,1e8,USD,,1,0,0\n{row}\n"),
        );
        let expected = expected.replace("row 1", "row 2");
        let file = file.to_str().unwrap();
        rejected(
            &["calibrate", file, "--model", "1.0.0", "--dry-run"],
            &expected,
        );
    }
    let missing = temp_spec(
        "no-exposure.csv",
        "policy_id,industry,annual_revenue,currency,claim_count,incurred_loss\np,retail,1e7,USD,0,0\n",
    );
    let missing = missing.to_str().unwrap();
    let args = ["calibrate", missing, "--model", "1.0.0", "--dry-run"];
    rejected(&args, "missing column `exposure`");
    rejected(&["calibrate", missing, "--model", "9.9.9"], "--model");
}

/// What a pin records of one `risk score` answer: the score, its grade and relative risk, the
/// premium (pure and technical) and the loss means, as JSON numbers exactly as printed.
fn pinned(r: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "score": r["score"]["value"],
        "baseline": r["score"]["baseline"],
        "grade": r["score"]["grade"],
        "relative_risk": r["score"]["relative_risk"],
        "pure_premium": r["premium"]["pure"],
        "technical_premium": r["premium"]["technical"],
        "loss_mean": r["loss"]["mean"],
        "insured_loss_mean": r["insured_loss"]["mean"],
        "currency": r["currency"],
    })
}

/// Every sample profile under model 1.0.0 at the default trials and seed (`risk score P --model
/// 1.0.0`, contract §9) gives exactly the pinned numbers in
/// `tests/fixtures/pins-1.0.0.json` (compared as printed, so bit for bit): a refactor changes
/// none of them. A deliberate change to the engine or the model regenerates them with
/// `UPDATE_PINS=1 cargo test -p risk-api --test cli pins` and says so in the changelog.
#[test]
fn score_pins_under_model_1_0_0() {
    let fixture = root().join("tests/fixtures/pins-1.0.0.json");
    let mut got = serde_json::Map::new();
    let mut model_hash = serde_json::Value::Null;
    for p in profiles() {
        let r = json(&risk(&["score", p.to_str().unwrap(), "--model", "1.0.0"]));
        assert_eq!(r["model_version"], "jp-cyber-1.0.0");
        assert_eq!((&r["trials"], &r["seed"]), (&100_000.into(), &0.into()));
        model_hash = r["model_hash"].clone();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        got.insert(name, pinned(&r));
    }
    let got = serde_json::json!({
        "command": "risk score data/profiles/<name> --model 1.0.0",
        "model_version": "jp-cyber-1.0.0",
        "model_hash": model_hash,
        "trials": 100_000,
        "seed": 0,
        "profiles": got,
    });
    if std::env::var_os("UPDATE_PINS").is_some() {
        std::fs::write(&fixture, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).expect("pins fixture")).unwrap();
    assert_eq!(
        want["profiles"].as_object().unwrap().len(),
        profiles().len()
    );
    // Printed form against printed form: equal text is equal bits (serde_json round-trips f64).
    for (name, pins) in want["profiles"].as_object().unwrap() {
        for (k, v) in pins.as_object().unwrap() {
            assert_eq!(
                got["profiles"][name][k].to_string(),
                v.to_string(),
                "{name}: {k}"
            );
        }
    }
    assert_eq!(got, want);
}

/// A subnormal revenue (1e-320) panicked the firm model (exit 101): now bad input (exit 2)
/// naming the field, in a profile and in a portfolio row.
#[test]
fn subnormal_revenue_is_bad_input() {
    let good = std::fs::read_to_string(root().join("data/profiles/manufacturer-ot-iso27001.json"))
        .unwrap();
    for revenue in ["1e-320", "5e-324", "1e-300"] {
        let path = temp_spec(
            &format!("revenue-{revenue}.json"),
            &good.replace("5000000000", revenue),
        );
        rejected(&["score", path.to_str().unwrap()], "firm.annual_revenue");
        let csv = temp_spec(
            &format!("revenue-{revenue}.csv"),
            &format!("policy_id,industry,annual_revenue,currency\nA,retail,{revenue},JPY\n"),
        );
        rejected(
            &["portfolio", csv.to_str().unwrap(), "--trials", "100"],
            "row 1, column annual_revenue",
        );
    }
}

/// Contract §15: `risk keys list` shows id, role, subject, created, expires, revoked and never a
/// key; `risk keys revoke --id | --subject` revokes; `create --expires` records the day.
#[test]
fn keys_list_revoke_and_expire() {
    let db = temp_spec("keys.db", "").with_extension("sqlite");
    let _ = std::fs::remove_file(&db);
    let db = db.to_str().unwrap();
    let create = |subject: &str, extra: &[&str]| {
        let mut args = vec![
            "keys",
            "create",
            "--role",
            "insurer",
            "--subject",
            subject,
            "--database",
            db,
        ];
        args.extend_from_slice(extra);
        let out = succeeded(&args);
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let k1 = create("ins-a", &[]);
    let k2 = create("ins-b", &["--expires", "2030-01-01"]);
    assert!(k1.starts_with("rk_") && k2.starts_with("rk_"));
    let list = || {
        let out = succeeded(&["keys", "list", "--database", db]);
        String::from_utf8(out.stdout).unwrap()
    };
    let table = list();
    assert!(
        !table.contains("rk_") && !table.contains(&k1[3..]),
        "{table}"
    );
    let header = table.lines().next().unwrap();
    for col in ["id", "role", "subject", "created", "expires", "revoked"] {
        assert!(header.contains(col), "{header}");
    }
    let row_b = table.lines().find(|l| l.contains("ins-b")).unwrap();
    assert!(row_b.contains("2030-01-01"), "{row_b}");
    // Revoke by id (the first column) and by subject.
    let id_b = row_b.split_whitespace().next().unwrap().to_string();
    succeeded(&["keys", "revoke", "--id", &id_b, "--database", db]);
    succeeded(&["keys", "revoke", "--subject", "ins-a", "--database", db]);
    let table = list();
    for l in table.lines().skip(1) {
        assert!(!l.trim_end().ends_with('-'), "not revoked: {l}");
    }
    // Nothing left to revoke, neither id nor subject, and a bad expiry: bad input.
    rejected(
        &["keys", "revoke", "--id", &id_b, "--database", db],
        "no active key",
    );
    rejected(
        &["keys", "revoke", "--subject", "nobody", "--database", db],
        "no active key",
    );
    rejected(
        &[
            "keys",
            "create",
            "--role",
            "firm",
            "--expires",
            "9999-12-31",
            "--database",
            db,
        ],
        "--expires",
    );
}

/// Policy ids a spreadsheet would read as formulas (`=`, `+`, `-`, `@`) or that hold control
/// characters were echoed into reports and exports: now refused at input, naming row and column.
#[test]
fn formula_policy_ids_are_refused() {
    for (name, id) in [
        ("eq", "=HYPERLINK(\"x\")"),
        ("plus", "+1"),
        ("minus", "-2+3"),
        ("at", "@SUM(A1)"),
    ] {
        for body in [
            format!(
                "policy_id,industry,annual_revenue,currency\nA,retail,1e9,JPY\n{id},retail,1e9,JPY\n"
            ),
            format!(
                "policy_id,frequency_mean,severity_median,severity_sigma\nA,0.1,1000,1\n{id},0.1,1000,1\n"
            ),
        ] {
            let path = temp_spec(&format!("formula-{name}.csv"), &body.replace("\"x\"", "x"));
            rejected(
                &["portfolio", path.to_str().unwrap(), "--trials", "100"],
                "row 2, column policy_id",
            );
        }
    }
}

/// `--model` takes a version as well as a file (contract §9): `1.0.0` from any working
/// directory (the built-in model when no `models/` folder is there) prices like the model file,
/// and an unknown version is a named input error.
#[test]
fn score_model_by_version() {
    let p = root().join("data/profiles/retailer-pci.json");
    let p = p.to_str().unwrap();
    let args = ["score", p, "--trials", "2000", "--seed", "3", "--model"];
    let file = root().join("models/jp-cyber-1.0.0.toml");
    let by_file = risk(&[&args[..], &[file.to_str().unwrap()]].concat());
    let empty = tempfile::tempdir().unwrap();
    let elsewhere = Command::new(env!("CARGO_BIN_EXE_risk"))
        .args([&args[..], &["1.0.0"]].concat())
        .current_dir(empty.path())
        .output()
        .expect("run risk");
    let strip = |o: &Output| {
        let mut v = json(o);
        v.as_object_mut().unwrap().remove("id");
        v
    };
    assert_eq!(strip(&elsewhere), strip(&by_file));
    assert_eq!(
        strip(&risk(&[&args[..], &["1.0.0"]].concat())),
        strip(&by_file)
    );
    rejected(&[&args[..], &["9.9.9"]].concat(), "--model");
}

/// OED v4 cyber account files (contract §14): the shipped example imports as CSV and as Parquet
/// (same report), layers and participation apply, and every bad cell names its row and OED
/// column; a file of neither form says which columns it lacks.
#[test]
fn oed_account_files_import() {
    use polars::prelude::*;
    let example = "data/oed-cyber-account-example.csv";
    let args = |f: &str| json(&risk(&["portfolio", f, "--trials", "3000", "--seed", "2"]));
    let r = args(example);
    assert_eq!(r["policies"], 6);
    assert!(r["mean"].as_f64().unwrap() > 0.0);
    let ids: Vec<&str> = r["top_contributors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["policy_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"A001/POL001"), "{ids:?}");

    let dir = temp_spec("x", "").parent().unwrap().to_path_buf();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(example);
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(source.clone()))
        .unwrap()
        .finish()
        .unwrap();
    let pq = dir.join("oed.parquet");
    ParquetWriter::new(std::fs::File::create(&pq).unwrap())
        .finish(&mut df)
        .unwrap();
    let p = args(pq.to_str().unwrap());
    assert_eq!(p["mean"], r["mean"]);
    assert_eq!(p["tvar"], r["tvar"]);

    let text = std::fs::read_to_string(&source).unwrap();
    let header = text.lines().next().unwrap();
    let row1 = text.lines().nth(1).unwrap();
    let with_row = |name: &str, row: String| {
        let path = dir.join(format!("oed-{name}.csv"));
        std::fs::write(&path, format!("{header}\n{row1}\n{row}\n")).unwrap();
        path
    };
    let cases = [
        (
            "revenue",
            row1.replace(",5000000000,JPY,", ",lots,JPY,"),
            "row 2, column AnnualRevenue",
        ),
        (
            "industry",
            row1.replace(",NAICS,332710,", ",NAICS,999999,"),
            "row 2, column IndustryCode1",
        ),
        (
            "scheme",
            row1.replace(",NAICS,332710,", ",ISIC,2592,"),
            "row 2, column IndustryScheme1",
        ),
        (
            "participation",
            row1.replace(",CC1,1,", ",CC1,1.5,"),
            "row 2, column LayerParticipation",
        ),
        (
            "currency",
            row1.replace(",5000000000,JPY,", ",5000000000,USD,"),
            "row 2, column AnnualRevenueCurrency",
        ),
        (
            "maturity",
            row1.replace(",3,3,2,2,3,2,aws", ",3,3,9,2,3,2,aws"),
            "row 2, column FlexiAccProtect",
        ),
        (
            "employees",
            row1.replace(",320,20000,", ",3.5,20000,"),
            "row 2, column NumberOfEmployees",
        ),
        (
            "cert",
            row1.replace("iso27001:active", "iso27001"),
            "row 2, column FlexiAccCertifications",
        ),
        (
            "ded",
            row1.replace(",JPY,1000000,Example", ",JPY,-5,Example"),
            "row 2, column PolDed",
        ),
    ];
    for (name, row, want) in cases {
        let path = with_row(name, row);
        rejected(&["portfolio", path.to_str().unwrap()], want);
    }
    let no_ded = dir.join("oed-no-ded.csv");
    std::fs::write(&no_ded, text.replace(",PolDed,", ",Deductible,")).unwrap();
    rejected(&["portfolio", no_ded.to_str().unwrap()], "lacks: PolDed");
    let neither = dir.join("neither.csv");
    std::fs::write(&neither, "id,revenue\nA,1\n").unwrap();
    rejected(
        &["portfolio", neither.to_str().unwrap()],
        "nor an OED account file (lacks PortNumber, AccNumber, PolNumber, AccCurrency)",
    );
}

/// `risk exhibits` writes the rating plan's tables, and they are the pricing: three baseline
/// firms' charged premiums are the products of their table entries, and the limit table's
/// premiums are what `risk quote` answers for those options.
#[test]
fn exhibits_reproduce_premiums_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    succeeded(&["exhibits", "--out", out, "--trials", "4000", "--seed", "3"]);
    for t in [
        "base_rates",
        "limit_factors",
        "deductible_credits",
        "schedule",
        "section_shares",
        "rules",
    ] {
        for ext in ["csv", "parquet"] {
            assert!(dir.path().join(format!("{t}.{ext}")).is_file(), "{t}.{ext}");
        }
    }
    let table = |name: &str| -> Vec<std::collections::BTreeMap<String, String>> {
        let text = std::fs::read_to_string(dir.path().join(format!("{name}.csv"))).unwrap();
        let mut lines = text.lines();
        let head: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        lines
            .map(|l| {
                head.iter()
                    .cloned()
                    .zip(l.split(',').map(String::from))
                    .collect()
            })
            .collect()
    };
    let num = |row: &std::collections::BTreeMap<String, String>, k: &str| -> f64 {
        row[k].parse().unwrap_or_else(|_| panic!("{k}: {}", row[k]))
    };
    let schedule = table("schedule");
    let minimum = num(
        schedule
            .iter()
            .find(|r| r["parameter"] == "minimum_premium")
            .unwrap(),
        "value",
    );
    let base = table("base_rates");
    assert_eq!(base.len(), 12 * 10);
    let mut checked = 0;
    for (industry, revenue) in [("manufacturing", 1e7), ("healthcare", 5e8), ("retail", 5e7)] {
        let row = base
            .iter()
            .find(|r| r["industry"] == industry && num(r, "revenue") == revenue)
            .unwrap();
        let by_hand = (num(row, "base")
            * num(row, "industry_factor")
            * num(row, "revenue_factor")
            * num(row, "layer_factor"))
        .max(minimum);
        let profile = dir.path().join(format!("{industry}.json"));
        std::fs::write(
            &profile,
            format!(
                r#"{{"firm": {{"name": "exhibit", "industry": "{industry}", "annual_revenue": {revenue},
                    "currency": "USD"}}, "as_of": "2026-11-02"}}"#
            ),
        )
        .unwrap();
        let a = json(&risk(&[
            "score",
            profile.to_str().unwrap(),
            "--trials",
            "4000",
            "--seed",
            "3",
        ]));
        let charged = a["premium"]["charged"].as_f64().unwrap();
        assert!(
            (charged - by_hand).abs() <= 1e-9 * by_hand,
            "{industry}: {charged} vs {by_hand}"
        );
        assert_eq!(
            a["premium"]["technical"].as_f64().unwrap(),
            num(row, "technical")
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
    // The limit table at USD 100M revenue: `risk quote` of the same options gives its premiums.
    let limits = table("limit_factors");
    let rows: Vec<_> = limits.iter().filter(|r| num(r, "revenue") == 1e8).collect();
    let options: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                r#"{{"deductible": {}, "occurrence_limit": {l}, "aggregate_limit": {l}}}"#,
                num(r, "deductible"),
                l = num(r, "limit")
            )
        })
        .collect();
    let opts = dir.path().join("options.json");
    std::fs::write(&opts, format!("[{}]", options.join(","))).unwrap();
    let profile = dir.path().join("other.json");
    std::fs::write(
        &profile,
        r#"{"firm": {"name": "exhibit", "industry": "other", "annual_revenue": 100000000,
            "currency": "USD"}, "as_of": "2026-11-02"}"#,
    )
    .unwrap();
    let q = json(&risk(&[
        "quote",
        profile.to_str().unwrap(),
        "--options",
        opts.to_str().unwrap(),
        "--trials",
        "4000",
        "--seed",
        "3",
    ]));
    let mut last = 0.0;
    for (i, r) in rows.iter().enumerate() {
        let t = q["options"][i]["premium"]["technical"].as_f64().unwrap();
        assert_eq!(t, num(r, "technical"), "limit {}", r["limit"]);
        assert!(num(r, "factor") >= last, "increased-limit factors rise");
        last = num(r, "factor");
    }
}

/// `risk questionnaire` (contract §12): the questionnaire without answers, the profile and its
/// mapping with them (a profile `risk score` takes), and exit 2 naming an unknown item or name.
#[test]
fn questionnaire_answers_become_a_scored_profile() {
    let q = json(&risk(&["questionnaire", "supply_chain_4"]));
    assert_eq!(q["items"].as_array().unwrap().len(), 44);
    assert_eq!(q["rung"], "supply_chain_4");
    let r = json(&risk(&[
        "questionnaire",
        "security_action_self_check",
        "data/questionnaire-answers.json",
    ]));
    assert_eq!(r["profile"]["controls"]["ir_plan"], "documented");
    assert!(r["mapping"].as_array().unwrap().len() >= 5);
    let profile = temp_spec("questionnaire-profile.json", &r["profile"].to_string());
    let s = json(&risk(&[
        "score",
        profile.to_str().unwrap(),
        "--trials",
        "2000",
    ]));
    assert!(s["score"]["value"].as_f64().is_some());

    let bad = std::fs::read_to_string(root().join("data/questionnaire-answers.json"))
        .unwrap()
        .replace("\"q5\": \"no\"", "\"q5\": \"never\"");
    let bad = temp_spec("questionnaire-bad.json", &bad);
    let stderr = rejected(
        &[
            "questionnaire",
            "security_action_self_check",
            bad.to_str().unwrap(),
        ],
        "answers.q5: unknown choice",
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    rejected(&["questionnaire", "iso9001"], "name: unknown questionnaire");
}

/// OED's `PatchPolicy` and `BackUpFreq` become the key controls `patch_critical_days` and
/// `offline_backups`: a book that never patches or backs up costs more than one that does it
/// daily, an unknown code (0) changes nothing, and a code outside 0-6 names its row and column.
#[test]
fn oed_patch_and_backup_codes_set_key_controls() {
    let source = root().join("data/oed-cyber-account-example.csv");
    let text = std::fs::read_to_string(&source).unwrap();
    let mut lines = text.lines();
    let header = format!("{},PatchPolicy,BackUpFreq", lines.next().unwrap());
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let dir = tempfile::tempdir().unwrap();
    let book = |name: &str, patch: &str, backup: &str| {
        let path = dir.path().join(format!("{name}.csv"));
        let body: Vec<String> = rows
            .iter()
            .map(|r| format!("{r},{patch},{backup}"))
            .collect();
        std::fs::write(&path, format!("{header}\n{}\n", body.join("\n"))).unwrap();
        path
    };
    let mean = |path: &Path| {
        json(&risk(&[
            "portfolio",
            path.to_str().unwrap(),
            "--trials",
            "3000",
            "--seed",
            "2",
        ]))["mean"]
            .as_f64()
            .unwrap()
    };
    let never = mean(&book("never", "1", "1"));
    let daily = mean(&book("daily", "2", "2"));
    let unknown = mean(&book("unknown", "0", "0"));
    let plain = json(&risk(&[
        "portfolio",
        source.to_str().unwrap(),
        "--trials",
        "3000",
        "--seed",
        "2",
    ]))["mean"]
        .as_f64()
        .unwrap();
    assert!(never > daily, "never {never} vs daily {daily}");
    assert_eq!(unknown, plain);
    let bad = book("bad", "9", "2");
    let out = risk(&["portfolio", bad.to_str().unwrap(), "--trials", "100"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 1, column PatchPolicy"), "{err}");
}

/// OED section sublimits and sub-deductibles (`PolLimitEXT`, `PolDedFIN`, …) become the cover's
/// section sublimits and retentions: a tight extortion sublimit lowers the book's loss; an E&O
/// limit (not modelled) and a negative sublimit name their row and column.
#[test]
fn oed_section_limits_become_the_cover() {
    let source = root().join("data/oed-cyber-account-example.csv");
    let text = std::fs::read_to_string(&source).unwrap();
    let mut lines = text.lines();
    let header = format!(
        "{},PolLimitEXT,PolLimitNPBI,PolLimitCBI,PolDedFIN,PolLimitENO",
        lines.next().unwrap()
    );
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let dir = tempfile::tempdir().unwrap();
    let book = |name: &str, extra: &str| {
        let path = dir.path().join(format!("{name}.csv"));
        let body: Vec<String> = rows.iter().map(|r| format!("{r},{extra}")).collect();
        std::fs::write(&path, format!("{header}\n{}\n", body.join("\n"))).unwrap();
        path
    };
    let mean = |path: &Path| {
        let out = risk(&[
            "portfolio",
            path.to_str().unwrap(),
            "--trials",
            "3000",
            "--seed",
            "2",
        ]);
        json(&out)["mean"].as_f64().unwrap()
    };
    let none = mean(&book("none", ",,,,"));
    let plain = mean(&source);
    assert_eq!(none, plain, "empty section columns change nothing");
    let tight = mean(&book("tight", "1,1,1,100000000,0"));
    assert!(tight < none, "tight sublimits {tight} vs none {none}");
    for (name, extra, want) in [
        ("eno", ",,,,5000", "row 1, column PolLimitENO"),
        ("negative", "-1,,,,", "row 1, column PolLimitEXT"),
    ] {
        let out = risk(&[
            "portfolio",
            book(name, extra).to_str().unwrap(),
            "--trials",
            "100",
        ]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{name}: {err}");
    }
}

/// A file with every column of the OED repository's cyber account example
/// (`Examples/cyber_account.csv`, 98 columns: the same header, its sublimits, sub-deductibles, layer and
/// BI waiting period; the revenue the example leaves empty filled in) imports, and its section
/// terms and waiting period reach the cover.
#[test]
fn oed_file_with_the_standards_example_columns_imports() {
    let file = root().join("data/oed-cyber-account-all-columns.csv");
    let header = std::fs::read_to_string(&file).unwrap();
    let cols = header.lines().next().unwrap().split(',').count();
    assert_eq!(cols, 98, "the example has 98 columns");
    let r = json(&risk(&[
        "portfolio",
        file.to_str().unwrap(),
        "--trials",
        "5000",
        "--seed",
        "4",
    ]));
    assert_eq!(r["policies"], 1);
    assert!(r["mean"].as_f64().unwrap() > 0.0);
    // A waiting period beyond 30 days is named by its OED column.
    let text = header.replace(",0.5,365,", ",45,365,");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, text).unwrap();
    let out = risk(&["portfolio", bad.to_str().unwrap(), "--trials", "100"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("column BIWaitingPeriod"), "{err}");
}

/// Issue #17: `risk score --registry FILE` verifies what a registry export holds for the
/// profile's `firm.id` (full credit, lower premium); another holder's certificate, or no
/// registry, leaves it declared; a bad export names the field.
#[test]
fn score_with_a_registry_export_verifies_certificates() {
    let mut p: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("data/profiles/manufacturer-ot-iso27001.json"))
            .unwrap(),
    )
    .unwrap();
    p["firm"]["id"] = "firm-a".into();
    p["certifications"][0]["certificate_id"] = "JQA-IM1001".into();
    let profile = temp_spec("registry-profile.json", &p.to_string());
    let entry = |holder: &str| {
        serde_json::json!({"scheme": "iso27001", "certificate_id": "JQA-IM1001",
            "holder": holder, "certifier": "cb-jqa", "status": "active",
            "effective": "2024-04-01", "issued": "2024-04-01", "expires": "2027-03-31",
            "scope_share": 1.0, "registered_at": "2026-12-06T00:00:00Z"})
    };
    let own = temp_spec(
        "registry-own.json",
        &serde_json::json!({"items": [entry("firm-a")], "next": null}).to_string(),
    );
    let other = temp_spec(
        "registry-other.json",
        &serde_json::json!([entry("firm-b")]).to_string(),
    );
    let score = |extra: &[&str]| {
        let mut args = vec!["score", profile.to_str().unwrap(), "--trials", "3000"];
        args.extend_from_slice(extra);
        let out = risk(&args);
        json(&out)
    };
    let declared = score(&[]);
    let verified = score(&["--registry", own.to_str().unwrap()]);
    let not_theirs = score(&["--registry", other.to_str().unwrap()]);
    let c = |r: &serde_json::Value| r["certifications"][0].clone();
    assert_eq!(c(&declared)["verified"], false);
    assert_eq!(c(&verified)["verified"], true);
    assert_eq!(c(&verified)["credit_share"], 1.0);
    assert_eq!(c(&not_theirs)["verified"], false);
    let technical = |r: &serde_json::Value| r["premium"]["technical"].as_f64().unwrap();
    assert!(technical(&verified) < technical(&declared));
    assert_eq!(technical(&not_theirs), technical(&declared));
    let mut bad = entry("firm-a");
    bad["status"] = "lapsed".into();
    let bad = temp_spec("registry-bad.json", &serde_json::json!([bad]).to_string());
    rejected(
        &[
            "score",
            profile.to_str().unwrap(),
            "--registry",
            bad.to_str().unwrap(),
        ],
        "registry[0].status",
    );
}

/// Suppliers in an OED book (contract §16, `FlexiAccSuppliers`), described by `--suppliers`:
/// each is a common shock, the report lists them by tail share, and shards merge to the whole
/// run exactly (each supplier's years come from the seed and its id, the same in every shard).
#[test]
fn oed_suppliers_are_common_shocks_and_shard_exactly() {
    let dir = temp_spec("x", "").parent().unwrap().to_path_buf();
    let source = root().join("data/oed-cyber-account-example.csv");
    let text = std::fs::read_to_string(&source).unwrap();
    let mut lines = text.lines();
    let mut csv = format!("{},FlexiAccSuppliers\n", lines.next().unwrap());
    for (i, row) in lines.enumerate() {
        csv += &format!("{row},acme-msp;parts-{i}\n");
    }
    let book = dir.join("oed-suppliers.csv");
    std::fs::write(&book, csv).unwrap();
    let suppliers = dir.join("suppliers.json");
    std::fs::write(
        &suppliers,
        r#"[{"name": "Acme MSP", "id": "acme-msp", "role": "it_service", "critical": true,
             "certifications": [{"scheme": "supply_chain_3", "status": "active", "issued": "2026-06-01"}]}]"#,
    )
    .unwrap();
    let (b, s) = (book.to_str().unwrap(), suppliers.to_str().unwrap());
    let run = |extra: &[&str]| {
        let base = [
            "portfolio",
            b,
            "--suppliers",
            s,
            "--trials",
            "20000",
            "--seed",
            "9",
        ];
        json(&risk(&[&base[..], extra].concat()))
    };
    let r = run(&[]);
    let names: Vec<&str> = r["shocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .filter(|n| n.starts_with("supplier:"))
        .collect();
    assert_eq!(names[0], "supplier:acme-msp");
    assert_eq!(names.len(), 7, "{names:?}");
    let listed = r["suppliers"].as_array().unwrap();
    assert_eq!(listed.len(), 7);
    assert!(
        listed
            .iter()
            .all(|s| s["tvar_share"].as_f64().unwrap() >= 0.0)
    );

    let mut parts = Vec::new();
    for i in 0..2 {
        let out = dir.join(format!("oed-suppliers-{i}.parquet"));
        run(&["--shard", &format!("{i}/2"), "--out", out.to_str().unwrap()]);
        parts.push(out.to_str().unwrap().to_string());
    }
    let args: Vec<&str> = ["portfolio-merge"]
        .into_iter()
        .chain(parts.iter().map(String::as_str))
        .collect();
    let m = json(&risk(&args));
    for k in ["mean", "var", "tvar", "shocks", "aep", "oep"] {
        assert_eq!(m[k], r[k], "{k}");
    }

    std::fs::write(
        &suppliers,
        r#"[{"name": "A", "id": "acme-msp", "role": "cleaning"}]"#,
    )
    .unwrap();
    rejected(&["portfolio", b, "--suppliers", s], "suppliers[0].role");
    std::fs::write(&suppliers, r#"[{"name": "A", "role": "other"}]"#).unwrap();
    rejected(&["portfolio", b, "--suppliers", s], "suppliers[0].id");
}
