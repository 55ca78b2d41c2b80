//! The model file's optional `[sharing]` table (contract §13): how the advisories of
//! information-sharing hubs combine into the sector threat table in force, the bounds every
//! multiplier must respect, and which roles may read amber and red advisories.
//!
//! Absent (models 1.0.0 and 1.5.0), the built-in defaults hold: product rule, bounds [0.1, 10]
//! (what `PUT /v1/threat-levels` always accepted), no cap below the upper bound, and the TLP 2.0
//! reading of who may receive what. With a neutral table those defaults price exactly as before.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::parse::{Check, P};
use crate::error::FieldError;

/// How the multipliers of several advisories on one industry and peril combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combination {
    /// Their product, capped at [`SharingParams::cap`]: independent warnings compound.
    Product,
    /// The largest: advisories about one campaign do not stack.
    Maximum,
}

impl Combination {
    /// Model-file name.
    pub fn as_str(self) -> &'static str {
        match self {
            Combination::Product => "product",
            Combination::Maximum => "maximum",
        }
    }
}

/// Traffic Light Protocol 2.0 labels, least restricted first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    /// TLP:CLEAR, no limit on disclosure.
    Clear,
    /// TLP:GREEN, the community.
    Green,
    /// TLP:AMBER, recipients' organisations and their clients.
    Amber,
    /// TLP:AMBER+STRICT, recipients' organisations only.
    AmberStrict,
    /// TLP:RED, the named recipients only.
    Red,
}

impl Tlp {
    /// Every label, least restricted first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// Wire name (`clear`, `green`, `amber`, `amber+strict`, `red`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// Parses a wire name (case-insensitive; `white`, TLP 1.0's name of clear, accepted).
    pub fn parse(s: &str) -> Option<Tlp> {
        match s.to_ascii_lowercase().trim_start_matches("tlp:") {
            "clear" | "white" => Some(Tlp::Clear),
            "green" => Some(Tlp::Green),
            "amber" => Some(Tlp::Amber),
            "amber+strict" => Some(Tlp::AmberStrict),
            "red" => Some(Tlp::Red),
            _ => None,
        }
    }
}

/// Roles of the service a model may name (the core knows them only as names).
pub const ROLES: [&str; 5] = ["admin", "insurer", "firm", "certifier", "hub"];

/// The validated `[sharing]` table (or its defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct SharingParams {
    /// How advisories on one industry and peril combine.
    pub combination: Combination,
    /// Smallest multiplier an advisory, an override or the table may carry.
    pub min: f64,
    /// Largest multiplier an advisory, an override or the table may carry.
    pub max: f64,
    /// Cap on the combined factor of the advisories in force (product rule), ≤ `max`.
    pub cap: f64,
    /// Per restricted label (amber, amber+strict, red), the roles that may read such an
    /// advisory besides the hub that published it; clear and green go to every role.
    pub tlp_roles: BTreeMap<Tlp, Vec<String>>,
    /// False when the model file has no `[sharing]` table (the defaults are in use).
    pub from_file: bool,
}

impl Default for SharingParams {
    fn default() -> Self {
        let roles = |r: &[&str]| r.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        SharingParams {
            combination: Combination::Product,
            min: 0.1,
            max: 10.0,
            cap: 10.0,
            tlp_roles: BTreeMap::from([
                (Tlp::Amber, roles(&["admin", "insurer", "hub"])),
                (Tlp::AmberStrict, roles(&["admin", "hub"])),
                (Tlp::Red, roles(&["admin"])),
            ]),
            from_file: false,
        }
    }
}

impl SharingParams {
    /// Whether a caller of `role` may read an advisory labelled `tlp` (the publishing hub
    /// always may; callers check that themselves).
    pub fn may_read(&self, tlp: Tlp, role: &str) -> bool {
        match tlp {
            Tlp::Clear | Tlp::Green => true,
            _ => self
                .tlp_roles
                .get(&tlp)
                .is_some_and(|r| r.iter().any(|x| x == role)),
        }
    }

    /// Whether `m` is a multiplier the model accepts.
    pub fn in_bounds(&self, m: f64) -> bool {
        m >= self.min && m <= self.max
    }

    /// The combined factor of advisory multipliers `ms` on one industry and peril (1 when there
    /// are none): the product capped at `cap`, or the largest.
    pub fn combine(&self, ms: &[f64]) -> f64 {
        if ms.is_empty() {
            return 1.0;
        }
        match self.combination {
            Combination::Product => ms.iter().product::<f64>().min(self.cap),
            Combination::Maximum => ms.iter().copied().fold(f64::MIN, f64::max),
        }
    }

