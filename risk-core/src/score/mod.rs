//! The explainable risk score: certification status, CSF maturity and key controls → per-peril
//! frequency and severity multipliers → relative risk → a 0–1000 score whose factor contributions
//! add up exactly.
//!
//! Relative risk RR = E[gross annual loss] ÷ E[gross annual loss of the same firm at
//! industry-median maturity, with no certification and no key-control answers]; both expectations
//! are closed forms (Σ_k λ_k E[X_k]), so the score carries no simulation noise.
//! score = baseline − points_per_doubling × log₂ RR. Contributions are the Shapley values of the
//! firm's answers (each certificate, each answered CSF function, each answered control) in that
//! formula: order-free, and they sum to score − baseline exactly (efficiency).

use time::Date;

use crate::exposure::{BasePerils, SupplierExposure, base_perils, supplier_exposure};
use crate::params::{ModelParams, PerilMultipliers};
use crate::profile::{Certification, FirmProfile, Status};
use crate::vocab::{Control, Function, PERILS, Scheme};

mod suppliers;

pub use suppliers::supplier_multiplier;

/// Largest number of separately attributed answers; beyond it maturity and controls are each
/// attributed as one group (2ⁿ evaluations of the closed form).
const MAX_SHAPLEY_FACTORS: usize = 20;

/// How a certificate stands on the valuation date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Standing {
    /// Current: full credit.
    Active,
    /// Lapsed `months` ago (suspended counts as just lapsed): decaying half credit.
    Lapsed {
        /// Months since it lapsed.
        months: f64,
    },
    /// Long lapsed, withdrawn, or an invalid edition: a small penalty.
    Negative,
    /// Suspended, or lapsed without an expiry date, under a model that does not credit what it
    /// cannot date (`no_credit_without_date`): neither credit nor penalty.
    NoCredit,
}

/// One attributed input of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// The profile's i-th certificate.
    Certification(usize),
    /// An answered CSF function.
    Maturity(Function),
    /// An answered key control.
    Control(Control),
    /// All answered CSF functions (only when there are too many factors).
    AllMaturity,
    /// All answered controls (only when there are too many factors).
    AllControls,
    /// The certificates of the profile's j-th supplier.
    Supplier(usize),
    /// The certificates of every certified supplier (only when there are too many factors;
    /// the group's points are then shared among them in proportion to each one's closed-form
    /// saving e_j(1 − G_j)).
    AllSuppliers,
}

/// A factor's share of the score.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// `certification:<scheme>`, `maturity:<function>`, `control:<control>`,
    /// `supplier:<name>`, `clamp`.
    pub factor: String,
    /// Score points (positive = safer).
    pub points: f64,
}

/// The score of a firm.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskScore {
    /// 0–1000, higher is safer.
    pub value: f64,
    /// Score at relative risk 1.
    pub baseline: f64,
    /// Letter grade.
    pub grade: String,
    /// Expected gross loss relative to the baseline firm.
    pub relative_risk: f64,
    /// Contributions; sum to `value − baseline` (a `clamp` entry absorbs clamping).
    pub contributions: Vec<Contribution>,
    /// The firm's per-peril (frequency, severity) multipliers from its answers, relative to the
    /// base parameters (industry-median maturity, no certification, no controls, no threat).
    pub multipliers: PerilMultipliers,
    /// The baseline firm's multipliers (industry-median maturity).
    pub baseline_multipliers: PerilMultipliers,
    /// CSF functions not answered (counted at the industry median).
    pub unknown_functions: Vec<Function>,
    /// Standing of each certificate, in profile order.
    pub standings: Vec<Standing>,
    /// The firm's base perils (its exposure before its answers), computed once here and read by
    /// the later stages (`LossModel::from_profile`, `pricing::price`).
    pub base_perils: BasePerils,
    /// The firm's exposure through its suppliers before their certificates.
    pub suppliers: SupplierExposure,
    /// G_j of each supplier (profile order): its certificates' multiplier on its compromise rate.
    pub supplier_multipliers: Vec<f64>,
}

impl RiskScore {
    /// E[annual gross loss] through the suppliers, with the sector threat: Σ_j e_j G_j with
    /// the certificate multipliers `g` (the firm's own: [`RiskScore::supplier_multipliers`]).
    pub fn supplier_loss(&self, g: &[f64]) -> f64 {
        g.iter()
            .enumerate()
            .map(|(j, g)| self.suppliers.expected(j, *g, true))
            .sum()
    }
}

