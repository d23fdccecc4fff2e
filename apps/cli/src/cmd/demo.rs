//! `zhicheng demo seed`: fills an empty database with a small demo province (Shandong, Weihai,
//! Wendeng) through the real services, so the portal can be tried at once. Never runs
//! implicitly and refuses a database that holds anything.

use chrono::{Datelike, Duration};
use clap::Subcommand;
use serde_json::json;
use zhicheng_approval_path::service::{decide_path, request_path, resolve_route};
use zhicheng_declaration::ReviewPlan;
use zhicheng_declaration::service::{NewPlan, PlanAuthor, create_plan, set_plan_open};
use zhicheng_identity::id_card::check_char;
use zhicheng_identity::service::{
    self, CreateOrg, CreateOrgError, RegisterPerson, RegisterPersonForm,
};
use zhicheng_identity::{
    Account, OrgKind, OrgName, Organisation, PermissionStatus, Person, Uscc, Username,
};
use zhicheng_kernel::{Actor, Clock, RegionCode, Role, SeriesCode, TitleLevel};
use zhicheng_store::Store;

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: DemoCommand,
}

#[derive(Subcommand, Debug)]
enum DemoCommand {
    /// Seeds an EMPTY database with demo organisations, paths, an open plan and an applicant;
    /// prints every account with its generated password once.
    Seed,
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            DemoCommand::Seed => seed(ctx).await,
        }
    }
}

/// Demo series and levels of the open plan.
const SERIES: &str = "HEALTH";
const LEVELS: [TitleLevel; 2] = [TitleLevel::SeniorDeputy, TitleLevel::Intermediate];

/// First 17 digits of the demo applicant's fictitious ID number (Wendeng, 1985-03-15, male).
const APPLICANT_ID17: &str = "37100319850315123";

/// One created account and the password printed for it.
struct Seeded {
    role: Role,
    org: Option<Organisation>,
    username: String,
    password: String,
}

/// A failure of the seed itself: a demo constant the domain refused, or a service error.
fn seed_error(step: &str, zh: String, en: String) -> CliError {
    CliError::refused(
        "demo.seed_failed",
        format!("演示数据写入失败（{step}）：{zh}"),
        format!("demo seed failed at {step}: {en}"),
    )
}

fn constant<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> Result<T, CliError> {
    r.map_err(|e| seed_error(what, e.to_string(), e.to_string()))
}

fn service_err<E: zhicheng_kernel::Localized + std::fmt::Display>(
    step: &str,
) -> impl FnOnce(zhicheng_kernel::ServiceError<E>) -> CliError {
    let step = step.to_owned();
    move |e| match e {
        zhicheng_kernel::ServiceError::Store(s) => CliError::from(s),
        e => {
            use zhicheng_kernel::Localized;
            seed_error(&step, e.zh(), e.en())
        }
    }
}

/// Creates an organisation with its first account through `create_org`, as the portal and
/// `zhicheng org create` do.
async fn org(
    ctx: &Ctx,
    store: &Store,
    kind: OrgKind,
    name: &str,
    region: &str,
    username: &str,
    seeded: &mut Vec<Seeded>,
) -> Result<(Organisation, Account), CliError> {
    let password = crate::password::generate(&[username])?;
    let shown = password.expose().to_owned();
    let cmd = CreateOrg {
        kind,
        name: constant("org name", OrgName::parse(name))?,
        region: constant("region", RegionCode::parse(region))?,
        uscc: None,
        admin_username: constant("username", Username::parse(username))?,
        admin_password: password,
        admin_mobile: None,
        must_change_password: false,
    };
    let (o, a) = service::create_org(
        store,
        &ctx.hasher,
        &ctx.clock,
        &ctx.ids,
        Actor::Operator(ctx.operator.clone()),
        cmd,
    )
    .await
    .map_err(|e| match e {
        CreateOrgError::Store(s) => CliError::from(s),
        e => {
            use zhicheng_kernel::Localized;
            seed_error(name, e.zh(), e.en())
        }
    })?;
    seeded.push(Seeded {
        role: a.role,
        org: Some(o.clone()),
        username: a.username.as_str().to_owned(),
        password: shown,
    });
    Ok((o, a))
}

/// Registers an employer unit and obtains the permission through `apply_permission`.
async fn unit(
    ctx: &Ctx,
    store: &Store,
    name: &str,
    uscc: &str,
    username: &str,
    seeded: &mut Vec<Seeded>,
) -> Result<(Organisation, Account), CliError> {
    let (o, a) = org(
        ctx,
        store,
        OrgKind::EmployerUnit,
        name,
        "371003",
        username,
        seeded,
    )
    .await?;
    let uscc = constant("uscc", Uscc::parse_strict(uscc))?;
    let o = service::apply_permission(store, &ctx.clock, &a.principal(), uscc, o.region)
        .await
        .map_err(service_err("apply_permission"))?;
    if o.permission != PermissionStatus::Active {
        return Err(seed_error(
            "apply_permission",
            format!("“{}”权限状态为{}", name, o.permission.zh()),
            format!("`{name}` permission is {}", o.permission.as_str()),
        ));
    }
    if let Some(s) = seeded.last_mut() {
        s.org = Some(o.clone());
    }
    Ok((o, a))
}

