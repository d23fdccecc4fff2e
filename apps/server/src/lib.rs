//! zhicheng-server: the composition root. Wires the store and the runtime adapters into the
//! domain services, and serves the REST API (`/api/v1`, spec at `/api/openapi.json`, Swagger UI
//! at `/api/docs`), the server-rendered portal, `/healthz` and `/readyz`.
//!
//! It authenticates and translates; it must not decide anything the domain crates decide.

pub mod api;
pub mod auth;
pub mod captcha;
pub mod error;
pub mod portal;
pub mod sms;
pub mod state;
pub mod upload;
pub mod views;

use std::time::Duration;

use poem::endpoint::make_sync;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::Json;
use poem::{EndpointExt, IntoResponse, Route, Server, get, handler};
use poem_openapi::OpenApiService;
use zhicheng_kernel::StoreError;
use zhicheng_store::Store;

pub use state::AppState;

/// Where to listen and which database to use.
#[derive(Debug, Clone)]
pub struct Config {
    /// e.g. `127.0.0.1:8080`, or port 0 for any free port.
    pub bind: String,
    /// `sqlite://data/zhicheng.db?mode=rwc` or `postgres://user@host/db`.
    pub database_url: String,
    /// `ZHICHENG_CAPTCHA`: `None` for random captchas, `fixed:<text>` for tests/development.
    pub captcha: Option<String>,
    /// Lockout thresholds (default: 5 failures, 15 minutes).
    pub lockout: zhicheng_identity::LockoutPolicy,
    /// Per-client throttle of failed logins (default: 30 per 15 minutes).
    pub throttle: zhicheng_identity::ThrottlePolicy,
    /// Trust the last `X-Forwarded-For` entry (only behind your own reverse proxy).
    pub trust_forwarded_for: bool,
    /// Session idle and absolute timeouts (default: 30 minutes, 12 hours).
    pub session: zhicheng_identity::SessionPolicy,
    /// Where attachment blobs are kept (`<data_dir>/blobs`), outside any web root.
    pub data_dir: std::path::PathBuf,
    /// Largest attachment accepted, in bytes (default 10 MB).
    pub max_attachment_bytes: Option<u64>,
    /// Public origin printed in documents (the certificate's QR code), e.g.
    /// `https://zhicheng.example.gov.cn`; `None` means `http://{bound address}`.
    pub public_base_url: Option<String>,
    /// Post text messages to this provider instead of only queueing them in the outbox
    /// (`ZHICHENG_SMS_URL`, `ZHICHENG_SMS_TOKEN`).
    pub sms_http: Option<sms::HttpSmsConfig>,
}

impl Config {
    /// A configuration with the default data directory and limits.
    pub fn new(bind: impl Into<String>, database_url: impl Into<String>) -> Config {
        Config {
            bind: bind.into(),
            database_url: database_url.into(),
            data_dir: DEFAULT_DATA_DIR.into(),
            max_attachment_bytes: None,
            public_base_url: None,
            captcha: None,
            lockout: zhicheng_identity::LockoutPolicy::default(),
            throttle: zhicheng_identity::ThrottlePolicy::default(),
            trust_forwarded_for: false,
            session: zhicheng_identity::SessionPolicy::default(),
            sms_http: None,
        }
    }
}

/// Default data directory (SQLite file and attachment blobs).
pub const DEFAULT_DATA_DIR: &str = "data";

/// Default SQLite file, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/zhicheng.db?mode=rwc";
/// Default address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
    #[error("SMS provider: {0}")]
    Sms(#[from] sms::SmsConfigError),
}

/// A built server, bound to its port but not yet serving.
pub struct Application {
    acceptor: TcpAcceptor,
    port: u16,
    state: AppState,
}

