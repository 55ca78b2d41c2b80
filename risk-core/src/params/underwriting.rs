//! The model file's policy and underwriting tables (contract §10): how an event's loss splits into
//! coverage sections, the business-interruption rate a waiting period removes, the minimum
//! premium, and the referral and declination rules. Both tables are optional: a model without
//! them (1.0.0) prices deductible, occurrence and aggregate limits only and decides nothing.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::parse::{Check, P};
use super::{ControlParams, LayerBasis};
use crate::error::FieldError;
use crate::vocab::{Control, Industry, PERILS, Peril, SECTIONS, Section};

/// Hours in a year: a firm's hourly business-interruption rate is its annual one ÷ 8,760.
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// How simulated losses map onto a cyber policy's sections.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageParams {
    /// Per peril ([`Peril::index`]), the share of an event's ground-up loss falling in each
    /// section ([`Section::index`]); each row sums to 1.
    pub shares: [[f64; SECTIONS]; PERILS],
    /// Share of annual revenue lost per unit of outage time (gross margin at risk): a firm's
    /// business-interruption loss accrues at h = revenue × `bi_margin` / 8,760 per hour, so a
    /// waiting period of w hours keeps the first h·w of each event's BI loss with the insured.
    pub bi_margin: f64,
    /// Waiting period (hours) when the profile names none.
    pub default_waiting_period_hours: f64,
}

/// What an underwriting rule asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// An underwriter must look at the risk before it is bound.
    Refer,
    /// Not written.
    Decline,
}

impl Action {
    /// Contract name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Refer => "refer",
            Action::Decline => "decline",
        }
    }
}

/// When a rule fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A key control answered at one of `levels` (indices into the model's level list), or left
    /// unanswered when `unanswered`.
    Control {
        /// The control.
        control: Control,
        /// Level indices that fire the rule.
        levels: Vec<usize>,
        /// An unanswered control fires it too.
        unanswered: bool,
    },
    /// The firm declares a certificate that is not in force on the valuation date (suspended,
    /// withdrawn, lapsed, or past its expiry date).
    CertificateNotInForce,
}

/// One referral or declination rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Reason code reported when it fires.
    pub code: String,
    /// Refer or decline.
    pub action: Action,
    /// What fires it.
    pub condition: Condition,
    /// Applies to firms with revenue ≥ this (base currency); 0 = all.
    pub min_revenue: f64,
    /// Applies to these industries only (empty: all).
    pub industries: Vec<Industry>,
    /// Message shown with the code.
    pub message: String,
}

