//! Wire types of the public interface (contract §3 onwards), converted by hand from core types so
//! that a refactor of the core never changes what clients see by accident.

/// Version 1 of the wire format.
pub mod v1 {
    use risk_core::engine::Simulation;
    use risk_core::engine::exact::ExactResult;
    use risk_core::model::LossModel;
    use risk_core::stats::{Exceedance, LevelValue, LossStats};
    use serde::Serialize;
    use utoipa::ToSchema;

    /// How a distribution was computed.
    #[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Method {
        /// Sampled.
        MonteCarlo,
        /// Computed on a grid by FFT.
        Exact,
    }

    /// LossReport (contract §3).
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct LossReport {
        /// `monte_carlo` or `exact`.
        pub method: Method,
        /// Simulated years (null for exact).
        pub trials: Option<u64>,
        /// Seed (null for exact).
        pub seed: Option<u64>,
        /// E[L].
        pub mean: f64,
        /// sd(L).
        pub std: f64,
        /// Standard error of the mean.
        pub mean_std_error: Option<f64>,
        /// VaR per level.
        pub var: Vec<LevelDto>,
        /// TVaR per level.
        pub tvar: Vec<LevelDto>,
        /// Exceedance probabilities.
        pub exceedance: Vec<ExceedanceDto>,
        /// Per-peril expected frequency and loss.
        pub perils: Vec<PerilDto>,
        /// Exact method: bound on the absolute error of the reported probabilities.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub error_bound: Option<f64>,
    }

    /// A statistic at a level.
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct LevelDto {
        /// Confidence level.
        pub level: f64,
        /// Value, currency units.
        pub value: f64,
        /// Standard error.
        pub std_error: Option<f64>,
    }

    /// An exceedance probability.
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct ExceedanceDto {
        /// Loss amount.
        pub threshold: f64,
        /// P(L > threshold).
        pub probability: f64,
        /// Standard error.
        pub std_error: Option<f64>,
    }

    /// One peril's contribution.
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct PerilDto {
        /// Peril name.
        pub name: String,
        /// Expected events a year.
        pub frequency: f64,
        /// Expected annual loss from this peril (after terms; the aggregate limit shared pro rata).
        pub mean: f64,
        /// Standard error of `mean`.
        pub mean_std_error: Option<f64>,
    }

    impl From<&LevelValue> for LevelDto {
        fn from(v: &LevelValue) -> Self {
            LevelDto {
                level: v.level,
                value: v.value,
                std_error: v.std_error,
            }
        }
    }

    impl From<&Exceedance> for ExceedanceDto {
        fn from(e: &Exceedance) -> Self {
            ExceedanceDto {
                threshold: e.threshold,
                probability: e.probability,
                std_error: e.std_error,
            }
        }
    }

    /// Which side of the terms a report describes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Side {
        /// Before terms.
        Gross,
        /// After terms.
        Insured,
    }

    impl LossReport {
        /// A Monte Carlo report of `sim`'s gross or insured losses.
        pub fn monte_carlo(
            model: &LossModel,
            sim: &Simulation,
            side: Side,
            levels: &[f64],
            thresholds: &[f64],
        ) -> Self {
            let losses = match side {
                Side::Gross => sim.gross(),
                Side::Insured => sim.insured(),
            };
            let stats = LossStats::from_sample(losses, levels, thresholds);
            let n = sim.trials() as f64;
            let perils = model
                .perils()
                .iter()
                .zip(sim.perils())
                .map(|(p, t)| {
                    let (s1, s2) = match side {
                        Side::Gross => (t.gross_sum, t.gross_sum_sq),
                        Side::Insured => (t.insured_sum, t.insured_sum_sq),
                    };
                    let mean = s1 / n;
                    let var = (s2 / n - mean * mean).max(0.0) * n / (n - 1.0).max(1.0);
                    PerilDto {
                        name: p.name().to_string(),
                        frequency: p.frequency().mean(),
                        mean,
                        mean_std_error: Some((var / n).sqrt()),
                    }
                })
                .collect();
            LossReport::from_stats(
                Method::MonteCarlo,
                Some(sim.trials()),
                Some(sim.seed()),
                &stats,
                perils,
                None,
            )
        }

        /// Assembles a report from statistics.
        pub fn from_stats(
            method: Method,
            trials: Option<u64>,
            seed: Option<u64>,
            stats: &LossStats,
            perils: Vec<PerilDto>,
            error_bound: Option<f64>,
        ) -> Self {
            LossReport {
                method,
                trials,
                seed,
                mean: stats.mean,
                std: stats.std,
                mean_std_error: stats.mean_std_error,
                var: stats.var.iter().map(Into::into).collect(),
                tvar: stats.tvar.iter().map(Into::into).collect(),
                exceedance: stats.exceedance.iter().map(Into::into).collect(),
                perils,
                error_bound,
            }
        }

        /// An exact report: `trials`, `seed` and standard errors null, with the error bound.
        pub fn exact(model: &LossModel, exact: &ExactResult) -> Self {
            let perils = model
                .perils()
                .iter()
                .zip(&exact.perils)
                .map(|(p, e)| PerilDto {
                    name: p.name().to_string(),
                    frequency: e.frequency,
                    mean: e.mean,
                    mean_std_error: None,
                })
                .collect();
            LossReport::from_stats(
                Method::Exact,
                None,
                None,
                &exact.stats,
                perils,
                Some(exact.error_bound),
            )
        }
    }

    /// `risk simulate --check`: Monte Carlo against exact, statistic by statistic, and the mean
    /// and standard deviation against their closed forms (the way Mildenhall's `aggregate`
    /// prints its moment check with every result).
    ///
    /// z = (Monte Carlo − exact)/std_error, with the Monte Carlo standard error (for exceedance
    /// the binomial one at the exact probability); null where it is undefined (zero standard
    /// error and a difference, or an infinite exact value).
    #[derive(Debug, Clone, Serialize)]
    pub struct CheckReport {
        /// Always `check`.
        pub method: &'static str,
        /// Simulated years of the Monte Carlo run.
        pub trials: u64,
        /// Its seed.
        pub seed: u64,
        /// The exact method's bound on the absolute error of its probabilities.
        pub error_bound: f64,
        /// Bucket size of the exact method's finest grid (currency units).
        pub bucket: f64,
        /// Cells of that grid.
        pub grid_points: usize,
        /// E[L].
        pub mean: CheckMoment,
        /// sd(L).
        pub std: CheckMoment,
        /// VaR per level.
        pub var: Vec<CheckLevel>,
        /// TVaR per level.
        pub tvar: Vec<CheckLevel>,
        /// Exceedance probabilities.
        pub exceedance: Vec<CheckThreshold>,
        /// Largest |z| over all rows (null if none is defined).
        pub max_abs_z: Option<f64>,
        /// Whether every defined |z| is at most 3.
        pub within_3_std_errors: bool,
    }

    /// A moment three ways.
    #[derive(Debug, Clone, Serialize)]
    pub struct CheckMoment {
        /// Closed form (null under an aggregate limit; null too when infinite).
        pub closed_form: Option<f64>,
        /// Exact method (null when infinite).
        pub exact: Option<f64>,
        /// Monte Carlo estimate.
        pub monte_carlo: f64,
        /// Its standard error: sd/√n for the mean, √((m₄ − s⁴)/n)/(2s) for the std.
        pub std_error: Option<f64>,
        /// (Monte Carlo − exact)/std_error.
        pub z: Option<f64>,
    }

    /// A statistic at a level, both ways.
    #[derive(Debug, Clone, Serialize)]
    pub struct CheckLevel {
        /// Confidence level.
        pub level: f64,
        /// Exact method.
        pub exact: f64,
        /// Monte Carlo estimate.
        pub monte_carlo: f64,
        /// Its standard error.
        pub std_error: Option<f64>,
        /// (Monte Carlo − exact)/std_error.
        pub z: Option<f64>,
    }

    /// An exceedance probability, both ways.
    #[derive(Debug, Clone, Serialize)]
    pub struct CheckThreshold {
        /// Loss amount.
        pub threshold: f64,
        /// Exact method.
        pub exact: f64,
        /// Monte Carlo estimate.
        pub monte_carlo: f64,
        /// Binomial standard error √(p(1 − p)/n) at the exact p.
        pub std_error: f64,
        /// (Monte Carlo − exact)/std_error.
        pub z: Option<f64>,
    }

    /// (Monte Carlo − exact)/se; 0 for equal values, None when undefined.
    fn z_score(mc: f64, exact: f64, se: Option<f64>) -> Option<f64> {
        if mc == exact {
            return Some(0.0);
        }
        let z = (mc - exact) / se?;
        z.is_finite().then_some(z)
    }

    fn finite(x: f64) -> Option<f64> {
        x.is_finite().then_some(x)
    }

    impl CheckReport {
        /// Compares `sim` (the insured losses of a Monte Carlo run) with `exact`.
        pub fn new(
            sim: &Simulation,
            exact: &ExactResult,
            levels: &[f64],
            thresholds: &[f64],
        ) -> Self {
            let losses = sim.insured();
            let mc = LossStats::from_sample(losses, levels, thresholds);
            let n = losses.len() as f64;
            let ex = &exact.stats;
            // Standard error of the sample std: √((m₄ − s⁴)/n)/(2s).
            let m4 = losses.iter().map(|x| (x - mc.mean).powi(4)).sum::<f64>() / n;
            let s2 = mc.std * mc.std;
            let std_se =
                (mc.std > 0.0).then(|| ((m4 - s2 * s2).max(0.0) / n).sqrt() / (2.0 * mc.std));
            let mean = CheckMoment {
                closed_form: exact.closed_form_mean,
                exact: finite(ex.mean),
                monte_carlo: mc.mean,
                std_error: mc.mean_std_error,
                z: z_score(mc.mean, ex.mean, mc.mean_std_error),
            };
            let std = CheckMoment {
                closed_form: exact.closed_form_std.and_then(finite),
                exact: finite(ex.std),
                monte_carlo: mc.std,
                std_error: std_se,
                z: finite(ex.std).and_then(|e| z_score(mc.std, e, std_se)),
            };
            let rows = |m: &[LevelValue], e: &[LevelValue]| -> Vec<CheckLevel> {
                m.iter()
                    .zip(e)
                    .map(|(m, e)| CheckLevel {
                        level: m.level,
                        exact: e.value,
                        monte_carlo: m.value,
                        std_error: m.std_error,
                        z: z_score(m.value, e.value, m.std_error),
                    })
                    .collect()
            };
            let var = rows(&mc.var, &ex.var);
            let tvar = rows(&mc.tvar, &ex.tvar);
            let exceedance: Vec<CheckThreshold> = mc
                .exceedance
                .iter()
                .zip(&ex.exceedance)
                .map(|(m, e)| {
                    let p = e.probability;
                    let se = (p * (1.0 - p) / n).sqrt();
                    CheckThreshold {
                        threshold: m.threshold,
                        exact: p,
                        monte_carlo: m.probability,
                        std_error: se,
                        z: z_score(m.probability, p, Some(se)),
                    }
                })
                .collect();
            let zs: Vec<f64> = [mean.z, std.z]
                .into_iter()
                .chain(var.iter().map(|r| r.z))
                .chain(tvar.iter().map(|r| r.z))
                .chain(exceedance.iter().map(|r| r.z))
                .flatten()
                .map(f64::abs)
                .collect();
            let max_abs_z = zs.iter().copied().reduce(f64::max);
            CheckReport {
                method: "check",
                trials: sim.trials(),
                seed: sim.seed(),
                error_bound: exact.error_bound,
                bucket: exact.grid.bucket,
                grid_points: exact.grid.points,
                mean,
                std,
                var,
                tvar,
                exceedance,
                max_abs_z,
                within_3_std_errors: zs.iter().all(|&z| z <= 3.0),
            }
        }
    }
}