impl Application {
    /// Connects to the database, runs migrations, loads the signing key and binds the port.
    ///
    /// # Errors
    /// [`StartError`] when the database or the port is unavailable.
    pub async fn build(config: Config) -> Result<Application, StartError> {
        sms::install_crypto_provider();
        let store = Store::connect(&config.database_url).await?;
        store.migrate().await?;
        let mut state = AppState::new(store).await?;
        state.captcha = captcha::from_setting(config.captcha.as_deref());
        state.lockout = config.lockout;
        state.throttle = config.throttle;
        state.session = config.session;
        state.trust_forwarded_for = config.trust_forwarded_for;
        state.blobs = zhicheng_store::LocalBlobStore::new(config.data_dir.join("blobs"));
        if let Some(n) = config.max_attachment_bytes {
            state.attachments.max_file_bytes = n;
        }
        if let Some(c) = &config.sms_http {
            state.sms = sms::SmsSender::Http(sms::HttpSms::new(state.store.clone(), c)?);
        }
        let acceptor = TcpListener::bind(config.bind.as_str())
            .into_acceptor()
            .await?;
        let bound = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied());
        let port = bound.map(|s| s.port()).unwrap_or_default();
        let public = config.public_base_url.unwrap_or_else(|| match bound {
            Some(addr) => format!("http://{addr}"),
            None => format!("http://{}", config.bind),
        });
        let state = state.with_public_base_url(public);
        Ok(Application {
            acceptor,
            port,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Replaces the clock before serving (tests drive time with a settable clock).
    pub fn set_clock(&mut self, clock: zhicheng_store::runtime::SharedClock) {
        self.state.clock = clock;
    }

    /// Serves until Ctrl-C or SIGTERM, then drains in-flight requests for up to 10 s.
    ///
    /// # Errors
    /// I/O errors of the listener.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes (tests use this), then drains in-flight requests.
    ///
    /// # Errors
    /// I/O errors of the listener.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = endpoint(self.state);
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, stop, Some(Duration::from_secs(10)))
            .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}

/// The OpenAPI service (also used to dump the spec).
pub fn openapi(state: &AppState) -> OpenApiService<impl poem_openapi::OpenApi, ()> {
    OpenApiService::new(api::apis(state), "zhicheng 职称申报与评审 API", env!("CARGO_PKG_VERSION"))
        .server("/api/v1")
        .description("Declaring and reviewing professional titles (职称). Errors are JSON `{code, message, message_en, fields}`; objects outside the caller's reach answer 404.")
}

#[handler]
async fn readyz(st: poem::web::Data<&AppState>) -> poem::Response {
    match st.store.ping().await {
        Ok(()) => {
            Json(serde_json::json!({ "status": "ready", "database": st.store.backend_name() }))
                .into_response()
        }
        Err(e) => {
            tracing::error!("readiness: {e}");
            (
                poem::http::StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}

/// The whole HTTP application.
pub fn endpoint(state: AppState) -> impl poem::Endpoint {
    let api = openapi(&state);
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    Route::new()
        .nest("/", portal::routes())
        .nest("/api/v1", api)
        .at("/api/openapi.json", spec)
        .nest("/api/docs", docs)
        .at("/healthz", get(make_sync(|_| "ok")))
        .at("/readyz", get(readyz))
        .around(portal::same_origin)
        .catch_all_error(error::normalise_error)
        .around(security_headers)
        .data(state)
}

/// The security headers every answer carries. A handler that sets one itself keeps its own
/// (the attachment viewer allows framing by this site only); every other answer may not be
/// framed at all.
async fn security_headers<E: poem::Endpoint>(
    next: E,
    req: poem::Request,
) -> poem::Result<poem::Response> {
    let mut resp = match next.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    let defaults = [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; \
             frame-ancestors 'none'",
        ),
    ];
    let headers = resp.headers_mut();
    for (name, value) in defaults {
        if !headers.contains_key(name) {
            headers.insert(name, poem::http::HeaderValue::from_static(value));
        }
    }
    Ok(resp)
}
