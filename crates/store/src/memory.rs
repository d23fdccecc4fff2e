//! [`MemoryStore`]: every domain port in process memory, with the semantics of the database
//! store (same `Duplicate` keys, version guard, `NotFound`, audit trail and list orders).
//! The fake of the contract tests and of fast service tests. Writes are serialised by one
//! mutex, so a concurrent update always observes the one before it.

mod attachment;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use zhicheng_approval_path::PathLink;
use zhicheng_approval_path::ports::PathRepo;
use zhicheng_certificate::ports::CertificateRepo;
use zhicheng_certificate::{Certificate, CertificateNumber};
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::{CommitmentAcceptance, Declaration, ReviewPlan};
use zhicheng_identity::correction::{CorrectionStatus, NameCorrection};
use zhicheng_identity::ports::{IdentityRepo, Redeemed};
use zhicheng_identity::{
    Account, Captcha, LoginName, OrgKind, OrgName, Organisation, Person, Session, Uscc,
};
use zhicheng_kernel::{
    AccountId, AuditEvent, CaseId, DeclarationId, OrgId, PathLinkId, PersonId, PlanId, SeriesCode,
    StoreError, TitleLevel, TxError,
};
use zhicheng_review_workflow::ports::{
    BatchError, BatchOutcome, CaseFilter, CaseRow, IdempotencyKey, ReviewRepo,
};
use zhicheng_review_workflow::queue::{CaseCursor, CasePage, PageRequest, StatusCount};
use zhicheng_review_workflow::{CaseHop, CaseStatus, ReviewCase};

#[derive(Default)]
struct State {
    persons: BTreeMap<Uuid, Person>,
    orgs: BTreeMap<Uuid, Organisation>,
    accounts: BTreeMap<Uuid, Account>,
    sessions: HashMap<String, Session>,
    captchas: HashMap<Uuid, Captcha>,
    throttle: HashMap<(String, DateTime<Utc>), u32>,
    recovery: HashMap<Uuid, zhicheng_identity::recovery::RecoveryCode>,
    counters: HashMap<(String, DateTime<Utc>), u32>,
    outbox: Vec<crate::OutboxEntry>,
    plans: BTreeMap<Uuid, ReviewPlan>,
    /// Published commitment letters, oldest first.
    letters: Vec<zhicheng_declaration::CommitmentLetter>,
    /// Imported catalog versions, oldest first.
    catalogs: Vec<Arc<zhicheng_declaration::Catalog>>,
    commitments: HashMap<(Uuid, String), CommitmentAcceptance>,
    declarations: BTreeMap<Uuid, Declaration>,
    /// Frozen declaration versions, in write order.
    versions: Vec<zhicheng_declaration::DeclarationVersion>,
    links: BTreeMap<Uuid, PathLink>,
    cases: BTreeMap<Uuid, ReviewCase>,
    /// Certificate with its (year, sequence).
    certificates: BTreeMap<Uuid, (Certificate, String, u64)>,
    settings: HashMap<String, String>,
    audit: Vec<AuditEvent>,
    attachments: BTreeMap<Uuid, zhicheng_declaration::Attachment>,
    corrections: BTreeMap<Uuid, NameCorrection>,
    /// Case history, in write order.
    hops: Vec<CaseHop>,
    /// Idempotency key → (request hash, JSON result).
    idempotency: HashMap<String, (String, String)>,
}

/// A versioned aggregate kept in one map of the state, with the unique keys the database
/// enforces on it.
trait Row: Clone + Send {
    fn id(&self) -> Uuid;
    fn version(&mut self) -> &mut i64;
    fn table(st: &mut State) -> &mut BTreeMap<Uuid, Self>;
    /// The unique key `v` would break among the other rows, as the database reports it.
    fn clash(_st: &State, _v: &Self) -> Option<&'static str> {
        None
    }
    /// Moves rows that belong with this one (a case's new hops) into their tables.
    fn spill(&mut self, _st: &mut State) {}
}

impl Row for Person {
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn version(&mut self) -> &mut i64 {
        &mut self.version
    }
    fn table(st: &mut State) -> &mut BTreeMap<Uuid, Self> {
        &mut st.persons
    }
    fn clash(st: &State, v: &Self) -> Option<&'static str> {
        st.persons
            .values()
            .any(|p| p.id != v.id && p.id_number == v.id_number)
            .then_some("id_number")
    }
}

impl Row for Organisation {
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn version(&mut self) -> &mut i64 {
        &mut self.version
    }
    fn table(st: &mut State) -> &mut BTreeMap<Uuid, Self> {
        &mut st.orgs
    }
}

impl Row for Account {
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn version(&mut self) -> &mut i64 {
        &mut self.version
    }
    fn table(st: &mut State) -> &mut BTreeMap<Uuid, Self> {
        &mut st.accounts
    }
    fn clash(st: &State, v: &Self) -> Option<&'static str> {
        st.accounts
            .values()
            .any(|a| a.id != v.id && a.username == v.username)
            .then_some("username")
    }
}

