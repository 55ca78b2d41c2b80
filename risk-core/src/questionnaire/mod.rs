//! Questionnaires (contract §12), the light path to a profile: a firm that holds no audited
//! certificate answers a published checklist (IPA's SECURITY ACTION self-check, the
//! supply-chain evaluation's ★3 and ★4 requirements, the METI guideline's ten directions), and
//! its answers become a firm profile (§4) plus a `mapping` saying which answer set which value.
//!
//! The questionnaires are versioned data files (`data/questionnaires/<name>.json`), embedded and
//! validated here once; every item cites where its text comes from (`text_source`), and an
//! item whose published text was not found says so and keeps only the structure. What each
//! choice sets (`sets`: CSF function levels, key-control levels by the model's level names,
//! and for a rung whether the requirement is met) is a modelling assumption the file states in
//! `mapping_source`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::error::FieldError;
use crate::vocab::{Control, Function, Scheme};

mod answer;

pub use answer::{Answered, Contribution, Mapping, RungOutcome};

/// IPA's 25-question self-check ("5分でできる！情報セキュリティ自社診断").
pub const SECURITY_ACTION_SELF_CHECK: &str =
    include_str!("../../../data/questionnaires/security_action_self_check.json");
/// The supply-chain security evaluation's ★3 (25 requirements, self-assessed).
pub const SUPPLY_CHAIN_3: &str = include_str!("../../../data/questionnaires/supply_chain_3.json");
/// The supply-chain security evaluation's ★4 (44 requirements, third-party evaluation).
pub const SUPPLY_CHAIN_4: &str = include_str!("../../../data/questionnaires/supply_chain_4.json");
/// The METI Cyber Security Management Guidelines v3.0's ten directions to executives.
pub const METI_GUIDELINE: &str = include_str!("../../../data/questionnaires/meti_guideline.json");

/// Every built-in questionnaire file, in listing order.
pub const BUILT_IN_QUESTIONNAIRES: &[&str] = &[
    SECURITY_ACTION_SELF_CHECK,
    SUPPLY_CHAIN_3,
    SUPPLY_CHAIN_4,
    METI_GUIDELINE,
];

/// Most items a questionnaire may have, and most choices an item may have.
pub const MAX_ITEMS: usize = 200;

/// The built-in questionnaires, parsed once. The files are part of the build and a unit test
/// parses each, so a failure here is a build defect, not an input error.
static BUILT_IN: LazyLock<Vec<Questionnaire>> = LazyLock::new(|| {
    BUILT_IN_QUESTIONNAIRES
        .iter()
        .map(|text| Questionnaire::parse(text).expect("built-in questionnaire files are valid"))
        .collect()
});

/// The built-in questionnaires, in listing order.
pub fn built_in() -> &'static [Questionnaire] {
    &BUILT_IN
}

/// The built-in questionnaire called `name`.
///
/// # Errors
/// [`QuestionnaireError::UnknownName`] when there is none.
pub fn find(name: &str) -> Result<&'static Questionnaire, QuestionnaireError> {
    built_in()
        .iter()
        .find(|q| q.name == name)
        .ok_or_else(|| QuestionnaireError::UnknownName(name.chars().take(100).collect()))
}

/// Why a questionnaire or its answers were rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum QuestionnaireError {
    /// No questionnaire of that name (the API's 404).
    #[error("unknown questionnaire `{0}`")]
    UnknownName(String),
    /// A questionnaire file that is not valid; the first error (built-in files never are).
    #[error("questionnaire file: {0}")]
    Data(FieldError),
    /// The answers document is not JSON or not its shape; the first such error.
    #[error("{0}")]
    Malformed(FieldError),
    /// Unknown items or choices, or a firm the profile rejects; every one of them.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
}

impl QuestionnaireError {
    /// Every field error.
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            QuestionnaireError::UnknownName(n) => {
                vec![FieldError::new(
                    "name",
                    format!("unknown questionnaire `{n}`"),
                )]
            }
            QuestionnaireError::Data(e) | QuestionnaireError::Malformed(e) => vec![e.clone()],
            QuestionnaireError::Invalid(v) => v.clone(),
        }
    }
}

/// Where a questionnaire's items come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Title of the published document.
    pub title: String,
    /// Who publishes it.
    pub publisher: String,
    /// Where it (or a page describing it) was read.
    pub url: String,
    /// Publication date or period.
    pub date: String,
    /// What the source confirms.
    pub notes: Option<String>,
}

