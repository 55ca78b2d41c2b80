//! Portfolio accumulation against closed forms and hand-computable cases; exact sharding.

use risk_core::dist::{Frequency, Severity};
use risk_core::model::{LossModel, Peril, Terms};
use risk_core::portfolio::{
    Policy, Portfolio, Shock, ShockSize, allocate, shard_range, simulate, stats,
};

fn policy(i: usize, lambda: f64, median: f64) -> Policy {
    let peril = Peril::new(
        "cyber",
        Frequency::poisson(lambda).unwrap(),
        Severity::lognormal(median, 1.5).unwrap(),
    );
    Policy {
        id: format!("P{i}"),
        model: LossModel::new(vec![peril], Terms::NONE),
        dependencies: if i.is_multiple_of(2) {
            vec!["aws".into()]
        } else {
            vec![]
        },
        revenue: 1e7,
        share: 1.0,
    }
}

fn book(n: usize, shocks: Vec<Shock>) -> Portfolio {
    let policies = (0..n)
        .map(|i| {
            policy(
                i,
                0.05 + 0.4 * (i % 7) as f64 / 7.0,
                50_000.0 * (1.0 + (i % 5) as f64),
            )
        })
        .collect();
    Portfolio::new(policies, shocks).unwrap()
}

fn cloud(p: f64, h: f64) -> Shock {
    Shock {
        name: "cloud_outage".into(),
        annual_probability: p,
        hit_probability: h,
        dependency: Some("aws".into()),
        size: ShockSize::Amount(Severity::lognormal(200_000.0, 1.0).unwrap()),
        supplier: None,
    }
}

const NONE: &(dyn Fn(usize) + Sync) = &|_| {};

#[test]
fn mean_matches_the_closed_form() {
    let p = book(300, vec![cloud(0.2, 0.5)]);
    let t = simulate(&p, 0..300, 20_000, 4, NONE);
    let s = stats(&t, &[0.995], &[]);
    let want = p.expected_gross();
    let z = (s.mean - want) / s.mean_std_error.unwrap();
    assert!(z.abs() < 4.0, "mean {} vs {want} (z = {z})", s.mean);
    // The shock's own mean: p · h · (exposed policies) · E[X].
    let shock_mean = t.shock_means()[0];
    let want_shock = 0.2 * 0.5 * 150.0 * 200_000.0 * 0.5f64.exp();
    assert!(
        (shock_mean / want_shock - 1.0).abs() < 0.1,
        "{shock_mean} vs {want_shock}"
    );
}

#[test]
fn shock_only_cases_are_hand_computable() {
    // Every year, every exposed policy is hit by a loss in [1000, 1001].
    let shock = Shock {
        name: "worm".into(),
        annual_probability: 1.0,
        hit_probability: 1.0,
        dependency: None,
        size: ShockSize::Amount(Severity::pert(1000.0, 1000.5, 1001.0).unwrap()),
        supplier: None,
    };
    let quiet: Vec<Policy> = (0..10)
        .map(|i| Policy {
            model: LossModel::new(vec![], Terms::NONE),
            ..policy(i, 0.1, 1.0)
        })
        .collect();
    let p = Portfolio::new(quiet.clone(), vec![shock.clone()]).unwrap();
    let t = simulate(&p, 0..10, 1_000, 1, NONE);
    assert!(
        t.losses()
            .iter()
            .all(|&x| (10_000.0..=10_010.0).contains(&x))
    );
    // Never hit: nothing.
    let never = Shock {
        hit_probability: 0.0,
        ..shock.clone()
    };
    let t = simulate(
        &Portfolio::new(quiet.clone(), vec![never]).unwrap(),
        0..10,
        1_000,
        1,
        NONE,
    );
    assert!(t.losses().iter().all(|&x| x == 0.0));
    // Occurs 30% of years: that share of years has a loss, within 4 standard errors.
    let sometimes = Shock {
        annual_probability: 0.3,
        ..shock
    };
    let t = simulate(
        &Portfolio::new(quiet.clone(), vec![sometimes]).unwrap(),
        0..10,
        10_000,
        2,
        NONE,
    );
    let share = t.losses().iter().filter(|&&x| x > 0.0).count() as f64 / 10_000.0;
    assert!(
        ((share - 0.3) / (0.3f64 * 0.7 / 10_000.0).sqrt()).abs() < 4.0,
        "{share}"
    );
    // Terms apply to shock losses too: a deductible of 1000.5 leaves at most 0.5 per policy.
    let capped: Vec<Policy> = quiet
        .into_iter()
        .map(|p| {
            Policy {
            model: p.model.with_terms(risk_core::model::LossSpec::parse(
                r#"{"perils": [{"name": "x", "frequency": {"distribution": "poisson", "mean": 1},
                    "severity": {"distribution": "lognormal", "median": 1, "sigma": 1}}],
                    "terms": {"deductible": 1000.5}}"#,
            ).unwrap().model.terms().to_owned()),
            ..p
        }
        })
        .collect();
    let every = Shock {
        annual_probability: 1.0,
        ..cloud(1.0, 1.0)
    };
    let every = Shock {
        dependency: None,
        size: ShockSize::Amount(Severity::pert(1000.0, 1000.5, 1001.0).unwrap()),
        supplier: None,
        ..every
    };
    let t = simulate(
        &Portfolio::new(capped, vec![every]).unwrap(),
        0..10,
        1_000,
        3,
        NONE,
    );
    assert!(t.losses().iter().all(|&x| (0.0..=5.0).contains(&x)));
}

