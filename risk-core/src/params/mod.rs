//! Model parameter files (`models/<name>-<version>.toml`): parsed from `&str`, every number checked
//! for range and for a source tag ([V], [R], [D], [A], [K], or [C] for values calibrated on claims
//! data by `risk calibrate`).

use std::collections::BTreeMap;

use serde::Deserialize;
use time::Date;

use crate::error::FieldError;
use crate::vocab::{Control, Industry, PERILS, Peril, Scheme};

mod parse;
mod scaling;
mod sharing;
mod suppliers;
mod underwriting;

pub use scaling::{Countries, CountryParams, RevenueScale, Scale, TermsBand, Trend, terms_band};
pub use sharing::{Combination, ROLES, SharingParams, Tlp};
pub use suppliers::SupplierParams;

pub use underwriting::{
    Action, Condition, CoverageParams, HOURS_PER_YEAR, Rule, UnderwritingParams,
};

/// Why a model file was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// Not TOML, or not the model file's shape (unknown key, wrong type).
    #[error("model file: {0}")]
    Malformed(String),
    /// Values out of range, missing sources or missing entries; all of them.
    #[error("model file: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
}

/// Per-peril (frequency, severity) multipliers.
pub type PerilMultipliers = [(f64, f64); PERILS];

/// A validated model: the numbers the firm model, score and pricing read.
#[derive(Debug, Clone)]
pub struct ModelParams {
    /// Model name (`jp-cyber`).
    pub name: String,
    /// Semantic version.
    pub version: String,
    /// First 16 hex digits of the SHA-256 of the file's bytes: identifies the exact parameters.
    pub hash: String,
    /// Currency the parameters are in.
    pub base_currency: String,
    /// Date of the FX rates.
    pub fx_as_of: Date,
    /// Units of each currency per unit of the base currency.
    pub fx: BTreeMap<String, f64>,
    /// Reference firm and shape parameters.
    pub reference: Reference,
    /// Base frequency and severity per peril, indexed by [`Peril::index`].
    pub perils: [PerilParams; PERILS],
    /// Relativities per industry.
    pub industries: BTreeMap<Industry, IndustryParams>,
    /// Maturity mapping.
    pub maturity: MaturityParams,
    /// Certification combination and lapse rules.
    pub certification_rules: CertificationRules,
    /// Per-scheme effects.
    pub certifications: BTreeMap<Scheme, SchemeParams>,
    /// Lower and upper clamp of the combined control multiplier.
    pub control_clamp: (f64, f64),
    /// Per-control levels and effects.
    pub controls: BTreeMap<Control, ControlParams>,
    /// Sector threat levels.
    pub threat: ThreatLevels,
    /// Premium loadings and defaults.
    pub pricing: PricingParams,
    /// Score scale.
    pub score: ScoreParams,
    /// Common shocks for portfolios.
    pub shocks: Vec<ShockParams>,
    /// The source text of every tagged parameter, by path (`industries.finance.frequency`,
    /// `certifications.iso27001.effects[0]`, `maturity.multiplier_source`, …): calibration reads
    /// its prior widths from the tags.
    pub sources: BTreeMap<String, String>,
    /// Present on versions made by `risk calibrate`: the data they were fitted to.
    pub calibration: Option<Calibration>,
    /// Coverage sections (None: the model prices deductible and limits only).
    pub coverage: Option<CoverageParams>,
    /// Minimum premium and decision rules (None: no minimum, no rules).
    pub underwriting: Option<UnderwritingParams>,
    /// How hubs' advisories make the threat table (`[sharing]`, or its defaults).
    pub sharing: SharingParams,
    /// Frequency and severity factors by revenue (None: the power laws of the reference's
    /// elasticities).
    pub revenue_scale: Option<RevenueScale>,
    /// Jurisdiction factors (None: country ignored).
    pub countries: Option<Countries>,
    /// Loss trend to the profile's `as_of` (None: no trend).
    pub trend: Option<Trend>,
    /// Default deductible and limit by revenue band (empty: the shares of revenue in `pricing`).
    pub default_terms: Vec<TermsBand>,
    /// Supply-chain risk (`[suppliers]`; None: the model prices no supplier).
    pub suppliers: Option<SupplierParams>,
}

