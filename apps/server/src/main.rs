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
    /// Directory for attachment blobs (`<dir>/blobs`).
    #[arg(long, env = "ZHICHENG_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: std::path::PathBuf,
    /// Largest attachment accepted, in bytes (default 10 MB).
    #[arg(long, env = "ZHICHENG_MAX_ATTACHMENT_BYTES")]
    max_attachment_bytes: Option<u64>,
    /// Public origin printed in documents (certificate QR codes); default http://{bind}.
    #[arg(long, env = "ZHICHENG_PUBLIC_URL")]
    public_url: Option<String>,
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
        data_dir: args.data_dir,
        max_attachment_bytes: args.max_attachment_bytes,
        public_base_url: args.public_url,
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
