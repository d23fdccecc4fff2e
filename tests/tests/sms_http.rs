//! The HTTP SMS adapter against a local mock provider (127.0.0.1:0): a recovery code is posted
//! as JSON with the bearer token, the same code the outbox logs — over plain HTTP and over
//! HTTPS (a test CA trusted with `ca_file`); a provider whose certificate is not trusted, or
//! that is unreachable, changes nothing for the requester (202, message logged, nothing
//! posted); a URL the adapter cannot post to stops the server at start with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
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

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(name)
}

/// The TLS side of the mock provider: its certificate, issued by the test CA.
fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(fixture("provider.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("provider.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// Reads one request, answers 200 and reports it.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut sock: S,
    tx: mpsc::UnboundedSender<Received>,
) {
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
    sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        .await
        .unwrap();
    let _ = sock.shutdown().await;
    let (request_line, headers) = head.split_once("\r\n").unwrap();
    let _ = tx.send(Received {
        request_line: request_line.to_owned(),
        headers: headers.to_ascii_lowercase(),
        body: serde_json::from_slice(&body).unwrap(),
    });
}

/// A provider that answers every request with 200 and reports it on the channel; over TLS
/// when `tls` is set (a failed handshake reports nothing).
async fn mock_provider(tls: bool) -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let acceptor = tls.then(tls_acceptor);
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match acceptor {
                    Some(a) => {
                        if let Ok(s) = a.accept(sock).await {
                            serve(s, tx).await;
                        }
                    }
                    None => serve(sock, tx).await,
                }
            });
        }
    });
    let scheme = if tls { "https" } else { "http" };
    (format!("{scheme}://{addr}/sms/send"), rx)
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
            ca_file: Some(fixture("ca.pem")),
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_are_posted_to_the_provider_sqlite() {
    let (url, rx) = mock_provider(false).await;
    posted(TestServer::sqlite_tuned(with_provider(url)).await, rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_are_posted_to_the_provider_postgres() {
    let (url, rx) = mock_provider(false).await;
    if let Some(srv) = TestServer::postgres_tuned(with_provider(url)).await {
        posted(srv, rx).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_are_posted_to_an_https_provider_sqlite() {
    let (url, rx) = mock_provider(true).await;
    assert!(url.starts_with("https://"));
    posted(TestServer::sqlite_tuned(with_provider(url)).await, rx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_are_posted_to_an_https_provider_postgres() {
    let (url, rx) = mock_provider(true).await;
    if let Some(srv) = TestServer::postgres_tuned(with_provider(url)).await {
        posted(srv, rx).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_provider_with_an_untrusted_certificate_gets_nothing() {
    let (url, mut rx) = mock_provider(true).await;
    // The built-in roots only: the test CA is not among them.
    let srv = TestServer::sqlite_tuned(|c| {
        c.sms_http = Some(HttpSmsConfig {
            url,
            token: Some("provider-token".into()),
            timeout: Duration::from_secs(5),
            ca_file: None,
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
    // The handshake fails: the provider never sees a request.
    assert!(
        tokio::time::timeout(Duration::from_secs(3), rx.recv())
            .await
            .is_err(),
        "nothing may be posted to an untrusted provider"
    );
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
            ca_file: None,
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

async fn refused_at_start(url: &str, ca_file: Option<PathBuf>) -> String {
    let mut config = zhicheng_server::Config::new("127.0.0.1:0", "sqlite::memory:");
    config.sms_http = Some(HttpSmsConfig {
        url: url.into(),
        token: None,
        timeout: Duration::from_secs(5),
        ca_file,
    });
    zhicheng_server::Application::build(config)
        .await
        .err()
        .expect("refused")
        .to_string()
}

#[tokio::test]
async fn a_provider_url_without_http_or_https_is_refused_at_start() {
    let err = refused_at_start("ftp://sms.example.invalid/send", None).await;
    assert!(err.contains("ZHICHENG_SMS_URL"), "{err}");
}

#[tokio::test]
async fn an_unreadable_ca_file_is_refused_at_start() {
    let missing = fixture("missing.pem");
    let err = refused_at_start("https://sms.example.invalid/send", Some(missing)).await;
    assert!(
        err.contains("CA file") && err.contains("missing.pem"),
        "{err}"
    );
    // A file without any certificate is refused too.
    let err = refused_at_start(
        "https://sms.example.invalid/send",
        Some(fixture("README.md")),
    )
    .await;
    assert!(err.contains("no PEM certificate"), "{err}");
}
