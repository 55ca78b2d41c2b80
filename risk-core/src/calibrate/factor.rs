//! The factors a calibration fits: which model parameters each scales, their values in a model,
//! the model with adjustments applied, and the prior widths read from the parameters' sources.

use std::collections::BTreeMap;

use crate::params::ModelParams;
use crate::vocab::{Industry, PERILS, Peril, Scheme};

/// Which part of the loss model a factor scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// Expected events a year.
    Frequency,
    /// Claim size (the lognormal location: median and tail scale together).
    Severity,
}

impl Part {
    /// `frequency` or `severity`.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Frequency => "frequency",
            Part::Severity => "severity",
        }
    }
}

/// A group of model parameters scaled together by one multiplier (or, for
/// [`Factor::Revenue`], shifted by one exponent).
///
/// Identification: the base level is the frequency (severity location) of a firm in industry
/// `other` (the global average by the model's definition, fixed at 1 and not fitted), at CSF
/// level 2 (the maturity table's anchor, fixed at 1), without certificates, at the model's
/// reference revenue (`reference.revenue`). Every other factor is a relativity against that
/// base, so a shift of the whole book moves the base and not the relativities. Claims data
/// that name the peril of each row have a base per peril ([`Factor::PerilBase`]) in place of the
/// common one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Factor {
    /// The base level of every peril alike (the claims data carry no peril, so the perils'
    /// levels cannot be told apart): scales `perils.*.frequency`, or each peril's severity body
    /// (`median`, `days_down` for a peril priced by days down).
    Base,
    /// One peril's base level (claims data with a `peril` column): scales
    /// `perils.<peril>.frequency`, or its severity body.
    PerilBase(Peril),
    /// The revenue elasticity, additive: ln λ (frequency) or ln median (severity) moves by
    /// β · ln(revenue/reference revenue). A 1.x model's `reference.<part>_revenue_elasticity`
    /// becomes e + β; a model pricing by `[revenue_scale]` has every point of its `<part>` curve
    /// tilted by (revenue/reference)^β (exact: the curve is log-log linear between points), so
    /// its prior value is 0.
    Revenue,
    /// An industry's relativity (every peril).
    Industry(Industry),
    /// A scheme's effects on the perils they name.
    Certification(Scheme),
    /// One entry (CSF level 0–5, not 2: the anchor at 1.0) of the maturity multiplier table.
    Maturity(u8),
    /// The lognormal body's σ of one peril (`perils.<peril>.sigma`; None: every peril's σ
    /// scaled alike), severity only: fitted after the factors from the single-claim rows it
    /// bears on ([`super::sigma`]).
    Sigma(Option<Peril>),
}

impl Factor {
    /// Every factor, in report order.
    pub fn all() -> Vec<Factor> {
        std::iter::once(Factor::Base)
            .chain(Peril::ALL.iter().map(|&k| Factor::PerilBase(k)))
            .chain([Factor::Revenue])
            .chain(Industry::ALL.iter().map(|&i| Factor::Industry(i)))
            .chain(Scheme::ALL.iter().map(|&s| Factor::Certification(s)))
            .chain([0, 1, 3, 4, 5].map(Factor::Maturity))
            .chain(std::iter::once(Factor::Sigma(None)))
            .chain(Peril::ALL.iter().map(|&k| Factor::Sigma(Some(k))))
            .collect()
    }

    /// The factors Fisher scoring fits: every factor but `industry:other` (the fixed reference
    /// of the industry relativities, see [`Factor`]) and the σ (fitted after them); the base
    /// per peril when `by_peril` (the data name perils), else the common base.
    pub fn fitted(by_peril: bool) -> Vec<Factor> {
        Factor::all()
            .into_iter()
            .filter(|f| match f {
                Factor::Base => !by_peril,
                Factor::PerilBase(_) => by_peril,
                Factor::Industry(i) => *i != Industry::Other,
                Factor::Sigma(_) => false,
                _ => true,
            })
            .collect()
    }

    /// Its value moves by addition (the revenue elasticity) rather than by a multiplier: the
    /// fit's β is then the shift itself, and an adjustment r stands for a shift of ln r.
    pub fn additive(self) -> bool {
        self == Factor::Revenue
    }

    /// The base level, common or of one peril (a level, not a relativity: the thin-data gate
    /// looks past it).
    pub fn is_level(self) -> bool {
        matches!(
            self,
            Factor::Base | Factor::PerilBase(_) | Factor::Revenue | Factor::Sigma(_)
        )
    }

