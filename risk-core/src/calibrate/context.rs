//! A row evaluated on the model at the current parameters: its (reported) claims a year or
//! mean log claim, their gradient in the fitted factors, and for insurer claims the censored
//! likelihood. What the scoring steps of [`super::fit`] and the σ fit ([`super::sigma`]) share.

use rayon::prelude::*;
use smallvec::SmallVec;

use super::experience::{Row, level_ratio, ln_tables, moved};
use super::*;

/// Per peril, (E, Var) of ln(X/median) under the spliced severity: c_k, d_k of the module docs,
/// by the midpoint rule on the quantile function (ln Q(p) is integrable at both ends).
pub(super) fn log_moments(params: &ModelParams) -> [(f64, f64); PERILS] {
    const N: usize = 20_000;
    std::array::from_fn(|k| {
        let x = crate::exposure::severity(1.0, k, params);
        let (mut m1, mut m2) = (0.0, 0.0);
        for j in 0..N {
            let l = x.quantile((j as f64 + 0.5) / N as f64).ln();
            m1 += l;
            m2 += l * l;
        }
        let m1 = m1 / N as f64;
        (m1, m2 / N as f64 - m1 * m1)
    })
}

/// (factor index, value) of the factors a row touches: the base level (common and per peril),
/// the revenue elasticity, its industry, two maturity entries and its certificates, 16 inline
/// (a row is evaluated on every scoring step: a heap allocation each was a quarter of a 1M-row
/// fit's time).
pub(super) type Touched = SmallVec<[(usize, f64); 16]>;

/// A row evaluated at the current parameters: ln of its model mean and the gradient of it.
pub(super) struct Eval {
    /// Frequency: ln(t λ); severity: ln S.
    pub(super) eta: f64,
    /// Severity: v, the variance of ln of one claim.
    pub(super) var: f64,
    /// (factor index, ∂η/∂β_j).
    pub(super) x: Touched,
    /// Severity of a row with policy terms: its censored/truncated likelihood.
    pub(super) net: Option<Net>,
}

/// One insurer claim's contribution to the severity fit ([`censored`]).
pub(super) struct Net {
    /// Log-likelihood ℓ.
    pub(super) ll: f64,
    /// (factor index, ∂ℓ/∂β_j).
    pub(super) score: Touched,
    /// Its residual for the σ check ([`censored::residual`]).
    pub(super) q: Option<f64>,
    /// Expected payment of a reported claim.
    pub(super) expected: f64,
}

/// Per peril, ∂ ln median/∂β of the severity elasticity's shift per unit of ln(revenue/
/// reference) ([`crate::exposure::base_perils`]: a peril's median carries the severity curve to
/// its `severity_scale_power`; one priced by days down carries revenue itself, not the curve).
pub(super) fn tilt_power(params: &ModelParams) -> [f64; PERILS] {
    std::array::from_fn(|k| {
        let p = &params.perils[k];
        match (p.days_down, params.reference.bi_margin) {
            (Some(_), Some(_)) => 0.0,
            _ => p.severity_scale_power,
        }
    })
}

/// The parameters at the current β and, per scheme, the same nudged by e^{±H}.
pub(super) struct Context {
    /// Per peril, its spliced severity's shape at the current σ.
    tails: [censored::Tail; PERILS],
    /// Per peril, the (frequency, severity) scale of its own base level.
    peril_level: [(f64, f64); PERILS],
    /// (frequency, severity) shift of the revenue elasticity: a row's base perils are scaled by
    /// e^(shift × its ln(revenue/reference)), a peril's severity by e^(shift × ln(revenue/
    /// reference) × its `tilt_power`).
    tilt: (f64, f64),
    /// Per peril, the exponent of the severity curve in its median (`severity_scale_power`; 0
    /// for a peril priced by days down, whose median is revenue itself): what the severity
    /// elasticity's shift moves its ln median by, per unit of ln(revenue/reference).
    tilt_power: [f64; PERILS],
    /// Per peril (E, Var) of ln(X/median).
    moments: [(f64, f64); PERILS],
    part: Part,
    /// Where each factor a row may touch sits among the fitted factors.
    at: Slots,
    /// The factors include a base level per peril.
    by_peril: bool,
    /// Per cell of the data, its multipliers at the current β (None: a cell not evaluated).
    cells: Vec<Option<CellEval>>,
    /// ln of the current maturity tables: a row's multipliers are its cell's moved to the row's
    /// levels.
    ln_tables: ([f64; 6], [f64; 6]),
}

