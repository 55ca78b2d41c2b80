//! Changes to a firm's answers and the premium of the changed firm, priced against the current
//! one with common random numbers: the one mechanism behind the premium-impact table (one change
//! per row) and a what-if (a requested list of changes applied in order).
//!
//! The changed firm is scored, modelled and simulated with the current firm's seed and trials, so
//! the two runs are coupled year by year (see `engine::monte_carlo`) and the premium difference
//! has a small standard error: sd(ψ′ − ψ)/√n over the paired years.

use std::fmt;

use super::assess::{Assessment, KnownClass, assess, assess_in_class};
use super::{mean_se, technical_influence};
use crate::params::ModelParams;
use crate::profile::{Certification, FirmProfile, Status};
use crate::score::{RiskScore, Standing};
use crate::vocab::{Control, Function, Scheme};

/// One change to a firm profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// The scheme's certificate removed.
    Remove(Scheme),
    /// The scheme's certificate lapses on the valuation date.
    Lapse(Scheme),
    /// The `from` certificate replaced by an active certificate of `to` (its next tier), issued on
    /// the valuation date, with the same scope.
    Upgrade {
        /// The scheme held.
        from: Scheme,
        /// The scheme that replaces it.
        to: Scheme,
    },
    /// The scheme's certificate at another security level (IEC 62443).
    SecurityLevel {
        /// The scheme held.
        scheme: Scheme,
        /// The new security level.
        level: u8,
    },
    /// An answered CSF function one maturity level higher.
    Raise(Function),
    /// A CSF function set to a maturity level 0–5.
    Maturity {
        /// The function.
        function: Function,
        /// Its new level.
        level: u8,
    },
    /// An answered key control one level better.
    Improve(Control),
    /// A certificate the firm does not hold: active, verified and full scope from the valuation
    /// date.
    Obtain(Scheme),
    /// The profile's `supplier`-th supplier holds an active, full-scope certificate of `scheme`
    /// from the valuation date (replacing any certificate of that scheme it held): what
    /// requiring the scheme of that supplier is worth (contract §16).
    Supplier {
        /// Index of the supplier in the profile.
        supplier: usize,
        /// The scheme required of it.
        scheme: Scheme,
    },
}

/// Why a change does not apply to a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeError {
    /// The profile holds no certificate of the scheme (or an earlier change removed it).
    #[error("not a certificate of this profile")]
    NotHeld(Scheme),
    /// The function or control is not answered, so it has no level to move from.
    #[error("not answered in this profile")]
    NotAnswered,
    /// The level is out of range (maturity above 5, a control past its best level).
    #[error("level out of range")]
    LevelOutOfRange,
    /// The profile already holds a certificate of the scheme.
    #[error("already a certificate of this profile")]
    AlreadyHeld(Scheme),
    /// The profile has no supplier at that index.
    #[error("not a supplier of this profile")]
    NoSupplier(usize),
}

impl fmt::Display for Change {
    /// The change's id: `remove:<scheme>`, `lapse:<scheme>`, `upgrade:<scheme>:<next>`,
    /// `upgrade:<scheme>:sl<level>`, `raise:<function>`, `maturity:<function>=<level>`,
    /// `improve:<control>`, `supplier:#<index>:<scheme>` (an impact row names the supplier
    /// instead: [`Change::id`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Remove(s) => write!(f, "remove:{s}"),
            Change::Lapse(s) => write!(f, "lapse:{s}"),
            Change::Upgrade { from, to } => write!(f, "upgrade:{from}:{to}"),
            Change::SecurityLevel { scheme, level } => write!(f, "upgrade:{scheme}:sl{level}"),
            Change::Raise(func) => write!(f, "raise:{func}"),
            Change::Maturity { function, level } => write!(f, "maturity:{function}={level}"),
            Change::Improve(c) => write!(f, "improve:{c}"),
            Change::Obtain(s) => write!(f, "obtain:{s}"),
            Change::Supplier { supplier, scheme } => write!(f, "supplier:#{supplier}:{scheme}"),
        }
    }
}

impl Change {
    /// The change's id in an impact table for `profile`: as [`fmt::Display`], except that a
    /// supplier change names its supplier, `supplier:<name>:<scheme>` (contract §16).
    pub fn id(&self, profile: &FirmProfile) -> String {
        match *self {
            Change::Supplier { supplier, scheme } => match profile.suppliers.get(supplier) {
                Some(s) => format!("supplier:{}:{scheme}", s.name),
                None => self.to_string(),
            },
            _ => self.to_string(),
        }
    }