impl Row for NameCorrection {
    fn id(&self) -> Uuid {
        self.id
    }
    fn version(&mut self) -> &mut i64 {
        &mut self.version
    }
    fn table(st: &mut State) -> &mut BTreeMap<Uuid, Self> {
        &mut st.corrections
    }
    fn clash(st: &State, v: &Self) -> Option<&'static str> {
        let pending = |c: &NameCorrection| c.status == CorrectionStatus::Pending;
        (pending(v)
            && st
                .corrections
                .values()
                .any(|c| c.id != v.id && c.person_id == v.person_id && pending(c)))
        .then_some("name_correction_pending")
    }
}

impl Row for ReviewPlan {
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn version(&mut self) -> &mut i64 {
        &mut self.version
    }
    fn table(st: &mut State) -> &mut BTreeMap<Uuid, Self> {
        &mut st.plans
    }
}

impl Row for Declaration {
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn version(&mut self) -> &mut i64 {
        &mut self.version
    }
    fn table(st: &mut State) -> &mut BTreeMap<Uuid, Self> {
        &mut st.declarations
    }
    fn clash(st: &State, v: &Self) -> Option<&'static str> {
        st.declarations
            .values()
            .any(|d| d.id != v.id && d.person_id == v.person_id && d.year == v.year)
            .then_some("person_year")
    }
    fn spill(&mut self, st: &mut State) {
        st.versions.extend(self.take_new_version());
    }
}

impl Row for PathLink {
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn version(&mut self) -> &mut i64 {
        &mut self.version
    }
    fn table(st: &mut State) -> &mut BTreeMap<Uuid, Self> {
        &mut st.links
    }
    fn clash(st: &State, v: &Self) -> Option<&'static str> {
        let live = |l: &PathLink| l.status.is_live();
        (live(v)
            && st.links.values().any(|l| {
                l.id != v.id
                    && live(l)
                    && l.org_id == v.org_id
                    && l.series == v.series
                    && l.level == v.level
            }))
        .then_some("path_link")
    }
}

impl Row for ReviewCase {
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn version(&mut self) -> &mut i64 {
        &mut self.version
    }
    fn table(st: &mut State) -> &mut BTreeMap<Uuid, Self> {
        &mut st.cases
    }
    fn clash(st: &State, v: &Self) -> Option<&'static str> {
        st.cases
            .values()
            .any(|c| c.id != v.id && c.declaration_id == v.declaration_id)
            .then_some("case_declaration")
    }
    fn spill(&mut self, st: &mut State) {
        st.hops.extend(self.take_hops());
    }
}

impl State {
    /// A case with the names and submission time a list shows.
    fn case_row(&self, case: &ReviewCase) -> CaseRow {
        let declaration = self.declarations.get(&case.declaration_id.0);
        CaseRow {
            applicant_name: self
                .persons
                .get(&case.person_id.0)
                .map(|p| p.name.as_str().to_owned())
                .unwrap_or_default(),
            specialty: declaration.map(|d| d.specialty.clone()).unwrap_or_default(),
            kind: declaration.map(|d| d.kind).unwrap_or_default(),
            unit_name: self
                .orgs
                .get(&case.unit_id.0)
                .map(|o| o.name.as_str().to_owned())
                .unwrap_or_default(),
            submitted_at: declaration.and_then(|d| d.submitted_at),
            case: case.clone(),
        }
    }

    /// Whether a new row may be inserted: its primary and unique keys are free.
    fn check<R: Row>(&mut self, v: &R) -> Result<(), StoreError> {
        if R::table(self).contains_key(&v.id()) {
            return Err(StoreError::Duplicate("id".into()));
        }
        match R::clash(self, v) {
            Some(key) => Err(StoreError::Duplicate(key.into())),
            None => Ok(()),
        }
    }

    fn put<R: Row>(&mut self, v: &R) {
        R::table(self).insert(v.id(), v.clone());
    }

    /// Inserts one new row with its audit event.
    fn insert<R: Row>(&mut self, v: &R, audit: &AuditEvent) -> Result<(), StoreError> {
        self.check(v)?;
        self.put(v);
        self.audit.push(audit.clone());
        Ok(())
    }

    /// Loads a copy of the row (or `NotFound`) with its stored version.
    fn load<R: Row>(&mut self, id: Uuid) -> Result<(R, i64), StoreError> {
        let mut v = R::table(self)
            .get(&id)
            .cloned()
            .ok_or(StoreError::NotFound)?;
        let version = *v.version();
        // Hand out the version the row will have once written, as the SQL store does.
        *v.version() = version + 1;
        Ok((v, version))
    }

    /// Writes back a loaded row with the next version, checking unique keys like the database.
    fn write<R: Row>(&mut self, id: Uuid, mut v: R, loaded: i64) -> Result<(), StoreError> {
        let current = R::table(self).get_mut(&id).map(|r| *r.version());
        if current != Some(loaded) {
            return Err(StoreError::Conflict);
        }
        if let Some(key) = R::clash(self, &v) {
            return Err(StoreError::Duplicate(key.into()));
        }
        *v.version() = loaded + 1;
        v.spill(self);
        R::table(self).insert(id, v);
        Ok(())
    }

