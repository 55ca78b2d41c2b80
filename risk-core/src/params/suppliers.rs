//! The optional `[suppliers]` table of a model file (contract §16): how often a buyer's supplier
//! is compromised in a way that reaches the buyer, what that costs the buyer, and what the
//! supplier's certificates are worth. Without it a model prices no supplier, and a profile that
//! names suppliers is rejected (`suppliers`), so files written before it price as they did.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::parse::{Check, P};
use crate::error::FieldError;
use crate::vocab::{SUPPLIER_ROLES, Scheme, SupplierRole};

/// Supplier parameters (`[suppliers]`).
///
/// Per supplier j of role r with certificate multiplier G_j (≤ 1, [`SupplierParams::certifications`]):
/// compromises reaching the buyer λ_j = c_r × G_j a year; the buyer's contingent business
/// interruption then has rate λ_j × (1 if critical, else `noncritical_outage_share`) and its
/// third-party breaches rate λ_j × `breach_share` when the supplier holds the buyer's data.
#[derive(Debug, Clone)]
pub struct SupplierParams {
    /// c_r: compromises a year of one supplier of each role that reach its buyers, indexed by
    /// [`SupplierRole::index`].
    pub compromise: [f64; SUPPLIER_ROLES],
    /// Share of a non-critical supplier's compromises that stop the buyer (a critical one's: 1).
    pub noncritical_outage_share: f64,
    /// Share of a data-holding supplier's compromises that expose the buyer's records.
    pub breach_share: f64,
    /// Median days the buyer is down when a supplier it depends on is compromised (the loss is
    /// days × daily revenue × the model's `bi_margin`).
    pub outage_days: f64,
    /// Share of the buyer's records a data-holding supplier holds (the breach severity scales
    /// with it as records do: share^records_elasticity).
    pub records_share: f64,
    /// Multiplier on a supplier's compromise rate per scheme it holds (active, full scope); a
    /// scheme not listed earns a supplier nothing. Each in (0, 1].
    pub certifications: BTreeMap<Scheme, f64>,
    /// Schemes the impact table offers to require of a supplier (each listed in
    /// `certifications`).
    pub impact_schemes: Vec<Scheme>,
    /// The model's `reference.bi_margin` (required with `[suppliers]`): gross margin lost per
    /// day down as a share of daily revenue.
    pub bi_margin: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SuppliersWire {
    noncritical_outage_share: P,
    breach_share: P,
    outage_days: P,
    records_share: P,
    impact_schemes: Vec<Scheme>,
    compromise: BTreeMap<SupplierRole, P>,
    certifications: BTreeMap<Scheme, P>,
}

impl SuppliersWire {
    pub(super) fn check(&self, c: &mut Check, bi_margin: Option<f64>) -> SupplierParams {
        if bi_margin.is_none() {
            c.errors.push(FieldError::new(
                "suppliers",
                "needs reference.bi_margin (the outage loss is days × daily revenue × margin)",
            ));
        }
        let mut compromise = [0.0; SUPPLIER_ROLES];
        for &role in SupplierRole::ALL {
            let path = format!("suppliers.compromise.{role}");
            match self.compromise.get(&role) {
                Some(p) => compromise[role.index()] = c.p(&path, p, 0.0, 1.0),
                None => c.errors.push(FieldError::new(path, "is missing")),
            }
        }
        let certifications = self
            .certifications
            .iter()
            .map(|(s, p)| {
                let m = c.p(&format!("suppliers.certifications.{s}"), p, 1e-3, 1.0);
                (*s, m)
            })
            .collect::<BTreeMap<_, _>>();
        for (i, s) in self.impact_schemes.iter().enumerate() {
            if !certifications.contains_key(s) {
                c.errors.push(FieldError::new(
                    format!("suppliers.impact_schemes[{i}]"),
                    format!("`{s}` has no entry in suppliers.certifications"),
                ));
            }
        }
        SupplierParams {
            compromise,
            noncritical_outage_share: c.p(
                "suppliers.noncritical_outage_share",
                &self.noncritical_outage_share,
                0.0,
                1.0,
            ),
            breach_share: c.p("suppliers.breach_share", &self.breach_share, 0.0, 1.0),
            outage_days: c.p("suppliers.outage_days", &self.outage_days, 0.01, 365.0),
            records_share: c.p("suppliers.records_share", &self.records_share, 1e-6, 1.0),
            certifications,
            impact_schemes: self.impact_schemes.clone(),
            bi_margin: bi_margin.unwrap_or(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::params::{DEFAULT_MODEL, ModelParams, ParamsError};

    fn fields(text: &str) -> Vec<String> {
        match ModelParams::parse(text) {
            Err(ParamsError::Invalid(e)) => e.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_supplier_parameter_is_checked() {
        let p = ModelParams::parse(DEFAULT_MODEL).unwrap();
        let s = p.suppliers.unwrap();
        assert_eq!(s.bi_margin, 0.25);
        assert!(s.certifications.values().all(|m| *m <= 1.0));
        let cases = [
            (
                "other = { value = 0.001, source = \"[A] any other supplier\" }",
                "other = { value = 0.001, source = \"any other supplier\" }",
                "suppliers.compromise.other.source",
            ),
            ("other = { value = 0.001,", "others = { value = 0.001,", ""),
            (
                "supply_chain_4 = { value = 0.79,",
                "supply_chain_4 = { value = 1.2,",
                "suppliers.certifications.supply_chain_4",
            ),
            (
                "impact_schemes = [\"supply_chain_3\", \"supply_chain_4\"]",
                "impact_schemes = [\"supply_chain_3\", \"iso27017\"]",
                "suppliers.impact_schemes[1]",
            ),
            (
                "outage_days = { value = 4.0,",
                "outage_days = { value = 0.0,",
                "suppliers.outage_days",
            ),
        ];
        for (from, to, field) in cases {
            let text = DEFAULT_MODEL.replace(from, to);
            assert_ne!(text, DEFAULT_MODEL, "{from}");
            if field.is_empty() {
                // An unknown role is a shape error of the table.
                assert!(matches!(
                    ModelParams::parse(&text),
                    Err(ParamsError::Malformed(_))
                ));
            } else {
                assert_eq!(fields(&text), [field], "{to}");
            }
        }
    }
}