/// Wire types of firm assessments and premium impact (contract §5–6).
pub mod firm {
    use risk_core::assess::Assessment;
    use risk_core::model::ModelParams;
    use risk_core::pricing::{Impact, Premium};
    use risk_core::profile::{FirmProfile, Status};
    use risk_core::score::Standing;
    use serde::Serialize;
    use utoipa::ToSchema;

    use super::v1::{LossReport, Side};

    /// Assessment (contract §5).
    #[derive(Debug, Clone, Serialize, ToSchema)]
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
    }

    /// Who was assessed.
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct FirmDto {
        /// Name.
        pub name: String,
        /// Industry.
        pub industry: String,
        /// Annual revenue.
        pub annual_revenue: f64,
    }

    /// The score (contract §5).
    #[derive(Debug, Clone, Serialize, ToSchema)]
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
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct ContributionDto {
        /// Factor name.
        pub factor: String,
        /// Points.
        pub points: f64,
    }

    /// A certificate as the model read it.
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct CertificationDto {
        /// Scheme.
        pub scheme: String,
        /// Declared status.
        pub status: String,
        /// `active`, `lapsed` (decaying credit) or `negative` (penalty).
        pub standing: String,
        /// Months since it lapsed (lapsed only).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub months_lapsed: Option<f64>,
    }

    /// One peril of the firm's loss model.
    #[derive(Debug, Clone, Serialize, ToSchema)]
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
    #[derive(Debug, Clone, Serialize, ToSchema)]
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
        /// Insurer loadings and the rating-plan view (insurer-only in the service).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub loadings: Option<LoadingsDto>,
    }

    /// Insurer-only premium detail.
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct LoadingsDto {
        /// Capital load.
        pub risk_load: f64,
        /// Expense load.
        pub expense_load: f64,
        /// TVaR of the insured loss at the capital level.
        pub capital_tvar: f64,
        /// technical = base × industry × revenue × layer × (1 + schedule).
        pub rating_plan: RatingPlanDto,
    }

    /// Rating-plan decomposition.
    #[derive(Debug, Clone, Serialize, ToSchema)]
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
                        schedule_bounded_premium: r.schedule_bounded_premium,
                    },
                }),
            }
        }
    }

    fn status_name(s: Status) -> &'static str {
        match s {
            Status::Active => "active",
            Status::Lapsed => "lapsed",
            Status::Suspended => "suspended",
            Status::Withdrawn => "withdrawn",
        }
    }

    impl AssessmentDto {
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
                        status: status_name(c.status).into(),
                        standing: match st {
                            Standing::Active => "active",
                            Standing::Lapsed { .. } => "lapsed",
                            Standing::Negative => "negative",
                        }
                        .into(),
                        months_lapsed: match st {
                            Standing::Lapsed { months } => Some(*months),
                            _ => None,
                        },
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
            }
        }
    }

    /// Impact (contract §6).
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct ImpactDto {
        /// `name-version` of the model.
        pub model_version: String,
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
    }

    impl ImpactDto {
        /// Converts an impact report.
        pub fn new(profile: &FirmProfile, params: &ModelParams, i: &Impact) -> Self {
            ImpactDto {
                model_version: params.id(),
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
                    })
                    .collect(),
            }
        }
    }
}

