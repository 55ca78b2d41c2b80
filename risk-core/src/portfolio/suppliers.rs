//! Suppliers in a book (contract §16): a supplier's compromise is a common shock to every
//! policy that names it, and the report says which suppliers drive the tail.
//!
//! Supplier j (role r, certificate multiplier G_j from the model's `[suppliers]`) is compromised
//! in a year with probability p_j = 1 − exp(−c_r G_j) (at most once a year, as every shock), on
//! the stream named by (seed, its id) ([`supplier_stream`]): drawn once per supplier-year, the
//! same in every shard and whatever other suppliers the book names. Every policy naming it (a
//! dependency `supplier:<id>`) is hit and loses a share of its annual revenue: outage_days/365 ×
//! bi_margin at the median, shaped like the business-interruption peril. A book names its
//! suppliers as dependencies, so each counts as critical; the breach path of a profile's
//! supplier (records) is not part of the book's shock [A].

use std::collections::BTreeMap;

use super::{Portfolio, Shock, ShockSize, SupplierLink, YearLossTable};
use crate::engine::monte_carlo::stream;
use crate::exposure::severity;
use crate::params::ModelParams;
use crate::profile::Supplier;
use crate::score::supplier_multiplier;
use crate::stats::LossStats;
use crate::vocab::{Peril, SupplierRole};

/// Prefix of a supplier's dependency and shock name: `supplier:<id>`.
pub const SUPPLIER_PREFIX: &str = "supplier:";

/// The stream id of supplier `id`'s shock: FNV-1a of its bytes with the top bit set, so it never
/// meets a listed shock's position.
pub fn supplier_stream(id: &str) -> u64 {
    let h = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    h | 1 << 63
}

/// The shocks of the suppliers `ids` a book names, one per id in ascending order (each
/// described in `described` by its id, or else a supplier of role `other` without
/// certificates), as of `as_of`; each with p′ = 1 − exp(−c_r min(G_j, m)), m the smallest
/// multiplier among the model's `impact_schemes`: its probability had it reached that scheme.
/// Empty when the model has no `[suppliers]`.
pub fn supplier_shocks<'a>(
    params: &ModelParams,
    ids: impl IntoIterator<Item = &'a str>,
    described: &[Supplier],
    as_of: time::Date,
) -> Vec<Shock> {
    let mut out = Vec::new();
    let Some(sp) = params.suppliers.as_ref() else {
        return out;
    };
    let by_id: BTreeMap<&str, &Supplier> = described
        .iter()
        .filter_map(|s| s.id.as_deref().map(|id| (id, s)))
        .collect();
    let best = sp
        .impact_schemes
        .iter()
        .map(|s| sp.certifications[s])
        .fold(1.0, f64::min);
    let bi = Peril::BusinessInterruption.index();
    let share = severity(sp.outage_days / 365.0 * sp.bi_margin, bi, params);
    let ids: std::collections::BTreeSet<&str> = ids.into_iter().collect();
    for id in ids {
        let (role, g) = by_id.get(id).map_or((SupplierRole::Other, 1.0), |s| {
            (s.role, supplier_multiplier(s, params, as_of))
        });
        let c = sp.compromise[role.index()];
        let name = format!("{SUPPLIER_PREFIX}{id}");
        out.push(Shock {
            name: name.clone(),
            annual_probability: -(-c * g).exp_m1(),
            hit_probability: 1.0,
            dependency: Some(name),
            size: ShockSize::RevenueShare(share.clone()),
            supplier: Some(SupplierLink {
                stream: supplier_stream(id),
                improved_probability: -(-c * g.min(best)).exp_m1(),
            }),
        });
    }
    out
}

/// A supplier's part in a book's tail.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierTail {
    /// The shock's name, `supplier:<id>`.
    pub name: String,
    /// Its mean annual insured loss to the book.
    pub mean: f64,
    /// Its share of the loss of the years above the VaR at the level (the years TVaR averages).
    pub tvar_share: f64,
    /// TVaR at the level minus the TVaR of the same years with the supplier at its improved
    /// probability (None when not computed).
    pub tvar_fall: Option<f64>,
}

/// The suppliers driving the tail of a whole book's `table` at `level`, largest share first:
/// every supplier shock of the portfolio with its share of the tail years' loss, and, for the
/// `top` largest, the fall of TVaR had it reached its improved probability
/// ([`SupplierLink::improved_probability`]).
///
/// The improved book is the same simulation with the supplier's occurrences thinned: year y
/// keeps its occurrence when the year's uniform u_y (the one that drew it, u_y < p) is also below
/// p′ ≤ p, which is exactly a Bernoulli(p′) year on common random numbers; the other losses of a
/// thinned year stay as they were (exact unless an aggregate limit binds in it).
pub fn supplier_tail(
    portfolio: &Portfolio,
    table: &YearLossTable,
    level: f64,
    top: usize,
) -> Vec<SupplierTail> {
    let losses = table.losses();
    let n = losses.len();
    if n == 0 {
        return Vec::new();
    }
    let tvar = |l: &[f64]| LossStats::from_sample(l, &[level], &[]).tvar[0].value;
    let base = tvar(&losses);
    // The tail years: ranked above the VaR year (ties by year), as the Euler allocation.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| table.loss[a].cmp(&table.loss[b]).then(a.cmp(&b)));
    let k0 = ((n as f64 * level).ceil() as usize).clamp(1, n);
    let mut in_tail = vec![false; n];
    for &y in &order[k0..] {
        in_tail[y] = true;
    }
    let tail_loss: f64 = order[k0..].iter().map(|&y| losses[y]).sum();
    let means = table.shock_means();
    let mut out: Vec<(usize, f64, SupplierTail)> = portfolio
        .shocks
        .iter()
        .enumerate()
        .filter_map(|(s, shock)| shock.supplier.map(|l| (s, l.improved_probability)))
        .map(|(s, improved)| {
            let in_tail_loss: f64 = table.shock_years[s]
                .iter()
                .zip(&table.shock_events[s])
                .filter(|(y, _)| in_tail[**y as usize])
                .map(|(_, &e)| super::money(e))
                .sum();
            let share = if tail_loss > 0.0 {
                in_tail_loss / tail_loss
            } else {
                0.0
            };
            (
                s,
                improved,
                SupplierTail {
                    name: portfolio.shocks[s].name.clone(),
                    mean: means[s],
                    tvar_share: share,
                    tvar_fall: None,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| {
        b.2.tvar_share
            .total_cmp(&a.2.tvar_share)
            .then(a.2.name.cmp(&b.2.name))
    });
    for (s, p2, t) in out.iter_mut().take(top) {
        let (s, p2) = (*s, *p2);
        let shock = &portfolio.shocks[s];
        let mut rng = stream(table.seed, [super::SHOCK_YEARS, shock.stream_id(s), 0]);
        let mut thinned = losses.clone();
        let mut occ = table.shock_years[s]
            .iter()
            .zip(&table.shock_events[s])
            .peekable();
        for y in 0..table.trials {
            let u: f64 = rand::RngExt::random(&mut rng);
            if let Some(&(&oy, &e)) = occ.peek()
                && oy == y
            {
                occ.next();
                if u >= p2 {
                    thinned[y as usize] -= super::money(e);
                }
            }
        }
        t.tvar_fall = Some(base - tvar(&thinned));
    }
    out.into_iter().map(|(_, _, t)| t).collect()
}
