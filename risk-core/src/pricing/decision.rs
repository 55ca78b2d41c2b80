//! The underwriter's decision (contract §10): accept, refer or decline, with the reasons, from
//! the model file's rules (`[underwriting]`).

use crate::params::{Action, Condition, ModelParams};
use crate::profile::{FirmProfile, Status};
use crate::score::{Standing, standing};

/// Accept, refer to an underwriter, or decline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionStatus {
    /// Within appetite: quote as priced.
    Accept,
    /// An underwriter must review before binding.
    Refer,
    /// Not written.
    Decline,
}

impl DecisionStatus {
    /// Contract name.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Accept => "accept",
            DecisionStatus::Refer => "refer",
            DecisionStatus::Decline => "decline",
        }
    }
}

/// Why: a rule's code and message (or the engine's own, e.g. `too_many_referrals`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Stable reason code.
    pub code: String,
    /// What an underwriter or the firm reads.
    pub message: String,
    /// What the reason asks for (None: informational).
    pub action: Option<Action>,
}

/// The decision and every reason for it (declining reasons first, in the model's rule order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Accept, refer or decline.
    pub status: DecisionStatus,
    /// The reasons.
    pub reasons: Vec<Reason>,
}

/// Applies the model's underwriting rules to the firm: any declining rule declines; otherwise
/// any referring rule refers, and `decline_after_refers` referral reasons together decline. A
/// model without rules accepts with one informational reason saying nothing was checked.
pub fn decide(profile: &FirmProfile, params: &ModelParams) -> Decision {
    let Some(uw) = params.underwriting.as_ref() else {
        return Decision {
            status: DecisionStatus::Accept,
            reasons: vec![Reason {
                code: "no_underwriting_rules".into(),
                message: format!(
                    "model {} has no underwriting rules: no control or certificate was checked",
                    params.version
                ),
                action: None,
            }],
        };
    };
    let revenue = params
        .to_base(profile.annual_revenue, &profile.currency)
        .unwrap_or(profile.annual_revenue);
    let fired = uw.rules.iter().filter(|r| {
        revenue >= r.min_revenue
            && (r.industries.is_empty() || r.industries.contains(&profile.industry))
            && match &r.condition {
                Condition::Control {
                    control,
                    levels,
                    unanswered,
                } => match profile.controls[control.index()] {
                    Some(level) => levels.contains(&level),
                    None => *unanswered,
                },
                Condition::CertificateNotInForce => profile.certifications.iter().any(|c| {
                    c.status != Status::Active
                        || standing(c, params, profile.as_of) != Standing::Active
                }),
            }
    });
    let (declines, refers): (Vec<_>, Vec<_>) = fired.partition(|r| r.action == Action::Decline);
    let reason = |r: &crate::params::Rule| Reason {
        code: r.code.clone(),
        message: r.message.clone(),
        action: Some(r.action),
    };
    let mut reasons: Vec<Reason> = declines.iter().map(|r| reason(r)).collect();
    let too_many = uw.decline_after_refers > 0 && refers.len() >= uw.decline_after_refers;
    if too_many {
        reasons.push(Reason {
            code: "too_many_referrals".into(),
            message: format!(
                "{} referral reasons together (the model declines at {})",
                refers.len(),
                uw.decline_after_refers
            ),
            action: Some(Action::Decline),
        });
    }
    reasons.extend(refers.iter().map(|r| reason(r)));
    let status = if !declines.is_empty() || too_many {
        DecisionStatus::Decline
    } else if !refers.is_empty() {
        DecisionStatus::Refer
    } else {
        DecisionStatus::Accept
    };
    Decision { status, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{DEFAULT_MODEL, MODEL_1_0_0};
    use time::macros::date;

    fn profile(params: &ModelParams, controls: &str, revenue: f64) -> FirmProfile {
        let json = format!(
            r#"{{"firm": {{"name": "H", "industry": "healthcare", "annual_revenue": {revenue},
                "currency": "USD"}}, "controls": {controls}}}"#
        );
        FirmProfile::parse(&json, params, date!(2026 - 12 - 01)).unwrap()
    }

    fn codes(d: &Decision) -> Vec<&str> {
        d.reasons.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn basic_controls_missing_is_declined_with_named_reasons() {
        let p = ModelParams::parse(DEFAULT_MODEL).unwrap();
        let bad = profile(
            &p,
            r#"{"mfa": "none", "edr": false, "offline_backups": "none", "patch_critical_days": 90,
                "exposed_rdp": true, "eol_software": true, "ir_plan": "none"}"#,
            420e6,
        );
        let d = decide(&bad, &p);
        assert_eq!(d.status, DecisionStatus::Decline);
        let c = codes(&d);
        assert_eq!(c[0], "exposed_rdp");
        for code in [
            "mfa_missing",
            "no_offline_backups",
            "edr_missing",
            "eol_software",
            "slow_patching",
            "no_ir_plan",
            "too_many_referrals",
        ] {
            assert!(c.contains(&code), "{code} missing from {c:?}");
        }
    }

    #[test]
    fn well_controlled_firm_is_accepted_and_sizes_matter() {
        let p = ModelParams::parse(DEFAULT_MODEL).unwrap();
        let good = profile(
            &p,
            r#"{"mfa": "full", "edr": true, "offline_backups": "tested", "patch_critical_days": 7,
                "exposed_rdp": false, "eol_software": false, "ir_plan": "tested"}"#,
            420e6,
        );
        let d = decide(&good, &p);
        assert_eq!((d.status, d.reasons.len()), (DecisionStatus::Accept, 0));
        // No EDR is referred above USD 50M revenue only.
        let small = profile(&p, r#"{"mfa": "full", "edr": false}"#, 5e6);
        assert_eq!(decide(&small, &p).status, DecisionStatus::Accept);
        let big = profile(&p, r#"{"mfa": "full", "edr": false}"#, 60e6);
        let d = decide(&big, &p);
        assert_eq!(
            (d.status, codes(&d)),
            (DecisionStatus::Refer, vec!["edr_missing"])
        );
    }

    #[test]
    fn a_model_without_rules_says_so() {
        let p = ModelParams::parse(MODEL_1_0_0).unwrap();
        let d = decide(&profile(&p, r#"{"exposed_rdp": true}"#, 1e6), &p);
        assert_eq!(d.status, DecisionStatus::Accept);
        assert_eq!(codes(&d), vec!["no_underwriting_rules"]);
    }
}