    /// Load → closure → guarded write → audit, all under the lock.
    fn update<R: Row, T, E>(
        &mut self,
        id: Uuid,
        f: impl FnOnce(&mut R) -> Result<(T, AuditEvent), E>,
    ) -> Result<T, TxError<E>> {
        let (mut v, loaded) = self.load::<R>(id)?;
        let (out, audit) = f(&mut v).map_err(TxError::Rejected)?;
        self.write(id, v, loaded)?;
        self.audit.push(audit);
        Ok(out)
    }

    /// Rows matching `keep`, sorted by `key`.
    fn list<R: Row, K: Ord>(&mut self, keep: impl Fn(&R) -> bool, key: impl Fn(&R) -> K) -> Vec<R> {
        let mut v: Vec<R> = R::table(self)
            .values()
            .filter(|r| keep(r))
            .cloned()
            .collect();
        v.sort_by_key(|r| key(r));
        v
    }
}

/// The in-memory store. Clones share the same state.
#[derive(Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryStore")
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Always `"memory"`.
    pub fn backend_name(&self) -> &'static str {
        "memory"
    }

    /// Whether no organisation, person, account or plan exists yet.
    ///
    /// # Errors
    /// Never.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let st = self.lock();
        Ok(st.orgs.is_empty()
            && st.persons.is_empty()
            && st.accounts.is_empty()
            && st.plans.is_empty())
    }

    /// The audit trail of one object, oldest first.
    ///
    /// # Errors
    /// Never.
    pub async fn audit_events(&self, object_id: Uuid) -> Result<Vec<AuditEvent>, StoreError> {
        let mut v: Vec<AuditEvent> = self
            .lock()
            .audit
            .iter()
            .filter(|a| a.object_id == object_id)
            .cloned()
            .collect();
        v.sort_by_key(|a| a.at); // stable: insertion order breaks ties, like the serial id
        Ok(v)
    }
}

impl IdentityRepo for MemoryStore {
    async fn register_person(
        &self,
        person: &Person,
        account: &Account,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut st = self.lock();
        st.check(person)?;
        st.check(account)?;
        st.put(person);
        st.put(account);
        st.audit.push(audit.clone());
        Ok(())
    }

    async fn create_org(
        &self,
        org: &Organisation,
        admin: &Account,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut st = self.lock();
        st.check(org)?;
        st.check(admin)?;
        st.put(org);
        st.put(admin);
        st.audit.push(audit.clone());
        Ok(())
    }

    async fn get_person(&self, id: PersonId) -> Result<Option<Person>, StoreError> {
        Ok(self.lock().persons.get(&id.0).cloned())
    }

    async fn get_org(&self, id: OrgId) -> Result<Option<Organisation>, StoreError> {
        Ok(self.lock().orgs.get(&id.0).cloned())
    }

    async fn find_orgs_by_uscc(&self, uscc: &Uscc) -> Result<Vec<Organisation>, StoreError> {
        Ok(self
            .lock()
            .list(|o: &Organisation| o.uscc.as_ref() == Some(uscc), by_name))
    }

    async fn find_orgs_by_name(&self, name: &OrgName) -> Result<Vec<Organisation>, StoreError> {
        let key = name.normalised();
        Ok(self
            .lock()
            .list(|o: &Organisation| o.name.normalised() == key, by_name))
    }

    async fn list_orgs(&self, kind: Option<OrgKind>) -> Result<Vec<Organisation>, StoreError> {
        Ok(self
            .lock()
            .list(|o: &Organisation| kind.is_none_or(|k| o.kind == k), by_name))
    }

    async fn update_org<T, E, F>(&self, id: OrgId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Organisation) -> Result<(T, AuditEvent), E> + Send,
    {
        self.lock().update(id.0, f)
    }

    async fn find_account_by_login(
        &self,
        login: &LoginName,
    ) -> Result<Option<Account>, StoreError> {
        let mut st = self.lock();
        Ok(match login {
            LoginName::Username(u) => st.accounts.values().find(|a| &a.username == u).cloned(),
            LoginName::IdNumber(n) => {
                let person = st
                    .persons
                    .values()
                    .find(|p| &p.id_number == n)
                    .map(|p| p.id);
                person.and_then(|p| {
                    st.list(
                        |a: &Account| a.person_id == Some(p),
                        |a| (a.created_at, a.id),
                    )
                    .into_iter()
                    .next()
                })
            }
        })
    }

