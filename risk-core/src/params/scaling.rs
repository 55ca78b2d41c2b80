//! The optional 2.0.0 sections of a model file that scale a firm's exposure: frequency and
//! severity by revenue band (`[revenue_scale]`), jurisdiction factors (`[countries.*]`), a dated loss trend
//! (`[trend]`) and default deductible and limit by revenue band (`[[default_terms]]`). Each is
//! optional, so files written before 2.0.0 parse and price as they did.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::Date;

use super::parse::{Check, P};
use crate::error::FieldError;

/// Frequency and severity factors by revenue (`[revenue_scale]`).
#[derive(Debug, Clone)]
pub struct RevenueScale {
    /// Frequency factor.
    pub frequency: Scale,
    /// Severity factor.
    pub severity: Scale,
}

/// A factor by revenue: log-log interpolation between points, the end slopes extended.
#[derive(Debug, Clone)]
pub struct Scale {
    /// (ln revenue, ln factor), revenue ascending.
    points: Vec<(f64, f64)>,
}

impl Scale {
    /// The severity factor at `revenue` (base currency). Non-decreasing in revenue (the points'
    /// factors are checked non-decreasing when read).
    pub fn factor(&self, revenue: f64) -> f64 {
        let x = revenue.max(1.0).ln();
        let p = &self.points;
        let i = p.partition_point(|q| q.0 <= x).clamp(1, p.len() - 1);
        let (a, b) = (p[i - 1], p[i]);
        let slope = (b.1 - a.1) / (b.0 - a.0);
        // Beyond the ends the end slope continues, never below 0 (checked when read).
        (a.1 + slope * (x - a.0)).exp()
    }

    /// The curve times (revenue/`reference`)^`beta`: every point's factor tilted. The curve is
    /// log-log linear between points and beyond its ends, so the tilt is exact at every revenue.
    #[must_use]
    pub fn tilted(&self, beta: f64, reference: f64) -> Scale {
        let r = reference.max(1.0).ln();
        Scale {
            points: self
                .points
                .iter()
                .map(|&(x, f)| (x, f + beta * (x - r)))
                .collect(),
        }
    }

    /// The smallest slope of ln factor in ln revenue between adjacent points: a tilt below its
    /// negative would make the curve decrease, which a model file may not.
    pub fn least_slope(&self) -> f64 {
        self.points
            .windows(2)
            .map(|w| (w[1].1 - w[0].1) / (w[1].0 - w[0].0))
            .fold(f64::INFINITY, f64::min)
    }

    /// The points as (revenue, factor).
    pub fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.points.iter().map(|&(x, f)| (x.exp(), f.exp()))
    }
}

/// A jurisdiction's frequency and severity factors.
#[derive(Debug, Clone)]
pub struct CountryParams {
    /// Name of the entry (`JP`, `EU`, `other`, …).
    pub name: String,
    /// ISO 3166 alpha-2 codes it covers (the name itself is always one).
    pub codes: Vec<String>,
    /// Currencies that imply it when a profile names no country.
    pub currencies: Vec<String>,
    /// Frequency multiplier.
    pub frequency: f64,
    /// Severity multiplier.
    pub severity: f64,
}

/// Country table: `other` applies to any country (or currency) not listed.
#[derive(Debug, Clone)]
pub struct Countries {
    /// Listed entries, file order.
    pub entries: Vec<CountryParams>,
    /// The `other` entry.
    pub other: CountryParams,
}

impl Countries {
    /// The entry for a profile's country (ISO code, any case) or, without one, its currency.
    pub fn lookup(&self, country: Option<&str>, currency: &str) -> &CountryParams {
        let found = match country {
            Some(c) => {
                let c = c.trim().to_ascii_uppercase();
                self.entries
                    .iter()
                    .find(|e| e.name == c || e.codes.contains(&c))
            }
            None => self
                .entries
                .iter()
                .find(|e| e.currencies.iter().any(|x| x == currency)),
        };
        found.unwrap_or(&self.other)
    }
}

/// Loss trend: severities (other than revenue-based business interruption) grow at `annual` a
/// year from `reference_date`, the date the severities are stated at.
#[derive(Debug, Clone, Copy)]
pub struct Trend {
    /// Date the model's severities are stated at.
    pub reference_date: Date,
    /// Yearly growth of claim severity.
    pub annual: f64,
}

impl Trend {
    /// The index at `as_of`: (1 + annual)^(years from the reference date), below 1 before it.
    pub fn index(&self, as_of: Date) -> f64 {
        let years = (as_of - self.reference_date).whole_days() as f64 / 365.25;
        (1.0 + self.annual).powf(years)
    }
}

/// Default deductible and limit for firms up to a revenue (base currency).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TermsBand {
    /// Upper end of the band's revenue (inclusive); the last band is unbounded.
    pub revenue_up_to: f64,
    /// Default deductible.
    pub deductible: f64,
    /// Default occurrence and aggregate limit.
    pub limit: f64,
}