#[test]
fn allocation_adds_up_to_tvar() {
    let p = book(200, vec![cloud(0.05, 0.6)]);
    let t = simulate(&p, 0..200, 10_000, 8, NONE);
    let s = stats(&t, &[0.995], &[]);
    let a = allocate(&p, &t, 0.995);
    let total: f64 = a.iter().map(|x| x.tvar_contribution).sum();
    let tvar = s.tvar[0].value;
    assert!((total - tvar).abs() < 1e-6 * tvar, "{total} vs {tvar}");
    assert!(a.iter().all(|x| x.tvar_contribution >= 0.0));
}

#[test]
fn shards_add_up_exactly_for_any_thread_count() {
    let p = book(101, vec![cloud(0.1, 0.4)]);
    let whole = simulate(&p, 0..101, 5_000, 21, NONE);
    let mut merged = None;
    for i in 0..3 {
        let r = shard_range(101, i, 3).unwrap();
        let part = simulate(&p, r, 5_000, 21, NONE);
        merged = Some(match merged {
            None => part,
            Some(m) => risk_core::portfolio::YearLossTable::merge(m, &part).unwrap(),
        });
    }
    assert_eq!(merged.unwrap(), whole);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    assert_eq!(one.install(|| simulate(&p, 0..101, 5_000, 21, NONE)), whole);
    assert!(shard_range(10, 3, 3).is_err());
}

/// A firm-like book: negative-binomial perils (what a firm profile gives), an aggregate limit on
/// every other policy, and two shocks.
fn nb_book(n: usize) -> Portfolio {
    let policies = (0..n)
        .map(|i| {
            let perils = (0..3)
                .map(|k| {
                    Peril::new(
                        "p",
                        Frequency::negative_binomial(0.01 + 0.02 * ((i + k) % 5) as f64, 1.5)
                            .unwrap(),
                        Severity::lognormal(30_000.0 * (1 + k) as f64, 1.6).unwrap(),
                    )
                })
                .collect();
            let terms = if i % 2 == 0 {
                Terms::from_parts(1_000.0, Some(400_000.0), Some(500_000.0))
            } else {
                Terms::NONE
            };
            Policy {
                model: LossModel::new(perils, terms),
                ..policy(i, 0.1, 1.0)
            }
        })
        .collect();
    Portfolio::new(policies, vec![cloud(0.05, 0.3), worm(0.02, 0.1)]).unwrap()
}

fn worm(p: f64, h: f64) -> Shock {
    Shock {
        name: "worm".into(),
        annual_probability: p,
        hit_probability: h,
        dependency: None,
        size: ShockSize::RevenueShare(Severity::lognormal(0.01, 1.0).unwrap()),
        supplier: None,
    }
}

