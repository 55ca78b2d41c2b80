//! Schemas of the JSON request bodies the core parses itself: the firm profile (contract §4) and
//! the loss-model spec (§2), for the OpenAPI document only.
//!
//! The handlers pass these bodies to `FirmProfile::parse` and `LossSpec::parse` as text, so these
//! types are never used to read a request: they mirror the core's wire types field for field
//! (risk-core knows nothing of OpenAPI), with the closed vocabularies taken from
//! `risk_core::vocab`. They do deserialize, so a test (`tests/api/docs.rs`) reads every sample in
//! `data/` into them, and a drift between the core's wire types and this description fails it.

use std::borrow::Cow;

use risk_core::vocab::{Function, Industry, Peril, Scheme, SupplierRole};
use serde::Deserialize;
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// The example profile of the document (a retailer holding PCI DSS).
pub const PROFILE_EXAMPLE: &str = include_str!("../../../data/profiles/retailer-pci.json");
/// The example loss-model spec of the document.
pub const SPEC_EXAMPLE: &str = include_str!("../../../data/example-spec.json");

fn example(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// [`PROFILE_EXAMPLE`] as JSON.
pub fn profile_example() -> Value {
    example(PROFILE_EXAMPLE)
}

/// [`SPEC_EXAMPLE`] as JSON.
pub fn spec_example() -> Value {
    example(SPEC_EXAMPLE)
}

/// A string schema whose values are a core vocabulary (so the document lists exactly the names
/// the parse accepts).
macro_rules! vocabulary_schema {
    ($(#[$doc:meta])* $name:ident = $vocab:ty, $description:literal;) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .enum_values(Some(<$vocab>::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

vocabulary_schema! {
    /// An industry name (contract §4).
    IndustryName = Industry, "Industry (contract §4)";
}
vocabulary_schema! {
    /// A certification scheme name (contract §4).
    SchemeName = Scheme, "Certification scheme (contract §4)";
}
vocabulary_schema! {
    /// A peril name.
    PerilName = Peril, "Peril";
}
vocabulary_schema! {
    /// A supplier's role (contract §16).
    SupplierRoleName = SupplierRole, "Supplier role (contract §16)";
}
vocabulary_schema! {
    /// A NIST CSF 2.0 function name.
    FunctionName = Function, "NIST CSF 2.0 function";
}

/// A firm profile (contract §4): the input of `POST /v1/assessments`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(profile_example))]
pub struct FirmProfileBody {
    /// The firm.
    pub firm: FirmBody,
    /// Certificates held (any status).
    #[serde(default)]
    pub certifications: Vec<CertificationBody>,
    /// Suppliers the firm depends on or trusts with its records (contract §16; at most 200,
    /// names unique; only under a model with supplier parameters, 2.0.0 on).
    #[serde(default)]
    #[schema(max_items = 200)]
    pub suppliers: Vec<SupplierBody>,
    /// NIST CSF 2.0 maturity, 0 (none) … 5 (optimised); missing functions count as unknown.
    #[serde(default)]
    pub maturity: Option<MaturityBody>,
    /// The METI Cybersecurity Management Guidelines' ten directions, each 0–5: a CSF function
    /// `maturity` leaves unanswered takes the mean (rounded down) of its directions (govern ←
    /// d1, d2, d3, d9; identify ← d4, d6, d10; protect ← d5; detect ← d5, d10; respond ← d7;
    /// recover ← d8).
    #[serde(default)]
    pub meti_directions: Option<MetiDirectionsBody>,
    /// Key-control answers; missing ones count as unknown.
    #[serde(default)]
    pub controls: Option<ControlsBody>,
    /// Insurance terms (default: the model's).
    pub coverage: Option<CoverageBody>,
    /// Valuation date, `YYYY-MM-DD` (default: today).
    #[schema(format = Date)]
    pub as_of: Option<String>,
}

/// The firm's attributes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirmBody {
    /// Name (not blank).
    #[schema(min_length = 1, pattern = "\\S")]
    pub name: String,
    /// The firm's id, as certificate registries name the holder. With a firm's key it is the
    /// key's subject whatever is sent here.
    #[schema(pattern = "^[A-Za-z0-9._@:-]{1,128}$")]
    pub id: Option<String>,
    /// Industry.
    pub industry: IndustryName,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// Annual revenue in `currency` (> 0; at most the model's cap).
    #[schema(exclusive_minimum = 0)]
    pub annual_revenue: f64,
    /// ISO 4217 currency code, one the model has exchange rates for (e.g. `JPY`, `USD`).
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    /// Employees.
    pub employees: Option<u64>,
    /// Personal records held.
    #[schema(minimum = 0)]
    pub records_held: Option<f64>,
    /// Operational technology (plant control systems) in scope (default false).
    #[serde(default)]
    pub ot_exposure: Option<bool>,
    /// Cloud providers relied on (e.g. `aws`).
    #[serde(default)]
    pub cloud_providers: Option<Vec<String>>,
}

/// A supplier of the firm (contract §16).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierBody {
    /// Name, unique among the firm's suppliers (score lines `supplier:<name>`, impact rows
    /// `supplier:<name>:<scheme>`).
    #[schema(min_length = 1, pattern = "\\S")]
    pub name: String,
    /// The supplier's id (what portfolio files name it by).
    #[schema(pattern = "^[A-Za-z0-9._@:-]{1,128}$")]
    pub id: Option<String>,
    /// What it does for the firm.
    pub role: SupplierRoleName,
    /// Its stopping stops the firm (default false).
    #[serde(default)]
    pub critical: Option<bool>,
    /// It holds the firm's records (default false).
    #[serde(default)]
    pub data_access: Option<bool>,
    /// Its certificates, as the firm's own.
    #[serde(default)]
    pub certifications: Vec<CertificationBody>,
}

/// A certificate.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationBody {
    /// Scheme.
    pub scheme: SchemeName,
    /// `active`, `lapsed`, `suspended` or `withdrawn`.
    #[schema(pattern = "^(active|lapsed|suspended|withdrawn)$")]
    pub status: String,
    /// Issue date, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub issued: Option<String>,
    /// Expiry date, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub expires: Option<String>,
    /// Share of the firm's operations in the certificate's scope, (0, 1] (default 1).
    #[schema(exclusive_minimum = 0, maximum = 1)]
    pub scope_share: Option<f64>,
    /// IEC 62443 security level, 1–4 (`iec62443` only).
    #[schema(minimum = 1, maximum = 4, multiple_of = 1)]
    pub security_level: Option<f64>,
    /// ISO/IEC 27001 edition year: 2013 or 2022.
    #[schema(minimum = 2013, maximum = 2022)]
    pub edition: Option<u16>,
    /// The certification body's number for it: cited, it is verified against the certificate
    /// registry (`GET /v1/certificates`) when registered to the assessed firm.
    #[schema(pattern = "^[A-Za-z0-9._:-]{1,64}$")]
    pub certificate_id: Option<String>,
}

/// The METI guideline's directions, each 0 (none) … 5 (optimised).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetiDirectionsBody {
    /// Direction 1 (指示1), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d1: Option<f64>,
    /// Direction 2 (指示2), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d2: Option<f64>,
    /// Direction 3 (指示3), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d3: Option<f64>,
    /// Direction 4 (指示4), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d4: Option<f64>,
    /// Direction 5 (指示5), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d5: Option<f64>,
    /// Direction 6 (指示6), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d6: Option<f64>,
    /// Direction 7 (指示7), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d7: Option<f64>,
    /// Direction 8 (指示8), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d8: Option<f64>,
    /// Direction 9 (指示9), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d9: Option<f64>,
    /// Direction 10 (指示10), 0–5.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub d10: Option<f64>,
}