    /// The multiplier in force: an admin's base level times the advisories' combined factor,
    /// kept inside the model's bounds.
    pub fn in_force(&self, base: f64, ms: &[f64]) -> f64 {
        (base * self.combine(ms)).clamp(self.min, self.max)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SharingWire {
    combination: String,
    combination_source: String,
    min: P,
    max: P,
    cap: P,
    #[serde(default)]
    tlp_roles: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    tlp_source: Option<String>,
}

impl SharingWire {
    pub(super) fn check(&self, c: &mut Check) -> SharingParams {
        let combination = match self.combination.as_str() {
            "product" => Combination::Product,
            "maximum" => Combination::Maximum,
            _ => {
                c.errors.push(FieldError::new(
                    "sharing.combination",
                    "must be \"product\" or \"maximum\"",
                ));
                Combination::Product
            }
        };
        c.source("sharing.combination", &self.combination_source);
        let min = c.p("sharing.min", &self.min, 0.01, 1.0);
        let max = c.p("sharing.max", &self.max, 1.0, 100.0);
        let cap = c.p("sharing.cap", &self.cap, 1.0, 100.0);
        if cap > max {
            c.errors.push(FieldError::new(
                "sharing.cap",
                "must not exceed sharing.max",
            ));
        }
        let mut params = SharingParams {
            combination,
            min,
            max,
            cap,
            from_file: true,
            ..SharingParams::default()
        };
        if !self.tlp_roles.is_empty() {
            match &self.tlp_source {
                Some(s) => c.source("sharing.tlp_roles", s),
                None => c
                    .errors
                    .push(FieldError::new("sharing.tlp_source", "is missing")),
            }
        }
        for (label, roles) in &self.tlp_roles {
            let path = format!("sharing.tlp_roles.{label}");
            let tlp = match Tlp::parse(label) {
                Some(t @ (Tlp::Amber | Tlp::AmberStrict | Tlp::Red)) => t,
                _ => {
                    c.errors.push(FieldError::new(
                        path,
                        "must be amber, amber+strict or red (clear and green go to every role)",
                    ));
                    continue;
                }
            };
            for (i, r) in roles.iter().enumerate() {
                if !ROLES.contains(&r.as_str()) {
                    c.errors.push(FieldError::new(
                        format!("{path}[{i}]"),
                        format!("must be one of {}", ROLES.join(", ")),
                    ));
                }
            }
            params.tlp_roles.insert(tlp, roles.clone());
        }
        params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{DEFAULT_MODEL, MODEL_1_0_0, ModelParams, ParamsError};

    const TABLE: &str = "\n[sharing]\ncombination = \"maximum\"\n\
        combination_source = \"[A] advisories about one campaign do not stack\"\n\
        min = { value = 0.5, source = \"[A]\" }\nmax = { value = 3.0, source = \"[A]\" }\n\
        cap = { value = 2.0, source = \"[A]\" }\n\
        tlp_roles = { amber = [\"admin\", \"insurer\", \"firm\"] }\n\
        tlp_source = \"[A] TLP 2.0\"\n";

    #[test]
    fn absent_table_gives_the_defaults() {
        for text in [MODEL_1_0_0, DEFAULT_MODEL] {
            let p = ModelParams::parse(text).unwrap();
            assert_eq!(p.sharing, SharingParams::default());
        }
        let d = SharingParams::default();
        assert_eq!(d.combine(&[1.5, 1.4]), 1.5 * 1.4);
        assert_eq!(d.in_force(1.0, &[20.0]), 10.0);
        assert!(d.may_read(Tlp::Green, "firm"));
        assert!(!d.may_read(Tlp::Amber, "firm"));
        assert!(d.may_read(Tlp::Amber, "insurer"));
        assert!(!d.may_read(Tlp::Red, "insurer"));
    }

    #[test]
    fn the_table_is_read_and_checked() {
        let p = ModelParams::parse(&format!("{DEFAULT_MODEL}{TABLE}")).unwrap();
        let s = &p.sharing;
        assert!(s.from_file);
        assert_eq!(s.combination, Combination::Maximum);
        assert_eq!((s.min, s.max, s.cap), (0.5, 3.0, 2.0));
        assert_eq!(s.combine(&[1.2, 1.5, 1.1]), 1.5);
        assert_eq!(s.in_force(2.5, &[1.5]), 3.0);
        assert!(s.may_read(Tlp::Amber, "firm"));
        assert!(!s.may_read(Tlp::Red, "insurer"));

        let bad = TABLE
            .replace("\"maximum\"", "\"sum\"")
            .replace("value = 2.0", "value = 5.0")
            .replace("\"firm\"]", "\"robot\"]");
        let Err(ParamsError::Invalid(errors)) =
            ModelParams::parse(&format!("{DEFAULT_MODEL}{bad}"))
        else {
            panic!("accepted a bad [sharing] table");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "sharing.combination",
            "sharing.cap",
            "sharing.tlp_roles.amber[2]",
        ] {
            assert!(fields.contains(&f), "{f} not in {fields:?}");
        }
    }
}
