//! Captchas over HTTP (AUTH-06, AUTH-07): a missing, wrong, expired or reused captcha is refused
//! before the password is looked at, and counts nothing towards the lock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::clock::TestClock;
use zhicheng_e2e::server::{CAPTCHA_ANSWER, Client, TestServer};
use zhicheng_identity::LoginName;
use zhicheng_identity::ports::IdentityRepo;

const PW: &str = "Shandong#2026";

async fn attempt(
    c: &Client,
    captcha_id: Option<&str>,
    answer: &str,
    pw: &str,
) -> (StatusCode, serde_json::Value) {
    c.post(
        "/api/v1/auth/login",
        &json!({ "login": "lina1949", "password": pw, "captcha_id": captcha_id, "captcha_answer": answer }),
    )
    .await
}

async fn captchas(srv: TestServer, clock: TestClock) {
    let c = srv.client();
    let (s, body) = c
        .post(
            "/api/v1/persons",
            &json!({ "id_number": "11010519491231002X", "name": "李娜", "mobile": "13905310000", "username": "lina1949", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    // The picture is an SVG drawn from paths, with no readable text.
    let (s, issued) = c.post("/api/v1/auth/captcha", &json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    let svg = issued["image_svg"].as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<path") && !svg.contains("<text"));
    assert!(!svg.contains(CAPTCHA_ANSWER));

    // Missing and wrong captchas, even with the right password, are refused and count nothing.
    let (s, body) = attempt(&c, None, "", PW).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha.missing"))
    );
    assert_eq!(body["fields"][0]["field"], "captcha_answer");
    for _ in 0..10 {
        let id = c.captcha().await;
        let (s, body) = attempt(&c, Some(&id), "XXXX", "wrong-guess").await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha.wrong"))
        );
    }
    let unknown = uuid::Uuid::now_v7().to_string();
    let (s, body) = attempt(&c, Some(&unknown), CAPTCHA_ANSWER, PW).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha.expired"))
    );
    let account = srv
        .state
        .store
        .find_account_by_login(&LoginName::parse("lina1949").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((account.failed_attempts, account.locked_until), (0, None));
    let audit = srv.state.store.audit_events(account.id.0).await.unwrap();
    assert!(audit.iter().all(|e| !e.action.starts_with("account.login")));
    // Each refusal leaves an audit row about the client address (not about the account).
    let client = zhicheng_identity::throttle::client_object("127.0.0.1");
    let rows = srv.state.store.audit_events(client).await.unwrap();
    assert_eq!(
        rows.iter()
            .filter(|e| e.action == "auth.captcha_refused" && e.detail["form"] == "login")
            .count(),
        12
    );

    // Single use: a captcha that opened a session cannot open another; a wrong answer spends it.
    let id = c.captcha().await;
    let (s, _) = attempt(&c, Some(&id), &CAPTCHA_ANSWER.to_lowercase(), PW).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = attempt(&c, Some(&id), CAPTCHA_ANSWER, PW).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha.expired"))
    );
    let id = c.captcha().await;
    let _ = attempt(&c, Some(&id), "XXXX", PW).await;
    let (s, _) = attempt(&c, Some(&id), CAPTCHA_ANSWER, PW).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Five minutes later a captcha has expired; a second earlier it still works.
    let id = c.captcha().await;
    clock.advance(Duration::minutes(5));
    let (s, body) = attempt(&c, Some(&id), CAPTCHA_ANSWER, PW).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("captcha.expired"))
    );
    let id = c.captcha().await;
    clock.advance(Duration::minutes(5) - Duration::seconds(1));
    let (s, _) = attempt(&c, Some(&id), CAPTCHA_ANSWER, PW).await;
    assert_eq!(s, StatusCode::OK);

    // A double-clicked login (the same form sent twice at once) is one attempt: its captcha
    // admits one of the two; the other is refused before the password and counts nothing.
    let id = c.captcha().await;
    let (first, second) = tokio::join!(
        attempt(&c, Some(&id), CAPTCHA_ANSWER, "Wrong-Passw0rd"),
        attempt(&c, Some(&id), CAPTCHA_ANSWER, "Wrong-Passw0rd"),
    );
    let mut statuses = [first.0.as_u16(), second.0.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [401, 422], "{first:?} {second:?}");
    let account = srv
        .state
        .store
        .find_account_by_login(&LoginName::parse("lina1949").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.failed_attempts, 1);
}

#[tokio::test]
async fn captchas_are_checked_first_single_use_and_expire_sqlite() {
    let clock = TestClock::at(Utc::now());
    captchas(TestServer::sqlite_with(Some(clock.clone())).await, clock).await;
}

#[tokio::test]
async fn captchas_are_checked_first_single_use_and_expire_postgres() {
    let clock = TestClock::at(Utc::now());
    if let Some(srv) = TestServer::postgres_with(Some(clock.clone())).await {
        captchas(srv, clock).await;
    }
}