/// Wire type of portfolio reports (contract §7).
pub mod portfolio {
    use serde::Serialize;

    use super::v1::LevelDto;

    /// PortfolioReport.
    #[derive(Debug, Clone, Serialize)]
    pub struct PortfolioReport {
        /// Policies simulated (a shard's count for a shard run).
        pub policies: usize,
        /// Simulated years.
        pub trials: u64,
        /// Seed.
        pub seed: u64,
        /// `i/n` for a shard run.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub shard: Option<String>,
        /// Mean annual insured loss.
        pub mean: f64,
        /// Its standard error.
        pub mean_std_error: Option<f64>,
        /// Closed-form mean of the gross loss (equals `mean` in expectation when no policy has terms).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub closed_form_gross_mean: Option<f64>,
        /// VaR per level.
        pub var: Vec<LevelDto>,
        /// TVaR per level.
        pub tvar: Vec<LevelDto>,
        /// Loss exceeded once every `return_period` years on average.
        pub exceedance_curve: Vec<ReturnPeriodDto>,
        /// Mean annual insured loss caused by each shock.
        pub shocks: Vec<ShockDto>,
        /// Level of the capital allocation.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub allocation_level: Option<f64>,
        /// Σ of all policies' allocations (= TVaR at the allocation level).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub allocated_total: Option<f64>,
        /// Largest co-TVaR allocations.
        pub top_contributors: Vec<ContributorDto>,
    }

