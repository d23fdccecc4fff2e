//! `zhicheng declaration export`: every declaration of a plan as XLSX or CSV (UTF-8 with a
//! byte-order mark, so Excel shows the Chinese text), with a progress bar on a terminal. ID
//! numbers are masked unless `--full-id` is given; every export is audited on the plan
//! (format, rows, whether ID numbers were in full) before any data is written.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use zhicheng_kernel::PlanId;

use super::plan::parse_uuid;
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: DeclarationCommand,
}

#[derive(Subcommand, Debug)]
enum DeclarationCommand {
    /// Writes every declaration of a plan to a file (one row each).
    Export {
        /// Id (UUID) of the review plan (see `zhicheng plan list`).
        #[arg(long)]
        plan: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "xlsx")]
        format: Format,
        /// File to write.
        #[arg(long)]
        out: PathBuf,
        /// Show ID numbers in full instead of masked (recorded in the audit trail).
        #[arg(long)]
        full_id: bool,
    },
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            DeclarationCommand::Export {
                plan,
                format,
                out,
                full_id,
            } => export(ctx, &plan, format, &out, full_id).await,
        }
    }
}

/// A progress bar on stderr when it is a terminal; hidden otherwise (pipes, scripts, tests).
fn progress(len: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len as u64),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("导出 / exporting {bar:30} {pos}/{len} ({eta})")
    {
        bar.set_style(style);
    }
    bar
}

async fn export(
    ctx: &Ctx,
    plan: &str,
    format: Format,
    out: &std::path::Path,
    full_id: bool,
) -> Result<Exit, CliError> {
    let plan_id = PlanId(parse_uuid("plan", plan)?);
    let store = ctx.store().await?;
    let (plan, declarations) = zhicheng_declaration::service::export_declarations(
        &store,
        &ctx.clock,
        ctx.operator.clone(),
        plan_id,
        format.as_str(),
        full_id,
    )
    .await
    .map_err(|e| match e {
        zhicheng_kernel::ServiceError::NotFound => CliError::refused(
            "plan.not_found",
            "找不到该评审计划（见 zhicheng plan list）",
            "no plan with this id (see `zhicheng plan list`)",
        ),
        e => CliError::service(e),
    })?;
    let bar = progress(declarations.len());
    let rows =
        zhicheng_documents::export_rows(&store, &plan, &declarations, full_id, || bar.inc(1))
            .await?;
    bar.finish_and_clear();
    let bytes = match format {
        Format::Csv => zhicheng_documents::export_csv(&rows),
        Format::Xlsx => zhicheng_documents::export_xlsx(
            &format!("{}（{} 份申报）", plan.name, rows.len()),
            &rows,
        ),
    }
    .map_err(|e| CliError::rule(&e))?;
    std::fs::write(out, &bytes).map_err(|e| {
        CliError::field(
            "out",
            format!("无法写入 {}：{e}", out.display()),
            format!("cannot write {}: {e}", out.display()),
        )
    })?;
    if ctx.json {
        ctx.print_json(&json!({
            "plan": plan.id, "format": format.as_str(), "rows": rows.len(),
            "bytes": bytes.len(), "out": out.display().to_string(), "full_id": full_id,
        }));
    } else {
        println!(
            "已导出 {} 份申报到 {}（{}，身份证号{}）",
            rows.len(),
            out.display(),
            format.as_str(),
            if full_id {
                "完整，已记入审计日志"
            } else {
                "已遮蔽"
            }
        );
        println!(
            "exported {} declarations to {} ({}, ID numbers {})",
            rows.len(),
            out.display(),
            format.as_str(),
            if full_id {
                "in full, audited"
            } else {
                "masked"
            }
        );
    }
    Ok(Exit::Ok)
}
