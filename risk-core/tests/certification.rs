//! The certification pillar in the model (issue: "what would certification save me?"):
//! `obtain:` items, the SME ladder, rungs that do not stack, credit only for what can be dated,
//! and IEC 62443 levels offered only where they are worth something.

use risk_core::params::{DEFAULT_MODEL, MODEL_1_0_0, ModelParams};
use risk_core::pricing::{assess, certification_cost, impact};
use risk_core::profile::{FirmProfile, Registered, Status};
use risk_core::score::{Standing, credit_share, score};
use risk_core::vocab::Scheme;
use serde_json::{Value, json};
use time::macros::date;

const TRIALS: u64 = 20_000;
const SEED: u64 = 11;

fn params() -> ModelParams {
    ModelParams::parse(DEFAULT_MODEL).unwrap()
}

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/../data/profiles/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn parse(v: &Value, p: &ModelParams) -> FirmProfile {
    FirmProfile::parse(&v.to_string(), p, date!(2026 - 12 - 01)).unwrap()
}

fn technical(v: &Value, p: &ModelParams) -> f64 {
    assess(&parse(v, p), p, TRIALS, SEED).premium.technical
}

/// The technical premium with every certificate verified by a registry that records what the
/// profile declared.
fn verified_technical(v: &Value, p: &ModelParams) -> f64 {
    let mut firm = parse(v, p);
    for c in &mut firm.certifications {
        c.verified = true;
    }
    assess(&firm, p, TRIALS, SEED).premium.technical
}

#[test]
fn obtaining_iso27001_saves_the_uncertified_hospital_what_scoring_it_says() {
    let p = params();
    let hospital = sample("hospital-no-certification");
    let firm = parse(&hospital, &p);
    let i = impact(&firm, &p, TRIALS, SEED);
    let item = i
        .items
        .iter()
        .find(|it| it.change == "obtain:iso27001")
        .expect("an uncertified firm is offered ISO 27001");
    assert!(item.delta < 0.0, "{item:?}");
    // The same as scoring the profile with the certificate added, at the same seed.
    let mut with = hospital.clone();
    with["certifications"] = json!([{"scheme": "iso27001", "status": "active",
        "issued": firm.as_of.to_string(), "scope_share": 1.0, "edition": 2022}]);
    with["as_of"] = json!(firm.as_of.to_string());
    assert_eq!(item.premium, verified_technical(&with, &p));
    // Payback: the table's cost over the yearly saving.
    let cost = certification_cost(Scheme::Iso27001, &firm, &p).unwrap();
    let payback = item.payback_years.unwrap();
    assert!((payback - cost / -item.delta).abs() < 1e-9 * payback);
    // Not offered: what the hospital cannot use (OT, UK, card-data and service schemes, add-ons).
    for s in ["iec62443", "cyber_essentials", "iso27017", "soc2_type2"] {
        assert!(
            !i.items.iter().any(|it| it.change == format!("obtain:{s}")),
            "{s}"
        );
    }
}

#[test]
fn the_sme_ladder_is_ordered_and_its_rungs_do_not_stack() {
    let p = params();
    let mut sme = sample("sme-retail-security-action-1");
    sme["certifications"] = json!([]);
    let none = technical(&sme, &p);
    let rungs = [
        "security_action_1",
        "security_action_2",
        "supply_chain_3",
        "supply_chain_4",
        "iso27001",
    ];
    let mut last = none;
    for r in rungs {
        let mut v = sme.clone();
        v["certifications"] = json!([{"scheme": r, "status": "active", "issued": "2026-06-01"}]);
        // The ladder orders what the schemes attest: verified certificates.
        let t = verified_technical(&v, &p);
        assert!(t < last, "{r}: {t} not below {last}");
        last = t;
    }
    // Star 1 and star 2 together price as star 2 alone under 1.5.0; 1.0.0 stacked them.
    let both = json!([{"scheme": "security_action_1", "status": "active", "issued": "2026-06-01"},
                      {"scheme": "security_action_2", "status": "active", "issued": "2026-06-01"}]);
    let two = json!([{"scheme": "security_action_2", "status": "active", "issued": "2026-06-01"}]);
    let (mut a, mut b) = (sme.clone(), sme.clone());
    a["certifications"] = both;
    b["certifications"] = two;
    assert_eq!(technical(&a, &p), technical(&b, &p));
    let old = ModelParams::parse(MODEL_1_0_0).unwrap();
    assert!(technical(&a, &old) < technical(&b, &old));
    // The ladder's next steps are offered as upgrades, lower rungs are not offered at all.
    let firm = parse(&sample("sme-retail-security-action-1"), &p);
    let items: Vec<String> = impact(&firm, &p, 5_000, SEED)
        .items
        .into_iter()
        .map(|i| i.change)
        .collect();
    assert!(
        items.contains(&"upgrade:security_action_1:security_action_2".to_string()),
        "{items:?}"
    );
    assert!(
        items.contains(&"obtain:supply_chain_4".to_string()),
        "{items:?}"
    );
    assert!(
        !items.iter().any(|c| c == "obtain:security_action_1"),
        "{items:?}"
    );
}

