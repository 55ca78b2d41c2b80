//! Underwriting (contract §10): coverage sections, quote options on common random numbers, the
//! charged premium and the decision, held to their properties on the sample firms.

use risk_core::engine::exact::{ExactOptions, compute};
use risk_core::model::LossModel;
use risk_core::params::{DEFAULT_MODEL, MODEL_1_0_0, MODEL_1_5_0, ModelParams};
use risk_core::pricing::{DecisionStatus, Premium, assess, quote};
use risk_core::profile::{Coverage, FirmProfile, ProfileError, parse_options};
use risk_core::score::score;
use risk_core::vocab::Section;
use time::macros::date;

const TRIALS: u64 = 20_000;
const SEED: u64 = 7;

fn params() -> ModelParams {
    ModelParams::parse(DEFAULT_MODEL).unwrap()
}

fn sample(name: &str, params: &ModelParams) -> FirmProfile {
    let path = format!(
        "{}/../data/profiles/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    FirmProfile::parse(&text, params, date!(2026 - 12 - 01)).unwrap()
}

fn options(profile: &FirmProfile, params: &ModelParams, json: &str) -> Vec<Coverage> {
    parse_options(json, profile, params).unwrap()
}

/// Two premiums of the same years agree: a quote reads an option's statistics from its years with
/// a loss only, an assessment from every year, so sums differ in rounding only.
fn assert_same_premium(a: &Premium, b: &Premium, what: &str) {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs());
    for (name, x, y) in [
        ("pure", a.pure, b.pure),
        ("technical", a.technical, b.technical),
        ("charged", a.charged, b.charged),
        ("capital_tvar", a.capital_tvar, b.capital_tvar),
        (
            "technical_std_error",
            a.technical_std_error,
            b.technical_std_error,
        ),
    ] {
        assert!(close(x, y), "{what}: {name} {x} vs {y}");
    }
    assert_eq!(a.minimum_applied, b.minimum_applied, "{what}");
}

const SAMPLES: [&str; 5] = [
    "hospital-no-certification",
    "manufacturer-ot-iso27001",
    "sme-retail-security-action-1",
    "bank-27001-pci-soc2",
    "retailer-pci",
];

#[test]
fn an_option_is_priced_as_the_assessment_of_its_coverage() {
    let p = params();
    for name in SAMPLES {
        let mut firm = sample(name, &p);
        let opts = options(
            &firm,
            &p,
            r#"[{"occurrence_limit": 1000000, "aggregate_limit": 1000000},
                {"occurrence_limit": 2000000, "aggregate_limit": 2000000, "waiting_period_hours": 12,
                 "sublimits": {"social_engineering": 250000}, "coinsurance": {"extortion": 0.8}},
                {"deductible": 0, "occurrence_limit": 5000000, "aggregate_limit": 5000000,
                 "waiting_period_hours": 0}]"#,
        );
        let all = quote(&firm, &opts, &p, TRIALS, SEED).unwrap();
        for (i, o) in opts.iter().enumerate() {
            let one = quote(&firm, std::slice::from_ref(o), &p, TRIALS, SEED).unwrap();
            assert_eq!(
                one.options[0].premium, all.options[i].premium,
                "{name} option {i}"
            );
            firm.coverage = *o;
            let a = assess(&firm, &p, TRIALS, SEED);
            assert_same_premium(
                &a.premium,
                &all.options[i].premium,
                &format!("{name} option {i}"),
            );
        }
        assert_eq!(all.decision, assess(&firm, &p, 1_000, 1).decision);
    }
}

