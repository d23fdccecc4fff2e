#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Contract tests of the storage ports. Each suite is written once, generic over the port
//! traits, and runs on the in-memory fake, on SQLite (temporary file) and on PostgreSQL (a
//! throwaway database; skipped when unreachable unless `ZHICHENG_REQUIRE_PG=1`).

use std::fmt::Debug;
use std::future::Future;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;
use zhicheng_approval_path::ports::PathRepo;
use zhicheng_approval_path::{LinkStatus, PathLink, Route};
use zhicheng_certificate::ports::CertificateRepo;
use zhicheng_certificate::{
    Certificate, CertificateNumber, CertificatePayload, CertificateStatus, IssuerKey,
};
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::{
    Catalog, CommitmentAcceptance, CommitmentLetter, Declaration, DeclarationKind,
    DeclarationStatus, Materials, RawMaterials, ReviewPlan, commitment,
};
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::{
    Account, Captcha, IdCardNumber, LockoutPolicy, LoginName, MobileNumber, OrgKind, OrgName,
    Organisation, PasswordHash, PermissionStatus, Person, PersonName, Session, Uscc, Username,
};
use zhicheng_kernel::{
    AccountId, Actor, AuditEvent, CaseId, CertificateId, DeclarationId, OrgId, PathLinkId,
    PersonId, PlanId, RegionCode, Role, SeriesCode, StoreError, TitleLevel, TxError,
};
use zhicheng_review_workflow::ports::{
    BatchError, BatchOutcome, CaseFilter, IdempotencyKey, ReviewRepo,
};
use zhicheng_review_workflow::queue::{PageRequest, QueueQuery, RawQueueQuery, StatusCount};
use zhicheng_review_workflow::{
    Act, CaseAction, CaseStatus, CommitteeVote, Decision, ReturnReasons, ReviewCase,
    TransitionError,
};
use zhicheng_store::{MemoryStore, Store};

// ---------------------------------------------------------------------------------------------
// Back ends
// ---------------------------------------------------------------------------------------------

/// What the suites need besides the ports: the audit trail of an object.
trait Audited: Sync {
    fn audit(&self, object: Uuid) -> impl Future<Output = Vec<AuditEvent>> + Send;
}

impl Audited for Store {
    async fn audit(&self, object: Uuid) -> Vec<AuditEvent> {
        self.audit_events(object).await.unwrap()
    }
}

impl Audited for MemoryStore {
    async fn audit(&self, object: Uuid) -> Vec<AuditEvent> {
        self.audit_events(object).await.unwrap()
    }
}

/// The outbox of the default SMS adapter.
trait Outbox: Sync {
    fn outbox(&self) -> impl Future<Output = Vec<zhicheng_store::OutboxEntry>> + Send;
}

impl Outbox for Store {
    async fn outbox(&self) -> Vec<zhicheng_store::OutboxEntry> {
        self.sms_outbox(100).await.unwrap()
    }
}

impl Outbox for MemoryStore {
    async fn outbox(&self) -> Vec<zhicheng_store::OutboxEntry> {
        self.sms_outbox(100).await.unwrap()
    }
}

/// A temporary SQLite file (in a directory the store must create), removed afterwards.
struct TempSqlite {
    dir: std::path::PathBuf,
}

impl TempSqlite {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("zc_store_{}", Uuid::now_v7().simple()));
        TempSqlite { dir }
    }

    fn url(&self) -> String {
        format!("sqlite://{}/nested/zhicheng.db", self.dir.display())
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn sqlite_store() -> (Store, TempSqlite) {
    let tmp = TempSqlite::new();
    let store = Store::connect(&tmp.url()).await.unwrap();
    store.migrate().await.unwrap();
    (store, tmp)
}

fn pg_admin_url() -> String {
    std::env::var("ZHICHENG_TEST_PG_ADMIN_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh PostgreSQL database, dropped (`WITH (FORCE)`) when this value is dropped.
struct PgDb {
    admin: String,
    name: String,
    url: String,
}

impl PgDb {
    /// `None` (after printing `SKIP`) when PostgreSQL is unreachable and not required.
    async fn create() -> Option<PgDb> {
        let admin = pg_admin_url();
        let conn = tokio::time::timeout(std::time::Duration::from_secs(5), Store::connect(&admin))
            .await
            .map_err(|_| StoreError::Unavailable("timeout".into()))
            .and_then(|r| r);
        let admin_store = match conn {
            Ok(s) => s,
            Err(e) => {
                if std::env::var("ZHICHENG_REQUIRE_PG").as_deref() == Ok("1") {
                    panic!("PostgreSQL not reachable at {admin}: {e}");
                }
                eprintln!("SKIP: PostgreSQL not reachable at {admin}: {e}");
                return None;
            }
        };
        let name = format!("zc_store_{}", Uuid::now_v7().simple());
        admin_store
            .connection()
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(PgDb { admin, name, url })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Own thread and runtime: works from inside the test's runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(s) = Store::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(e) = s.connection().execute_unprepared(&sql).await {
                        eprintln!("could not drop {name}: {e}");
                    }
                }
            });
        })
        .join();
    }
}

async fn pg_store() -> Option<(Store, PgDb)> {
    let db = PgDb::create().await?;
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    Some((store, db))
}