/// Event-driven negative-binomial sampling keeps the closed-form mean (no terms) and the
/// event-level tables merge across shards and thread counts bit for bit.
#[test]
fn negative_binomial_books_match_closed_form_and_shard_exactly() {
    let gross: Vec<Policy> = nb_book(400)
        .policies()
        .iter()
        .map(|p| Policy {
            model: p.model.with_terms(Terms::NONE),
            ..p.clone()
        })
        .collect();
    let p = Portfolio::new(gross, nb_book(1).shocks().to_vec()).unwrap();
    let t = simulate(&p, 0..400, 20_000, 9, NONE);
    let s = stats(&t, &[0.99], &[]);
    let want = p.expected_gross();
    let z = (s.mean - want) / s.mean_std_error.unwrap();
    assert!(z.abs() < 4.0, "mean {} vs {want} (z = {z})", s.mean);

    let p = nb_book(150);
    let whole = simulate(&p, 0..150, 4_000, 13, NONE);
    let mut merged = None;
    for i in 0..4 {
        let part = simulate(&p, shard_range(150, i, 4).unwrap(), 4_000, 13, NONE);
        merged = Some(match merged {
            None => part,
            Some(m) => risk_core::portfolio::YearLossTable::merge(m, &part).unwrap(),
        });
    }
    assert_eq!(merged.unwrap(), whole);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    assert_eq!(one.install(|| simulate(&p, 0..150, 4_000, 13, NONE)), whole);
    // A shard holding only its own policies (priced on its own) gives the same table.
    let r = shard_range(150, 2, 4).unwrap();
    let part = Portfolio::part(
        p.policies()[r.clone()].to_vec(),
        p.shocks().to_vec(),
        r.start,
    )
    .unwrap();
    assert_eq!(part.range(), r);
    assert_eq!(
        simulate(&part, r.clone(), 4_000, 13, NONE),
        simulate(&p, r, 4_000, 13, NONE)
    );
}

/// OEP ≤ AEP in every year and at every return period, and the largest event is a real event:
/// positive whenever the year has a loss.
#[test]
fn occurrence_never_exceeds_aggregate() {
    use risk_core::portfolio::{EpKind, RETURN_PERIODS, ep};
    let p = nb_book(300);
    let t = simulate(&p, 0..300, 10_000, 17, NONE);
    let (agg, occ) = (t.losses(), t.occurrence_losses());
    for (y, (a, o)) in agg.iter().zip(&occ).enumerate() {
        assert!(o <= a, "year {y}: occurrence {o} > aggregate {a}");
        assert_eq!(*a > 0.0, *o > 0.0, "year {y}");
    }
    assert!(occ.iter().zip(&agg).any(|(o, a)| o < a));
    let (aep, oep) = (
        ep(&t, EpKind::Aggregate, &RETURN_PERIODS),
        ep(&t, EpKind::Occurrence, &RETURN_PERIODS),
    );
    assert_eq!(aep.len(), RETURN_PERIODS.len());
    for (a, o) in aep.iter().zip(&oep) {
        assert!(o.loss <= a.loss && o.tvar <= a.tvar, "{o:?} vs {a:?}");
        assert!(a.tvar >= a.loss);
    }
    // AEP at 1-in-200 is the 50th largest year of 10,000; the report's VaR 99.5 (lower
    // quantile) the 51st: at most one rank apart.
    let mut sorted = agg.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let var = stats(&t, &[0.995], &[]).var[0].value;
    let a200 = aep.iter().find(|x| x.return_period == 200.0).unwrap().loss;
    assert_eq!(a200, sorted[49]);
    assert_eq!(var, sorted[50]);
}

/// A book with at most one event a year (shocks only, no own perils, one shock): each year's
/// largest event is the year's whole loss, so OEP = AEP exactly.
#[test]
fn one_event_a_year_makes_oep_equal_aep() {
    use risk_core::portfolio::{EpKind, RETURN_PERIODS, ep};
    let quiet: Vec<Policy> = (0..50)
        .map(|i| Policy {
            model: LossModel::new(vec![], Terms::from_parts(100.0, None, Some(1e6))),
            ..policy(i, 0.1, 1.0)
        })
        .collect();
    let p = Portfolio::new(quiet, vec![worm(0.3, 0.5)]).unwrap();
    let t = simulate(&p, 0..50, 5_000, 4, NONE);
    assert_eq!(t.occurrence(), t.loss);
    assert_eq!(
        ep(&t, EpKind::Occurrence, &RETURN_PERIODS),
        ep(&t, EpKind::Aggregate, &RETURN_PERIODS)
    );
}

