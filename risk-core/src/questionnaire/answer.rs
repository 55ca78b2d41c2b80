//! Answers → a firm profile (contract §4) and the mapping that explains it.
//!
//! Rules, stated once (models/README.md repeats them):
//! - An item left out is unanswered: it sets nothing, so the function or control stays unknown
//!   (the model then uses its default), never the worst value.
//! - Several answers setting one CSF function combine by the questionnaire's `maturity_rule`
//!   (minimum: a function is only as mature as its weakest answered practice; mean rounded down
//!   for the METI directions).
//! - Several answers setting one key control combine to the least protective level (the model
//!   file lists levels worst first), for the same reason.
//! - A rung (★3, ★4) is met when every item is answered with a choice that meets it; the profile
//!   then declares the certificate, active from `as_of` (★3 self-assessed; ★4 only once the
//!   third-party evaluation confirms it, which the mapping says).

use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::Date;

use super::{Assessment, MaturityRule, Questionnaire, QuestionnaireError};
use crate::error::FieldError;
use crate::params::{ModelParams, parse_date};
use crate::profile::FirmProfile;
use crate::vocab::{Control, Function, Scheme};

/// One answer's part in a mapped value.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// Item id.
    pub item: String,
    /// The choice given.
    pub choice: String,
    /// What that choice alone would set.
    pub value: Value,
}

/// One profile value the answers set, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// The profile field: `maturity.protect`, `controls.mfa`, `certifications.supply_chain_3`.
    pub field: String,
    /// The value written to the profile (as the profile JSON holds it).
    pub value: Value,
    /// How the contributions combined into it.
    pub rule: String,
    /// The answers that set it, in item order.
    pub from: Vec<Contribution>,
}

/// Whether the answers meet the questionnaire's rung.
#[derive(Debug, Clone, PartialEq)]
pub struct RungOutcome {
    /// The rung's scheme.
    pub scheme: Scheme,
    /// Every item answered and met.
    pub met: bool,
    /// Who assesses the rung.
    pub assessment: Assessment,
    /// Items answered as not met.
    pub unmet: Vec<String>,
    /// Items not answered.
    pub unanswered: Vec<String>,
}

/// A questionnaire's answers turned into a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// The profile document (contract §4) that `profile` was parsed from.
    pub profile_json: Value,
    /// The validated profile.
    pub profile: FirmProfile,
    /// Which answers set which values.
    pub mapping: Vec<Mapping>,
    /// The rung's outcome (★3, ★4 questionnaires).
    pub rung: Option<RungOutcome>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    firm: Value,
    #[serde(default)]
    answers: Map<String, Value>,
    as_of: Option<String>,
    coverage: Option<Value>,
}

/// A control level name as the profile JSON states it (`"true"` → `true`, `within_7` → 7 days).
fn control_value(control: Control, level: &str) -> Value {
    match (control, level) {
        (_, "true") => Value::Bool(true),
        (_, "false") => Value::Bool(false),
        // The largest cadence of the level, so `profile::patch_level` reads the level back.
        (Control::PatchCriticalDays, "within_7") => json!(7),
        (Control::PatchCriticalDays, "within_30") => json!(30),
        (Control::PatchCriticalDays, "over_30") => json!(31),
        (_, other) => Value::String(other.into()),
    }
}

/// An answer's choice as text: a string, or an integer (`3` for the METI levels).
fn choice_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