/// The standing of a certificate on `as_of` (domain §1.12 lapse rules).
pub fn standing(c: &Certification, params: &ModelParams, as_of: Date) -> Standing {
    let rules = &params.certification_rules;
    let months_since = |d: Date| (as_of - d).whole_days() as f64 / (365.25 / 12.0);
    let lapsed_since = |d: Option<Date>| match d {
        Some(d) if months_since(d) > rules.lapse_months => Standing::Negative,
        Some(d) => Standing::Lapsed {
            months: months_since(d).max(0.0),
        },
        None => Standing::Lapsed { months: 0.0 },
    };
    let validity = params.certifications[&c.scheme].validity_months;
    let expiry = c.expires.or_else(|| {
        (validity > 0)
            .then_some(c.issued)
            .flatten()
            .map(|i| i + time::Duration::days((f64::from(validity) * 365.25 / 12.0) as i64))
    });
    match c.status {
        Status::Withdrawn => Standing::Negative,
        Status::Suspended if rules.no_credit_without_date => Standing::NoCredit,
        Status::Suspended => Standing::Lapsed { months: 0.0 },
        Status::Lapsed if c.expires.is_none() && rules.no_credit_without_date => Standing::NoCredit,
        Status::Lapsed => lapsed_since(c.expires),
        Status::Active => {
            if c.scheme == Scheme::Iso27001
                && c.edition == Some(2013)
                && as_of > rules.iso27001_2013_invalid_after
            {
                return Standing::Negative;
            }
            match expiry {
                Some(e) if as_of > e => lapsed_since(Some(e)),
                _ => Standing::Active,
            }
        }
    }
}

/// What is switched on when the closed form is evaluated.
struct Inputs<'a> {
    profile: &'a FirmProfile,
    params: &'a ModelParams,
    standings: &'a [Standing],
}

impl Inputs<'_> {
    /// Per-peril multipliers with only the factors in `mask` present.
    fn multipliers(&self, factors: &[Factor], mask: u64) -> PerilMultipliers {
        self.evaluate(factors, mask).0
    }

    /// Per-peril multipliers and the (frequency, severity) maturity levels they were read at.
    fn evaluate(&self, factors: &[Factor], mask: u64) -> (PerilMultipliers, (f64, f64)) {
        let (p, params) = (self.profile, self.params);
        let on = |f: Factor| {
            factors
                .iter()
                .position(|&g| g == f)
                .is_some_and(|i| mask & (1 << i) != 0)
        };
        let cert_on = |i: usize| on(Factor::Certification(i));
        let mat_on = |f: Function| on(Factor::Maturity(f)) || on(Factor::AllMaturity);
        let ctl_on = |c: Control| on(Factor::Control(c)) || on(Factor::AllControls);

        // Certifications.
        let mut cert = [(1.0, 1.0); PERILS];
        let mut audited = false;
        // Rungs of one ladder do not stack: per peril, the best credit among the rungs held
        // (the minimum of their multipliers below 1); penalties (above 1) still multiply. The
        // minimum is monotone, so a better standing of any rung never raises the premium.
        let ladders = &params.certification_rules.ladders;
        let mut best = vec![[(1.0f64, 1.0f64); PERILS]; ladders.len()];
        for (i, c) in p.certifications.iter().enumerate() {
            if !cert_on(i) {
                continue;
            }
            let m = certificate_multipliers(c, self.standings[i], params);
            // Under a model that credits declared certificates less, only a verified audit
            // makes the firm's own maturity answers credible.
            audited |= self.standings[i] == Standing::Active
                && params.certifications[&c.scheme].third_party
                && (c.verified || params.certification_rules.declared_credit.is_empty());
            match ladders.iter().position(|l| l.contains(&c.scheme)) {
                Some(l) => {
                    for ((b, acc), x) in best[l].iter_mut().zip(cert.iter_mut()).zip(m) {
                        b.0 = b.0.min(x.0);
                        b.1 = b.1.min(x.1);
                        acc.0 *= x.0.max(1.0);
                        acc.1 *= x.1.max(1.0);
                    }
                }
                None => {
                    for (acc, x) in cert.iter_mut().zip(m) {
                        acc.0 *= x.0;
                        acc.1 *= x.1;
                    }
                }
            }
        }
        for ladder in &best {
            for (acc, b) in cert.iter_mut().zip(ladder) {
                acc.0 *= b.0;
                acc.1 *= b.1;
            }
        }
        let floor = params.certification_rules.floor;
        let mp = &params.maturity;
        let answered = Function::ALL
            .iter()
            .filter(|&&f| mat_on(f) && p.maturity[f.index()].is_some())
            .count() as f64
            / 6.0;
        let exponent = 1.0 - (1.0 - mp.certification_discount_exponent) * answered;
        for c in &mut cert {
            c.0 = c.0.max(floor).powf(exponent);
            c.1 = c.1.max(floor).powf(exponent);
        }

        // Maturity, with unverified answers above the median shrunk toward it.
        let median = params.industries[&p.industry].median_maturity;
        let z = if audited {
            1.0
        } else {
            mp.unverified_credibility
        };
        let level = |w: &[f64; 6]| -> f64 {
            Function::ALL
                .iter()
                .map(|&f| {
                    let m = match p.maturity[f.index()] {
                        Some(m) if mat_on(f) => {
                            let m = f64::from(m);
                            if m > median {
                                median + z * (m - median)
                            } else {
                                m
                            }
                        }
                        _ => median,
                    };
                    w[f.index()] * m
                })
                .sum()
        };
        let levels = (level(&mp.frequency_weights), level(&mp.severity_weights));
        let mf = interpolate(&mp.frequency_multiplier, levels.0);
        let ms = interpolate(&mp.severity_multiplier, levels.1);

        // Key controls, clamped.
        let mut ctl = [(1.0, 1.0); PERILS];
        for &c in Control::ALL {
            if let Some(l) = p.controls[c.index()]
                && ctl_on(c)
            {
                for (acc, x) in ctl.iter_mut().zip(params.controls[&c].effects[l]) {
                    acc.0 *= x.0;
                    acc.1 *= x.1;
                }
            }
        }
        let (lo, hi) = params.control_clamp;
        let m = std::array::from_fn(|k| {
            (
                cert[k].0 * mf * ctl[k].0.clamp(lo, hi),
                cert[k].1 * ms * ctl[k].1.clamp(lo, hi),
            )
        });
        (m, levels)
    }
}