/// One suite on the three back ends.
macro_rules! on_every_backend {
    ($($suite:ident),* $(,)?) => {$(
        mod $suite {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::$suite(&MemoryStore::new()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (store, _tmp) = sqlite_store().await;
                super::$suite(&store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some((store, _db)) = pg_store().await else { return };
                super::$suite(&store).await;
            }
        }
    )*};
}

on_every_backend!(
    identity_contract,
    declaration_contract,
    versions_contract,
    path_contract,
    review_contract,
    queue_contract,
    bulk_batch_contract,
    history_and_batch_contract,
    certificate_contract,
    recovery_contract,
);

// ---------------------------------------------------------------------------------------------
// Fixtures (real domain constructors where the domain has them)
// ---------------------------------------------------------------------------------------------

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn id() -> Uuid {
    Uuid::now_v7()
}

fn audit(object_type: &str, object: Uuid, action: &str) -> AuditEvent {
    AuditEvent::new(now(), Actor::System, action, object_type, object)
        .with_detail(serde_json::json!({ "test": action }))
}

/// A valid resident ID number, unique per `n`.
fn id_number(n: u32) -> IdCardNumber {
    let first17 = format!("37100319850315{:03}", n % 1000);
    let k = zhicheng_identity::id_card::check_char(first17.as_bytes());
    IdCardNumber::parse(&format!("{first17}{}", char::from(k))).unwrap()
}

fn unique_n() -> u32 {
    (Uuid::now_v7().as_u128() % 997) as u32
}

fn person(n: u32) -> Person {
    Person {
        id: PersonId(id()),
        id_number: id_number(n),
        name: PersonName::parse(&format!("张{}", ["三", "四", "五", "六"][n as usize % 4]))
            .unwrap(),
        mobile: MobileNumber::parse("13800138000").unwrap(),
        ethnicity: Some("汉族".into()),
        created_at: now(),
        version: 1,
    }
}

fn account(username: &str, role: Role, person: Option<PersonId>, org: Option<OrgId>) -> Account {
    Account {
        id: AccountId(id()),
        username: Username::parse(username).unwrap(),
        password_hash: PasswordHash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        role,
        person_id: person,
        org_id: org,
        failed_attempts: 0,
        locked_until: None,
        display_name: None,
        mobile: None,
        operator: false,
        disabled: false,
        must_change_password: false,
        created_at: now(),
        version: 1,
    }
}

fn org(kind: OrgKind, name: &str, region: &str) -> Organisation {
    Organisation {
        id: OrgId(id()),
        kind,
        name: OrgName::parse(name).unwrap(),
        uscc: None,
        region: RegionCode::parse(region).unwrap(),
        // Units here hold the permission; authorities hold it from creation.
        permission: PermissionStatus::Active,
        permission_note: None,
        created_at: now(),
        version: 1,
    }
}

fn eng() -> SeriesCode {
    SeriesCode::parse("ENG").unwrap()
}

fn open_plan(year: i32, organiser: OrgId, at: DateTime<Utc>) -> ReviewPlan {
    let mut p = ReviewPlan::new(
        PlanId(id()),
        organiser,
        year,
        &format!("{year}年度工程技术人员职称评审"),
        eng(),
        vec![TitleLevel::SeniorDeputy, TitleLevel::Intermediate],
        at - Duration::days(1),
        at + Duration::days(30),
        at,
        Catalog::builtin(),
    )
    .and_then(|p| {
        // A deadline and a zone other than the default, so both round-trip.
        let zone = zhicheng_declaration::plan::PlanTimeZone::parse("Asia/Urumqi")?;
        p.with_schedule(Some(at + Duration::days(45)), zone)
    })
    .unwrap();
    p.open().unwrap();
    p
}

fn materials(tag: &str) -> Materials {
    let mut raw = RawMaterials::example();
    raw.work_history[0].employer = format!("文登区人民医院 {tag}");
    raw.parse(Catalog::builtin()).unwrap()
}

fn acceptance(p: PersonId, at: DateTime<Utc>) -> CommitmentAcceptance {
    CommitmentAcceptance {
        person_id: p,
        letter_version: commitment::BUILTIN_VERSION.into(),
        accepted_at: at,
    }
}

fn draft(p: PersonId, unit: &Organisation, plan: &ReviewPlan, at: DateTime<Utc>) -> Declaration {
    Declaration::draft(
        DeclarationId(id()),
        p,
        unit,
        plan,
        TitleLevel::Intermediate,
        "电气工程",
        DeclarationKind::Normal,
        materials("v1"),
        Some(&acceptance(p, at)),
        &CommitmentLetter::builtin(),
        Catalog::builtin(),
        at,
    )
    .unwrap()
}

/// Counts how two overlapping updates ended: every failure must be a `Conflict`.
fn successes<T: Debug, E: Debug>(results: [Result<T, TxError<E>>; 2]) -> i64 {
    let mut ok = 0;
    for r in results {
        match r {
            Ok(_) => ok += 1,
            Err(TxError::Store(StoreError::Conflict)) => {}
            Err(e) => panic!("a concurrent update failed with {e:?}, not Conflict"),
        }
    }
    assert!(ok >= 1, "at least one of two overlapping updates succeeds");
    ok
}

fn is_not_found<T: Debug, E: Debug>(r: Result<T, TxError<E>>) {
    assert!(
        matches!(r, Err(TxError::Store(StoreError::NotFound))),
        "expected NotFound, got {r:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------

async fn identity_contract<R: IdentityRepo + Audited>(r: &R) {
    let n = unique_n();
    let mut unit = org(OrgKind::EmployerUnit, "文登区（人民）医院", "371003");
    unit.uscc = Some(Uscc::parse("123710034940875396").unwrap());
    let admin = account("unitadmin", Role::UnitAdmin, None, Some(unit.id));
    r.create_org(
        &unit,
        &admin,
        &audit("organisation", unit.id.0, "org.created"),
    )
    .await
    .unwrap();
    assert_eq!(r.get_org(unit.id).await.unwrap(), Some(unit.clone()));
    assert_eq!(r.get_org(OrgId(id())).await.unwrap(), None);

    // Register a person with an account; both round-trip.
    let p1 = person(n);
    let a1 = account("zhangsan", Role::Applicant, Some(p1.id), None);
    r.register_person(&p1, &a1, &audit("person", p1.id.0, "person.registered"))
        .await
        .unwrap();
    assert_eq!(r.get_person(p1.id).await.unwrap(), Some(p1.clone()));
    assert_eq!(r.get_account(a1.id).await.unwrap(), Some(a1.clone()));
    let trail = r.audit(p1.id.0).await;
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].action, "person.registered");
    assert_eq!(
        trail[0].detail,
        serde_json::json!({ "test": "person.registered" })
    );

    // Duplicate ID number: nothing of the second registration is kept.
    let mut p2 = person(n + 1);
    p2.id_number = p1.id_number.clone();
    let a2 = account("lisi", Role::Applicant, Some(p2.id), None);
    assert_eq!(
        r.register_person(&p2, &a2, &audit("person", p2.id.0, "person.registered"))
            .await,
        Err(StoreError::Duplicate("id_number".into()))
    );
    assert_eq!(r.get_account(a2.id).await.unwrap(), None);
    assert!(r.audit(p2.id.0).await.is_empty());

    // Duplicate username: the person is not kept either.
    let p3 = person(n + 2);
    let a3 = account("ZhangSan", Role::Applicant, Some(p3.id), None);
    assert_eq!(
        r.register_person(&p3, &a3, &audit("person", p3.id.0, "person.registered"))
            .await,
        Err(StoreError::Duplicate("username".into()))
    );
    assert_eq!(r.get_person(p3.id).await.unwrap(), None);
    let dept = org(OrgKind::CompetentDepartment, "文登区卫生健康局", "371003");
    let taken = account("unitadmin", Role::DeptOperator, None, Some(dept.id));
    assert_eq!(
        r.create_org(
            &dept,
            &taken,
            &audit("organisation", dept.id.0, "org.created")
        )
        .await,
        Err(StoreError::Duplicate("username".into()))
    );
    assert_eq!(r.get_org(dept.id).await.unwrap(), None);
    let dept_admin = account("deptadmin", Role::DeptOperator, None, Some(dept.id));
    r.create_org(
        &dept,
        &dept_admin,
        &audit("organisation", dept.id.0, "org.created"),
    )
    .await
    .unwrap();
    let bureau = org(OrgKind::HrBureau, "威海市人力资源和社会保障局", "371000");
    let bureau_admin = account("bureauadmin", Role::HrBureau, None, Some(bureau.id));
    r.create_org(
        &bureau,
        &bureau_admin,
        &audit("organisation", bureau.id.0, "org.created"),
    )
    .await
    .unwrap();

    // Logins by username and by ID number.
    let by_name = LoginName::Username(Username::parse("ZHANGSAN").unwrap());
    assert_eq!(
        r.find_account_by_login(&by_name).await.unwrap(),
        Some(a1.clone())
    );
    let by_id = LoginName::IdNumber(p1.id_number.clone());
    assert_eq!(
        r.find_account_by_login(&by_id).await.unwrap(),
        Some(a1.clone())
    );
    let nobody = LoginName::Username(Username::parse("nobody").unwrap());
    assert_eq!(r.find_account_by_login(&nobody).await.unwrap(), None);
    let unknown_id = LoginName::IdNumber(id_number(n + 3));
    assert_eq!(r.find_account_by_login(&unknown_id).await.unwrap(), None);

    // Organisation look-ups.
    assert_eq!(
        r.find_orgs_by_uscc(unit.uscc.as_ref().unwrap())
            .await
            .unwrap(),
        vec![unit.clone()]
    );
    let other_uscc = Uscc::parse("123710034940875397").unwrap();
    assert!(r.find_orgs_by_uscc(&other_uscc).await.unwrap().is_empty());
    let spelled = OrgName::parse("文登区 (人民)医院").unwrap();
    assert_eq!(
        r.find_orgs_by_name(&spelled).await.unwrap(),
        vec![unit.clone()]
    );
    let names = |v: Vec<Organisation>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
    let mut all = vec![unit.clone(), dept.clone(), bureau.clone()];
    all.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    assert_eq!(names(r.list_orgs(None).await.unwrap()), names(all));
    assert_eq!(
        names(r.list_orgs(Some(OrgKind::HrBureau)).await.unwrap()),
        vec![bureau.id]
    );
    assert!(
        r.list_orgs(Some(OrgKind::CommitteeOrganiser))
            .await
            .unwrap()
            .is_empty()
    );

    // Version-guarded update of an account.
    let policy = LockoutPolicy::default();
    let t = now();
    let out = r
        .update_account(a1.id, |a| {
            let o = a.record_failure(t, policy);
            Ok::<_, ()>((o, audit("account", a.id.0, "account.login_failed")))
        })
        .await
        .unwrap();
    assert_eq!(
        out,
        zhicheng_identity::account::FailureOutcome::Counted { remaining: 4 }
    );
    let stored = r.get_account(a1.id).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.failed_attempts), (2, 1));
    assert_eq!(r.audit(a1.id.0).await.len(), 1);

    // A refusing closure leaves the row and the audit trail untouched.
    let refused = r
        .update_account(a1.id, |a| {
            a.failed_attempts = 99;
            Err::<((), AuditEvent), _>("no")
        })
        .await;
    assert_eq!(refused, Err(TxError::Rejected("no")));
    assert_eq!(r.get_account(a1.id).await.unwrap().unwrap(), stored);
    assert_eq!(r.audit(a1.id.0).await.len(), 1);

    is_not_found(
        r.update_account(AccountId(id()), |_| {
            Ok::<_, ()>(((), audit("account", Uuid::nil(), "x")))
        })
        .await,
    );

    // Two overlapping updates: no lost update.
    let bump = |a: &mut Account| {
        a.failed_attempts += 1;
        Ok::<_, ()>(((), audit("account", a.id.0, "account.bumped")))
    };
    let (x, y) = tokio::join!(r.update_account(a1.id, bump), r.update_account(a1.id, bump));
    let ok = successes([x, y]);
    let after = r.get_account(a1.id).await.unwrap().unwrap();
    assert_eq!(after.version, stored.version + ok);
    assert_eq!(
        i64::from(after.failed_attempts),
        i64::from(stored.failed_attempts) + ok
    );
    assert_eq!(r.audit(a1.id.0).await.len() as i64, 1 + ok);

    // Organisations update the same way.
    r.update_org(unit.id, |o| {
        o.permission_note = Some("人工审核通过".into());
        Ok::<_, ()>(((), audit("organisation", o.id.0, "org.noted")))
    })
    .await
    .unwrap();
    let u = r.get_org(unit.id).await.unwrap().unwrap();
    assert_eq!(
        (u.version, u.permission_note.as_deref()),
        (2, Some("人工审核通过"))
    );
    is_not_found(
        r.update_org(OrgId(id()), |_| {
            Ok::<_, ()>(((), audit("organisation", Uuid::nil(), "x")))
        })
        .await,
    );

    // Sessions.
    let s = Session {
        token_hash: format!("{:064x}", id().as_u128()),
        account_id: a1.id,
        created_at: now(),
        expires_at: now() + Duration::hours(8),
        last_seen_at: now(),
    };
    r.create_session(&s).await.unwrap();
    let (found, acct) = r.find_session(&s.token_hash).await.unwrap().unwrap();
    assert_eq!(found, s);
    assert_eq!(acct.id, a1.id);
    assert_eq!(acct.version, after.version);
    let seen = s.last_seen_at + Duration::minutes(3);
    r.touch_session(&s.token_hash, seen).await.unwrap();
    let (found, _) = r.find_session(&s.token_hash).await.unwrap().unwrap();
    assert_eq!(found.last_seen_at, seen);
    r.delete_session(&s.token_hash).await.unwrap();
    assert_eq!(r.find_session(&s.token_hash).await.unwrap(), None);
    r.delete_session(&s.token_hash).await.unwrap();
    // Ending all sessions of an account but one.
    let hashes: Vec<String> = (0..3).map(|_| format!("{:064x}", id().as_u128())).collect();
    for h in &hashes {
        r.create_session(&Session {
            token_hash: h.clone(),
            ..s.clone()
        })
        .await
        .unwrap();
    }
    assert_eq!(
        r.delete_sessions_of(a1.id, Some(&hashes[0])).await.unwrap(),
        2
    );
    assert!(r.find_session(&hashes[0]).await.unwrap().is_some());
    assert!(r.find_session(&hashes[1]).await.unwrap().is_none());
    assert_eq!(r.delete_sessions_of(a1.id, None).await.unwrap(), 1);
    assert!(r.find_session(&hashes[0]).await.unwrap().is_none());

    // Captchas: stored with the answer hash only; taken exactly once, even in parallel.
    let c = Captcha::new(id(), "7KP4", now());
    r.create_captcha(&c).await.unwrap();
    assert_eq!(r.take_captcha(id()).await.unwrap(), None);
    let takes = tokio::join!(r.take_captcha(c.id), r.take_captcha(c.id));
    let (first, second) = (takes.0.unwrap().unwrap(), takes.1.unwrap().unwrap());
    assert_eq!(
        u8::from(first.1) + u8::from(second.1),
        1,
        "exactly one first use"
    );
    assert_eq!(first.0.answer_hash, c.answer_hash);
    assert!(first.0.used && second.0.used);
    assert_eq!(first.0.expires_at, c.expires_at);
    let (_, again) = r.take_captcha(c.id).await.unwrap().unwrap();
    assert!(!again);
    // Expired challenges are cleared when new ones arrive.
    let later = Captcha::new(id(), "2345", c.expires_at + Duration::seconds(1));
    r.create_captcha(&later).await.unwrap();
    assert_eq!(r.take_captcha(c.id).await.unwrap(), None);
    assert!(r.take_captcha(later.id).await.unwrap().unwrap().1);

    // Per-client login failures: counted atomically per window; earlier windows forgotten.
    let w1 = now();
    let client = format!("10.0.0.{}", n % 250);
    assert_eq!(r.login_failures_from(&client, w1).await.unwrap(), 0);
    let adds = tokio::join!(
        r.add_login_failure_from(&client, w1),
        r.add_login_failure_from(&client, w1),
        r.add_login_failure_from(&client, w1),
    );
    adds.0.unwrap();
    adds.1.unwrap();
    adds.2.unwrap();
    assert_eq!(r.login_failures_from(&client, w1).await.unwrap(), 3);
    assert_eq!(r.login_failures_from("10.9.9.9", w1).await.unwrap(), 0);
    let w2 = w1 + Duration::minutes(15);
    r.add_login_failure_from(&client, w2).await.unwrap();
    assert_eq!(r.login_failures_from(&client, w2).await.unwrap(), 1);
    assert_eq!(r.login_failures_from(&client, w1).await.unwrap(), 0);

    assert_eq!(r.count_accounts().await.unwrap(), 4);
}

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

