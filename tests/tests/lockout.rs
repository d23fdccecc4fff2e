//! The lockout rule end to end: service-level on the in-memory store, SQLite and PostgreSQL with
//! an injected clock and a hasher that counts real password checks, and over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use zhicheng_e2e::fixtures::id_number;

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use zhicheng_e2e::clock::TestClock;
use zhicheng_e2e::server::CAPTCHA_ANSWER;
use zhicheng_e2e::server::TestServer;
use zhicheng_identity::ports::{IdentityRepo, PasswordHasher};
use zhicheng_identity::service::{
    self, CaptchaAnswer, LoginError, RegisterPerson, RegisterPersonForm,
};
use zhicheng_identity::{Account, LockoutPolicy, Password, PasswordHash, SessionToken};
use zhicheng_kernel::AuditEvent;
use zhicheng_server::captcha::FixedCaptcha;
use zhicheng_store::runtime::{BlockingArgon2, UuidV7};
use zhicheng_store::{MemoryStore, Store};

const PASSWORD: &str = "Shandong#2026";

/// Counts password checks against real hashes (not the timing dummy).
#[derive(Clone, Default)]
struct CountingHasher {
    inner: BlockingArgon2,
    real_checks: Arc<AtomicUsize>,
}

impl PasswordHasher for CountingHasher {
    async fn hash(&self, password: Password) -> PasswordHash {
        self.inner.hash(password).await
    }

    async fn verify(&self, candidate: String, hash: PasswordHash) -> bool {
        if hash != service::dummy_hash() {
            self.real_checks.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.verify(candidate, hash).await
    }
}

trait Audited {
    async fn audit(&self, id: uuid::Uuid) -> Vec<AuditEvent>;
}
impl Audited for Store {
    async fn audit(&self, id: uuid::Uuid) -> Vec<AuditEvent> {
        self.audit_events(id).await.unwrap()
    }
}
impl Audited for MemoryStore {
    async fn audit(&self, id: uuid::Uuid) -> Vec<AuditEvent> {
        self.audit_events(id).await.unwrap()
    }
}

async fn register<R: IdentityRepo>(
    repo: &R,
    hasher: &CountingHasher,
    clock: &TestClock,
) -> Account {
    let form = RegisterPersonForm {
        id_number: id_number(123),
        name: "张三".into(),
        mobile: "13812345678".into(),
        username: "zhangsan".into(),
        password: PASSWORD.into(),
        ethnicity: String::new(),
    };
    let cmd = RegisterPerson::parse(&form).unwrap();
    service::register_person(repo, hasher, clock, &UuidV7, cmd)
        .await
        .unwrap()
        .1
}

async fn try_login<R: IdentityRepo>(
    repo: &R,
    hasher: &CountingHasher,
    clock: &TestClock,
    password: &str,
) -> Result<(), LoginError> {
    let captcha = new_captcha(repo, clock).await;
    login_with(repo, hasher, clock, password, captcha).await
}

/// A solved captcha, stored before the login that uses it.
async fn new_captcha<R: IdentityRepo>(repo: &R, clock: &TestClock) -> CaptchaAnswer {
    let fixed = FixedCaptcha(CAPTCHA_ANSWER.into());
    let (c, _) = service::new_captcha(repo, &fixed, clock, &UuidV7)
        .await
        .unwrap();
    CaptchaAnswer {
        id: Some(c.id),
        answer: CAPTCHA_ANSWER.into(),
    }
}

async fn login_with<R: IdentityRepo>(
    repo: &R,
    hasher: &CountingHasher,
    clock: &TestClock,
    password: &str,
    captcha: CaptchaAnswer,
) -> Result<(), LoginError> {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::now_v7().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::now_v7().as_bytes());
    let token = SessionToken::from_random(bytes);
    service::login(
        repo,
        hasher,
        clock,
        service::LoginPolicy::default(),
        None,
        &captcha,
        "zhangsan",
        password,
        &token,
    )
    .await
    .map(|_| ())
}

/// AUTH-04/05: lock exactly at the 5th failure, still locked at 14:59 (without extending the
/// lock or checking the password), open again at 15:01; a success resets the count.
async fn lock_timeline<R: IdentityRepo + Audited>(repo: &R) {
    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let clock = TestClock::at(t0);
    let hasher = CountingHasher::default();
    let account = register(repo, &hasher, &clock).await;
    let rejected = LoginError::rejected(LockoutPolicy::default());

    // A success resets the count: 4 failures, a success, then 4 more do not lock.
    for _ in 0..4 {
        assert_eq!(
            try_login(repo, &hasher, &clock, "wrong").await,
            Err(rejected.clone())
        );
    }
    try_login(repo, &hasher, &clock, PASSWORD).await.unwrap();
    let a = repo.get_account(account.id).await.unwrap().unwrap();
    assert_eq!((a.failed_attempts, a.locked_until), (0, None));

    for i in 1..=5 {
        assert_eq!(
            try_login(repo, &hasher, &clock, "wrong").await,
            Err(rejected.clone())
        );
        let a = repo.get_account(account.id).await.unwrap().unwrap();
        if i < 5 {
            assert_eq!(a.locked_until, None, "not locked after {i} failures");
        } else {
            assert_eq!(a.locked_until, Some(t0 + Duration::minutes(15)));
        }
    }
    let checks = hasher.real_checks.load(Ordering::SeqCst);

    clock.set(t0 + Duration::minutes(14) + Duration::seconds(59));
    assert_eq!(
        try_login(repo, &hasher, &clock, PASSWORD).await,
        Err(rejected.clone())
    );
    assert_eq!(
        try_login(repo, &hasher, &clock, "wrong").await,
        Err(rejected.clone())
    );
    assert_eq!(
        hasher.real_checks.load(Ordering::SeqCst),
        checks,
        "no password is checked while locked"
    );
    let a = repo.get_account(account.id).await.unwrap().unwrap();
    assert_eq!(
        a.locked_until,
        Some(t0 + Duration::minutes(15)),
        "not extended"
    );

    clock.set(t0 + Duration::minutes(15) + Duration::seconds(1));
    try_login(repo, &hasher, &clock, PASSWORD).await.unwrap();
    let a = repo.get_account(account.id).await.unwrap().unwrap();
    assert_eq!((a.failed_attempts, a.locked_until), (0, None));

    let actions: Vec<String> = repo
        .audit(account.id.0)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "account.locked").count(), 1);
    assert_eq!(
        actions.iter().filter(|a| *a == "account.logged_in").count(),
        2
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "account.login_refused_locked")
            .count(),
        2
    );
}