/// The band for `revenue` (base currency): the first whose upper end is at or above it, else
/// the last.
pub fn terms_band(bands: &[TermsBand], revenue: f64) -> Option<&TermsBand> {
    bands
        .iter()
        .find(|b| revenue <= b.revenue_up_to)
        .or(bands.last())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScaleWire {
    frequency: Vec<PointWire>,
    frequency_source: String,
    severity: Vec<PointWire>,
    severity_source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PointWire {
    revenue: f64,
    factor: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CountryWire {
    #[serde(default)]
    codes: Vec<String>,
    #[serde(default)]
    currencies: Vec<String>,
    frequency: P,
    severity: P,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TrendWire {
    reference_date: String,
    annual: P,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TermsWire {
    revenue_up_to: f64,
    deductible: f64,
    limit: f64,
    source: String,
}

impl ScaleWire {
    pub(super) fn check(&self, c: &mut Check) -> RevenueScale {
        c.source("revenue_scale.frequency_source", &self.frequency_source);
        c.source("revenue_scale.severity_source", &self.severity_source);
        RevenueScale {
            frequency: scale(c, "revenue_scale.frequency", &self.frequency),
            severity: scale(c, "revenue_scale.severity", &self.severity),
        }
    }
}

fn scale(c: &mut Check, path: &str, wire: &[PointWire]) -> Scale {
    let mut points = Vec::new();
    for (i, p) in wire.iter().enumerate() {
        let at = format!("{path}[{i}]");
        c.range(&format!("{at}.revenue"), p.revenue, 1.0, 1e13);
        c.range(&format!("{at}.factor"), p.factor, 1e-3, 1e3);
        points.push((p.revenue.max(1.0).ln(), p.factor.max(1e-3).ln()));
    }
    let ordered = points
        .windows(2)
        .all(|w| w[1].0 > w[0].0 && w[1].1 >= w[0].1);
    if points.len() < 2 || !ordered {
        c.errors.push(FieldError::new(
            path,
            "needs at least two points, revenue increasing and factor non-decreasing",
        ));
        points = vec![(0.0, 0.0), (1.0, 0.0)];
    }
    Scale { points }
}

pub(super) fn check_countries(c: &mut Check, map: &BTreeMap<String, CountryWire>) -> Countries {
    let mut entries = Vec::new();
    for (name, w) in map {
        let path = format!("countries.{name}");
        let code_like = |s: &String| s.len() == 2 && s.chars().all(|ch| ch.is_ascii_uppercase());
        if name != "other" && !code_like(name) || !w.codes.iter().all(code_like) {
            c.errors.push(FieldError::new(
                path.clone(),
                "names and codes must be ISO 3166 alpha-2 codes in capitals (or `other`)",
            ));
        }
        entries.push(CountryParams {
            name: name.clone(),
            codes: w.codes.clone(),
            currencies: w.currencies.clone(),
            frequency: c.p(&format!("{path}.frequency"), &w.frequency, 0.05, 20.0),
            severity: c.p(&format!("{path}.severity"), &w.severity, 0.05, 20.0),
        });
    }
    let other = match entries.iter().position(|e| e.name == "other") {
        Some(i) => entries.remove(i),
        None => {
            c.errors
                .push(FieldError::new("countries.other", "is missing"));
            CountryParams {
                name: "other".into(),
                codes: vec![],
                currencies: vec![],
                frequency: 1.0,
                severity: 1.0,
            }
        }
    };
    Countries { entries, other }
}

impl TrendWire {
    pub(super) fn check(&self, c: &mut Check) -> Trend {
        Trend {
            reference_date: c.date("trend.reference_date", &self.reference_date),
            annual: c.p("trend.annual", &self.annual, -0.5, 1.0),
        }
    }
}

pub(super) fn check_terms(c: &mut Check, bands: &[TermsWire]) -> Vec<TermsBand> {
    let out: Vec<TermsBand> = bands
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let path = format!("default_terms[{i}]");
            c.source(&path, &b.source);
            c.range(&format!("{path}.deductible"), b.deductible, 0.0, 1e12);
            c.range(&format!("{path}.limit"), b.limit, 1.0, 1e12);
            if !(b.deductible < b.limit) {
                c.errors.push(FieldError::new(
                    format!("{path}.deductible"),
                    "must be below the band's limit",
                ));
            }
            TermsBand {
                revenue_up_to: b.revenue_up_to,
                deductible: b.deductible,
                limit: b.limit,
            }
        })
        .collect();
    let ordered = out.windows(2).all(|w| {
        w[1].revenue_up_to > w[0].revenue_up_to
            && w[1].limit >= w[0].limit
            && w[1].deductible >= w[0].deductible
    });
    if !ordered {
        c.errors.push(FieldError::new(
            "default_terms",
            "bands must be in increasing revenue with non-decreasing limits and deductibles",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_interpolates_log_log_and_extends_end_slopes() {
        let s = Scale {
            points: vec![(1e6f64.ln(), 0.5f64.ln()), (1e8f64.ln(), 2.0f64.ln())],
        };
        assert!((s.factor(1e7) - 1.0).abs() < 1e-12);
        assert!((s.factor(1e9) - 4.0).abs() < 1e-9);
        assert!((s.factor(1e5) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn terms_band_picks_the_first_band_reaching_the_revenue() {
        let b = |r, d, l| TermsBand {
            revenue_up_to: r,
            deductible: d,
            limit: l,
        };
        let bands = [b(5e6, 1e3, 1e6), b(f64::INFINITY, 1e4, 5e6)];
        assert_eq!(terms_band(&bands, 5e6).unwrap().limit, 1e6);
        assert_eq!(terms_band(&bands, 5.1e6).unwrap().limit, 5e6);
        assert!(terms_band(&[], 1.0).is_none());
    }
}