    async fn get_account(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().accounts.get(&id.0).cloned())
    }

    async fn update_account<T, E, F>(&self, id: AccountId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Account) -> Result<(T, AuditEvent), E> + Send,
    {
        self.lock().update(id.0, f)
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let mut st = self.lock();
        if st.sessions.contains_key(&session.token_hash) {
            return Err(StoreError::Duplicate("id".into()));
        }
        if !st.accounts.contains_key(&session.account_id.0) {
            return Err(StoreError::Unavailable(
                "foreign key: no such account".into(),
            ));
        }
        st.sessions
            .insert(session.token_hash.clone(), session.clone());
        Ok(())
    }

    async fn find_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Session, Account)>, StoreError> {
        let st = self.lock();
        Ok(st.sessions.get(token_hash).and_then(|s| {
            st.accounts
                .get(&s.account_id.0)
                .map(|a| (s.clone(), a.clone()))
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.lock().sessions.remove(token_hash);
        Ok(())
    }

    async fn create_captcha(&self, c: &Captcha) -> Result<(), StoreError> {
        let mut st = self.lock();
        st.captchas.retain(|_, old| old.expires_at >= c.created_at);
        if st.captchas.contains_key(&c.id) {
            return Err(StoreError::Duplicate("captchas.id".into()));
        }
        st.captchas.insert(c.id, c.clone());
        Ok(())
    }

    async fn take_captcha(&self, id: Uuid) -> Result<Option<(Captcha, bool)>, StoreError> {
        let mut st = self.lock();
        Ok(st.captchas.get_mut(&id).map(|c| {
            let was_unused = !c.used;
            c.used = true;
            (c.clone(), was_unused)
        }))
    }

    async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        if let Some(s) = self.lock().sessions.get_mut(token_hash) {
            s.last_seen_at = at;
        }
        Ok(())
    }

    async fn delete_sessions_of(
        &self,
        account: AccountId,
        keep: Option<&str>,
    ) -> Result<u64, StoreError> {
        let mut st = self.lock();
        let before = st.sessions.len();
        st.sessions
            .retain(|h, s| s.account_id != account || Some(h.as_str()) == keep);
        Ok((before - st.sessions.len()) as u64)
    }

    async fn login_failures_from(
        &self,
        client: &str,
        window_start: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        Ok(self
            .lock()
            .throttle
            .get(&(client.to_owned(), window_start))
            .copied()
            .unwrap_or(0))
    }

    async fn add_login_failure_from(
        &self,
        client: &str,
        window_start: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut st = self.lock();
        st.throttle.retain(|(_, w), _| *w >= window_start);
        *st.throttle
            .entry((client.to_owned(), window_start))
            .or_insert(0) += 1;
        Ok(())
    }

    async fn count_accounts(&self) -> Result<u64, StoreError> {
        Ok(self.lock().accounts.len() as u64)
    }

    async fn get_recovery(
        &self,
        id: Uuid,
    ) -> Result<Option<zhicheng_identity::recovery::RecoveryCode>, StoreError> {
        Ok(self.lock().recovery.get(&id).cloned())
    }

    async fn try_recovery<T, F>(&self, id: Uuid, f: F) -> Result<Option<T>, StoreError>
    where
        T: Send,
        F: FnOnce(&mut zhicheng_identity::recovery::RecoveryCode) -> (T, AuditEvent) + Send,
    {
        let mut st = self.lock();
        let Some(code) = st.recovery.get_mut(&id) else {
            return Ok(None);
        };
        let (out, audit) = f(code);
        st.audit.push(audit);
        Ok(Some(out))
    }

    async fn bump_counter(
        &self,
        key: &str,
        window_start: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let mut st = self.lock();
        st.counters
            .retain(|(k, w), _| k != key || *w >= window_start);
        let n = st
            .counters
            .entry((key.to_owned(), window_start))
            .or_insert(0);
        *n += 1;
        Ok(*n)
    }

    async fn find_person_by_id_number(
        &self,
        id_number: &zhicheng_identity::IdCardNumber,
    ) -> Result<Option<Person>, StoreError> {
        Ok(self
            .lock()
            .persons
            .values()
            .find(|p| &p.id_number == id_number)
            .cloned())
    }

    async fn update_person<T, E, F>(&self, id: PersonId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Person) -> Result<(T, AuditEvent), E> + Send,
    {
        self.lock().update(id.0, f)
    }

    async fn create_account(
        &self,
        account: &Account,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut st = self.lock();
        if let Some(org) = account.org_id
            && !st.orgs.contains_key(&org.0)
        {
            return Err(StoreError::Unavailable(
                "foreign key: no such organisation".into(),
            ));
        }
        st.insert(account, audit)
    }

    async fn list_accounts_of_org(&self, org: OrgId) -> Result<Vec<Account>, StoreError> {
        Ok(self.lock().list(
            |a: &Account| a.org_id == Some(org),
            |a| (a.created_at, a.id),
        ))
    }

    async fn update_account_ending_sessions<T, E, F>(
        &self,
        id: AccountId,
        f: F,
    ) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Account) -> Result<(T, AuditEvent), E> + Send,
    {
        let mut st = self.lock();
        let out = st.update(id.0, f)?;
        st.sessions.retain(|_, s| s.account_id != id);
        Ok(out)
    }

    async fn append_audit(&self, audit: &AuditEvent) -> Result<(), StoreError> {
        self.lock().audit.push(audit.clone());
        Ok(())
    }

    async fn redeem_recovery<T, F>(&self, id: Uuid, f: F) -> Result<Option<T>, StoreError>
    where
        T: Send,
        F: FnOnce(&mut zhicheng_identity::recovery::RecoveryCode, &mut Account) -> Redeemed<T>
            + Send,
    {
        let mut st = self.lock();
        let Some(mut code) = st.recovery.get(&id).cloned() else {
            return Ok(None);
        };
        let (mut account, loaded) = st.load::<Account>(code.account_id.0)?;
        let r = f(&mut code, &mut account);
        if r.account_changed {
            let account_id = account.id;
            st.write(account_id.0, account, loaded)?;
            st.sessions.retain(|_, s| s.account_id != account_id);
        }
        st.recovery.insert(id, code);
        st.audit.extend(r.audit);
        Ok(Some(r.out))
    }

    async fn create_name_correction(
        &self,
        c: &NameCorrection,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut st = self.lock();
        if !st.persons.contains_key(&c.person_id.0) || !st.orgs.contains_key(&c.unit_id.0) {
            return Err(StoreError::Unavailable(
                "foreign key: no such person or unit".into(),
            ));
        }
        st.insert(c, audit)
    }

    async fn get_name_correction(&self, id: Uuid) -> Result<Option<NameCorrection>, StoreError> {
        Ok(self.lock().corrections.get(&id).cloned())
    }

    async fn list_name_corrections(
        &self,
        person: Option<PersonId>,
        status: Option<CorrectionStatus>,
    ) -> Result<Vec<NameCorrection>, StoreError> {
        Ok(self.lock().list(
            |c: &NameCorrection| {
                person.is_none_or(|p| c.person_id == p) && status.is_none_or(|s| c.status == s)
            },
            |c| std::cmp::Reverse((c.created_at, c.id)),
        ))
    }

    async fn decide_name_correction<T, E, F>(&self, id: Uuid, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut NameCorrection, &mut Person) -> Result<(T, Vec<AuditEvent>), E> + Send,
    {
        let mut st = self.lock();
        let (mut c, c_loaded) = st.load::<NameCorrection>(id)?;
        let (mut p, p_loaded) = st.load::<Person>(c.person_id.0)?;
        let (out, audit) = f(&mut c, &mut p).map_err(TxError::Rejected)?;
        // Check both guards before writing either, as one transaction would.
        let current = st.persons.get(&p.id.0).map(|x| x.version);
        if current != Some(p_loaded) {
            return Err(TxError::Store(StoreError::Conflict));
        }
        st.write(id, c, c_loaded)?;
        let pid = p.id.0;
        st.write(pid, p, p_loaded)?;
        st.audit.extend(audit);
        Ok(out)
    }
}