/// A common shock of the model (sized as a share of revenue).
#[derive(Debug, Clone)]
pub struct ShockParams {
    /// Name.
    pub name: String,
    /// Only firms with this dependency are exposed (None: all).
    pub dependency: Option<String>,
    /// Probability it occurs in a year.
    pub annual_probability: f64,
    /// Probability an exposed firm is hit.
    pub hit_probability: f64,
    /// Median share of annual revenue lost by a hit firm.
    pub revenue_share_median: f64,
    /// Lognormal sigma of that share.
    pub revenue_share_sigma: f64,
}

/// Reference firm and distribution-shape parameters.
#[derive(Debug, Clone)]
pub struct Reference {
    /// Revenue at which base frequencies and medians apply (base currency a year).
    pub revenue: f64,
    /// β in λ ∝ revenue^β.
    pub frequency_revenue_elasticity: f64,
    /// β in median ∝ revenue^β.
    pub severity_revenue_elasticity: f64,
    /// Negative binomial dispersion r.
    pub dispersion: f64,
    /// Body quantile at which the GPD tail starts.
    pub tail_quantile: f64,
    /// GPD shape ξ.
    pub tail_shape: f64,
    /// Records held by the reference firm.
    pub records_reference: f64,
    /// Breach-severity elasticity to records held.
    pub records_elasticity: f64,
    /// Records are clamped to [min, max] before the elasticity applies.
    pub records_min: f64,
    /// See `records_min` (infinite when the file gives none: no cap, from 2.0.0).
    pub records_max: f64,
    /// Gross margin lost per day down, as a share of daily revenue (perils with `days_down`).
    pub bi_margin: Option<f64>,
}

/// One peril's base parameters.
#[derive(Debug, Clone)]
pub struct PerilParams {
    /// Events a year at the reference revenue.
    pub frequency: f64,
    /// Lognormal body median (base currency) at the reference revenue.
    pub median: f64,
    /// Lognormal body sigma.
    pub sigma: f64,
    /// Body quantile at which the GPD tail starts (the reference's unless the peril sets it).
    pub tail_quantile: f64,
    /// GPD shape ξ (the reference's unless the peril sets it).
    pub tail_shape: f64,
    /// Median days of lost income per event: the median is days × daily revenue × margin
    /// instead of `median` × revenue scale (business interruption, from 2.0.0).
    pub days_down: Option<f64>,
    /// Power p of the revenue band's severity factor this peril takes (S(R)^p; 1 unless set).
    pub severity_scale_power: f64,
    /// Only firms with OT exposure have this peril.
    pub requires_ot: bool,
}

/// An industry's relativities.
#[derive(Debug, Clone)]
pub struct IndustryParams {
    /// Industry-wide frequency relativity (before peril-specific ones).
    pub frequency: f64,
    /// Industry-wide severity relativity.
    pub severity: f64,
    /// Per-peril (frequency, severity) relativity: the industry-wide factor times any peril-specific one.
    pub relativity: PerilMultipliers,
    /// Typical NIST CSF level of the industry (0–5).
    pub median_maturity: f64,
}

/// How CSF maturity maps to multipliers.
#[derive(Debug, Clone)]
pub struct MaturityParams {
    /// Weights of each function in the frequency level (indexed by
    /// [`Function::index`](crate::vocab::Function::index), sum 1).
    pub frequency_weights: [f64; 6],
    /// Weights in the severity level.
    pub severity_weights: [f64; 6],
    /// Frequency multiplier at levels 0..=5 (log-linear in between).
    pub frequency_multiplier: [f64; 6],
    /// Severity multiplier at levels 0..=5.
    pub severity_multiplier: [f64; 6],
    /// Weight Z of an unverified answer above the industry median: m' = median + Z (m − median).
    pub unverified_credibility: f64,
    /// Exponent applied to certification multipliers when maturity answers are present.
    pub certification_discount_exponent: f64,
}