impl Questionnaire {
    /// Turns `{"firm": {…}, "answers": {"<item id>": <choice>}, "as_of"?, "coverage"?}` into a
    /// profile validated by [`FirmProfile::parse`] against `params` (`today` = default `as_of`).
    ///
    /// # Errors
    /// [`QuestionnaireError::Malformed`] for JSON or shape errors; [`QuestionnaireError::Invalid`]
    /// naming every unknown item (`answers.q99`), unknown choice (`answers.q7`) and firm field
    /// the profile rejects (`firm.industry`); [`QuestionnaireError::Data`] when a choice names a
    /// control level the model does not have.
    pub fn answer(
        &self,
        json: &str,
        params: &ModelParams,
        today: Date,
    ) -> Result<Answered, QuestionnaireError> {
        let w: Wire = crate::error::parse_document(json, "answers", |p, _| {
            crate::error::path_or("answers", p)
        })
        .map_err(QuestionnaireError::Malformed)?;
        let mut errors = Vec::new();

        // (item index, choice index) per answered item, in item order.
        let mut given: Vec<(usize, usize)> = Vec::new();
        for (key, v) in &w.answers {
            let Some(i) = self.items.iter().position(|it| &it.id == key) else {
                let (first, last) = (&self.items[0].id, &self.items[self.items.len() - 1].id);
                errors.push(FieldError::new(
                    format!("answers.{}", clip(key)),
                    format!("unknown item of {}; items are {first} … {last}", self.name),
                ));
                continue;
            };
            let item = &self.items[i];
            let choice =
                choice_text(v).and_then(|c| item.choices.iter().position(|x| x.value == c));
            match choice {
                Some(j) => given.push((i, j)),
                None => errors.push(FieldError::new(
                    format!("answers.{key}"),
                    format!(
                        "unknown choice {}; expected one of {}",
                        clip(&v.to_string()),
                        item.choices
                            .iter()
                            .map(|c| c.value.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }
        given.sort_unstable();

        let mut mapping = Vec::new();
        let mut maturity = Map::new();
        for f in Function::ALL {
            let from: Vec<(Contribution, u8)> = given
                .iter()
                .flat_map(|&(i, j)| {
                    let (item, choice) = (&self.items[i], &self.items[i].choices[j]);
                    choice
                        .sets
                        .maturity
                        .iter()
                        .filter(|(g, _)| g == f)
                        .map(|&(_, l)| {
                            let c = Contribution {
                                item: item.id.clone(),
                                choice: choice.value.clone(),
                                value: json!(l),
                            };
                            (c, l)
                        })
                })
                .collect();
            if from.is_empty() {
                continue;
            }
            let levels = from.iter().map(|(_, l)| u32::from(*l));
            let level = match self.maturity_rule {
                MaturityRule::Minimum => levels.min().unwrap_or(0),
                MaturityRule::Mean => levels.clone().sum::<u32>() / levels.count() as u32,
            };
            maturity.insert(f.to_string(), json!(level));
            mapping.push(Mapping {
                field: format!("maturity.{f}"),
                value: json!(level),
                rule: match self.maturity_rule {
                    MaturityRule::Minimum => "minimum of the answers' levels",
                    MaturityRule::Mean => "mean of the answers' levels, rounded down",
                }
                .into(),
                from: from.into_iter().map(|(c, _)| c).collect(),
            });
        }

        let mut controls = Map::new();
        for control in Control::ALL {
            let levels = &params.controls[control].levels;
            let mut from: Vec<(Contribution, usize)> = Vec::new();
            for &(i, j) in &given {
                let (item, choice) = (&self.items[i], &self.items[i].choices[j]);
                for (_, name) in choice.sets.controls.iter().filter(|(c, _)| c == control) {
                    let Some(rank) = levels.iter().position(|l| l == name) else {
                        return Err(QuestionnaireError::Data(FieldError::new(
                            format!(
                                "{}.{}.{}.sets.controls.{control}",
                                self.name, item.id, choice.value
                            ),
                            format!("unknown level `{name}` in model {}", params.id()),
                        )));
                    };
                    let c = Contribution {
                        item: item.id.clone(),
                        choice: choice.value.clone(),
                        value: Value::String(name.clone()),
                    };
                    from.push((c, rank));
                }
            }
            let Some(worst) = from.iter().map(|(_, r)| *r).min() else {
                continue;
            };
            let value = control_value(*control, &levels[worst]);
            controls.insert(control.to_string(), value.clone());
            mapping.push(Mapping {
                field: format!("controls.{control}"),
                value,
                rule: format!(
                    "least protective of the answers' levels ({}, worst first)",
                    levels.join(", ")
                ),
                from: from.into_iter().map(|(c, _)| c).collect(),
            });
        }

        let as_of = w.as_of.clone().unwrap_or_else(|| today.to_string());
        let mut certifications = Vec::new();
        let rung = self.rung.map(|r| {
            let mut unmet = Vec::new();
            let mut unanswered = Vec::new();
            for (i, item) in self.items.iter().enumerate() {
                match given.iter().find(|(g, _)| *g == i) {
                    None => unanswered.push(item.id.clone()),
                    Some(&(_, j)) if item.choices[j].sets.met != Some(true) => {
                        unmet.push(item.id.clone())
                    }
                    Some(_) => {}
                }
            }
            let met = unmet.is_empty() && unanswered.is_empty();
            if met && parse_date(&as_of).is_some() {
                certifications.push(json!({"scheme": r.scheme.as_str(), "status": "active",
                                           "issued": as_of, "scope_share": 1.0}));
                mapping.push(Mapping {
                    field: format!("certifications.{}", r.scheme),
                    value: json!("active"),
                    rule: match r.assessment {
                        Assessment::SelfAssessed => format!(
                            "every one of the {} requirements met; self-assessed (the scheme's own evidence for this rung), declared from as_of",
                            self.items.len()
                        ),
                        Assessment::ThirdParty => format!(
                            "every one of the {} requirements met by the firm's own answers; the rung needs an accredited third-party evaluation, so until one confirms it this is a declared certificate from as_of",
                            self.items.len()
                        ),
                    },
                    from: given
                        .iter()
                        .map(|&(i, j)| Contribution {
                            item: self.items[i].id.clone(),
                            choice: self.items[i].choices[j].value.clone(),
                            value: json!(true),
                        })
                        .collect(),
                });
            }
            RungOutcome {
                scheme: r.scheme,
                met,
                assessment: r.assessment,
                unmet,
                unanswered,
            }
        });

        let mut profile_json = json!({
            "firm": w.firm,
            "certifications": certifications,
            "maturity": maturity,
            "controls": controls,
            "as_of": as_of,
        });
        if let Some(c) = w.coverage {
            profile_json["coverage"] = c;
        }
        let profile = FirmProfile::parse(&profile_json.to_string(), params, today);
        match profile {
            Ok(profile) if errors.is_empty() => Ok(Answered {
                profile_json,
                profile,
                mapping,
                rung,
            }),
            Ok(_) => Err(QuestionnaireError::Invalid(errors)),
            Err(e) => {
                errors.extend(e.fields());
                Err(QuestionnaireError::Invalid(errors))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::find;
    use super::*;
    use crate::params::{BUILT_IN_MODELS, DEFAULT_MODEL};
    use time::macros::date;

    const FIRM: &str = r#"{"name": "Example KK", "industry": "manufacturing",
        "annual_revenue": 2000000000, "currency": "JPY"}"#;

    fn params() -> ModelParams {
        ModelParams::parse(DEFAULT_MODEL).unwrap()
    }

    fn answers(a: &str) -> String {
        format!(r#"{{"firm": {FIRM}, "answers": {a}, "as_of": "2026-12-01"}}"#)
    }

    #[test]
    fn unknown_items_and_choices_name_their_field() {
        let q = find("security_action_self_check").unwrap();
        let e = q
            .answer(
                &answers(r#"{"q1": "yes", "q7": "maybe", "q99": "yes", "q3": 4}"#),
                &params(),
                date!(2026 - 12 - 01),
            )
            .unwrap_err();
        let fields: Vec<String> = e.fields().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["answers.q3", "answers.q7", "answers.q99"], "{e}");
        assert!(
            e.to_string()
                .contains("expected one of yes, partly, no, unknown"),
            "{e}"
        );
        // A firm field the profile rejects comes with them.
        let bad = answers(r#"{"q7": "maybe"}"#).replace("manufacturing", "mining");
        let e = q
            .answer(&bad, &params(), date!(2026 - 12 - 01))
            .unwrap_err();
        let fields: Vec<String> = e.fields().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["answers.q7", "firm.industry"], "{e}");
        let e = q
            .answer(r#"{"answers": {}}"#, &params(), date!(2026 - 12 - 01))
            .unwrap_err();
        assert!(matches!(e, QuestionnaireError::Malformed(_)), "{e}");
    }

    #[test]
    fn unanswered_items_set_nothing_and_conflicts_take_the_minimum() {
        let q = find("security_action_self_check").unwrap();
        let a = q
            .answer(&answers("{}"), &params(), date!(2026 - 12 - 01))
            .unwrap();
        assert_eq!(a.profile.maturity, [None; 6]);
        assert_eq!(a.profile.controls, [None; 8]);
        assert!(a.mapping.is_empty());
        let a = q
            .answer(
                &answers(r#"{"q1": "yes", "q3": "partly", "q11": "no", "q24": "yes"}"#),
                &params(),
                date!(2026 - 12 - 01),
            )
            .unwrap();
        assert_eq!(a.profile.maturity[Function::Protect.index()], Some(2));
        assert_eq!(a.profile_json["controls"]["patch_critical_days"], 30);
        assert_eq!(a.profile_json["controls"]["eol_software"], false);
        assert_eq!(a.profile_json["controls"]["offline_backups"], "none");
        assert_eq!(a.profile_json["controls"]["ir_plan"], "documented");
        let protect = a
            .mapping
            .iter()
            .find(|m| m.field == "maturity.protect")
            .unwrap();
        let items: Vec<&str> = protect.from.iter().map(|c| c.item.as_str()).collect();
        assert_eq!(items, ["q1", "q3"]);
    }

    #[test]
    fn meti_levels_average_per_function_and_accept_numbers() {
        let q = find("meti_guideline").unwrap();
        let a = q
            .answer(
                &answers(r#"{"d1": 5, "d2": "4", "d3": 2, "d9": 0, "d7": 4}"#),
                &params(),
                date!(2026 - 12 - 01),
            )
            .unwrap();
        // govern = ⌊(5 + 4 + 2 + 0) / 4⌋ = 2.
        assert_eq!(a.profile.maturity[Function::Govern.index()], Some(2));
        assert_eq!(a.profile_json["controls"]["ir_plan"], "tested");
    }

    #[test]
    fn a_rung_is_met_only_when_every_item_is() {
        let q = find("supply_chain_3").unwrap();
        let all = |v: &str| {
            let m: Map<String, Value> = q.items.iter().map(|i| (i.id.clone(), json!(v))).collect();
            Value::Object(m).to_string()
        };
        let a = q
            .answer(&answers(&all("met")), &params(), date!(2026 - 12 - 01))
            .unwrap();
        let r = a.rung.as_ref().unwrap();
        assert!(r.met && r.unmet.is_empty() && r.unanswered.is_empty());
        assert_eq!(a.profile.certifications[0].scheme, Scheme::SupplyChain3);
        assert_eq!(
            a.profile.certifications[0].issued,
            Some(date!(2026 - 12 - 01))
        );
        let one_short = all("met").replace(r#""sc3_07":"met""#, r#""sc3_07":"not_met""#);
        let a = q
            .answer(&answers(&one_short), &params(), date!(2026 - 12 - 01))
            .unwrap();
        let r = a.rung.unwrap();
        assert!(!r.met);
        assert_eq!(r.unmet, ["sc3_07"]);
        assert!(a.profile.certifications.is_empty());
        let a = q
            .answer(&answers("{}"), &params(), date!(2026 - 12 - 01))
            .unwrap();
        assert_eq!(a.rung.unwrap().unanswered.len(), 25);
    }

    /// Every control level a choice names exists in every built-in model.
    #[test]
    fn control_levels_exist_in_every_built_in_model() {
        for text in BUILT_IN_MODELS {
            let params = ModelParams::parse(text).unwrap();
            for q in super::super::built_in() {
                for item in &q.items {
                    for c in &item.choices {
                        for (control, level) in &c.sets.controls {
                            assert!(
                                params.controls[control].levels.contains(level),
                                "{}.{}: {control} {level} in {}",
                                q.name,
                                item.id,
                                params.id()
                            );
                        }
                    }
                }
            }
        }
    }
}
