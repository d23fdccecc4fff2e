//! What identity needs from storage and from the password hasher.
//!
//! Every method is one transaction. Writes carry the audit event to store with them.
//! `update_*` methods load the row inside the transaction, hand it to the pure closure, and write
//! it back guarded by its `version`: a concurrent change makes the call fail with
//! [`StoreError::Conflict`] and nothing is written.

use std::future::Future;

use chrono::{DateTime, Utc};

use zhicheng_kernel::{AccountId, AuditEvent, OrgId, PersonId, StoreError, TxError};

use crate::correction::{CorrectionStatus, NameCorrection};
use crate::recovery::{RecoveryCode, RecoveryCodeText, SmsMessage};
use crate::{
    Account, Captcha, CaptchaChallenge, LoginName, OrgKind, OrgName, Organisation, Password,
    PasswordHash, Person, Session, Uscc,
};

/// Storage of persons, organisations, accounts and sessions.
pub trait IdentityRepo: Send + Sync {
    /// Inserts a person and their account.
    ///
    /// # Errors
    /// `StoreError::Duplicate("id_number")` when the ID number is registered,
    /// `StoreError::Duplicate("username")` when the username is taken.
    fn register_person(
        &self,
        person: &Person,
        account: &Account,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Inserts an organisation and its first staff account.
    ///
    /// # Errors
    /// `StoreError::Duplicate("username")` when the username is taken.
    fn create_org(
        &self,
        org: &Organisation,
        admin: &Account,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn get_person(
        &self,
        id: PersonId,
    ) -> impl Future<Output = Result<Option<Person>, StoreError>> + Send;

    fn get_org(
        &self,
        id: OrgId,
    ) -> impl Future<Output = Result<Option<Organisation>, StoreError>> + Send;

    /// Organisations with this credit code.
    fn find_orgs_by_uscc(
        &self,
        uscc: &Uscc,
    ) -> impl Future<Output = Result<Vec<Organisation>, StoreError>> + Send;

    /// Organisations whose normalised name ([`OrgName::normalised`]) equals this one's.
    fn find_orgs_by_name(
        &self,
        name: &OrgName,
    ) -> impl Future<Output = Result<Vec<Organisation>, StoreError>> + Send;

    /// Organisations of one kind (all when `None`), ordered by name.
    fn list_orgs(
        &self,
        kind: Option<OrgKind>,
    ) -> impl Future<Output = Result<Vec<Organisation>, StoreError>> + Send;

    /// Read-check-write of one organisation.
    fn update_org<T, E, F>(
        &self,
        id: OrgId,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Organisation) -> Result<(T, AuditEvent), E> + Send;

    /// The account a person logs in with by username or ID number.
    fn find_account_by_login(
        &self,
        login: &LoginName,
    ) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;

    fn get_account(
        &self,
        id: AccountId,
    ) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;

    /// Read-check-write of one account (lockout counting, password change).
    fn update_account<T, E, F>(
        &self,
        id: AccountId,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Account) -> Result<(T, AuditEvent), E> + Send;

    fn create_session(
        &self,
        session: &Session,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The session with this token hash and its account, whether or not it has expired.
    fn find_session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<(Session, Account)>, StoreError>> + Send;

    fn delete_session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records that the session was used at `at`.
    fn touch_session(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Ends every session of an account except the one with hash `keep` (if given).
    /// Returns how many ended.
    fn delete_sessions_of(
        &self,
        account: AccountId,
        keep: Option<&str>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Stores a new captcha challenge (only the hash of its answer).
    fn create_captcha(
        &self,
        captcha: &Captcha,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Consumes a captcha for checking, in one atomic step: marks it used and returns it with
    /// whether it was still unused before this call (exactly one caller ever sees `true`).
    /// `None` when there is no such challenge.
    fn take_captcha(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Option<(Captcha, bool)>, StoreError>> + Send;

    /// Failed logins from one client address in the window starting at `window_start`.
    fn login_failures_from(
        &self,
        client: &str,
        window_start: DateTime<Utc>,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// Atomically adds one failed login from `client` to the window starting at
    /// `window_start`, and forgets earlier windows.
    fn add_login_failure_from(
        &self,
        client: &str,
        window_start: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The recovery challenge with this id.
    fn get_recovery(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Option<RecoveryCode>, StoreError>> + Send;

    /// One try of a recovery code: loads the challenge, hands it to `f` (which counts the try
    /// and may mark it used) and writes it back with the audit row, guarded by its previous
    /// tries and used flag (a concurrent try makes the call fail with `Conflict`).
    /// `Ok(None)` when there is no such challenge.
    fn try_recovery<T, F>(
        &self,
        id: uuid::Uuid,
        f: F,
    ) -> impl Future<Output = Result<Option<T>, StoreError>> + Send
    where
        T: Send,
        F: FnOnce(&mut RecoveryCode) -> (T, AuditEvent) + Send;

    /// Atomically adds one to the counter `key` in the window starting at `window_start`
    /// (forgetting that key's earlier windows) and returns the new count.
    fn bump_counter(
        &self,
        key: &str,
        window_start: DateTime<Utc>,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// The person with this ID number.
    fn find_person_by_id_number(
        &self,
        id_number: &crate::IdCardNumber,
    ) -> impl Future<Output = Result<Option<Person>, StoreError>> + Send;

    /// Read-check-write of one person.
    fn update_person<T, E, F>(
        &self,
        id: PersonId,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Person) -> Result<(T, AuditEvent), E> + Send;

    /// Number of accounts (an empty installation has none).
    fn count_accounts(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Inserts a staff account of an existing organisation (a named operator).
    ///
    /// # Errors
    /// `StoreError::Duplicate("username")` when the username is taken.
    fn create_account(
        &self,
        account: &Account,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The staff accounts of an organisation, oldest first (its administrator comes first).
    fn list_accounts_of_org(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<Vec<Account>, StoreError>> + Send;

    /// Read-check-write of one account that, when the closure succeeds, also ends every
    /// session of the account — in the same transaction (disable, password reset by a bureau).
    fn update_account_ending_sessions<T, E, F>(
        &self,
        id: AccountId,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Account) -> Result<(T, AuditEvent), E> + Send;

    /// Appends an audit row that goes with no state change (a refused captcha, a throttled
    /// attempt, a recovery request that matched nothing).
    fn append_audit(
        &self,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Redeems a recovery code in ONE transaction: loads the challenge and its account, hands
    /// both to `f` (which counts the try, may mark the code used and may change the account),
    /// writes the challenge back guarded by its previous tries and used flag, and — when
    /// `f` says the account changed — writes the account guarded by its version and ends every
    /// session of it; then appends the audit rows and commits. A concurrent try or account
    /// change makes the call fail with `Conflict` and nothing is written.
    /// `Ok(None)` when there is no such challenge.
    fn redeem_recovery<T, F>(
        &self,
        id: uuid::Uuid,
        f: F,
    ) -> impl Future<Output = Result<Option<T>, StoreError>> + Send
    where
        T: Send,
        F: FnOnce(&mut RecoveryCode, &mut Account) -> Redeemed<T> + Send;

    /// Stores a new name correction request.
    ///
    /// # Errors
    /// `StoreError::Duplicate("name_correction_pending")` when the person already has a
    /// pending request.
    fn create_name_correction(
        &self,
        c: &NameCorrection,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn get_name_correction(
        &self,
        id: uuid::Uuid,
    ) -> impl Future<Output = Result<Option<NameCorrection>, StoreError>> + Send;

    /// Requests of one person (all when `None`) in one status (all when `None`), newest first.
    fn list_name_corrections(
        &self,
        person: Option<PersonId>,
        status: Option<CorrectionStatus>,
    ) -> impl Future<Output = Result<Vec<NameCorrection>, StoreError>> + Send;

    /// Decides a request in ONE transaction: loads the request and its person, hands both to
    /// `f`, writes both guarded by their versions and appends the audit rows.
    fn decide_name_correction<T, E, F>(
        &self,
        id: uuid::Uuid,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut NameCorrection, &mut Person) -> Result<(T, Vec<AuditEvent>), E> + Send;
}

/// What a recovery-code redemption closure decided.
#[derive(Debug)]
pub struct Redeemed<T> {
    pub out: T,
    /// Rows to append (at least the try itself).
    pub audit: Vec<AuditEvent>,
    /// The account was changed (password set, lock cleared): write it and end its sessions.
    pub account_changed: bool,
}

/// Hashes and verifies passwords. Adapters run the work off their async workers and supply the
/// random salt; the algorithm itself is [`crate::password`].
pub trait PasswordHasher: Send + Sync {
    fn hash(&self, password: Password) -> impl Future<Output = PasswordHash> + Send;
    fn verify(&self, candidate: String, hash: PasswordHash) -> impl Future<Output = bool> + Send;
}

/// Draws captcha challenges. The runtime adapter picks random characters from the OS random
/// source; a deterministic one exists for tests and development.
pub trait CaptchaGenerator: Send + Sync {
    /// A new challenge, or `None` when no randomness is available.
    fn generate(&self) -> Option<CaptchaChallenge>;
}

/// Sends text messages. The default adapter queues them in an outbox table read by operators
/// (`zhicheng sms outbox`) and logs each one without its parameters; it also draws the codes.
pub trait SmsGateway: Send + Sync {
    /// A random 6-digit code from a CSPRNG, or `None` when no randomness is available.
    fn new_code(&self) -> Option<RecoveryCodeText>;

    /// Sends `message` and records `audit`. A `challenge` sent with it is stored in the same
    /// transaction, so no code goes out for a challenge that was not stored, and vice versa.
    fn send(
        &self,
        message: &SmsMessage,
        challenge: Option<&RecoveryCode>,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
