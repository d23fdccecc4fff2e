//! Per-client throttling of failed logins, against password spraying: one source trying a
//! few passwords on many accounts never trips a per-account lock, so failures are also counted
//! per client address in fixed windows. A throttled client is refused (HTTP 429) before any
//! check, and no account is locked by it.

use chrono::{DateTime, Duration, TimeZone, Utc};

/// Failed logins allowed per client address per window (default 30 per 15 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            max_failures: 30,
            window: Duration::minutes(15),
        }
    }
}

impl ThrottlePolicy {
    /// The start of the fixed window `now` falls in.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let len = self.window.num_seconds().max(1);
        let t = now.timestamp();
        Utc.timestamp_opt(t - t.rem_euclid(len), 0)
            .single()
            .unwrap_or(now)
    }

    /// Whether a client with this many failures in the current window may try again.
    pub fn allows(&self, failures: u32) -> bool {
        failures < self.max_failures
    }

    /// Whole minutes until the window ends (at least 1), for the refusal message.
    pub fn minutes_left(&self, now: DateTime<Utc>) -> i64 {
        let end = self.window_start(now) + self.window;
        ((end - now).num_seconds() + 59).div_euclid(60).max(1)
    }
}

/// The audit object id of a client address (refused captchas, throttled attempts): the first
/// 16 bytes of a SHA-256 of the address, so a client's rows group without storing the address
/// as an object.
pub fn client_object(client: &str) -> uuid::Uuid {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("client:{client}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid::Uuid::from_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_fixed_and_the_limit_is_exclusive() {
        let p = ThrottlePolicy::default();
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 9, 7, 30).unwrap();
        assert_eq!(
            p.window_start(t),
            Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
        );
        assert_eq!(p.minutes_left(t), 8);
        assert!(p.allows(29));
        assert!(!p.allows(30));
    }
}
