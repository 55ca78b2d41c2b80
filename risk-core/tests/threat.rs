//! Score vs sector threat (issue #18): the score describes the firm, the threat moves its loss
//! model and premium. A threat table published before the separation (`in_score`) keeps the
//! old behaviour so its assessments reproduce; with a neutral table both give the same bits, so
//! `--model 1.0.0` pins cannot move.

use risk_core::params::{BUILT_IN_MODELS, ModelParams};
use risk_core::pricing::assess;
use risk_core::profile::FirmProfile;
use risk_core::vocab::{Industry, PERILS, Peril};
use time::macros::date;

const HOSPITAL: &str = include_str!("../../data/profiles/hospital-no-certification.json");
const MANUFACTURER: &str = include_str!("../../data/profiles/manufacturer-ot-iso27001.json");

fn with_levels(text: &str, ransomware: f64, in_score: bool) -> ModelParams {
    let mut p = ModelParams::parse(text).unwrap();
    let mut l = [1.0; PERILS];
    l[Peril::Ransomware.index()] = ransomware;
    l[Peril::DataBreach.index()] = 1.2;
    p.threat.levels.insert(Industry::Healthcare, l);
    p.threat.in_score = in_score;
    p
}

#[test]
fn a_neutral_table_prices_the_same_bits_either_way() {
    for text in BUILT_IN_MODELS {
        for profile in [HOSPITAL, MANUFACTURER] {
            let mut legacy = ModelParams::parse(text).unwrap();
            legacy.threat.in_score = true;
            let split = ModelParams::parse(text).unwrap();
            let f = FirmProfile::parse(profile, &split, date!(2026 - 11 - 25)).unwrap();
            let (a, b) = (assess(&f, &legacy, 4000, 3), assess(&f, &split, 4000, 3));
            assert_eq!(a, b);
            assert_eq!(a.score.value.to_bits(), b.score.value.to_bits());
            for p in a.score.base_perils.iter().flatten() {
                assert_eq!(p.frequency.to_bits(), p.firm_frequency.to_bits());
                assert_eq!(p.threat, 1.0);
            }
        }
    }
}

#[test]
fn the_threat_moves_the_premium_and_never_the_score() {
    for text in BUILT_IN_MODELS {
        let calm = ModelParams::parse(text).unwrap();
        let f = FirmProfile::parse(HOSPITAL, &calm, date!(2026 - 11 - 25)).unwrap();
        let base = assess(&f, &calm, 20_000, 9);
        for m in [0.5, 1.5, 3.0] {
            let stormy = with_levels(text, m, false);
            let a = assess(&f, &stormy, 20_000, 9);
            // The firm's score, relative risk and every contribution are the calm ones.
            assert_eq!(a.score.value.to_bits(), base.score.value.to_bits(), "{m}");
            assert_eq!(a.score.contributions, base.score.contributions);
            assert_eq!(
                a.score.relative_risk.to_bits(),
                base.score.relative_risk.to_bits()
            );
            // The loss model and the premium move with it (more ransomware and breaches above 1).
            let r = Peril::Ransomware.index();
            let p = a.score.base_perils[r].unwrap();
            assert_eq!(p.threat, m);
            assert_eq!(p.frequency, p.firm_frequency * m);
            let gross =
                risk_core::exposure::threat_effect(&a.score.base_perils, &a.score.multipliers);
            if m > 1.0 {
                assert!(a.premium.technical > base.premium.technical, "{m}");
                assert!(gross > 1.0);
            }
            // The legacy reading weighs perils by the threatened frequency: its score moves.
            let legacy = assess(&f, &with_levels(text, m, true), 20_000, 9);
            assert_eq!(legacy.premium.technical, a.premium.technical);
            assert_ne!(legacy.score.value, base.score.value, "{m}");
        }
    }
}
