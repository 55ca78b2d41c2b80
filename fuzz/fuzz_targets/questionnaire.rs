//! Questionnaire answers (the body of POST /v1/questionnaires/{name}/profile): the same bytes
//! answered to every built-in questionnaire. Invariants: no panic; an error is a clean `Err`
//! with at least one field error; when the answers give a profile, its JSON round-trips:
//! `FirmProfile::parse` accepts it and gives the same profile.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::profile::FirmProfile;
use risk_core::questionnaire::built_in;

static PARAMS: LazyLock<ModelParams> =
    LazyLock::new(|| ModelParams::parse(DEFAULT_MODEL).expect("the shipped model parses"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = time::macros::date!(2026 - 04 - 01);
    for q in built_in() {
        match q.answer(text, &PARAMS, today) {
            Err(e) => assert!(!e.fields().is_empty(), "{}: error without a field", q.name),
            Ok(a) => {
                let json = a.profile_json.to_string();
                let again = FirmProfile::parse(&json, &PARAMS, today).unwrap_or_else(|e| {
                    panic!("{}: the answers' profile does not parse: {e}\n{json}", q.name)
                });
                assert_eq!(again, a.profile, "{}: the profile JSON does not round-trip", q.name);
                if let Some(r) = &a.rung {
                    assert_eq!(
                        r.met,
                        r.unmet.is_empty() && r.unanswered.is_empty(),
                        "{}: rung met with unmet or unanswered items",
                        q.name
                    );
                }
            }
        }
    }
});