    /// `base`, `base:ransomware`, `revenue`, `industry:finance`, `certification:iso27001`,
    /// `maturity:3`, `sigma`, `sigma:data_breach`.
    pub fn name(self) -> String {
        match self {
            Factor::Base => "base".into(),
            Factor::PerilBase(k) => format!("base:{k}"),
            Factor::Revenue => "revenue".into(),
            Factor::Sigma(None) => "sigma".into(),
            Factor::Sigma(Some(k)) => format!("sigma:{k}"),
            Factor::Industry(i) => format!("industry:{i}"),
            Factor::Certification(s) => format!("certification:{s}"),
            Factor::Maturity(l) => format!("maturity:{l}"),
        }
    }

    /// Parses [`Factor::name`].
    pub fn parse(s: &str) -> Option<Factor> {
        match s {
            "base" => return Some(Factor::Base),
            "revenue" => return Some(Factor::Revenue),
            "sigma" => return Some(Factor::Sigma(None)),
            _ => {}
        }
        let (kind, v) = s.split_once(':')?;
        match kind {
            "base" => Peril::parse(v).map(Factor::PerilBase),
            "sigma" => Peril::parse(v).map(|k| Factor::Sigma(Some(k))),
            "industry" => Industry::parse(v).map(Factor::Industry),
            "certification" => Scheme::parse(v).map(Factor::Certification),
            "maturity" => match v.parse::<u8>() {
                Ok(l) if l <= 5 && l != 2 => Some(Factor::Maturity(l)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The model-file path of the parameters it scales (in `params`, which says whether the
    /// revenue elasticity is a power or a curve).
    pub fn parameter(self, part: Part, params: &ModelParams) -> String {
        let p = part.as_str();
        match self {
            Factor::Base if part == Part::Frequency => "perils.*.frequency".into(),
            Factor::Base => "perils.*.median (days_down where it prices the peril)".into(),
            Factor::PerilBase(k) => base_path(k, &params.perils[k.index()], part),
            Factor::Revenue => revenue_path(part, params),
            Factor::Sigma(None) => "perils.*.sigma".into(),
            Factor::Sigma(Some(k)) => format!("perils.{k}.sigma"),
            Factor::Industry(i) => format!("industries.{i}.{p}"),
            Factor::Certification(s) => format!("certifications.{s}.effects[*].{p}"),
            Factor::Maturity(l) => format!("maturity.{p}_multiplier[{l}]"),
        }
    }

    /// Source texts of its parameters in the model file.
    fn sources(self, part: Part, params: &ModelParams) -> Vec<&str> {
        let paths: Vec<String> = match self {
            Factor::Base => Peril::ALL
                .iter()
                .zip(&params.perils)
                .map(|(peril, p)| base_path(*peril, p, part))
                .collect(),
            Factor::PerilBase(k) => vec![base_path(k, &params.perils[k.index()], part)],
            Factor::Revenue => vec![revenue_source(part, params)],
            Factor::Sigma(None) => Peril::ALL
                .iter()
                .map(|k| format!("perils.{k}.sigma"))
                .collect(),
            Factor::Sigma(Some(k)) => vec![format!("perils.{k}.sigma")],
            _ => Vec::new(),
        };
        if !paths.is_empty() {
            return paths
                .iter()
                .filter_map(|p| params.sources.get(p).map(String::as_str))
                .collect();
        }
        let prefix = match self {
            Factor::Base | Factor::PerilBase(_) | Factor::Revenue | Factor::Sigma(_) => {
                unreachable!("handled above")
            }
            Factor::Industry(i) => format!("industries.{i}.{}", part.as_str()),
            Factor::Certification(s) => format!("certifications.{s}.effects["),
            Factor::Maturity(_) => "maturity.multiplier_source".into(),
        };
        params
            .sources
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !matches!(self, Factor::Industry(_)) || **k == prefix)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The label of its notes in a calibrated source (`frequency`, `level 3 severity`).
    fn label(self, part: Part) -> String {
        match self {
            Factor::Maturity(l) => format!("level {l} {}", part.as_str()),
            Factor::Sigma(_) => "sigma".into(),
            _ => part.as_str().into(),
        }
    }

    /// Prior sd of ln r: the widest of its parameters' ([`prior_sd`] of each source, or the
    /// posterior sd a calibration wrote into it, [`posterior_sd`]).
    pub fn prior_sd(self, part: Part, params: &ModelParams) -> f64 {
        let label = self.label(part);
        self.sources(part, params)
            .iter()
            .map(|s| source_sd(s, &label))
            .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
            .unwrap_or(0.50)
    }
}

/// The prior sd of ln r a source gives the factor labelled `label`: the posterior sd of the
/// newest calibration that fitted it, else its tag's width before calibrations that did not
/// (a `[C]` source names its prior after `; prior: `).
pub(crate) fn source_sd(source: &str, label: &str) -> f64 {
    if let Some(sd) = posterior_sd(source, label) {
        return sd;
    }
    match source.split_once("; prior: ") {
        Some((_, older)) if source.starts_with("[C]") => source_sd(older, label),
        _ => prior_sd(source),
    }
}

/// The model-file path of a peril's base-level parameter: `perils.<peril>.frequency`, or for
/// severity the body median (`days_down` where that prices the peril instead).
pub(crate) fn base_path(peril: Peril, p: &crate::params::PerilParams, part: Part) -> String {
    match (part, p.days_down) {
        (Part::Frequency, _) => format!("perils.{peril}.frequency"),
        (Part::Severity, Some(_)) => format!("perils.{peril}.days_down"),
        (Part::Severity, None) => format!("perils.{peril}.median"),
    }
}

/// The model-file path of the revenue elasticity of `part`: the 1.x power's exponent, or the
/// factors of the `[revenue_scale]` curve.
fn revenue_path(part: Part, params: &ModelParams) -> String {
    match params.revenue_scale {
        None => format!("reference.{}_revenue_elasticity", part.as_str()),
        Some(_) => format!("revenue_scale.{}[*].factor", part.as_str()),
    }
}

/// The source key of the revenue elasticity of `part`.
pub(crate) fn revenue_source(part: Part, params: &ModelParams) -> String {
    match params.revenue_scale {
        None => format!("reference.{}_revenue_elasticity", part.as_str()),
        Some(_) => format!("revenue_scale.{}_source", part.as_str()),
    }
}

/// Adjustments by part and factor: a multiplier r (new value = old × r), or for an
/// [additive](Factor::additive) factor e^β (new value = old + β).
pub type Adjustments = BTreeMap<(Part, Factor), f64>;

/// The factor's current value: a base level, the revenue elasticity, an industry's relativity, a
/// maturity table entry, a σ, or a scheme's effect averaged over the perils it names (geometric
/// mean weighted by the base frequencies; the effect itself for a scheme that applies to all
/// perils alike).
pub fn value(params: &ModelParams, part: Part, factor: Factor) -> f64 {
    let pick = |x: (f64, f64)| match part {
        Part::Frequency => x.0,
        Part::Severity => x.1,
    };
    match factor {
        // Frequency: the base events a year of all perils (at the reference revenue); severity:
        // the frequency-weighted geometric mean of the perils' body scales (median, or days
        // down): both move by exactly r under the base factor.
        Factor::Base => {
            let total: f64 = params.perils.iter().map(|p| p.frequency).sum();
            match part {
                Part::Frequency => total,
                Part::Severity => params
                    .perils
                    .iter()
                    .map(|p| p.frequency / total * p.days_down.unwrap_or(p.median).ln())
                    .sum::<f64>()
                    .exp(),
            }
        }
        Factor::PerilBase(k) => {
            let p = &params.perils[k.index()];
            match part {
                Part::Frequency => p.frequency,
                Part::Severity => p.days_down.unwrap_or(p.median),
            }
        }
        // The exponent of a 1.x power law; the tilt (0) of a `[revenue_scale]` curve.
        Factor::Revenue => match (&params.revenue_scale, part) {
            (Some(_), _) => 0.0,
            (None, Part::Frequency) => params.reference.frequency_revenue_elasticity,
            (None, Part::Severity) => params.reference.severity_revenue_elasticity,
        },
        // One peril's σ, or the frequency-weighted geometric mean of them all.
        Factor::Sigma(Some(k)) => params.perils[k.index()].sigma,
        Factor::Sigma(None) => {
            let total: f64 = params.perils.iter().map(|p| p.frequency).sum();
            params
                .perils
                .iter()
                .map(|p| p.frequency / total * p.sigma.ln())
                .sum::<f64>()
                .exp()
        }
        Factor::Industry(i) => {
            let ind = &params.industries[&i];
            pick((ind.frequency, ind.severity))
        }
        Factor::Maturity(l) => {
            let m = &params.maturity;
            pick((
                m.frequency_multiplier[l as usize],
                m.severity_multiplier[l as usize],
            ))
        }
        Factor::Certification(s) => {
            let sc = &params.certifications[&s];
            let (mut num, mut den) = (0.0, 0.0);
            for k in 0..PERILS {
                if sc.covered[k] {
                    let w = params.perils[k].frequency;
                    num += w * pick(sc.effect[k]).ln();
                    den += w;
                }
            }
            if den > 0.0 { (num / den).exp() } else { 1.0 }
        }
    }
}

/// The model with every adjustment applied (no range checks: a step of the fit may pass through
/// values the file format would reject; [`rewrite::rewrite`] caps and validates what is written).
pub fn apply(params: &ModelParams, adjustments: &Adjustments) -> ModelParams {
    let mut p = params.clone();
    for (&(part, factor), &r) in adjustments {
        let scale = |x: &mut (f64, f64)| match part {
            Part::Frequency => x.0 *= r,
            Part::Severity => x.1 *= r,
        };
        match factor {
            Factor::Base => {
                for peril in &mut p.perils {
                    match part {
                        Part::Frequency => peril.frequency *= r,
                        Part::Severity => match &mut peril.days_down {
                            Some(d) => *d *= r,
                            None => peril.median *= r,
                        },
                    }
                }
            }
            Factor::PerilBase(k) => {
                let peril = &mut p.perils[k.index()];
                match part {
                    Part::Frequency => peril.frequency *= r,
                    Part::Severity => match &mut peril.days_down {
                        Some(d) => *d *= r,
                        None => peril.median *= r,
                    },
                }
            }
            Factor::Revenue => {
                let beta = r.ln();
                let reference = p.reference.revenue;
                match (&mut p.revenue_scale, part) {
                    (Some(s), Part::Frequency) => s.frequency = s.frequency.tilted(beta, reference),
                    (Some(s), Part::Severity) => s.severity = s.severity.tilted(beta, reference),
                    (None, Part::Frequency) => p.reference.frequency_revenue_elasticity += beta,
                    (None, Part::Severity) => p.reference.severity_revenue_elasticity += beta,
                }
            }
            Factor::Sigma(k) => {
                for (j, peril) in p.perils.iter_mut().enumerate() {
                    if k.is_none_or(|k| k.index() == j) {
                        peril.sigma *= r;
                    }
                }
            }
            Factor::Industry(i) => {
                let ind = p
                    .industries
                    .get_mut(&i)
                    .expect("every industry is in the model");
                match part {
                    Part::Frequency => ind.frequency *= r,
                    Part::Severity => ind.severity *= r,
                }
                ind.relativity.iter_mut().for_each(scale);
            }
            Factor::Certification(s) => {
                let sc = p
                    .certifications
                    .get_mut(&s)
                    .expect("every scheme is in the model");
                for k in 0..PERILS {
                    if sc.covered[k] {
                        scale(&mut sc.effect[k]);
                    }
                }
            }
            Factor::Maturity(l) => {
                let m = &mut p.maturity;
                match part {
                    Part::Frequency => m.frequency_multiplier[l as usize] *= r,
                    Part::Severity => m.severity_multiplier[l as usize] *= r,
                }
            }
        }
    }
    p
}

/// Prior standard deviation of ln r from a parameter's source tag: verified 0.10, reported or
/// derived 0.25, calibrated 0.25, assumption or background 0.50 (\[A\] choices of this project:
/// a verified number is trusted to ±20% at 95%, an assumption only to a factor of about 2.7).
pub fn prior_sd(source: &str) -> f64 {
    let tag = source.split(']').next().unwrap_or("");
    match tag {
        "[V" => 0.10,
        "[R" | "[D" | "[C" => 0.25,
        _ => 0.50,
    }
}

/// The posterior sd of ln r that a calibration wrote into a `[C]` source for the factor whose
/// notes carry `label` (`frequency`, `level 3 severity`): `… <label> x0.91 (…, ln r mean -0.09
/// sd 0.061)`. It is the next calibration's prior sd, so data weigh once: a thin fit leaves the
/// prior nearly as wide as it was, a rich one narrows it. Only the newest calibration's notes
/// are read (the text before `; prior:`).
pub fn posterior_sd(source: &str, label: &str) -> Option<f64> {
    if !source.starts_with("[C]") {
        return None;
    }
    let newest = source.split("; prior:").next()?;
    let needle = format!("{label} x");
    let note = &newest[newest.find(&needle)?..];
    let note = &note[..note.find(')').unwrap_or(note.len())];
    let sd = note.split(" sd ").nth(1)?;
    let sd: f64 = sd.trim().parse().ok()?;
    (sd > 0.0 && sd.is_finite()).then_some(sd)
}