/// How several answers setting one CSF function combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaturityRule {
    /// The lowest level: a function is only as mature as its weakest answered practice.
    Minimum,
    /// The mean of the levels, rounded down (the METI mapping of models/README.md).
    Mean,
}

impl MaturityRule {
    /// The file's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            MaturityRule::Minimum => "minimum",
            MaturityRule::Mean => "mean",
        }
    }
}

/// Who decides whether a firm meets a rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assessment {
    /// The firm itself (★3).
    SelfAssessed,
    /// An accredited third-party evaluator (★4): the questionnaire only predicts the outcome.
    ThirdParty,
}

/// The certification rung a questionnaire's answers decide (★3, ★4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rung {
    /// The scheme of the certificate the rung gives.
    pub scheme: Scheme,
    /// Who assesses it.
    pub assessment: Assessment,
}

/// What one choice sets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sets {
    /// CSF function levels 0–5.
    pub maturity: Vec<(Function, u8)>,
    /// Key-control levels, by the model file's level names (`mfa` → `full`).
    pub controls: Vec<(Control, String)>,
    /// For a rung's items: whether the requirement is met.
    pub met: Option<bool>,
}

/// One answer an item offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// What an answers document gives (`yes`, `3`).
    pub value: String,
    /// What it means.
    pub label: String,
    /// What it sets.
    pub sets: Sets,
}

/// One question or requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Key in the answers document.
    pub id: String,
    /// Section of the published list, if it has sections.
    pub part: Option<String>,
    /// A short paraphrase of the published text (or a note that it was not found).
    pub text: String,
    /// Where the text was found, or `not found: …`.
    pub text_source: String,
    /// The answers it accepts, best first.
    pub choices: Vec<Choice>,
}

