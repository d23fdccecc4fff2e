//! Accounts, the lockout rule and sessions.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhicheng_kernel::{AccountId, OrgId, PersonId, Principal, Role};

use crate::{IdCardNumber, MobileNumber, PasswordHash, PersonName};

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
    /// The staff member behind a named operator account (and the unit administrator's
    /// contact person, when given).
    pub display_name: Option<PersonName>,
    /// Contact mobile of a staff account (a unit's contact number lives on its admin account).
    pub mobile: Option<MobileNumber>,
    /// A named operator account created by its organisation's administrator: acts for the
    /// organisation under its own name, but cannot manage other staff accounts.
    pub operator: bool,
    /// A disabled account cannot sign in and its sessions are ended.
    pub disabled: bool,
    /// The password was set by someone else (a bureau's one-time password, an administrator's
    /// initial password for an operator): the account may do nothing but change it, see who it
    /// is and sign out until it does ([`Account::password_change_required`]).
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// An account whose password was set by someone else tried to do something before changing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "your password was set by someone else (a one-time or initial password): change it first — nothing else is possible until you do"
)]
pub struct PasswordChangeRequired;

impl zhicheng_kernel::Localized for PasswordChangeRequired {
    fn code(&self) -> &'static str {
        "auth.password_change_required"
    }
    fn zh(&self) -> String {
        "您的密码由他人设置（一次性密码或初始密码），请先修改密码；修改前不能办理其他业务".into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// What reserving a password check did (see [`Account::reserve_attempt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The check may run; it has been counted as a failure in advance.
    Granted,
    /// The account is locked: no check runs, nothing is counted, the lock is not extended.
    Locked { until: DateTime<Utc> },
    /// Every allowed attempt is already spent or still running (parallel guesses): the account
    /// is locked now and no check runs.
    LockedNow { until: DateTime<Utc> },
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

    /// Reserves one password check **before** it runs, counting it as a failure in advance.
    ///
    /// Stored (in one transaction) before the slow password check, this makes the count
    /// atomic: however many guesses arrive in parallel, at most `max_failures` checks are
    /// granted before the account locks. A success later resets the count
    /// ([`Account::record_success`]); a failure settles the reservation
    /// ([`Account::settle_failure`]). A reservation whose check never finished (crash) stays
    /// counted as a failure — the safe side.
    pub fn reserve_attempt(&mut self, now: DateTime<Utc>, policy: LockoutPolicy) -> Reservation {
        if let Some(until) = self.locked_at(now) {
            return Reservation::Locked { until };
        }
        if self.locked_until.is_some() {
            // An expired lock starts a fresh count.
            self.locked_until = None;
            self.failed_attempts = 0;
        }
        if self.failed_attempts >= policy.max_failures {
            let until = now + policy.lock_for;
            self.locked_until = Some(until);
            self.failed_attempts = 0;
            return Reservation::LockedNow { until };
        }
        self.failed_attempts += 1;
        Reservation::Granted
    }

    /// Settles a granted reservation whose password check failed: the failure is already
    /// counted; the one that reaches `max_failures` locks the account. Failures while locked
    /// (a parallel attempt locked it) neither count nor extend the lock.
    pub fn settle_failure(&mut self, now: DateTime<Utc>, policy: LockoutPolicy) -> FailureOutcome {
        if let Some(until) = self.locked_at(now) {
            return FailureOutcome::AlreadyLocked { until };
        }
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

    /// Counts one failed password check in a single step (reserve, then settle).
    pub fn record_failure(&mut self, now: DateTime<Utc>, policy: LockoutPolicy) -> FailureOutcome {
        match self.reserve_attempt(now, policy) {
            Reservation::Granted => self.settle_failure(now, policy),
            Reservation::Locked { until } => FailureOutcome::AlreadyLocked { until },
            Reservation::LockedNow { until } => FailureOutcome::LockedNow { until },
        }
    }

    /// Ends a lock at once (operator unlock, password reset).
    pub fn unlock(&mut self) {
        self.failed_attempts = 0;
        self.locked_until = None;
    }

    /// Sets a password chosen by someone other than the account's owner (a bureau's reset, an
    /// administrator's initial password): it must be changed at the next sign-in.
    pub fn set_password_by_other(&mut self, hash: PasswordHash) {
        self.password_hash = hash;
        self.must_change_password = true;
    }

    /// Sets a password the owner chose (change with the current one, SMS recovery): the
    /// obligation to change it ends.
    pub fn set_password_by_owner(&mut self, hash: PasswordHash) {
        self.password_hash = hash;
        self.must_change_password = false;
    }

    /// `Err` while the password set by someone else has not been changed: only changing it,
    /// asking who one is and signing out are allowed.
    ///
    /// # Errors
    /// [`PasswordChangeRequired`].
    pub fn password_change_required(&self) -> Result<(), PasswordChangeRequired> {
        if self.must_change_password {
            Err(PasswordChangeRequired)
        } else {
            Ok(())
        }
    }

    /// A successful login resets the count.
    pub fn record_success(&mut self) {
        self.failed_attempts = 0;
        self.locked_until = None;
    }

    /// Whether this account administers its organisation's staff accounts (the first staff
    /// account of an organisation, not a named operator, not disabled).
    pub fn manages_staff(&self) -> bool {
        self.org_id.is_some() && self.person_id.is_none() && !self.operator && !self.disabled
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

/// How long sessions live: ended after `idle` without a request, and at the latest
/// `absolute` after sign-in (default 30 minutes and 12 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// How often a session's `last_seen_at` is written (at most once a minute).
pub const SESSION_TOUCH_EVERY_SECONDS: i64 = 60;

/// A signed-in session, stored by token hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token_hash: String,
    pub account_id: AccountId,
    pub created_at: DateTime<Utc>,
    /// The absolute end: `created_at + policy.absolute`.
    pub expires_at: DateTime<Utc>,
    /// The last request seen (written at most once a minute).
    pub last_seen_at: DateTime<Utc>,
}

impl Session {
    /// A session opened at `now`.
    pub fn open(
        token_hash: String,
        account_id: AccountId,
        now: DateTime<Utc>,
        policy: SessionPolicy,
    ) -> Self {
        Session {
            token_hash,
            account_id,
            created_at: now,
            expires_at: now + policy.absolute,
            last_seen_at: now,
        }
    }

    /// Alive at `now`: before its absolute end and not idle for `policy.idle`.
    pub fn is_valid_at(&self, now: DateTime<Utc>, policy: SessionPolicy) -> bool {
        now < self.expires_at && now < self.last_seen_at + policy.idle
    }

    /// Whether `last_seen_at` is old enough to be written again.
    pub fn needs_touch(&self, now: DateTime<Utc>) -> bool {
        now - self.last_seen_at >= Duration::seconds(SESSION_TOUCH_EVERY_SECONDS)
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
            display_name: None,
            mobile: None,
            operator: false,
            disabled: false,
            must_change_password: false,
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
    fn parallel_reservations_grant_at_most_max_failures_checks() {
        let p = LockoutPolicy::default();
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let mut a = account();
        let granted = (0..20)
            .map(|_| a.reserve_attempt(t0, p))
            .filter(|r| *r == Reservation::Granted)
            .count();
        assert_eq!(granted, 5);
        let until = t0 + Duration::minutes(15);
        assert_eq!(a.locked_until, Some(until));
        // The five running checks fail afterwards: nothing more is counted or extended.
        let later = t0 + Duration::seconds(3);
        for _ in 0..5 {
            assert_eq!(
                a.settle_failure(later, p),
                FailureOutcome::AlreadyLocked { until }
            );
        }
        assert_eq!(a.locked_until, Some(until));
    }

    #[test]
    fn a_reserved_attempt_that_succeeds_resets_the_count() {
        let p = LockoutPolicy::default();
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let mut a = account();
        for _ in 0..4 {
            a.record_failure(t0, p);
        }
        assert_eq!(a.reserve_attempt(t0, p), Reservation::Granted);
        a.record_success();
        assert_eq!(a.failed_attempts, 0);
        assert_eq!(a.locked_until, None);
    }

    #[test]
    fn thresholds_are_configurable() {
        let p = LockoutPolicy {
            max_failures: 3,
            lock_for: Duration::minutes(30),
        };
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let mut a = account();
        a.record_failure(t0, p);
        a.record_failure(t0, p);
        assert_eq!(
            a.record_failure(t0, p),
            FailureOutcome::LockedNow {
                until: t0 + Duration::minutes(30)
            }
        );
    }

    #[test]
    fn sessions_end_when_idle_or_at_their_absolute_end() {
        let p = SessionPolicy::default();
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let mut s = Session::open("h".into(), AccountId(uuid::Uuid::nil()), t0, p);
        assert!(s.is_valid_at(t0 + Duration::minutes(29), p));
        assert!(!s.is_valid_at(t0 + Duration::minutes(30), p));
        assert!(!s.needs_touch(t0 + Duration::seconds(59)));
        assert!(s.needs_touch(t0 + Duration::seconds(60)));
        s.last_seen_at = t0 + Duration::hours(12) - Duration::minutes(1);
        assert!(s.is_valid_at(t0 + Duration::hours(12) - Duration::seconds(1), p));
        assert!(!s.is_valid_at(t0 + Duration::hours(12), p));
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
    fn a_password_set_by_someone_else_must_be_changed() {
        let mut a = account();
        assert_eq!(a.password_change_required(), Ok(()));
        a.set_password_by_other(PasswordHash("one-time".into()));
        assert_eq!(a.password_change_required(), Err(PasswordChangeRequired));
        a.set_password_by_owner(PasswordHash("own".into()));
        assert_eq!(a.password_change_required(), Ok(()));
        assert_eq!(a.password_hash, PasswordHash("own".into()));
    }

    #[test]
    fn only_the_token_hash_is_kept() {
        let t = SessionToken::from_random([7; 32]);
        assert_eq!(t.expose().len(), 64);
        assert_ne!(t.hash(), t.expose());
        assert_eq!(SessionToken::presented(t.expose()).hash(), t.hash());
    }
}
