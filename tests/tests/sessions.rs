//! Sessions over HTTP with an injected clock (SESS-02, SESS-03): 30 minutes idle and 12 hours
//! absolute end a session; `last_seen_at` is written at most once a minute; logout ends it; a
//! password change ends every other session and needs the current password.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::clock::TestClock;
use zhicheng_e2e::server::TestServer;
use zhicheng_identity::SessionToken;
use zhicheng_identity::ports::IdentityRepo;

const PW: &str = "Shandong#2026";
const NEW_PW: &str = "Weihai!Spring2027";

async fn sessions(srv: TestServer, clock: TestClock) {
    let t0 = clock.now_for_test();
    let (s, body) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": "11010519491231002X", "name": "李娜", "mobile": "13905310000", "username": "lina1949", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    // Idle: a request every 29 minutes keeps the session; 30 minutes of silence ends it.
    let a = srv.login("lina1949", PW).await;
    let hash = SessionToken::presented(a.token.as_deref().unwrap()).hash();
    clock.advance(Duration::seconds(30));
    assert_eq!(a.get("/api/v1/auth/me").await.0, StatusCode::OK);
    let (stored, _) = srv.state.store.find_session(&hash).await.unwrap().unwrap();
    assert_eq!(
        stored.last_seen_at, t0,
        "not written within the first minute"
    );
    for _ in 0..3 {
        clock.advance(Duration::minutes(29));
        assert_eq!(a.get("/api/v1/auth/me").await.0, StatusCode::OK);
    }
    let (stored, _) = srv.state.store.find_session(&hash).await.unwrap().unwrap();
    assert_eq!(stored.last_seen_at, clock.now_for_test());
    clock.advance(Duration::minutes(30));
    assert_eq!(a.get("/api/v1/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert!(srv.state.store.find_session(&hash).await.unwrap().is_none());

    // Absolute: even a busy session ends 12 hours after sign-in.
    let b = srv.login("lina1949", PW).await;
    for _ in 0..24 {
        clock.advance(Duration::minutes(29) + Duration::seconds(59));
        assert_eq!(b.get("/api/v1/auth/me").await.0, StatusCode::OK);
    }
    clock.advance(Duration::minutes(1));
    assert_eq!(b.get("/api/v1/auth/me").await.0, StatusCode::UNAUTHORIZED);

    // Logout ends the session on the server.
    let c = srv.login("lina1949", PW).await;
    assert_eq!(
        c.post("/api/v1/auth/logout", &json!({})).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(c.get("/api/v1/auth/me").await.0, StatusCode::UNAUTHORIZED);

    // A password change needs the current password and ends every other session.
    let d = srv.login("lina1949", PW).await;
    let e = srv.login("lina1949", PW).await;
    let (s, body) = d
        .post(
            "/api/v1/me/password",
            &json!({ "current_password": "wrong-Password1", "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"][0]["field"], "current_password");
    let (s, body) = d
        .post(
            "/api/v1/me/password",
            &json!({ "current_password": PW, "new_password": "13905310000Aa" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["field"], "new_password");
    assert_eq!(e.get("/api/v1/auth/me").await.0, StatusCode::OK);
    let (s, body) = d
        .post(
            "/api/v1/me/password",
            &json!({ "current_password": PW, "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(
        (s, body["other_sessions_ended"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    assert_eq!(d.get("/api/v1/auth/me").await.0, StatusCode::OK);
    assert_eq!(e.get("/api/v1/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        srv.client().try_login("lina1949", PW).await.0,
        StatusCode::UNAUTHORIZED
    );
    srv.login("lina1949", NEW_PW).await;
    let account = d.get("/api/v1/auth/me").await.1["account_id"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();
    let audit = srv.state.store.audit_events(account).await.unwrap();
    let changed: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "account.password_changed")
        .collect();
    assert_eq!(changed.len(), 1);
    let text = serde_json::to_string(&changed[0]).unwrap();
    assert!(!text.contains(NEW_PW) && !text.contains(PW));
}

fn start() -> TestClock {
    TestClock::at(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap())
}

#[tokio::test]
async fn sessions_time_out_and_end_on_logout_and_password_change_sqlite() {
    let clock = start();
    sessions(TestServer::sqlite_with(Some(clock.clone())).await, clock).await;
}

#[tokio::test]
async fn sessions_time_out_and_end_on_logout_and_password_change_postgres() {
    let clock = start();
    if let Some(srv) = TestServer::postgres_with(Some(clock.clone())).await {
        sessions(srv, clock).await;
    }
}
