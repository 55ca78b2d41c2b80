//! What a supplier's certificates are worth to its buyer: the multiplier G_j on the supplier's
//! compromise rate (contract §16), and the supplier's share of the buyer's score.

use super::{Standing, standing};
use crate::params::ModelParams;
use crate::profile::Supplier;

/// G_j for supplier `s` on `as_of`: the best (smallest) multiplier among its certificates, each
/// m' = 1 − scope × keep × (1 − m) with m the model's `[suppliers.certifications]` entry for
/// the scheme (1 when it has none), keep = 1 active, ½(1 − t/T) lapsed t months ago (T the
/// model's `lapse_months`, as the firm's own certificates decay), 0 withdrawn, long lapsed or
/// not datable. 1 without a certificate or without `[suppliers]`. Rungs do not stack (a ★4
/// supplier's ★3 adds nothing), and the minimum is monotone: a better standing of any
/// certificate never raises G_j.
pub fn supplier_multiplier(s: &Supplier, params: &ModelParams, as_of: time::Date) -> f64 {
    let Some(sp) = params.suppliers.as_ref() else {
        return 1.0;
    };
    let t = params.certification_rules.lapse_months;
    s.certifications
        .iter()
        .map(|c| {
            let m = sp.certifications.get(&c.scheme).copied().unwrap_or(1.0);
            let keep = match standing(c, params, as_of) {
                Standing::Active => 1.0,
                Standing::Lapsed { months } => 0.5 * (1.0 - (months / t).clamp(0.0, 1.0)),
                Standing::Negative | Standing::NoCredit => 0.0,
            };
            1.0 - c.scope_share * keep * (1.0 - m)
        })
        .fold(1.0, f64::min)
}
