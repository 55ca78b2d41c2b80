//! Advisories (the body of POST /v1/advisories): the same bytes read as a STIX 2.1 bundle and as
//! the service's own JSON, under the default model's sharing rules. Invariants: no panic; an
//! error is a clean `Err` naming at least one field; an accepted advisory has industries, a
//! non-empty validity window and every multiplier inside the model's bounds; and the threat
//! table derived from it (and from it twice, combined by the model's rule) keeps every
//! multiplier finite, positive and inside the bounds.
#![no_main]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::sharing::{Advisory, ThreatTable};
use risk_core::vocab::{Industry, Peril};

static PARAMS: LazyLock<ModelParams> =
    LazyLock::new(|| ModelParams::parse(DEFAULT_MODEL).expect("the shipped model parses"));

fn check(a: &Advisory) {
    let p = &PARAMS.sharing;
    assert!(!a.industries.is_empty(), "accepted without industries");
    assert!(a.valid_from < a.valid_until, "empty validity window");
    for (peril, &m) in &a.multipliers {
        assert!(p.in_bounds(m), "{peril}: {m} outside the bounds");
    }
    let at = a.valid_from;
    for list in [vec![a.clone()], vec![a.clone(), a.clone()]] {
        let table = ThreatTable::derive(&BTreeMap::new(), &list, at, p);
        for &industry in Industry::ALL {
            for &peril in Peril::ALL {
                let m = table.multiplier(industry, peril);
                assert!(m.is_finite() && m > 0.0, "{industry}/{peril}: {m}");
                assert!(p.in_bounds(m), "{industry}/{peril}: {m} outside the bounds");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let p = &PARAMS.sharing;
    for parsed in [Advisory::from_stix(text, p), Advisory::parse(text, p)] {
        match parsed {
            Ok(a) => check(&a),
            Err(e) => assert!(!e.fields().is_empty(), "an error without a field"),
        }
    }
});