impl MemoryStore {
    /// The newest `limit` messages of the SMS outbox, newest first.
    ///
    /// # Errors
    /// Never.
    pub async fn sms_outbox(&self, limit: u64) -> Result<Vec<crate::OutboxEntry>, StoreError> {
        let st = self.lock();
        Ok(st
            .outbox
            .iter()
            .rev()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }
}

impl zhicheng_identity::ports::SmsGateway for MemoryStore {
    fn new_code(&self) -> Option<zhicheng_identity::recovery::RecoveryCodeText> {
        crate::runtime::random_digits(6)
            .ok()
            .and_then(|d| zhicheng_identity::recovery::RecoveryCodeText::parse(&d))
    }

    async fn send(
        &self,
        message: &zhicheng_identity::recovery::SmsMessage,
        challenge: Option<&zhicheng_identity::recovery::RecoveryCode>,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut st = self.lock();
        if let Some(c) = challenge {
            if st.recovery.contains_key(&c.id) {
                return Err(StoreError::Duplicate("recovery_codes.id".into()));
            }
            st.recovery.insert(c.id, c.clone());
        }
        st.outbox.push(crate::OutboxEntry {
            id: Uuid::now_v7(),
            mobile: message.mobile.as_str().to_owned(),
            template: message.template.as_str().to_owned(),
            text: message.text(),
            created_at: audit.at,
        });
        st.audit.push(audit.clone());
        Ok(())
    }
}

fn by_name(o: &Organisation) -> (String, Uuid) {
    (o.name.as_str().to_owned(), o.id.0)
}

impl DeclarationRepo for MemoryStore {
    async fn current_catalog(&self) -> Result<Arc<zhicheng_declaration::Catalog>, StoreError> {
        Ok(self
            .lock()
            .catalogs
            .last()
            .cloned()
            .unwrap_or_else(zhicheng_declaration::Catalog::builtin_shared))
    }

    async fn import_catalog<E, F>(&self, f: F) -> Result<zhicheng_declaration::Catalog, TxError<E>>
    where
        E: Send,
        F: FnOnce(
                &zhicheng_declaration::Catalog,
            ) -> Result<(zhicheng_declaration::Catalog, AuditEvent), E>
            + Send,
    {
        let mut st = self.lock();
        let current = st
            .catalogs
            .last()
            .cloned()
            .unwrap_or_else(zhicheng_declaration::Catalog::builtin_shared);
        let (next, audit) = f(&current).map_err(TxError::Rejected)?;
        if next.version <= current.version {
            return Err(TxError::Store(StoreError::Conflict));
        }
        st.catalogs.push(Arc::new(next.clone()));
        st.audit.push(audit);
        Ok(next)
    }

    async fn create_plan(&self, plan: &ReviewPlan, audit: &AuditEvent) -> Result<(), StoreError> {
        self.lock().insert(plan, audit)
    }

    async fn get_plan(&self, id: PlanId) -> Result<Option<ReviewPlan>, StoreError> {
        Ok(self.lock().plans.get(&id.0).cloned())
    }

    async fn list_plans(&self) -> Result<Vec<ReviewPlan>, StoreError> {
        Ok(self.lock().list(
            |_: &ReviewPlan| true,
            |p| std::cmp::Reverse((p.year, p.created_at, p.id)),
        ))
    }