    /// What the change does to `profile` (before it is applied), in words.
    pub fn describe(&self, profile: &FirmProfile, params: &ModelParams) -> String {
        match *self {
            Change::Remove(s) => format!("without {s}"),
            Change::Obtain(s) => format!("an active, full-scope {s} from {}", profile.as_of),
            Change::Lapse(s) => format!("{s} lapses today"),
            Change::Upgrade { from, to } => format!("{from} replaced by an active {to}"),
            Change::SecurityLevel { scheme, level } => {
                format!("{scheme} at security level {level}")
            }
            Change::Raise(f) => match profile.maturity[f.index()] {
                Some(m) => format!("{f} from level {m} to {}", m + 1),
                None => format!("{f} one level higher"),
            },
            Change::Maturity { function, level } => format!("{function} at level {level}"),
            Change::Supplier { supplier, scheme } => match profile.suppliers.get(supplier) {
                Some(s) => format!("supplier {} holds an active {scheme}", s.name),
                None => format!("a supplier holds an active {scheme}"),
            },
            Change::Improve(c) => {
                let levels = &params.controls[&c].levels;
                match profile.controls[c.index()] {
                    Some(l) if l + 1 < levels.len() => {
                        let to = &levels[l + 1];
                        if c == Control::PatchCriticalDays {
                            format!("critical patches {}", to.replace('_', " "))
                        } else {
                            format!("{c}: {} → {to}", levels[l])
                        }
                    }
                    _ => format!("{c} one level better"),
                }
            }
        }
    }

    /// Applies the change to `profile`.
    ///
    /// # Errors
    /// [`ChangeError`] when the profile has nothing the change applies to; `profile` is then
    /// unchanged.
    pub fn apply(
        &self,
        profile: &mut FirmProfile,
        params: &ModelParams,
    ) -> Result<(), ChangeError> {
        let held = |p: &FirmProfile, s: Scheme| {
            p.certifications
                .iter()
                .position(|c| c.scheme == s)
                .ok_or(ChangeError::NotHeld(s))
        };
        match *self {
            Change::Remove(s) => {
                let i = held(profile, s)?;
                profile.certifications.remove(i);
            }
            Change::Lapse(s) => {
                let i = held(profile, s)?;
                let as_of = profile.as_of;
                let c = &mut profile.certifications[i];
                c.status = Status::Lapsed;
                c.expires = Some(as_of);
            }
            Change::Upgrade { from, to } => {
                let i = held(profile, from)?;
                let scope_share = profile.certifications[i].scope_share;
                profile.certifications[i] = Certification {
                    scheme: to,
                    status: Status::Active,
                    issued: Some(profile.as_of),
                    expires: None,
                    scope_share,
                    security_level: None,
                    edition: None,
                    certificate_id: None,
                    verified: true,
                };
            }
            Change::SecurityLevel { scheme, level } => {
                let i = held(profile, scheme)?;
                profile.certifications[i].security_level = Some(level);
            }
            Change::Obtain(s) => {
                if profile.certifications.iter().any(|c| c.scheme == s) {
                    return Err(ChangeError::AlreadyHeld(s));
                }
                let c = full_certificate(s, profile.as_of, params);
                profile.certifications.push(c);
            }
            Change::Supplier { supplier, scheme } => {
                let as_of = profile.as_of;
                let s = profile
                    .suppliers
                    .get_mut(supplier)
                    .ok_or(ChangeError::NoSupplier(supplier))?;
                s.certifications.retain(|c| c.scheme != scheme);
                s.certifications
                    .push(full_certificate(scheme, as_of, params));
            }
            Change::Raise(f) => match profile.maturity[f.index()] {
                Some(m) if m < 5 => profile.maturity[f.index()] = Some(m + 1),
                Some(_) => return Err(ChangeError::LevelOutOfRange),
                None => return Err(ChangeError::NotAnswered),
            },
            Change::Maturity { function, level } => {
                if level > 5 {
                    return Err(ChangeError::LevelOutOfRange);
                }
                profile.maturity[function.index()] = Some(level);
            }
            Change::Improve(c) => match profile.controls[c.index()] {
                Some(l) if l + 1 < params.controls[&c].levels.len() => {
                    profile.controls[c.index()] = Some(l + 1);
                }
                Some(_) => return Err(ChangeError::LevelOutOfRange),
                None => return Err(ChangeError::NotAnswered),
            },
        }
        Ok(())
    }
}

/// An active, verified, full-scope certificate of `scheme` issued on `as_of` (current edition,
/// the security level of full credit): what obtaining a scheme, or requiring it of a supplier,
/// means.
fn full_certificate(scheme: Scheme, as_of: time::Date, params: &ModelParams) -> Certification {
    Certification {
        scheme,
        status: Status::Active,
        issued: Some(as_of),
        expires: None,
        scope_share: 1.0,
        security_level: params.certifications[&scheme].security_level_full_credit,
        edition: (scheme == Scheme::Iso27001).then_some(2022),
        certificate_id: None,
        verified: true,
    }
}