/// A validated questionnaire.
#[derive(Debug, Clone, PartialEq)]
pub struct Questionnaire {
    /// Contract name (`supply_chain_3`).
    pub name: String,
    /// Version of this data file.
    pub version: String,
    /// Human title.
    pub title: String,
    /// Where the items come from.
    pub source: Source,
    /// How answers setting one function combine.
    pub maturity_rule: MaturityRule,
    /// The basis of what the choices set.
    pub mapping_source: String,
    /// The rung the answers decide, if any.
    pub rung: Option<Rung>,
    /// Items in published order.
    pub items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    name: String,
    version: String,
    title: String,
    source: SourceWire,
    maturity_rule: String,
    mapping_source: String,
    rung: Option<RungWire>,
    items: Vec<ItemWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceWire {
    title: String,
    publisher: String,
    url: String,
    date: String,
    notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RungWire {
    scheme: String,
    assessment: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemWire {
    id: String,
    part: Option<String>,
    text: String,
    text_source: String,
    choices: Vec<ChoiceWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceWire {
    value: String,
    label: String,
    sets: SetsWire,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetsWire {
    #[serde(default)]
    maturity: BTreeMap<String, f64>,
    #[serde(default)]
    controls: BTreeMap<String, String>,
    met: Option<bool>,
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Questionnaire {
    /// Parses and validates a questionnaire file.
    ///
    /// # Errors
    /// [`QuestionnaireError::Data`] with the first problem: not the file's shape, a name or item
    /// id that is not snake_case, a repeated id or choice, an unknown function, control or
    /// scheme, a level outside 0–5, or a rung item whose choices do not all say `met`.
    pub fn parse(text: &str) -> Result<Self, QuestionnaireError> {
        let w: Wire = crate::error::parse_document(text, "questionnaire", |p, _| {
            crate::error::path_or("questionnaire", p)
        })
        .map_err(QuestionnaireError::Data)?;
        let bad = |f: String, m: &str| Err(QuestionnaireError::Data(FieldError::new(f, m)));
        if !is_id(&w.name) {
            return bad("name".into(), "must be snake_case");
        }
        let maturity_rule = match w.maturity_rule.as_str() {
            "minimum" => MaturityRule::Minimum,
            "mean" => MaturityRule::Mean,
            _ => return bad("maturity_rule".into(), "must be minimum or mean"),
        };
        let rung = match &w.rung {
            None => None,
            Some(r) => {
                let Some(scheme) = Scheme::parse(&r.scheme) else {
                    return bad("rung.scheme".into(), "unknown scheme");
                };
                let assessment = match r.assessment.as_str() {
                    "self" => Assessment::SelfAssessed,
                    "third_party" => Assessment::ThirdParty,
                    _ => return bad("rung.assessment".into(), "must be self or third_party"),
                };
                Some(Rung { scheme, assessment })
            }
        };
        if w.items.is_empty() || w.items.len() > MAX_ITEMS {
            return bad("items".into(), "must list 1..200 items");
        }
        let mut items: Vec<Item> = Vec::with_capacity(w.items.len());
        for (i, it) in w.items.into_iter().enumerate() {
            let p = format!("items[{i}]");
            if !is_id(&it.id) || items.iter().any(|x| x.id == it.id) {
                return bad(format!("{p}.id"), "must be a snake_case id used once");
            }
            if it.choices.is_empty() || it.choices.len() > MAX_ITEMS {
                return bad(format!("{p}.choices"), "must list 1..200 choices");
            }
            let mut choices: Vec<Choice> = Vec::with_capacity(it.choices.len());
            for (j, c) in it.choices.into_iter().enumerate() {
                let p = format!("{p}.choices[{j}]");
                if c.value.is_empty() || choices.iter().any(|x| x.value == c.value) {
                    return bad(format!("{p}.value"), "must be a value used once");
                }
                let mut sets = Sets {
                    met: c.sets.met,
                    ..Sets::default()
                };
                for (f, level) in &c.sets.maturity {
                    let Some(function) = Function::parse(f) else {
                        return bad(format!("{p}.sets.maturity.{f}"), "unknown CSF function");
                    };
                    if !((0.0..=5.0).contains(level) && level.fract() == 0.0) {
                        return bad(format!("{p}.sets.maturity.{f}"), "must be an integer 0..5");
                    }
                    sets.maturity.push((function, *level as u8));
                }
                for (k, level) in c.sets.controls {
                    let Some(control) = Control::parse(&k) else {
                        return bad(format!("{p}.sets.controls.{k}"), "unknown key control");
                    };
                    sets.controls.push((control, level));
                }
                if rung.is_some() != sets.met.is_some() {
                    return bad(
                        format!("{p}.sets.met"),
                        "is required on the items of a rung, and only there",
                    );
                }
                choices.push(Choice {
                    value: c.value,
                    label: c.label,
                    sets,
                });
            }
            if rung.is_some() && !choices.iter().any(|c| c.sets.met == Some(true)) {
                return bad(format!("{p}.choices"), "no choice meets the requirement");
            }
            items.push(Item {
                id: it.id,
                part: it.part,
                text: it.text,
                text_source: it.text_source,
                choices,
            });
        }
        Ok(Questionnaire {
            name: w.name,
            version: w.version,
            title: w.title,
            source: Source {
                title: w.source.title,
                publisher: w.source.publisher,
                url: w.source.url,
                date: w.source.date,
                notes: w.source.notes,
            },
            maturity_rule,
            mapping_source: w.mapping_source,
            rung,
            items,
        })
    }

    /// The item called `id`.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_files_parse_with_the_published_item_counts() {
        let counts: Vec<(&str, usize)> = built_in()
            .iter()
            .map(|q| (q.name.as_str(), q.items.len()))
            .collect();
        assert_eq!(
            counts,
            [
                ("security_action_self_check", 25),
                ("supply_chain_3", 25),
                ("supply_chain_4", 44),
                ("meti_guideline", 10),
            ]
        );
        assert_eq!(
            find("supply_chain_4").unwrap().rung.unwrap().scheme,
            Scheme::SupplyChain4
        );
        assert!(matches!(
            find("iso"),
            Err(QuestionnaireError::UnknownName(_))
        ));
        for q in built_in() {
            for item in &q.items {
                assert!(!item.text_source.is_empty(), "{}.{}", q.name, item.id);
            }
        }
    }

    #[test]
    fn bad_files_name_the_field() {
        let bad = SUPPLY_CHAIN_3.replacen("\"protect\": 3", "\"protekt\": 3", 1);
        let e = Questionnaire::parse(&bad).unwrap_err();
        assert!(e.to_string().contains("sets.maturity.protekt"), "{e}");
        let bad = METI_GUIDELINE.replacen("\"ir_plan\"", "\"ir_plans\"", 1);
        let e = Questionnaire::parse(&bad).unwrap_err();
        assert!(e.to_string().contains("sets.controls.ir_plans"), "{e}");
        let bad = SUPPLY_CHAIN_3.replacen("\"met\": true", "\"met\": false", 1);
        let e = Questionnaire::parse(&bad).unwrap_err();
        assert!(e.to_string().contains("items[0].choices"), "{e}");
    }
}
