//! `zhicheng plan`: review plans (申报通知) published by an HR bureau or committee organiser,
//! created and opened here by an operator on the organiser's behalf.

use chrono::{DateTime, Datelike, Utc};
use clap::Subcommand;
use serde_json::json;
use zhicheng_declaration::ReviewPlan;
use zhicheng_declaration::plan::PlanTimeZone;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::service::{self, NewPlan, PlanAuthor};
use zhicheng_identity::OrgKind;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{FieldError, Localized, OrgId, PlanId, SeriesCode, TitleLevel};

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: PlanCommand,
}

#[derive(Subcommand, Debug)]
enum PlanCommand {
    /// Creates a plan in draft for an HR bureau or committee organiser.
    Create(CreateArgs),
    /// Publishes a draft plan.
    Open {
        /// Plan id (UUID).
        id: String,
    },
    /// Closes an open plan.
    Close {
        /// Plan id (UUID).
        id: String,
    },
    /// Lists plans, newest year first.
    List,
}

#[derive(clap::Args, Debug)]
struct CreateArgs {
    /// Id (UUID) of the HR bureau or committee organiser publishing the plan.
    #[arg(long)]
    organiser: String,
    /// Review year (default: the year of --start, Beijing time).
    #[arg(long)]
    year: Option<i32>,
    /// Plan name, 2–100 characters.
    #[arg(long)]
    name: String,
    /// Title series code from the catalog, e.g. ENG or HEALTH.
    #[arg(long)]
    series: String,
    /// Comma-separated levels: senior_full, senior_deputy, intermediate, assistant, junior.
    #[arg(long, value_delimiter = ',', required = true)]
    levels: Vec<String>,
    /// Window start: RFC 3339, `YYYY-MM-DD HH:MM`, or YYYY-MM-DD meaning 00:00, in the
    /// plan's time zone.
    #[arg(long)]
    start: String,
    /// Window end: RFC 3339, `YYYY-MM-DD HH:MM`, or YYYY-MM-DD meaning 23:59:59, in the plan's
    /// time zone.
    #[arg(long)]
    end: String,
    /// 单位审核上报截止时间: units report upward until then (same formats as --end; not
    /// before the window ends). Default: no deadline.
    #[arg(long)]
    report_deadline: Option<String>,
    /// IANA time zone the dates are read, shown and enforced in.
    #[arg(long, default_value = "Asia/Shanghai")]
    time_zone: String,
    /// 备注 of the notice (conditions, contacts; at most 2000 characters).
    #[arg(long, default_value = "")]
    notes: String,
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            PlanCommand::Create(a) => create(ctx, a).await,
            PlanCommand::Open { id } => set_open(ctx, &id, true).await,
            PlanCommand::Close { id } => set_open(ctx, &id, false).await,
            PlanCommand::List => list(ctx).await,
        }
    }
}

/// An instant from RFC 3339, a local `YYYY-MM-DD HH:MM`, or a calendar day in `tz`: its
/// first second for a start, its last second for an end.
pub(crate) fn parse_instant(tz: PlanTimeZone, s: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    tz.parse_instant(s, end_of_day)
}

fn instant_field(
    tz: PlanTimeZone,
    field: &str,
    s: &str,
    end_of_day: bool,
) -> Result<DateTime<Utc>, FieldError> {
    parse_instant(tz, s, end_of_day).ok_or_else(|| {
        FieldError::new(
            field,
            &format!("{field}.invalid"),
            format!(
                "时间格式应为 YYYY-MM-DD、YYYY-MM-DD HH:MM（{}）或 RFC 3339，如 2026-03-01 或 2026-03-01T09:00:00+08:00",
                tz.zh()
            ),
            format!(
                "`{s}` is neither YYYY-MM-DD, YYYY-MM-DD HH:MM ({tz}) nor RFC 3339, e.g. 2026-03-01T09:00:00+08:00"
            ),
        )
    })
}

pub(crate) fn parse_uuid(field: &str, s: &str) -> Result<uuid::Uuid, CliError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|e| {
        CliError::field(
            field,
            "应为 UUID，如 0190f5e2-7c4b-7d2a-9a51-3c2f1e8b6a10",
            format!("not a UUID: {e}"),
        )
    })
}