/// Applies `changes` in order to a copy of `profile`; a change that does not apply is skipped and
/// reported with its index in `changes`, and the later ones still apply.
///
/// # Errors
/// Every change that did not apply, with its index.
pub fn apply_changes(
    profile: &FirmProfile,
    params: &ModelParams,
    changes: &[Change],
) -> Result<FirmProfile, Vec<(usize, ChangeError)>> {
    let mut p = profile.clone();
    let errors: Vec<(usize, ChangeError)> = changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.apply(&mut p, params).err().map(|e| (i, e)))
        .collect();
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(errors)
    }
}

/// Every single change the premium-impact table prices for a firm, in table-building order:
/// per certificate (profile order) remove, lapse (only if active), upgrade to the next tier (if
/// not already held), the next security level (below 4); then each answered CSF function below 5
/// one level up; then each answered control short of its best level one level better.
pub fn impact_changes(
    profile: &FirmProfile,
    params: &ModelParams,
    standings: &[Standing],
) -> Vec<Change> {
    let mut out = Vec::new();
    for (i, c) in profile.certifications.iter().enumerate() {
        out.push(Change::Remove(c.scheme));
        if standings[i] == Standing::Active {
            out.push(Change::Lapse(c.scheme));
        }
        if let Some(next) = params.certifications[&c.scheme].next_tier
            && !profile.certifications.iter().any(|x| x.scheme == next)
        {
            out.push(Change::Upgrade {
                from: c.scheme,
                to: next,
            });
        }
        // A security level step is offered only where the model credits it (below the level
        // that earns full credit); above it every level is worth the same.
        let full = params.certifications[&c.scheme].security_level_full_credit;
        if c.security_level
            .is_some_and(|l| full.is_some_and(|f| l < f))
        {
            out.push(Change::SecurityLevel {
                scheme: c.scheme,
                level: c.security_level.unwrap_or(1) + 1,
            });
        }
    }
    for &s in Scheme::ALL {
        if relevant(s, profile, params, standings) {
            out.push(Change::Obtain(s));
        }
    }
    for &f in Function::ALL {
        if profile.maturity[f.index()].is_some_and(|m| m < 5) {
            out.push(Change::Raise(f));
        }
    }
    for &c in Control::ALL {
        if profile.controls[c.index()].is_some_and(|l| l + 1 < params.controls[&c].levels.len()) {
            out.push(Change::Improve(c));
        }
    }
    out
}

/// Most suppliers the impact table offers requirements for: the ones whose best requirement
/// saves the most expected loss (each row is a full simulation).
pub const MAX_SUPPLIER_ROWS: usize = 10;