/// AUTH-09: 20 parallel wrong logins check at most 5 passwords and lock once.
async fn parallel_guesses<R: IdentityRepo + Audited + Clone + 'static>(repo: &R) {
    let clock = TestClock::at(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap());
    let hasher = CountingHasher::default();
    let account = register(repo, &hasher, &clock).await;
    // Captchas are stored first, so that only the guesses themselves race.
    let mut captchas = Vec::new();
    for _ in 0..20 {
        captchas.push(new_captcha(repo, &clock).await);
    }
    let tasks: Vec<_> = captchas
        .into_iter()
        .map(|captcha| {
            let (repo, hasher, clock) = (repo.clone(), hasher.clone(), clock.clone());
            tokio::spawn(async move { login_with(&repo, &hasher, &clock, "wrong", captcha).await })
        })
        .collect();
    for t in tasks {
        assert!(matches!(t.await.unwrap(), Err(LoginError::Rejected { .. })));
    }
    let checks = hasher.real_checks.load(Ordering::SeqCst);
    assert!(checks <= 5, "{checks} passwords checked");
    assert!(checks >= 1);
    let a = repo.get_account(account.id).await.unwrap().unwrap();
    assert!(a.locked_until.is_some());
    let locks = repo
        .audit(account.id.0)
        .await
        .into_iter()
        .filter(|e| e.action == "account.locked")
        .count();
    assert_eq!(locks, 1);
}

async fn sqlite_store() -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("zc-lock-{}", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}?mode=rwc", dir.join("z.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    (store, dir)
}

async fn pg_store() -> Option<(Store, zhicheng_e2e::pg::PgDatabase)> {
    let db = zhicheng_e2e::pg::fresh_database().await?;
    let store = Store::connect(db.url()).await.unwrap();
    store.migrate().await.unwrap();
    Some((store, db))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lock_timeline_on_memory_sqlite_and_postgres() {
    lock_timeline(&MemoryStore::new()).await;
    let (s, dir) = sqlite_store().await;
    lock_timeline(&s).await;
    let _ = std::fs::remove_dir_all(dir);
    if let Some((s, _db)) = pg_store().await {
        lock_timeline(&s).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_wrong_logins_check_at_most_five_passwords() {
    parallel_guesses(&MemoryStore::new()).await;
    let (s, dir) = sqlite_store().await;
    parallel_guesses(&s).await;
    let _ = std::fs::remove_dir_all(dir);
    if let Some((s, _db)) = pg_store().await {
        parallel_guesses(&s).await;
    }
}

async fn http_register(srv: &TestServer) {
    let (s, body) = srv
        .client()
        .post(
            "/api/v1/persons",
            &serde_json::json!({
                "id_number": id_number(123), "name": "张三", "mobile": "13812345678",
                "username": "zhangsan", "password": PASSWORD,
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

/// AUTH-10 (status and body): unknown user, wrong password and locked account answer alike;
/// AUTH-09 over HTTP: 20 parallel wrong logins reserve (and so check) at most 5 passwords.
async fn http_lockout(srv: &TestServer) {
    http_register(srv).await;
    let c = srv.client();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.try_login("zhangsan", "wrong-guess").await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let account = srv
        .state
        .store
        .find_account_by_login(&zhicheng_identity::LoginName::parse("zhangsan").unwrap())
        .await
        .unwrap()
        .unwrap();
    let audit = srv.state.store.audit_events(account.id.0).await.unwrap();
    let checks = audit
        .iter()
        .filter(|e| e.action == "account.login_attempted")
        .count();
    assert!((1..=5).contains(&checks), "{checks} password checks");
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "account.locked")
            .count(),
        1
    );

    let locked = c.try_login("zhangsan", PASSWORD).await;
    let unknown = c.try_login("nobody-here", "wrong-guess").await;
    let unknown_id = c.try_login(&id_number(7), "wrong-guess").await;
    let wrong = answers.pop().unwrap();
    assert_eq!(locked.0, StatusCode::UNAUTHORIZED);
    assert!(
        locked.1["message"]
            .as_str()
            .unwrap()
            .contains("15 分钟后再试")
    );
    for other in [&unknown, &unknown_id, &wrong] {
        assert_eq!(&locked, other);
    }
    for a in &answers {
        assert_eq!(a, &locked);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn http_lockout_is_atomic_and_answers_never_enumerate_sqlite() {
    http_lockout(&TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn http_lockout_is_atomic_and_answers_never_enumerate_postgres() {
    if let Some(srv) = TestServer::postgres().await {
        http_lockout(&srv).await;
    }
}
