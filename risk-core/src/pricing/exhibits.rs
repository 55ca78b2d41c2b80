//! Rating exhibits: the model's rating plan as tables an actuary files and reads (base premiums by
//! revenue band and industry, increased-limit factors, deductible credits, schedule bounds, the
//! minimum premium, coverage-section shares and underwriting rules).
//!
//! Every simulated entry is the pricing itself, run on a baseline firm (no certificate, maturity
//! or control answered: schedule modifier 0) with the given trials and seed, so for such a firm
//! charged = max(minimum, base × industry × revenue × layer) reproduces from the table by hand.

use super::{assess, quote};
use crate::params::{Action, Condition, ModelParams};
use crate::profile::{FirmProfile, parse_options};
use crate::vocab::{Industry, Peril, Section};

/// Revenue bands of the exhibits (base currency a year).
pub const REVENUE_BANDS: [f64; 10] = [1e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 2.5e8, 5e8, 1e9, 5e9];
/// Occurrence (= aggregate) limits of the increased-limit table (base currency).
pub const LIMITS: [f64; 6] = [1e6, 2e6, 5e6, 1e7, 2.5e7, 5e7];
/// Deductibles of the deductible-credit table (base currency).
pub const DEDUCTIBLES: [f64; 7] = [0.0, 1e4, 2.5e4, 5e4, 1e5, 2.5e5, 1e6];

/// Base premium of one (industry, revenue band) baseline firm under the default terms.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseRate {
    /// Industry.
    pub industry: Industry,
    /// Annual revenue.
    pub revenue: f64,
    /// Default deductible at that revenue.
    pub deductible: f64,
    /// Default occurrence limit at that revenue.
    pub limit: f64,
    /// Reference firm's expected gross loss.
    pub base: f64,
    /// Industry factor.
    pub industry_factor: f64,
    /// Revenue factor.
    pub revenue_factor: f64,
    /// Layer factor (loaded share of the gross loss the default terms pay).
    pub layer_factor: f64,
    /// base × industry × revenue × layer.
    pub unscheduled_premium: f64,
    /// Model-indicated premium.
    pub technical: f64,
    /// Charged premium (the minimum applied).
    pub charged: f64,
    /// The minimum premium set it.
    pub minimum_applied: bool,
}

/// A premium relative to a basis option of the same firm (same simulated years).
#[derive(Debug, Clone, PartialEq)]
pub struct Relativity {
    /// Annual revenue of the baseline firm (industry `other`).
    pub revenue: f64,
    /// Deductible.
    pub deductible: f64,
    /// Occurrence and aggregate limit.
    pub limit: f64,
    /// Technical premium.
    pub technical: f64,
    /// Increased-limit factor (technical ÷ that of the lowest limit) or deductible credit
    /// (1 − technical ÷ that of the lowest deductible).
    pub value: f64,
}

/// All tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Exhibits {
    /// Base premiums by industry and revenue band.
    pub base_rates: Vec<BaseRate>,
    /// Increased-limit factors by revenue band and limit (deductible at the band's default).
    pub limit_factors: Vec<Relativity>,
    /// Deductible credits by revenue band and deductible (limit at the band's default).
    pub deductible_credits: Vec<Relativity>,
    /// (name, value, meaning) of the schedule and loading parameters.
    pub schedule: Vec<(String, f64, String)>,
    /// (peril, section, share).
    pub section_shares: Vec<(Peril, Section, f64)>,
    /// (code, action, condition, minimum revenue, message).
    pub rules: Vec<(String, String, String, f64, String)>,
}

fn baseline(params: &ModelParams, industry: Industry, revenue: f64) -> FirmProfile {
    let json = format!(
        r#"{{"firm": {{"name": "exhibit", "industry": "{industry}", "annual_revenue": {revenue},
            "currency": "{}"}}}}"#,
        params.base_currency
    );
    FirmProfile::parse(&json, params, params.fx_as_of).expect("a baseline firm always parses")
}

