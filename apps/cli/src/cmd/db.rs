//! `zhicheng db`: the database schema.

use clap::Subcommand;
use sea_orm_migration::MigratorTrait;
use zhicheng_store::migration::Migrator;

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Subcommand, Debug)]
enum DbCommand {
    /// Brings the schema up to date (idempotent) and says which migrations it applied.
    Migrate,
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            DbCommand::Migrate => migrate(ctx).await,
        }
    }
}

async fn migrate(ctx: &Ctx) -> Result<Exit, CliError> {
    let store = ctx.connect().await?;
    let pending: Vec<String> = Migrator::get_pending_migrations(store.connection())
        .await
        .map_err(zhicheng_store::db_err)?
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    store.migrate().await?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({
            "backend": store.backend_name(),
            "applied": pending,
            "up_to_date": true,
        }));
    } else if pending.is_empty() {
        println!("数据库结构已是最新，无需迁移（{}）", store.backend_name());
        println!("schema already up to date ({})", store.backend_name());
    } else {
        println!(
            "已执行 {} 项迁移（{}）/ applied {} migration(s) ({}):",
            pending.len(),
            store.backend_name(),
            pending.len(),
            store.backend_name()
        );
        for name in &pending {
            println!("  {name}");
        }
    }
    Ok(Exit::Ok)
}