/// Every set of contributions adds up to its portfolio measure at the allocation level
/// (relative 1e-9: the parts are exact in fixed point, their sum is a float sum):
/// Σ tvar_contribution = TVaR of the annual losses, Σ var_contribution = their VaR,
/// Σ oep_tvar_contribution = TVaR of the occurrence losses (each year's largest event, own or
/// common shock), Σ oep_var_contribution = their VaR. A part computed alone equals the whole
/// run's entries.
#[test]
fn occurrence_and_aggregate_allocations_add_up() {
    use risk_core::portfolio::{allocate_range, occurrence_stats};
    // A rare cloud outage (about 30 of the 10,000 years, each hitting ~135 policies) above the
    // largest own events, so the occurrence tail has both kinds of year.
    let p = Portfolio::new(nb_book(300).policies().to_vec(), vec![cloud(0.003, 0.9)]).unwrap();
    let t = simulate(&p, 0..300, 10_000, 17, NONE);
    let (agg, occ) = (
        stats(&t, &[0.995], &[]),
        occurrence_stats(&t, &[0.995], &[]),
    );
    let a = allocate(&p, &t, 0.995);
    let sum = |f: fn(&risk_core::portfolio::Allocation) -> f64| a.iter().map(f).sum::<f64>();
    let close = |got: f64, want: f64, what: &str| {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs(),
            "{what}: {got} vs {want}"
        );
    };
    close(sum(|x| x.tvar_contribution), agg.tvar[0].value, "AEP TVaR");
    close(sum(|x| x.var_contribution), agg.var[0].value, "AEP VaR");
    close(
        sum(|x| x.oep_tvar_contribution),
        occ.tvar[0].value,
        "OEP TVaR",
    );
    close(sum(|x| x.oep_var_contribution), occ.var[0].value, "OEP VaR");
    assert!(occ.tvar[0].value < agg.tvar[0].value);
    // The occurrence tail here has both kinds of year: one policy's own event and a shock
    // occurrence over many policies.
    let (o, v) = (t.occurrence(), occurrence_rank(&t, 0.995));
    let kinds: std::collections::BTreeSet<bool> = (0..10_000u64)
        .filter(|&y| o[y as usize] >= o[v])
        .filter_map(|y| t.largest_event(y))
        .map(|e| matches!(e, risk_core::portfolio::LargestEvent::Own(_)))
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(
        a.iter()
            .all(|x| x.var_contribution >= 0.0 && x.oep_var_contribution >= 0.0)
    );
    let part = allocate_range(&p, &t, 0.995, 100..180);
    assert_eq!(part, a[100..180].to_vec());
}

/// The year whose occurrence loss is the VaR at `level` (rank ⌈nq⌉ by (loss, year)).
fn occurrence_rank(t: &risk_core::portfolio::YearLossTable, level: f64) -> usize {
    let o = t.occurrence();
    let mut order: Vec<usize> = (0..o.len()).collect();
    order.sort_by(|&a, &b| o[a].cmp(&o[b]).then(a.cmp(&b)));
    order[(o.len() as f64 * level).ceil() as usize - 1]
}

/// With at most one event a year (one shock, no own perils) the occurrence loss is the annual
/// loss: both allocations are the same numbers, bit for bit.
#[test]
fn one_event_a_year_allocates_oep_as_aep() {
    let quiet: Vec<Policy> = (0..40)
        .map(|i| Policy {
            model: LossModel::new(vec![], Terms::from_parts(100.0, None, Some(2e5))),
            ..policy(i, 0.1, 1.0)
        })
        .collect();
    let p = Portfolio::new(quiet, vec![worm(0.3, 0.5)]).unwrap();
    let t = simulate(&p, 0..40, 5_000, 4, NONE);
    for a in allocate(&p, &t, 0.99) {
        assert_eq!(a.oep_tvar_contribution, a.tvar_contribution, "{a:?}");
        assert_eq!(a.oep_var_contribution, a.var_contribution, "{a:?}");
    }
}

/// Policies without shocks: each occurrence-tail year is one policy's own event, so a policy's
/// occurrence contributions come only from the years its own event was the largest, and the
/// table names that policy (and merges it across shards exactly, ties to the lower index).
#[test]
fn own_event_years_go_to_the_policy_the_table_names() {
    use risk_core::portfolio::{LargestEvent, YearLossTable};
    let p = book(60, vec![]);
    let t = simulate(&p, 0..60, 4_000, 5, NONE);
    let mut merged: Option<YearLossTable> = None;
    for i in 0..3 {
        let part = simulate(&p, shard_range(60, i, 3).unwrap(), 4_000, 5, NONE);
        merged = Some(match merged {
            None => part,
            Some(m) => m.merge(&part).unwrap(),
        });
    }
    assert_eq!(merged.as_ref(), Some(&t));
    let a = allocate(&p, &t, 0.99);
    let y = occurrence_rank(&t, 0.99) as u64;
    let Some(LargestEvent::Own(owner)) = t.largest_event(y) else {
        panic!("no own event in year {y}");
    };
    for x in &a {
        let want = if x.policy == owner {
            t.occurrence_losses()[y as usize]
        } else {
            0.0
        };
        assert_eq!(x.oep_var_contribution, want, "{x:?}");
    }
}

