//! Password policy and argon2id hashing.
//!
//! Hashing is pure and CPU-heavy (about 13 ms in release builds); adapters run it off their
//! async workers. The salt is passed in.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use serde::{Deserialize, Serialize};

/// argon2id memory cost in KiB (OWASP floor 19 MiB).
pub const M_COST: u32 = 19_456;
/// argon2id iterations.
pub const T_COST: u32 = 2;
/// argon2id lanes.
pub const P_COST: u32 = 1;
const OUT_LEN: usize = 32;

/// Passwords nobody may choose, whatever their character classes.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "12345678",
    "123456789",
    "1234567890",
    "qwerty123",
    "qwertyuiop",
    "1qaz2wsx",
    "1q2w3e4r",
    "a1234567",
    "abc12345",
    "abcd1234",
    "aa123456",
    "admin123",
    "admin@123",
    "root1234",
    "woaini1314",
    "iloveyou",
    "11111111",
    "88888888",
    "66666666",
    "zxcvbnm123",
    "qwe123!@#",
    "abc@1234",
    "Aa123456",
    "Abc@1234",
    "Admin@123",
    "P@ssw0rd",
    "Passw0rd!",
    "Qwer1234",
    "Zxcv1234",
];

/// A candidate password that meets the policy: 8–128 characters, at least three of the four
/// character classes (upper, lower, digit, symbol), not a common password, and not containing
/// the account's username, ID number or mobile number.
#[derive(Clone)]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password needs at least 8 characters")]
    TooShort,
    #[error("the password may have at most 128 characters")]
    TooLong,
    #[error("use at least three of: upper-case letters, lower-case letters, digits, symbols")]
    TooSimple,
    #[error("this password is too common; choose another")]
    Common,
    #[error("the password must not contain your username, ID number or mobile number")]
    ContainsPersonalData,
}

impl Password {
    /// Checks `raw` against the policy. `personal` lists the strings it must not contain
    /// (username, ID number, mobile number); empty entries are ignored.
    pub fn parse(raw: &str, personal: &[&str]) -> Result<Self, PasswordError> {
        let n = raw.chars().count();
        if n < 8 {
            return Err(PasswordError::TooShort);
        }
        if n > 128 {
            return Err(PasswordError::TooLong);
        }
        let classes = [
            raw.chars().any(|c| c.is_ascii_uppercase()),
            raw.chars().any(|c| c.is_ascii_lowercase()),
            raw.chars().any(|c| c.is_ascii_digit()),
            raw.chars().any(|c| !c.is_ascii_alphanumeric()),
        ];
        if classes.iter().filter(|&&c| c).count() < 3 {
            return Err(PasswordError::TooSimple);
        }
        let lower = raw.to_lowercase();
        if COMMON.iter().any(|c| c.to_lowercase() == lower) {
            return Err(PasswordError::Common);
        }
        for p in personal {
            let p = p.trim().to_lowercase();
            if p.len() >= 4 && lower.contains(&p) {
                return Err(PasswordError::ContainsPersonalData);
            }
        }
        Ok(Password(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A PHC-format argon2id hash: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(pub String);

fn hasher(m: u32, t: u32, p: u32) -> Option<Argon2<'static>> {
    let params = Params::new(m, t, p, Some(OUT_LEN)).ok()?;
    Some(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a policy-checked password with argon2id and the given 16-byte salt.
pub fn hash(password: &Password, salt: &[u8; 16]) -> PasswordHash {
    hash_raw(password.expose(), salt)
}

fn hash_raw(password: &str, salt: &[u8; 16]) -> PasswordHash {
    let mut out = [0u8; OUT_LEN];
    let ok = hasher(M_COST, T_COST, P_COST)
        .map(|h| {
            h.hash_password_into(password.as_bytes(), salt, &mut out)
                .is_ok()
        })
        .unwrap_or(false);
    if !ok {
        // Unreachable with constant parameters; an empty hash never verifies.
        return PasswordHash(String::new());
    }
    PasswordHash(format!(
        "$argon2id$v=19$m={M_COST},t={T_COST},p={P_COST}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    ))
}

/// Checks `candidate` against a stored hash in constant time. Any malformed hash fails.
pub fn verify(candidate: &str, stored: &PasswordHash) -> bool {
    let parts: Vec<&str> = stored.0.split('$').collect();
    // ["", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash]
    if parts.len() != 6 || parts[1] != "argon2id" || parts[2] != "v=19" {
        return false;
    }
    let mut m = 0;
    let mut t = 0;
    let mut p = 0;
    for kv in parts[3].split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse().unwrap_or(0),
            Some(("t", v)) => t = v.parse().unwrap_or(0),
            Some(("p", v)) => p = v.parse().unwrap_or(0),
            _ => return false,
        }
    }
    let (Ok(salt), Ok(expected)) = (
        STANDARD_NO_PAD.decode(parts[4]),
        STANDARD_NO_PAD.decode(parts[5]),
    ) else {
        return false;
    };
    let Some(h) = hasher(m, t, p) else {
        return false;
    };
    let mut out = vec![0u8; expected.len().max(1)];
    if h.hash_password_into(candidate.as_bytes(), &salt, &mut out)
        .is_err()
    {
        return false;
    }
    out.len() == expected.len()
        && out
            .iter()
            .zip(&expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Whether a stored hash uses weaker parameters than the current policy (rehash on login).
pub fn needs_rehash(stored: &PasswordHash) -> bool {
    !stored
        .0
        .starts_with(&format!("$argon2id$v=19$m={M_COST},t={T_COST},p={P_COST}$"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        let personal = ["zhangsan", "371003198503151231", "13805315678"];
        let cases = [
            ("Short1!", Err(PasswordError::TooShort)),
            ("alllowercase1", Err(PasswordError::TooSimple)),
            ("P@ssw0rd", Err(PasswordError::Common)),
            ("Zhangsan#2024", Err(PasswordError::ContainsPersonalData)),
            ("x13805315678Y", Err(PasswordError::ContainsPersonalData)),
            ("Shandong-2022", Ok(())),
        ];
        for (pw, want) in cases {
            assert_eq!(Password::parse(pw, &personal).map(|_| ()), want, "{pw}");
        }
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verifiable() {
        let pw = Password::parse("Shandong-2022", &[]).unwrap();
        let a = hash(&pw, &[1; 16]);
        let b = hash(&pw, &[2; 16]);
        assert!(a.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b);
        assert!(verify("Shandong-2022", &a));
        assert!(!verify("Shandong-2023", &a));
        assert!(!verify("Shandong-2022", &PasswordHash("garbage".into())));
        assert!(!needs_rehash(&a));
    }
}