async fn declaration_contract<R: DeclarationRepo + Audited>(r: &R) {
    let t0 = now();
    let bureau = OrgId(id());
    let unit = org(OrgKind::EmployerUnit, "文登区人民医院", "371003");
    let p2025 = open_plan(2025, bureau, t0);
    let mut p2026 = open_plan(2026, bureau, t0);
    p2026.status = zhicheng_declaration::PlanStatus::Draft;
    r.create_plan(&p2026, &audit("plan", p2026.id.0, "plan.created"))
        .await
        .unwrap();
    r.create_plan(&p2025, &audit("plan", p2025.id.0, "plan.created"))
        .await
        .unwrap();
    assert_eq!(r.get_plan(p2026.id).await.unwrap(), Some(p2026.clone()));
    assert_eq!(r.get_plan(PlanId(id())).await.unwrap(), None);
    let years: Vec<i32> = r
        .list_plans()
        .await
        .unwrap()
        .iter()
        .map(|p| p.year)
        .collect();
    assert_eq!(years, [2026, 2025]);

    // Open the draft plan; opening again is refused and changes nothing.
    r.update_plan(p2026.id, |p| {
        p.open()
            .map(|()| ((), audit("plan", p.id.0, "plan.opened")))
    })
    .await
    .unwrap();
    let opened = r.get_plan(p2026.id).await.unwrap().unwrap();
    assert_eq!(
        (opened.version, opened.status),
        (2, zhicheng_declaration::PlanStatus::Open)
    );
    assert_eq!(opened.levels, p2026.levels);
    let again = r
        .update_plan(p2026.id, |p| {
            p.open()
                .map(|()| ((), audit("plan", p.id.0, "plan.opened")))
        })
        .await;
    assert!(matches!(again, Err(TxError::Rejected(_))));
    assert_eq!(r.get_plan(p2026.id).await.unwrap().unwrap(), opened);
    assert_eq!(r.audit(p2026.id.0).await.len(), 2);
    is_not_found(
        r.update_plan(PlanId(id()), |_| {
            Ok::<_, ()>(((), audit("plan", Uuid::nil(), "x")))
        })
        .await,
    );

    // Commitment acceptance is idempotent: the first one is kept, audited once.
    let applicant = PersonId(id());
    let first = acceptance(applicant, t0);
    let later = acceptance(applicant, t0 + Duration::minutes(5));
    r.accept_commitment(&first, &audit("person", applicant.0, "commitment.accepted"))
        .await
        .unwrap();
    r.accept_commitment(&later, &audit("person", applicant.0, "commitment.accepted"))
        .await
        .unwrap();
    assert_eq!(
        r.get_commitment(applicant, commitment::BUILTIN_VERSION)
            .await
            .unwrap(),
        Some(first.clone())
    );
    assert_eq!(r.get_commitment(applicant, "1999.1").await.unwrap(), None);
    assert_eq!(r.audit(applicant.0).await.len(), 1);

    // One declaration per person and year.
    let d1 = draft(applicant, &unit, &opened, t0);
    r.create_declaration(&d1, &audit("declaration", d1.id.0, "declaration.created"))
        .await
        .unwrap();
    assert_eq!(r.get_declaration(d1.id).await.unwrap(), Some(d1.clone()));
    let dup = draft(applicant, &unit, &opened, t0 + Duration::seconds(1));
    assert_eq!(
        r.create_declaration(&dup, &audit("declaration", dup.id.0, "declaration.created"))
            .await,
        Err(StoreError::Duplicate("person_year".into()))
    );
    assert_eq!(r.get_declaration(dup.id).await.unwrap(), None);
    assert!(r.audit(dup.id.0).await.is_empty());
    let d0 = draft(applicant, &unit, &p2025, t0 + Duration::seconds(2));
    r.create_declaration(&d0, &audit("declaration", d0.id.0, "declaration.created"))
        .await
        .unwrap();
    let other = draft(PersonId(id()), &unit, &opened, t0);
    r.create_declaration(
        &other,
        &audit("declaration", other.id.0, "declaration.created"),
    )
    .await
    .unwrap();
    let mine: Vec<DeclarationId> = r
        .list_declarations_for_person(applicant)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(mine, [d0.id, d1.id], "newest first");
    let mut of_plan: Vec<DeclarationId> = r
        .list_declarations_for_plan(opened.id)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    of_plan.sort();
    let mut expected = vec![d1.id, other.id];
    expected.sort();
    assert_eq!(of_plan, expected);
    assert_eq!(
        r.list_declarations_for_plan(p2025.id).await.unwrap()[0].id,
        d0.id
    );
    // An export leaves its audit row and changes nothing else.
    r.record_read(&audit("plan", opened.id.0, "declaration.exported"))
        .await
        .unwrap();
    assert_eq!(
        r.audit(opened.id.0).await.last().map(|a| a.action.clone()),
        Some("declaration.exported".to_owned())
    );

    // Edit, refusal, missing id.
    r.update_declaration(d1.id, |d| {
        d.edit(materials("v2"))
            .map(|()| ((), audit("declaration", d.id.0, "declaration.edited")))
    })
    .await
    .unwrap();
    let edited = r.get_declaration(d1.id).await.unwrap().unwrap();
    assert_eq!(
        (edited.version, edited.materials.clone()),
        (2, materials("v2"))
    );
    let refused = r
        .update_declaration(d1.id, |d| {
            d.specialty = "changed".into();
            Err::<((), AuditEvent), _>(
                zhicheng_declaration::declaration::EditDeclarationError::NotDraft,
            )
        })
        .await;
    assert!(matches!(refused, Err(TxError::Rejected(_))));
    assert_eq!(r.get_declaration(d1.id).await.unwrap().unwrap(), edited);
    assert_eq!(r.audit(d1.id.0).await.len(), 2);
    is_not_found(
        r.update_declaration(DeclarationId(id()), |_| {
            Ok::<_, ()>(((), audit("declaration", Uuid::nil(), "x")))
        })
        .await,
    );

    // Overlapping edits: no lost update.
    let append = |d: &mut Declaration| {
        d.materials.summary.push('+');
        Ok::<_, ()>(((), audit("declaration", d.id.0, "declaration.edited")))
    };
    let (x, y) = tokio::join!(
        r.update_declaration(d1.id, append),
        r.update_declaration(d1.id, append)
    );
    let ok = successes([x, y]);
    let after = r.get_declaration(d1.id).await.unwrap().unwrap();
    assert_eq!(after.version, edited.version + ok);
    assert_eq!(after.materials.summary.len() as i64, ok);
}

// ---------------------------------------------------------------------------------------------
// Approval paths
// ---------------------------------------------------------------------------------------------