/// Minimum premium and decision rules.
#[derive(Debug, Clone, PartialEq)]
pub struct UnderwritingParams {
    /// Smallest premium charged for any policy (base currency).
    pub minimum_premium: f64,
    /// A risk with at least this many referral reasons is declined (0: never).
    pub decline_after_refers: usize,
    /// The rules, in file order.
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CoverageWire {
    bi_margin: P,
    default_waiting_period_hours: P,
    perils: BTreeMap<Peril, SharesWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SharesWire {
    shares: BTreeMap<Section, f64>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UnderwritingWire {
    minimum_premium: P,
    decline_after_refers: P,
    #[serde(default)]
    rules: Vec<RuleWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleWire {
    code: String,
    action: String,
    control: Option<Control>,
    #[serde(default)]
    levels: Vec<String>,
    #[serde(default)]
    certificate_not_in_force: bool,
    #[serde(default)]
    min_revenue: f64,
    #[serde(default)]
    industries: Vec<Industry>,
    message: String,
    source: String,
}

/// Most rules a model may carry.
const MAX_RULES: usize = 64;

impl CoverageWire {
    pub(super) fn check(&self, c: &mut Check) -> CoverageParams {
        let bi_margin = c.p("coverage.bi_margin", &self.bi_margin, 1e-6, 1.0);
        let default_waiting_period_hours = c.p(
            "coverage.default_waiting_period_hours",
            &self.default_waiting_period_hours,
            0.0,
            720.0,
        );
        let mut shares = [[0.0; SECTIONS]; PERILS];
        for peril in Peril::ALL {
            let path = format!("coverage.perils.{peril}");
            let Some(w) = self.perils.get(peril) else {
                c.errors.push(FieldError::new(path, "is missing"));
                continue;
            };
            c.source(&path, &w.source);
            let mut sum = 0.0;
            for (section, &v) in &w.shares {
                let v = c.range(&format!("{path}.shares.{section}"), v, 0.0, 1.0);
                shares[peril.index()][section.index()] = v;
                sum += v;
            }
            if (sum - 1.0).abs() > 1e-9 {
                c.errors.push(FieldError::new(
                    format!("{path}.shares"),
                    format!("must sum to 1 (they sum to {sum})"),
                ));
            }
        }
        CoverageParams {
            shares,
            bi_margin,
            default_waiting_period_hours,
        }
    }
}

impl UnderwritingWire {
    pub(super) fn check(
        &self,
        c: &mut Check,
        controls: &BTreeMap<Control, ControlParams>,
    ) -> UnderwritingParams {
        let minimum_premium = c.p(
            "underwriting.minimum_premium",
            &self.minimum_premium,
            0.0,
            1e9,
        );
        let decline_after_refers = c.p(
            "underwriting.decline_after_refers",
            &self.decline_after_refers,
            0.0,
            MAX_RULES as f64,
        );
        if decline_after_refers.fract() != 0.0 {
            c.errors.push(FieldError::new(
                "underwriting.decline_after_refers",
                "must be a whole number",
            ));
        }
        if self.rules.len() > MAX_RULES {
            c.errors.push(FieldError::new(
                "underwriting.rules",
                format!("at most {MAX_RULES} rules"),
            ));
        }
        let mut rules = Vec::new();
        for (i, r) in self.rules.iter().enumerate().take(MAX_RULES) {
            let path = format!("underwriting.rules[{i}]");
            c.source(&path, &r.source);
            if r.code.is_empty()
                || r.code.len() > 64
                || !r
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                c.errors.push(FieldError::new(
                    format!("{path}.code"),
                    "must be 1-64 characters of a-z, 0-9 and _",
                ));
            }
            if rules.iter().any(|x: &Rule| x.code == r.code) {
                c.errors
                    .push(FieldError::new(format!("{path}.code"), "is repeated"));
            }
            if r.message.trim().is_empty() || r.message.len() > 500 {
                c.errors.push(FieldError::new(
                    format!("{path}.message"),
                    "must be 1-500 characters",
                ));
            }
            let action = match r.action.as_str() {
                "refer" => Action::Refer,
                "decline" => Action::Decline,
                _ => {
                    c.errors.push(FieldError::new(
                        format!("{path}.action"),
                        "must be refer or decline",
                    ));
                    Action::Refer
                }
            };
            let min_revenue = c.range(&format!("{path}.min_revenue"), r.min_revenue, 0.0, 1e15);
            let condition = match (r.control, r.certificate_not_in_force) {
                (Some(control), false) => {
                    let known = controls.get(&control).map(|p| p.levels.as_slice());
                    let mut levels = Vec::new();
                    let mut unanswered = false;
                    for l in &r.levels {
                        if l == "unanswered" {
                            unanswered = true;
                        } else if let Some(i) = known.and_then(|k| k.iter().position(|x| x == l)) {
                            levels.push(i);
                        } else {
                            c.errors.push(FieldError::new(
                                format!("{path}.levels"),
                                format!("`{l}` is not a level of control {control}"),
                            ));
                        }
                    }
                    if r.levels.is_empty() {
                        c.errors.push(FieldError::new(
                            format!("{path}.levels"),
                            "must name at least one level (or `unanswered`)",
                        ));
                    }
                    Condition::Control {
                        control,
                        levels,
                        unanswered,
                    }
                }
                (None, true) => Condition::CertificateNotInForce,
                _ => {
                    c.errors.push(FieldError::new(
                        path.clone(),
                        "must have either `control` (with `levels`) or `certificate_not_in_force = true`",
                    ));
                    Condition::CertificateNotInForce
                }
            };
            rules.push(Rule {
                code: r.code.clone(),
                action,
                condition,
                min_revenue,
                industries: r.industries.clone(),
                message: r.message.clone(),
            });
        }
        UnderwritingParams {
            minimum_premium,
            decline_after_refers: decline_after_refers as usize,
            rules,
        }
    }
}

/// `[rating_plan]`: the basis of the layer factor (`own` or `class`) and its source.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RatingPlanWire {
    layer_factor: String,
    source: String,
}

impl RatingPlanWire {
    pub(super) fn check(&self, c: &mut Check) -> LayerBasis {
        c.source("rating_plan", &self.source);
        match self.layer_factor.as_str() {
            "own" => LayerBasis::Own,
            "class" => LayerBasis::Class,
            _ => {
                c.errors.push(FieldError::new(
                    "rating_plan.layer_factor",
                    "must be \"own\" or \"class\"",
                ));
                LayerBasis::Own
            }
        }
    }
}
