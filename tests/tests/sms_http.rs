//! The HTTP SMS adapter against a local mock provider (127.0.0.1:0): a recovery code is posted
//! as JSON with the bearer token, the same code the outbox logs; an unreachable provider
//! changes nothing for the requester (202, message logged); a URL this build cannot post to
//! stops the server at start with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use zhicheng_e2e::server::TestServer;
use zhicheng_server::sms::HttpSmsConfig;

const PW: &str = "Shandong#2026";
const ID: &str = "11010519491231002X";
const MOBILE: &str = "13905310000";

/// One request the mock provider received.
struct Received {
    request_line: String,
    headers: String,
    body: Value,
}

/// A provider that answers every request with 200 and reports it on the channel.
async fn mock_provider() -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body) = loop {
                    let n = sock.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "connection closed early");
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    if let Some(at) = text.find("\r\n\r\n") {
                        let head = text[..at].to_owned();
                        let len: usize = head
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse().unwrap())
                            })
                            .unwrap_or(0);
                        if buf.len() >= at + 4 + len {
                            break (head, buf[at + 4..at + 4 + len].to_vec());
                        }
                    }
                };
                sock.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                )
                .await
                .unwrap();
                let (request_line, headers) = head.split_once("\r\n").unwrap();
                let _ = tx.send(Received {
                    request_line: request_line.to_owned(),
                    headers: headers.to_ascii_lowercase(),
                    body: serde_json::from_slice(&body).unwrap(),
                });
            });
        }
    });
    (format!("http://{addr}/sms/send"), rx)
}

async fn register(srv: &TestServer) {
    let (s, body) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": ID, "name": "李娜", "mobile": MOBILE, "username": "lina1949", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

fn with_provider(url: String) -> impl FnOnce(&mut zhicheng_server::Config) {
    move |c| {
        c.sms_http = Some(HttpSmsConfig {
            url,
            token: Some("provider-token".into()),
            timeout: Duration::from_secs(5),
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_are_posted_to_the_provider_sqlite() {
    let (url, rx) = mock_provider().await;
    posted(TestServer::sqlite_tuned(with_provider(url)).await, rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_are_posted_to_the_provider_postgres() {
    let (url, rx) = mock_provider().await;
    if let Some(srv) = TestServer::postgres_tuned(with_provider(url)).await {
        posted(srv, rx).await;
    }
}

async fn posted(srv: TestServer, mut rx: mpsc::UnboundedReceiver<Received>) {
    register(&srv).await;
    let (s, _) = srv
        .client()
        .recover(
            "/api/v1/auth/recover/password/start",
            &json!({ "login": "lina1949", "mobile": MOBILE }),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let got = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("the provider is called")
        .unwrap();
    assert_eq!(got.request_line, "POST /sms/send HTTP/1.1");
    assert!(
        got.headers.contains("authorization: bearer provider-token"),
        "{}",
        got.headers
    );
    assert!(got.headers.contains("content-type: application/json"));
    assert_eq!(got.body["mobile"], MOBILE);
    assert_eq!(got.body["template"], "reset_code");
    let code = got.body["params"]["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    let logged = srv.state.store.sms_outbox(1).await.unwrap().remove(0);
    assert!(
        logged.text.contains(&code),
        "the outbox logs the same message"
    );
    assert_eq!(got.body["text"], logged.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_changes_nothing_for_the_requester() {
    // A port that was free a moment ago: nothing listens there.
    let port = zhicheng_e2e::port::free_local_port().unwrap();
    let srv = TestServer::sqlite_tuned(|c| {
        c.sms_http = Some(HttpSmsConfig {
            url: format!("http://127.0.0.1:{port}/send"),
            token: None,
            timeout: Duration::from_secs(2),
        });
    })
    .await;
    register(&srv).await;
    let (s, body) = srv
        .client()
        .recover(
            "/api/v1/auth/recover/username",
            &json!({ "id_number": ID, "mobile": MOBILE }),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    assert_eq!(srv.state.store.sms_outbox(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_provider_url_without_http_is_refused_at_start() {
    let mut config = zhicheng_server::Config::new("127.0.0.1:0", "sqlite::memory:");
    config.sms_http = Some(HttpSmsConfig {
        url: "https://sms.example.invalid/send".into(),
        token: None,
        timeout: Duration::from_secs(5),
    });
    let err = zhicheng_server::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("ZHICHENG_SMS_URL"), "{err}");
}