#[test]
fn plain_terms_price_as_model_1_0_0_did() {
    // Model 1.0.0 has no sections: the quote's plain cover must give the old path's bits.
    let p = ModelParams::parse(MODEL_1_0_0).unwrap();
    for name in SAMPLES {
        let firm = sample(name, &p);
        let q = quote(&firm, &[firm.coverage], &p, TRIALS, SEED).unwrap();
        let a = assess(&firm, &p, TRIALS, SEED);
        assert_same_premium(&q.options[0].premium, &a.premium, name);
        assert!(!a.premium.minimum_applied && a.premium.minimum_premium == 0.0);
    }
    // And 1.5.0 (named: its loss model is 1.0.0's) with the waiting period set to zero and no
    // section terms is 1.0.0's price.
    let new = ModelParams::parse(MODEL_1_5_0).unwrap();
    let firm = sample("hospital-no-certification", &new);
    let plain = options(&firm, &new, r#"[{"waiting_period_hours": 0}]"#);
    let q = quote(&firm, &plain, &new, TRIALS, SEED).unwrap();
    let mut old_firm = sample("hospital-no-certification", &p);
    old_firm.coverage = plain[0];
    let old = assess(&old_firm, &p, TRIALS, SEED);
    assert_same_premium(&q.options[0].premium, &old.premium, "1.5.0 plain vs 1.0.0");
}

/// Technical premiums of the options, in order.
fn technical(firm: &FirmProfile, p: &ModelParams, json: &str) -> Vec<(f64, f64)> {
    let opts = options(firm, p, json);
    quote(firm, &opts, p, TRIALS, SEED)
        .unwrap()
        .options
        .iter()
        .map(|o| (o.premium.technical, o.premium.pure))
        .collect()
}

fn assert_monotone(v: &[(f64, f64)], up: bool, what: &str) {
    for w in v.windows(2) {
        let ok = if up {
            w[1].0 >= w[0].0 && w[1].1 >= w[0].1
        } else {
            w[1].0 <= w[0].0 && w[1].1 <= w[0].1
        };
        assert!(ok, "{what}: {v:?}");
    }
    assert!(v.first() != v.last(), "{what} moved nothing: {v:?}");
}

#[test]
fn premiums_move_the_right_way_with_every_term() {
    let p = params();
    for name in SAMPLES {
        let firm = sample(name, &p);
        let rev = firm.annual_revenue;
        let limits: Vec<f64> = [0.002, 0.005, 0.01, 0.02, 0.05]
            .iter()
            .map(|s| s * rev)
            .collect();
        let by_limit = technical(
            &firm,
            &p,
            &format!(
                "[{}]",
                limits
                    .iter()
                    .map(|l| format!(r#"{{"occurrence_limit": {l}, "aggregate_limit": {l}}}"#))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        assert_monotone(&by_limit, true, &format!("{name}: limit"));
        // Increased-limit factors are concave: each extra unit of limit adds less pure premium.
        for (w, l) in by_limit.windows(3).zip(limits.windows(3)) {
            let first = (w[1].1 - w[0].1) / (l[1] - l[0]);
            let second = (w[2].1 - w[1].1) / (l[2] - l[1]);
            assert!(
                second <= first * (1.0 + 1e-12),
                "{name}: not concave {by_limit:?}"
            );
        }
        let list = |f: &dyn Fn(f64) -> String, xs: &[f64]| {
            format!(
                "[{}]",
                xs.iter().map(|x| f(*x)).collect::<Vec<_>>().join(",")
            )
        };
        let l = 0.02 * rev;
        let sub = technical(
            &firm,
            &p,
            &list(
                &|s| {
                    format!(
                        r#"{{"occurrence_limit": {l}, "aggregate_limit": {l}, "sublimits": {{"business_interruption": {}, "social_engineering": {}}}}}"#,
                        s * l,
                        s * l
                    )
                },
                &[0.01, 0.05, 0.2, 1.0],
            ),
        );
        assert_monotone(&sub, true, &format!("{name}: sublimit"));
        let ded = technical(
            &firm,
            &p,
            &list(
                &|d| format!(r#"{{"deductible": {}, "occurrence_limit": {l}}}"#, d * rev),
                &[0.0, 0.0005, 0.002, 0.01],
            ),
        );
        assert_monotone(&ded, false, &format!("{name}: deductible"));
        let ret = technical(
            &firm,
            &p,
            &list(
                &|r| {
                    format!(
                        r#"{{"occurrence_limit": {l}, "retentions": {{"extortion": {}, "social_engineering": {}}}}}"#,
                        r * rev,
                        r * rev
                    )
                },
                &[0.0, 0.0005, 0.002, 0.01],
            ),
        );
        assert_monotone(&ret, false, &format!("{name}: retention"));
        let wait = technical(
            &firm,
            &p,
            &list(
                &|h| format!(r#"{{"occurrence_limit": {l}, "waiting_period_hours": {h}}}"#),
                &[0.0, 8.0, 24.0, 168.0],
            ),
        );
        assert_monotone(&wait, false, &format!("{name}: waiting period"));
        let coins = technical(
            &firm,
            &p,
            &list(
                &|c| {
                    format!(
                        r#"{{"occurrence_limit": {l}, "coinsurance": {{"extortion": {c}, "business_interruption": {c}}}}}"#
                    )
                },
                &[1.0, 0.8, 0.5, 0.0],
            ),
        );
        assert_monotone(
            &coins,
            false,
            &format!("{name}: insured's coinsurance share"),
        );
    }
}

#[test]
fn charged_premium_is_bounded_around_the_plan_or_the_minimum() {
    let p = params();
    let b = p.pricing.schedule_bound;
    let minimum = p.underwriting.as_ref().unwrap().minimum_premium;
    let mut seen_minimum = false;
    let mut seen_bound = false;
    for entry in
        std::fs::read_dir(format!("{}/../data/profiles", env!("CARGO_MANIFEST_DIR"))).unwrap()
    {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let firm = FirmProfile::parse(&text, &p, date!(2026 - 12 - 01)).unwrap();
        let a = assess(&firm, &p, 5_000, SEED);
        let pr = &a.premium;
        let plan = pr.rating_plan.unscheduled_premium;
        let rate = p.rate(&firm.currency).unwrap();
        assert_eq!(pr.minimum_premium, minimum * rate);
        if pr.minimum_applied {
            seen_minimum = true;
            assert_eq!(pr.charged, minimum * rate, "{path:?}");
            assert!(plan * (1.0 - b) < pr.charged * (1.0 + 1e-12), "{path:?}");
        } else {
            assert!(pr.charged >= plan * (1.0 - b) * (1.0 - 1e-12), "{path:?}");
            assert!(pr.charged <= plan * (1.0 + b) * (1.0 + 1e-12), "{path:?}");
        }
        if (pr.rating_plan.schedule_modifier.abs() - b) > 0.0 {
            seen_bound = true;
            assert_ne!(pr.charged, pr.technical, "{path:?}: the bound must bite");
        }
        assert!((pr.adequacy - pr.technical / pr.charged).abs() < 1e-12);
    }
    assert!(
        seen_bound,
        "no sample firm has a schedule modifier beyond the bound"
    );
    let _ = seen_minimum;
}

/// The charged premium rises with the firm's risk, also beyond the schedule bound: the unprotected
/// hospital made better one control at a time (same class, cover, seed and trials) never pays
/// more, and each of the sample firms' charged premium = the class's technical premium ×
/// (1 + bounded schedule). With the firm's own layer factor (1.5.0's rule), the first three
/// steps under 2.0.0's loss model made the charged premium rise from ¥849K to ¥1.13M while the
/// technical premium fell from ¥3.26M to ¥1.46M (20,000 years, seed 1).
#[test]
fn the_charged_premium_rises_with_the_risk_beyond_the_schedule_bound() {
    let p = params();
    let b = p.pricing.schedule_bound;
    let mut firm = sample("hospital-no-certification", &p);
    let steps: [(&str, &str); 5] = [
        ("exposed_rdp", r#""exposed_rdp": false"#),
        ("eol_software", r#""eol_software": false"#),
        ("mfa", r#""mfa": "full""#),
        ("edr", r#""edr": true"#),
        ("ir_plan", r#""ir_plan": "tested""#),
    ];
    let first = assess(&firm, &p, TRIALS, SEED);
    let class = first
        .class_technical
        .expect("the hospital is not at the baseline");
    assert!(
        first.premium.rating_plan.schedule_modifier > b,
        "the bound bites"
    );
    let mut last = first.premium.clone();
    let mut text = std::fs::read_to_string(format!(
        "{}/../data/profiles/hospital-no-certification.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for (control, better) in steps {
        let key = format!(r#""{control}":"#);
        let at = text.find(&key).unwrap();
        let end = at + text[at..].find([',', '\n']).unwrap();
        text.replace_range(at..end, better);
        firm = FirmProfile::parse(&text, &p, date!(2026 - 12 - 01)).unwrap();
        let a = assess(&firm, &p, TRIALS, SEED);
        let pr = &a.premium;
        assert!(pr.technical <= last.technical, "{control}: technical rose");
        assert!(
            pr.charged <= last.charged,
            "{control}: charged rose from {} to {} as the risk fell",
            last.charged,
            pr.charged
        );
        // The class is the same firm at the baseline answers: its technical premium is the
        // unscheduled premium, whatever the firm's answers.
        assert_eq!(a.class_technical, Some(class), "{control}");
        let rel = (pr.rating_plan.unscheduled_premium - class).abs() / class;
        assert!(rel < 1e-12, "{control}: unscheduled {rel}");
        last = pr.clone();
    }
    assert!(last.charged < first.premium.charged);

    // 1.5.0 keeps its own-ratio layer factor (its stored results reproduce): the same firm's
    // charged premium there is technical × (1 + bound) ÷ relative risk.
    let old = ModelParams::parse(MODEL_1_5_0).unwrap();
    let hospital = sample("hospital-no-certification", &old);
    let a = assess(&hospital, &old, 5_000, SEED);
    assert_eq!(a.class_technical, None);
    let rr = a.score.relative_risk;
    let want = a.premium.technical * (1.0 + b) / rr;
    assert!((a.premium.charged - want).abs() < 1e-6 * want, "1.5.0");
}

/// A quote option's charged premium is the assessment's of that cover under the class layer
/// factor too (the class simulated once for every option).
#[test]
fn quote_options_read_the_class_of_each_cover() {
    let p = params();
    let firm = sample("hospital-no-certification", &p);
    let opts = options(
        &firm,
        &p,
        r#"[{"deductible": 5000000, "occurrence_limit": 100000000, "aggregate_limit": 100000000},
            {"deductible": 5000000, "occurrence_limit": 300000000, "aggregate_limit": 300000000}]"#,
    );
    let q = quote(&firm, &opts, &p, TRIALS, SEED).unwrap();
    for (o, c) in q.options.iter().zip(&opts) {
        let mut f = firm.clone();
        f.coverage = *c;
        let a = assess(&f, &p, TRIALS, SEED);
        assert!(a.class_technical.is_some());
        assert_same_premium(&o.premium, &a.premium, "option");
    }
    assert!(q.options[0].premium.charged < q.options[1].premium.charged);
}

#[test]
fn a_small_firm_pays_the_minimum_premium() {
    let p = params();
    let firm = FirmProfile::parse(
        r#"{"firm": {"name": "Tiny", "industry": "professional_services", "annual_revenue": 100000,
            "currency": "USD"}, "controls": {"mfa": "full", "edr": true, "offline_backups": "tested"}}"#,
        &p,
        date!(2026 - 12 - 01),
    )
    .unwrap();
    let a = assess(&firm, &p, TRIALS, SEED);
    assert!(a.premium.technical < 500.0, "{}", a.premium.technical);
    assert!(a.premium.minimum_applied);
    assert_eq!(a.premium.charged, 500.0);
    assert_eq!(a.decision.status, DecisionStatus::Accept);
}

#[test]
fn the_unprotected_hospital_is_declined_and_says_why() {
    let p = params();
    let mut text = std::fs::read_to_string(format!(
        "{}/../data/profiles/hospital-no-certification.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["controls"] = serde_json::json!({"mfa": "none", "exposed_rdp": true, "eol_software": true,
        "edr": false, "offline_backups": "none"});
    text = v.to_string();
    let firm = FirmProfile::parse(&text, &p, date!(2026 - 12 - 01)).unwrap();
    let a = assess(&firm, &p, 2_000, SEED);
    assert_eq!(a.decision.status, DecisionStatus::Decline);
    let codes: Vec<_> = a.decision.reasons.iter().map(|r| r.code.as_str()).collect();
    for c in [
        "exposed_rdp",
        "mfa_missing",
        "eol_software",
        "no_offline_backups",
    ] {
        assert!(codes.contains(&c), "{c} not in {codes:?}");
    }
    // The technical price is still there for the insurer.
    assert!(a.premium.technical > 0.0);
}

#[test]
fn bad_coverage_values_are_named() {
    let p = params();
    let firm = sample("manufacturer-ot-iso27001", &p);
    let err = parse_options(
        r#"[{"occurrence_limit": 1000, "aggregate_limit": 1000, "sublimits": {"extortion": 5000, "ransom": 10},
             "waiting_period_hours": -1, "coinsurance": {"pci": 1.5}, "retentions": {"regulatory": -3}}]"#,
        &firm,
        &p,
    )
    .unwrap_err();
    let ProfileError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    for f in [
        "options[0].sublimits.extortion",
        "options[0].sublimits.ransom",
        "options[0].waiting_period_hours",
        "options[0].coinsurance.pci",
        "options[0].retentions.regulatory",
    ] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
    assert!(parse_options("[]", &firm, &p).is_err());
    let many = format!("[{}]", vec!["{}"; 21].join(","));
    assert!(parse_options(&many, &firm, &p).is_err());
    // Model 1.0.0 has no sections: asking for them is an error, not a silent plain price.
    let old = ModelParams::parse(MODEL_1_0_0).unwrap();
    let firm = sample("manufacturer-ot-iso27001", &old);
    assert!(parse_options(r#"[{"sublimits": {"extortion": 10}}]"#, &firm, &old).is_err());
}

#[test]
fn the_exact_method_refuses_sections_it_cannot_carry() {
    let p = params();
    let firm = sample("manufacturer-ot-iso27001", &p);
    let s = score(&firm, &p);
    let model = LossModel::from_profile(&firm, &s, &p);
    assert!(
        model.cover().is_some(),
        "the default waiting period makes a cover"
    );
    let err = compute(&model, &[0.99], &[], &ExactOptions::default()).unwrap_err();
    assert!(err.to_string().contains("coverage sections"), "{err}");
    assert_eq!(Section::ALL.len(), 8);
}

/// A firm in a portfolio is priced under the same cover as its own assessment: one policy's
/// mean insured loss in a book without shocks agrees with the assessment's within their errors
/// (different streams), with the waiting period and coinsurance applied in both.
#[test]
fn a_portfolio_prices_a_firm_under_its_cover() {
    let p = params();
    let mut firm = sample("manufacturer-ot-iso27001", &p);
    for cover in [
        r#"[{"waiting_period_hours": 48, "coinsurance": {"business_interruption": 0.5, "extortion": 0.5}}]"#,
        r#"[{"sublimits": {"business_interruption": 20000000, "extortion": 10000000}, "retentions": {"extortion": 1000000}}]"#,
    ] {
        firm.coverage = options(&firm, &p, cover)[0];
        book_agrees_with_assessment(&firm, &p);
    }
}

fn book_agrees_with_assessment(firm: &FirmProfile, p: &ModelParams) {
    use risk_core::portfolio::{Policy, Portfolio, simulate as book, stats};
    let (firm, p) = (firm.clone(), p.clone());
    let s = score(&firm, &p);
    let model = LossModel::from_profile(&firm, &s, &p);
    assert!(model.cover().is_some());
    let trials = 200_000;
    let a = assess(&firm, &p, trials, SEED);
    let policy = Policy {
        id: "one".into(),
        model: model.clone(),
        dependencies: Vec::new(),
        revenue: firm.annual_revenue,
        share: 1.0,
    };
    let t = book(
        &Portfolio::new(vec![policy], Vec::new()).unwrap(),
        0..1,
        trials,
        SEED + 1,
        &|_| {},
    );
    let b = stats(&t, &[0.99], &[]);
    let am = a.premium.pure;
    let se = (a.premium.pure_std_error.powi(2) + b.mean_std_error.unwrap().powi(2)).sqrt();
    assert!(
        (b.mean - am).abs() < 4.0 * se,
        "book {} vs assessment {am} ± {se}",
        b.mean
    );
    // Without the cover (plain terms) the book would pay more: the cover is what moved it.
    let plain = Policy {
        id: "plain".into(),
        model: model.with_terms(*model.terms()),
        dependencies: Vec::new(),
        revenue: firm.annual_revenue,
        share: 1.0,
    };
    let t2 = book(
        &Portfolio::new(vec![plain], Vec::new()).unwrap(),
        0..1,
        trials,
        SEED + 1,
        &|_| {},
    );
    assert!(stats(&t2, &[0.99], &[]).mean > b.mean);
}
