use time::macros::datetime;

use super::*;
use crate::params::{DEFAULT_MODEL, ModelParams};

fn params() -> SharingParams {
    ModelParams::parse(DEFAULT_MODEL).unwrap().sharing
}

fn advisory(id: &str, industries: &str, multipliers: &str, from: &str, until: &str) -> String {
    format!(
        r#"{{"id": "{id}", "title": "t", "industries": {industries}, "multipliers": {multipliers},
        "valid_from": "{from}", "valid_until": "{until}", "source": "J-CSIP", "tlp": "green"}}"#
    )
}

fn fields(e: AdvisoryError) -> Vec<String> {
    e.fields().into_iter().map(|f| f.field).collect()
}

#[test]
fn native_json_is_read_and_every_error_named() {
    let a = Advisory::parse(
        &advisory(
            "a-1",
            r#"["healthcare", "finance", "healthcare"]"#,
            r#"{"ransomware": 1.5}"#,
            "2026-12-01",
            "2026-12-31",
        ),
        &params(),
    )
    .unwrap();
    assert_eq!(a.industries, vec![Industry::Finance, Industry::Healthcare]);
    assert_eq!(a.valid_from, datetime!(2026-12-01 0:00 UTC));
    // A date valid_until includes that day.
    assert_eq!(a.valid_until, datetime!(2027-01-01 0:00 UTC));
    assert!(a.in_force(datetime!(2026-12-31 23:59 UTC)));
    assert!(!a.in_force(datetime!(2027-01-01 0:00 UTC)));
    assert!(!a.in_force(datetime!(2026-11-30 23:59 UTC)));

    let bad = advisory(
        "bad id!",
        r#"["hospitals"]"#,
        r#"{"ransomware": 11, "meteor": 1.2, "data_breach": 0.05}"#,
        "2026-12-31",
        "2026-12-01T00:00:00Z",
    );
    let f = fields(Advisory::parse(&bad, &params()).unwrap_err());
    for want in [
        "id",
        "industries[0]",
        "multipliers.ransomware",
        "multipliers.meteor",
        "multipliers.data_breach",
        "valid_until",
    ] {
        assert!(f.contains(&want.to_string()), "{want} not in {f:?}");
    }
    let f = fields(Advisory::parse(r#"{"id": "x", "extra": 1}"#, &params()).unwrap_err());
    assert_eq!(f, vec!["extra".to_string()]);
    let f = fields(
        Advisory::parse(
            &advisory("x", "[]", "{}", "soon", "2026-12-01").replace("green", "purple"),
            &params(),
        )
        .unwrap_err(),
    );
    for want in ["tlp", "industries", "multipliers", "valid_from"] {
        assert!(f.contains(&want.to_string()), "{want} not in {f:?}");
    }
}

#[test]
fn the_table_combines_advisories_by_the_models_rule_within_its_bounds() {
    let p = params();
    let at = datetime!(2026-12-15 12:00 UTC);
    let a = |id: &str, m: f64, from: &str, until: &str| {
        Advisory::parse(
            &advisory(
                id,
                r#"["healthcare"]"#,
                &format!(r#"{{"ransomware": {m}}}"#),
                from,
                until,
            ),
            &p,
        )
        .unwrap()
    };
    let live = [
        a("b", 1.5, "2026-12-01", "2026-12-31"),
        a("a", 1.4, "2026-12-10", "2026-12-20"),
    ];
    let expired = a("c", 3.0, "2026-11-01", "2026-12-14");
    let future = a("d", 3.0, "2026-12-16", "2026-12-31");
    let all = [live[0].clone(), live[1].clone(), expired, future];
    let t = ThreatTable::derive(&BaseLevels::new(), &all, at, &p);
    let e = &t.industries[&Industry::Healthcare][Peril::Ransomware.index()];
    assert_eq!(e.multiplier, 1.5 * 1.4);
    assert_eq!(e.advisories, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(t.multiplier(Industry::Healthcare, Peril::DataBreach), 1.0);
    assert_eq!(t.multiplier(Industry::Finance, Peril::Ransomware), 1.0);
    assert!(!t.industries.contains_key(&Industry::Finance));

    // The maximum rule, and a product capped by the model.
    let mut max = p.clone();
    max.combination = crate::params::Combination::Maximum;
    assert_eq!(
        ThreatTable::derive(&BaseLevels::new(), &all, at, &max)
            .multiplier(Industry::Healthcare, Peril::Ransomware),
        1.5
    );
    let mut capped = p.clone();
    capped.cap = 2.0;
    assert_eq!(
        ThreatTable::derive(&BaseLevels::new(), &all, at, &capped)
            .multiplier(Industry::Healthcare, Peril::Ransomware),
        2.0
    );

    // An admin base level multiplies, and the result stays inside the bounds.
    let mut base = BaseLevels::new();
    base.insert(Industry::Healthcare, [8.0, 1.0, 1.0, 1.0, 1.0]);
    let t2 = ThreatTable::derive(&base, &all, at, &p);
    assert_eq!(
        t2.multiplier(Industry::Healthcare, Peril::Ransomware),
        p.max
    );
    assert_eq!(t2.changed_industries(&t), vec![Industry::Healthcare]);
    assert!(t.changed_industries(&t).is_empty());
}

#[test]
fn stix_bundles_map_by_the_projects_convention() {
    let text = include_str!("../../../tests/fixtures/stix-advisory-healthcare.json");
    let a = Advisory::from_stix(text, &params()).unwrap();
    assert_eq!(a.id, "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3");
    assert_eq!(
        a.industries,
        vec![Industry::Healthcare, Industry::Chemicals]
    );
    assert_eq!(a.multipliers[&Peril::Ransomware], 1.6);
    assert_eq!(a.tlp, Tlp::Green);
    assert_eq!(a.source, "J-CSIP healthcare information-liaison group");
    assert_eq!(a.valid_from, datetime!(2026-12-01 0:00 UTC));

    // x_risk_industries wins over the identities' sectors; an unmarked report is amber.
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut w = v.clone();
    let report = w["objects"][6].as_object_mut().unwrap();
    report.insert("x_risk_industries".into(), serde_json::json!(["finance"]));
    report.remove("object_marking_refs");
    let b = Advisory::from_stix(&w.to_string(), &params()).unwrap();
    assert_eq!((b.industries, b.tlp), (vec![Industry::Finance], Tlp::Amber));

    // Errors name STIX paths.
    let mut w = v.clone();
    w["objects"][6]["x_risk_multipliers"]["ransomware"] = serde_json::json!(40);
    w["objects"][1]["sectors"] = serde_json::json!(["healthcare", "space-tourism"]);
    let f = fields(Advisory::from_stix(&w.to_string(), &params()).unwrap_err());
    assert!(
        f.contains(&"objects[6].x_risk_multipliers.ransomware".to_string()),
        "{f:?}"
    );
    assert!(f.contains(&"objects[1].sectors[1]".to_string()), "{f:?}");
    for (bad, field) in [
        ("not json", "bundle"),
        (r#"{"type": "report"}"#, "type"),
        (
            r#"{"type": "bundle", "id": "bundle--1", "objects": []}"#,
            "objects",
        ),
        (
            r#"{"type": "bundle", "id": "bundle--1", "objects": [{"type": "report", "id": "x"}]}"#,
            "objects[0].id",
        ),
    ] {
        assert_eq!(
            fields(Advisory::from_stix(bad, &params()).unwrap_err()),
            vec![field.to_string()],
            "{bad}"
        );
    }
    let mut w = v;
    w["objects"][6]
        .as_object_mut()
        .unwrap()
        .remove("x_risk_valid_until");
    assert_eq!(
        fields(Advisory::from_stix(&w.to_string(), &params()).unwrap_err()),
        vec!["objects[6].x_risk_valid_until".to_string()]
    );
}