    async fn update_plan<T, E, F>(&self, id: PlanId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut ReviewPlan) -> Result<(T, AuditEvent), E> + Send,
    {
        self.lock().update(id.0, f)
    }

    async fn current_letter(&self) -> Result<zhicheng_declaration::CommitmentLetter, StoreError> {
        Ok(self
            .lock()
            .letters
            .last()
            .cloned()
            .unwrap_or_else(zhicheng_declaration::CommitmentLetter::builtin))
    }

    async fn publish_letter<E, F>(
        &self,
        f: F,
    ) -> Result<zhicheng_declaration::CommitmentLetter, TxError<E>>
    where
        E: Send,
        F: FnOnce(
                &zhicheng_declaration::CommitmentLetter,
            ) -> Result<(zhicheng_declaration::CommitmentLetter, AuditEvent), E>
            + Send,
    {
        let mut st = self.lock();
        let current = st
            .letters
            .last()
            .cloned()
            .unwrap_or_else(zhicheng_declaration::CommitmentLetter::builtin);
        let (next, audit) = f(&current).map_err(TxError::Rejected)?;
        if next.seq <= current.seq || st.letters.iter().any(|l| l.version == next.version) {
            return Err(TxError::Store(StoreError::Conflict));
        }
        st.letters.push(next.clone());
        st.audit.push(audit);
        Ok(next)
    }

    async fn accept_commitment(
        &self,
        acceptance: &CommitmentAcceptance,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let mut st = self.lock();
        let key = (acceptance.person_id.0, acceptance.letter_version.clone());
        if let std::collections::hash_map::Entry::Vacant(slot) = st.commitments.entry(key) {
            slot.insert(acceptance.clone());
            st.audit.push(audit.clone());
        }
        Ok(())
    }

    async fn get_commitment(
        &self,
        person: PersonId,
        letter_version: &str,
    ) -> Result<Option<CommitmentAcceptance>, StoreError> {
        Ok(self
            .lock()
            .commitments
            .get(&(person.0, letter_version.to_owned()))
            .cloned())
    }

    async fn create_declaration(
        &self,
        declaration: &Declaration,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        self.lock().insert(declaration, audit)
    }

    async fn get_declaration(&self, id: DeclarationId) -> Result<Option<Declaration>, StoreError> {
        Ok(self.lock().declarations.get(&id.0).cloned())
    }

    async fn list_declarations_for_person(
        &self,
        person: PersonId,
    ) -> Result<Vec<Declaration>, StoreError> {
        Ok(self.lock().list(
            |d: &Declaration| d.person_id == person,
            |d| std::cmp::Reverse((d.created_at, d.id)),
        ))
    }

    async fn list_declarations_for_plan(
        &self,
        plan: PlanId,
    ) -> Result<Vec<Declaration>, StoreError> {
        Ok(self.lock().list(
            |d: &Declaration| d.plan_id == plan,
            |d| (d.created_at, d.id),
        ))
    }

    async fn record_read(&self, audit: &AuditEvent) -> Result<(), StoreError> {
        self.lock().audit.push(audit.clone());
        Ok(())
    }

    async fn update_declaration<T, E, F>(&self, id: DeclarationId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Declaration) -> Result<(T, AuditEvent), E> + Send,
    {
        self.lock().update(id.0, f)
    }

    async fn list_versions(
        &self,
        id: DeclarationId,
    ) -> Result<Vec<zhicheng_declaration::DeclarationVersion>, StoreError> {
        let mut v: Vec<_> = self
            .lock()
            .versions
            .iter()
            .filter(|v| v.declaration_id == id)
            .cloned()
            .collect();
        v.sort_by_key(|v| v.number);
        Ok(v)
    }
}

fn newest_link_first(
    l: &PathLink,
) -> std::cmp::Reverse<(chrono::DateTime<chrono::Utc>, PathLinkId)> {
    std::cmp::Reverse((l.requested_at, l.id))
}

impl PathRepo for MemoryStore {
    async fn create_link(&self, link: &PathLink, audit: &AuditEvent) -> Result<(), StoreError> {
        self.lock().insert(link, audit)
    }

    async fn get_link(&self, id: PathLinkId) -> Result<Option<PathLink>, StoreError> {
        Ok(self.lock().links.get(&id.0).cloned())
    }

    async fn list_links_from(&self, org: OrgId) -> Result<Vec<PathLink>, StoreError> {
        Ok(self
            .lock()
            .list(|l: &PathLink| l.org_id == org, newest_link_first))
    }

    async fn list_links_to(&self, parent: OrgId) -> Result<Vec<PathLink>, StoreError> {
        Ok(self
            .lock()
            .list(|l: &PathLink| l.parent_id == parent, newest_link_first))
    }

    async fn find_approved_link(
        &self,
        org: OrgId,
        series: &SeriesCode,
        level: TitleLevel,
    ) -> Result<Option<PathLink>, StoreError> {
        Ok(self
            .lock()
            .list(
                |l: &PathLink| {
                    l.org_id == org
                        && &l.series == series
                        && l.level == level
                        && l.status == zhicheng_approval_path::LinkStatus::Approved
                },
                newest_link_first,
            )
            .into_iter()
            .next())
    }

