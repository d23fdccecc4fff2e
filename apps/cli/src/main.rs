//! `zhicheng`: the operator CLI. Same domain services and store as the server; one module per
//! command group under `cmd/`; `--json` for scripts; exit codes scripts can trust (see [`Exit`]).

mod cmd;
mod ctx;
mod error;
mod password;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

/// Default database, the same file the server opens by default (`zhicheng_server::DEFAULT_DATABASE_URL`).
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/zhicheng.db?mode=rwc";

#[derive(Parser, Debug)]
#[command(
    name = "zhicheng",
    version,
    about = "zhicheng 职称申报与评审: operator CLI",
    after_help = "Exit codes: 0 ok, 1 refused/invalid/not found, 2 usage or bad input, 3 database unavailable."
)]
struct Cli {
    /// Database URL: sqlite://path?mode=rwc or postgres://user@host/db.
    #[arg(long, global = true, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Name recorded in audit events as the operator (default: $USER, else `operator`).
    #[arg(long, global = true, env = "ZHICHENG_OPERATOR")]
    operator: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Database schema.
    Db(cmd::db::Args),
    /// Authorities (HR bureaus, competent departments, committee organisers).
    Org(cmd::org::Args),
    /// Review plans (申报通知) and their windows.
    Plan(cmd::plan::Args),
    /// The title catalog (职称目录): import specialties and series, list the version in force.
    Catalog(cmd::catalog::Args),
    /// The commitment letter (承诺书): publish a new text, show the one in force.
    Commitment(cmd::commitment::Args),
    /// Declarations: `declaration export` writes every declaration of a plan as XLSX or CSV.
    Declaration(cmd::declaration::Args),
    /// Approval paths (上报路径): `path health` checks the routes of a plan's declarations.
    Path(cmd::path::Args),
    /// Check an ID number or a unified social credit code (no database).
    Check(cmd::check::Args),
    /// Demo data.
    Demo(cmd::demo::Args),
    /// Accounts (unlock).
    Account(cmd::account::Args),
    /// Persons (name correction).
    Person(cmd::person::Args),
    /// Text messages (the outbox).
    Sms(cmd::sms::Args),
    /// The summary table (一览表) of an organisation's cases as XLSX or PDF.
    Summary(cmd::summary::Args),
}

fn operator_name(given: Option<String>) -> String {
    given
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| {
            std::env::var("USER")
                .ok()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "operator".to_owned())
}

async fn run(cli: Cli) -> Result<Exit, CliError> {
    let ctx = Ctx::new(cli.database_url, cli.json, operator_name(cli.operator));
    match cli.command {
        Command::Db(a) => a.run(&ctx).await,
        Command::Org(a) => a.run(&ctx).await,
        Command::Plan(a) => a.run(&ctx).await,
        Command::Catalog(a) => a.run(&ctx).await,
        Command::Commitment(a) => a.run(&ctx).await,
        Command::Path(a) => a.run(&ctx).await,
        Command::Declaration(a) => a.run(&ctx).await,
        Command::Check(a) => a.run(&ctx).await,
        Command::Demo(a) => a.run(&ctx).await,
        Command::Account(a) => a.run(&ctx).await,
        Command::Person(a) => a.run(&ctx).await,
        Command::Sms(a) => a.run(&ctx).await,
        Command::Summary(a) => a.run(&ctx).await,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    // Usage errors exit 2 (clap's own convention); --help and --version exit 0.
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli).await {
        Ok(exit) => exit.into(),
        Err(e) => {
            e.report(json);
            e.exit.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_default_database_is_the_servers() {
        assert_eq!(DEFAULT_DATABASE_URL, "sqlite://data/zhicheng.db?mode=rwc");
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_operator_falls_back_to_a_name() {
        assert_eq!(operator_name(Some(" alice ".into())), "alice");
        assert!(!operator_name(Some("  ".into())).is_empty());
    }
}
