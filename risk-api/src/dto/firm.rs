//! Wire types of firm assessments and premium impact (contract §5–6).

use risk_core::params::ModelParams;
use risk_core::pricing::Assessment;
use risk_core::pricing::{Impact, Premium};
use risk_core::profile::FirmProfile;
use risk_core::score::{Standing, credit_share};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::quote::{DecisionDto, TermsDto};
use super::v1::{LossReport, Side};
use crate::keys::Role;

/// Assessment (contract §5).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssessmentDto {
    /// Identifier.
    pub id: String,
    /// `name-version` of the model.
    pub model_version: String,
    /// Hash of the model file's content.
    pub model_hash: String,
    /// Version of the sector threat-level table used.
    pub threat_level_version: String,
    /// Seed of the simulation.
    pub seed: u64,
    /// Simulated years.
    pub trials: u64,
    /// Currency of every amount.
    pub currency: String,
    /// Valuation date.
    pub as_of: String,
    /// Firm name and industry.
    pub firm: FirmDto,
    /// The score.
    pub score: ScoreDto,
    /// Certificates as the model read them.
    pub certifications: Vec<CertificationDto>,
    /// The firm's loss model.
    pub perils: Vec<PerilModelDto>,
    /// Gross annual loss.
    pub loss: LossReport,
    /// Annual loss after coverage.
    pub insured_loss: LossReport,
    /// Premium.
    pub premium: PremiumDto,
    /// The coverage priced, defaults filled in (absent only on assessments stored before
    /// underwriting was reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<TermsDto>,
    /// Accept, refer or decline, with reasons (absent only on assessments stored before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionDto>,
    /// The sector threat level applied to the firm's loss model: its own line, outside the
    /// score (absent only on assessments stored before it was reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threat: Option<ThreatLineDto>,
}

/// The sector threat in an Assessment: what the table in force did to the firm's loss model.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ThreatLineDto {
    /// Version of the threat table (the same as `threat_level_version`).
    pub version: String,
    /// Frequency multiplier per peril the firm has, for its industry.
    pub multipliers: std::collections::BTreeMap<String, f64>,
    /// Expected gross loss with the threat ÷ without it (1: no threat level applies).
    pub expected_loss_factor: f64,
    /// Whether the score carries the threat too (true only for a threat-table version published
    /// before score and threat were separated; the score then weighs perils by their threatened
    /// frequency, as it always had, so those assessments reproduce).
    pub in_score: bool,
}

/// Who was assessed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FirmDto {
    /// Name.
    pub name: String,
    /// The firm's id, which certificate registries name as the holder: for a firm's key always
    /// the key's subject, whatever the profile said; for an insurer the profile's `firm.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Industry.
    pub industry: String,
    /// Annual revenue.
    pub annual_revenue: f64,
}

/// The score (contract §5).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScoreDto {
    /// 0–1000, higher is safer.
    pub value: f64,
    /// Score at relative risk 1.
    pub baseline: f64,
    /// Grade band.
    pub grade: String,
    /// Expected gross loss relative to the baseline firm.
    pub relative_risk: f64,
    /// Factor contributions, summing to value − baseline.
    pub contributions: Vec<ContributionDto>,
    /// CSF functions not answered (counted at the industry median).
    pub unknown_maturity: Vec<String>,
}

/// One factor's points.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContributionDto {
    /// Factor name.
    pub factor: String,
    /// Points.
    pub points: f64,
}

/// A certificate as the model read it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificationDto {
    /// Scheme.
    pub scheme: String,
    /// The status the model read: the registry's when `verified`, else as declared.
    pub status: String,
    /// `active`, `lapsed` (decaying credit), `negative` (penalty) or `no_credit`.
    pub standing: String,
    /// Months since it lapsed (lapsed only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months_lapsed: Option<f64>,
    /// The certificate number the profile cited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// True when a registered certificate of this scheme and number is held by the assessed
    /// firm: the registry's status, dates and scope were priced, not the profile's.
    #[serde(default)]
    pub verified: bool,
    /// Share of the scheme's full effect this certificate earned on its own: scope share ×
    /// the model's credit for a declared (unverified) certificate (1 when verified) × the lapse
    /// decay; 0 with no credit or a penalty (before combination with other certificates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_share: Option<f64>,
}

/// One peril of the firm's loss model.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PerilModelDto {
    /// Peril.
    pub name: String,
    /// Expected events a year.
    pub frequency: f64,
    /// Expected size of one event (gross).
    pub severity_mean: f64,
    /// Expected gross annual loss.
    pub expected_loss: f64,
}

