//! `zhicheng org`: bootstraps authorities (HR bureaus, competent departments, committee
//! organisers) with their first admin account, and lists organisations. Employer units register
//! themselves in the portal.

use clap::Subcommand;
use serde_json::json;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::service::{self, CreateOrg, CreateOrgError};
use zhicheng_identity::{MobileNumber, OrgKind, OrgName, Organisation, Uscc, Username};
use zhicheng_kernel::{Actor, FieldError, Localized, RegionCode};

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: OrgCommand,
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Creates an authority with its first admin account (prints a generated password once).
    Create(CreateArgs),
    /// Lists organisations, ordered by name.
    List {
        /// Only this kind: employer_unit, competent_department, hr_bureau, committee_organiser.
        #[arg(long)]
        kind: Option<String>,
    },
}

#[derive(clap::Args, Debug)]
struct CreateArgs {
    /// hr_bureau, competent_department or committee_organiser.
    #[arg(long)]
    kind: String,
    /// Registered name, e.g. 威海市文登区人力资源和社会保障局.
    #[arg(long)]
    name: String,
    /// Six-digit GB/T 2260 region code of its jurisdiction, e.g. 371003.
    #[arg(long)]
    region: String,
    /// Unified social credit code (optional for authorities).
    #[arg(long)]
    uscc: Option<String>,
    /// Username of the first admin account.
    #[arg(long)]
    admin_username: String,
    /// Password of the admin account; when omitted a strong one-time password is generated,
    /// printed once, and must be changed at the first sign-in.
    #[arg(long, env = "ZHICHENG_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// Contact mobile of the admin account (11 digits), shown masked to the bureau.
    #[arg(long)]
    admin_mobile: Option<String>,
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            OrgCommand::Create(a) => create(ctx, a).await,
            OrgCommand::List { kind } => list(ctx, kind.as_deref()).await,
        }
    }
}

/// Parses `--kind`.
pub(crate) fn parse_kind(s: &str) -> Result<OrgKind, FieldError> {
    OrgKind::parse(s).ok_or_else(|| {
        FieldError::new(
            "kind",
            "kind.invalid",
            "机构类型应为 hr_bureau（人社局）、competent_department（主管部门）、committee_organiser（评委会组建单位）或 employer_unit（用人单位）",
            "use hr_bureau, competent_department, committee_organiser or employer_unit",
        )
    })
}

/// Parses a region option.
pub(crate) fn parse_region(field: &str, s: &str) -> Result<RegionCode, FieldError> {
    RegionCode::parse(s).map_err(|e| {
        FieldError::new(
            field,
            "region.invalid",
            "地区代码应为 6 位行政区划代码，如 371003（文登区）",
            e.to_string(),
        )
    })
}

/// One organisation as JSON.
pub(crate) fn org_json(o: &Organisation) -> serde_json::Value {
    json!({
        "id": o.id,
        "kind": o.kind.as_str(),
        "kind_zh": o.kind.zh(),
        "name": o.name.as_str(),
        "region": o.region.to_string(),
        "uscc": o.uscc.as_ref().map(Uscc::as_str),
        "permission": o.permission.as_str(),
        "created_at": o.created_at,
    })
}