/// A FAIR peril in a book is sampled by thinned candidate years; the single-firm engine samples
/// it year by year (TEF, vulnerability and the count every year). With each event worth about
/// 1,000 (PERT on [1000, 1001]) a year's loss tells its count: the share of years with 0, 1 and
/// ≥ 2 events and the mean count agree within 4 standard errors of the difference (two
/// independent samples of 300,000 years), for a PERT and a lognormal TEF.
#[test]
fn fair_perils_are_event_driven_with_the_year_by_year_law() {
    let tefs = [
        Severity::pert(0.5, 2.0, 6.0).unwrap(),
        Severity::lognormal(1.5, 0.8).unwrap(),
    ];
    for (c, tef) in tefs.into_iter().enumerate() {
        let v = Severity::pert(0.01, 0.04, 0.12).unwrap();
        let peril = Peril::new(
            "fair",
            Frequency::fair(tef, v).unwrap(),
            Severity::pert(1000.0, 1000.5, 1001.0).unwrap(),
        );
        let model = LossModel::new(vec![peril], Terms::NONE);
        let trials = 300_000u64;
        let book = Portfolio::new(
            vec![Policy {
                model: model.clone(),
                ..policy(0, 0.1, 1.0)
            }],
            vec![],
        )
        .unwrap();
        let event_driven = simulate(&book, 0..1, trials, 31, NONE).losses();
        let by_year = risk_core::engine::simulate(&model, trials, 32)
            .losses(risk_core::engine::Side::Gross)
            .to_vec();
        let counts = |l: &[f64]| -> Vec<f64> { l.iter().map(|x| (x / 1000.5).round()).collect() };
        let (a, b) = (counts(&event_driven), counts(&by_year));
        let n = trials as f64;
        // Shares of 0, 1 and ≥ 2 events: binomial standard errors.
        for (what, test) in [
            ("0", (|k: f64| k == 0.0) as fn(f64) -> bool),
            ("1", |k| k == 1.0),
            (">=2", |k| k >= 2.0),
        ] {
            let share = |x: &[f64]| x.iter().filter(|&&k| test(k)).count() as f64 / n;
            let (pa, pb) = (share(&a), share(&b));
            let p = 0.5 * (pa + pb);
            let z = (pa - pb) / (2.0 * p * (1.0 - p) / n).sqrt();
            assert!(z.abs() < 4.0, "tef {c}: P(N {what}) {pa} vs {pb} (z = {z})");
        }
        let moments = |x: &[f64]| {
            let m = x.iter().sum::<f64>() / n;
            let v = x.iter().map(|k| (k - m) * (k - m)).sum::<f64>() / (n - 1.0);
            (m, v)
        };
        let ((ma, va), (mb, vb)) = (moments(&a), moments(&b));
        let z = (ma - mb) / ((va + vb) / n).sqrt();
        assert!(z.abs() < 4.0, "tef {c}: mean count {ma} vs {mb} (z = {z})");
        let want = model.perils()[0].frequency().mean();
        let z = (ma - want) / (va / n).sqrt();
        assert!(
            z.abs() < 4.0,
            "tef {c}: mean count {ma} vs E[TEF]E[V] {want} (z = {z})"
        );
    }
}

/// The `portfolio_csv` fuzz target found an explicit row with a lognormal median of 2·10¹²⁰:
/// its events overflowed the fixed-point year sums (a panic in debug builds, a wrapped, negative
/// year in release). The boundary now refuses such medians (`severity_median` ≤ 10¹⁵), and the
/// engine holds each event to 2⁹⁶ fixed-point units whatever a policy built in code draws, so
/// every year stays finite, non-negative and no smaller than its largest event.
#[test]
fn absurd_event_losses_cannot_wrap_the_year_sums() {
    let policies: Vec<Policy> = (0..4).map(|i| policy(i, 2.2, 2.1e120)).collect();
    let book = Portfolio::new(policies, vec![]).unwrap();
    let table = simulate(&book, 0..4, 32, 1, &|_| {});
    let losses = table.losses();
    let occurrence = table.occurrence_losses();
    assert!(losses.iter().any(|&x| x > 1e20), "the events are huge");
    for (y, (&x, &o)) in losses.iter().zip(&occurrence).enumerate() {
        assert!(x.is_finite() && x >= 0.0, "year {y}: {x}");
        assert!(x >= o, "year {y}: sum {x} below its largest event {o}");
    }
}