/// The standing of each of the profile's certificates, in profile order.
fn standings(profile: &FirmProfile, params: &ModelParams) -> Vec<Standing> {
    profile
        .certifications
        .iter()
        .map(|c| standing(c, params, profile.as_of))
        .collect()
}

/// The firm's multipliers with every answer present (what its loss model uses) and the
/// (frequency, severity) CSF levels the maturity tables were read at, without the score's
/// attribution: the cheap path when many firms are evaluated (calibration).
pub fn multipliers(profile: &FirmProfile, params: &ModelParams) -> (PerilMultipliers, (f64, f64)) {
    let standings = standings(profile, params);
    let inputs = Inputs {
        profile,
        params,
        standings: &standings,
    };
    let factors: Vec<Factor> = (0..profile.certifications.len())
        .map(Factor::Certification)
        .chain([Factor::AllMaturity, Factor::AllControls])
        .collect();
    inputs.evaluate(&factors, (1u64 << factors.len()) - 1)
}

/// The share of its scheme's full effect a certificate earns on its own (before combination
/// with others, the ladders and the floor): scope share × evidence share (1 verified, the
/// model's `declared_credit` otherwise) × the lapse decay ½(1 − t/T); 0 with no credit or a
/// penalty. Below IEC 62443's full-credit security level the effect is also halved in log
/// terms (not in this share).
pub fn credit_share(c: &Certification, standing: Standing, params: &ModelParams) -> f64 {
    let rules = &params.certification_rules;
    let share = c.scope_share * rules.evidence_share(c.scheme, c.verified);
    match standing {
        Standing::Active => share,
        Standing::Lapsed { months } => {
            share * 0.5 * (1.0 - (months / rules.lapse_months).clamp(0.0, 1.0))
        }
        Standing::Negative | Standing::NoCredit => 0.0,
    }
}

/// A certificate's per-peril multipliers given its standing (before combination and floor):
/// active m' = 1 − s·e(1 − m) for scope share s and evidence share e (1 verified, else the
/// model's `declared_credit` for the scheme, 1 when it lists none; IEC 62443 below the
/// full-credit security level: m^½ first); lapsed t months ago 1 − (1 − m')·½·(1 − t/T);
/// negative: the lapse penalty on frequency.
pub fn certificate_multipliers(
    c: &Certification,
    standing: Standing,
    params: &ModelParams,
) -> PerilMultipliers {
    let scheme = &params.certifications[&c.scheme];
    let level_power = match (scheme.security_level_full_credit, c.security_level) {
        (Some(full), Some(l)) if l < full => 0.5,
        _ => 1.0,
    };
    let share = c.scope_share
        * params
            .certification_rules
            .evidence_share(c.scheme, c.verified);
    let active = scheme.effect.map(|(f, s)| {
        let scope = |m: f64| 1.0 - share * (1.0 - m.powf(level_power));
        (scope(f), scope(s))
    });
    match standing {
        Standing::Active => active,
        Standing::Lapsed { months } => {
            let t = params.certification_rules.lapse_months;
            let keep = 0.5 * (1.0 - (months / t).clamp(0.0, 1.0));
            active.map(|(f, s)| (1.0 - (1.0 - f) * keep, 1.0 - (1.0 - s) * keep))
        }
        Standing::Negative => [(params.certification_rules.lapse_penalty, 1.0); PERILS],
        Standing::NoCredit => [(1.0, 1.0); PERILS],
    }
}

