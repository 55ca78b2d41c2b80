//! Keys, roles and subjects: what the store keeps and the HTTP layer checks.
//!
//! A key is 256 bits from the operating system's RNG (never the engine's seeded streams), shown to
//! its holder once as `rk_<64 hex>`; the store keeps only its SHA-256 (see [`crate::auth`] for
//! how a request's key becomes a [`Caller`]).

use std::fmt;

use sha2::{Digest, Sha256};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Keys, model and threat-level publication.
    Admin,
    /// Assessments, simulations, reading what firms shared.
    Insurer,
    /// Its own assessments and impact; grants and revokes insurers' access.
    Firm,
    /// A certification body: registers the certificates it issues and changes their status.
    Certifier,
    /// An information-sharing operator: publishes and withdraws threat advisories.
    Hub,
}

impl Role {
    /// Wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Insurer => "insurer",
            Role::Firm => "firm",
            Role::Certifier => "certifier",
            Role::Hub => "hub",
        }
    }

    /// Parses a wire or database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "insurer" => Some(Role::Insurer),
            "firm" => Some(Role::Firm),
            "certifier" => Some(Role::Certifier),
            "hub" => Some(Role::Hub),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Its role.
    pub role: Role,
    /// Who it is (a firm or insurer id, or an admin's name).
    pub subject: String,
}

/// A new random key (`rk_` + 64 hex digits = 256 bits from the OS RNG).
///
/// # Errors
/// When the operating system's RNG fails.
pub fn new_key() -> anyhow::Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("os rng: {e}"))?;
    Ok(format!("rk_{}", hex::encode(b)))
}

/// SHA-256 of a key, hex: what the store keeps.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A valid subject: 1–128 characters of `A-Z a-z 0-9 . _ - @ :`.
pub fn valid_subject(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@:".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_hashed() {
        let a = new_key().unwrap();
        let b = new_key().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(key_hash(&a).len(), 64);
        assert_ne!(key_hash(&a), key_hash(&b));
    }

    #[test]
    fn subjects() {
        assert!(valid_subject("firm-a.example_1"));
        assert!(!valid_subject(""));
        assert!(!valid_subject("a b"));
        assert!(!valid_subject(&"x".repeat(129)));
    }
}
