//! Supply-chain risk (contract §16, issue 22): a firm's suppliers in its profile, score, loss
//! model, premium and impact table.

use risk_core::params::{DEFAULT_MODEL, MODEL_1_5_0, ModelParams};
use risk_core::pricing::{Change, assess, impact, what_if};
use risk_core::profile::{FirmProfile, MAX_SUPPLIERS};
use risk_core::vocab::Scheme;
use serde_json::{Value, json};
use time::macros::date;

const EXAMPLE: &str = include_str!("../../data/profiles/manufacturer-ot-iso27001.json");
const TRIALS: u64 = 20_000;
const SEED: u64 = 11;

fn params() -> ModelParams {
    ModelParams::parse(DEFAULT_MODEL).unwrap()
}

/// The example manufacturer with `suppliers`.
fn with_suppliers(suppliers: Value) -> String {
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["suppliers"] = suppliers;
    v.to_string()
}

fn parse(json: &str, params: &ModelParams) -> FirmProfile {
    FirmProfile::parse(json, params, date!(2026 - 11 - 25)).unwrap()
}

fn fields(json: &str, params: &ModelParams) -> Vec<String> {
    FirmProfile::parse(json, params, date!(2026 - 11 - 25))
        .unwrap_err()
        .fields()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

fn supplier(name: &str, role: &str, critical: bool, data: bool) -> Value {
    json!({"name": name, "role": role, "critical": critical, "data_access": data})
}

fn premium(json: &str, params: &ModelParams) -> f64 {
    assess(&parse(json, params), params, TRIALS, SEED)
        .premium
        .technical
}

/// A profile without suppliers prices bit for bit as the same profile with an empty list, and
/// has no supplier peril or line.
#[test]
fn no_suppliers_prices_as_before() {
    let params = params();
    let a = assess(&parse(EXAMPLE, &params), &params, TRIALS, SEED);
    let b = assess(
        &parse(&with_suppliers(json!([])), &params),
        &params,
        TRIALS,
        SEED,
    );
    assert_eq!(a, b);
    assert_eq!(a.premium.technical.to_bits(), b.premium.technical.to_bits());
    assert!(a.model.perils().iter().all(|p| !p.name().contains("third")));
    assert!(
        a.score
            .contributions
            .iter()
            .all(|c| !c.factor.starts_with("supplier:"))
    );
}

/// The model without its `[suppliers]` table (the text from its comment block on): what 2.0.0
/// was before the table was added.
fn without_supplier_table() -> ModelParams {
    let cut = DEFAULT_MODEL
        .find("# Suppliers (contract §16)")
        .expect("the table's comment");
    ModelParams::parse(&DEFAULT_MODEL[..cut]).unwrap()
}

/// Adding the `[suppliers]` table changes nothing for a firm without suppliers: the same score
/// and premium bit for bit as the model without it; and the model without it rejects suppliers.
#[test]
fn the_supplier_table_leaves_firms_without_suppliers_unchanged() {
    let (with, without) = (params(), without_supplier_table());
    assert!(with.suppliers.is_some() && without.suppliers.is_none());
    for seed in [1, 2] {
        let a = assess(&parse(EXAMPLE, &with), &with, TRIALS, seed);
        let b = assess(&parse(EXAMPLE, &without), &without, TRIALS, seed);
        assert_eq!(a.score, b.score);
        assert_eq!(a.premium, b.premium);
        assert_eq!(a.simulation.insured(), b.simulation.insured());
    }
    assert_eq!(
        fields(
            &with_suppliers(json!([supplier("A", "other", true, true)])),
            &without
        ),
        ["suppliers"]
    );
}

/// Requiring ★4 of a critical, uncertified supplier lowers the buyer's premium, by no more than
/// removing the supplier altogether; a non-critical supplier without data access matters less
/// than a critical one.
#[test]
fn star4_of_a_critical_supplier_saves_at_most_its_whole_risk() {
    let params = params();
    let critical = supplier("Acme MSP", "it_service", true, true);
    let other = supplier("Parts Co", "manufacturing", true, false);
    let with = with_suppliers(json!([other.clone(), critical.clone()]));
    let without = with_suppliers(json!([other.clone()]));
    let p = parse(&with, &params);
    let current = premium(&with, &params);
    let required = what_if(
        &p,
        &params,
        &[Change::Supplier {
            supplier: 1,
            scheme: Scheme::SupplyChain4,
        }],
        TRIALS,
        SEED,
    )
    .unwrap()
    .premium
    .technical;
    let removed = premium(&without, &params);
    assert!(required < current, "{required} < {current}");
    assert!(removed <= required, "{removed} <= {required}");

    // The same supplier as a critical one costs more than as a minor one.
    let minor = with_suppliers(json!([
        other.clone(),
        supplier("Acme MSP", "it_service", false, false)
    ]));
    let major = with_suppliers(json!([
        other,
        supplier("Acme MSP", "it_service", true, false)
    ]));
    let (minor, major) = (premium(&minor, &params), premium(&major, &params));
    assert!(
        removed <= minor && minor < major,
        "{removed} <= {minor} < {major}"
    );
}

/// A supplier's ★4 shows as its own score line, the lines add up to value − baseline, and the
/// impact table offers `supplier:<name>:<scheme>` rows ranked with the firm's own.
#[test]
fn supplier_lines_in_score_and_impact() {
    let params = params();
    let mut certified = supplier("Acme MSP", "it_service", true, true);
    certified["certifications"] = json!([{"scheme": "supply_chain_4", "status": "active",
        "issued": "2026-10-01", "expires": "2029-09-30"}]);
    let json = with_suppliers(json!([
        certified,
        supplier("Parts Co", "manufacturing", true, false)
    ]));
    let p = parse(&json, &params);
    let a = assess(&p, &params, TRIALS, SEED);
    let line = |name: &str| {
        a.score
            .contributions
            .iter()
            .find(|c| c.factor == format!("supplier:{name}"))
            .map(|c| c.points)
    };
    assert!(line("Acme MSP").unwrap() > 0.0);
    assert_eq!(line("Parts Co"), Some(0.0));
    let sum: f64 = a.score.contributions.iter().map(|c| c.points).sum();
    assert!((sum - (a.score.value - a.score.baseline)).abs() < 0.01);

    let i = impact(&p, &params, TRIALS, SEED);
    let row = i
        .items
        .iter()
        .find(|r| r.change == "supplier:Parts Co:supply_chain_4")
        .expect("a ★4 row for the uncertified supplier");
    assert!(row.delta < 0.0, "{}", row.delta);
    // Acme already holds ★4: nothing to require of it.
    assert!(
        !i.items
            .iter()
            .any(|r| r.change.starts_with("supplier:Acme"))
    );
    assert!(i.items.windows(2).all(|w| w[0].delta <= w[1].delta));
    // The row is the what-if of its change.
    let w = what_if(
        &p,
        &params,
        &[Change::Supplier {
            supplier: 1,
            scheme: Scheme::SupplyChain4,
        }],
        TRIALS,
        SEED,
    )
    .unwrap();
    assert_eq!(w.premium.technical, row.premium);
}

/// Many certified suppliers are attributed as a group shared out by saving: the lines still add
/// up, and a bigger saving gets more points.
#[test]
fn many_certified_suppliers_still_add_up() {
    let params = params();
    let list: Vec<Value> = (0..40)
        .map(|i| {
            let mut s = supplier(&format!("S{i}"), "software", i % 2 == 0, i % 3 == 0);
            s["certifications"] =
                json!([{"scheme": "supply_chain_3", "status": "active", "issued": "2026-06-01"}]);
            s
        })
        .collect();
    let p = parse(&with_suppliers(Value::Array(list)), &params);
    let s = risk_core::score::score(&p, &params);
    let sum: f64 = s.contributions.iter().map(|c| c.points).sum();
    assert!((sum - (s.value - s.baseline)).abs() < 0.01, "{sum}");
    let points = |n: &str| {
        s.contributions
            .iter()
            .find(|c| c.factor == format!("supplier:{n}"))
            .unwrap()
            .points
    };
    // S0: critical with data; S1: neither.
    assert!(points("S0") > points("S1") && points("S1") > 0.0);
}

/// 200 suppliers at most; every supplier field is validated with its path; a model without
/// `[suppliers]` rejects them by name.
#[test]
fn suppliers_are_validated_by_field() {
    let params = params();
    let many = |n: usize| {
        with_suppliers(Value::Array(
            (0..n)
                .map(|i| supplier(&format!("S{i}"), "other", false, false))
                .collect(),
        ))
    };
    assert_eq!(
        parse(&many(MAX_SUPPLIERS), &params).suppliers.len(),
        MAX_SUPPLIERS
    );
    assert_eq!(fields(&many(MAX_SUPPLIERS + 1), &params), ["suppliers"]);
    let bad = with_suppliers(json!([
        supplier("A", "it_service", true, true),
        {"name": "A", "id": "no spaces", "role": "cleaning",
         "certifications": [{"scheme": "iso9001", "status": "active"}]},
    ]));
    assert_eq!(
        fields(&bad, &params),
        [
            "suppliers[1].name",
            "suppliers[1].id",
            "suppliers[1].role",
            "suppliers[1].certifications[0].scheme"
        ]
    );
    let unknown = with_suppliers(json!([{"name": "A", "role": "other", "tier": 2}]));
    assert_eq!(fields(&unknown, &params), ["suppliers[0].tier"]);
    let old = ModelParams::parse(MODEL_1_5_0).unwrap();
    assert_eq!(
        fields(
            &with_suppliers(json!([supplier("A", "other", true, true)])),
            &old
        ),
        ["suppliers"]
    );
}

mod book {
    use risk_core::model::{LossModel, Terms};
    use risk_core::params::{DEFAULT_MODEL, ModelParams};
    use risk_core::portfolio::{
        Policy, Portfolio, YearLossTable, shard_range, simulate, stats, supplier_shocks,
        supplier_tail,
    };
    use risk_core::profile::parse_suppliers;
    use time::macros::date;

    const NONE: &(dyn Fn(usize) + Sync) = &|_| {};
    const TRIALS: u64 = 40_000;

    /// The default model with IT service providers compromised about 2% of years, so that one
    /// shared by a book shows at the 99.5% level.
    fn params() -> ModelParams {
        let text = DEFAULT_MODEL.replace(
            "it_service = { value = 0.003,",
            "it_service = { value = 0.02,",
        );
        assert_ne!(text, DEFAULT_MODEL);
        ModelParams::parse(&text).unwrap()
    }

    /// `n` policies with no own perils, each depending on `supplier(i)`, every supplier an IT
    /// service provider without certificates (the same marginal risk for every policy), and
    /// each supplier's probability at ★4.
    fn book(n: usize, supplier: impl Fn(usize) -> String) -> Portfolio {
        let params = params();
        let ids: Vec<String> = (0..n).map(&supplier).collect();
        let described: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"name": "{id}", "id": "{id}", "role": "it_service"}}"#))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let described = parse_suppliers(
            &format!("[{}]", described.join(",")),
            &params,
            date!(2026 - 11 - 25),
        )
        .unwrap();
        let shocks = supplier_shocks(
            &params,
            ids.iter().map(String::as_str),
            &described,
            date!(2026 - 11 - 25),
        );
        let policies = ids
            .iter()
            .enumerate()
            .map(|(i, id)| Policy {
                id: format!("P{i}"),
                model: LossModel::new(vec![], Terms::NONE),
                dependencies: vec![format!("supplier:{id}")],
                revenue: 1e8,
                share: 1.0,
            })
            .collect();
        Portfolio::new(policies, shocks).unwrap()
    }

    /// A shared supplier hits all its buyers in the same years: the same mean as distinct
    /// suppliers, a far heavier tail; sharded runs merge exactly; the shared supplier is the
    /// whole tail and ★4 lowers it.
    #[test]
    fn a_shared_supplier_is_a_common_shock() {
        let n = 50;
        let shared = book(n, |_| "acme-msp".into());
        let distinct = book(n, |i| format!("msp-{i}"));
        assert_eq!(shared.shocks().len(), 1);
        let link = shared.shocks()[0].supplier.unwrap();
        assert!(link.improved_probability < shared.shocks()[0].annual_probability);
        let a = simulate(&shared, 0..n, TRIALS, 5, NONE);
        let b = simulate(&distinct, 0..n, TRIALS, 5, NONE);
        let (sa, sb) = (stats(&a, &[0.995], &[]), stats(&b, &[0.995], &[]));
        let se = (sa.mean_std_error.unwrap().powi(2) + sb.mean_std_error.unwrap().powi(2)).sqrt();
        assert!(
            (sa.mean - sb.mean).abs() < 4.0 * se,
            "{} vs {}",
            sa.mean,
            sb.mean
        );
        assert!(
            sa.var[0].value > sb.var[0].value,
            "{:?} {:?}",
            sa.var,
            sb.var
        );
        assert!(sa.tvar[0].value > sb.tvar[0].value);

        let mut merged: Option<YearLossTable> = None;
        for i in 0..3 {
            let part = simulate(&shared, shard_range(n, i, 3).unwrap(), TRIALS, 5, NONE);
            merged = Some(match merged {
                None => part,
                Some(m) => m.merge(&part).unwrap(),
            });
        }
        assert_eq!(merged.unwrap(), a);

        // A supplier's years come from (seed, its id): the same with other suppliers in the book.
        let mixed = book(n, |i| {
            if i % 2 == 0 {
                "acme-msp".into()
            } else {
                format!("msp-{i}")
            }
        });
        let m = simulate(&mixed, 0..n, TRIALS, 5, NONE);
        let acme = mixed
            .shocks()
            .iter()
            .position(|s| s.name == "supplier:acme-msp")
            .unwrap();
        assert_eq!(m.shock_years[acme], a.shock_years[0]);

        let tail = supplier_tail(&shared, &a, 0.995, 1);
        assert_eq!(tail.len(), 1);
        assert_eq!(tail[0].name, "supplier:acme-msp");
        assert!(
            (tail[0].tvar_share - 1.0).abs() < 1e-9,
            "{}",
            tail[0].tvar_share
        );
        assert!(tail[0].tvar_fall.unwrap() >= 0.0);
    }
}
