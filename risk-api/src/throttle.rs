//! Throttling of failed authentication (contract §15): each client has a bucket of
//! [`Config::auth_failures`](crate::app::Config) failures that refills by one every
//! [`Config::auth_refill`](crate::app::Config); a client whose bucket is empty is answered 429
//! with `Retry-After` before its key is looked up, so guessing keys costs time, not database work.
//!
//! A client is its address when the server knows it (`ConnectInfo`, set by `risk serve`), else
//! the first 11 characters of the key it presents. Memory is bounded: at most [`MAX_CLIENTS`]
//! buckets (about 100 bytes each); when the table is full, buckets that have refilled are dropped,
//! then the one idle longest.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most clients tracked at once.
pub const MAX_CLIENTS: usize = 10_000;

/// Who failed: an address, or a key prefix when the address is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Client {
    /// The peer's IP address.
    Addr(IpAddr),
    /// The first characters of the presented key.
    KeyPrefix(String),
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Failures still allowed, as of `at`.
    tokens: f64,
    at: Instant,
}

/// The failure buckets of one service (cheap to clone).
#[derive(Debug, Clone)]
pub struct AuthThrottle {
    burst: f64,
    refill: Duration,
    table: Arc<Mutex<HashMap<Client, Bucket>>>,
}

impl AuthThrottle {
    /// `burst` failures at once, one more every `refill` (0 burst: no throttling).
    pub fn new(burst: u32, refill: Duration) -> Self {
        AuthThrottle {
            burst: f64::from(burst),
            refill,
            table: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn tokens(&self, b: &Bucket, now: Instant) -> f64 {
        let secs = self.refill.as_secs_f64().max(1e-9);
        (b.tokens + now.duration_since(b.at).as_secs_f64() / secs).min(self.burst)
    }

    /// Whether `client` has used up its failures (answer 429 without looking at the key).
    pub fn blocked(&self, client: &Client) -> bool {
        if self.burst <= 0.0 {
            return false;
        }
        let table = self
            .table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        table
            .get(client)
            .is_some_and(|b| self.tokens(b, Instant::now()) < 1.0)
    }

    /// Records a failed authentication of `client`.
    pub fn failed(&self, client: Client) {
        if self.burst <= 0.0 {
            return;
        }
        let now = Instant::now();
        let mut table = self
            .table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !table.contains_key(&client) && table.len() >= MAX_CLIENTS {
            table.retain(|_, b| self.tokens(b, now) < self.burst);
            if table.len() >= MAX_CLIENTS
                && let Some(oldest) = table
                    .iter()
                    .min_by_key(|(_, b)| b.at)
                    .map(|(c, _)| c.clone())
            {
                table.remove(&oldest);
            }
        }
        let b = table.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let left = self.tokens(b, now);
        *b = Bucket {
            tokens: (left - 1.0).max(0.0),
            at: now,
        };
    }

    /// Clients tracked now.
    pub fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Whether no client is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_block_refill_and_stay_bounded() {
        let t = AuthThrottle::new(3, Duration::from_millis(50));
        let c = Client::KeyPrefix("rk_00000000".into());
        for _ in 0..3 {
            assert!(!t.blocked(&c));
            t.failed(c.clone());
        }
        assert!(t.blocked(&c));
        std::thread::sleep(Duration::from_millis(60));
        assert!(!t.blocked(&c));
        for i in 0..(MAX_CLIENTS + 100) {
            t.failed(Client::KeyPrefix(format!("k{i}")));
        }
        assert!(t.len() <= MAX_CLIENTS);
    }
}
