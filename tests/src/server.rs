//! A real `zhicheng-server` on 127.0.0.1:0 for end-to-end tests, over a fresh SQLite file or a
//! fresh PostgreSQL database, with a small JSON client and operator helpers.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::oneshot;
use zhicheng_identity::service::{CreateOrg, create_org};
use zhicheng_identity::{OrgKind, OrgName, Password, Username};
use zhicheng_kernel::{Actor, RegionCode};
use zhicheng_server::{AppState, Application, Config};

use zhicheng_store::runtime::SharedClock;

use crate::clock::TestClock;
use crate::pg::PgDatabase;

/// What every captcha of a test server asks for (`ZHICHENG_CAPTCHA=fixed:…`).
pub const CAPTCHA_ANSWER: &str = "7KP4";

/// Which database a test server runs on.
pub enum Backend {
    Sqlite(PathBuf),
    Postgres(PgDatabase),
}

/// A running server; stops (gracefully) when dropped.
pub struct TestServer {
    pub base: String,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    /// Attachment blobs live under `data_dir/blobs`.
    pub data_dir: PathBuf,
    _backend: Backend,
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zc-e2e-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl TestServer {
    /// A server over a fresh SQLite file in the temp directory.
    pub async fn sqlite() -> TestServer {
        TestServer::start_sqlite(None, |_| {}).await
    }

    /// A server over a fresh PostgreSQL database, or `None` (skip) when PostgreSQL is absent.
    pub async fn postgres() -> Option<TestServer> {
        TestServer::start_postgres(None, |_| {}).await
    }

    /// A SQLite server whose time is `clock` when given.
    pub async fn sqlite_with(clock: Option<TestClock>) -> TestServer {
        TestServer::start_sqlite(clock, |_| {}).await
    }

    /// A PostgreSQL server whose time is `clock` when given; `None` (skip) without PostgreSQL.
    pub async fn postgres_with(clock: Option<TestClock>) -> Option<TestServer> {
        TestServer::start_postgres(clock, |_| {}).await
    }

    /// A SQLite server with the configuration adjusted by `tune`.
    pub async fn sqlite_tuned(tune: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_sqlite(None, tune).await
    }

    /// A PostgreSQL server with the configuration adjusted by `tune`; `None` (skip) without
    /// PostgreSQL.
    pub async fn postgres_tuned(tune: impl FnOnce(&mut Config)) -> Option<TestServer> {
        TestServer::start_postgres(None, tune).await
    }

    async fn start_sqlite(clock: Option<TestClock>, tune: impl FnOnce(&mut Config)) -> TestServer {
        let dir = temp_dir();
        let url = format!("sqlite://{}?mode=rwc", dir.join("zhicheng.db").display());
        TestServer::start(url, dir.clone(), Backend::Sqlite(dir), clock, tune).await
    }

    async fn start_postgres(
        clock: Option<TestClock>,
        tune: impl FnOnce(&mut Config),
    ) -> Option<TestServer> {
        let db = crate::pg::fresh_database().await?;
        let url = db.url().to_owned();
        let dir = temp_dir();
        Some(TestServer::start(url, dir, Backend::Postgres(db), clock, tune).await)
    }

    async fn start(
        database_url: String,
        data_dir: PathBuf,
        backend: Backend,
        clock: Option<TestClock>,
        tune: impl FnOnce(&mut Config),
    ) -> TestServer {
        let mut config = Config::new("127.0.0.1:0", database_url);
        config.data_dir = data_dir.clone();
        config.captcha = Some(format!("fixed:{CAPTCHA_ANSWER}"));
        tune(&mut config);
        let mut app = Application::build(config).await.expect("server starts");
        if let Some(c) = clock {
            app.set_clock(SharedClock::new(c));
        }
        let base = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        TestServer {
            base,
            state,
            stop: Some(tx),
            data_dir,
            _backend: backend,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An anonymous API client.
    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: http_client(),
            token: None,
        }
    }

    /// Signs in through the API.
    pub async fn login(&self, login: &str, password: &str) -> Client {
        let mut c = self.client();
        let (s, body) = c.try_login(login, password).await;
        assert_eq!(s, StatusCode::OK, "login {login}: {body}");
        c.token = Some(body["token"].as_str().unwrap().to_owned());
        c
    }

    /// The captcha id on a fresh portal login form (its answer is [`CAPTCHA_ANSWER`]).
    pub async fn portal_captcha(&self) -> String {
        let page = http_client()
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let marker = "name=\"captcha_id\" value=\"";
        let at = page.find(marker).expect("login form has a captcha") + marker.len();
        page[at..at + 36].to_owned()
    }

    /// What `zhicheng org create` does: bootstraps an authority with its admin account.
    /// Returns the organisation id.
    pub async fn bootstrap_org(
        &self,
        kind: OrgKind,
        name: &str,
        region: &str,
        username: &str,
        password: &str,
    ) -> uuid::Uuid {
        let cmd = CreateOrg {
            kind,
            name: OrgName::parse(name).unwrap(),
            region: RegionCode::parse(region).unwrap(),
            uscc: None,
            admin_username: Username::parse(username).unwrap(),
            admin_password: Password::parse(password, &[username]).unwrap(),
            admin_mobile: None,
            must_change_password: false,
        };
        let st = &self.state;
        let (org, _) = create_org(
            &st.store,
            &st.hasher,
            &st.clock,
            &st.ids,
            Actor::Operator("e2e".into()),
            cmd,
        )
        .await
        .unwrap();
        org.id.0
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Backend::Sqlite(dir) = &self._backend {
            let _ = std::fs::remove_dir_all(dir);
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn http_client() -> reqwest::Client {
    zhicheng_server::sms::install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A JSON API client with an optional bearer token.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
}

impl Client {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{}", self.base, path));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    /// A fresh captcha id from the API (its answer is [`CAPTCHA_ANSWER`] on a test server).
    pub async fn captcha(&self) -> String {
        let (s, body) = self
            .post("/api/v1/auth/captcha", &serde_json::json!({}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "captcha: {body}");
        body["captcha_id"].as_str().unwrap().to_owned()
    }

    /// One login attempt through the API with a solved captcha, as a script would make it.
    pub async fn try_login(&self, login: &str, password: &str) -> (StatusCode, Value) {
        let captcha_id = self.captcha().await;
        self.post(
            "/api/v1/auth/login",
            &serde_json::json!({
                "login": login, "password": password,
                "captcha_id": captcha_id, "captcha_answer": CAPTCHA_ANSWER,
            }),
        )
        .await
    }

    /// POST to a recovery form (`/api/v1/auth/recover/...`) with a solved captcha added.
    pub async fn recover(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let mut body = body.clone();
        body["captcha_id"] = Value::String(self.captcha().await);
        body["captcha_answer"] = Value::String(CAPTCHA_ANSWER.into());
        self.post(path, &body).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        Client::send(self.req(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        Client::send(self.req(reqwest::Method::POST, path).json(body)).await
    }

    /// POST with an `Idempotency-Key` header.
    pub async fn post_with_key(&self, path: &str, key: &str, body: &Value) -> (StatusCode, Value) {
        Client::send(
            self.req(reqwest::Method::POST, path)
                .header("Idempotency-Key", key)
                .json(body),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        Client::send(self.req(reqwest::Method::PUT, path).json(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        Client::send(self.req(reqwest::Method::PATCH, path).json(body)).await
    }

    /// POST a `multipart/form-data` body.
    pub async fn post_form_data(
        &self,
        path: &str,
        form: crate::multipart::FormData,
    ) -> (StatusCode, Value) {
        Client::send(
            self.req(reqwest::Method::POST, path)
                .header("content-type", form.content_type)
                .body(form.body),
        )
        .await
    }

    /// Raw GET (for downloads and HTML).
    pub async fn get_raw(&self, path: &str) -> reqwest::Response {
        self.req(reqwest::Method::GET, path).send().await.unwrap()
    }

    /// Streams `bytes` as the attachment `file_name` of `section` to a declaration, as the API
    /// takes it (raw body, name and section in the query); the body as JSON, or as a string
    /// when it is not JSON.
    pub async fn upload_attachment(
        &self,
        declaration: &str,
        section: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut url = reqwest::Url::parse(&format!(
            "{}/api/v1/declarations/{declaration}/attachments",
            self.base
        ))
        .unwrap();
        url.query_pairs_mut()
            .append_pair("section", section)
            .append_pair("filename", file_name);
        let mut r = self
            .http
            .post(url)
            .header("Content-Type", "application/octet-stream")
            .body(bytes);
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}