/// Certification combination and lapse rules.
#[derive(Debug, Clone)]
pub struct CertificationRules {
    /// Floor of the combined multiplier.
    pub floor: f64,
    /// Months after lapse during which decaying credit remains.
    pub lapse_months: f64,
    /// Frequency multiplier for a long-lapsed, withdrawn or invalid-edition certificate.
    pub lapse_penalty: f64,
    /// ISO/IEC 27001:2013 certificates are invalid after this date.
    pub iso27001_2013_invalid_after: Date,
    /// A suspended certificate, or a lapsed one without an expiry date, earns no credit (its
    /// decay cannot be dated). False in models before 1.5.0: they kept half the credit.
    pub no_credit_without_date: bool,
    /// Ladders of schemes, lowest rung first: of the rungs a firm holds, only the highest
    /// active one earns credit (rungs do not stack). Empty before 1.5.0.
    pub ladders: Vec<Vec<Scheme>>,
    /// Share of a scheme's effect a declared certificate earns when no registry verifies it
    /// (`[certification_rules.declared_credit]`, each in [0, 1]). A scheme not listed keeps
    /// its full effect declared; an empty table (1.0.0; any model without the table) prices
    /// declared and verified certificates alike, exactly as before registries existed. When the
    /// table is not empty, only a verified third-party certificate makes maturity answers
    /// credible.
    pub declared_credit: BTreeMap<Scheme, f64>,
}

impl CertificationRules {
    /// The share of its scheme's effect a certificate earns for being verified or not: 1 when
    /// verified or when the model lists no declared credit for the scheme.
    pub fn evidence_share(&self, scheme: Scheme, verified: bool) -> f64 {
        if verified {
            1.0
        } else {
            self.declared_credit.get(&scheme).copied().unwrap_or(1.0)
        }
    }
}

/// A scheme's parameters.
#[derive(Debug, Clone)]
pub struct SchemeParams {
    /// Audited by a third party: makes maturity answers credible.
    pub third_party: bool,
    /// Nominal validity in months (0: does not expire).
    pub validity_months: u32,
    /// The scheme a firm would move up to.
    pub next_tier: Option<Scheme>,
    /// IEC 62443: the security level that earns the full effect (lower levels earn half the log-effect).
    pub security_level_full_credit: Option<u8>,
    /// Per-peril (frequency, severity) multiplier when active over the whole scope.
    pub effect: PerilMultipliers,
    /// Perils named by at least one of the scheme's effects (calibration scales only these).
    pub covered: [bool; PERILS],
}

/// A key control's levels (worst first) and per-level effects.
#[derive(Debug, Clone)]
pub struct ControlParams {
    /// Level names, worst to best.
    pub levels: Vec<String>,
    /// Per level (same order), the per-peril multipliers.
    pub effects: Vec<PerilMultipliers>,
}

/// Sector threat levels: frequency multipliers per industry and peril.
#[derive(Debug, Clone)]
pub struct ThreatLevels {
    /// Version of the table, recorded in every assessment.
    pub version: String,
    /// Multipliers (absent: 1.0).
    pub levels: BTreeMap<Industry, [f64; PERILS]>,
    /// The score carries the threat (it weighs the perils by their threatened frequency): true
    /// only for tables published before the score and the threat were separated, so assessments
    /// priced with them reproduce. From then on the score describes the firm alone and the
    /// threat moves the loss model and premium (reported as its own line).
    pub in_score: bool,
}

impl ThreatLevels {
    /// The frequency multiplier for an industry and peril.
    pub fn multiplier(&self, industry: Industry, peril: Peril) -> f64 {
        self.levels.get(&industry).map_or(1.0, |l| l[peril.index()])
    }
}