/// The cells of the data a [`Context`] evaluates.
pub(super) struct Cells<'a> {
    /// One profile per cell.
    pub(super) profiles: &'a [FirmProfile],
    /// Which cells the rows evaluated use (None: all).
    pub(super) needed: Option<&'a [bool]>,
    /// Also the nudged multipliers of every certificate (the gradient); not for
    /// [`super::fit::expected_claims`], which needs only the means.
    pub(super) nudge: bool,
}

/// The index among the fitted factors (None: not fitted) of each factor a row's evaluation may
/// touch, looked up once per context rather than per row.
struct Slots {
    base: Option<usize>,
    revenue: Option<usize>,
    peril_base: [Option<usize>; PERILS],
    /// By maturity-table entry.
    maturity: [Option<usize>; 6],
}

/// One cell's multipliers at the current parameters: what the rows of the cell share.
struct CellEval {
    /// Its industry's index among the fitted factors.
    industry_at: Option<usize>,
    /// Its industry's (frequency, severity) scale and the base level's, applied to each row's
    /// cached base perils.
    scale: (f64, f64),
    /// Per-peril multipliers and the (frequency, severity) CSF levels.
    m: crate::params::PerilMultipliers,
    levels: (f64, f64),
    /// Per certificate held whose scheme is fitted, in profile order: the scheme's index among
    /// the fitted factors, the multipliers with its effects nudged up and down, and the width of
    /// the difference (2H, or H one-sided at a bound).
    certs: Vec<(
        usize,
        crate::params::PerilMultipliers,
        crate::params::PerilMultipliers,
        f64,
    )>,
}