/// Premium (contract §5), with insurer-side detail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PremiumDto {
    /// E[insured loss].
    pub pure: f64,
    /// Technical premium.
    pub technical: f64,
    /// Currency.
    pub currency: String,
    /// Standard error of `pure`.
    pub pure_std_error: f64,
    /// Standard error of `technical`.
    pub technical_std_error: f64,
    /// What the insurer would quote: the rating plan with the schedule modifier bounded by the
    /// model's bound, at least the model's minimum premium (absent only on assessments stored
    /// before it was reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charged: Option<f64>,
    /// The minimum premium set `charged`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_applied: Option<bool>,
    /// Insurer loadings and the rating-plan view (insurer-only in the service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loadings: Option<LoadingsDto>,
}

/// Insurer-only premium detail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoadingsDto {
    /// Capital load.
    pub risk_load: f64,
    /// Expense load.
    pub expense_load: f64,
    /// TVaR of the insured loss at the capital level.
    pub capital_tvar: f64,
    /// technical = base × industry × revenue × layer × (1 + schedule).
    pub rating_plan: RatingPlanDto,
    /// technical ÷ charged: above 1 the charged premium is below the model's indication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adequacy: Option<f64>,
    /// The model's minimum premium in this currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_premium: Option<f64>,
}

/// Rating-plan decomposition.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RatingPlanDto {
    /// Reference firm's expected gross loss.
    pub base: f64,
    /// Industry factor.
    pub industry_factor: f64,
    /// Revenue factor.
    pub revenue_factor: f64,
    /// Layer and loading factor.
    pub layer_factor: f64,
    /// Model-indicated schedule modifier.
    pub schedule_modifier: f64,
    /// Schedule modifier within the filed bound.
    pub schedule_modifier_bounded: f64,
    /// Premium before the schedule modifier: base × industry × revenue × layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unscheduled_premium: Option<f64>,
    /// Premium with the bounded modifier.
    pub schedule_bounded_premium: f64,
}

impl PremiumDto {
    /// Converts a premium; `with_loadings` for insurer views.
    pub fn new(p: &Premium, currency: &str, with_loadings: bool) -> Self {
        let r = &p.rating_plan;
        PremiumDto {
            pure: p.pure,
            technical: p.technical,
            currency: currency.to_string(),
            pure_std_error: p.pure_std_error,
            technical_std_error: p.technical_std_error,
            charged: Some(p.charged),
            minimum_applied: Some(p.minimum_applied),
            loadings: with_loadings.then_some(LoadingsDto {
                risk_load: p.risk_load,
                expense_load: p.expense_load,
                capital_tvar: p.capital_tvar,
                rating_plan: RatingPlanDto {
                    base: r.base,
                    industry_factor: r.industry_factor,
                    revenue_factor: r.revenue_factor,
                    layer_factor: r.layer_factor,
                    schedule_modifier: r.schedule_modifier,
                    schedule_modifier_bounded: r.schedule_modifier_bounded,
                    unscheduled_premium: Some(r.unscheduled_premium),
                    schedule_bounded_premium: r.schedule_bounded_premium,
                },
                adequacy: Some(p.adequacy),
                minimum_premium: Some(p.minimum_premium),
            }),
        }
    }
}

impl AssessmentDto {
    /// What a caller of `role` may see: insurers get the premium's loadings, nobody else (the
    /// stored result is the insurer view).
    #[must_use]
    pub fn view(mut self, role: Role) -> Self {
        if role != Role::Insurer {
            self.premium.loadings = None;
        }
        self
    }

