//! Claims data folded for the fit: rows that price alike share one cell, and a row keeps only
//! its numbers.
//!
//! Every scoring step of the fit re-evaluates each row's per-peril multipliers at the current
//! parameters (and, per certificate held, twice more for the central difference). Those
//! multipliers depend on a firm only through its industry, certificates (with their dates,
//! scope and evidence), key controls, valuation date and its CSF answers — the answers only
//! through how many functions were answered and the (frequency, severity) levels they give.
//! Rows equal in all of these but their levels form a *cell* (one [`FirmProfile`] kept for it),
//! so a step costs one multiplier evaluation per cell and a few floating-point operations per
//! row; the revenue-dependent base perils and the levels stay per row (three numbers per peril,
//! two levels). The levels act through one maturity factor common to every peril, so a row's
//! multipliers are its cell's moved by the ratio of the maturity factors at the two levels
//! (`level_ratio`): nothing is approximated beyond the rounding of that ratio, and the fit
//! equals the row-by-row one but for where Fisher scoring stops inside its tolerance (a few 1e-9 relative; tested at 1e-7). Memory is about 250 bytes a row plus
//! one profile a cell.

use std::collections::HashMap;

use rayon::prelude::*;

use super::{ClaimRecord, ClaimTerms};
use crate::exposure::base_perils;
use crate::params::{ModelParams, PerilMultipliers};
use crate::profile::FirmProfile;
use crate::score::{multipliers, table_position};
use crate::vocab::PERILS;

/// Per peril, a firm's (events a year, ln median, median) under the prior model before its
/// answers: what the base level and industry factors scale (exactly: λ ∝ I^f, X ∝ I^s).
pub(super) type Base = [Option<(f64, f64, f64)>; PERILS];

/// One row's numbers: its cell, experience, terms and base perils.
#[derive(Debug, Clone)]
pub(super) struct Row {
    /// Index of its cell in [`Experience::cells`].
    pub cell: u32,
    /// Exposure in years.
    pub exposure: f64,
    /// Claims (see [`ClaimRecord::claims`]).
    pub claims: u64,
    /// Incurred loss in the row's currency.
    pub incurred: f64,
    /// Policy terms of insurer data.
    pub terms: Option<ClaimTerms>,
    /// Claim-count development factor, ≥ 1.
    pub development: f64,
    /// Base perils under the prior model.
    pub base: Base,
    /// The (frequency, severity) CSF levels of its answers: the maturity tables are read here,
    /// its cell's multipliers at the cell's levels are moved to them ([`level_ratio`]).
    pub levels: (f64, f64),
    /// ln(revenue / reference revenue), revenue in the model's base currency: the covariate of
    /// the revenue elasticity ([`super::Factor::Revenue`]).
    pub size: f64,
}

/// Validated claims rows folded into cells, ready for [`super::calibrate_experience`] and
/// [`super::gates::screen_experience`].
///
/// Build it with [`Experience::new`] and [`Experience::extend`] one batch of records at a
/// time (a reader need never hold the whole file), or at once with [`Experience::from_records`].
#[derive(Debug, Clone)]
pub struct Experience {
    pub(super) params: ModelParams,
    pub(super) cells: Vec<FirmProfile>,
    pub(super) rows: Vec<Row>,
    index: HashMap<String, u32>,
    /// Rows that name their peril, per peril.
    named: [usize; PERILS],
    /// One cell per row (no folding): the row-by-row fit, kept as the reference the folded
    /// fit is tested against.
    row_by_row: bool,
}

impl Experience {
    /// No rows yet, under the prior model `params` (the model the base perils are read from
    /// and the fit starts at).
    pub fn new(params: &ModelParams) -> Self {
        Experience {
            params: params.clone(),
            cells: Vec::new(),
            rows: Vec::new(),
            index: HashMap::new(),
            named: [0; PERILS],
            row_by_row: false,
        }
    }

    /// The same with every row its own cell: the row-by-row evaluation (a reference for
    /// tests; the fit is identical, only slower and larger).
    pub fn row_by_row(params: &ModelParams) -> Self {
        Experience {
            row_by_row: true,
            ..Experience::new(params)
        }
    }

    /// All `records` under `params`.
    pub fn from_records(records: &[ClaimRecord], params: &ModelParams) -> Self {
        let mut e = Experience::new(params);
        e.extend(records.to_vec());
        e
    }

