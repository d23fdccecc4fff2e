//! Per-client throttling over HTTP (AUTH-08): one address failing across many accounts gets
//! 429 after the threshold without locking any account; a spoofed X-Forwarded-For changes
//! nothing unless the server is told to trust it; the next window opens again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::clock::TestClock;
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};
use zhicheng_identity::LoginName;
use zhicheng_identity::ports::IdentityRepo;

const PW: &str = "Shandong#2026";

async fn spraying(srv: TestServer, clock: TestClock) {
    let c = srv.client();
    let (s, body) = c
        .post(
            "/api/v1/persons",
            &json!({ "id_number": "11010519491231002X", "name": "李娜", "mobile": "13905310000", "username": "lina1949", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    // 30 refused logins from one address: one on the real account, the rest on others.
    let (s, _) = c.try_login("lina1949", "Spray#2026x").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for i in 1..30 {
        let (s, _) = c.try_login(&format!("user{i:03}"), "Spray#2026x").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // The 31st is refused before any check, even with the right password and a spoofed
    // X-Forwarded-For.
    let captcha_id = c.captcha().await;
    let resp = c
        .http
        .post(srv.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({ "login": "lina1949", "password": PW, "captcha_id": captcha_id, "captcha_answer": CAPTCHA_ANSWER }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "auth.throttled");
    assert!(
        body["message"].as_str().unwrap().contains("分钟后再试"),
        "{body}"
    );
    let account = srv
        .state
        .store
        .find_account_by_login(&LoginName::parse("lina1949").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.locked_until, None, "spraying locks no account");
    let mut throttled = 0;
    for ip in ["127.0.0.1", "203.0.113.9"] {
        let client = zhicheng_identity::throttle::client_object(ip);
        throttled += srv
            .state
            .store
            .audit_events(client)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "auth.login_throttled")
            .count();
    }
    assert!(throttled >= 1, "a throttled attempt is audited");
    assert_eq!(account.failed_attempts, 1);

    // The next window opens again.
    clock.advance(Duration::minutes(15));
    let (s, body) = c.try_login("lina1949", PW).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

fn start() -> TestClock {
    TestClock::at(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap())
}

#[tokio::test]
async fn one_address_spraying_many_accounts_is_throttled_sqlite() {
    let clock = start();
    spraying(TestServer::sqlite_with(Some(clock.clone())).await, clock).await;
}

#[tokio::test]
async fn one_address_spraying_many_accounts_is_throttled_postgres() {
    let clock = start();
    if let Some(srv) = TestServer::postgres_with(Some(clock.clone())).await {
        spraying(srv, clock).await;
    }
}