    async fn link_history(&self, id: PathLinkId) -> Result<Vec<AuditEvent>, StoreError> {
        self.audit_events(id.0).await
    }

    async fn update_link<T, E, F>(&self, id: PathLinkId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut PathLink) -> Result<(T, AuditEvent), E> + Send,
    {
        self.lock().update(id.0, f)
    }
}

impl ReviewRepo for MemoryStore {
    async fn submit_declaration<E, F>(
        &self,
        id: DeclarationId,
        f: F,
    ) -> Result<ReviewCase, TxError<E>>
    where
        E: Send,
        F: FnOnce(&mut Declaration) -> Result<(ReviewCase, AuditEvent), E> + Send,
    {
        let mut st = self.lock();
        let (mut d, loaded) = st.load::<Declaration>(id.0)?;
        let (mut case, audit) = f(&mut d).map_err(TxError::Rejected)?;
        st.check(&case)?;
        st.write(id.0, d, loaded)?;
        case.spill(&mut st);
        st.put(&case);
        st.audit.push(audit);
        Ok(case)
    }

    async fn get_case(&self, id: CaseId) -> Result<Option<ReviewCase>, StoreError> {
        Ok(self.lock().cases.get(&id.0).cloned())
    }

    async fn get_case_for_declaration(
        &self,
        id: DeclarationId,
    ) -> Result<Option<ReviewCase>, StoreError> {
        Ok(self
            .lock()
            .cases
            .values()
            .find(|c| c.declaration_id == id)
            .cloned())
    }