    /// Appends a batch of records (in file order): each becomes a row of its cell.
    pub fn extend(&mut self, records: Vec<ClaimRecord>) {
        let params = &self.params;
        let row_by_row = self.row_by_row;
        let keyed: Vec<(String, Row, ClaimRecord)> = records
            .into_par_iter()
            .map(|r| {
                let (key, levels) = cell_key(&r.profile, params);
                let key = if row_by_row { String::new() } else { key };
                let mut base = base_perils(&r.profile, params)
                    .map(|b| b.map(|b| (b.frequency, b.median.ln(), b.median)));
                // A row of one peril is exposed to that peril alone.
                if let Some(peril) = r.peril {
                    for (k, b) in base.iter_mut().enumerate() {
                        if k != peril.index() {
                            *b = None;
                        }
                    }
                }
                let rate = params
                    .rate(&r.profile.currency)
                    .expect("profile currencies are validated against the model");
                let size = (r.profile.annual_revenue / rate / params.reference.revenue).ln();
                let row = Row {
                    cell: 0,
                    exposure: r.exposure,
                    claims: r.claims,
                    incurred: r.incurred,
                    terms: r.terms,
                    development: r.development,
                    base,
                    levels,
                    size,
                };
                (key, row, r)
            })
            .collect();
        self.rows.reserve(keyed.len());
        for (key, mut row, record) in keyed {
            if let Some(k) = record.peril {
                self.named[k.index()] += 1;
            }
            let next = self.cells.len() as u32;
            let cell = if row_by_row {
                self.cells.push(record.profile);
                next
            } else {
                *self.index.entry(key).or_insert_with(|| {
                    self.cells.push(record.profile);
                    next
                })
            };
            row.cell = cell;
            self.rows.push(row);
        }
    }

    /// Rows appended.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Distinct cells (firms that price alike) among the rows.
    pub fn cells(&self) -> usize {
        self.cells.len()
    }

    /// The prior model the rows were read under.
    pub fn params(&self) -> &ModelParams {
        &self.params
    }

    /// Some row names its peril: the fit has a base level per peril.
    pub fn by_peril(&self) -> bool {
        self.named.iter().any(|&n| n > 0)
    }

    /// Rows naming each peril.
    pub fn named_perils(&self) -> [usize; PERILS] {
        self.named
    }

    /// Some row carries policy terms (insurer data).
    pub(super) fn insured(&self) -> bool {
        self.rows.iter().any(|r| r.terms.is_some())
    }
}

/// What a firm's multipliers depend on, under any values of the fitted parameters, but for its
/// CSF levels: industry, certificates, controls, valuation date, operational-technology flag
/// and the number of CSF functions answered (`Debug` of an `f64` round-trips, so equal text
/// means equal values). The levels enter only through the maturity multipliers m_f(level_f),
/// m_s(level_s), the same factor on every peril, so a row's multipliers are its cell's times
/// m(row level)/m(cell level) ([`level_ratio`]). Returns the key and the row's levels.
fn cell_key(p: &FirmProfile, params: &ModelParams) -> (String, (f64, f64)) {
    let (_, levels) = multipliers(p, params);
    let answered = p.maturity.iter().filter(|m| m.is_some()).count();
    let key = format!(
        "{:?}|{:?}|{:?}|{}|{}|{answered}",
        p.industry, p.certifications, p.controls, p.as_of, p.ot_exposure,
    );
    (key, levels)
}

/// ln of each entry of the (frequency, severity) maturity multiplier tables.
pub(super) fn ln_tables(params: &ModelParams) -> ([f64; 6], [f64; 6]) {
    let m = &params.maturity;
    (
        m.frequency_multiplier.map(f64::ln),
        m.severity_multiplier.map(f64::ln),
    )
}

/// m(to)/m(from) of a maturity table given as its logs (log-linear between entries, as the
/// score reads it): exactly 1 at equal levels, else within rounding of the ratio of the two
/// interpolated multipliers.
pub(super) fn level_ratio(ln_table: &[f64; 6], from: f64, to: f64) -> f64 {
    if from.to_bits() == to.to_bits() {
        return 1.0;
    }
    let ln = |x: f64| {
        let (i, t) = table_position(x);
        ln_table[i] * (1.0 - t) + ln_table[i + 1] * t
    };
    (ln(to) - ln(from)).exp()
}

/// `m` moved from a cell's levels to a row's: every peril's frequency multiplier times `ratio.0`,
/// severity times `ratio.1` (the same multipliers when both are 1).
pub(super) fn moved(m: &PerilMultipliers, ratio: (f64, f64)) -> PerilMultipliers {
    if ratio == (1.0, 1.0) {
        return *m;
    }
    m.map(|(f, s)| (f * ratio.0, s * ratio.1))
}