/// One plan as JSON.
pub(crate) fn plan_json(p: &ReviewPlan) -> serde_json::Value {
    json!({
        "id": p.id,
        "year": p.year,
        "name": p.name,
        "organiser_id": p.organiser_id,
        "series": p.series.as_str(),
        "levels": p.levels.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        "window_start": p.window_start,
        "window_end": p.window_end,
        "report_deadline": p.report_deadline,
        "time_zone": p.time_zone.name(),
        "notes": p.notes,
        "window_local": p.window_text(),
        "report_deadline_local": p.deadline_text(),
        "status": p.status.as_str(),
        "version": p.version,
    })
}

async fn create(ctx: &Ctx, a: CreateArgs) -> Result<Exit, CliError> {
    let mut fields = Vec::new();
    let organiser = uuid::Uuid::parse_str(a.organiser.trim())
        .map_err(|e| {
            fields.push(FieldError::new(
                "organiser",
                "organiser.invalid",
                "评委会组建单位或人社局的 id 应为 UUID（见 zhicheng org list）",
                format!("the organiser id must be a UUID (see `zhicheng org list`): {e}"),
            ))
        })
        .ok()
        .map(OrgId);
    let series = SeriesCode::parse(&a.series)
        .map_err(|e| {
            fields.push(FieldError::new(
                "series",
                "series.invalid",
                "职称系列代码为 1–16 位大写字母、数字或 _，如 ENG、HEALTH",
                e.to_string(),
            ))
        })
        .ok();
    let mut levels = Vec::new();
    for raw in a.levels.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match TitleLevel::parse(raw) {
            Ok(l) => levels.push(l),
            Err(e) => fields.push(FieldError::new(
                "levels",
                "levels.invalid",
                format!(
                    "未知级别“{raw}”：可用 senior_full、senior_deputy、intermediate、assistant、junior"
                ),
                e.to_string(),
            )),
        }
    }
    let tz = PlanTimeZone::parse(&a.time_zone)
        .map_err(|e| {
            fields.push(FieldError::new(
                "time-zone",
                e.code(),
                e.zh(),
                e.to_string(),
            ))
        })
        .ok();
    let zone = tz.unwrap_or_default();
    let start = instant_field(zone, "start", &a.start, false)
        .map_err(|f| fields.push(f))
        .ok();
    let end = instant_field(zone, "end", &a.end, true)
        .map_err(|f| fields.push(f))
        .ok();
    let deadline = match &a.report_deadline {
        None => Some(None),
        Some(d) => instant_field(zone, "report-deadline", d, true)
            .map_err(|f| fields.push(f))
            .ok()
            .map(Some),
    };
    let (Some(organiser), Some(series), Some(start), Some(end), Some(deadline), Some(tz)) =
        (organiser, series, start, end, deadline, tz)
    else {
        return Err(CliError::fields(fields));
    };
    if !fields.is_empty() {
        return Err(CliError::fields(fields));
    }
    let year = match a.year {
        Some(y) => y,
        None => tz
            .local(start)
            .get(..4)
            .and_then(|y| y.parse().ok())
            .unwrap_or_else(|| start.year()),
    };
    let store = ctx.store().await?;
    let org = store.get_org(organiser).await?.ok_or_else(|| {
        CliError::refused(
            "plan.organiser_not_found",
            "找不到该机构（见 zhicheng org list）",
            "no organisation with this id (see `zhicheng org list`)",
        )
    })?;
    if !matches!(org.kind, OrgKind::HrBureau | OrgKind::CommitteeOrganiser) {
        return Err(CliError::refused(
            "plan.organiser_kind",
            format!(
                "“{}”是{}：评审计划只能由人社局或评委会组建单位发布",
                org.name.as_str(),
                org.kind.zh()
            ),
            format!(
                "`{}` is a {}: only an HR bureau or a committee organiser publishes plans",
                org.name.as_str(),
                org.kind.as_str()
            ),
        ));
    }
    let author = PlanAuthor::Operator {
        name: ctx.operator.clone(),
        organiser,
    };
    let cmd = NewPlan {
        year,
        name: a.name,
        series,
        levels,
        window_start: start,
        window_end: end,
        report_deadline: deadline,
        time_zone: tz,
        notes: a.notes,
    };
    let plan = service::create_plan(&store, &ctx.clock, &ctx.ids, author, cmd)
        .await
        .map_err(CliError::service)?;
    if ctx.json {
        ctx.print_json(&plan_json(&plan));
    } else {
        println!("已创建评审计划（草拟）：{}", plan.name);
        println!("created plan (draft): {}", plan.name);
        print_plan_details(&plan, org.name.as_str());
        println!("下一步 / next: zhicheng plan open {}", plan.id);
    }
    Ok(Exit::Ok)
}