/// NIST CSF 2.0 maturity levels, each 0–5.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaturityBody {
    /// Govern.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub govern: Option<f64>,
    /// Identify.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub identify: Option<f64>,
    /// Protect.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub protect: Option<f64>,
    /// Detect.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub detect: Option<f64>,
    /// Respond.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub respond: Option<f64>,
    /// Recover.
    #[schema(minimum = 0, maximum = 5, multiple_of = 1)]
    pub recover: Option<f64>,
}

/// Key-control answers (the levels are the model file's).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlsBody {
    /// Multi-factor authentication: `none`, `partial` or `full`.
    pub mfa: Option<String>,
    /// Endpoint detection and response deployed.
    pub edr: Option<bool>,
    /// Offline backups: `none`, `untested` or `tested`.
    pub offline_backups: Option<String>,
    /// Days to patch a critical vulnerability.
    #[schema(minimum = 0)]
    pub patch_critical_days: Option<f64>,
    /// RDP exposed to the internet.
    pub exposed_rdp: Option<bool>,
    /// End-of-life software in use.
    pub eol_software: Option<bool>,
    /// Incident-response plan: `none`, `documented` or `tested`.
    pub ir_plan: Option<String>,
    /// Inbound e-mail filtering.
    pub email_filtering: Option<bool>,
}