/// The firm quoted at each (deductible, limit) on one simulation, each premium related to the
/// first option's by `value(technical, first technical)`.
fn relativities(
    firm: &FirmProfile,
    params: &ModelParams,
    trials: u64,
    seed: u64,
    terms: &[(f64, f64)],
    value: impl Fn(f64, f64) -> f64,
) -> Vec<Relativity> {
    let json = terms
        .iter()
        .map(|(d, l)| {
            format!(r#"{{"deductible": {d}, "occurrence_limit": {l}, "aggregate_limit": {l}}}"#)
        })
        .collect::<Vec<_>>()
        .join(",");
    let opts = parse_options(&format!("[{json}]"), firm, params).expect("valid options");
    let q = quote(firm, &opts, params, trials, seed).expect("1-20 options");
    let first = q.options[0].premium.technical;
    q.options
        .iter()
        .zip(terms)
        .map(|(o, &(deductible, limit))| Relativity {
            revenue: firm.annual_revenue,
            deductible,
            limit,
            technical: o.premium.technical,
            value: value(o.premium.technical, first),
        })
        .collect()
}

/// Builds every table with `trials` simulated years from the streams of `seed`.
pub fn exhibits(params: &ModelParams, trials: u64, seed: u64) -> Exhibits {
    let mut base_rates = Vec::new();
    for &industry in Industry::ALL {
        for &revenue in &REVENUE_BANDS {
            let firm = baseline(params, industry, revenue);
            let a = assess(&firm, params, trials, seed);
            let r = &a.premium.rating_plan;
            base_rates.push(BaseRate {
                industry,
                revenue,
                deductible: firm.coverage.deductible,
                limit: firm.coverage.occurrence_limit,
                base: r.base,
                industry_factor: r.industry_factor,
                revenue_factor: r.revenue_factor,
                layer_factor: r.layer_factor,
                unscheduled_premium: r.unscheduled_premium,
                technical: a.premium.technical,
                charged: a.premium.charged,
                minimum_applied: a.premium.minimum_applied,
            });
        }
    }
    let mut limit_factors = Vec::new();
    let mut deductible_credits = Vec::new();
    for &revenue in &REVENUE_BANDS {
        let firm = baseline(params, Industry::Other, revenue);
        let (d, l) = (firm.coverage.deductible, firm.coverage.occurrence_limit);
        let limits: Vec<(f64, f64)> = LIMITS.iter().map(|&l| (d, l)).collect();
        limit_factors.extend(relativities(
            &firm,
            params,
            trials,
            seed,
            &limits,
            |t, first| t / first,
        ));
        let deductibles: Vec<(f64, f64)> = DEDUCTIBLES.iter().map(|&d| (d, l)).collect();
        deductible_credits.extend(relativities(
            &firm,
            params,
            trials,
            seed,
            &deductibles,
            |t, first| 1.0 - t / first,
        ));
    }
    let p = &params.pricing;
    let minimum = params
        .underwriting
        .as_ref()
        .map_or(0.0, |u| u.minimum_premium);
    let schedule = vec![
        (
            "schedule_bound".into(),
            p.schedule_bound,
            "schedule credits and debits are capped at +- this share".into(),
        ),
        (
            "minimum_premium".into(),
            minimum,
            format!("smallest charged premium ({})", params.base_currency),
        ),
        (
            "expense_ratio".into(),
            p.expense_ratio,
            "expenses as a share of the technical premium".into(),
        ),
        (
            "cost_of_capital".into(),
            p.cost_of_capital,
            "return required on capital".into(),
        ),
        (
            "capital_share".into(),
            p.capital_share,
            "share of standalone capital a policy consumes".into(),
        ),
        (
            "capital_level".into(),
            p.capital_level,
            "TVaR level of the capital measure".into(),
        ),
    ];
    let section_shares = params
        .coverage
        .as_ref()
        .map(|c| {
            Peril::ALL
                .iter()
                .flat_map(|&k| {
                    Section::ALL
                        .iter()
                        .map(move |&s| (k, s, c.shares[k.index()][s.index()]))
                })
                .collect()
        })
        .unwrap_or_default();
    let rules = params
        .underwriting
        .as_ref()
        .map(|u| {
            u.rules
                .iter()
                .map(|r| {
                    let condition = match &r.condition {
                        Condition::Control {
                            control,
                            levels,
                            unanswered,
                        } => {
                            let names = &params.controls[control].levels;
                            let mut l: Vec<String> =
                                levels.iter().map(|&i| names[i].clone()).collect();
                            if *unanswered {
                                l.push("unanswered".into());
                            }
                            format!("{control} in [{}]", l.join(", "))
                        }
                        Condition::CertificateNotInForce => "certificate not in force".into(),
                    };
                    let action = match r.action {
                        Action::Refer => "refer",
                        Action::Decline => "decline",
                    };
                    (
                        r.code.clone(),
                        action.into(),
                        condition,
                        r.min_revenue,
                        r.message.clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Exhibits {
        base_rates,
        limit_factors,
        deductible_credits,
        schedule,
        section_shares,
        rules,
    }
}