impl Context {
    /// `base` with `adjusted` applied, and its nudged copies.
    pub(super) fn new(
        base: &ModelParams,
        adjusted: &Adjustments,
        part: Part,
        factors: &[Factor],
        moments: [(f64, f64); PERILS],
        // Schemes at their lower bound: one-sided differences (the floor is a kink).
        at_bound: std::collections::BTreeSet<Scheme>,
        cells: Cells,
    ) -> Self {
        let params = apply(base, adjusted);
        let mut industry: BTreeMap<Industry, (f64, f64)> = BTreeMap::new();
        let mut level = (1.0, 1.0);
        let mut peril_level = [(1.0, 1.0); PERILS];
        let mut tilt = (0.0, 0.0);
        for (&(p, f), &r) in adjusted {
            let scale = |x: &mut (f64, f64)| match p {
                Part::Frequency => x.0 *= r,
                Part::Severity => x.1 *= r,
            };
            match f {
                Factor::Base => scale(&mut level),
                Factor::PerilBase(k) => scale(&mut peril_level[k.index()]),
                Factor::Revenue => match p {
                    Part::Frequency => tilt.0 += r.ln(),
                    Part::Severity => tilt.1 += r.ln(),
                },
                _ => {}
            }
            if let Factor::Industry(i) = f {
                let e = industry.entry(i).or_insert((1.0, 1.0));
                match p {
                    Part::Frequency => e.0 *= r,
                    Part::Severity => e.1 *= r,
                }
            }
        }
        let nudged = Scheme::ALL
            .iter()
            .filter(|_| cells.nudge)
            .map(|&s| {
                let at = |r: f64| {
                    apply(
                        &params,
                        &BTreeMap::from([((part, Factor::Certification(s)), r)]),
                    )
                };
                (s, (at(H.exp()), at((-H).exp())))
            })
            .collect::<BTreeMap<Scheme, (ModelParams, ModelParams)>>();
        let index = |f: Factor| factors.iter().position(|&g| g == f);
        let cells = cells
            .profiles
            .par_iter()
            .enumerate()
            .map(|(c, profile)| {
                if cells.needed.is_some_and(|n| !n[c]) {
                    return None;
                }
                let (m, levels) = multipliers(profile, &params);
                let certs = if cells.nudge {
                    profile
                        .certifications
                        .iter()
                        .filter_map(|c| {
                            let at = index(Factor::Certification(c.scheme))?;
                            let (up, down) = &nudged[&c.scheme];
                            let up = multipliers(profile, up).0;
                            let (down, width) = if at_bound.contains(&c.scheme) {
                                (m, H)
                            } else {
                                (multipliers(profile, down).0, 2.0 * H)
                            };
                            Some((at, up, down, width))
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let (fi, si) = industry
                    .get(&profile.industry)
                    .copied()
                    .unwrap_or((1.0, 1.0));
                Some(CellEval {
                    industry_at: index(Factor::Industry(profile.industry)),
                    scale: (fi * level.0, si * level.1),
                    m,
                    levels,
                    certs,
                })
            })
            .collect();
        Context {
            ln_tables: ln_tables(&params),
            tails: std::array::from_fn(|k| censored::Tail::of(k, &params)),
            peril_level,
            tilt,
            tilt_power: tilt_power(base),
            moments,
            part,
            at: Slots {
                base: index(Factor::Base),
                revenue: index(Factor::Revenue),
                peril_base: std::array::from_fn(|k| index(Factor::PerilBase(Peril::ALL[k]))),
                maturity: std::array::from_fn(|i| index(Factor::Maturity(i as u8))),
            },
            by_peril: factors.iter().any(|f| matches!(f, Factor::PerilBase(_))),
            cells,
        }
    }

    /// The same cells under `params`, which differ from the context's only in σ (the σ
    /// search): σ moves the spliced tails and the log-amount moments, not the multipliers.
    pub(super) fn reshape(&mut self, params: &ModelParams) {
        self.tails = std::array::from_fn(|k| censored::Tail::of(k, params));
        self.moments = log_moments(params);
    }

    /// The evaluated cell of row `r`, and the (frequency, severity) ratios that move its
    /// multipliers to the row's CSF levels.
    fn cell(&self, r: &Row) -> (&CellEval, (f64, f64)) {
        let cell = self.cells[r.cell as usize]
            .as_ref()
            .expect("every row evaluated has its cell evaluated");
        let ratio = (
            level_ratio(&self.ln_tables.0, cell.levels.0, r.levels.0),
            level_ratio(&self.ln_tables.1, cell.levels.1, r.levels.1),
        );
        (cell, ratio)
    }

    /// η and its gradient for one record.
    pub(super) fn eval(&self, r: &Row) -> Eval {
        let (cell, ratio) = self.cell(r);
        let base = &r.base;
        let sc = self.scales(cell, r);
        let (m, levels) = (moved(&cell.m, ratio), r.levels);
        // (λ, a, E[(ln X)²]) of the row: frequency and the log-amount moments of one claim
        // (the frequency part needs λ alone: a and E[(ln X)²] are left at 0).
        let severity = self.part == Part::Severity;
        let moments = |m: &crate::params::PerilMultipliers| {
            let (mut lambda, mut first, mut second) = (0.0, 0.0, 0.0);
            for (((b, m), (c, d)), (fi, si)) in base.iter().zip(m).zip(self.moments).zip(sc) {
                if let Some(b) = b {
                    let l = b.0 * fi * m.0;
                    lambda += l;
                    if severity {
                        let mu = b.1 + (si * m.1).ln() + c;
                        first += l * mu;
                        second += l * (d + mu * mu);
                    }
                }
            }
            (lambda, first / lambda, second / lambda)
        };
        // Per peril (λ_k, spliced severity at the row's median): insurer rows only.
        let mix = |m: &crate::params::PerilMultipliers| -> censored::Mix {
            std::array::from_fn(|k| {
                base[k].map(|b| {
                    let mu = b.1 + (sc[k].1 * m[k].1).ln();
                    (b.0 * sc[k].0 * m[k].0, self.tails[k].at(mu))
                })
            })
        };
        let eta_of = |m: &crate::params::PerilMultipliers| {
            let (lambda, a, _) = moments(m);
            match (self.part, r.terms) {
                // Reported claims: those above the deductible (censored module docs).
                (Part::Frequency, Some(terms)) => {
                    (r.exposure * censored::reported(&mix(m), terms.deductible) / r.development)
                        .ln()
                }
                (Part::Frequency, None) => (r.exposure * lambda / r.development).ln(),
                (Part::Severity, _) => a,
            }
        };
        let (_, a, a2) = moments(&m);
        let mut x = Touched::new();
        // Per factor, ∂δ_k/∂β_j for every peril k (δ_k the log scale of peril k's severity):
        // what the censored likelihood's per-peril score is chained through.
        let net_rows = self.part == Part::Severity && r.terms.is_some();
        let mut shifts: SmallVec<[(usize, [f64; PERILS]); 16]> = SmallVec::new();
        let mut push = |at: Option<usize>, v: f64, shift: Option<[f64; PERILS]>| {
            if v != 0.0
                && let Some(j) = at
            {
                x.push((j, v));
                if net_rows {
                    shifts.push((j, shift.unwrap_or([v; PERILS])));
                }
            }
        };
        push(self.at.base, 1.0, None);
        // A peril's own base level moves the row by that peril's share: of its (reported)
        // claims for frequency, of its claim mix for the mean log claim (for insurer claims,
        // the peril's severity alone).
        // Each peril's share, computed once: the per-peril base levels and the severity
        // elasticity both need it.
        let shares =
            (self.by_peril || self.part == Part::Severity).then(|| self.shares(r, &m, &sc));
        if self.by_peril
            && let Some(shares) = shares
        {
            for (k, w) in shares.into_iter().enumerate() {
                let mut unit = [0.0; PERILS];
                unit[k] = 1.0;
                push(self.at.peril_base[k], w, Some(unit));
            }
        }
        // The revenue elasticity: every peril's frequency alike; a peril's severity by its
        // exponent on the severity curve (0 for a peril priced by days down, which scales with
        // revenue itself).
        match self.part {
            Part::Frequency => push(self.at.revenue, r.size, None),
            Part::Severity => {
                let mix = shares.expect("computed for severity");
                let v: f64 = mix.iter().zip(self.tilt_power).map(|(w, t)| w * t).sum();
                push(
                    self.at.revenue,
                    v * r.size,
                    Some(self.tilt_power.map(|t| t * r.size)),
                );
            }
        }
        push(cell.industry_at, 1.0, None);
        let level = match self.part {
            Part::Frequency => levels.0,
            Part::Severity => levels.1,
        };
        let (i, t) = table_position(level);
        push(self.at.maturity[i], 1.0 - t, None);
        push(self.at.maturity[i + 1], t, None);
        for &(at, ref up, ref down, width) in &cell.certs {
            let (up, down) = (moved(up, ratio), moved(down, ratio));
            let d = (eta_of(&up) - eta_of(&down)) / width;
            let shift =
                net_rows.then(|| std::array::from_fn(|k| (up[k].1.ln() - down[k].1.ln()) / width));
            push(Some(at), d, shift);
        }
        let net = match (self.part, r.terms) {
            (Part::Severity, Some(terms)) => {
                let mut mix = mix(&m);
                let lambda: f64 = mix.iter().flatten().map(|(l, _)| l).sum();
                mix.iter_mut().flatten().for_each(|(w, _)| *w /= lambda);
                let (ll, dk) = censored::claim(&mix, terms, r.incurred);
                Some(Net {
                    ll,
                    score: shifts
                        .iter()
                        .map(|(j, s)| (*j, s.iter().zip(&dk).map(|(s, d)| s * d).sum()))
                        .collect(),
                    q: censored::residual(&mix, terms, r.incurred),
                    expected: censored::expected_payment(&mix, terms),
                })
            }
            _ => None,
        };
        Eval {
            eta: eta_of(&m),
            var: a2 - a * a,
            x,
            net,
        }
    }

    /// c = (Σ_k λ_k)²/Σ_k λ_k² of the row's (reported) claims a year by peril. The model draws
    /// each peril's count as NegBin(λ_k t, k t), so the row's count has variance
    /// μ + Σ_k (λ_k t)²/(k t) = μ + μ²/(k c t): the negative binomial of the same mean and
    /// variance has size k c t (c = 1 for one peril, up to the number of perils for an even mix).
    pub(super) fn concentration(&self, r: &Row) -> f64 {
        let (cell, ratio) = self.cell(r);
        let m = moved(&cell.m, ratio);
        let l = self.reported(r, &m, &self.scales(cell, r));
        let (s1, s2) = l.iter().fold((0.0, 0.0), |(a, b), l| (a + l, b + l * l));
        if s2 > 0.0 { s1 * s1 / s2 } else { 1.0 }
    }

    /// Per peril, the (frequency, severity) scale of row `r`'s cached base perils at the
    /// current parameters: industry, base level (common and the peril's own) and the revenue
    /// elasticity's shift.
    fn scales(&self, cell: &CellEval, r: &Row) -> [(f64, f64); PERILS] {
        let (fi, si) = cell.scale;
        let tf = if self.tilt.0 == 0.0 {
            1.0
        } else {
            (self.tilt.0 * r.size).exp()
        };
        std::array::from_fn(|k| {
            let (pf, ps) = self.peril_level[k];
            let ts = if self.tilt.1 == 0.0 {
                1.0
            } else {
                (self.tilt.1 * r.size * self.tilt_power[k]).exp()
            };
            (fi * pf * tf, si * ps * ts)
        })
    }

    /// Per peril, the row's claims a year at multipliers `m` and scales `sc`: every event, or
    /// for insurer rows those above the deductible (0 for a peril the row has not).
    fn reported(
        &self,
        r: &Row,
        m: &crate::params::PerilMultipliers,
        sc: &[(f64, f64); PERILS],
    ) -> [f64; PERILS] {
        std::array::from_fn(|k| {
            let Some(b) = r.base[k] else { return 0.0 };
            let l = b.0 * sc[k].0 * m[k].0;
            match r.terms {
                Some(t) => {
                    let mu = b.1 + (sc[k].1 * m[k].1).ln();
                    l * self.tails[k].at(mu).sf(t.deductible)
                }
                None => l,
            }
        })
    }

    /// Per peril, ∂η/∂β of its own base level: frequency, its share of the row's (reported)
    /// claims; severity, its share of the claim mix (∂a/∂δ_k = w_k for the mean log claim).
    fn shares(
        &self,
        r: &Row,
        m: &crate::params::PerilMultipliers,
        sc: &[(f64, f64); PERILS],
    ) -> [f64; PERILS] {
        let l = match self.part {
            Part::Frequency => self.reported(r, m, sc),
            Part::Severity => {
                std::array::from_fn(|k| r.base[k].map_or(0.0, |b| b.0 * sc[k].0 * m[k].0))
            }
        };
        let total: f64 = l.iter().sum();
        l.map(|x| if total > 0.0 { x / total } else { 0.0 })
    }
}
