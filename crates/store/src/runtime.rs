//! Runtime adapters for the domain's `Clock`, `IdGen` and `PasswordHasher` ports.

use chrono::{DateTime, SubsecRound, Utc};
use zhicheng_identity::ports::PasswordHasher;
use zhicheng_identity::{Password, PasswordHash, password};
use zhicheng_kernel::{Clock, IdGen};

/// The system clock, truncated to microseconds (PostgreSQL keeps no more).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// The clock a server or CLI runs with: the system clock unless a test injects another.
#[derive(Clone)]
pub struct SharedClock(std::sync::Arc<dyn Clock>);

impl SharedClock {
    /// Wraps any clock (tests pass a settable one).
    pub fn new(clock: impl Clock + 'static) -> Self {
        SharedClock(std::sync::Arc::new(clock))
    }
}

impl Default for SharedClock {
    fn default() -> Self {
        SharedClock::new(SystemClock)
    }
}

impl std::fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedClock")
    }
}

impl Clock for SharedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

/// Time-ordered UUID v7 ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7;

impl IdGen for UuidV7 {
    fn new_id(&self) -> uuid::Uuid {
        uuid::Uuid::now_v7()
    }
}

/// `n` random bytes from the operating system.
///
/// # Errors
/// When the OS random source fails (practically never).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)?;
    Ok(b)
}

/// A random alphanumeric code of `len` characters (for verification codes).
///
/// # Errors
/// When the OS random source fails.
pub fn random_code(len: usize) -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let bytes: [u8; 32] = random_bytes()?;
        for b in bytes {
            // Rejection sampling keeps every character equally likely.
            if (b as usize) < 256 - 256 % ALPHABET.len() && out.len() < len {
                out.push(char::from(ALPHABET[b as usize % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

/// `len` random decimal digits (for SMS codes), each equally likely.
///
/// # Errors
/// When the OS random source fails.
pub fn random_digits(len: usize) -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let bytes: [u8; 16] = random_bytes()?;
        for b in bytes {
            // 250 = 25 × 10: rejection sampling keeps the digits uniform.
            if b < 250 && out.len() < len {
                out.push(char::from(b'0' + b % 10));
            }
        }
    }
    Ok(out)
}

/// A one-time password (`Abcde-fgh2J-…`: four groups of five letters and digits) from the OS
/// random source that the password policy accepts with these personal strings; shown once to
/// whoever hands it over (a bureau resetting a unit administrator's password).
///
/// # Errors
/// `Unavailable` when the OS random source fails.
pub fn one_time_password(
    personal: &[&str],
) -> Result<zhicheng_identity::Password, zhicheng_kernel::StoreError> {
    let unavailable = |e: String| zhicheng_kernel::StoreError::Unavailable(e);
    for _ in 0..64 {
        let raw = random_code(20).map_err(|e| unavailable(e.to_string()))?;
        let candidate = [&raw[..5], &raw[5..10], &raw[10..15], &raw[15..]].join("-");
        let mixed = candidate.chars().any(|c| c.is_ascii_uppercase())
            && candidate.chars().any(|c| c.is_ascii_lowercase())
            && candidate.chars().any(|c| c.is_ascii_digit());
        if !mixed {
            continue;
        }
        if let Ok(p) = zhicheng_identity::Password::parse(&candidate, personal) {
            return Ok(p);
        }
    }
    Err(unavailable("no acceptable password in 64 draws".into()))
}

/// argon2id on tokio's blocking pool, with a fresh OS-random salt per hash, at most
/// `permits` hashes at a time so a login storm cannot starve other work.
#[derive(Clone)]
pub struct BlockingArgon2 {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl BlockingArgon2 {
    pub fn new(permits: usize) -> Self {
        BlockingArgon2 {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(permits.max(1))),
        }
    }
}

impl Default for BlockingArgon2 {
    fn default() -> Self {
        BlockingArgon2::new(4)
    }
}

impl PasswordHasher for BlockingArgon2 {
    async fn hash(&self, pw: Password) -> PasswordHash {
        let _permit = self.permits.acquire().await.ok();
        let salt: [u8; 16] = random_bytes().unwrap_or_else(|_| uuid::Uuid::now_v7().into_bytes());
        tokio::task::spawn_blocking(move || password::hash(&pw, &salt))
            .await
            .unwrap_or_else(|_| PasswordHash(String::new()))
    }

    async fn verify(&self, candidate: String, hash: PasswordHash) -> bool {
        let _permit = self.permits.acquire().await.ok();
        tokio::task::spawn_blocking(move || password::verify(&candidate, &hash))
            .await
            .unwrap_or(false)
    }
}