/// Premium loadings and default coverage.
#[derive(Debug, Clone)]
pub struct PricingParams {
    /// Expenses as a share of the technical premium.
    pub expense_ratio: f64,
    /// Return required on capital.
    pub cost_of_capital: f64,
    /// TVaR level of the capital measure.
    pub capital_level: f64,
    /// Share of standalone capital charged.
    pub capital_share: f64,
    /// Bound on schedule credits and debits (±).
    pub schedule_bound: f64,
    /// Default deductible as a share of revenue.
    pub default_deductible_share: f64,
    /// Default limit as a share of revenue.
    pub default_limit_share: f64,
    /// Cap on the default limit (base currency).
    pub default_limit_cap: f64,
    /// Whose technical premium the rating plan's layer factor reads (`[rating_plan]`; the
    /// firm's own when the model has no such table).
    pub layer_basis: LayerBasis,
}

/// The basis of the rating plan's layer factor, layer = T ÷ E[gross] (both in the profile's
/// currency a year).
///
/// A filed plan's increased-limit and deductible factors belong to the rating class, not to the
/// insured: with the firm's own ratio, a riskier firm whose losses the limit caps gets a smaller
/// layer factor, and beyond the schedule bound its charged premium fell as its risk rose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerBasis {
    /// T and E[gross] of the firm itself (models 1.0.0 and 1.5.0): unscheduled × (1 + schedule)
    /// is the firm's technical premium whenever the schedule is inside its bound.
    Own,
    /// T and E[gross] of the class: the same firm (industry, size, country, records, cover) at
    /// the baseline answers (relative risk 1), simulated with the same seed and trials, so the
    /// unscheduled premium is the class's technical premium and the charged premium is
    /// monotone in relative risk.
    Class,
}

/// Score scale.
#[derive(Debug, Clone)]
pub struct ScoreParams {
    /// Score at relative risk 1.
    pub baseline: f64,
    /// Points gained per halving of relative risk.
    pub points_per_doubling: f64,
    /// Grade bands, highest minimum first.
    pub grades: Vec<(String, f64)>,
}

/// Where a calibrated model version came from (the `[calibration]` table `risk calibrate` writes).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// `name-version` of the model the data updated.
    pub from: String,
    /// SHA-256 of the claims file's bytes (hex).
    pub data_sha256: String,
    /// Rows (policy-years records) used.
    pub rows: u64,
    /// Total exposure in policy-years.
    pub policy_years: f64,
    /// Total claim count.
    pub claims: u64,
    /// Date of the calibration (YYYY-MM-DD).
    pub date: String,
    /// SHA-256 of every claims file this version's ancestry was fitted to, oldest first, this
    /// one's included: data already in it are refused (they would be counted twice). Absent in
    /// files written before it was kept: then only `data_sha256` is known.
    #[serde(default)]
    pub lineage: Vec<String>,
}