async fn path_contract<R: PathRepo + Audited>(r: &R) {
    let t0 = now();
    let unit = org(OrgKind::EmployerUnit, "文登区人民医院", "371003");
    let dept = org(OrgKind::CompetentDepartment, "文登区卫生健康局", "371003");
    let bureau = org(OrgKind::HrBureau, "威海市人力资源和社会保障局", "371000");
    let request = |parent: &Organisation, level: TitleLevel, at: DateTime<Utc>| {
        PathLink::request(PathLinkId(id()), &unit, eng(), level, parent, at).unwrap()
    };
    let create = |l: &PathLink| {
        let a = audit("path_link", l.id.0, "path.requested");
        let l = l.clone();
        async move { r.create_link(&l, &a).await }
    };

    let l1 = request(&dept, TitleLevel::Intermediate, t0);
    create(&l1).await.unwrap();
    assert_eq!(r.get_link(l1.id).await.unwrap(), Some(l1.clone()));
    assert_eq!(r.get_link(PathLinkId(id())).await.unwrap(), None);

    // A pending link occupies its slot.
    let clash = request(&bureau, TitleLevel::Intermediate, t0 + Duration::seconds(1));
    assert_eq!(
        create(&clash).await,
        Err(StoreError::Duplicate("path_link".into()))
    );
    assert_eq!(r.get_link(clash.id).await.unwrap(), None);
    let l2 = request(&dept, TitleLevel::SeniorDeputy, t0 + Duration::seconds(2));
    create(&l2).await.unwrap();
    assert_eq!(
        r.find_approved_link(unit.id, &eng(), TitleLevel::Intermediate)
            .await
            .unwrap(),
        None,
        "pending links are not routes"
    );

    // Only the parent decides; a refusal changes nothing.
    let refused = r
        .update_link(l1.id, |l| {
            l.decide(bureau.id, true, None, t0)
                .map(|s| (s, audit("path_link", l.id.0, "path.decided")))
        })
        .await;
    assert!(matches!(refused, Err(TxError::Rejected(_))));
    assert_eq!(r.get_link(l1.id).await.unwrap(), Some(l1.clone()));
    assert_eq!(r.audit(l1.id.0).await.len(), 1);

    // Rejection frees the slot; a new request may follow and be approved.
    let st = r
        .update_link(l1.id, |l| {
            l.decide(dept.id, false, Some("材料不全".into()), t0)
                .map(|s| (s, audit("path_link", l.id.0, "path.decided")))
        })
        .await
        .unwrap();
    assert_eq!(st, LinkStatus::Rejected);
    let rejected = r.get_link(l1.id).await.unwrap().unwrap();
    assert_eq!(
        (rejected.version, rejected.status),
        (2, LinkStatus::Rejected)
    );
    assert_eq!(
        r.find_approved_link(unit.id, &eng(), TitleLevel::Intermediate)
            .await
            .unwrap(),
        None,
        "rejected links are not routes"
    );
    let l3 = request(&bureau, TitleLevel::Intermediate, t0 + Duration::seconds(3));
    create(&l3).await.unwrap();
    r.update_link(l3.id, |l| {
        l.decide(bureau.id, true, None, t0)
            .map(|s| (s, audit("path_link", l.id.0, "path.decided")))
    })
    .await
    .unwrap();
    let approved = r
        .find_approved_link(unit.id, &eng(), TitleLevel::Intermediate)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((approved.id, approved.version), (l3.id, 2));
    assert_eq!(approved.parent_id, bureau.id);
    assert!(approved.parent_is_receiver);
    assert_eq!(
        r.find_approved_link(unit.id, &eng(), TitleLevel::SeniorDeputy)
            .await
            .unwrap(),
        None
    );
    let again = request(&dept, TitleLevel::Intermediate, t0 + Duration::seconds(4));
    assert_eq!(
        create(&again).await,
        Err(StoreError::Duplicate("path_link".into()))
    );

    // Lists, newest first.
    let ids = |v: Vec<PathLink>| v.into_iter().map(|l| l.id).collect::<Vec<_>>();
    assert_eq!(
        ids(r.list_links_from(unit.id).await.unwrap()),
        [l3.id, l2.id, l1.id]
    );
    assert_eq!(ids(r.list_links_to(dept.id).await.unwrap()), [l2.id, l1.id]);
    assert_eq!(ids(r.list_links_to(bureau.id).await.unwrap()), [l3.id]);
    assert!(r.list_links_from(dept.id).await.unwrap().is_empty());

    is_not_found(
        r.update_link(PathLinkId(id()), |_| {
            Ok::<_, ()>(((), audit("path_link", Uuid::nil(), "x")))
        })
        .await,
    );

    // Overlapping updates: no lost update.
    let before = r.get_link(l2.id).await.unwrap().unwrap();
    let note = |l: &mut PathLink| {
        l.note = Some(format!("{}+", l.note.clone().unwrap_or_default()));
        Ok::<_, ()>(((), audit("path_link", l.id.0, "path.noted")))
    };
    let (x, y) = tokio::join!(r.update_link(l2.id, note), r.update_link(l2.id, note));
    let ok = successes([x, y]);
    let after = r.get_link(l2.id).await.unwrap().unwrap();
    assert_eq!(after.version, before.version + ok);
    assert_eq!(after.note.unwrap().len() as i64, ok);

    // Revoking frees the slot: the route is gone and a new request may be made.
    r.update_link(l3.id, |l| {
        l.revoke(bureau.id, "职能调整", t0)
            .map(|()| ((), audit("path_link", l.id.0, "path.revoked")))
    })
    .await
    .unwrap();
    let revoked = r.get_link(l3.id).await.unwrap().unwrap();
    assert_eq!(
        (revoked.status, revoked.note.as_deref()),
        (LinkStatus::Revoked, Some("职能调整"))
    );
    assert_eq!(
        r.find_approved_link(unit.id, &eng(), TitleLevel::Intermediate)
            .await
            .unwrap(),
        None
    );
    create(&again).await.unwrap();
    let history: Vec<String> = r
        .link_history(l3.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(history, ["path.requested", "path.decided", "path.revoked"]);
}

// ---------------------------------------------------------------------------------------------
// Review cases
// ---------------------------------------------------------------------------------------------

struct Applicant {
    person: Person,
    declaration: Declaration,
}

/// Registers a person and creates their draft declaration in `plan`.
async fn applicant<R: IdentityRepo + DeclarationRepo>(
    r: &R,
    n: u32,
    username: &str,
    unit: &Organisation,
    plan: &ReviewPlan,
    at: DateTime<Utc>,
) -> Applicant {
    let p = person(n);
    let a = account(username, Role::Applicant, Some(p.id), None);
    r.register_person(&p, &a, &audit("person", p.id.0, "person.registered"))
        .await
        .unwrap();
    let mut d = draft(p.id, unit, plan, at);
    d.specialty = format!("专业{n}");
    r.create_declaration(&d, &audit("declaration", d.id.0, "declaration.created"))
        .await
        .unwrap();
    Applicant {
        person: p,
        declaration: d,
    }
}

fn act(org: OrgId, at: DateTime<Utc>) -> Act {
    Act::new(org, Actor::System, at)
}

/// Submits a declaration at `at`, opening its case.
async fn submit<R: ReviewRepo>(
    r: &R,
    d: DeclarationId,
    plan: &ReviewPlan,
    at: DateTime<Utc>,
) -> Result<ReviewCase, TxError<zhicheng_declaration::declaration::SubmitDeclarationError>> {
    let case_id = CaseId(id());
    r.submit_declaration(d, |d| {
        d.submit(at, plan)?;
        let case = ReviewCase::open(case_id, d, Actor::System, at);
        Ok((case, audit("declaration", d.id.0, "declaration.submitted")))
    })
    .await
}

async fn review_contract<R: IdentityRepo + DeclarationRepo + ReviewRepo + Audited>(r: &R) {
    let t0 = now();
    let n = unique_n();
    let unit = org(OrgKind::EmployerUnit, "文登区人民医院", "371003");
    r.create_org(
        &unit,
        &account("unitadmin", Role::UnitAdmin, None, Some(unit.id)),
        &audit("organisation", unit.id.0, "org.created"),
    )
    .await
    .unwrap();
    let bureau = OrgId(id());
    let p2026 = open_plan(2026, bureau, t0);
    let p2025 = open_plan(2025, bureau, t0);
    r.create_plan(&p2026, &audit("plan", p2026.id.0, "plan.created"))
        .await
        .unwrap();
    let a = applicant(r, n, "zhangsan", &unit, &p2026, t0).await;
    let b = applicant(r, n + 1, "lisi", &unit, &p2026, t0).await;

    // Submitting updates the declaration and opens the case in one transaction.
    let ca = submit(r, a.declaration.id, &p2026, t0).await.unwrap();
    let d = r.get_declaration(a.declaration.id).await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.version, d.submitted_at),
        (DeclarationStatus::Submitted, 2, Some(t0))
    );
    assert_eq!(r.get_case(ca.id).await.unwrap(), Some(ca.clone()));
    assert_eq!(ca.version, 1);
    assert_eq!(
        r.get_case_for_declaration(a.declaration.id).await.unwrap(),
        Some(ca.clone())
    );
    assert_eq!(r.audit(a.declaration.id.0).await.len(), 2);

    // A second submission is refused by the domain: no second case, no audit.
    let again = submit(r, a.declaration.id, &p2026, t0).await;
    assert!(matches!(again, Err(TxError::Rejected(_))));
    assert_eq!(
        r.get_declaration(a.declaration.id).await.unwrap().unwrap(),
        d
    );
    assert_eq!(r.audit(a.declaration.id.0).await.len(), 2);
    is_not_found(submit(r, DeclarationId(id()), &p2026, t0).await);
    assert_eq!(r.get_case(CaseId(id())).await.unwrap(), None);
    assert_eq!(
        r.get_case_for_declaration(b.declaration.id).await.unwrap(),
        None
    );

    let cb = submit(r, b.declaration.id, &p2026, t0 + Duration::seconds(5))
        .await
        .unwrap();

    // The (unit, series, level) keys of a plan, each once; none for another plan.
    let keys = r.plan_case_keys(p2026.id).await.unwrap();
    assert_eq!(
        keys,
        [zhicheng_approval_path::health::HealthKey {
            unit: unit.id,
            series: ca.series.clone(),
            level: ca.level,
        }]
    );
    assert!(r.plan_case_keys(p2025.id).await.unwrap().is_empty());

    // The holder's list: oldest holding first, with names, in one query.
    let all = CaseFilter::holder(unit.id);
    let rows = r
        .list_cases(&all, &PageRequest::default())
        .await
        .unwrap()
        .rows;
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].case.id, rows[1].case.id), (ca.id, cb.id));
    assert_eq!(rows[0].applicant_name, a.person.name.as_str());
    assert_eq!(rows[1].applicant_name, b.person.name.as_str());
    assert_eq!(rows[0].specialty, a.declaration.specialty);
    assert_eq!(rows[1].unit_name, unit.name.as_str());

    // Unit approval, a refused step, a missing case.
    r.update_case(ca.id, |c| {
        c.unit_approve(&act(unit.id, t0 + Duration::seconds(10)))
            .map(|()| ((), audit("case", c.id.0, "case.unit_approved")))
    })
    .await
    .unwrap();
    let approved = r.get_case(ca.id).await.unwrap().unwrap();
    assert_eq!(
        (approved.status, approved.version),
        (CaseStatus::ReadyToReport, 2)
    );
    let refused = r
        .update_case(ca.id, |c| {
            c.unit_approve(&act(bureau, t0))
                .map(|()| ((), audit("case", c.id.0, "case.unit_approved")))
        })
        .await;
    assert_eq!(refused, Err(TxError::Rejected(TransitionError::NotHolder)));
    assert_eq!(r.get_case(ca.id).await.unwrap().unwrap(), approved);
    assert_eq!(r.audit(ca.id.0).await.len(), 1);
    is_not_found(
        r.update_case(CaseId(id()), |_| {
            Ok::<_, ()>(((), audit("case", Uuid::nil(), "x")))
        })
        .await,
    );

    // Filters by status, series and level; held_since now orders b first.
    let with = |status: Option<CaseStatus>, series: Option<SeriesCode>, level| CaseFilter {
        status,
        series,
        level,
        ..CaseFilter::holder(unit.id)
    };
    let ids = |v: zhicheng_review_workflow::queue::CasePage| {
        v.rows.into_iter().map(|c| c.case.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(r.list_cases(&all, &PageRequest::default()).await.unwrap()),
        [cb.id, ca.id]
    );
    assert_eq!(
        ids(r
            .list_cases(
                &with(Some(CaseStatus::ReadyToReport), None, None),
                &PageRequest::default()
            )
            .await
            .unwrap()),
        [ca.id]
    );
    assert_eq!(
        ids(r
            .list_cases(
                &with(
                    Some(CaseStatus::UnitReview),
                    Some(eng()),
                    Some(TitleLevel::Intermediate)
                ),
                &PageRequest::default()
            )
            .await
            .unwrap()),
        [cb.id]
    );
    let lib = SeriesCode::parse("LIB").unwrap();
    assert!(
        r.list_cases(&with(None, Some(lib), None), &PageRequest::default())
            .await
            .unwrap()
            .rows
            .is_empty()
    );
    assert!(
        r.list_cases(
            &with(None, None, Some(TitleLevel::SeniorFull)),
            &PageRequest::default()
        )
        .await
        .unwrap()
        .rows
        .is_empty()
    );
    assert!(
        r.list_cases(&CaseFilter::holder(bureau), &PageRequest::default())
            .await
            .unwrap()
            .rows
            .is_empty()
    );

    // A person's cases, newest first.
    let mut d0 = draft(a.person.id, &unit, &p2025, t0);
    d0.id = DeclarationId(id());
    r.create_declaration(&d0, &audit("declaration", d0.id.0, "declaration.created"))
        .await
        .unwrap();
    let c0 = submit(r, d0.id, &p2025, t0 + Duration::seconds(20))
        .await
        .unwrap();
    let mine: Vec<CaseId> = r
        .list_cases_for_person(a.person.id)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(mine, [c0.id, ca.id]);

    // Overlapping updates: no lost update.
    let bump = |c: &mut ReviewCase| {
        c.hop += 1;
        Ok::<_, ()>(((), audit("case", c.id.0, "case.bumped")))
    };
    let (x, y) = tokio::join!(r.update_case(cb.id, bump), r.update_case(cb.id, bump));
    let ok = successes([x, y]);
    let after = r.get_case(cb.id).await.unwrap().unwrap();
    assert_eq!(after.version, cb.version + ok);
    assert_eq!(i64::from(after.hop), ok);
}

// ---------------------------------------------------------------------------------------------
// Case history, case + declaration together, batches
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Queues: filters, counts per status, keyset paging
// ---------------------------------------------------------------------------------------------