async fn create(ctx: &Ctx, a: CreateArgs) -> Result<Exit, CliError> {
    let mut fields = Vec::new();
    let kind = parse_kind(&a.kind).map_err(|f| fields.push(f)).ok();
    if kind == Some(OrgKind::EmployerUnit) {
        let e = CreateOrgError::UnitViaCli;
        return Err(CliError::new(Exit::Usage, e.code(), e.zh(), e.en()));
    }
    let name = OrgName::parse(&a.name)
        .map_err(|e| {
            fields.push(FieldError::new(
                "name",
                "name.invalid",
                "机构名称应为 2–100 个字",
                e.to_string(),
            ))
        })
        .ok();
    let region = parse_region("region", &a.region)
        .map_err(|f| fields.push(f))
        .ok();
    let uscc = match a.uscc.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(raw) => match Uscc::parse(raw) {
            Ok(u) => Some(Some(u)),
            Err(e) => {
                fields.push(FieldError::new(
                    "uscc",
                    "uscc.invalid",
                    crate::cmd::check::uscc_zh(&e),
                    e.to_string(),
                ));
                None
            }
        },
    };
    let username = Username::parse(&a.admin_username)
        .map_err(|e| {
            fields.push(FieldError::new(
                "admin-username",
                "username.invalid",
                "用户名为 4–32 位字母、数字或 _ . - @，以字母开头",
                e.to_string(),
            ))
        })
        .ok();
    let mobile = match a
        .admin_mobile
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Some(None),
        Some(raw) => match MobileNumber::parse(raw) {
            Ok(m) => Some(Some(m)),
            Err(e) => {
                fields.push(FieldError::new(
                    "admin-mobile",
                    "mobile.invalid",
                    "手机号码应为 11 位数字，以 1 开头",
                    e.to_string(),
                ));
                None
            }
        },
    };
    let mut personal = vec![a.admin_username.as_str()];
    if let Some(m) = a.admin_mobile.as_deref() {
        personal.push(m.trim());
    }
    let (password, generated) = match a.admin_password.as_deref() {
        Some(raw) => match crate::password::parse("admin-password", raw, &personal) {
            Ok(p) => (Some(p), false),
            Err(e) => {
                fields.extend(e.fields);
                (None, false)
            }
        },
        None => (Some(crate::password::generate(&personal)?), true),
    };
    let (
        Some(kind),
        Some(name),
        Some(region),
        Some(uscc),
        Some(username),
        Some(password),
        Some(mobile),
    ) = (kind, name, region, uscc, username, password, mobile)
    else {
        return Err(CliError::fields(fields));
    };
    if let Some(u) = uscc.as_ref().filter(|u| !u.check_char_ok()) {
        eprintln!("注意：统一社会信用代码 {} 的校验位不符，请核对", u.as_str());
        eprintln!(
            "warning: the check character of credit code {} is wrong; please re-check it",
            u.as_str()
        );
    }
    let shown = generated.then(|| password.expose().to_owned());
    let store = ctx.store().await?;
    let cmd = CreateOrg {
        kind,
        name,
        region,
        uscc,
        admin_username: username,
        admin_password: password,
        admin_mobile: mobile,
        // A generated password is a one-time password: changed at the first sign-in.
        must_change_password: generated,
    };
    let (org, admin) = service::create_org(
        &store,
        &ctx.hasher,
        &ctx.clock,
        &ctx.ids,
        Actor::Operator(ctx.operator.clone()),
        cmd,
    )
    .await
    .map_err(|e| match e {
        CreateOrgError::Store(s) => CliError::from(s),
        e => CliError::rule(&e),
    })?;
    tracing::info!(org = %org.id, admin = %admin.username.as_str(), operator = %ctx.operator, "org created");
    if ctx.json {
        ctx.print_json(&json!({
            "org": org_json(&org),
            "admin": {
                "id": admin.id,
                "username": admin.username.as_str(),
                "role": admin.role.as_str(),
                "mobile": admin.mobile.as_ref().map(MobileNumber::masked),
                "must_change_password": admin.must_change_password,
            },
            "password": shown,
            "password_generated": generated,
        }));
    } else {
        println!(
            "已创建{}：{}（地区 {}）",
            org.kind.zh(),
            org.name.as_str(),
            org.region
        );
        println!(
            "created {}: {} (region {})",
            org.kind.as_str(),
            org.name.as_str(),
            org.region
        );
        println!("  id:                    {}", org.id);
        println!("  管理员 / admin:        {}", admin.username.as_str());
        if let Some(m) = &admin.mobile {
            println!("  联系手机 / mobile:     {}", m.masked());
        }
        if let Some(p) = &shown {
            println!("  初始密码 / password:   {p}");
            println!("  （密码只显示这一次，请妥善转交；首次登录须修改密码）");
            println!(
                "  (shown only once: hand it over safely; it must be changed at the first sign-in)"
            );
        }
    }
    Ok(Exit::Ok)
}

async fn list(ctx: &Ctx, kind: Option<&str>) -> Result<Exit, CliError> {
    let kind = kind
        .map(parse_kind)
        .transpose()
        .map_err(|f| CliError::fields(vec![f]))?;
    let store = ctx.store().await?;
    let orgs = store.list_orgs(kind).await?;
    if ctx.json {
        ctx.print_json(&json!(orgs.iter().map(org_json).collect::<Vec<_>>()));
        return Ok(Exit::Ok);
    }
    if orgs.is_empty() {
        println!("没有机构 / no organisations");
        return Ok(Exit::Ok);
    }
    println!(
        "{:<36}  {:<20}  {:<6}  {:<13}  name",
        "id", "kind", "region", "permission"
    );
    for o in &orgs {
        println!(
            "{:<36}  {:<20}  {:<6}  {:<13}  {}",
            o.id.to_string(),
            o.kind.as_str(),
            o.region.to_string(),
            o.permission.as_str(),
            o.name.as_str()
        );
    }
    Ok(Exit::Ok)
}
