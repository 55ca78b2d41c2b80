//! Issue 17's proof for the questionnaires: for each one, every item answered best gives a
//! profile that scores at least as well as every item answered worst (same model), and the
//! answers' choices are listed best first (a later choice never sets a higher level).

use risk_core::params::{BUILT_IN_MODELS, ModelParams};
use risk_core::questionnaire::{Questionnaire, built_in};
use risk_core::score::score;
use serde_json::{Map, Value, json};
use time::macros::date;

const FIRM: &str = r#"{"name": "Example KK", "industry": "manufacturing",
    "annual_revenue": 2000000000, "currency": "JPY", "records_held": 10000}"#;

/// Every item answered with its `pick`-th choice (0 = first = best; `usize::MAX` = last).
fn all_answered(q: &Questionnaire, pick: usize) -> String {
    let answers: Map<String, Value> = q
        .items
        .iter()
        .map(|i| {
            let c = &i.choices[pick.min(i.choices.len() - 1)];
            (i.id.clone(), json!(c.value))
        })
        .collect();
    let firm: Value = serde_json::from_str(FIRM).unwrap();
    json!({"firm": firm, "answers": answers, "as_of": "2026-12-01"}).to_string()
}

#[test]
fn best_answers_score_at_least_as_well_as_worst_answers() {
    for text in BUILT_IN_MODELS {
        let params = ModelParams::parse(text).unwrap();
        for q in built_in() {
            let run = |pick| {
                let a = q
                    .answer(&all_answered(q, pick), &params, date!(2026 - 12 - 01))
                    .unwrap();
                (score(&a.profile, &params).value, a)
            };
            let (best, b) = run(0);
            let (worst, w) = run(usize::MAX);
            assert!(
                best >= worst,
                "{} with {}: best {best} < worst {worst}",
                q.name,
                params.id()
            );
            assert!(best > worst, "{}: the answers change nothing", q.name);
            if let (Some(rb), Some(rw)) = (&b.rung, &w.rung) {
                assert!(rb.met && !rw.met, "{}", q.name);
                assert_eq!(b.profile.certifications.len(), 1);
                assert!(w.profile.certifications.is_empty());
            }
        }
    }
}

#[test]
fn choices_are_listed_best_first() {
    let params = ModelParams::parse(BUILT_IN_MODELS[BUILT_IN_MODELS.len() - 1]).unwrap();
    for q in built_in() {
        for item in &q.items {
            for pair in item.choices.windows(2) {
                let (a, b) = (&pair[0].sets, &pair[1].sets);
                for (f, lb) in &b.maturity {
                    if let Some((_, la)) = a.maturity.iter().find(|(g, _)| g == f) {
                        assert!(la >= lb, "{}.{} {f}", q.name, item.id);
                    }
                }
                for (c, lb) in &b.controls {
                    if let Some((_, la)) = a.controls.iter().find(|(d, _)| d == c) {
                        let levels = &params.controls[c].levels;
                        let rank = |l: &String| levels.iter().position(|x| x == l).unwrap();
                        assert!(rank(la) >= rank(lb), "{}.{} {c}", q.name, item.id);
                    }
                }
                assert!(a.met >= b.met, "{}.{}", q.name, item.id);
            }
        }
    }
}

/// A profile's `meti_directions` give the CSF levels the `meti_guideline` questionnaire gives for
/// the same answers (one table, `vocab::METI_DIRECTIONS`, checked against the data file), and an
/// explicit `maturity` answer wins over them.
#[test]
fn meti_directions_in_a_profile_match_the_meti_questionnaire() {
    use risk_core::profile::FirmProfile;
    use risk_core::questionnaire::find;
    let params = ModelParams::parse(BUILT_IN_MODELS[BUILT_IN_MODELS.len() - 1]).unwrap();
    let q = find("meti_guideline").unwrap();
    let firm: Value = serde_json::from_str(FIRM).unwrap();
    let cases: [[u8; 10]; 4] = [
        [0, 1, 2, 3, 4, 5, 0, 1, 2, 3],
        [5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
        [3, 0, 4, 1, 5, 2, 2, 4, 1, 0],
        [1, 4, 2, 5, 3, 0, 4, 3, 5, 2],
    ];
    for levels in cases {
        let answers: Map<String, Value> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("d{}", i + 1), json!(l.to_string())))
            .collect();
        let via_q = q
            .answer(
                &json!({"firm": firm, "answers": answers, "as_of": "2026-12-01"}).to_string(),
                &params,
                date!(2026 - 12 - 01),
            )
            .unwrap()
            .profile;
        let directions: Map<String, Value> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("d{}", i + 1), json!(l)))
            .collect();
        let profile = json!({"firm": firm, "meti_directions": directions, "as_of": "2026-12-01"});
        let direct =
            FirmProfile::parse(&profile.to_string(), &params, date!(2026 - 12 - 01)).unwrap();
        assert_eq!(direct.maturity, via_q.maturity, "{levels:?}");
        assert!(direct.maturity.iter().all(Option::is_some));
        let mut explicit = profile.clone();
        explicit["maturity"] = json!({"govern": 0});
        let e = FirmProfile::parse(&explicit.to_string(), &params, date!(2026 - 12 - 01)).unwrap();
        assert_eq!(e.maturity[0], Some(0));
        assert_eq!(e.maturity[1..], direct.maturity[1..]);
    }
    let bad = json!({"firm": firm, "meti_directions": {"d11": 3, "d1": 6, "d01": 2}});
    let fields: Vec<String> = FirmProfile::parse(&bad.to_string(), &params, date!(2026 - 12 - 01))
        .unwrap_err()
        .fields()
        .into_iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(
        fields,
        [
            "meti_directions.d01",
            "meti_directions.d1",
            "meti_directions.d11"
        ]
    );
}
