//! Wire types of underwriting (contract §10): the terms priced, the decision, quote options and
//! the increased-limit and deductible-credit views derived from them.

use std::collections::BTreeMap;

use risk_core::params::ModelParams;
use risk_core::pricing::{Decision, Quote};
use risk_core::profile::{Coverage, FirmProfile};
use risk_core::vocab::Section;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The coverage actually priced, defaults filled in (contract §10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TermsDto {
    /// Per-event deductible.
    pub deductible: f64,
    /// Per-event limit.
    pub occurrence_limit: f64,
    /// Annual aggregate limit.
    pub aggregate_limit: f64,
    /// Annual sublimit per section (sections without one are absent).
    pub sublimits: BTreeMap<String, f64>,
    /// Per-event retention per section (absent: none).
    pub retentions: BTreeMap<String, f64>,
    /// Insurer's share per section (absent: 1).
    pub coinsurance: BTreeMap<String, f64>,
    /// Business-interruption waiting period, hours.
    pub waiting_period_hours: f64,
}

impl TermsDto {
    /// The wire form of validated terms.
    pub fn new(c: &Coverage) -> Self {
        let pick = |v: &[f64], keep: &dyn Fn(f64) -> bool| {
            Section::ALL
                .iter()
                .filter(|s| keep(v[s.index()]))
                .map(|s| (s.to_string(), v[s.index()]))
                .collect()
        };
        TermsDto {
            deductible: c.deductible,
            occurrence_limit: c.occurrence_limit,
            aggregate_limit: c.aggregate_limit,
            sublimits: pick(&c.sublimits, &|x| x.is_finite()),
            retentions: pick(&c.retentions, &|x| x != 0.0),
            coinsurance: pick(&c.coinsurance, &|x| x != 1.0),
            waiting_period_hours: c.waiting_period_hours,
        }
    }
}

/// One reason for a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReasonDto {
    /// Stable code (`exposed_rdp`, `mfa_missing`, …).
    pub code: String,
    /// In words.
    pub message: String,
    /// `refer`, `decline`, or absent for an informational reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// The underwriter's decision (contract §10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DecisionDto {
    /// `accept`, `refer` or `decline`.
    pub status: String,
    /// Why (declining reasons first).
    pub reasons: Vec<ReasonDto>,
}

impl DecisionDto {
    /// The wire form of a decision.
    pub fn new(d: &Decision) -> Self {
        DecisionDto {
            status: d.status.as_str().into(),
            reasons: d
                .reasons
                .iter()
                .map(|r| ReasonDto {
                    code: r.code.clone(),
                    message: r.message.clone(),
                    action: r.action.map(|a| a.as_str().to_string()),
                })
                .collect(),
        }
    }
}

/// An option's premium.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OptionPremiumDto {
    /// E[insured annual loss].
    pub pure: f64,
    /// The model's indicated premium.
    pub technical: f64,
    /// What the insurer would quote (schedule bounded, minimum applied).
    pub charged: f64,
    /// The minimum premium set `charged`.
    pub minimum_applied: bool,
    /// Standard error of `technical`.
    pub technical_std_error: f64,
    /// technical ÷ charged (insurers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adequacy: Option<f64>,
}

/// An option's insured annual loss.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OptionLossDto {
    /// Mean.
    pub mean: f64,
    /// TVaR at the model's capital level.
    pub tvar: f64,
    /// That level.
    pub level: f64,
}

/// One priced option.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteOptionDto {
    /// The terms priced.
    pub terms: TermsDto,
    /// Premium.
    pub premium: OptionPremiumDto,
    /// Insured annual loss.
    pub insured_loss: OptionLossDto,
}

/// Increased-limit factor: an option's premium over that of the option with the same retention
/// and the lowest limit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LimitFactorDto {
    /// Option index.
    pub option: usize,
    /// Its deductible.
    pub deductible: f64,
    /// Its occurrence limit.
    pub occurrence_limit: f64,
    /// The option it is relative to.
    pub basis_option: usize,
    /// technical ÷ the basis option's technical.
    pub factor: f64,
}

/// Deductible credit: 1 − an option's premium over that of the option with the same limit and
/// the lowest deductible.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeductibleCreditDto {
    /// Option index.
    pub option: usize,
    /// Its deductible.
    pub deductible: f64,
    /// Its occurrence limit.
    pub occurrence_limit: f64,
    /// The option it is relative to.
    pub basis_option: usize,
    /// 1 − technical ÷ the basis option's technical.
    pub credit: f64,
}