    /// Converts an assessment.
    pub fn new(
        id: String,
        profile: &FirmProfile,
        params: &ModelParams,
        a: &Assessment,
        with_loadings: bool,
    ) -> Self {
        let levels = risk_core::model::spec_defaults::LEVELS;
        let s = &a.score;
        AssessmentDto {
            id,
            model_version: params.id(),
            model_hash: params.hash.clone(),
            threat_level_version: params.threat.version.clone(),
            seed: a.simulation.seed(),
            trials: a.simulation.trials(),
            currency: profile.currency.clone(),
            as_of: profile.as_of.to_string(),
            firm: FirmDto {
                name: profile.name.clone(),
                id: profile.id.clone(),
                industry: profile.industry.to_string(),
                annual_revenue: profile.annual_revenue,
            },
            score: ScoreDto {
                value: s.value,
                baseline: s.baseline,
                grade: s.grade.clone(),
                relative_risk: s.relative_risk,
                contributions: s
                    .contributions
                    .iter()
                    .map(|c| ContributionDto {
                        factor: c.factor.clone(),
                        points: c.points,
                    })
                    .collect(),
                unknown_maturity: s
                    .unknown_functions
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            },
            certifications: profile
                .certifications
                .iter()
                .zip(&s.standings)
                .map(|(c, st)| CertificationDto {
                    scheme: c.scheme.to_string(),
                    status: c.status.as_str().into(),
                    standing: match st {
                        Standing::Active => "active",
                        Standing::Lapsed { .. } => "lapsed",
                        Standing::Negative => "negative",
                        Standing::NoCredit => "no_credit",
                    }
                    .into(),
                    months_lapsed: match st {
                        Standing::Lapsed { months } => Some(*months),
                        _ => None,
                    },
                    certificate_id: c.certificate_id.clone(),
                    verified: c.verified,
                    credit_share: Some(credit_share(c, *st, params)),
                })
                .collect(),
            perils: a
                .model
                .perils()
                .iter()
                .map(|p| PerilModelDto {
                    name: p.name().to_string(),
                    frequency: p.frequency().mean(),
                    severity_mean: p.severity().mean(),
                    expected_loss: p.frequency().mean() * p.severity().mean(),
                })
                .collect(),
            loss: LossReport::monte_carlo(&a.model, &a.simulation, Side::Gross, &levels, &[]),
            insured_loss: LossReport::monte_carlo(
                &a.model,
                &a.simulation,
                Side::Insured,
                &levels,
                &[],
            ),
            premium: PremiumDto::new(&a.premium, &profile.currency, with_loadings),
            terms: Some(TermsDto::new(&profile.coverage)),
            decision: Some(DecisionDto::new(&a.decision)),
            threat: Some(ThreatLineDto {
                version: params.threat.version.clone(),
                multipliers: s
                    .base_perils
                    .iter()
                    .zip(risk_core::vocab::Peril::ALL)
                    .filter_map(|(b, p)| b.map(|b| (p.to_string(), b.threat)))
                    .collect(),
                expected_loss_factor: risk_core::exposure::threat_effect(
                    &s.base_perils,
                    &s.multipliers,
                ),
                in_score: params.threat.in_score,
            }),
        }
    }
}

/// Impact (contract §6).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImpactDto {
    /// `name-version` of the model.
    pub model_version: String,
    /// Version of the sector threat table priced with.
    pub threat_level_version: String,
    /// Currency of every amount.
    pub currency: String,
    /// Seed shared by every counterfactual.
    pub seed: u64,
    /// Simulated years of every counterfactual.
    pub trials: u64,
    /// Current technical premium.
    pub current_premium: f64,
    /// Its standard error.
    pub current_premium_std_error: f64,
    /// Current score.
    pub current_score: f64,
    /// Counterfactuals, largest saving first.
    pub items: Vec<ImpactItemDto>,
}

/// One counterfactual.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImpactItemDto {
    /// Change id.
    pub change: String,
    /// In words.
    pub description: String,
    /// Technical premium.
    pub premium: f64,
    /// premium − current premium.
    pub delta: f64,
    /// Standard error of `delta` (common random numbers).
    pub delta_std_error: f64,
    /// Score after the change.
    pub score: f64,
    /// `obtain:` and `upgrade:` items that save: years for the saving to repay the certificate's
    /// first-cycle cost (model's cost table), cost ÷ −delta.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payback_years: Option<f64>,
}

impl ImpactDto {
    /// Converts an impact report.
    pub fn new(profile: &FirmProfile, params: &ModelParams, i: &Impact) -> Self {
        ImpactDto {
            model_version: params.id(),
            threat_level_version: params.threat.version.clone(),
            currency: profile.currency.clone(),
            seed: i.current.simulation.seed(),
            trials: i.current.simulation.trials(),
            current_premium: i.current.premium.technical,
            current_premium_std_error: i.current.premium.technical_std_error,
            current_score: i.current.score.value,
            items: i
                .items
                .iter()
                .map(|it| ImpactItemDto {
                    change: it.change.clone(),
                    description: it.description.clone(),
                    premium: it.premium,
                    delta: it.delta,
                    delta_std_error: it.delta_std_error,
                    score: it.score,
                    payback_years: it.payback_years,
                })
                .collect(),
        }
    }
}
