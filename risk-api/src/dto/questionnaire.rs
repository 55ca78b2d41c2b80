//! Questionnaires (contract §12): the listing, one questionnaire with its items, and the
//! profile a questionnaire's answers make, with the mapping that explains it.

use std::collections::BTreeMap;

use risk_core::questionnaire::{
    Answered, Assessment, Item, Mapping, Questionnaire, RungOutcome, Sets,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A questionnaire in the listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireSummaryDto {
    /// Name (`security_action_self_check`, `supply_chain_3`, `supply_chain_4`, `meti_guideline`).
    pub name: String,
    /// Version of its data file.
    pub version: String,
    /// Human title.
    pub title: String,
    /// Number of items.
    pub items: usize,
    /// The certification scheme its answers decide, if any (`supply_chain_3`).
    pub rung: Option<String>,
}

impl From<&Questionnaire> for QuestionnaireSummaryDto {
    fn from(q: &Questionnaire) -> Self {
        QuestionnaireSummaryDto {
            name: q.name.clone(),
            version: q.version.clone(),
            title: q.title.clone(),
            items: q.items.len(),
            rung: q.rung.map(|r| r.scheme.to_string()),
        }
    }
}

/// Where a questionnaire's items come from.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireSourceDto {
    /// Title of the published document.
    pub title: String,
    /// Publisher.
    pub publisher: String,
    /// Where it (or a page describing it) was read.
    pub url: String,
    /// Publication date or period.
    pub date: String,
    /// What the source confirms.
    pub notes: Option<String>,
}

/// What one answer sets.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerSetsDto {
    /// NIST CSF 2.0 function levels 0–5.
    pub maturity: BTreeMap<String, u8>,
    /// Key-control levels, by the model file's level names (`"true"`, `within_30`, `tested`).
    pub controls: BTreeMap<String, String>,
    /// For the items of a rung (★3, ★4): whether the requirement is met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<bool>,
}

impl From<&Sets> for AnswerSetsDto {
    fn from(s: &Sets) -> Self {
        AnswerSetsDto {
            maturity: s
                .maturity
                .iter()
                .map(|(f, l)| (f.to_string(), *l))
                .collect(),
            controls: s
                .controls
                .iter()
                .map(|(c, l)| (c.to_string(), l.clone()))
                .collect(),
            met: s.met,
        }
    }
}

/// One answer an item offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireChoiceDto {
    /// What the answers document gives for it.
    pub value: String,
    /// What it means.
    pub label: String,
    /// What it sets.
    pub sets: AnswerSetsDto,
}

/// One question or requirement.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireItemDto {
    /// Key in the answers document.
    pub id: String,
    /// Section of the published list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// Short paraphrase of the published text, or a note that it was not found.
    pub text: String,
    /// Where the text was found, or `not found: …`.
    pub text_source: String,
    /// Accepted answers, best first.
    pub choices: Vec<QuestionnaireChoiceDto>,
}

impl From<&Item> for QuestionnaireItemDto {
    fn from(i: &Item) -> Self {
        QuestionnaireItemDto {
            id: i.id.clone(),
            part: i.part.clone(),
            text: i.text.clone(),
            text_source: i.text_source.clone(),
            choices: i
                .choices
                .iter()
                .map(|c| QuestionnaireChoiceDto {
                    value: c.value.clone(),
                    label: c.label.clone(),
                    sets: (&c.sets).into(),
                })
                .collect(),
        }
    }
}

/// A questionnaire with its items.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireDto {
    /// Name.
    pub name: String,
    /// Version of its data file.
    pub version: String,
    /// Human title.
    pub title: String,
    /// Where the items come from.
    pub source: QuestionnaireSourceDto,
    /// How answers setting one function combine: `minimum` or `mean` (rounded down).
    pub maturity_rule: String,
    /// The basis of what the choices set.
    pub mapping_source: String,
    /// The certification scheme its answers decide, if any.
    pub rung: Option<String>,
    /// Items in published order.
    pub items: Vec<QuestionnaireItemDto>,
}

impl From<&Questionnaire> for QuestionnaireDto {
    fn from(q: &Questionnaire) -> Self {
        QuestionnaireDto {
            name: q.name.clone(),
            version: q.version.clone(),
            title: q.title.clone(),
            source: QuestionnaireSourceDto {
                title: q.source.title.clone(),
                publisher: q.source.publisher.clone(),
                url: q.source.url.clone(),
                date: q.source.date.clone(),
                notes: q.source.notes.clone(),
            },
            maturity_rule: q.maturity_rule.as_str().into(),
            mapping_source: q.mapping_source.clone(),
            rung: q.rung.map(|r| r.scheme.to_string()),
            items: q.items.iter().map(Into::into).collect(),
        }
    }
}