/// Log-linear interpolation of a table indexed by level 0..=5 at a fractional level.
fn interpolate(table: &[f64; 6], level: f64) -> f64 {
    let (i, t) = table_position(level);
    (table[i].ln() * (1.0 - t) + table[i + 1].ln() * t).exp()
}

/// Where a fractional CSF level falls in a 0..=5 table: entries i and i + 1 with weight t on the
/// upper one, so ln m = (1 − t) ln T_i + t ln T_{i+1}.
pub fn table_position(level: f64) -> (usize, f64) {
    let l = level.clamp(0.0, 5.0);
    let i = (l.floor() as usize).min(4);
    (i, l - i as f64)
}

/// Per-peril weight w_k = λ_k E[X_k] of the firm before its answers (same for the firm and its
/// baseline), so RR = Σ w_k F_k S_k / Σ w_k F⁰_k S⁰_k. λ_k is the firm's own frequency, without
/// the sector threat, so a riskier climate moves the premium but never the score; only a threat
/// table published before that separation (`in_score`) keeps the threatened frequency, so its
/// assessments reproduce.
fn weights(base: &BasePerils, threat_in_score: bool) -> [f64; PERILS] {
    std::array::from_fn(|k| {
        base[k].map_or(0.0, |b| {
            let f = if threat_in_score {
                b.frequency
            } else {
                b.firm_frequency
            };
            f * b.severity_mean
        })
    })
}