impl Calibration {
    /// Whether the claims file with this SHA-256 is already in the version's ancestry.
    pub fn used(&self, sha256: &str) -> bool {
        self.data_sha256 == sha256 || self.lineage.iter().any(|h| h == sha256)
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

impl ModelParams {
    /// `name-version`, the model's identity in every result.
    pub fn id(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }

    /// Converts an amount in `currency` to the base currency (None for an unknown currency).
    pub fn to_base(&self, amount: f64, currency: &str) -> Option<f64> {
        self.fx.get(currency).map(|r| amount / r)
    }

    /// Units of `currency` per unit of the base currency.
    pub fn rate(&self, currency: &str) -> Option<f64> {
        self.fx.get(currency).copied()
    }
}

/// Model 1.0.0 (`models/jp-cyber-1.0.0.toml`): built in forever, so assessments priced with it
/// reproduce (contract §9).
pub const MODEL_1_0_0: &str = include_str!("../../../models/jp-cyber-1.0.0.toml");

/// Model 1.5.0 (`models/jp-cyber-1.5.0.toml`): 1.0.0's loss model with coverage sections, a
/// minimum premium and underwriting rules.
pub const MODEL_1_5_0: &str = include_str!("../../../models/jp-cyber-1.5.0.toml");

/// Model 2.0.0 (`models/jp-cyber-2.0.0.toml`): severity by revenue band, industry and country,
/// uncapped records, business interruption from daily revenue, a loss trend and default terms by
/// revenue band, held to the market benchmarks of models/README.md.
pub const MODEL_2_0_0: &str = include_str!("../../../models/jp-cyber-2.0.0.toml");

/// The model used when none is named or published: the newest built-in one.
pub const DEFAULT_MODEL: &str = MODEL_2_0_0;

/// Every built-in model, oldest first.
pub const BUILT_IN_MODELS: &[&str] = &[MODEL_1_0_0, MODEL_1_5_0, MODEL_2_0_0];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_model_parses() {
        let m = ModelParams::parse(MODEL_1_0_0).unwrap();
        assert_eq!(m.id(), "jp-cyber-1.0.0");
        assert!(m.coverage.is_none() && m.underwriting.is_none());
        assert_eq!(
            ModelParams::parse(DEFAULT_MODEL).unwrap().id(),
            "jp-cyber-2.0.0"
        );
        let new = ModelParams::parse(MODEL_1_5_0).unwrap();
        assert_eq!(new.id(), "jp-cyber-1.5.0");
        let cov = new.coverage.as_ref().unwrap();
        for row in &cov.shares {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        assert_eq!(cov.default_waiting_period_hours, 8.0);
        let uw = new.underwriting.as_ref().unwrap();
        assert_eq!(uw.minimum_premium, 500.0);
        assert!(
            uw.rules
                .iter()
                .any(|r| r.code == "exposed_rdp" && r.action == Action::Decline)
        );
        assert_eq!(m.hash.len(), 16);
        assert_eq!(m.rate("JPY"), Some(152.0));
        let total: f64 = m
            .perils
            .iter()
            .filter(|p| !p.requires_ot)
            .map(|p| p.frequency)
            .sum();
        assert!((total - 0.0294).abs() < 1e-9, "{total}");
        assert_eq!(
            m.certifications[&Scheme::Soc2Type1].next_tier,
            Some(Scheme::Soc2Type2)
        );
    }

    #[test]
    fn bad_underwriting_tables_are_named() {
        let bad = DEFAULT_MODEL
            .replace(
                "incident_response = 0.15, social_engineering = 0.85",
                "incident_response = 0.5, social_engineering = 0.85",
            )
            .replace(r#"levels = ["over_30"]"#, r#"levels = ["over_60"]"#)
            .replace(r#"action = "decline""#, r#"action = "reject""#);
        let ParamsError::Invalid(errors) = ModelParams::parse(&bad).unwrap_err() else {
            panic!("not invalid")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"coverage.perils.bec_fraud.shares"),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"underwriting.rules[6].levels"),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"underwriting.rules[0].action"),
            "{fields:?}"
        );
    }

    #[test]
    fn untagged_and_out_of_range_values_are_named() {
        let bad = DEFAULT_MODEL
            .replace(
                r#"dispersion = { value = 2.0, source = "[A] negative"#,
                r#"dispersion = { value = -2.0, source = "negative"#,
            )
            .replace(
                "frequency = 0.85, severity = 0.90",
                "frequency = 1.2, severity = 0.90",
            );
        let err = ModelParams::parse(&bad).unwrap_err();
        let ParamsError::Invalid(errors) = err else {
            panic!("{err}")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"reference.dispersion.source"),
            "{fields:?}"
        );
        assert!(fields.contains(&"reference.dispersion"), "{fields:?}");
        assert!(
            fields.contains(&"certifications.iso27001.effects"),
            "{fields:?}"
        );
    }
}
