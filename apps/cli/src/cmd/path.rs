//! `zhicheng path`: approval paths (上报路径). `path health` prints the route status of every
//! (unit, series, level) with declarations in a plan, before the deadline.

use clap::Subcommand;
use serde_json::json;
use zhicheng_approval_path::RouteError;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{Localized, OrgId, PlanId};
use zhicheng_review_workflow::health::{HealthEntry, HealthScope, health_in_scope};

use crate::cmd::plan::parse_uuid;
use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: PathCommand,
}

#[derive(Subcommand, Debug)]
enum PathCommand {
    /// 路径健康检查: the route status of each (unit, series, level) with declarations in a plan.
    Health {
        /// Plan id (UUID).
        #[arg(long)]
        plan: String,
        /// Only what this organisation sees (UUID): a unit its own, an HR bureau or committee
        /// organiser every unit of its region. Default: every unit.
        #[arg(long)]
        org: Option<String>,
    },
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            PathCommand::Health { plan, org } => health(ctx, &plan, org.as_deref()).await,
        }
    }
}

/// (status, route names, organisation whose link fails, the one that must act, message).
fn describe(e: &HealthEntry) -> serde_json::Value {
    let base = json!({
        "unit_id": e.key.unit,
        "unit_name": e.unit_name,
        "series": e.key.series.as_str(),
        "level": e.key.level.as_str(),
    });
    let extra = match &e.route {
        Ok(hops) => json!({
            "status": "complete",
            "route": hops.iter().map(|h| h.1.as_str()).collect::<Vec<_>>(),
            "message": format!(
                "上报路径完整：{}",
                hops.iter().map(|h| h.1.as_str()).collect::<Vec<_>>().join(" → ")
            ),
        }),
        Err(err) => {
            let (status, at, parent) = match err {
                RouteError::NoApprovedPath { at, gap, names } => (
                    gap.code(),
                    Some(json!({ "id": at, "name": names.at })),
                    gap.parent()
                        .map(|p| json!({ "id": p, "name": names.parent })),
                ),
                RouteError::Cycle => ("cycle", None, None),
                RouteError::TooLong => ("too_long", None, None),
            };
            json!({ "status": status, "at": at, "parent": parent, "message": err.zh(), "message_en": err.en() })
        }
    };
    let mut v = base;
    if let (Some(o), Some(x)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(x.clone());
    }
    v
}

async fn health(ctx: &Ctx, plan: &str, org: Option<&str>) -> Result<Exit, CliError> {
    let plan = PlanId(parse_uuid("plan", plan)?);
    let org = org.map(|o| parse_uuid("org", o)).transpose()?;
    let store = ctx.store().await?;
    store.get_plan(plan).await?.ok_or_else(|| {
        CliError::refused(
            "plan.not_found",
            "找不到该评审计划（见 zhicheng plan list）",
            "no plan with this id (see `zhicheng plan list`)",
        )
    })?;
    let scope = match org {
        None => HealthScope::All,
        Some(id) => {
            let o = store.get_org(OrgId(id)).await?.ok_or_else(|| {
                CliError::refused(
                    "org.not_found",
                    "找不到该单位或部门（见 zhicheng org list）",
                    "no organisation with this id (see `zhicheng org list`)",
                )
            })?;
            HealthScope::of_org(&o)
        }
    };
    let rows = health_in_scope(&store, &store, scope, plan).await?;
    if ctx.json {
        ctx.print_json(&json!({
            "plan_id": plan,
            "complete": rows.iter().filter(|r| r.route.is_ok()).count(),
            "incomplete": rows.iter().filter(|r| r.route.is_err()).count(),
            "routes": rows.iter().map(describe).collect::<Vec<_>>(),
        }));
        return Ok(Exit::Ok);
    }
    if rows.is_empty() {
        println!("该计划下尚无申报 / no declarations in this plan");
        return Ok(Exit::Ok);
    }
    println!("路径健康检查 / path health");
    for r in &rows {
        let mark = if r.route.is_ok() { "✓" } else { "✗" };
        let v = describe(r);
        println!(
            "  {mark} {}  {} {:<13}  {}",
            r.unit_name,
            r.key.series.as_str(),
            r.key.level.as_str(),
            v["message"].as_str().unwrap_or_default()
        );
    }
    Ok(Exit::Ok)
}