/// The supplier rows of the impact table (contract §16): for each supplier, each of the
/// model's `impact_schemes` that would lower its multiplier G_j (not already met), for the
/// [`MAX_SUPPLIER_ROWS`] suppliers whose best such scheme saves the most closed-form expected
/// loss e_j(G_j − m), in profile order, schemes in the model's order.
pub fn supplier_changes(params: &ModelParams, score: &RiskScore) -> Vec<Change> {
    let Some(sp) = params.suppliers.as_ref() else {
        return Vec::new();
    };
    let mut ranked: Vec<(usize, f64)> = score
        .supplier_multipliers
        .iter()
        .enumerate()
        .filter_map(|(j, &g)| {
            let e = score.suppliers.expected(j, 1.0, true);
            let best = sp
                .impact_schemes
                .iter()
                .map(|s| sp.certifications[s])
                .fold(g, f64::min);
            (best < g && e > 0.0).then_some((j, e * (g - best)))
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(MAX_SUPPLIER_ROWS);
    ranked.sort_by_key(|r| r.0);
    let mut out = Vec::new();
    for (j, _) in ranked {
        let g = score.supplier_multipliers[j];
        for &scheme in &sp.impact_schemes {
            if sp.certifications[&scheme] < g {
                out.push(Change::Supplier {
                    supplier: j,
                    scheme,
                });
            }
        }
    }
    out
}

/// Whether obtaining `scheme` is worth showing the firm: not held; not a rung at or below an
/// active rung it holds on one of the model's ladders; IEC 62443 only with OT; the ISMS add-ons
/// (27017, 27701) only on top of ISO 27001; the UK's Cyber Essentials only for UK firms and
/// Japan's SECURITY ACTION and supply-chain stars only for Japanese ones (or when the country is
/// not given: by currency); PCI DSS for retail and finance (card data); SOC 2 for service
/// organisations (IT, professional services, finance).
fn relevant(
    scheme: Scheme,
    profile: &FirmProfile,
    params: &ModelParams,
    standings: &[Standing],
) -> bool {
    use crate::vocab::Industry as I;
    let holds = |s: Scheme| profile.certifications.iter().any(|c| c.scheme == s);
    if holds(scheme) {
        return false;
    }
    let outranked = params.certification_rules.ladders.iter().any(|ladder| {
        ladder
            .iter()
            .position(|&s| s == scheme)
            .is_some_and(|rung| {
                profile.certifications.iter().zip(standings).any(|(c, st)| {
                    *st == Standing::Active
                        && ladder
                            .iter()
                            .position(|&s| s == c.scheme)
                            .is_some_and(|r| r >= rung)
                })
            })
    });
    if outranked {
        return false;
    }
    let country = profile.country.as_deref().map(str::to_ascii_uppercase);
    let japanese = country
        .as_deref()
        .map_or(profile.currency == "JPY", |c| c == "JP");
    let british = country
        .as_deref()
        .map_or(profile.currency == "GBP", |c| c == "GB" || c == "UK");
    match scheme {
        Scheme::Iec62443 => profile.ot_exposure,
        Scheme::Iso27017 | Scheme::Iso27701 => holds(Scheme::Iso27001),
        Scheme::CyberEssentials | Scheme::CyberEssentialsPlus => british,
        Scheme::SecurityAction1
        | Scheme::SecurityAction2
        | Scheme::SupplyChain3
        | Scheme::SupplyChain4 => japanese,
        Scheme::PciDss => matches!(profile.industry, I::Retail | I::Finance),
        Scheme::Soc2Type1 | Scheme::Soc2Type2 => matches!(
            profile.industry,
            I::InformationTechnology | I::ProfessionalServices | I::Finance
        ),
        Scheme::Iso27001 => true,
    }
}

/// The current firm's assessment with its per-year premium contributions ψ, the reference every
/// changed firm is priced against.
#[derive(Debug, Clone)]
pub struct Current {
    assessment: Assessment,
    psi: Vec<f64>,
}

impl Current {
    /// Keeps `assessment` (of the firm as it is) with its ψ.
    pub fn new(assessment: Assessment, params: &ModelParams) -> Self {
        let (_, psi, _) = technical_influence(assessment.simulation.insured(), params);
        Current { assessment, psi }
    }

    /// The current firm's assessment.
    pub fn assessment(&self) -> &Assessment {
        &self.assessment
    }

    /// Gives the assessment back.
    pub fn into_assessment(self) -> Assessment {
        self.assessment
    }
}

/// A changed firm, priced against the current one.
#[derive(Debug, Clone, PartialEq)]
pub struct Counterfactual {
    /// The changed firm's assessment (same seed and trials as the current one).
    pub assessment: Assessment,
    /// Its technical premium.
    pub premium: f64,
    /// premium − current technical premium.
    pub delta: f64,
    /// Standard error of `delta` (paired years).
    pub delta_std_error: f64,
}

/// Prices the firm of `current` with `changes` applied in order (`profile` is the firm `current`
/// assessed), with the current run's seed and trials: common random numbers.
///
/// # Errors
/// Every change that did not apply, with its index in `changes` (see [`apply_changes`]).
pub fn price_changes(
    current: &Current,
    profile: &FirmProfile,
    params: &ModelParams,
    changes: &[Change],
) -> Result<Counterfactual, Vec<(usize, ChangeError)>> {
    let p = apply_changes(profile, params, changes)?;
    let sim = &current.assessment.simulation;
    let known = KnownClass {
        profile,
        assessment: &current.assessment,
    };
    let a = assess_in_class(&p, params, sim.trials(), sim.seed(), Some(known));
    let (technical, psi2, _) = technical_influence(a.simulation.insured(), params);
    let diff: Vec<f64> = psi2.iter().zip(&current.psi).map(|(a, b)| a - b).collect();
    Ok(Counterfactual {
        premium: technical,
        delta: technical - current.assessment.premium.technical,
        delta_std_error: mean_se(&diff),
        assessment: a,
    })
}

/// Assesses the firm with `changes` applied in order, with `trials` years from the streams of
/// `seed` (a what-if against a stored assessment: the same seed and trials couple the runs).
///
/// # Errors
/// Every change that did not apply, with its index in `changes` (see [`apply_changes`]).
pub fn what_if(
    profile: &FirmProfile,
    params: &ModelParams,
    changes: &[Change],
    trials: u64,
    seed: u64,
) -> Result<Assessment, Vec<(usize, ChangeError)>> {
    let p = apply_changes(profile, params, changes)?;
    Ok(assess(&p, params, trials, seed))
}