/// Insurance terms of the firm's policy, in its currency.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageBody {
    /// Per-event deductible.
    #[schema(minimum = 0)]
    pub deductible: Option<f64>,
    /// Per-event limit (> 0).
    #[schema(exclusive_minimum = 0)]
    pub occurrence_limit: Option<f64>,
    /// Annual aggregate limit (> 0).
    #[schema(exclusive_minimum = 0)]
    pub aggregate_limit: Option<f64>,
}

/// A loss-model spec (contract §2): the input of `POST /v1/simulate`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(spec_example))]
pub struct LossSpecBody {
    /// Simulated years (default 100000).
    #[schema(minimum = 1)]
    pub trials: Option<u64>,
    /// Seed of the random streams (default 0).
    pub seed: Option<u64>,
    /// The perils, each with `frequency` and `severity`, or `fair`.
    pub perils: Vec<PerilBody>,
    /// Insurance terms (default: none).
    pub terms: Option<TermsBody>,
    /// VaR and TVaR levels (default [0.9, 0.95, 0.99, 0.995, 0.999]).
    pub levels: Option<Vec<f64>>,
    /// Loss thresholds whose exceedance probability is reported (default []).
    pub thresholds: Option<Vec<f64>>,
}

/// A peril: `frequency` and `severity`, or the FAIR form `fair`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerilBody {
    /// Name (reported back).
    pub name: String,
    /// Events a year: `poisson` or `negative_binomial`.
    pub frequency: Option<Distribution>,
    /// Loss per event: `lognormal`, `lognormal_gpd` or `pert`.
    pub severity: Option<Distribution>,
    /// FAIR form instead of `frequency` and `severity`.
    pub fair: Option<FairBody>,
}

/// FAIR form: N ~ Poisson(TEF × vulnerability) drawn once a year, a compound sum of loss
/// magnitudes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FairBody {
    /// Threat-event frequency.
    pub tef: Distribution,
    /// Vulnerability (probability a threat event becomes a loss event).
    pub vulnerability: Distribution,
    /// Loss per loss event.
    pub loss_magnitude: Distribution,
}

/// Insurance terms: per-event insured loss min(max(X − deductible, 0), occurrence_limit),
/// annual insured loss min(Σ, aggregate_limit); `null` = no limit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsBody {
    /// Per-event deductible (default 0).
    #[schema(minimum = 0)]
    pub deductible: Option<f64>,
    /// Per-event limit.
    #[schema(minimum = 0)]
    pub occurrence_limit: Option<f64>,
    /// Annual aggregate limit.
    #[schema(minimum = 0)]
    pub aggregate_limit: Option<f64>,
}

/// A distribution, named by `distribution`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Poisson counts.
    Poisson {
        /// Mean.
        mean: f64,
    },
    /// Negative-binomial counts: variance = mean + mean²/dispersion.
    NegativeBinomial {
        /// Mean.
        mean: f64,
        /// Dispersion (> 0).
        dispersion: f64,
    },
    /// Lognormal: ln X ~ Normal(ln median, sigma²).
    Lognormal {
        /// Median.
        median: f64,
        /// Sigma of ln X.
        sigma: f64,
    },
    /// Lognormal body, generalised Pareto tail above `threshold`.
    LognormalGpd {
        /// Median of the body.
        median: f64,
        /// Sigma of the body.
        sigma: f64,
        /// Where the tail starts.
        threshold: f64,
        /// Tail shape ξ.
        shape: f64,
    },
    /// Modified PERT (λ = 4) on [min, max].
    Pert {
        /// Minimum.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Maximum.
        max: f64,
    },
}