/// Body of `POST /v1/questionnaires/{name}/profile` (OpenAPI only; the core parses it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"firm": {"name": "Example KK", "industry": "manufacturing",
    "annual_revenue": 2_000_000_000.0, "currency": "JPY"},
    "answers": {"q1": "yes", "q2": "partly", "q11": "no"}}))]
pub struct QuestionnaireAnswersBody {
    /// The firm (as in a profile, contract §4).
    pub firm: crate::dto::input::FirmBody,
    /// `{"<item id>": <choice value>}`; a choice is its `value` string (the METI levels may
    /// also be integers). Items left out are unanswered: they set nothing.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub answers: BTreeMap<String, Value>,
    /// Valuation date, `YYYY-MM-DD` (default: today); a rung's certificate is issued on it.
    #[schema(format = Date)]
    pub as_of: Option<String>,
    /// Insurance terms for the profile (default: the model's).
    pub coverage: Option<crate::dto::input::CoverageBody>,
}

/// One answer's part in a mapped value.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerContributionDto {
    /// Item id.
    pub item: String,
    /// The choice given.
    pub choice: String,
    /// What that choice alone sets.
    #[schema(value_type = Value)]
    pub value: Value,
}

/// One profile value the answers set.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerMappingDto {
    /// Profile field: `maturity.protect`, `controls.mfa`, `certifications.supply_chain_3`.
    pub field: String,
    /// Value written to the profile (a level, a control's value, a certificate's status).
    #[schema(value_type = Value)]
    pub value: Value,
    /// How the answers combined into it.
    pub rule: String,
    /// The answers that set it, in item order.
    pub from: Vec<AnswerContributionDto>,
}

impl From<&Mapping> for AnswerMappingDto {
    fn from(m: &Mapping) -> Self {
        AnswerMappingDto {
            field: m.field.clone(),
            value: m.value.clone(),
            rule: m.rule.clone(),
            from: m
                .from
                .iter()
                .map(|c| AnswerContributionDto {
                    item: c.item.clone(),
                    choice: c.choice.clone(),
                    value: c.value.clone(),
                })
                .collect(),
        }
    }
}

/// Whether the answers meet the questionnaire's rung (★3, ★4).
#[derive(Debug, Serialize, ToSchema)]
pub struct RungOutcomeDto {
    /// Scheme of the rung.
    pub scheme: String,
    /// Every item answered and met.
    pub met: bool,
    /// `self` (★3: the firm's own assessment is the scheme's evidence) or `third_party` (★4:
    /// an accredited evaluator must confirm it).
    pub assessment: String,
    /// Items answered as not met.
    pub unmet: Vec<String>,
    /// Items not answered.
    pub unanswered: Vec<String>,
}

impl From<&RungOutcome> for RungOutcomeDto {
    fn from(r: &RungOutcome) -> Self {
        RungOutcomeDto {
            scheme: r.scheme.to_string(),
            met: r.met,
            assessment: match r.assessment {
                Assessment::SelfAssessed => "self",
                Assessment::ThirdParty => "third_party",
            }
            .into(),
            unmet: r.unmet.clone(),
            unanswered: r.unanswered.clone(),
        }
    }
}

/// A questionnaire's answers as a profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireProfileDto {
    /// Questionnaire name.
    pub questionnaire: String,
    /// Its version.
    pub version: String,
    /// The profile (contract §4), validated as `POST /v1/assessments` validates one; post it
    /// there to price it.
    #[schema(value_type = Object)]
    pub profile: Value,
    /// Which answers set which maturity, control and certification values.
    pub mapping: Vec<AnswerMappingDto>,
    /// The rung's outcome (★3, ★4 questionnaires only; null otherwise).
    pub rung: Option<RungOutcomeDto>,
}

impl QuestionnaireProfileDto {
    /// The wire form of `a`, answers to `q`.
    pub fn new(q: &Questionnaire, a: &Answered) -> Self {
        QuestionnaireProfileDto {
            questionnaire: q.name.clone(),
            version: q.version.clone(),
            profile: a.profile_json.clone(),
            mapping: a.mapping.iter().map(Into::into).collect(),
            rung: a.rung.as_ref().map(Into::into),
        }
    }
}
