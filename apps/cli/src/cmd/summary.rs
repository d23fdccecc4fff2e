//! `zhicheng summary`: the summary table (一览表) of the cases an organisation holds for one
//! plan, series and level, written as XLSX or PDF — the same table the API serves, gathered
//! through the same queue service on the organisation's behalf.

use std::path::PathBuf;

use clap::ValueEnum;
use serde_json::json;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{AccountId, Clock, OrgId, PlanId, Principal, SeriesCode, TitleLevel};

use super::plan::parse_uuid;
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Xlsx,
    Pdf,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Id (UUID) of the organisation whose cases are listed.
    #[arg(long)]
    org: String,
    /// Id (UUID) of the review plan.
    #[arg(long)]
    plan: String,
    /// Title series code, e.g. ENG.
    #[arg(long)]
    series: String,
    /// Level: senior_full, senior_deputy, intermediate, assistant or junior.
    #[arg(long)]
    level: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "xlsx")]
    format: Format,
    /// File to write.
    #[arg(long)]
    out: PathBuf,
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        let org = OrgId(parse_uuid("org", &self.org)?);
        let plan = PlanId(parse_uuid("plan", &self.plan)?);
        let series = SeriesCode::parse(&self.series)
            .map_err(|e| CliError::field("series", "职称系列代码无效", e))?;
        let level =
            TitleLevel::parse(&self.level).map_err(|e| CliError::field("level", "级别无效", e))?;
        let store = ctx.store().await?;
        let o = store.get_org(org).await?.ok_or_else(|| {
            CliError::refused("org.not_found", "没有这个单位", "no such organisation")
        })?;
        // The operator acts as the organisation's staff: the queue service decides what it sees.
        let principal = Principal {
            account_id: AccountId(uuid::Uuid::nil()),
            role: o.kind.staff_role(),
            person_id: None,
            org_id: Some(org),
        };
        let data = zhicheng_documents::summary_data(
            &store,
            &principal,
            plan,
            &series,
            level,
            ctx.clock.now(),
        )
        .await
        .map_err(CliError::service)?;
        let table = data.table();
        let bytes = match self.format {
            Format::Xlsx => zhicheng_documents::summary_table_xlsx(&table),
            Format::Pdf => zhicheng_documents::Fonts::embedded()
                .and_then(|f| zhicheng_documents::summary_table_pdf(f, &table)),
        }
        .map_err(|e| CliError::rule(&e))?;
        std::fs::write(&self.out, &bytes).map_err(|e| {
            CliError::field(
                "out",
                "无法写入输出文件",
                format!("{}: {e}", self.out.display()),
            )
        })?;
        if ctx.json {
            ctx.print_json(&json!({
                "out": self.out.display().to_string(),
                "rows": data.rows.len(),
                "bytes": bytes.len(),
            }));
        } else {
            println!(
                "已写入 {}：{} 人，{} 字节 / wrote {} rows to {}",
                self.out.display(),
                data.rows.len(),
                bytes.len(),
                data.rows.len(),
                self.out.display()
            );
        }
        Ok(Exit::Ok)
    }
}
