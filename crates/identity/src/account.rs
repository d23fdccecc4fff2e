//! Accounts, the lockout rule and sessions.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhicheng_kernel::{AccountId, OrgId, PersonId, Principal, Role};

use crate::{IdCardNumber, PasswordHash};

/// A login name: 4–32 characters from letters, digits, `_`, `.`, `-`, `@`, starting with a
/// letter (so it can never be mistaken for an ID number).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a username has 4–32 letters, digits, `_`, `.`, `-` or `@` and starts with a letter")]
pub struct UsernameError;

impl Username {
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let s = input.trim();
        let n = s.chars().count();
        let starts_with_letter = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if !(4..=32).contains(&n)
            || !starts_with_letter
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-@".contains(c))
        {
            return Err(UsernameError);
        }
        Ok(Username(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Username::parse(&s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

/// What a person types in the login box: a username or an ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginName {
    Username(Username),
    IdNumber(IdCardNumber),
}

impl LoginName {
    /// `None` when the text is neither a valid username nor a valid ID number.
    pub fn parse(input: &str) -> Option<LoginName> {
        if let Ok(id) = IdCardNumber::parse(input) {
            return Some(LoginName::IdNumber(id));
        }
        Username::parse(input).ok().map(LoginName::Username)
    }
}

/// Consecutive failures before a lock, and how long the lock lasts (seed: 5 and 15 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: i32,
    pub lock_for: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            lock_for: Duration::minutes(15),
        }
    }
}

/// A login account of a person (applicant) or of an organisation's staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub username: Username,
    pub password_hash: PasswordHash,
    pub role: Role,
    pub person_id: Option<PersonId>,
    pub org_id: Option<OrgId>,
    /// Consecutive failed password checks since the last success or lock.
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// What a failed password check did to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    /// Counted; this many attempts remain before the lock.
    Counted { remaining: i32 },
    /// This failure locked the account until the given time.
    LockedNow { until: DateTime<Utc> },
    /// The account was already locked: nothing counted, the lock is not extended.
    AlreadyLocked { until: DateTime<Utc> },
}

impl Account {
    /// The end of the current lock, if the account is locked at `now`.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Counts one failed password check. Attempts while locked neither count nor extend the
    /// lock; the fifth consecutive failure locks the account.
    pub fn record_failure(&mut self, now: DateTime<Utc>, policy: LockoutPolicy) -> FailureOutcome {
        if let Some(until) = self.locked_at(now) {
            return FailureOutcome::AlreadyLocked { until };
        }
        if self.locked_until.is_some() {
            // An expired lock starts a fresh count.
            self.locked_until = None;
            self.failed_attempts = 0;
        }
        self.failed_attempts += 1;
        if self.failed_attempts >= policy.max_failures {
            let until = now + policy.lock_for;
            self.locked_until = Some(until);
            self.failed_attempts = 0;
            FailureOutcome::LockedNow { until }
        } else {
            FailureOutcome::Counted {
                remaining: policy.max_failures - self.failed_attempts,
            }
        }
    }

    /// A successful login resets the count.
    pub fn record_success(&mut self) {
        self.failed_attempts = 0;
        self.locked_until = None;
    }

    pub fn principal(&self) -> Principal {
        Principal {
            account_id: self.id,
            role: self.role,
            person_id: self.person_id,
            org_id: self.org_id,
        }
    }
}

/// A bearer token handed to a client once. Only its SHA-256 hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// Builds a token from 32 random bytes supplied by the caller.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        SessionToken(hex::encode(bytes))
    }

    /// Wraps a token presented by a client.
    pub fn presented(s: &str) -> Self {
        SessionToken(s.trim().to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

/// A signed-in session, stored by token hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token_hash: String,
    pub account_id: AccountId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Session {
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn account() -> Account {
        Account {
            id: AccountId(uuid::Uuid::nil()),
            username: Username::parse("zhangsan").unwrap(),
            password_hash: PasswordHash(String::new()),
            role: Role::Applicant,
            person_id: None,
            org_id: None,
            failed_attempts: 0,
            locked_until: None,
            created_at: Utc.timestamp_opt(0, 0).unwrap(),
            version: 1,
        }
    }

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes_and_the_lock_ends_by_itself() {
        let p = LockoutPolicy::default();
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let mut a = account();
        for i in 1..=4 {
            assert_eq!(
                a.record_failure(t0, p),
                FailureOutcome::Counted { remaining: 5 - i }
            );
        }
        let until = t0 + Duration::minutes(15);
        assert_eq!(a.record_failure(t0, p), FailureOutcome::LockedNow { until });
        let t1 = t0 + Duration::minutes(14) + Duration::seconds(59);
        assert_eq!(a.locked_at(t1), Some(until));
        // Attempts while locked do not extend the lock.
        assert_eq!(
            a.record_failure(t1, p),
            FailureOutcome::AlreadyLocked { until }
        );
        assert_eq!(a.locked_until, Some(until));
        let t2 = t0 + Duration::minutes(15) + Duration::seconds(1);
        assert_eq!(a.locked_at(t2), None);
        assert_eq!(
            a.record_failure(t2, p),
            FailureOutcome::Counted { remaining: 4 }
        );
    }

    #[test]
    fn a_success_resets_the_count() {
        let p = LockoutPolicy::default();
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let mut a = account();
        for _ in 0..4 {
            a.record_failure(t0, p);
        }
        a.record_success();
        assert_eq!(
            a.record_failure(t0, p),
            FailureOutcome::Counted { remaining: 4 }
        );
    }

    #[test]
    fn login_names_are_usernames_or_id_numbers() {
        assert!(matches!(
            LoginName::parse("371003198503151231"),
            Some(LoginName::IdNumber(_))
        ));
        assert!(
            matches!(LoginName::parse("ZhangSan"), Some(LoginName::Username(u)) if u.as_str() == "zhangsan")
        );
        assert_eq!(LoginName::parse("1"), None);
    }

    #[test]
    fn only_the_token_hash_is_kept() {
        let t = SessionToken::from_random([7; 32]);
        assert_eq!(t.expose().len(), 64);
        assert_ne!(t.hash(), t.expose());
        assert_eq!(SessionToken::presented(t.expose()).hash(), t.hash());
    }
}
