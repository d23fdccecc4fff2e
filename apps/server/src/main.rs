//! `zhicheng-server`: runs the API and portal. Zero setup: SQLite under `./data` by default.

use clap::Parser;
use zhicheng_server::{Application, Config, DEFAULT_BIND, DEFAULT_DATA_DIR, DEFAULT_DATABASE_URL};

#[derive(Parser, Debug)]
#[command(
    name = "zhicheng-server",
    version,
    about = "zhicheng 职称申报与评审: API and web portal"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "ZHICHENG_BIND", default_value = DEFAULT_BIND)]
    bind: String,
    /// Database URL: sqlite://path?mode=rwc or postgres://user@host/db.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Captcha generator: unset for random captchas; `fixed:<text>` makes every captcha ask
    /// for <text> — for automated tests and development only, never in production.
    #[arg(long, env = "ZHICHENG_CAPTCHA")]
    captcha: Option<String>,
    /// Consecutive wrong passwords that lock an account.
    #[arg(long, env = "ZHICHENG_LOCKOUT_MAX_FAILURES", default_value_t = 5)]
    lockout_max_failures: i32,
    /// How long a lock lasts, in minutes.
    #[arg(long, env = "ZHICHENG_LOCKOUT_MINUTES", default_value_t = 15)]
    lockout_minutes: i64,
    /// Failed logins allowed from one client address per window.
    #[arg(long, env = "ZHICHENG_THROTTLE_MAX_FAILURES", default_value_t = 30)]
    throttle_max_failures: u32,
    /// The throttle window, in minutes.
    #[arg(long, env = "ZHICHENG_THROTTLE_MINUTES", default_value_t = 15)]
    throttle_minutes: i64,
    /// Take the client address from the last X-Forwarded-For entry (behind your own proxy only).
    #[arg(long, env = "ZHICHENG_TRUST_FORWARDED_FOR", default_value_t = false)]
    trust_forwarded_for: bool,
    /// Minutes without a request after which a session ends.
    #[arg(long, env = "ZHICHENG_SESSION_IDLE_MINUTES", default_value_t = 30)]
    session_idle_minutes: i64,
    /// Hours after sign-in at which a session ends regardless.
    #[arg(long, env = "ZHICHENG_SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    session_absolute_hours: i64,
    /// Directory for attachment blobs (`<dir>/blobs`).
    #[arg(long, env = "ZHICHENG_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: std::path::PathBuf,
    /// Largest attachment accepted, in bytes (default 10 MB).
    #[arg(long, env = "ZHICHENG_MAX_ATTACHMENT_BYTES")]
    max_attachment_bytes: Option<u64>,
    /// Public origin printed in documents (certificate QR codes); default http://{bind}.
    #[arg(long, env = "ZHICHENG_PUBLIC_URL")]
    public_url: Option<String>,
    /// SMS provider endpoint (https://… or http://…): messages are posted there as JSON, and still
    /// logged in the outbox. Unset: the outbox only (`zhicheng sms outbox`).
    #[arg(long, env = "ZHICHENG_SMS_URL")]
    sms_url: Option<String>,
    /// Bearer token for the SMS provider.
    #[arg(long, env = "ZHICHENG_SMS_TOKEN", hide_env_values = true)]
    sms_token: Option<String>,
    /// Timeout of one post to the SMS provider, in seconds.
    #[arg(long, env = "ZHICHENG_SMS_TIMEOUT_SECONDS", default_value_t = 5)]
    sms_timeout_seconds: u64,
    /// PEM file of extra root certificates trusted for an https:// SMS provider (private CA).
    #[arg(long, env = "ZHICHENG_SMS_CA_FILE")]
    sms_ca_file: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let app = match Application::build(Config {
        bind: args.bind,
        database_url: args.database_url,
        captcha: args.captcha,
        lockout: zhicheng_identity::LockoutPolicy {
            max_failures: args.lockout_max_failures.max(1),
            lock_for: chrono::Duration::minutes(args.lockout_minutes.max(1)),
        },
        throttle: zhicheng_identity::ThrottlePolicy {
            max_failures: args.throttle_max_failures.max(1),
            window: chrono::Duration::minutes(args.throttle_minutes.max(1)),
        },
        trust_forwarded_for: args.trust_forwarded_for,
        session: zhicheng_identity::SessionPolicy {
            idle: chrono::Duration::minutes(args.session_idle_minutes.max(1)),
            absolute: chrono::Duration::hours(args.session_absolute_hours.max(1)),
        },
        data_dir: args.data_dir,
        max_attachment_bytes: args.max_attachment_bytes,
        public_base_url: args.public_url,
        sms_http: args.sms_url.map(|url| zhicheng_server::sms::HttpSmsConfig {
            url,
            token: args.sms_token,
            timeout: std::time::Duration::from_secs(args.sms_timeout_seconds.max(1)),
            ca_file: args.sms_ca_file,
        }),
    })
    .await
    {
        Ok(a) => a,
        Err(e) => {
            eprintln!("zhicheng-server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!(
        "portal http://127.0.0.1:{}/  API docs http://127.0.0.1:{}/api/docs",
        app.port(),
        app.port()
    );
    match app.run_until_stopped().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zhicheng-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