    /// One point of the exceedance curve.
    #[derive(Debug, Clone, Serialize)]
    pub struct ReturnPeriodDto {
        /// Years.
        pub return_period: f64,
        /// VaR at 1 − 1/return_period.
        pub loss: f64,
    }

    /// A shock's mean.
    #[derive(Debug, Clone, Serialize)]
    pub struct ShockDto {
        /// Name.
        pub name: String,
        /// Mean annual insured loss it causes.
        pub mean: f64,
    }

    /// A policy's allocation.
    #[derive(Debug, Clone, Serialize)]
    pub struct ContributorDto {
        /// Policy id.
        pub policy_id: String,
        /// Co-TVaR allocation.
        pub tvar_contribution: f64,
    }
}

/// Calibration report (`risk calibrate`).
pub mod calibration {
    use risk_core::calibrate::{Calibration, FactorFit, PartFit};
    use serde::Serialize;

    /// What `risk calibrate` prints.
    #[derive(Debug, Serialize)]
    pub struct CalibrationReport {
        /// `name-version` of the prior model.
        pub model: String,
        /// The data.
        pub data: DataSummary,
        /// Frequency factors.
        pub frequency: PartReport,
        /// Severity factors.
        pub severity: PartReport,
        /// The calibrated version written (None with `--dry-run`).
        pub new_model: Option<NewModel>,
    }