/// Registers `name`, drafts a declaration of `level` in `plan` for `unit` and submits it at
/// `at`; returns the open case.
#[allow(clippy::too_many_arguments)]
async fn queued<R: IdentityRepo + DeclarationRepo + ReviewRepo>(
    r: &R,
    n: u32,
    username: &str,
    name: &str,
    unit: &Organisation,
    plan: &ReviewPlan,
    level: TitleLevel,
    at: DateTime<Utc>,
) -> ReviewCase {
    let mut p = person(n);
    p.name = PersonName::parse(name).unwrap();
    let a = account(username, Role::Applicant, Some(p.id), None);
    r.register_person(&p, &a, &audit("person", p.id.0, "person.registered"))
        .await
        .unwrap();
    // The first specialty of the plan's series (电气工程 is 工程技术 only).
    let specialty = Catalog::builtin()
        .find(&plan.series)
        .and_then(|s| s.specialties.first())
        .map(|s| s.name.clone())
        .unwrap();
    let d = Declaration::draft(
        DeclarationId(id()),
        p.id,
        unit,
        plan,
        level,
        &specialty,
        DeclarationKind::Normal,
        materials("queue"),
        Some(&acceptance(p.id, at)),
        &CommitmentLetter::builtin(),
        Catalog::builtin(),
        at,
    )
    .unwrap();
    r.create_declaration(&d, &audit("declaration", d.id.0, "declaration.created"))
        .await
        .unwrap();
    submit(r, d.id, plan, at).await.unwrap()
}

/// Every page of `filter`, `size` rows at a time, following `next`.
async fn all_pages<R: ReviewRepo>(r: &R, filter: &CaseFilter, size: u32) -> Vec<Vec<CaseId>> {
    let mut pages = Vec::new();
    let mut page = PageRequest::first(size);
    loop {
        let p = r.list_cases(filter, &page).await.unwrap();
        assert!(p.rows.len() <= size as usize);
        pages.push(p.rows.iter().map(|row| row.case.id).collect());
        match p.next {
            Some(next) => {
                assert_eq!(
                    next,
                    zhicheng_review_workflow::queue::CaseCursor::after(
                        &p.rows.last().unwrap().case
                    )
                );
                page = PageRequest::after(next, size);
            }
            None => return pages,
        }
    }
}