/// `lower` requests a path to `upper` for (series, level); `upper` approves it.
async fn path(
    ctx: &Ctx,
    store: &Store,
    lower: &Account,
    upper: (&Organisation, &Account),
    series: &SeriesCode,
    level: TitleLevel,
) -> Result<(), CliError> {
    let link = request_path(
        store,
        store,
        &ctx.clock,
        &ctx.ids,
        &lower.principal(),
        series.clone(),
        level,
        upper.0.id,
    )
    .await
    .map_err(service_err("request_path"))?;
    decide_path(
        store,
        &ctx.clock,
        &upper.1.principal(),
        link.id,
        true,
        Some("演示数据 / demo data".to_owned()),
    )
    .await
    .map_err(service_err("decide_path"))?;
    Ok(())
}

/// The demo applicant: a fictitious Wendeng ID number with a correct GB 11643 check character.
fn applicant_id_number() -> String {
    let check = char::from(check_char(APPLICANT_ID17.as_bytes()));
    format!("{APPLICANT_ID17}{check}")
}

async fn applicant(
    ctx: &Ctx,
    store: &Store,
    seeded: &mut Vec<Seeded>,
) -> Result<(Person, Account), CliError> {
    let id_number = applicant_id_number();
    let (username, mobile) = ("zhangsan", "13800138000");
    let password = crate::password::generate(&[username, &id_number, mobile])?;
    let form = RegisterPersonForm {
        id_number,
        name: "张三".to_owned(),
        mobile: mobile.to_owned(),
        username: username.to_owned(),
        password: password.expose().to_owned(),
        ethnicity: "汉族".to_owned(),
    };
    let cmd = RegisterPerson::parse(&form).map_err(|fields| {
        let en = fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.en))
            .collect::<Vec<_>>()
            .join("; ");
        let zh = fields
            .iter()
            .map(|f| f.zh.clone())
            .collect::<Vec<_>>()
            .join("；");
        seed_error("applicant", zh, en)
    })?;
    let (p, a) = service::register_person(store, &ctx.hasher, &ctx.clock, &ctx.ids, cmd)
        .await
        .map_err(|e| match e {
            service::RegisterPersonError::Store(s) => CliError::from(s),
            e => {
                use zhicheng_kernel::Localized;
                seed_error("applicant", e.zh(), e.en())
            }
        })?;
    seeded.push(Seeded {
        role: a.role,
        org: None,
        username: a.username.as_str().to_owned(),
        password: password.expose().to_owned(),
    });
    Ok((p, a))
}

async fn seed(ctx: &Ctx) -> Result<Exit, CliError> {
    let store = ctx.store().await?;
    if !store.is_empty().await? {
        return Err(CliError::refused(
            "demo.not_empty",
            "数据库不是空的：演示数据只写入空数据库，已有数据未作任何改动",
            "the database is not empty: demo data is only seeded into an empty database; nothing was changed",
        ));
    }
    let mut seeded = Vec::new();
    let s = &mut seeded;
    let bureau = org(
        ctx,
        &store,
        OrgKind::HrBureau,
        "威海市文登区人力资源和社会保障局",
        "371003",
        "wendeng_hrss",
        s,
    )
    .await?;
    let dept = org(
        ctx,
        &store,
        OrgKind::CompetentDepartment,
        "文登区卫生健康局",
        "371003",
        "wendeng_health",
        s,
    )
    .await?;
    let organiser = org(
        ctx,
        &store,
        OrgKind::CommitteeOrganiser,
        "威海市卫生系列高级职称评审委员会办公室",
        "371000",
        "weihai_health_committee",
        s,
    )
    .await?;
    // Unit A (public institution) reports via the department; unit B (enterprise) directly
    // to the bureau.
    let unit_a = unit(
        ctx,
        &store,
        "威海市文登区人民医院",
        "123710034940875396",
        "wendeng_hospital",
        s,
    )
    .await?;
    let unit_b = unit(
        ctx,
        &store,
        "威海文登仁和医院有限公司",
        "91371003MA3C12346Y",
        "wendeng_renhe",
        s,
    )
    .await?;

    let series = constant("series", SeriesCode::parse(SERIES))?;
    for level in LEVELS {
        path(ctx, &store, &unit_a.1, (&dept.0, &dept.1), &series, level).await?;
        path(
            ctx,
            &store,
            &dept.1,
            (&organiser.0, &organiser.1),
            &series,
            level,
        )
        .await?;
        path(
            ctx,
            &store,
            &unit_b.1,
            (&bureau.0, &bureau.1),
            &series,
            level,
        )
        .await?;
    }
    let mut routes = Vec::new();
    for (u, _) in [&unit_a, &unit_b] {
        for level in LEVELS {
            let r = resolve_route(&store, &store, u.id, &series, level)
                .await
                .map_err(service_err("resolve_route"))?;
            routes.push((level, r.hops));
        }
    }

    let now = ctx.clock.now();
    let year = now.year();
    let organiser_principal = organiser.1.principal();
    let plan = create_plan(
        &store,
        &ctx.clock,
        &ctx.ids,
        PlanAuthor::Staff(&organiser_principal),
        NewPlan {
            year,
            name: format!("{year} 年度卫生系列职称评审（演示）"),
            series: series.clone(),
            levels: LEVELS.to_vec(),
            window_start: now - Duration::days(1),
            window_end: now + Duration::days(30),
            report_deadline: Some(now + Duration::days(45)),
            time_zone: zhicheng_declaration::plan::PlanTimeZone::default(),
            notes: "演示计划：请在申报截止前完成单位公示（不少于 5 个工作日）。".to_owned(),
        },
    )
    .await
    .map_err(service_err("create_plan"))?;
    let plan = set_plan_open(
        &store,
        &ctx.clock,
        PlanAuthor::Staff(&organiser_principal),
        plan.id,
        true,
    )
    .await
    .map_err(service_err("open_plan"))?;

    let (person, _) = applicant(ctx, &store, s).await?;
    let orgs = [&bureau.0, &dept.0, &organiser.0, &unit_a.0, &unit_b.0];
    print(ctx, &seeded, &plan, &person, &routes, &orgs);
    Ok(Exit::Ok)
}

