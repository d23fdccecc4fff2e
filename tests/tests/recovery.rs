//! Credential recovery by SMS over HTTP with an injected clock (AUTH-12..14): the same answer
//! for registered and unregistered details, codes that expire after 5 minutes, work once and
//! allow 5 tries, a reset that works while locked and ends every session, send limits per
//! phone and per address, and no code in logs or audit rows (only in the outbox).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::clock::TestClock;
use zhicheng_e2e::server::TestServer;

const PW: &str = "Shandong#2026";
const NEW_PW: &str = "Weihai!Spring2027";
const ID: &str = "11010519491231002X";
const MOBILE: &str = "13905310000";

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary, captured from the first call on.
fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| Capture)
            .with_ansi(false)
            .try_init();
    });
}

fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

/// The code in the newest outbox message.
async fn last_code(srv: &TestServer) -> String {
    let m = srv.state.store.sms_outbox(1).await.unwrap().remove(0);
    assert_eq!(m.template, "reset_code");
    m.text
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect()
}

async fn outbox_len(srv: &TestServer) -> usize {
    srv.state.store.sms_outbox(1000).await.unwrap().len()
}

fn shape(v: &Value) -> (Vec<String>, Value) {
    let keys = v.as_object().unwrap().keys().cloned().collect();
    (keys, v["message"].clone())
}

