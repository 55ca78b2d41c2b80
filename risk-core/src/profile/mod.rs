//! Firm profiles (contract §4): the raw JSON mirrored by wire types, then validated once into a
//! [`FirmProfile`] with every field error reported at once, each with its path.

use serde::Deserialize;
use time::Date;

use crate::error::FieldError;
use crate::params::ModelParams;
use crate::params::parse_date;
use crate::text;
use crate::vocab::{Control, Function, Industry, METI_DIRECTIONS};

mod certification;
mod coverage;
mod supplier;

use certification::CertWire;
pub use certification::{
    Certification, MAX_CERTIFICATE_ID_CHARS, Registered, Status, valid_certificate_id,
    valid_firm_id,
};
pub use coverage::{Coverage, CoverageWire, MAX_OPTIONS, MAX_WAITING_PERIOD_HOURS, parse_options};
pub use supplier::{MAX_SUPPLIERS, Supplier, parse_suppliers};
use supplier::{SupplierWire, check_suppliers};

/// Why a profile was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// Not JSON, or not the profile's shape (unknown field, wrong type); the first such error.
    #[error("{0}")]
    Malformed(FieldError),
    /// Well-formed but invalid values; every one of them.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
}

impl ProfileError {
    /// Every field error.
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            ProfileError::Malformed(e) => vec![e.clone()],
            ProfileError::Invalid(v) => v.clone(),
        }
    }
}