/// An approved route of one level: the unit first, the receiver last.
type RouteRow = (TitleLevel, Vec<zhicheng_kernel::OrgId>);

fn org_name(orgs: &[&Organisation], id: zhicheng_kernel::OrgId) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map_or_else(|| id.to_string(), |o| o.name.as_str().to_owned())
}

fn print(
    ctx: &Ctx,
    seeded: &[Seeded],
    plan: &ReviewPlan,
    person: &Person,
    routes: &[RouteRow],
    orgs: &[&Organisation],
) {
    if ctx.json {
        let accounts: Vec<_> = seeded
            .iter()
            .map(|s| {
                json!({
                    "role": s.role.as_str(),
                    "role_zh": s.role.zh(),
                    "organisation": s.org.as_ref().map(|o| o.name.as_str()),
                    "org_id": s.org.as_ref().map(|o| o.id),
                    "org_kind": s.org.as_ref().map(|o| o.kind.as_str()),
                    "username": s.username,
                    "password": s.password,
                })
            })
            .collect();
        let routes: Vec<_> = routes
            .iter()
            .map(|(level, hops)| {
                json!({
                    "series": SERIES,
                    "level": level.as_str(),
                    "hops": hops.iter().map(|h| org_name(orgs, *h)).collect::<Vec<_>>(),
                })
            })
            .collect();
        ctx.print_json(&json!({
            "accounts": accounts,
            "plan": crate::cmd::plan::plan_json(plan),
            "applicant": {
                "person_id": person.id,
                "name": person.name.as_str(),
                "id_number": person.id_number.as_str(),
                "mobile": person.mobile.as_str(),
            },
            "routes": routes,
        }));
        return;
    }
    println!("演示数据已写入 / demo data seeded");
    println!();
    println!("账号（密码只显示这一次）/ accounts (passwords are shown only once):");
    println!(
        "  {:<20}  {:<24}  {:<23}  organisation",
        "role", "username", "password"
    );
    for s in seeded {
        let org = s
            .org
            .as_ref()
            .map_or(String::new(), |o| format!("：{}", o.name.as_str()));
        println!(
            "  {:<20}  {:<24}  {:<23}  {}{org}",
            s.role.as_str(),
            s.username,
            s.password,
            s.role.zh(),
        );
    }
    println!();
    println!(
        "申报人 / applicant: {}  身份证号 / ID number {}  手机 / mobile {}",
        person.name.as_str(),
        person.id_number.as_str(),
        person.mobile.as_str()
    );
    println!(
        "评审计划（已发布）/ open plan: {}  {} {}  {} – {}（北京时间）  id {}",
        plan.name,
        plan.series,
        plan.levels
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(","),
        zhicheng_declaration::plan::beijing(plan.window_start),
        zhicheng_declaration::plan::beijing(plan.window_end),
        plan.id
    );
    println!("上报路径 / approved routes:");
    for (level, hops) in routes {
        let hops: Vec<String> = hops.iter().map(|h| org_name(orgs, *h)).collect();
        println!("  {SERIES} {:<13}  {}", level.as_str(), hops.join(" → "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_identifiers_are_valid() {
        assert_eq!(applicant_id_number(), "371003198503151231");
        assert!(zhicheng_identity::IdCardNumber::parse(&applicant_id_number()).is_ok());
        for c in ["123710034940875396", "91371003MA3C12346Y"] {
            assert!(Uscc::parse_strict(c).is_ok(), "{c}");
        }
    }
}