fn print_plan_details(p: &ReviewPlan, organiser: &str) {
    println!("  id:        {}", p.id);
    println!("  year:      {}", p.year);
    println!("  organiser: {organiser}");
    println!(
        "  series:    {}  levels: {}",
        p.series,
        p.levels
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    println!("  window:    {}", p.window_text());
    println!(
        "  report deadline / 单位审核上报截止: {}",
        p.deadline_text().unwrap_or_else(|| "—".into())
    );
    println!("  status:    {}（{}）", p.status.as_str(), p.status.zh());
}

async fn set_open(ctx: &Ctx, id: &str, open: bool) -> Result<Exit, CliError> {
    let id = PlanId(parse_uuid("id", id)?);
    let store = ctx.store().await?;
    let plan = store.get_plan(id).await?.ok_or_else(|| {
        CliError::refused(
            "plan.not_found",
            "找不到该评审计划（见 zhicheng plan list）",
            "no plan with this id (see `zhicheng plan list`)",
        )
    })?;
    let author = PlanAuthor::Operator {
        name: ctx.operator.clone(),
        organiser: plan.organiser_id,
    };
    let plan = service::set_plan_open(&store, &ctx.clock, author, id, open)
        .await
        .map_err(CliError::service)?;
    if ctx.json {
        ctx.print_json(&plan_json(&plan));
    } else if open {
        println!("评审计划已发布：{}", plan.name);
        println!("plan opened: {} ({})", plan.name, plan.id);
    } else {
        println!("评审计划已关闭：{}", plan.name);
        println!("plan closed: {} ({})", plan.name, plan.id);
    }
    Ok(Exit::Ok)
}

async fn list(ctx: &Ctx) -> Result<Exit, CliError> {
    let store = ctx.store().await?;
    let plans = store.list_plans().await?;
    if ctx.json {
        ctx.print_json(&json!(plans.iter().map(plan_json).collect::<Vec<_>>()));
        return Ok(Exit::Ok);
    }
    if plans.is_empty() {
        println!("没有评审计划 / no plans");
        return Ok(Exit::Ok);
    }
    println!(
        "{:<36}  {:<4}  {:<8}  {:<26}  {:<6}  {:<44}  name",
        "id", "year", "series", "levels", "status", "window (plan time zone)"
    );
    for p in &plans {
        let levels = p
            .levels
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(",");
        println!(
            "{:<36}  {:<4}  {:<8}  {:<26}  {:<6}  {:<44}  {}",
            p.id.to_string(),
            p.year,
            p.series.as_str(),
            levels,
            p.status.as_str(),
            p.window_text(),
            p.name
        );
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_days_are_days_of_the_plans_zone() {
        let bj = PlanTimeZone::default();
        let start = parse_instant(bj, "2026-03-01", false).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-02-28T16:00:00+00:00");
        let end = parse_instant(bj, "2026-03-31", true).unwrap();
        assert_eq!(end.to_rfc3339(), "2026-03-31T15:59:59+00:00");
        let t = parse_instant(bj, "2026-03-01T09:00:00+08:00", true).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-01T01:00:00+00:00");
        let utc = PlanTimeZone::parse("UTC").unwrap();
        let t = parse_instant(utc, "2026-03-01 09:30", true).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-01T09:30:00+00:00");
        assert!(parse_instant(bj, "2026-02-30", false).is_none());
        assert!(parse_instant(bj, "tomorrow", false).is_none());
    }
}
