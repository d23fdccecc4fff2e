//! `zhicheng sms`: the outbox of the default SMS adapter, where operators read the messages
//! the system queued (recovery codes, usernames, reset notices) until a provider is configured.

use clap::Subcommand;
use serde_json::json;

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: SmsCommand,
}

#[derive(Subcommand, Debug)]
enum SmsCommand {
    /// Lists the newest queued messages, newest first. They may hold codes: treat as secret.
    Outbox {
        /// How many messages (default 20).
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            SmsCommand::Outbox { limit } => outbox(ctx, limit).await,
        }
    }
}

async fn outbox(ctx: &Ctx, limit: u64) -> Result<Exit, CliError> {
    let store = ctx.store().await?;
    let rows = store.sms_outbox(limit).await?;
    if ctx.json {
        ctx.print_json(&json!(rows));
        return Ok(Exit::Ok);
    }
    if rows.is_empty() {
        println!("短信发件箱为空 / the SMS outbox is empty");
    }
    for m in rows {
        println!(
            "{}  {}  {:<14}  {}",
            m.created_at.format("%Y-%m-%d %H:%M:%S"),
            m.mobile,
            m.template,
            m.text
        );
    }
    Ok(Exit::Ok)
}
