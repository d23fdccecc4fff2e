//! SMS delivery: the [`SmsGateway`] adapters the server can run with.
//!
//! - **Outbox** (default): the message is queued in `sms_outbox` with its challenge and audit
//!   row, in one transaction, and operators read it with `zhicheng sms outbox`.
//! - **HTTP** (`ZHICHENG_SMS_URL`): the same transaction is written (the outbox row is the
//!   delivery log), then the message is posted as JSON to the provider URL with an optional
//!   bearer token (`ZHICHENG_SMS_TOKEN`) and a timeout. The post runs in the background, so
//!   the answer to the requester never waits for the provider — and takes the same time
//!   whether or not anything was sent. Failures are logged without the text.
//!
//! `https://` providers are reached over rustls with the *ring* provider (no OpenSSL) and the
//! Mozilla root certificates compiled in (`webpki-roots`); a provider behind a private CA is
//! trusted by adding its PEM certificate(s) with `ZHICHENG_SMS_CA_FILE`.

use std::sync::Arc;
use std::time::Duration;

use zhicheng_identity::ports::SmsGateway;
use zhicheng_identity::recovery::{RecoveryCode, RecoveryCodeText, SmsMessage};
use zhicheng_kernel::{AuditEvent, StoreError};
use zhicheng_store::Store;

/// Where the HTTP adapter posts.
#[derive(Debug, Clone)]
pub struct HttpSmsConfig {
    /// The provider's endpoint, `https://…` (or `http://…` on a trusted network).
    pub url: String,
    /// Sent as `Authorization: Bearer <token>` when given.
    pub token: Option<String>,
    /// How long one post may take.
    pub timeout: Duration,
    /// PEM file with extra root certificates to trust for `https://` (a private CA), on top
    /// of the built-in Mozilla roots.
    pub ca_file: Option<std::path::PathBuf>,
}

/// The SMS adapter in use.
#[derive(Clone)]
pub enum SmsSender {
    Outbox(Store),
    Http(HttpSms),
}

/// The HTTP adapter: the outbox transaction, then a JSON post to the provider.
#[derive(Clone)]
pub struct HttpSms {
    store: Store,
    url: Arc<str>,
    token: Option<Arc<str>>,
    client: reqwest::Client,
}

#[derive(Debug, thiserror::Error)]
pub enum SmsConfigError {
    #[error("ZHICHENG_SMS_URL must start with https:// or http://")]
    Scheme,
    #[error("cannot read the CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Makes *ring* the process's default rustls crypto provider (once; later calls do nothing).
/// Every `reqwest` client of this build relies on it: the TLS feature carries no provider of
/// its own, to avoid compiling a second crypto library.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // A concurrent install won the race: the provider is set either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The TLS settings of the provider client: rustls with the *ring* provider, the Mozilla
/// roots and the extra roots of `ca_file`.
fn tls_config(ca_file: Option<&std::path::Path>) -> Result<rustls::ClientConfig, SmsConfigError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_file {
        let bad = |reason: String| SmsConfigError::CaFile {
            path: path.display().to_string(),
            reason,
        };
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("no PEM certificate in it".into()));
        }
        for c in certs {
            roots.add(c).map_err(|e| bad(e.to_string()))?;
        }
    }
    rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SmsConfigError::Client(e.to_string()))
    .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

impl HttpSms {
    /// # Errors
    /// [`SmsConfigError`] for a URL this build cannot post to.
    pub fn new(store: Store, c: &HttpSmsConfig) -> Result<HttpSms, SmsConfigError> {
        if !(c.url.starts_with("https://") || c.url.starts_with("http://")) {
            return Err(SmsConfigError::Scheme);
        }
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config(c.ca_file.as_deref())?)
            .https_only(c.url.starts_with("https://"))
            .timeout(c.timeout)
            .connect_timeout(c.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SmsConfigError::Client(e.to_string()))?;
        Ok(HttpSms {
            store,
            url: Arc::from(c.url.as_str()),
            token: c.token.as_deref().map(Arc::from),
            client,
        })
    }

    /// The JSON body posted to the provider.
    pub fn payload(message: &SmsMessage) -> serde_json::Value {
        let params: serde_json::Map<String, serde_json::Value> = message
            .params
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::json!({
            "mobile": message.mobile.as_str(),
            "template": message.template.as_str(),
            "params": params,
            "text": message.text(),
        })
    }

    async fn post(self, body: serde_json::Value, masked: String, template: &'static str) {
        let mut req = self.client.post(&*self.url).json(&body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => {
                tracing::info!(mobile = %masked, template, status = %r.status(), "sms delivered to the provider");
            }
            Ok(r) => {
                tracing::warn!(mobile = %masked, template, status = %r.status(), "sms provider refused the message");
            }
            Err(e) => {
                tracing::warn!(mobile = %masked, template, timeout = e.is_timeout(), "sms provider unreachable");
            }
        }
    }
}

impl SmsGateway for SmsSender {
    fn new_code(&self) -> Option<RecoveryCodeText> {
        match self {
            SmsSender::Outbox(s) => s.new_code(),
            SmsSender::Http(h) => h.store.new_code(),
        }
    }

    async fn send(
        &self,
        message: &SmsMessage,
        challenge: Option<&RecoveryCode>,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        match self {
            SmsSender::Outbox(s) => s.send(message, challenge, audit).await,
            SmsSender::Http(h) => {
                h.store.send(message, challenge, audit).await?;
                let body = HttpSms::payload(message);
                let job = h
                    .clone()
                    .post(body, message.mobile.masked(), message.template.as_str());
                tokio::spawn(job);
                Ok(())
            }
        }
    }
}