/// A validated firm profile.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmProfile {
    /// Firm name.
    pub name: String,
    /// The firm's id ([`valid_firm_id`]): what a certificate registry names as the holder. The
    /// service sets it to the calling firm's key subject whatever the profile says.
    pub id: Option<String>,
    /// Industry.
    pub industry: Industry,
    /// ISO 3166 country code, if given.
    pub country: Option<String>,
    /// Annual revenue in `currency`.
    pub annual_revenue: f64,
    /// ISO 4217 code of every amount in the profile.
    pub currency: String,
    /// Employees, if given.
    pub employees: Option<u64>,
    /// Personal records held, if given.
    pub records_held: Option<f64>,
    /// Runs operational technology (adds the OT peril).
    pub ot_exposure: bool,
    /// Cloud providers depended on.
    pub cloud_providers: Vec<String>,
    /// Certificates.
    pub certifications: Vec<Certification>,
    /// Suppliers (contract §16), at most [`MAX_SUPPLIERS`]; empty under a model without
    /// `[suppliers]` (a profile naming any is rejected there).
    pub suppliers: Vec<Supplier>,
    /// NIST CSF 2.0 level per function (index [`Function::index`]); None = not answered. A
    /// function not answered in `maturity` takes the mean (rounded down) of the answered
    /// `meti_directions` bearing on it ([`METI_DIRECTIONS`]).
    pub maturity: [Option<u8>; 6],
    /// Key-control answers as level indices into the model's level list (worst = 0); None = not answered.
    pub controls: [Option<usize>; 8],
    /// Terms (defaults from the model where not given).
    pub coverage: Coverage,
    /// Valuation date.
    pub as_of: Date,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    firm: FirmWire,
    #[serde(default)]
    certifications: Vec<CertWire>,
    #[serde(default)]
    suppliers: Vec<SupplierWire>,
    #[serde(default)]
    maturity: MaturityWire,
    #[serde(default)]
    meti_directions: std::collections::BTreeMap<String, f64>,
    #[serde(default)]
    controls: ControlsWire,
    coverage: Option<CoverageWire>,
    as_of: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirmWire {
    name: String,
    id: Option<String>,
    industry: String,
    country: Option<String>,
    annual_revenue: f64,
    currency: String,
    employees: Option<u64>,
    records_held: Option<f64>,
    #[serde(default)]
    ot_exposure: bool,
    #[serde(default)]
    cloud_providers: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MaturityWire {
    govern: Option<f64>,
    identify: Option<f64>,
    protect: Option<f64>,
    detect: Option<f64>,
    respond: Option<f64>,
    recover: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ControlsWire {
    mfa: Option<String>,
    edr: Option<bool>,
    offline_backups: Option<String>,
    patch_critical_days: Option<f64>,
    exposed_rdp: Option<bool>,
    eol_software: Option<bool>,
    ir_plan: Option<String>,
    email_filtering: Option<bool>,
}

/// Level name for a critical-patch cadence in days.
pub fn patch_level(days: f64) -> &'static str {
    if days <= 7.0 {
        "within_7"
    } else if days <= 30.0 {
        "within_30"
    } else {
        "over_30"
    }
}

fn one_of<T: Copy + std::fmt::Display>(all: &[T]) -> String {
    all.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A firm as one row of a portfolio or claims table gives it (contract §7), before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirmAttributes {
    /// Firm name (the policy id).
    pub name: String,
    /// Industry name.
    pub industry: String,
    /// Annual revenue in `currency` (NaN when the cell is empty: reported as a field error).
    pub annual_revenue: f64,
    /// ISO 4217 code.
    pub currency: String,
    /// `(scheme, status, IEC 62443 security level)` as in a `scheme:status[:level]` cell.
    pub certifications: Vec<(String, String, Option<f64>)>,
    /// Answered CSF levels in [`Function::ALL`] order.
    pub maturity: [Option<f64>; 6],
    /// Deductible, occurrence limit and aggregate limit, where given.
    pub coverage: [Option<f64>; 3],
    /// Cloud providers depended on.
    pub cloud_providers: Vec<String>,
}

impl FirmProfile {
    /// Validates a table row's attributes exactly as the same firm's JSON profile would be, so a
    /// row and a profile never disagree (field paths are the profile's: `firm.industry`,
    /// `certifications[0].scheme`, `maturity.protect`, `coverage.deductible`).
    ///
    /// # Errors
    /// As [`FirmProfile::parse`].
    pub fn from_attributes(
        a: &FirmAttributes,
        params: &ModelParams,
        today: Date,
    ) -> Result<Self, ProfileError> {
        let none = serde_json::Map::new();
        FirmProfile::from_attributes_with(a, &none, &none, params, today)
    }

    /// As [`FirmProfile::from_attributes`], with more of the profile's fields as its JSON states
    /// them: `firm` keys (`country`, `records_held`) and `controls` answers (a claims file's
    /// optional columns).
    ///
    /// # Errors
    /// As [`FirmProfile::parse`].
    pub fn from_attributes_with(
        a: &FirmAttributes,
        firm: &serde_json::Map<String, serde_json::Value>,
        controls: &serde_json::Map<String, serde_json::Value>,
        params: &ModelParams,
        today: Date,
    ) -> Result<Self, ProfileError> {
        let certifications: Vec<serde_json::Value> = a
            .certifications
            .iter()
            .map(|(scheme, status, level)| {
                let mut c = serde_json::json!({"scheme": scheme, "status": status});
                if let Some(l) = level {
                    c["security_level"] = (*l).into();
                }
                c
            })
            .collect();
        let mut maturity = serde_json::Map::new();
        for (f, v) in Function::ALL.iter().zip(a.maturity) {
            if let Some(v) = v {
                maturity.insert(f.to_string(), v.into());
            }
        }
        let mut coverage = serde_json::Map::new();
        for (name, v) in ["deductible", "occurrence_limit", "aggregate_limit"]
            .iter()
            .zip(a.coverage)
        {
            if let Some(v) = v {
                coverage.insert((*name).into(), v.into());
            }
        }
        let mut profile = serde_json::json!({
            "firm": {"name": a.name, "industry": a.industry, "annual_revenue": a.annual_revenue,
                     "currency": a.currency, "cloud_providers": a.cloud_providers},
            "certifications": certifications, "maturity": maturity, "coverage": coverage,
            "controls": controls,
        });
        if let Some(f) = profile["firm"].as_object_mut() {
            f.extend(firm.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        FirmProfile::parse(&profile.to_string(), params, today)
    }
}

/// Largest annual revenue a profile may state, in the model's base currency (USD 10 trillion,
/// ten times the largest firm's): far beyond it the revenue scaling would give more events a
/// year than any frequency distribution accepts.
pub const MAX_REVENUE: f64 = 1e13;

/// Smallest annual revenue a profile may state, in the model's base currency (USD 1): below it
/// (subnormal numbers such as 1e-320 included) the revenue scaling underflows and the firm's
/// frequency is no valid distribution parameter.
pub const MIN_REVENUE: f64 = 1.0;

/// Longest firm name, in characters (a portfolio row's policy id is its name).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest `firm.country`, in characters.
pub const MAX_COUNTRY_CHARS: usize = 64;
/// Most entries in `firm.cloud_providers`.
pub const MAX_CLOUD_PROVIDERS: usize = 32;
/// Longest entry of `firm.cloud_providers`, in characters.
pub const MAX_CLOUD_PROVIDER_CHARS: usize = 64;
/// Years a profile's dates (`as_of`, certificates' `issued` and `expires`) may fall in.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

fn date_range() -> String {
    format!(
        "must be a date in the years {}..={}",
        DATE_YEARS.start(),
        DATE_YEARS.end()
    )
}

impl FirmProfile {
    /// Parses and validates a profile; `today` is the default `as_of`.
    ///
    /// # Errors
    /// [`ProfileError::Malformed`] for JSON/shape errors; [`ProfileError::Invalid`] listing every
    /// invalid value (unknown industry, scheme or currency, maturity outside 0–5, expiry before
    /// issue, non-positive revenue, …).
    pub fn parse(json: &str, params: &ModelParams, today: Date) -> Result<Self, ProfileError> {
        let w: Wire = crate::error::parse_document(json, "profile", |p, _| {
            crate::error::path_or("profile", p)
        })
        .map_err(ProfileError::Malformed)?;
        let mut errors = Vec::new();
        let mut err = |f: String, m: String| errors.push(FieldError::new(f, m));

        let f = &w.firm;
        if let Some(m) = text::problem(&f.name, MAX_NAME_CHARS) {
            err("firm.name".into(), m);
        }
        if let Some(id) = &f.id
            && !valid_firm_id(id)
        {
            err(
                "firm.id".into(),
                "must be 1-128 characters of A-Z a-z 0-9 . _ - @ :".into(),
            );
        }
        if let Some(c) = &f.country
            && let Some(m) = text::problem(c, MAX_COUNTRY_CHARS)
        {
            err("firm.country".into(), m);
        }
        if f.cloud_providers.len() > MAX_CLOUD_PROVIDERS {
            err(
                "firm.cloud_providers".into(),
                format!(
                    "must list at most {MAX_CLOUD_PROVIDERS} providers (has {})",
                    f.cloud_providers.len()
                ),
            );
        } else {
            for (i, c) in f.cloud_providers.iter().enumerate() {
                if let Some(m) = text::problem(c, MAX_CLOUD_PROVIDER_CHARS) {
                    err(format!("firm.cloud_providers[{i}]"), m);
                }
            }
        }
        let industry = Industry::parse(&f.industry).unwrap_or_else(|| {
            err(
                "firm.industry".into(),
                format!(
                    "unknown industry `{}`; expected one of {}",
                    f.industry,
                    one_of(Industry::ALL)
                ),
            );
            Industry::Other
        });
        if !(f.annual_revenue > 0.0 && f.annual_revenue.is_finite()) {
            err(
                "firm.annual_revenue".into(),
                "must be a finite number > 0".into(),
            );
        }
        let rate = params.rate(&f.currency);
        if rate.is_none() {
            err(
                "firm.currency".into(),
                format!(
                    "unknown currency `{}`: model {} has dated rates for {}",
                    f.currency,
                    params.id(),
                    params.fx.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
        }
        if let Some(rate) = rate
            && f.annual_revenue > 0.0
            && f.annual_revenue / rate < MIN_REVENUE
        {
            err(
                "firm.annual_revenue".into(),
                format!(
                    "must be at least {} {} ({MIN_REVENUE} {})",
                    MIN_REVENUE * rate,
                    f.currency,
                    params.base_currency
                ),
            );
        }
        if let Some(rate) = rate
            && f.annual_revenue / rate > MAX_REVENUE
        {
            err(
                "firm.annual_revenue".into(),
                format!(
                    "must be at most {:e} {} ({MAX_REVENUE:e} {})",
                    MAX_REVENUE * rate,
                    f.currency,
                    params.base_currency
                ),
            );
        }
        if let Some(r) = f.records_held
            && !(r >= 0.0 && r.is_finite())
        {
            err(
                "firm.records_held".into(),
                "must be a finite number >= 0".into(),
            );
        }
        let as_of = match &w.as_of {
            None => today,
            Some(s) => match parse_date(s) {
                Some(d) if DATE_YEARS.contains(&d.year()) => d,
                Some(_) => {
                    err("as_of".into(), date_range());
                    today
                }
                None => {
                    err("as_of".into(), "must be a date YYYY-MM-DD".into());
                    today
                }
            },
        };

        let mut certifications = Vec::new();
        for (i, c) in w.certifications.iter().enumerate() {
            let p = format!("certifications[{i}]");
            if let Some(cert) = c.check(&p, as_of, &mut err) {
                let scheme = cert.scheme;
                if certifications
                    .iter()
                    .any(|x: &Certification| x.scheme == scheme)
                {
                    err(format!("{p}.scheme"), format!("`{scheme}` is listed twice"));
                }
                certifications.push(cert);
            }
        }

        let suppliers = check_suppliers(&w.suppliers, params, as_of, &mut err);

        let m = &w.maturity;
        let answers = [
            m.govern, m.identify, m.protect, m.detect, m.respond, m.recover,
        ];
        let mut maturity = [None; 6];
        for (f, a) in Function::ALL.iter().zip(answers) {
            if let Some(v) = a {
                if (0.0..=5.0).contains(&v) && v.fract() == 0.0 {
                    maturity[f.index()] = Some(v as u8);
                } else {
                    err(format!("maturity.{f}"), "must be an integer 0..5".into());
                }
            }
        }

        // METI guideline directions (0-5 each) fill the functions `maturity` leaves unanswered.
        let mut directions = [None; 10];
        for (key, v) in &w.meti_directions {
            let i = key
                .strip_prefix('d')
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=10).contains(n) && key == &format!("d{n}"));
            match i {
                Some(i) if (0.0..=5.0).contains(v) && v.fract() == 0.0 => {
                    directions[i - 1] = Some(*v as u8);
                }
                Some(_) => err(
                    format!("meti_directions.{key}"),
                    "must be an integer 0..5".into(),
                ),
                None => err(
                    format!("meti_directions.{key}"),
                    "unknown direction; expected d1 … d10".into(),
                ),
            }
        }
        for f in Function::ALL {
            let levels: Vec<u32> = METI_DIRECTIONS
                .iter()
                .zip(directions)
                .filter(|(fs, _)| fs.contains(f))
                .filter_map(|(_, l)| l.map(u32::from))
                .collect();
            if maturity[f.index()].is_none() && !levels.is_empty() {
                let mean = levels.iter().sum::<u32>() / levels.len() as u32;
                maturity[f.index()] = Some(mean as u8);
            }
        }

        let c = &w.controls;
        let bool_level = |b: bool| if b { "true" } else { "false" };
        let answers: [Option<String>; 8] = [
            c.mfa.clone(),
            c.edr.map(|b| bool_level(b).into()),
            c.offline_backups.clone(),
            c.patch_critical_days.map(|d| patch_level(d).into()),
            c.exposed_rdp.map(|b| bool_level(b).into()),
            c.eol_software.map(|b| bool_level(b).into()),
            c.ir_plan.clone(),
            c.email_filtering.map(|b| bool_level(b).into()),
        ];
        if let Some(d) = c.patch_critical_days
            && !(d >= 0.0 && d.is_finite())
        {
            err(
                "controls.patch_critical_days".into(),
                "must be a number of days >= 0".into(),
            );
        }
        let mut controls = [None; 8];
        for (control, a) in Control::ALL.iter().zip(answers) {
            let Some(level) = a else { continue };
            let levels = &params.controls[control].levels;
            match levels.iter().position(|l| *l == level) {
                Some(i) => controls[control.index()] = Some(i),
                None => err(
                    format!("controls.{control}"),
                    format!(
                        "unknown level `{level}`; expected one of {}",
                        levels.join(", ")
                    ),
                ),
            }
        }

        let rate = rate.unwrap_or(1.0);
        let revenue = f.annual_revenue;
        let coverage = w
            .coverage
            .clone()
            .unwrap_or_default()
            .validate("coverage", revenue, rate, params, &mut err);

        if !errors.is_empty() {
            return Err(ProfileError::Invalid(errors));
        }
        Ok(FirmProfile {
            name: f.name.clone(),
            id: f.id.clone(),
            industry,
            country: f.country.clone(),
            annual_revenue: revenue,
            currency: f.currency.clone(),
            employees: f.employees,
            records_held: f.records_held,
            ot_exposure: f.ot_exposure,
            cloud_providers: f.cloud_providers.clone(),
            certifications,
            suppliers,
            maturity,
            controls,
            coverage,
            as_of,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::DEFAULT_MODEL;
    use time::macros::date;

    pub(crate) const EXAMPLE: &str = r#"{
      "firm": {"name": "Example Manufacturing KK", "industry": "manufacturing", "country": "JP",
               "annual_revenue": 5000000000, "currency": "JPY", "employees": 320,
               "records_held": 20000, "ot_exposure": true, "cloud_providers": ["aws"]},
      "certifications": [
        {"scheme": "iso27001", "status": "active", "issued": "2024-04-01", "expires": "2027-03-31",
         "scope_share": 1.0}
      ],
      "maturity": {"govern": 3, "identify": 3, "protect": 2, "detect": 2, "respond": 3, "recover": 2},
      "controls": {"mfa": "full", "edr": true, "offline_backups": "tested", "patch_critical_days": 14,
                   "exposed_rdp": false, "eol_software": false, "ir_plan": "tested"},
      "coverage": {"deductible": 1000000, "occurrence_limit": 100000000, "aggregate_limit": 100000000},
      "as_of": "2026-11-25"
    }"#;

    fn params() -> ModelParams {
        ModelParams::parse(DEFAULT_MODEL).unwrap()
    }

    #[test]
    fn contract_example_parses() {
        let p = FirmProfile::parse(EXAMPLE, &params(), date!(2000 - 01 - 01)).unwrap();
        assert_eq!(p.industry, Industry::Manufacturing);
        assert_eq!(p.as_of, date!(2026 - 11 - 25));
        assert_eq!(
            p.maturity,
            [Some(3), Some(3), Some(2), Some(2), Some(3), Some(2)]
        );
        assert_eq!(p.controls[Control::Mfa.index()], Some(2));
        assert_eq!(p.controls[Control::EmailFiltering.index()], None);
        assert_eq!(p.coverage.deductible, 1_000_000.0);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = EXAMPLE
            .replace("5000000000", "-5")
            .replace("\"JPY\"", "\"XYZ\"")
            .replace("\"iso27001\"", "\"iso9001\"")
            .replace("\"govern\": 3", "\"govern\": 7")
            .replace("\"2027-03-31\"", "\"2023-03-31\"")
            .replace("\"manufacturing\"", "\"mining\"")
            .replace("\"full\"", "\"most\"");
        let fields: Vec<String> = FirmProfile::parse(&bad, &params(), date!(2026 - 01 - 01))
            .unwrap_err()
            .fields()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "firm.industry",
                "firm.annual_revenue",
                "firm.currency",
                "certifications[0].scheme",
                "certifications[0].expires",
                "maturity.govern",
                "controls.mfa",
            ]
        );
        let unknown = EXAMPLE.replace("\"employees\": 320", "\"employees\": 320, \"staff\": 3");
        let e = FirmProfile::parse(&unknown, &params(), date!(2026 - 01 - 01)).unwrap_err();
        assert_eq!(e.fields()[0].field, "firm.staff");
        assert!(e.to_string().contains("staff"), "{e}");
    }

    /// Reliability issue: hostile names, oversize lists and far-off dates were accepted.
    #[test]
    fn hostile_names_and_dates_are_field_errors() {
        let with_as_of = EXAMPLE.replace("\"2026-11-25\"", "\"9999-12-31\"");
        let with_issued = EXAMPLE.replace("\"2024-04-01\"", "\"-0001-04-01\"");
        let long_name = format!("\"{}\"", "x".repeat(MAX_NAME_CHARS + 1));
        let clouds = format!("[{}]", vec!["\"aws\""; MAX_CLOUD_PROVIDERS + 1].join(","));
        let cases = [
            (with_as_of, "as_of"),
            (with_issued, "certifications[0].issued"),
            (
                EXAMPLE.replace("\"Example Manufacturing KK\"", "\"a\\u0000b\""),
                "firm.name",
            ),
            (
                EXAMPLE.replace("\"Example Manufacturing KK\"", "\"x\\u202ekk\""),
                "firm.name",
            ),
            (
                EXAMPLE.replace("\"Example Manufacturing KK\"", "\"\\u200b\\u200b\""),
                "firm.name",
            ),
            (
                EXAMPLE.replace("\"Example Manufacturing KK\"", "\"x\\uffff\""),
                "firm.name",
            ),
            (
                EXAMPLE.replace("\"Example Manufacturing KK\"", "\"a\\tb\""),
                "firm.name",
            ),
            (
                EXAMPLE.replace("\"Example Manufacturing KK\"", &long_name),
                "firm.name",
            ),
            (
                EXAMPLE.replace("\"JP\"", &format!("\"{}\"", "J".repeat(65))),
                "firm.country",
            ),
            (EXAMPLE.replace("\"JP\"", "\"J\\u0000\""), "firm.country"),
            (
                EXAMPLE.replace("[\"aws\"]", &clouds),
                "firm.cloud_providers",
            ),
            (
                EXAMPLE.replace("[\"aws\"]", "[\"aws\\u202e\"]"),
                "firm.cloud_providers[0]",
            ),
        ];
        for (json, field) in cases {
            let e = FirmProfile::parse(&json, &params(), date!(2026 - 01 - 01)).unwrap_err();
            let fields: Vec<String> = e.fields().into_iter().map(|f| f.field).collect();
            assert_eq!(fields, [field], "{json}: {e}");
        }
    }

    #[test]
    fn defaults_fill_coverage_and_as_of() {
        let p = FirmProfile::parse(
            r#"{"firm": {"name": "A", "industry": "retail", "annual_revenue": 1e9, "currency": "JPY"}}"#,
            &params(),
            date!(2026 - 11 - 25),
        )
        .unwrap();
        assert_eq!(p.as_of, date!(2026 - 11 - 25));
        // The default model's band for ~$6.6M of revenue: $10K deductible, $2M limit, in yen.
        assert_eq!(p.coverage.deductible, 10_000.0 * 152.0);
        assert_eq!(p.coverage.occurrence_limit, 2e6 * 152.0);
        assert_eq!(p.maturity, [None; 6]);
    }
}
