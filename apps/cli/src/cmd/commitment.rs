//! `zhicheng commitment`: the commitment letter (职称申报承诺书). `set` publishes a new text as
//! the next version (every applicant is asked again before any declaration action); `show`
//! prints the letter in force.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::service;

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: CommitmentCommand,
}

#[derive(Subcommand, Debug)]
enum CommitmentCommand {
    /// Publishes a new text of the letter (UTF-8 file) as the next version.
    Set {
        /// The letter text, UTF-8.
        #[arg(long)]
        file: PathBuf,
        /// A new title (default: keep the title in force).
        #[arg(long)]
        title: Option<String>,
    },
    /// Prints the letter in force.
    Show,
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            CommitmentCommand::Set { file, title } => set(ctx, &file, title).await,
            CommitmentCommand::Show => show(ctx).await,
        }
    }
}

async fn set(ctx: &Ctx, file: &std::path::Path, title: Option<String>) -> Result<Exit, CliError> {
    let bytes = std::fs::read(file).map_err(|e| {
        CliError::field(
            "file",
            format!("无法读取 {}：{e}", file.display()),
            format!("cannot read {}: {e}", file.display()),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        CliError::field(
            "file",
            "承诺书文件应为 UTF-8 编码的文本",
            "the letter file must be UTF-8 text",
        )
    })?;
    let text = text.trim_start_matches('\u{feff}').to_owned();
    let store = ctx.store().await?;
    let letter = service::publish_letter(&store, &ctx.clock, ctx.operator.clone(), title, text)
        .await
        .map_err(CliError::service)?;
    if ctx.json {
        ctx.print_json(&json!({
            "seq": letter.seq, "version": letter.version, "title": letter.title,
            "published_at": letter.published_at, "chars": letter.body.chars().count(),
        }));
    } else {
        println!(
            "已发布承诺书新版本 {}（{} 字）：申报人下次进入申报模块时须重新同意。",
            letter.version,
            letter.body.chars().count()
        );
        println!(
            "published commitment letter version {}: applicants accept it again on their next declaration action.",
            letter.version
        );
    }
    Ok(Exit::Ok)
}

async fn show(ctx: &Ctx) -> Result<Exit, CliError> {
    let store = ctx.store().await?;
    let letter = store.current_letter().await?;
    if ctx.json {
        ctx.print_json(&json!({
            "seq": letter.seq, "version": letter.version, "title": letter.title,
            "body": letter.body, "published_at": letter.published_at,
        }));
    } else {
        println!("{}（版本 {}）", letter.title, letter.version);
        println!();
        println!("{}", letter.body);
    }
    Ok(Exit::Ok)
}