async fn recovery(srv: TestServer, clock: TestClock) {
    capture_logs();
    let anon = srv.client();
    let (s, body) = anon
        .post(
            "/api/v1/persons",
            &json!({ "id_number": ID, "name": "李娜", "mobile": MOBILE, "username": "lina1949", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let account: uuid::Uuid = body["account_id"].as_str().unwrap().parse().unwrap();

    // Window 1: identical answers for registered and unregistered details.
    let (s1, known) = anon
        .recover(
            "/api/v1/auth/recover/username",
            &json!({ "id_number": ID, "mobile": MOBILE }),
        )
        .await;
    let (s2, unknown) = anon
        .recover(
            "/api/v1/auth/recover/username",
            &json!({ "id_number": "110105194912310048", "mobile": "13905319999" }),
        )
        .await;
    let (s3, unknown_pw) = anon
        .recover(
            "/api/v1/auth/recover/password/start",
            &json!({ "login": "nobody2026", "mobile": MOBILE }),
        )
        .await;
    assert_eq!(
        (s1, s2, s3),
        (
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED
        )
    );
    assert_eq!(shape(&known), shape(&unknown));
    assert_eq!(shape(&known), shape(&unknown_pw));
    assert_ne!(known["challenge_id"], unknown["challenge_id"]);
    assert!(
        known["challenge_id"]
            .as_str()
            .unwrap()
            .parse::<uuid::Uuid>()
            .is_ok()
    );
    let outbox = srv.state.store.sms_outbox(10).await.unwrap();
    assert_eq!(outbox.len(), 1, "only the registered pair got a message");
    assert_eq!(outbox[0].mobile, MOBILE);
    assert!(outbox[0].text.contains("lina1949"));

    // An unknown challenge is just a wrong code.
    let (s, body) = anon
        .post(
            "/api/v1/auth/recover/password/finish",
            &json!({ "challenge_id": unknown_pw["challenge_id"], "code": "123456", "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("recovery.code_wrong")
        ),
        "{body}"
    );

    // Window 2: a code expires after 5 minutes.
    clock.advance(Duration::minutes(15));
    let start = json!({ "login": "lina1949", "mobile": MOBILE });
    let (_, c1) = anon
        .recover("/api/v1/auth/recover/password/start", &start)
        .await;
    let code1 = last_code(&srv).await;
    assert_eq!(code1.len(), 6);
    clock.advance(Duration::minutes(5));
    let (s, body) = anon
        .post(
            "/api/v1/auth/recover/password/finish",
            &json!({ "challenge_id": c1["challenge_id"], "code": code1, "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("recovery.code_expired")
        ),
        "{body}"
    );

    // Window 3: five tries, then even the right code is refused.
    clock.advance(Duration::minutes(10));
    let (_, c2) = anon
        .recover("/api/v1/auth/recover/password/start", &start)
        .await;
    let code2 = last_code(&srv).await;
    let wrong = if code2 == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let (s, body) = anon
            .post(
                "/api/v1/auth/recover/password/finish",
                &json!({ "challenge_id": c2["challenge_id"], "code": wrong, "new_password": NEW_PW }),
            )
            .await;
        assert_eq!(body["code"], "recovery.code_wrong", "{s} {body}");
    }
    let (s, body) = anon
        .post(
            "/api/v1/auth/recover/password/finish",
            &json!({ "challenge_id": c2["challenge_id"], "code": code2, "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("recovery.code_exhausted")
        ),
        "{body}"
    );

    // A signed-in session, then the account is locked by five wrong passwords.
    let old = srv.login("lina1949", PW).await;
    for _ in 0..5 {
        assert_eq!(
            anon.try_login("lina1949", "Wrong#Pass2026").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        anon.try_login("lina1949", PW).await.0,
        StatusCode::UNAUTHORIZED,
        "locked"
    );

    // Reset while locked: a refused password spends no try; the right code resets once.
    let (_, c3) = anon
        .recover("/api/v1/auth/recover/password/start", &start)
        .await;
    let code3 = last_code(&srv).await;
    let (s, body) = anon
        .post(
            "/api/v1/auth/recover/password/finish",
            &json!({ "challenge_id": c3["challenge_id"], "code": code3, "new_password": "lina1949Ab!" }),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("password.invalid")),
        "{body}"
    );
    let finish =
        json!({ "challenge_id": c3["challenge_id"], "code": code3, "new_password": NEW_PW });
    let (s, body) = anon
        .post("/api/v1/auth/recover/password/finish", &finish)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    let (s, body) = anon
        .post("/api/v1/auth/recover/password/finish", &finish)
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("recovery.code_used")),
        "{body}"
    );
    assert_eq!(
        old.get("/api/v1/auth/me").await.0,
        StatusCode::UNAUTHORIZED,
        "old session ended"
    );
    assert_eq!(
        anon.try_login("lina1949", PW).await.0,
        StatusCode::UNAUTHORIZED
    );
    srv.login("lina1949", NEW_PW).await;
    let notice = srv.state.store.sms_outbox(1).await.unwrap().remove(0);
    assert_eq!(notice.template, "password_reset");

    // Send limit per phone: the 3rd send in this window goes out, the 4th is answered alike
    // but not sent.
    let before = outbox_len(&srv).await;
    anon.recover("/api/v1/auth/recover/password/start", &start)
        .await;
    assert_eq!(outbox_len(&srv).await, before + 1, "3rd send in the window");
    let (s, c4) = anon
        .recover("/api/v1/auth/recover/password/start", &start)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(shape(&c4), shape(&known));
    assert_eq!(
        outbox_len(&srv).await,
        before + 1,
        "4th send in the window is dropped"
    );

    // Send limit per address: three requests for other phones use up this address's window.
    clock.advance(Duration::minutes(15));
    for m in ["13800000001", "13800000002", "13800000003"] {
        let (s, _) = anon
            .recover(
                "/api/v1/auth/recover/password/start",
                &json!({ "login": "nobody2026", "mobile": m }),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED);
    }
    let before = outbox_len(&srv).await;
    let (s, _) = anon
        .recover("/api/v1/auth/recover/password/start", &start)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(
        outbox_len(&srv).await,
        before,
        "4th request from the address is dropped"
    );

    // Codes live only in the outbox: not in audit rows, not in logs.
    let audit =
        serde_json::to_string(&srv.state.store.audit_events(account).await.unwrap()).unwrap();
    assert!(
        audit.contains("account.password_reset") && audit.contains("account.recovery_code_sent")
    );
    let logs = logs();
    assert!(
        logs.contains("sms queued in the outbox"),
        "log capture works"
    );
    for code in [&code1, &code2, &code3] {
        assert!(!audit.contains(code.as_str()), "code {code} in audit");
        assert!(!logs.contains(&format!(" {code}")), "code {code} in logs");
        assert!(!logs.contains(&format!("={code}")), "code {code} in logs");
    }
    assert!(!audit.contains(NEW_PW) && !logs.contains(NEW_PW));

    // Hardening: a missing or wrong captcha is refused first (422, nothing sent) and audited;
    // throttled and unmatched requests leave audit rows about the client too.
    let before = outbox_len(&srv).await;
    let (s, body) = anon
        .post(
            "/api/v1/auth/recover/password/start",
            &json!({ "login": "lina1949", "mobile": MOBILE }),
        )
        .await;
    assert_eq!(
        (s, body["fields"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha_answer")),
        "{body}"
    );
    let captcha = anon.captcha().await;
    let (s, body) = anon
        .post(
            "/api/v1/auth/recover/username",
            &json!({ "id_number": ID, "mobile": MOBILE, "captcha_id": captcha, "captcha_answer": "XXXX" }),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha.wrong"))
    );
    assert_eq!(
        outbox_len(&srv).await,
        before,
        "a refused captcha sends nothing"
    );
    let client = zhicheng_identity::throttle::client_object("127.0.0.1");
    let rows = srv.state.store.audit_events(client).await.unwrap();
    let count = |action: &str| rows.iter().filter(|e| e.action == action).count();
    assert_eq!(count("auth.captcha_refused"), 2);
    assert!(count("account.recovery_throttled") >= 2, "{rows:?}");
    assert!(count("account.recovery_unmatched") >= 2, "{rows:?}");
    assert!(rows.iter().all(|e| e.detail["client"] == "127.0.0.1"));
    let rows = serde_json::to_string(&rows).unwrap();
    assert!(!rows.contains(MOBILE), "phones are masked in client rows");
}

fn start() -> TestClock {
    TestClock::at(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap())
}

#[tokio::test]
async fn sms_recovery_codes_expire_are_single_use_limited_and_end_sessions_sqlite() {
    let clock = start();
    recovery(TestServer::sqlite_with(Some(clock.clone())).await, clock).await;
}

#[tokio::test]
async fn sms_recovery_codes_expire_are_single_use_limited_and_end_sessions_postgres() {
    let clock = start();
    if let Some(srv) = TestServer::postgres_with(Some(clock.clone())).await {
        recovery(srv, clock).await;
    }
}
