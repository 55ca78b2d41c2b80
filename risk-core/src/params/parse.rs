//! Reading a model file: wire types mirroring the TOML, and the checks that turn them into a
//! [`ModelParams`] (range, source tag, monotone levels, certification effects ≤ 1).

use std::collections::BTreeMap;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::scaling::{CountryWire, ScaleWire, TermsWire, TrendWire, check_countries, check_terms};
use super::sharing::SharingWire;
use super::suppliers::SuppliersWire;
use super::underwriting::{CoverageWire, RatingPlanWire, UnderwritingWire};
use super::*;
use crate::error::FieldError;
use crate::vocab::{Control, Function, Industry, PERILS, Peril, Scheme};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct P {
    pub(super) value: f64,
    pub(super) source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    model: MetaWire,
    fx: FxWire,
    reference: BTreeMap<String, P>,
    perils: BTreeMap<Peril, PerilWire>,
    industries: BTreeMap<Industry, IndustryWire>,
    maturity: MaturityWire,
    certification_rules: CertRulesWire,
    certifications: BTreeMap<Scheme, SchemeWire>,
    control_rules: BTreeMap<String, P>,
    controls: BTreeMap<Control, ControlWire>,
    threat: ThreatWire,
    pricing: BTreeMap<String, P>,
    score: ScoreWire,
    #[serde(default)]
    shocks: Vec<ShockWire>,
    #[serde(default)]
    calibration: Option<Calibration>,
    #[serde(default)]
    coverage: Option<CoverageWire>,
    #[serde(default)]
    underwriting: Option<UnderwritingWire>,
    #[serde(default)]
    sharing: Option<SharingWire>,
    revenue_scale: Option<ScaleWire>,
    #[serde(default)]
    countries: Option<BTreeMap<String, CountryWire>>,
    #[serde(default)]
    trend: Option<TrendWire>,
    #[serde(default)]
    default_terms: Vec<TermsWire>,
    #[serde(default)]
    rating_plan: Option<RatingPlanWire>,
    suppliers: Option<SuppliersWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShockWire {
    name: String,
    dependency: Option<String>,
    annual_probability: P,
    hit_probability: P,
    revenue_share: ShareWire,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareWire {
    median: f64,
    sigma: f64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaWire {
    name: String,
    version: String,
    base_currency: String,
    #[allow(dead_code)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FxWire {
    as_of: String,
    rates: BTreeMap<String, P>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerilWire {
    frequency: P,
    median: P,
    sigma: P,
    #[serde(default)]
    tail_quantile: Option<P>,
    #[serde(default)]
    tail_shape: Option<P>,
    #[serde(default)]
    days_down: Option<P>,
    #[serde(default)]
    severity_scale_power: Option<P>,
    #[serde(default)]
    requires_ot: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndustryWire {
    frequency: P,
    severity: P,
    median_maturity: P,
    #[serde(default)]
    peril_frequency: BTreeMap<Peril, P>,
    #[serde(default)]
    peril_severity: BTreeMap<Peril, P>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MaturityWire {
    frequency_weights: BTreeMap<Function, f64>,
    severity_weights: BTreeMap<Function, f64>,
    weights_source: String,
    frequency_multiplier: [f64; 6],
    severity_multiplier: [f64; 6],
    multiplier_source: String,
    unverified_credibility: P,
    certification_discount_exponent: P,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CertRulesWire {
    floor: P,
    lapse_months: P,
    lapse_penalty: P,
    iso27001_2013_invalid_after: String,
    #[serde(default)]
    no_credit_without_date: Option<P>,
    #[serde(default)]
    ladders: Vec<LadderWire>,
    #[serde(default)]
    declared_credit: BTreeMap<Scheme, P>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LadderWire {
    schemes: Vec<Scheme>,
    source: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PerilSet {
    All(String),
    List(Vec<Peril>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EffectWire {
    #[serde(default)]
    level: Option<String>,
    perils: PerilSet,
    frequency: f64,
    severity: f64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeWire {
    third_party: bool,
    validity_months: u32,
    #[serde(default)]
    next_tier: Option<Scheme>,
    #[serde(default)]
    security_level_full_credit: Option<u8>,
    effects: Vec<EffectWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlWire {
    levels: Vec<String>,
    effects: Vec<EffectWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThreatWire {
    version: String,
    source: String,
    #[serde(default)]
    levels: BTreeMap<Industry, BTreeMap<Peril, f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoreWire {
    baseline: f64,
    points_per_doubling: f64,
    source: String,
    grades: Vec<GradeWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GradeWire {
    grade: String,
    min: f64,
}

/// Collects field errors while reading the wire form.
pub(super) struct Check {
    pub(super) errors: Vec<FieldError>,
    sources: BTreeMap<String, String>,
}

impl Check {
    pub(super) fn source(&mut self, path: &str, source: &str) {
        let tagged = ["[V]", "[R]", "[D]", "[A]", "[K]", "[A/K]", "[C]"]
            .iter()
            .any(|t| source.starts_with(t));
        if !tagged {
            self.errors.push(FieldError::new(
                format!("{path}.source"),
                "must start with a source tag: [V], [R], [D], [A], [K] or [C]",
            ));
        }
        self.sources.insert(path.to_string(), source.to_string());
    }

    /// The value of a tagged parameter, checked to lie in [lo, hi].
    pub(super) fn p(&mut self, path: &str, p: &P, lo: f64, hi: f64) -> f64 {
        self.source(path, &p.source);
        self.range(path, p.value, lo, hi)
    }

    pub(super) fn range(&mut self, path: &str, v: f64, lo: f64, hi: f64) -> f64 {
        if !(v >= lo && v <= hi) {
            self.errors
                .push(FieldError::new(path, format!("must be in [{lo}, {hi}]")));
        }
        v
    }

    fn named(
        &mut self,
        map: &BTreeMap<String, P>,
        section: &str,
        key: &str,
        lo: f64,
        hi: f64,
    ) -> f64 {
        match map.get(key) {
            Some(p) => self.p(&format!("{section}.{key}"), p, lo, hi),
            None => {
                self.errors
                    .push(FieldError::new(format!("{section}.{key}"), "is missing"));
                f64::NAN
            }
        }
    }

    pub(super) fn date(&mut self, path: &str, s: &str) -> Date {
        parse_date(s).unwrap_or_else(|| {
            self.errors
                .push(FieldError::new(path, "must be a date YYYY-MM-DD"));
            Date::MIN
        })
    }

    /// Per-peril multipliers from a list of effects (all for one level).
    fn effects<'a>(
        &mut self,
        path: &str,
        effects: impl Iterator<Item = (usize, &'a EffectWire)>,
    ) -> PerilMultipliers {
        let mut m = [(1.0, 1.0); PERILS];
        for (i, e) in effects {
            let p = format!("{path}.effects[{i}]");
            self.source(&p, &e.source);
            let f = self.range(&format!("{p}.frequency"), e.frequency, 0.05, 20.0);
            let s = self.range(&format!("{p}.severity"), e.severity, 0.05, 20.0);
            let perils: Vec<Peril> = match &e.perils {
                PerilSet::All(a) if a == "all" => Peril::ALL.to_vec(),
                PerilSet::All(_) => {
                    self.errors.push(FieldError::new(
                        format!("{p}.perils"),
                        "must be \"all\" or a list of perils",
                    ));
                    vec![]
                }
                PerilSet::List(l) => l.clone(),
            };
            for peril in perils {
                m[peril.index()].0 *= f;
                m[peril.index()].1 *= s;
            }
        }
        m
    }
}

impl ModelParams {
    /// Parses and validates a model file.
    ///
    /// # Errors
    /// [`ParamsError::Malformed`] for TOML or shape errors; [`ParamsError::Invalid`] listing every
    /// out-of-range value, missing entry or untagged source.
    pub fn parse(text: &str) -> Result<Self, ParamsError> {
        let w: Wire = toml::from_str(text).map_err(|e| ParamsError::Malformed(e.to_string()))?;
        let mut c = Check {
            errors: Vec::new(),
            sources: BTreeMap::new(),
        };

        let mut fx = BTreeMap::new();
        for (code, p) in &w.fx.rates {
            if code.len() != 3 || !code.chars().all(|ch| ch.is_ascii_uppercase()) {
                c.errors.push(FieldError::new(
                    format!("fx.rates.{code}"),
                    "must be an ISO 4217 code",
                ));
            }
            fx.insert(code.clone(), c.p(&format!("fx.rates.{code}"), p, 1e-6, 1e6));
        }
        if fx.get(&w.model.base_currency) != Some(&1.0) {
            c.errors.push(FieldError::new(
                "fx.rates",
                "must give the base currency at 1.0",
            ));
        }
        let fx_as_of = c.date("fx.as_of", &w.fx.as_of);

        let r = &w.reference;
        let reference = Reference {
            revenue: c.named(r, "reference", "revenue", 1.0, 1e13),
            frequency_revenue_elasticity: c.named(
                r,
                "reference",
                "frequency_revenue_elasticity",
                0.0,
                2.0,
            ),
            severity_revenue_elasticity: c.named(
                r,
                "reference",
                "severity_revenue_elasticity",
                0.0,
                2.0,
            ),
            dispersion: c.named(r, "reference", "dispersion", 0.01, 1e6),
            tail_quantile: c.named(r, "reference", "tail_quantile", 0.5, 0.9999),
            tail_shape: c.named(r, "reference", "tail_shape", -0.9, 0.9),
            records_reference: c.named(r, "reference", "records_reference", 1.0, 1e12),
            records_elasticity: c.named(r, "reference", "records_elasticity", 0.0, 2.0),
            records_min: c.named(r, "reference", "records_min", 1.0, 1e12),
            records_max: match r.get("records_max") {
                Some(p) => c.p("reference.records_max", p, 1.0, 1e12),
                None => f64::INFINITY,
            },
            bi_margin: r
                .get("bi_margin")
                .map(|p| c.p("reference.bi_margin", p, 1e-3, 1.0)),
        };

        let perils = Peril::ALL.map_params(|peril| match w.perils.get(&peril) {
            Some(p) => {
                let path = format!("perils.{peril}");
                let days_down = p
                    .days_down
                    .as_ref()
                    .map(|d| c.p(&format!("{path}.days_down"), d, 1e-3, 365.0));
                if days_down.is_some() && reference.bi_margin.is_none() {
                    c.errors.push(FieldError::new(
                        format!("{path}.days_down"),
                        "needs reference.bi_margin",
                    ));
                }
                PerilParams {
                    frequency: c.p(&format!("{path}.frequency"), &p.frequency, 0.0, 100.0),
                    median: c.p(&format!("{path}.median"), &p.median, 1e-6, 1e12),
                    sigma: c.p(&format!("{path}.sigma"), &p.sigma, 0.01, 5.0),
                    tail_quantile: p
                        .tail_quantile
                        .as_ref()
                        .map_or(reference.tail_quantile, |q| {
                            c.p(&format!("{path}.tail_quantile"), q, 0.5, 0.9999)
                        }),
                    tail_shape: p.tail_shape.as_ref().map_or(reference.tail_shape, |q| {
                        c.p(&format!("{path}.tail_shape"), q, -0.9, 0.9)
                    }),
                    days_down,
                    severity_scale_power: p.severity_scale_power.as_ref().map_or(1.0, |q| {
                        c.p(&format!("{path}.severity_scale_power"), q, 0.0, 2.0)
                    }),
                    requires_ot: p.requires_ot,
                }
            }
            None => {
                c.errors
                    .push(FieldError::new(format!("perils.{peril}"), "is missing"));
                PerilParams {
                    frequency: 0.0,
                    median: 1.0,
                    sigma: 1.0,
                    tail_quantile: 0.95,
                    tail_shape: 0.0,
                    days_down: None,
                    severity_scale_power: 1.0,
                    requires_ot: false,
                }
            }
        });

        let mut industries = BTreeMap::new();
        for &ind in Industry::ALL {
            let Some(i) = w.industries.get(&ind) else {
                c.errors
                    .push(FieldError::new(format!("industries.{ind}"), "is missing"));
                continue;
            };
            let path = format!("industries.{ind}");
            let f = c.p(&format!("{path}.frequency"), &i.frequency, 0.05, 20.0);
            let s = c.p(&format!("{path}.severity"), &i.severity, 0.05, 20.0);
            let mut relativity = [(f, s); PERILS];
            for (peril, p) in &i.peril_frequency {
                relativity[peril.index()].0 *=
                    c.p(&format!("{path}.peril_frequency.{peril}"), p, 0.05, 20.0);
            }
            for (peril, p) in &i.peril_severity {
                relativity[peril.index()].1 *=
                    c.p(&format!("{path}.peril_severity.{peril}"), p, 0.05, 20.0);
            }
            let median_maturity = c.p(
                &format!("{path}.median_maturity"),
                &i.median_maturity,
                0.0,
                5.0,
            );
            industries.insert(
                ind,
                IndustryParams {
                    frequency: f,
                    severity: s,
                    relativity,
                    median_maturity,
                },
            );
        }

        let m = &w.maturity;
        c.source("maturity.weights_source", &m.weights_source);
        c.source("maturity.multiplier_source", &m.multiplier_source);
        let weights = |c: &mut Check, path: &str, map: &BTreeMap<Function, f64>| {
            let mut out = [0.0; 6];
            for (f, v) in map {
                out[f.index()] = c.range(&format!("{path}.{f}"), *v, 0.0, 1.0);
            }
            if (out.iter().sum::<f64>() - 1.0).abs() > 1e-9 {
                c.errors.push(FieldError::new(path, "must sum to 1"));
            }
            out
        };
        let frequency_weights = weights(&mut c, "maturity.frequency_weights", &m.frequency_weights);
        let severity_weights = weights(&mut c, "maturity.severity_weights", &m.severity_weights);
        for (path, t) in [
            ("maturity.frequency_multiplier", &m.frequency_multiplier),
            ("maturity.severity_multiplier", &m.severity_multiplier),
        ] {
            if t.iter().any(|v| !(*v > 0.0)) || t.windows(2).any(|w| w[1] > w[0]) {
                c.errors.push(FieldError::new(
                    path,
                    "must be positive and non-increasing in the level",
                ));
            }
        }
        let maturity = MaturityParams {
            frequency_weights,
            severity_weights,
            frequency_multiplier: m.frequency_multiplier,
            severity_multiplier: m.severity_multiplier,
            unverified_credibility: c.p(
                "maturity.unverified_credibility",
                &m.unverified_credibility,
                0.0,
                1.0,
            ),
            certification_discount_exponent: c.p(
                "maturity.certification_discount_exponent",
                &m.certification_discount_exponent,
                0.0,
                1.0,
            ),
        };

        let cr = &w.certification_rules;
        let certification_rules = CertificationRules {
            floor: c.p("certification_rules.floor", &cr.floor, 0.01, 1.0),
            lapse_months: c.p(
                "certification_rules.lapse_months",
                &cr.lapse_months,
                0.0,
                120.0,
            ),
            lapse_penalty: c.p(
                "certification_rules.lapse_penalty",
                &cr.lapse_penalty,
                1.0,
                10.0,
            ),
            iso27001_2013_invalid_after: c.date(
                "certification_rules.iso27001_2013_invalid_after",
                &cr.iso27001_2013_invalid_after,
            ),
            no_credit_without_date: cr.no_credit_without_date.as_ref().is_some_and(|p| {
                c.p("certification_rules.no_credit_without_date", p, 0.0, 1.0) == 1.0
            }),
            ladders: cr
                .ladders
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let path = format!("certification_rules.ladders[{i}]");
                    c.source(&path, &l.source);
                    if l.schemes.len() < 2 {
                        c.errors
                            .push(FieldError::new(path, "must name at least two schemes"));
                    }
                    l.schemes.clone()
                })
                .collect(),
            declared_credit: cr
                .declared_credit
                .iter()
                .map(|(scheme, p)| {
                    let path = format!("certification_rules.declared_credit.{scheme}");
                    (*scheme, c.p(&path, p, 0.0, 1.0))
                })
                .collect(),
        };

        let mut certifications = BTreeMap::new();
        for &scheme in Scheme::ALL {
            let Some(s) = w.certifications.get(&scheme) else {
                c.errors.push(FieldError::new(
                    format!("certifications.{scheme}"),
                    "is missing",
                ));
                continue;
            };
            let path = format!("certifications.{scheme}");
            let effect = c.effects(&path, s.effects.iter().enumerate());
            let mut covered = [false; PERILS];
            for e in &s.effects {
                match &e.perils {
                    PerilSet::All(_) => covered = [true; PERILS],
                    PerilSet::List(l) => l.iter().for_each(|p| covered[p.index()] = true),
                }
            }
            if effect.iter().any(|(f, s)| *f > 1.0 || *s > 1.0) {
                c.errors.push(FieldError::new(
                    format!("{path}.effects"),
                    "an active certification must not raise risk (multipliers <= 1)",
                ));
            }
            certifications.insert(
                scheme,
                SchemeParams {
                    third_party: s.third_party,
                    validity_months: s.validity_months,
                    next_tier: s.next_tier,
                    security_level_full_credit: s.security_level_full_credit,
                    effect,
                    covered,
                },
            );
        }

        let control_clamp = (
            c.named(&w.control_rules, "control_rules", "clamp_min", 0.01, 1.0),
            c.named(&w.control_rules, "control_rules", "clamp_max", 1.0, 100.0),
        );
        let mut controls = BTreeMap::new();
        for &control in Control::ALL {
            let Some(cw) = w.controls.get(&control) else {
                c.errors
                    .push(FieldError::new(format!("controls.{control}"), "is missing"));
                continue;
            };
            let path = format!("controls.{control}");
            let mut effects = Vec::new();
            for level in &cw.levels {
                let these = cw
                    .effects
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.level.as_deref() == Some(level.as_str()));
                effects.push(c.effects(&path, these));
            }
            for (i, e) in cw.effects.iter().enumerate() {
                if !e.level.as_ref().is_some_and(|l| cw.levels.contains(l)) {
                    c.errors.push(FieldError::new(
                        format!("{path}.effects[{i}].level"),
                        "must be one of `levels`",
                    ));
                }
            }
            // Better levels never raise risk on any peril.
            for w2 in effects.windows(2) {
                if w2[1]
                    .iter()
                    .zip(&w2[0])
                    .any(|(b, a)| b.0 > a.0 + 1e-12 || b.1 > a.1 + 1e-12)
                {
                    c.errors.push(FieldError::new(
                        format!("{path}.effects"),
                        "a better level must not have a larger multiplier",
                    ));
                    break;
                }
            }
            controls.insert(
                control,
                ControlParams {
                    levels: cw.levels.clone(),
                    effects,
                },
            );
        }

        let sharing = w
            .sharing
            .as_ref()
            .map_or_else(SharingParams::default, |sw| sw.check(&mut c));
        c.source("threat.source", &w.threat.source);
        let mut levels = BTreeMap::new();
        for (ind, map) in &w.threat.levels {
            let mut l = [1.0; PERILS];
            for (peril, v) in map {
                let path = format!("threat.levels.{ind}.{peril}");
                l[peril.index()] = c.range(&path, *v, sharing.min, sharing.max);
            }
            levels.insert(*ind, l);
        }
        let threat = ThreatLevels {
            version: w.threat.version.clone(),
            levels,
            in_score: false,
        };

        let pr = &w.pricing;
        let pricing = PricingParams {
            expense_ratio: c.named(pr, "pricing", "expense_ratio", 0.0, 0.9),
            cost_of_capital: c.named(pr, "pricing", "cost_of_capital", 0.0, 1.0),
            capital_level: c.named(pr, "pricing", "capital_level", 0.5, 0.9999),
            capital_share: c.named(pr, "pricing", "capital_share", 0.0, 1.0),
            schedule_bound: c.named(pr, "pricing", "schedule_bound", 0.0, 1.0),
            default_deductible_share: c.named(pr, "pricing", "default_deductible_share", 0.0, 1.0),
            default_limit_share: c.named(pr, "pricing", "default_limit_share", 1e-6, 10.0),
            default_limit_cap: c.named(pr, "pricing", "default_limit_cap", 1.0, 1e12),
            layer_basis: w
                .rating_plan
                .as_ref()
                .map_or(LayerBasis::Own, |r| r.check(&mut c)),
        };

        let s = &w.score;
        c.source("score.source", &s.source);
        let mut grades: Vec<(String, f64)> =
            s.grades.iter().map(|g| (g.grade.clone(), g.min)).collect();
        grades.sort_by(|a, b| b.1.total_cmp(&a.1));
        if grades.last().map(|g| g.1) != Some(0.0) {
            c.errors.push(FieldError::new(
                "score.grades",
                "the lowest band must start at 0",
            ));
        }
        let score = ScoreParams {
            baseline: c.range("score.baseline", s.baseline, 0.0, 1000.0),
            points_per_doubling: c.range(
                "score.points_per_doubling",
                s.points_per_doubling,
                1.0,
                1000.0,
            ),
            grades,
        };

        let shocks = w
            .shocks
            .iter()
            .enumerate()
            .map(|(i, sw)| {
                let path = format!("shocks[{i}]");
                c.source(&format!("{path}.revenue_share"), &sw.revenue_share.source);
                ShockParams {
                    name: sw.name.clone(),
                    dependency: sw.dependency.clone(),
                    annual_probability: c.p(
                        &format!("{path}.annual_probability"),
                        &sw.annual_probability,
                        0.0,
                        1.0,
                    ),
                    hit_probability: c.p(
                        &format!("{path}.hit_probability"),
                        &sw.hit_probability,
                        0.0,
                        1.0,
                    ),
                    revenue_share_median: c.range(
                        &format!("{path}.revenue_share.median"),
                        sw.revenue_share.median,
                        1e-9,
                        10.0,
                    ),
                    revenue_share_sigma: c.range(
                        &format!("{path}.revenue_share.sigma"),
                        sw.revenue_share.sigma,
                        0.01,
                        5.0,
                    ),
                }
            })
            .collect();

        let coverage = w.coverage.as_ref().map(|cw| cw.check(&mut c));
        let revenue_scale = w.revenue_scale.as_ref().map(|s| s.check(&mut c));
        let countries = w.countries.as_ref().map(|m| check_countries(&mut c, m));
        let trend = w.trend.as_ref().map(|t| t.check(&mut c));
        let default_terms = check_terms(&mut c, &w.default_terms);
        let suppliers = w
            .suppliers
            .as_ref()
            .map(|s| s.check(&mut c, reference.bi_margin));
        let underwriting = w
            .underwriting
            .as_ref()
            .map(|uw| uw.check(&mut c, &controls));

        if !c.errors.is_empty() {
            return Err(ParamsError::Invalid(c.errors));
        }
        let digest = Sha256::digest(text.as_bytes());
        let hash = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Ok(ModelParams {
            name: w.model.name,
            version: w.model.version,
            hash,
            base_currency: w.model.base_currency,
            fx_as_of,
            fx,
            reference,
            perils,
            industries,
            maturity,
            certification_rules,
            certifications,
            control_clamp,
            controls,
            threat,
            pricing,
            score,
            shocks,
            coverage,
            underwriting,
            sharing,
            revenue_scale,
            countries,
            trend,
            default_terms,
            suppliers,
            sources: c.sources,
            calibration: w.calibration,
        })
    }
}

trait MapParams {
    fn map_params<T>(&self, f: impl FnMut(Peril) -> T) -> [T; PERILS];
}

impl MapParams for &'static [Peril] {
    fn map_params<T>(&self, mut f: impl FnMut(Peril) -> T) -> [T; PERILS] {
        std::array::from_fn(|i| f(self[i]))
    }
}