async fn queue_contract<R: IdentityRepo + DeclarationRepo + ReviewRepo>(r: &R) {
    let t0 = now();
    let n = unique_n();
    let unit = org(OrgKind::EmployerUnit, "文登区中心医院", "371003");
    let other = org(OrgKind::EmployerUnit, "文登区第二人民医院", "371003");
    for (o, user) in [(&unit, "queueunit"), (&other, "queueother")] {
        r.create_org(
            o,
            &account(user, Role::UnitAdmin, None, Some(o.id)),
            &audit("organisation", o.id.0, "org.created"),
        )
        .await
        .unwrap();
    }
    let bureau = OrgId(id());
    let eng_plan = open_plan(2026, bureau, t0);
    let mut lib_plan = ReviewPlan::new(
        PlanId(id()),
        bureau,
        2026,
        "2026年度图书资料系列职称评审",
        SeriesCode::parse("LIB").unwrap(),
        vec![TitleLevel::Intermediate],
        t0 - Duration::days(1),
        t0 + Duration::days(30),
        t0,
        Catalog::builtin(),
    )
    .unwrap();
    lib_plan.open().unwrap();
    for p in [&eng_plan, &lib_plan] {
        r.create_plan(p, &audit("plan", p.id.0, "plan.created"))
            .await
            .unwrap();
    }
    // Seven submissions an hour apart, two of them at the same instant (ties go by id).
    let hour = |k: i64| t0 - Duration::hours(12) + Duration::hours(k);
    let people: [(&str, &ReviewPlan, TitleLevel, DateTime<Utc>); 7] = [
        ("王芳", &eng_plan, TitleLevel::Intermediate, hour(0)),
        ("王强", &eng_plan, TitleLevel::SeniorDeputy, hour(1)),
        ("李娜", &lib_plan, TitleLevel::Intermediate, hour(2)),
        ("张伟", &eng_plan, TitleLevel::Intermediate, hour(3)),
        ("王伟", &eng_plan, TitleLevel::Intermediate, hour(3)),
        ("刘洋", &eng_plan, TitleLevel::Intermediate, hour(4)),
        ("陈静", &eng_plan, TitleLevel::Intermediate, hour(5)),
    ];
    let mut cases = Vec::new();
    for (k, (name, plan, level, at)) in people.iter().enumerate() {
        let k = u32::try_from(k).unwrap();
        let c = queued(
            r,
            n + k,
            &format!("queue{k}"),
            name,
            &unit,
            plan,
            *level,
            *at,
        )
        .await;
        cases.push(c);
    }
    // Another unit's declaration never shows in this unit's queue.
    let theirs = queued(
        r,
        n + 20,
        "queue20",
        "王芳",
        &other,
        &eng_plan,
        TitleLevel::Intermediate,
        hour(1),
    )
    .await;
    let mut order: Vec<&ReviewCase> = cases.iter().collect();
    order.sort_by_key(|c| (c.held_since, c.id));
    let expected: Vec<CaseId> = order.iter().map(|c| c.id).collect();

    // Keyset paging: pages of 3 cover the queue once, in (held_since, id) order.
    let all = CaseFilter::holder(unit.id);
    let pages = all_pages(r, &all, 3).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    assert_eq!(pages.concat(), expected);
    assert_eq!(all_pages(r, &all, 7).await, std::slice::from_ref(&expected));
    assert_eq!(all_pages(r, &all, 200).await.concat(), expected);
    // A row that arrives before the cursor does not shift the next page.
    let second = PageRequest::after(
        zhicheng_review_workflow::queue::CaseCursor::after(order[2]),
        3,
    );
    let p2: Vec<CaseId> = r
        .list_cases(&all, &second)
        .await
        .unwrap()
        .rows
        .iter()
        .map(|row| row.case.id)
        .collect();
    assert_eq!(p2, expected[3..6]);

    // Rows carry names and the submission time.
    let first = r.list_cases(&all, &PageRequest::first(1)).await.unwrap();
    assert_eq!(first.rows[0].applicant_name, "王芳");
    assert_eq!(first.rows[0].unit_name, unit.name.as_str());
    assert_eq!(first.rows[0].submitted_at, Some(hour(0)));

    let ids_of = |f: CaseFilter| async move { all_pages(r, &f, 2).await.concat() };
    let by = |k: usize| cases[k].id;
    // Series, level, name (a substring, not a pattern), submission days.
    let lib = SeriesCode::parse("LIB").unwrap();
    assert_eq!(
        ids_of(CaseFilter {
            series: Some(lib),
            ..all.clone()
        })
        .await,
        [by(2)]
    );
    assert_eq!(
        ids_of(CaseFilter {
            level: Some(TitleLevel::SeniorDeputy),
            ..all.clone()
        })
        .await,
        [by(1)]
    );
    let name = |s: &str| {
        QueueQuery::parse(&RawQueueQuery {
            name: Some(s),
            ..RawQueueQuery::default()
        })
        .unwrap()
        .name
    };
    let wang = ids_of(CaseFilter {
        name: name("王"),
        ..all.clone()
    })
    .await;
    assert_eq!(wang.len(), 3);
    assert!(wang.contains(&by(0)) && wang.contains(&by(1)) && wang.contains(&by(4)));
    assert_eq!(
        ids_of(CaseFilter {
            name: name("芳"),
            ..all.clone()
        })
        .await,
        [by(0)]
    );
    assert!(
        ids_of(CaseFilter {
            name: name("%"),
            ..all.clone()
        })
        .await
        .is_empty()
    );
    assert!(
        ids_of(CaseFilter {
            name: name("_"),
            ..all.clone()
        })
        .await
        .is_empty()
    );
    let window = CaseFilter {
        submitted_since: Some(hour(2)),
        submitted_before: Some(hour(4)),
        ..all.clone()
    };
    let mut in_window = ids_of(window.clone()).await;
    in_window.sort();
    let mut want = vec![by(2), by(3), by(4)];
    want.sort();
    assert_eq!(in_window, want);
    assert_eq!(
        ids_of(CaseFilter {
            series: Some(eng()),
            level: Some(TitleLevel::Intermediate),
            name: name("王"),
            ..window.clone()
        })
        .await,
        [by(4)]
    );

    // Two approvals move those cases to another status, held since later.
    for k in [0, 5] {
        r.update_case(by(k), |c| {
            c.unit_approve(&act(unit.id, t0 + Duration::minutes(1)))
                .map(|()| ((), audit("case", c.id.0, "case.unit_approved")))
        })
        .await
        .unwrap();
    }
    // One is withdrawn: a draft again, no submission time, still in the unit's queue.
    r.update_case_with_declaration(by(6), |c, d| {
        c.withdraw(Actor::System, t0 + Duration::minutes(2))
            .map_err(|_| ())?;
        d.withdraw().map_err(|_| ())?;
        Ok::<_, ()>(((), audit("case", c.id.0, "case.withdrawn")))
    })
    .await
    .unwrap();
    let count = |v: &[(CaseStatus, u64)]| {
        v.iter()
            .map(|&(status, count)| StatusCount { status, count })
            .collect::<Vec<_>>()
    };
    let counts = r.count_cases(&all).await.unwrap();
    assert_eq!(
        counts,
        count(&[
            (CaseStatus::UnitReview, 4),
            (CaseStatus::Withdrawn, 1),
            (CaseStatus::ReadyToReport, 2),
        ])
    );
    // Counts ignore the status filter (they are the tabs) but honour every other one.
    let ready = CaseFilter {
        status: Some(CaseStatus::ReadyToReport),
        ..all.clone()
    };
    assert_eq!(r.count_cases(&ready).await.unwrap(), counts);
    assert_eq!(
        r.count_cases(&CaseFilter {
            name: name("王"),
            ..ready.clone()
        })
        .await
        .unwrap(),
        count(&[(CaseStatus::UnitReview, 2), (CaseStatus::ReadyToReport, 1)])
    );
    assert_eq!(
        r.count_cases(&CaseFilter {
            submitted_since: Some(hour(0)),
            ..all.clone()
        })
        .await
        .unwrap(),
        count(&[(CaseStatus::UnitReview, 4), (CaseStatus::ReadyToReport, 2)])
    );
    assert_eq!(ids_of(ready.clone()).await, [by(0), by(5)]);
    assert_eq!(
        all_pages(
            r,
            &CaseFilter {
                status: Some(CaseStatus::UnitReview),
                ..all.clone()
            },
            3
        )
        .await
        .concat(),
        expected
            .iter()
            .copied()
            .filter(|c| [by(1), by(2), by(3), by(4)].contains(c))
            .collect::<Vec<_>>()
    );
    let withdrawn = r
        .list_cases(
            &CaseFilter {
                status: Some(CaseStatus::Withdrawn),
                ..all.clone()
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(withdrawn.rows.len(), 1);
    assert_eq!(withdrawn.rows[0].submitted_at, None);
    assert!(!ids_of(window).await.contains(&by(6)));

    // A plan's cases of one series and level (the summary table): the unit's own, whoever
    // holds them, first submitted first; the receiver's once reported through it.
    let plan_ids = |rows: Vec<zhicheng_review_workflow::ports::CaseRow>| {
        rows.iter().map(|row| row.case.id).collect::<Vec<_>>()
    };
    let mut eng_mid: Vec<&ReviewCase> = [0, 3, 4, 5, 6].iter().map(|&k| &cases[k]).collect();
    eng_mid.sort_by_key(|c| (c.opened_at, c.id));
    let eng_mid: Vec<CaseId> = eng_mid.iter().map(|c| c.id).collect();
    let eng_series = eng();
    let summary =
        |o: OrgId| r.list_plan_cases(o, eng_plan.id, &eng_series, TitleLevel::Intermediate);
    assert_eq!(plan_ids(summary(unit.id).await.unwrap()), eng_mid);
    assert!(summary(bureau).await.unwrap().is_empty());
    r.update_case(by(0), |c| {
        c.report(
            &act(unit.id, t0 + Duration::minutes(3)),
            &Route {
                hops: vec![unit.id, bureau],
            },
        )
        .map(|()| ((), audit("case", c.id.0, "case.reported")))
    })
    .await
    .unwrap();
    assert_eq!(plan_ids(summary(unit.id).await.unwrap()), eng_mid);
    assert_eq!(plan_ids(summary(bureau).await.unwrap()), [by(0)]);
    assert_eq!(plan_ids(summary(other.id).await.unwrap()), [theirs.id]);
    assert!(
        r.list_plan_cases(unit.id, lib_plan.id, &eng(), TitleLevel::Intermediate)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        plan_ids(
            r.list_plan_cases(
                unit.id,
                lib_plan.id,
                &SeriesCode::parse("LIB").unwrap(),
                TitleLevel::Intermediate
            )
            .await
            .unwrap()
        ),
        [by(2)]
    );

    // Per-organisation scope: the other unit sees only its own case, nobody else's counts.
    assert_eq!(ids_of(CaseFilter::holder(other.id)).await, [theirs.id]);
    assert_eq!(
        r.count_cases(&CaseFilter::holder(other.id)).await.unwrap(),
        count(&[(CaseStatus::UnitReview, 1)])
    );
    // The reported case left the unit's queue for the receiver's.
    assert_eq!(ids_of(CaseFilter::holder(bureau)).await, [by(0)]);
    assert_eq!(
        r.count_cases(&CaseFilter::holder(bureau)).await.unwrap(),
        count(&[(CaseStatus::PendingAcceptance, 1)])
    );
    assert!(!ids_of(all.clone()).await.contains(&by(0)));
}

/// A batch whose cases end in different states, were loaded at different versions, or had a
/// column changed that transitions never touch: each is written as its closure left it, at
/// its next version, with its hops and one audit row each.
async fn bulk_batch_contract<R: IdentityRepo + DeclarationRepo + ReviewRepo + Audited>(r: &R) {
    let t0 = now();
    let n = unique_n();
    let unit = org(OrgKind::EmployerUnit, "荣成市人民医院", "371082");
    r.create_org(
        &unit,
        &account("bulkunit", Role::UnitAdmin, None, Some(unit.id)),
        &audit("organisation", unit.id.0, "org.created"),
    )
    .await
    .unwrap();
    let plan = open_plan(2026, OrgId(id()), t0);
    r.create_plan(&plan, &audit("plan", plan.id.0, "plan.created"))
        .await
        .unwrap();
    let mut cases = Vec::new();
    for k in 0..6u32 {
        let name = ["赵一", "钱二", "孙三", "李四", "周五", "吴六"][k as usize];
        let level = TitleLevel::Intermediate;
        let c = queued(r, n + k, &format!("bulk{k}"), name, &unit, &plan, level, t0).await;
        cases.push(c);
    }
    // Two cases move on first, so the batch loads them at a later version.
    for c in &cases[..2] {
        r.update_case(c.id, |c| {
            c.hop += 0;
            Ok::<_, ()>(((), audit("case", c.id.0, "case.touched")))
        })
        .await
        .unwrap();
    }
    let ids: Vec<CaseId> = cases.iter().map(|c| c.id).collect();
    let t1 = t0 + Duration::seconds(30);
    let mut k = 0;
    let out = r
        .update_cases(&ids, None, |c| {
            k += 1;
            c.unit_approve(&act(unit.id, t1))?;
            if k == 3 {
                // A different time: its own group.
                c.held_since = t1 + Duration::seconds(1);
            }
            if k == 4 {
                // A column no transition changes: written on its own.
                c.year += 1;
            }
            Ok::<_, TransitionError>((c.clone(), audit("case", c.id.0, "case.unit_approved")))
        })
        .await;
    let Ok(BatchOutcome::Done(out)) = out else {
        panic!("batch refused: {out:?}")
    };
    assert_eq!(out.len(), 6);
    for (i, (before, after)) in cases.iter().zip(&out).enumerate() {
        let stored = r.get_case(before.id).await.unwrap().unwrap();
        let mut want = after.clone();
        want.new_hops.clear();
        assert_eq!(stored, want, "case {i}");
        let loaded = if i < 2 { 2 } else { 1 };
        assert_eq!(stored.version, loaded + 1, "case {i}");
        assert_eq!(stored.status, CaseStatus::ReadyToReport);
        let expected_since = if i == 2 {
            t1 + Duration::seconds(1)
        } else {
            t1
        };
        assert_eq!(stored.held_since, expected_since, "case {i}");
        assert_eq!(stored.year, if i == 3 { 2027 } else { 2026 }, "case {i}");
        let hops = r.case_history(before.id).await.unwrap();
        assert_eq!(
            hops.last().map(|h| (h.action, h.version)),
            Some((CaseAction::UnitApproved, stored.version))
        );
        let approvals = r
            .audit(before.id.0)
            .await
            .iter()
            .filter(|a| a.action == "case.unit_approved")
            .count();
        assert_eq!(approvals, 1, "case {i}");
    }
    // Replaying the batch now finds them approved: refused, nothing written.
    let again = r
        .update_cases(&ids, None, |c| {
            c.unit_approve(&act(unit.id, t1))?;
            Ok::<_, TransitionError>(((), audit("case", c.id.0, "case.unit_approved")))
        })
        .await;
    assert!(matches!(again, Err(BatchError::Rejected(v)) if v.len() == 6));
}

/// Submitting freezes a numbered version in the submission's transaction; a resubmission
/// after a return freezes the next one; a refused submission freezes nothing.
async fn versions_contract<R: IdentityRepo + DeclarationRepo + ReviewRepo + Audited>(r: &R) {
    let t0 = now();
    let n = unique_n();
    let unit = org(OrgKind::EmployerUnit, "荣成市人民医院", "371082");
    r.create_org(
        &unit,
        &account(&format!("vunit{n}"), Role::UnitAdmin, None, Some(unit.id)),
        &audit("organisation", unit.id.0, "org.created"),
    )
    .await
    .unwrap();
    let plan = open_plan(2026, OrgId(id()), t0);
    r.create_plan(&plan, &audit("plan", plan.id.0, "plan.created"))
        .await
        .unwrap();
    let a = applicant(r, n, &format!("vuser{n}"), &unit, &plan, t0).await;
    let did = a.declaration.id;
    assert!(r.list_versions(did).await.unwrap().is_empty());
    let ca = submit(r, did, &plan, t0).await.unwrap();
    let v = r.list_versions(did).await.unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(
        (v[0].declaration_id, v[0].number, v[0].submitted_at),
        (did, 1, t0)
    );
    assert_eq!(v[0].materials, materials("v1"));
    assert_eq!(
        r.get_declaration(did).await.unwrap().unwrap().submissions,
        1
    );
    // A refused second submission freezes nothing.
    assert!(submit(r, did, &plan, t0).await.is_err());
    assert_eq!(r.list_versions(did).await.unwrap().len(), 1);

    // Returned, edited, resubmitted: version 2 with the new materials.
    let t1 = t0 + Duration::seconds(1);
    let reasons = ReturnReasons::parse([("achievements", "缺少证明")]).unwrap();
    r.update_case_with_declaration(ca.id, |c, d| {
        c.return_to_applicant(&act(unit.id, t1), reasons)?;
        d.reopen().map_err(|_| TransitionError::WrongStatus("x"))?;
        Ok::<_, TransitionError>(((), audit("case", c.id.0, "case.returned")))
    })
    .await
    .unwrap();
    let t2 = t0 + Duration::seconds(2);
    r.update_case_with_declaration(ca.id, |c, d| {
        d.edit(materials("v2"))
            .map_err(|_| TransitionError::WrongStatus("x"))?;
        d.submit(t2, &plan)
            .map_err(|_| TransitionError::WrongStatus("x"))?;
        c.resubmit(Actor::System, t2)?;
        Ok::<_, TransitionError>(((), audit("case", c.id.0, "case.resubmitted")))
    })
    .await
    .unwrap();
    let v = r.list_versions(did).await.unwrap();
    let numbers: Vec<u32> = v.iter().map(|v| v.number).collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(
        (&v[0].materials, &v[1].materials, v[1].submitted_at),
        (&materials("v1"), &materials("v2"), t2)
    );
    assert!(
        r.list_versions(DeclarationId(id()))
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------

async fn history_and_batch_contract<R: IdentityRepo + DeclarationRepo + ReviewRepo + Audited>(
    r: &R,
) {
    let t0 = now();
    let n = unique_n();
    let unit = org(OrgKind::EmployerUnit, "环翠区人民医院", "371002");
    r.create_org(
        &unit,
        &account(&format!("hunit{n}"), Role::UnitAdmin, None, Some(unit.id)),
        &audit("organisation", unit.id.0, "org.created"),
    )
    .await
    .unwrap();
    let plan = open_plan(2026, OrgId(id()), t0);
    r.create_plan(&plan, &audit("plan", plan.id.0, "plan.created"))
        .await
        .unwrap();
    let a = applicant(r, n, &format!("hauser{n}"), &unit, &plan, t0).await;
    let b = applicant(r, n + 1, &format!("hbat{n}"), &unit, &plan, t0).await;
    let c = applicant(r, n + 2, &format!("hcat{n}"), &unit, &plan, t0).await;
    let ca = submit(r, a.declaration.id, &plan, t0).await.unwrap();
    let cb = submit(r, b.declaration.id, &plan, t0).await.unwrap();
    let cc = submit(r, c.declaration.id, &plan, t0).await.unwrap();

    // Opening wrote the first hop with the case.
    let h = r.case_history(ca.id).await.unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].action, h[0].version, h[0].from_org, h[0].to_org),
        (CaseAction::Submitted, 1, None, unit.id)
    );
    assert!(r.case_history(CaseId(id())).await.unwrap().is_empty());

    // Case and declaration change together: a return to the applicant.
    let t1 = t0 + Duration::seconds(1);
    let reasons = ReturnReasons::parse([("achievements", "缺少证明")]).unwrap();
    let back = r
        .update_case_with_declaration(ca.id, |c, d| {
            c.return_to_applicant(&act(unit.id, t1), reasons.clone())?;
            d.reopen().map_err(|_| TransitionError::WrongStatus("x"))?;
            Ok::<_, TransitionError>((c.version, audit("case", c.id.0, "case.returned")))
        })
        .await
        .unwrap();
    assert_eq!(back, 2);
    let case = r.get_case(ca.id).await.unwrap().unwrap();
    let decl = r.get_declaration(a.declaration.id).await.unwrap().unwrap();
    assert_eq!(
        (case.status, case.version, decl.status, decl.version),
        (
            CaseStatus::ReturnedToApplicant,
            2,
            DeclarationStatus::Returned,
            3
        )
    );
    assert!(matches!(
        case.decision,
        Some(Decision::ReturnedToApplicant { .. })
    ));
    let h = r.case_history(ca.id).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(
        (h[1].action, h[1].version, h[1].at, h[1].opinion.as_deref()),
        (
            CaseAction::ReturnedToApplicant,
            2,
            t1,
            Some("工作业绩与成果：缺少证明")
        )
    );
    assert_eq!(r.audit(ca.id.0).await.len(), 1);
    // A refused closure writes nothing (neither row, nor hop, nor audit).
    let refused = r
        .update_case_with_declaration(ca.id, |c, _| {
            c.unit_approve(&act(unit.id, t1))?;
            Ok::<_, TransitionError>(((), audit("case", c.id.0, "x")))
        })
        .await;
    assert!(matches!(refused, Err(TxError::Rejected(_))));
    assert_eq!(r.get_case(ca.id).await.unwrap().unwrap(), case);
    assert_eq!(r.case_history(ca.id).await.unwrap().len(), 2);
    assert_eq!(r.audit(ca.id.0).await.len(), 1);
    is_not_found(
        r.update_case_with_declaration(CaseId(id()), |_, _| {
            Ok::<_, ()>(((), audit("case", Uuid::nil(), "x")))
        })
        .await,
    );

    // A batch is all or nothing: `ca` is not in review, so `cb` does not move either.
    let t2 = t0 + Duration::seconds(2);
    let approve = |c: &mut ReviewCase| {
        c.unit_approve(&act(unit.id, t2))?;
        Ok::<_, TransitionError>((c.id, audit("case", c.id.0, "case.unit_approved")))
    };
    let missing = CaseId(id());
    let r1 = r
        .update_cases(&[cb.id, ca.id, missing], None, approve)
        .await;
    let Err(BatchError::Rejected(failures)) = r1 else {
        panic!("expected a rejected batch, got {r1:?}")
    };
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].0, ca.id);
    assert!(matches!(
        failures[0].1,
        Some(TransitionError::WrongStatus(_))
    ));
    assert_eq!(failures[1], (missing, None));
    assert_eq!(r.get_case(cb.id).await.unwrap().unwrap(), cb);
    assert_eq!(r.case_history(cb.id).await.unwrap().len(), 1);
    assert!(r.audit(cb.id.0).await.is_empty());

    // The same key twice moves once; the replay answers the stored result.
    let key = IdempotencyKey {
        id: format!("acct:approve:{n}"),
        request_hash: "h1".into(),
        at: t2,
    };
    let first = r
        .update_cases(&[cb.id, cc.id], Some(&key), approve)
        .await
        .unwrap();
    assert_eq!(first, BatchOutcome::Done(vec![cb.id, cc.id]));
    for id in [cb.id, cc.id] {
        let c = r.get_case(id).await.unwrap().unwrap();
        assert_eq!((c.status, c.version), (CaseStatus::ReadyToReport, 2));
        assert_eq!(r.audit(id.0).await.len(), 1);
        assert_eq!(r.case_history(id).await.unwrap().len(), 2);
    }
    let replay = r
        .update_cases(&[cb.id, cc.id], Some(&key), approve)
        .await
        .unwrap();
    assert_eq!(replay, BatchOutcome::Replayed(vec![cb.id, cc.id]));
    assert_eq!(r.audit(cb.id.0).await.len(), 1);
    let other = IdempotencyKey {
        request_hash: "h2".into(),
        ..key.clone()
    };
    assert_eq!(
        r.update_cases(&[cb.id], Some(&other), approve).await,
        Err(BatchError::KeyReused)
    );

    // Two operators at once on the same case: one moves it, the other is refused; one audit.
    let d = applicant(r, n + 3, &format!("hdat{n}"), &unit, &plan, t0).await;
    let cd = submit(r, d.declaration.id, &plan, t0).await.unwrap();
    let one = [cd.id];
    let (x, y) = tokio::join!(
        r.update_cases(&one, None, approve),
        r.update_cases(&one, None, approve)
    );
    let oks = [&x, &y].iter().filter(|o| o.is_ok()).count();
    assert_eq!(oks, 1, "{x:?} {y:?}");
    let loser = if x.is_ok() { y } else { x };
    assert!(
        matches!(
            loser,
            Err(BatchError::Rejected(_)) | Err(BatchError::Store(StoreError::Conflict))
        ),
        "{loser:?}"
    );
    assert_eq!(r.audit(cd.id.0).await.len(), 1);
    assert_eq!(r.case_history(cd.id).await.unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------------

/// A declaration submitted and taken through unit review, reporting, acceptance and a passing
/// vote at `receiver`.
async fn passed_case<R: DeclarationRepo + ReviewRepo>(
    r: &R,
    unit: &Organisation,
    plan: &ReviewPlan,
    receiver: OrgId,
) -> ReviewCase {
    let t = now();
    let d = draft(PersonId(id()), unit, plan, t);
    r.create_declaration(&d, &audit("declaration", d.id.0, "declaration.created"))
        .await
        .unwrap();
    let case = submit(r, d.id, plan, t).await.unwrap();
    let route = Route {
        hops: vec![unit.id, receiver],
    };
    let vote = CommitteeVote {
        members: 25,
        attending: 20,
        yes: 18,
        no: 2,
        abstain: 0,
    };
    r.update_case(case.id, |c| {
        c.unit_approve(&act(unit.id, t))?;
        c.report(&act(unit.id, t), &route)?;
        c.accept(&act(receiver, t))?;
        c.record_vote(&act(receiver, t), vote)?;
        Ok::<_, TransitionError>(((), audit("case", c.id.0, "case.passed")))
    })
    .await
    .unwrap();
    r.get_case(case.id).await.unwrap().unwrap()
}

fn certificate(
    c: &ReviewCase,
    (issuer, province): (OrgId, u8),
    year: i32,
    seq: u64,
    code: &str,
) -> Certificate {
    let number = CertificateNumber::new(province, year, c.level, &c.series, seq);
    let payload = CertificatePayload {
        format: "zhicheng-cert/1".into(),
        number: number.to_string(),
        holder_name: "张三".into(),
        holder_id_masked: "3710**********1231".into(),
        holder_id_digest: "00".into(),
        series_code: c.series.to_string(),
        series_name: "工程技术人员".into(),
        level: c.level.as_str().into(),
        level_name: c.level.zh().into(),
        title_name: "工程师".into(),
        specialty: "电气工程".into(),
        year,
        issuer_name: "威海市人力资源和社会保障局".into(),
        passed_on: c.held_since.date_naive(),
        issued_at: now(),
        verify_path: format!("/verify/{code}"),
    };
    Certificate {
        id: CertificateId(id()),
        number,
        case_id: c.id,
        declaration_id: c.declaration_id,
        person_id: c.person_id,
        issuer_id: issuer,
        document: IssuerKey::from_seed([7; 32]).sign(payload),
        verification_code: code.to_owned(),
        status: CertificateStatus::Valid,
        issued_at: now(),
        version: 1,
    }
}

/// Issues `case` by `issuer` for `year`, certifying it in the closure; the number uses the
/// sequence handed in unless `force_seq` is given.
async fn issue<R: CertificateRepo>(
    r: &R,
    case: CaseId,
    (issuer, province): (OrgId, u8),
    year: i32,
    force_seq: Option<u64>,
) -> Result<(Certificate, u64), TxError<TransitionError>> {
    let code = format!("code{}", id().simple());
    let mut seen = 0;
    let cert = r
        .issue(case, &CertificateNumber::scope(province, year), |c, seq| {
            seen = seq;
            c.certify(&act(issuer, now()))?;
            let cert = certificate(c, (issuer, province), year, force_seq.unwrap_or(seq), &code);
            let a = audit("certificate", cert.id.0, "certificate.issued");
            Ok((cert, a))
        })
        .await?;
    Ok((cert, seen))
}

async fn certificate_contract<R: DeclarationRepo + ReviewRepo + CertificateRepo + Audited>(r: &R) {
    let t0 = now();
    let unit = org(OrgKind::EmployerUnit, "文登区人民医院", "371003");
    let bureau = OrgId(id());
    let other_issuer = OrgId(id());
    let plan = open_plan(2026, bureau, t0);
    let c1 = passed_case(r, &unit, &plan, bureau).await;
    let c2 = passed_case(r, &unit, &plan, bureau).await;
    let c3 = passed_case(r, &unit, &plan, other_issuer).await;
    let c4 = passed_case(r, &unit, &plan, bureau).await;
    assert_eq!(c1.status, CaseStatus::Passed);

    // Sequence numbers 1, 2 per issuer and year; the case is certified in the same transaction.
    let (cert1, seq1) = issue(r, c1.id, (bureau, 37), 2026, None).await.unwrap();
    assert_eq!(seq1, 1);
    assert!(cert1.number.as_str().contains("-000001-"));
    let certified = r.get_case(c1.id).await.unwrap().unwrap();
    assert_eq!(
        (certified.status, certified.version),
        (CaseStatus::Certified, c1.version + 1)
    );
    assert_eq!(
        r.find_by_number(&cert1.number).await.unwrap(),
        Some(cert1.clone())
    );
    assert_eq!(
        r.find_by_code(&cert1.verification_code).await.unwrap(),
        Some(cert1.clone())
    );
    assert_eq!(r.find_by_case(c1.id).await.unwrap(), Some(cert1.clone()));
    assert_eq!(r.audit(cert1.id.0).await.len(), 1);
    let (cert2, seq2) = issue(r, c2.id, (bureau, 37), 2026, None).await.unwrap();
    assert_eq!(seq2, 2);
    assert_ne!(cert1.number, cert2.number);
    // Another issuer in the same province continues the province's sequence (numbers carry
    // the province, not the issuer, so they never collide).
    let (cert_other, seq_other) = issue(r, c3.id, (other_issuer, 37), 2026, None)
        .await
        .unwrap();
    assert_eq!(seq_other, 3, "sequences count per province and year");
    assert_ne!(cert_other.number, cert2.number);

    // A second issue of the same case is refused by the domain; nothing is written.
    let again = issue(r, c1.id, (bureau, 37), 2026, None).await;
    assert!(matches!(
        again,
        Err(TxError::Rejected(TransitionError::WrongStatus(_)))
    ));
    assert_eq!(r.get_case(c1.id).await.unwrap().unwrap(), certified);
    is_not_found(issue(r, CaseId(id()), (bureau, 37), 2026, None).await);

    // A number already taken is a conflict and leaves the case as it was.
    let taken = issue(r, c4.id, (bureau, 37), 2026, Some(1)).await;
    assert!(
        matches!(taken, Err(TxError::Store(StoreError::Conflict))),
        "{taken:?}"
    );
    assert_eq!(r.get_case(c4.id).await.unwrap().unwrap(), c4);
    assert_eq!(r.find_by_case(c4.id).await.unwrap(), None);

    // Another year starts again at 1.
    let (_, seq_2027) = issue(r, c4.id, (bureau, 37), 2027, None).await.unwrap();
    assert_eq!(seq_2027, 1);

    // Unknown look-ups.
    let unknown = CertificateNumber::new(37, 2026, TitleLevel::Intermediate, &eng(), 999);
    assert_eq!(r.find_by_number(&unknown).await.unwrap(), None);
    assert_eq!(r.find_by_code("nosuchcode000000").await.unwrap(), None);
    assert_eq!(r.find_by_case(CaseId(id())).await.unwrap(), None);
    assert_eq!(
        r.list_for_person(c1.person_id).await.unwrap(),
        vec![cert1.clone()]
    );
    assert!(r.list_for_person(PersonId(id())).await.unwrap().is_empty());

    // Two parallel issues for the same issuer and year never share a number.
    let c5 = passed_case(r, &unit, &plan, bureau).await;
    let c6 = passed_case(r, &unit, &plan, bureau).await;
    let (x, y) = tokio::join!(
        issue(r, c5.id, (bureau, 37), 2026, None),
        issue(r, c6.id, (bureau, 37), 2026, None)
    );
    let mut numbers = Vec::new();
    for res in [x, y] {
        match res {
            Ok((c, seq)) => {
                assert!((4..=5).contains(&seq), "seq {seq}");
                numbers.push(c.number);
            }
            Err(TxError::Store(StoreError::Conflict)) => {}
            Err(e) => panic!("parallel issue failed with {e:?}"),
        }
    }
    assert!(!numbers.is_empty());
    if numbers.len() == 2 {
        assert_ne!(numbers[0], numbers[1]);
    }

    // The signing seed: the first candidate wins.
    assert_eq!(r.signing_seed([1; 32]).await.unwrap(), [1; 32]);
    assert_eq!(r.signing_seed([2; 32]).await.unwrap(), [1; 32]);
}

// ---------------------------------------------------------------------------------------------
// Store-specific behaviour
// ---------------------------------------------------------------------------------------------

async fn pragma(store: &Store, name: &str) -> String {
    let row = store
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("PRAGMA {name}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_runs_with_wal_full_sync_and_foreign_keys() {
    let (store, tmp) = sqlite_store().await;
    assert!(
        tmp.dir.join("nested").is_dir(),
        "the parent directory is created"
    );
    assert_eq!(store.backend_name(), "sqlite");
    store.ping().await.unwrap();
    // Every pooled connection carries the settings: hold several at once.
    let checks = (0..4).map(|_| {
        let s = store.clone();
        async move {
            (
                pragma(&s, "journal_mode").await,
                pragma(&s, "synchronous").await,
                pragma(&s, "foreign_keys").await,
                pragma(&s, "busy_timeout").await,
            )
        }
    });
    for got in futures_join_all(checks).await {
        assert_eq!(got, ("wal".into(), "2".into(), "1".into(), "5000".into()));
    }
}

/// Writes `n` plans, each with its audit row, one transaction each.
async fn write_plans(store: &Store, n: usize) {
    for _ in 0..n {
        let p = open_plan(2026, OrgId(id()), now());
        store
            .create_plan(&p, &audit("plan", p.id.0, "plan.created"))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_wal_stays_bounded_by_the_checkpointer() {
    let (store, tmp) = sqlite_store().await;
    let wal = tmp.dir.join("nested").join("zhicheng.db-wal");
    let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    // Rounds small enough that SQLite's own auto-checkpoint (1000 pages) never fires.
    write_plans(&store, 60).await;
    let first = wal_size();
    assert!(first > 0);
    for _ in 0..2 {
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        write_plans(&store, 60).await;
    }
    let last = wal_size();
    // Without checkpoints the WAL would hold all three rounds (about 3 × `first`).
    assert!(
        last < first * 2,
        "WAL grew from {first} to {last} bytes: the checkpointer did not run"
    );
}

/// `join_all` without another dependency.
async fn futures_join_all<F: Future + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn lifecycle(store: &Store) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert!(store.is_empty().await.unwrap());
    let unit = org(OrgKind::EmployerUnit, "文登区人民医院", "371003");
    store
        .create_org(
            &unit,
            &account("unitadmin", Role::UnitAdmin, None, Some(unit.id)),
            &audit("organisation", unit.id.0, "org.created"),
        )
        .await
        .unwrap();
    assert!(!store.is_empty().await.unwrap());
    store.ping().await.unwrap();
    // Sessions need an existing account (foreign key).
    let orphan = Session {
        token_hash: "ff".repeat(32),
        account_id: AccountId(id()),
        created_at: now(),
        expires_at: now(),
        last_seen_at: now(),
    };
    assert!(matches!(
        store.create_session(&orphan).await,
        Err(StoreError::Unavailable(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migrates_idempotently_and_knows_when_it_is_empty() {
    let (store, _tmp) = sqlite_store().await;
    lifecycle(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_sqlite_works_for_quick_tests() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    lifecycle(&store).await;
    assert_eq!(store.backend_name(), "sqlite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migrates_idempotently_and_knows_when_it_is_empty() {
    let Some((store, _db)) = pg_store().await else {
        return;
    };
    assert_eq!(store.backend_name(), "postgres");
    lifecycle(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_reports_emptiness_too() {
    let m = MemoryStore::new();
    assert!(m.is_empty().await.unwrap());
    assert_eq!(m.backend_name(), "memory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_urls_are_refused() {
    assert!(matches!(
        Store::connect("mysql://localhost/x").await,
        Err(StoreError::Unavailable(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Recovery: SMS gateway outbox, recovery challenges, counters, person updates
// ---------------------------------------------------------------------------------------------

async fn recovery_contract<R>(r: &R)
where
    R: IdentityRepo + zhicheng_identity::ports::SmsGateway + Audited + Outbox,
{
    use zhicheng_identity::recovery::{
        CodeRefusal, RecoveryCode, RecoveryCodeText, RecoveryPurpose, SmsMessage, SmsTemplate,
    };
    let p = person(unique_n());
    let a = account("recoverme", Role::Applicant, Some(p.id), None);
    r.register_person(&p, &a, &audit("person", p.id.0, "person.registered"))
        .await
        .unwrap();
    assert_eq!(
        r.find_person_by_id_number(&p.id_number).await.unwrap(),
        Some(p.clone())
    );

    // The code generator gives 6 digits, not always the same.
    let codes: std::collections::HashSet<String> = (0..8)
        .map(|_| r.new_code().unwrap().expose().to_owned())
        .collect();
    assert!(codes.iter().all(|c| c.len() == 6));
    assert!(codes.len() > 1);

    // Sending with a challenge stores message, challenge and audit row together.
    let code = RecoveryCodeText::parse("246810").unwrap();
    let challenge = RecoveryCode::new(id(), a.id, &code, RecoveryPurpose::PasswordReset, now());
    let msg = SmsMessage {
        mobile: p.mobile.clone(),
        template: SmsTemplate::ResetCode,
        params: vec![
            ("code".into(), "246810".into()),
            ("minutes".into(), "5".into()),
        ],
    };
    r.send(
        &msg,
        Some(&challenge),
        &audit("account", a.id.0, "account.recovery_code_sent"),
    )
    .await
    .unwrap();
    assert_eq!(
        r.get_recovery(challenge.id).await.unwrap(),
        Some(challenge.clone())
    );
    let outbox = r.outbox().await;
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].mobile, p.mobile.as_str());
    assert!(outbox[0].text.contains("246810"));
    // The same challenge twice: nothing of the second send is kept.
    assert!(
        r.send(&msg, Some(&challenge), &audit("account", a.id.0, "again"))
            .await
            .is_err()
    );
    assert_eq!(r.outbox().await.len(), 1);
    assert!(!r.audit(a.id.0).await.iter().any(|e| e.action == "again"));

    // Tries are written back with their audit row; used once.
    let t = r
        .try_recovery(challenge.id, |c| {
            (c.attempt("000000", now()), audit("account", a.id.0, "try"))
        })
        .await
        .unwrap();
    assert_eq!(t, Some(Err(CodeRefusal::Wrong)));
    let t = r
        .try_recovery(challenge.id, |c| {
            (c.attempt("246810", now()), audit("account", a.id.0, "try"))
        })
        .await
        .unwrap();
    assert_eq!(t, Some(Ok(())));
    let stored = r.get_recovery(challenge.id).await.unwrap().unwrap();
    assert_eq!((stored.tries, stored.used), (2, true));
    assert_eq!(
        r.audit(a.id.0)
            .await
            .iter()
            .filter(|e| e.action == "try")
            .count(),
        2
    );
    assert_eq!(
        r.try_recovery(id(), |c| ((), audit("account", c.id, "try")))
            .await
            .unwrap(),
        None
    );

    // Counters count per key and window, and forget that key's old windows.
    let w1 = now();
    let w2 = w1 + Duration::minutes(15);
    assert_eq!(r.bump_counter("k1", w1).await.unwrap(), 1);
    assert_eq!(r.bump_counter("k1", w1).await.unwrap(), 2);
    assert_eq!(r.bump_counter("k2", w1).await.unwrap(), 1);
    assert_eq!(r.bump_counter("k1", w2).await.unwrap(), 1);
    assert_eq!(r.bump_counter("k2", w1).await.unwrap(), 2);

    // Person read-check-write with version and audit.
    let renamed = r
        .update_person(p.id, |q| {
            q.name = PersonName::parse("李四").unwrap();
            Ok::<_, ()>((q.clone(), audit("person", q.id.0, "person.renamed")))
        })
        .await
        .unwrap();
    assert_eq!(renamed.name.as_str(), "李四");
    let loaded = r.get_person(p.id).await.unwrap().unwrap();
    assert_eq!(
        (loaded.name.as_str(), loaded.version),
        ("李四", p.version + 1)
    );
}

#[path = "contract/attachments.rs"]
mod attachments;

#[path = "contract/identity_orgs.rs"]
mod identity_orgs;

#[path = "contract/catalog.rs"]
mod catalog;