/// Scores a firm.
pub fn score(profile: &FirmProfile, params: &ModelParams) -> RiskScore {
    let standings = standings(profile, params);
    let inputs = Inputs {
        profile,
        params,
        standings: &standings,
    };
    let mut factors: Vec<Factor> = (0..profile.certifications.len())
        .map(Factor::Certification)
        .chain(
            Function::ALL
                .iter()
                .filter(|f| profile.maturity[f.index()].is_some())
                .map(|&f| Factor::Maturity(f)),
        )
        .chain(
            Control::ALL
                .iter()
                .filter(|c| profile.controls[c.index()].is_some())
                .map(|&c| Factor::Control(c)),
        )
        .collect();
    // Suppliers whose certificates earn them anything are attributed; the others are dummy
    // players (their Shapley value is 0 exactly).
    let supplier_multipliers: Vec<f64> = profile
        .suppliers
        .iter()
        .map(|s| supplier_multiplier(s, params, profile.as_of))
        .collect();
    let certified: Vec<usize> = (0..supplier_multipliers.len())
        .filter(|&j| supplier_multipliers[j] < 1.0)
        .collect();
    if factors.len() + certified.len() > MAX_SHAPLEY_FACTORS {
        factors.retain(|f| matches!(f, Factor::Certification(_)));
        factors.extend([Factor::AllMaturity, Factor::AllControls]);
    }
    if factors.len() + certified.len() > MAX_SHAPLEY_FACTORS {
        factors.push(Factor::AllSuppliers);
    } else {
        factors.extend(certified.iter().map(|&j| Factor::Supplier(j)));
    }
    let n = factors.len();
    let base_perils = base_perils(profile, params);
    let suppliers = supplier_exposure(profile, params, &base_perils);
    let w = weights(&base_perils, params.threat.in_score);
    // e_j: supplier j's expected loss before certificates, weighted as the firm's own perils.
    let e: Vec<f64> = (0..suppliers.rates.len())
        .map(|j| suppliers.expected(j, 1.0, params.threat.in_score))
        .collect();
    // Σ_j e_j G_j(mask) = Σ_j e_j − Σ_{attributed i ∈ mask} (saving of factor i).
    let saving = |j: usize| e[j] * (1.0 - supplier_multipliers[j]);
    let factor_savings: Vec<f64> = factors
        .iter()
        .map(|f| match *f {
            Factor::Supplier(j) => saving(j),
            Factor::AllSuppliers => certified.iter().map(|&j| saving(j)).sum(),
            _ => 0.0,
        })
        .collect();
    let e_total: f64 = e.iter().sum();
    let supplier_term = |mask: u64| -> f64 {
        let saved: f64 = factor_savings
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, s)| s)
            .sum();
        e_total - saved
    };
    let expected = |m: &PerilMultipliers, mask: u64| -> f64 {
        let own: f64 = (0..PERILS).map(|k| w[k] * m[k].0 * m[k].1).sum();
        if e.is_empty() {
            own
        } else {
            own + supplier_term(mask)
        }
    };
    let baseline_multipliers = inputs.multipliers(&factors, 0);
    let base_loss = expected(&baseline_multipliers, 0);
    let sp = &params.score;
    // v(S) = −points × log₂ RR(S) for every subset S of the factors.
    let values: Vec<f64> = (0..1u64 << n)
        .map(|mask| {
            -sp.points_per_doubling
                * (expected(&inputs.multipliers(&factors, mask), mask) / base_loss).log2()
        })
        .collect();
    let full = (1u64 << n) - 1;
    let multipliers = inputs.multipliers(&factors, full);
    let relative_risk = expected(&multipliers, full) / base_loss;

    // Shapley: φ_i = Σ_{S ∌ i} |S|!(n − |S| − 1)!/n! (v(S ∪ i) − v(S)).
    let fact: Vec<f64> = (0..=n)
        .scan(1.0, |a, k| {
            if k > 0 {
                *a *= k as f64;
            }
            Some(*a)
        })
        .collect();
    let mut contributions: Vec<Contribution> = factors
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let bit = 1u64 << i;
            let points = (0..=full)
                .filter(|s| s & bit == 0)
                .map(|s| {
                    let size = s.count_ones() as usize;
                    fact[size] * fact[n - size - 1] / fact[n]
                        * (values[(s | bit) as usize] - values[s as usize])
                })
                .sum();
            Contribution {
                factor: factor_name(*f, profile),
                points,
            }
        })
        .collect();
    supplier_lines(&mut contributions, profile, &e, &supplier_multipliers);
    let raw = sp.baseline + values[full as usize];
    let value = raw.clamp(0.0, 1000.0);
    if value != raw {
        contributions.push(Contribution {
            factor: "clamp".into(),
            points: value - raw,
        });
    }
    let grade = sp
        .grades
        .iter()
        .find(|(_, min)| value >= *min)
        .map_or_else(|| "E".into(), |(g, _)| g.clone());
    RiskScore {
        value,
        baseline: sp.baseline,
        grade,
        relative_risk,
        contributions,
        multipliers,
        baseline_multipliers,
        unknown_functions: Function::ALL
            .iter()
            .filter(|f| profile.maturity[f.index()].is_none())
            .copied()
            .collect(),
        standings,
        base_perils,
        suppliers,
        supplier_multipliers,
    }
}

/// One `supplier:<name>` line per supplier, in profile order after the firm's own factors: a
/// supplier attributed on its own keeps its Shapley value; the `AllSuppliers` group's value is
/// shared in proportion to e_j(1 − G_j); an uncertified supplier has 0 points (a dummy player).
fn supplier_lines(out: &mut Vec<Contribution>, profile: &FirmProfile, e: &[f64], g: &[f64]) {
    if profile.suppliers.is_empty() {
        return;
    }
    let group = out
        .iter()
        .position(|c| c.factor == GROUP)
        .map(|i| out.remove(i).points);
    let savings: Vec<f64> = e.iter().zip(g).map(|(e, g)| e * (1.0 - g)).collect();
    let total: f64 = savings.iter().sum();
    for (j, s) in profile.suppliers.iter().enumerate() {
        let name = format!("supplier:{}", s.name);
        let points = match group {
            Some(points) if total > 0.0 => points * savings[j] / total,
            Some(_) => 0.0,
            None => out
                .iter()
                .position(|c| c.factor == name)
                .map_or(0.0, |i| out.remove(i).points),
        };
        out.push(Contribution {
            factor: name,
            points,
        });
    }
}

/// Name of the suppliers' group factor before it is shared out.
const GROUP: &str = "suppliers";

fn factor_name(f: Factor, p: &FirmProfile) -> String {
    match f {
        Factor::Certification(i) => format!("certification:{}", p.certifications[i].scheme),
        Factor::Maturity(func) => format!("maturity:{func}"),
        Factor::Control(c) => format!("control:{c}"),
        Factor::AllMaturity => "maturity".into(),
        Factor::AllControls => "controls".into(),
        Factor::Supplier(j) => format!("supplier:{}", p.suppliers[j].name),
        Factor::AllSuppliers => GROUP.into(),
    }
}
