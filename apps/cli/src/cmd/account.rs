//! `zhicheng account`: operator actions on accounts (unlock).

use clap::Subcommand;
use serde_json::json;
use zhicheng_identity::service;

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: AccountCommand,
}

#[derive(Subcommand, Debug)]
enum AccountCommand {
    /// Ends an account's lock at once (audited with the operator's name).
    Unlock {
        /// Username or ID number.
        login: String,
    },
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            AccountCommand::Unlock { login } => unlock(ctx, &login).await,
        }
    }
}

async fn unlock(ctx: &Ctx, login: &str) -> Result<Exit, CliError> {
    let store = ctx.store().await?;
    let account = service::unlock_account(&store, &ctx.clock, &ctx.operator, login)
        .await
        .map_err(|e| match e {
            zhicheng_kernel::ServiceError::NotFound => CliError::refused(
                "account.not_found",
                "没有该用户名或身份证号码的账户",
                "no account has this username or ID number",
            ),
            zhicheng_kernel::ServiceError::Store(s) => CliError::from(s),
            zhicheng_kernel::ServiceError::Forbidden => {
                CliError::refused("account.forbidden", "不允许此操作", "not allowed")
            }
            zhicheng_kernel::ServiceError::Rule(never) => match never {},
        })?;
    if ctx.json {
        ctx.print_json(&json!({
            "account_id": account.id,
            "username": account.username.as_str(),
            "unlocked": true,
        }));
    } else {
        println!(
            "账户 {} 已解锁 / account unlocked",
            account.username.as_str()
        );
    }
    Ok(Exit::Ok)
}