/// A quote (contract §10).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteDto {
    /// `name-version` of the model.
    pub model_version: String,
    /// Hash of the model file.
    pub model_hash: String,
    /// Version of the sector threat table priced with.
    pub threat_level_version: String,
    /// Seed shared by every option.
    pub seed: u64,
    /// Simulated years shared by every option.
    pub trials: u64,
    /// Currency of every amount.
    pub currency: String,
    /// The firm's score.
    pub score: f64,
    /// Accept, refer or decline (the firm, whatever the option).
    pub decision: DecisionDto,
    /// The options, in request order, priced on the same simulated years.
    pub options: Vec<QuoteOptionDto>,
    /// Increased-limit factors among options that share a deductible and other terms.
    pub increased_limit_factors: Vec<LimitFactorDto>,
    /// Deductible credits among options that share a limit and other terms.
    pub deductible_credits: Vec<DeductibleCreditDto>,
}

/// Whether two coverages have the same section terms (they may differ in deductible and
/// limits): options that can be related by an increased-limit factor or a deductible credit.
fn same_sections(a: &Coverage, b: &Coverage) -> bool {
    a.sublimits == b.sublimits
        && a.retentions == b.retentions
        && a.coinsurance == b.coinsurance
        && a.waiting_period_hours == b.waiting_period_hours
}

impl QuoteDto {
    /// The wire form of a quote; `insurer` adds the adequacy ratio.
    pub fn new(profile: &FirmProfile, params: &ModelParams, q: &Quote, insurer: bool) -> Self {
        let level = params.pricing.capital_level;
        let options: Vec<QuoteOptionDto> = q
            .options
            .iter()
            .map(|o| QuoteOptionDto {
                terms: TermsDto::new(&o.coverage),
                premium: OptionPremiumDto {
                    pure: o.premium.pure,
                    technical: o.premium.technical,
                    charged: o.premium.charged,
                    minimum_applied: o.premium.minimum_applied,
                    technical_std_error: o.premium.technical_std_error,
                    adequacy: insurer.then_some(o.premium.adequacy),
                },
                insured_loss: OptionLossDto {
                    mean: o.insured.mean,
                    tvar: o.insured.tvar.first().map_or(0.0, |t| t.value),
                    level,
                },
            })
            .collect();
        let mut ilf = Vec::new();
        let mut credits = Vec::new();
        for (i, o) in q.options.iter().enumerate() {
            let c = &o.coverage;
            // Basis for the ILF: same deductible and other terms, lowest limit.
            let basis = q
                .options
                .iter()
                .enumerate()
                .filter(|(_, b)| {
                    b.coverage.deductible == c.deductible && same_sections(&b.coverage, c)
                })
                .min_by(|a, b| {
                    a.1.coverage
                        .occurrence_limit
                        .total_cmp(&b.1.coverage.occurrence_limit)
                });
            if let Some((j, b)) = basis
                && b.premium.technical > 0.0
            {
                ilf.push(LimitFactorDto {
                    option: i,
                    deductible: c.deductible,
                    occurrence_limit: c.occurrence_limit,
                    basis_option: j,
                    factor: o.premium.technical / b.premium.technical,
                });
            }
            let basis = q
                .options
                .iter()
                .enumerate()
                .filter(|(_, b)| {
                    b.coverage.occurrence_limit == c.occurrence_limit
                        && same_sections(&b.coverage, c)
                })
                .min_by(|a, b| a.1.coverage.deductible.total_cmp(&b.1.coverage.deductible));
            if let Some((j, b)) = basis
                && b.premium.technical > 0.0
            {
                credits.push(DeductibleCreditDto {
                    option: i,
                    deductible: c.deductible,
                    occurrence_limit: c.occurrence_limit,
                    basis_option: j,
                    credit: 1.0 - o.premium.technical / b.premium.technical,
                });
            }
        }
        QuoteDto {
            model_version: params.id(),
            model_hash: params.hash.clone(),
            threat_level_version: params.threat.version.clone(),
            seed: q.seed,
            trials: q.trials,
            currency: profile.currency.clone(),
            score: q.score.value,
            decision: DecisionDto::new(&q.decision),
            options,
            increased_limit_factors: ilf,
            deductible_credits: credits,
        }
    }
}
