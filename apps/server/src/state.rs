//! Shared application state: the store and the runtime adapters every use case needs.

use std::sync::Arc;

use zhicheng_certificate::IssuerKey;
use zhicheng_certificate::ports::CertificateRepo;
use zhicheng_declaration::AttachmentPolicy;
use zhicheng_identity::ports::CaptchaGenerator;
use zhicheng_identity::recovery::SendLimit;
use zhicheng_identity::{LockoutPolicy, SessionPolicy, ThrottlePolicy};
use zhicheng_kernel::StoreError;
use zhicheng_store::runtime::{BlockingArgon2, SharedClock, UuidV7, random_bytes};
use zhicheng_store::{LocalBlobStore, Store};

/// Everything a request handler needs, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub hasher: BlockingArgon2,
    /// The system clock; tests inject a settable one with [`crate::Application::set_clock`].
    pub clock: SharedClock,
    pub ids: UuidV7,
    pub key: Arc<IssuerKey>,
    pub lockout: LockoutPolicy,
    /// Session idle and absolute timeouts.
    pub session: SessionPolicy,
    /// Failed logins allowed per client address per window.
    pub throttle: ThrottlePolicy,
    /// Recovery SMS allowed per phone and per client address per window.
    pub sms_limit: SendLimit,
    /// How text messages leave: the outbox (default) or the HTTP provider.
    pub sms: crate::sms::SmsSender,
    /// Whether the last `X-Forwarded-For` entry (added by our own reverse proxy) names the
    /// client. Off unless configured: otherwise anyone could pick their own address.
    pub trust_forwarded_for: bool,
    /// Random captchas unless `ZHICHENG_CAPTCHA=fixed:<text>` (tests, development).
    pub captcha: Arc<dyn CaptchaGenerator>,
    /// Attachment bytes (`<data dir>/blobs`).
    pub blobs: LocalBlobStore,
    /// Attachment size limits.
    pub attachments: AttachmentPolicy,
    /// Public origin for absolute links in documents (no trailing slash).
    pub public_base_url: Arc<str>,
}

impl AppState {
    /// Builds the state, loading (or creating on first start) the issuer signing key.
    ///
    /// # Errors
    /// When the store cannot be read or the OS random source fails.
    pub async fn new(store: Store) -> Result<AppState, StoreError> {
        let candidate: [u8; 32] =
            random_bytes().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let seed = store.signing_seed(candidate).await?;
        Ok(AppState {
            sms: crate::sms::SmsSender::Outbox(store.clone()),
            store,
            hasher: BlockingArgon2::default(),
            clock: SharedClock::default(),
            ids: UuidV7,
            key: Arc::new(IssuerKey::from_seed(seed)),
            lockout: LockoutPolicy::default(),
            throttle: ThrottlePolicy::default(),
            sms_limit: SendLimit::default(),
            session: SessionPolicy::default(),
            trust_forwarded_for: false,
            captcha: Arc::new(crate::captcha::RandomCaptcha),
            blobs: LocalBlobStore::new("data/blobs"),
            attachments: AttachmentPolicy::default(),
            public_base_url: Arc::from(format!("http://{}", crate::DEFAULT_BIND)),
        })
    }

    /// The same state with another public origin (see `Config::public_base_url`).
    #[must_use]
    pub fn with_public_base_url(mut self, url: String) -> AppState {
        self.public_base_url = Arc::from(url.trim_end_matches('/'));
        self
    }
}