#[test]
fn undatable_standing_earns_no_credit() {
    let p = params();
    let old = ModelParams::parse(MODEL_1_0_0).unwrap();
    let mut base = sample("manufacturer-ot-iso27001");
    base["certifications"] = json!([]);
    for cert in [
        json!({"scheme": "iso27001", "status": "suspended", "issued": "2025-01-01"}),
        json!({"scheme": "iso27001", "status": "lapsed", "issued": "2022-01-01"}),
    ] {
        let mut v = base.clone();
        v["certifications"] = json!([cert]);
        assert_eq!(technical(&v, &p), technical(&base, &p), "{cert}");
        // 1.0.0 kept half the credit forever.
        assert!(technical(&v, &old) < technical(&base, &old), "{cert}");
    }
}

#[test]
fn security_levels_are_offered_only_where_they_are_worth_something() {
    let p = params();
    let mut v = sample("chemicals-ot-iec62443");
    let firm = parse(&v, &p);
    let level = firm
        .certifications
        .iter()
        .find(|c| c.scheme == Scheme::Iec62443)
        .and_then(|c| c.security_level)
        .unwrap();
    let offered = |v: &Value| {
        impact(&parse(v, &p), &p, 5_000, SEED)
            .items
            .into_iter()
            .filter(|i| i.change.starts_with("upgrade:iec62443:sl"))
            .collect::<Vec<_>>()
    };
    if level >= 2 {
        assert!(offered(&v).is_empty());
    }
    for c in v["certifications"].as_array_mut().unwrap() {
        if c["scheme"] == "iec62443" {
            c["security_level"] = json!(1);
        }
    }
    let items = offered(&v);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].change, "upgrade:iec62443:sl2");
    assert!(items[0].delta < 0.0);
}

/// Issue #17: a certificate a registry verifies earns its scheme's full effect; a declared one
/// the model's `declared_credit` share, never more; a model without the table (1.0.0) prices
/// both alike.
#[test]
fn verified_certificates_earn_full_credit_and_declared_ones_the_models_share() {
    let p = params();
    let old = ModelParams::parse(MODEL_1_0_0).unwrap();
    assert!(old.certification_rules.declared_credit.is_empty());
    for name in [
        "manufacturer-ot-iso27001",
        "chemicals-ot-iec62443",
        "retailer-pci",
        "sme-retail-security-action-1",
    ] {
        let v = sample(name);
        let (declared, verified) = (technical(&v, &p), verified_technical(&v, &p));
        assert!(verified <= declared, "{name}: {verified} > {declared}");
        assert_eq!(technical(&v, &old), verified_technical(&v, &old), "{name}");
        let firm = parse(&v, &p);
        let s = score(&firm, &p);
        for (c, st) in firm.certifications.iter().zip(&s.standings) {
            let share = p.certification_rules.declared_credit[&c.scheme];
            if *st == Standing::Active {
                assert_eq!(credit_share(c, *st, &p), c.scope_share * share, "{name}");
            }
        }
    }
    // Audited schemes are discounted when declared; SECURITY ACTION (self-declared) is not.
    let v = sample("manufacturer-ot-iso27001");
    assert!(verified_technical(&v, &p) < technical(&v, &p));
    let sa = sample("sme-retail-security-action-1");
    assert_eq!(verified_technical(&sa, &p), technical(&sa, &p));
}

/// The registry's facts replace what the profile declared: a certificate declared active but
/// withdrawn in the registry prices as withdrawn (and above the same firm without it).
#[test]
fn the_registry_wins_over_the_declaration() {
    let p = params();
    let v = sample("manufacturer-ot-iso27001");
    let mut firm = parse(&v, &p);
    let mut none = v.clone();
    none["certifications"] = json!([]);
    let c = &mut firm.certifications[0];
    c.verify(&Registered {
        status: Status::Withdrawn,
        issued: date!(2024 - 04 - 01),
        expires: date!(2027 - 03 - 31),
        scope_share: 0.5,
        security_level: None,
    });
    assert!(c.verified);
    assert_eq!((c.status, c.scope_share), (Status::Withdrawn, 0.5));
    let withdrawn = assess(&firm, &p, TRIALS, SEED).premium.technical;
    assert!(
        withdrawn > technical(&none, &p),
        "a withdrawal is a penalty"
    );
    assert!(withdrawn > technical(&v, &p));
}

#[test]
fn declared_credit_is_a_tagged_share() {
    let bad = DEFAULT_MODEL.replace(
        "iso27017 = { value = 0.7, source = \"[A]",
        "iso27017 = { value = 1.5, source = \"[A]",
    );
    assert_ne!(bad, DEFAULT_MODEL);
    let e = ModelParams::parse(&bad).unwrap_err().to_string();
    assert!(
        e.contains("certification_rules.declared_credit.iso27017"),
        "{e}"
    );
    let untagged = DEFAULT_MODEL.replace(
        "pci_dss = { value = 0.7, source = \"[A] an AOC",
        "pci_dss = { value = 0.7, source = \"an AOC",
    );
    assert_ne!(untagged, DEFAULT_MODEL);
    let e = ModelParams::parse(&untagged).unwrap_err().to_string();
    assert!(e.contains("declared_credit.pci_dss.source"), "{e}");
}