    /// The claims data used.
    #[derive(Debug, Serialize)]
    pub struct DataSummary {
        /// File given.
        pub file: String,
        /// SHA-256 of its bytes.
        pub sha256: String,
        /// Rows.
        pub rows: usize,
        /// Σ exposure (years).
        pub policy_years: f64,
        /// Σ claims.
        pub claims: u64,
    }

    /// One part's fit.
    #[derive(Debug, Serialize)]
    pub struct PartReport {
        /// Rows used.
        pub rows: usize,
        /// Fisher-scoring steps.
        pub iterations: usize,
        /// Observed ÷ expected under the prior model.
        pub actual_to_expected_prior: f64,
        /// Observed ÷ expected under the posterior.
        pub actual_to_expected_posterior: f64,
        /// Factors with data.
        pub factors: Vec<FactorReport>,
    }

    /// One factor.
    #[derive(Debug, Serialize)]
    pub struct FactorReport {
        /// `industry:…`, `certification:…`, `maturity:<level>`.
        pub factor: String,
        /// Model-file parameters it scales.
        pub parameter: String,
        /// Value in the prior model.
        pub prior: f64,
        /// 95% prior interval.
        pub prior_interval: [f64; 2],
        /// Posterior median.
        pub posterior: f64,
        /// 95% credible interval.
        pub interval: [f64; 2],
        /// 0 = all prior, 1 = all data.
        pub data_weight: f64,
        /// Policy-years bearing on it.
        pub policy_years: f64,
        /// Claims bearing on it.
        pub claims: f64,
        /// The 95% interval excludes 1 (no effect / the average).
        pub differs_from_one: bool,
    }

    /// The model version written.
    #[derive(Debug, Serialize)]
    pub struct NewModel {
        /// `name-version`.
        pub id: String,
        /// File written.
        pub file: String,
        /// Hash of the file (as `GET /v1/models` shows it).
        pub hash: String,
        /// Parameters changed.
        pub changed: Vec<String>,
        /// Adjustments made to keep the model's invariants.
        pub notes: Vec<String>,
    }

    impl PartReport {
        fn new(p: &PartFit) -> Self {
            PartReport {
                rows: p.rows,
                iterations: p.iterations,
                actual_to_expected_prior: p.actual_to_expected_prior,
                actual_to_expected_posterior: p.actual_to_expected_posterior,
                factors: p.factors.iter().map(FactorReport::new).collect(),
            }
        }
    }

    impl FactorReport {
        fn new(f: &FactorFit) -> Self {
            let z = 1.959_963_984_540_054 * f.prior_sd;
            FactorReport {
                factor: f.factor.name(),
                parameter: f.factor.parameter(f.part),
                prior: f.prior,
                prior_interval: [f.prior * (-z).exp(), f.prior * z.exp()],
                posterior: f.posterior,
                interval: [f.interval.0, f.interval.1],
                data_weight: f.data_weight,
                policy_years: f.policy_years,
                claims: f.claims,
                differs_from_one: f.differs_from_one(),
            }
        }
    }

    impl CalibrationReport {
        /// The report of a fit.
        pub fn new(
            model: String,
            data: DataSummary,
            c: &Calibration,
            new_model: Option<NewModel>,
        ) -> Self {
            CalibrationReport {
                model,
                data,
                frequency: PartReport::new(&c.frequency),
                severity: PartReport::new(&c.severity),
                new_model,
            }
        }
    }
}