    async fn list_cases(
        &self,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<CasePage, StoreError> {
        let st = self.lock();
        let mut rows: Vec<CaseRow> = st
            .cases
            .values()
            .filter(|c| c.holder_id == filter.holder)
            .filter(|c| page.after.is_none_or(|a| CaseCursor::after(c) > a))
            .map(|c| st.case_row(c))
            .filter(|r| filter.matches(r))
            .collect();
        rows.sort_by_key(|r| CaseCursor::after(&r.case));
        let size = page.size() as usize;
        let next = (rows.len() > size).then(|| CaseCursor::after(&rows[size - 1].case));
        rows.truncate(size);
        Ok(CasePage { rows, next })
    }

    async fn list_plan_cases(
        &self,
        org: OrgId,
        plan: PlanId,
        series: &SeriesCode,
        level: TitleLevel,
    ) -> Result<Vec<CaseRow>, StoreError> {
        let st = self.lock();
        let mut rows: Vec<CaseRow> = st
            .cases
            .values()
            .filter(|c| c.plan_id == plan && &c.series == series && c.level == level)
            .filter(|c| c.unit_id == org || c.route.contains(&org))
            .map(|c| st.case_row(c))
            .collect();
        rows.sort_by_key(|r| (r.case.opened_at, r.case.id));
        Ok(rows)
    }

    async fn count_cases(&self, filter: &CaseFilter) -> Result<Vec<StatusCount>, StoreError> {
        let st = self.lock();
        let any_status = CaseFilter {
            status: None,
            ..filter.clone()
        };
        let mut counts: HashMap<CaseStatus, u64> = HashMap::new();
        for c in st.cases.values().filter(|c| c.holder_id == filter.holder) {
            if any_status.matches(&st.case_row(c)) {
                *counts.entry(c.status).or_default() += 1;
            }
        }
        Ok(CaseStatus::ALL
            .into_iter()
            .filter_map(|status| {
                counts
                    .get(&status)
                    .map(|&count| StatusCount { status, count })
            })
            .collect())
    }

    async fn plan_case_keys(
        &self,
        plan: zhicheng_kernel::PlanId,
    ) -> Result<Vec<zhicheng_approval_path::health::HealthKey>, StoreError> {
        let mut keys: Vec<_> = self
            .lock()
            .cases
            .values()
            .filter(|c| c.plan_id == plan)
            .map(|c| zhicheng_approval_path::health::HealthKey {
                unit: c.unit_id,
                series: c.series.clone(),
                level: c.level,
            })
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    async fn list_cases_for_person(&self, person: PersonId) -> Result<Vec<ReviewCase>, StoreError> {
        Ok(self.lock().list(
            |c: &ReviewCase| c.person_id == person,
            |c| std::cmp::Reverse((c.opened_at, c.id)),
        ))
    }

    async fn update_case<T, E, F>(&self, id: CaseId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut ReviewCase) -> Result<(T, AuditEvent), E> + Send,
    {
        self.lock().update(id.0, f)
    }

    async fn case_history(&self, id: CaseId) -> Result<Vec<CaseHop>, StoreError> {
        let mut v: Vec<CaseHop> = self
            .lock()
            .hops
            .iter()
            .filter(|h| h.case_id == id)
            .cloned()
            .collect();
        v.sort_by_key(|h| (h.version, h.ordinal));
        Ok(v)
    }

    async fn update_case_with_declaration<T, E, F>(&self, id: CaseId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut ReviewCase, &mut Declaration) -> Result<(T, AuditEvent), E> + Send,
    {
        let mut st = self.lock();
        let (mut c, cv) = st.load::<ReviewCase>(id.0)?;
        let (mut d, dv) = st.load::<Declaration>(c.declaration_id.0)?;
        let (out, audit) = f(&mut c, &mut d).map_err(TxError::Rejected)?;
        st.write(d.id.0, d, dv)?;
        st.write(id.0, c, cv)?;
        st.audit.push(audit);
        Ok(out)
    }

    async fn update_cases<T, E, F>(
        &self,
        ids: &[CaseId],
        key: Option<&IdempotencyKey>,
        mut f: F,
    ) -> Result<BatchOutcome<T>, BatchError<E>>
    where
        T: Serialize + DeserializeOwned + Send,
        E: Send,
        F: FnMut(&mut ReviewCase) -> Result<(T, AuditEvent), E> + Send,
    {
        let mut st = self.lock();
        if let Some(key) = key
            && let Some((hash, response)) = st.idempotency.get(&key.id)
        {
            if *hash != key.request_hash {
                return Err(BatchError::KeyReused);
            }
            let out = serde_json::from_str(response).map_err(|_| {
                StoreError::Unavailable("stored batch result does not parse".into())
            })?;
            return Ok(BatchOutcome::Replayed(out));
        }
        let mut failures = Vec::new();
        let mut done = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            // A repeated id is missing the second time, as in the database store.
            let found = if seen.insert(*id) {
                st.load::<ReviewCase>(id.0)
            } else {
                Err(StoreError::NotFound)
            };
            match found {
                Err(_) => failures.push((*id, None)),
                Ok((mut c, v)) => match f(&mut c) {
                    Ok((out, audit)) => done.push((c, v, out, audit)),
                    Err(e) => failures.push((*id, Some(e))),
                },
            }
        }
        if !failures.is_empty() {
            return Err(BatchError::Rejected(failures));
        }
        let mut outs = Vec::with_capacity(done.len());
        for (c, v, out, audit) in done {
            st.write(c.id.0, c, v)?;
            st.audit.push(audit);
            outs.push(out);
        }
        if let Some(key) = key {
            let json = crate::convert::to_json(&outs);
            st.idempotency
                .insert(key.id.clone(), (key.request_hash.clone(), json));
        }
        Ok(BatchOutcome::Done(outs))
    }
}

impl MemoryStore {
    fn find_certificate(&self, pred: impl Fn(&Certificate) -> bool) -> Option<Certificate> {
        self.lock()
            .certificates
            .values()
            .map(|(c, _, _)| c)
            .find(|c| pred(c))
            .cloned()
    }
}

impl CertificateRepo for MemoryStore {
    async fn issue<E, F>(&self, case: CaseId, scope: &str, f: F) -> Result<Certificate, TxError<E>>
    where
        E: Send,
        F: FnOnce(&mut ReviewCase, u64) -> Result<(Certificate, AuditEvent), E> + Send,
    {
        let mut st = self.lock();
        let (mut c, loaded) = st.load::<ReviewCase>(case.0)?;
        let seq = st
            .certificates
            .values()
            .filter(|(_, sc, _)| sc == scope)
            .count() as u64
            + 1;
        let (cert, audit) = f(&mut c, seq).map_err(TxError::Rejected)?;
        let taken = st.certificates.contains_key(&cert.id.0)
            || st.certificates.values().any(|(other, sc, s)| {
                other.number == cert.number
                    || other.verification_code == cert.verification_code
                    || other.case_id == cert.case_id
                    || (sc == scope && *s == seq)
            });
        if taken {
            return Err(TxError::Store(StoreError::Conflict));
        }
        st.write(case.0, c, loaded)?;
        st.certificates
            .insert(cert.id.0, (cert.clone(), scope.to_owned(), seq));
        st.audit.push(audit);
        Ok(cert)
    }

    async fn find_by_number(
        &self,
        number: &CertificateNumber,
    ) -> Result<Option<Certificate>, StoreError> {
        Ok(self.find_certificate(|c| &c.number == number))
    }

    async fn find_by_code(&self, code: &str) -> Result<Option<Certificate>, StoreError> {
        Ok(self.find_certificate(|c| c.verification_code == code))
    }

    async fn find_by_case(&self, case: CaseId) -> Result<Option<Certificate>, StoreError> {
        Ok(self.find_certificate(|c| c.case_id == case))
    }

    async fn list_for_person(&self, person: PersonId) -> Result<Vec<Certificate>, StoreError> {
        let mut v: Vec<Certificate> = self
            .lock()
            .certificates
            .values()
            .map(|(c, _, _)| c)
            .filter(|c| c.person_id == person)
            .cloned()
            .collect();
        v.sort_by_key(|c| std::cmp::Reverse((c.issued_at, c.id)));
        Ok(v)
    }

    async fn signing_seed(&self, candidate: [u8; 32]) -> Result<[u8; 32], StoreError> {
        let mut st = self.lock();
        let stored = st
            .settings
            .entry(crate::SIGNING_SEED_KEY.to_owned())
            .or_insert_with(|| hex::encode(candidate));
        hex::decode(stored.as_str())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                StoreError::Unavailable("stored signing seed is not 32 hex bytes".into())
            })
    }
}
