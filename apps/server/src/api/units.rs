//! Staff accounts and unit management: the administrator's named operator accounts
//! (单位经办人), the unit's own edit of its data, and the HR bureau's management of the units
//! in its jurisdiction (单位管理: list, reset the administrator's password, correct data).

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_identity::org::{Change, UnitCorrection};
use zhicheng_identity::service::{staff, units};
use zhicheng_identity::staff::{NewOperator, NewOperatorForm};
use zhicheng_identity::{Account, MobileNumber, OrgName, Uscc};
use zhicheng_kernel::{AccountId, FieldError, OrgId};

use super::Tag;
use super::orgs::{OrgDto, parse_known_region};
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;

pub struct UnitsApi(pub AppState);

/// A staff account as its administrator or a bureau sees it (mobile masked).
#[derive(Object, Clone)]
pub struct StaffDto {
    pub account_id: Uuid,
    pub username: String,
    pub name: Option<String>,
    /// Masked: `138****5678`.
    pub mobile: Option<String>,
    /// `true` for a named operator, `false` for the administrator.
    pub operator: bool,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<&Account> for StaffDto {
    fn from(a: &Account) -> Self {
        StaffDto {
            account_id: a.id.0,
            username: a.username.as_str().to_owned(),
            name: a.display_name.as_ref().map(|n| n.as_str().to_owned()),
            mobile: a.mobile.as_ref().map(MobileNumber::masked),
            operator: a.operator,
            disabled: a.disabled,
            created_at: a.created_at,
        }
    }
}

#[derive(Object)]
pub struct NewOperatorRequest {
    /// Login name of the staff member (4–32 characters, starting with a letter).
    pub username: String,
    /// The staff member's name (姓名).
    pub name: String,
    /// The staff member's mobile (手机号码).
    pub mobile: String,
    /// Initial password, given to the staff member in person; policy-checked.
    pub password: String,
}

#[derive(Object)]
pub struct UnitEditRequest {
    /// The registered name may be sent only unchanged (422 `unit.name_immutable` otherwise:
    /// the HR bureau corrects names).
    pub name: Option<String>,
    /// New contact mobile of the unit (联系电话).
    pub contact_mobile: Option<String>,
}

#[derive(Object)]
pub struct UnitCorrectionRequest {
    /// New registered name, if it changes.
    pub name: Option<String>,
    /// New region code (must exist and stay in the bureau's jurisdiction), if it changes.
    pub region: Option<String>,
    /// New credit code, if it changes.
    pub uscc: Option<String>,
    /// Why (kept in the audit row).
    pub reason: String,
}

#[derive(Object)]
pub struct UnitCorrected {
    pub unit: OrgDto,
    /// Each changed field with its old and new value.
    pub changes: Vec<ChangeDto>,
}

#[derive(Object)]
pub struct ChangeDto {
    pub field: String,
    pub old: String,
    pub new: String,
}

impl From<Change> for ChangeDto {
    fn from(c: Change) -> Self {
        ChangeDto {
            field: c.field,
            old: c.old,
            new: c.new,
        }
    }
}

/// A unit in a bureau's jurisdiction with its administrator.
#[derive(Object)]
pub struct ManagedUnitDto {
    pub unit: OrgDto,
    pub admin: Option<StaffDto>,
    /// Named operator accounts of the unit.
    pub operators: u32,
}

#[derive(Object)]
pub struct AdminPasswordReset {
    pub account_id: Uuid,
    pub username: String,
    /// The one-time password, shown only in this answer: hand it to the unit, which should
    /// change it at once. Every session of the account has ended.
    pub one_time_password: String,
}

#[derive(ApiResponse)]
pub enum StaffCreated {
    #[oai(status = 201)]
    Created(Json<StaffDto>),
}

#[derive(ApiResponse)]
pub enum StaffResponse {
    #[oai(status = 200)]
    Ok(Json<StaffDto>),
}

#[derive(ApiResponse)]
pub enum StaffList {
    #[oai(status = 200)]
    Ok(Json<Vec<StaffDto>>),
}

#[derive(ApiResponse)]
pub enum UnitEdited {
    #[oai(status = 200)]
    Ok(Json<OrgDto>),
}

#[derive(ApiResponse)]
pub enum CorrectionResponse {
    #[oai(status = 200)]
    Ok(Json<UnitCorrected>),
}

#[derive(ApiResponse)]
pub enum ManagedUnits {
    #[oai(status = 200)]
    Ok(Json<Vec<ManagedUnitDto>>),
}

#[derive(ApiResponse)]
pub enum ResetResponse {
    #[oai(status = 200)]
    Ok(Json<AdminPasswordReset>),
}

/// Creates an operator (shared by the API and the portal).
pub async fn create_operator(
    st: &AppState,
    principal: &zhicheng_kernel::Principal,
    form: NewOperatorForm,
) -> Result<Account, ApiError> {
    let cmd = NewOperator::parse(&form).map_err(|fields| {
        ApiError::invalid(
            "staff.invalid",
            "经办人信息有误，请按提示修改",
            "invalid operator",
            fields,
        )
    })?;
    Ok(staff::create_operator(&st.store, &st.hasher, &st.clock, &st.ids, principal, cmd).await?)
}

/// Parses a bureau's correction (shared by the API and the portal).
pub fn parse_correction(
    name: Option<&str>,
    region: Option<&str>,
    uscc: Option<&str>,
    reason: &str,
) -> Result<UnitCorrection, ApiError> {
    let keep = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut fields = Vec::new();
    let mut c = UnitCorrection {
        reason: reason.trim().to_owned(),
        ..UnitCorrection::default()
    };
    if let Some(n) = keep(name) {
        match OrgName::parse(&n) {
            Ok(n) => c.name = Some(n),
            Err(e) => fields.push(FieldError::new(
                "name",
                "name.invalid",
                "单位名称应为 2–100 个字",
                e.to_string(),
            )),
        }
    }
    if let Some(r) = keep(region) {
        match parse_known_region("region", &r) {
            Ok(r) => c.region = Some(r),
            Err(f) => fields.push(f),
        }
    }
    if let Some(u) = keep(uscc) {
        match Uscc::parse(&u) {
            Ok(u) => c.uscc = Some(u),
            Err(e) => fields.push(FieldError::new(
                "uscc",
                "uscc.invalid",
                "统一社会信用代码应为 18 位，不含 I、O、Z、S、V",
                e.to_string(),
            )),
        }
    }
    if fields.is_empty() {
        Ok(c)
    } else {
        Err(ApiError::invalid(
            "unit_correction.invalid",
            "更正信息有误，请按提示修改",
            "invalid correction",
            fields,
        ))
    }
}

/// A one-time password for a bureau reset (shared by the API and the portal).
pub async fn reset_admin_password(
    st: &AppState,
    principal: &zhicheng_kernel::Principal,
    unit: OrgId,
) -> Result<(Account, String), ApiError> {
    let one_time = zhicheng_store::runtime::one_time_password(&[]).map_err(ApiError::internal)?;
    let shown = one_time.expose().to_owned();
    let account = units::reset_unit_admin_password(
        &st.store, &st.hasher, &st.clock, principal, unit, one_time,
    )
    .await?;
    Ok((account, shown))
}

#[OpenApi(tag = "Tag::Organisations")]
impl UnitsApi {
    /// 经办人账号: the staff accounts of the signed-in administrator's organisation
    /// (administrator first). Operators and other roles get 409 `staff.not_administrator`.
    #[oai(path = "/orgs/me/operators", method = "get")]
    async fn list_operators(&self, auth: BearerAuth) -> Result<StaffList, ApiError> {
        let list = staff::list_staff(&self.0.store, &auth.0).await?;
        Ok(StaffList::Ok(Json(
            list.iter().map(StaffDto::from).collect(),
        )))
    }

    /// 新增经办人: the administrator creates a named operator account for a staff member (own
    /// username, name, mobile and initial password — no shared password). Operators act for
    /// the organisation under their own account in the audit trail.
    #[oai(path = "/orgs/me/operators", method = "post")]
    async fn create_operator(
        &self,
        auth: BearerAuth,
        body: Json<NewOperatorRequest>,
    ) -> Result<StaffCreated, ApiError> {
        let b = body.0;
        let a = create_operator(
            &self.0,
            &auth.0,
            NewOperatorForm {
                username: b.username,
                name: b.name,
                mobile: b.mobile,
                password: b.password,
            },
        )
        .await?;
        Ok(StaffCreated::Created(Json(StaffDto::from(&a))))
    }

    /// 停用经办人: disables an operator account; its sessions end at once.
    #[oai(path = "/orgs/me/operators/:id/disable", method = "post")]
    async fn disable_operator(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<StaffResponse, ApiError> {
        let a = staff::set_operator_disabled(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            AccountId(id.0),
            true,
        )
        .await?;
        Ok(StaffResponse::Ok(Json(StaffDto::from(&a))))
    }

    /// 启用经办人: enables a disabled operator account again.
    #[oai(path = "/orgs/me/operators/:id/enable", method = "post")]
    async fn enable_operator(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<StaffResponse, ApiError> {
        let a = staff::set_operator_disabled(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            AccountId(id.0),
            false,
        )
        .await?;
        Ok(StaffResponse::Ok(Json(StaffDto::from(&a))))
    }

    /// 单位信息: the unit edits its contact mobile. The registered name cannot be changed here
    /// (422 `unit.name_immutable`); the HR bureau corrects it.
    #[oai(path = "/units/me", method = "patch")]
    async fn edit_unit(
        &self,
        auth: BearerAuth,
        body: Json<UnitEditRequest>,
    ) -> Result<UnitEdited, ApiError> {
        let mobile = match body.contact_mobile.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => Some(MobileNumber::parse(m).map_err(|e| {
                ApiError::field("contact_mobile", "手机号码应为 11 位数字，以 13–19 开头", e)
            })?),
        };
        let (org, _) = units::edit_own_unit(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            body.name.as_deref(),
            mobile,
        )
        .await?;
        Ok(UnitEdited::Ok(Json(OrgDto::from(&org))))
    }

    /// 单位管理: the employer units in the signed-in HR bureau's jurisdiction, with their
    /// administrators.
    #[oai(path = "/bureau/units", method = "get")]
    async fn managed_units(&self, auth: BearerAuth) -> Result<ManagedUnits, ApiError> {
        let list = units::units_in_jurisdiction(&self.0.store, &auth.0).await?;
        Ok(ManagedUnits::Ok(Json(
            list.iter()
                .map(|m| ManagedUnitDto {
                    unit: OrgDto::from(&m.unit),
                    admin: m.admin.as_ref().map(StaffDto::from),
                    operators: u32::try_from(m.operators).unwrap_or(u32::MAX),
                })
                .collect(),
        )))
    }

    /// 重置单位管理员密码: the HR bureau resets the password of a unit administrator in its
    /// jurisdiction. The one-time password is shown once in the answer; the lock is cleared
    /// and every session of the account ends. Units outside the jurisdiction answer 404.
    #[oai(path = "/bureau/units/:id/reset-admin-password", method = "post")]
    async fn reset_admin_password(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<ResetResponse, ApiError> {
        let (a, pw) = reset_admin_password(&self.0, &auth.0, OrgId(id.0)).await?;
        Ok(ResetResponse::Ok(Json(AdminPasswordReset {
            account_id: a.id.0,
            username: a.username.as_str().to_owned(),
            one_time_password: pw,
        })))
    }

    /// 单位信息更正: the HR bureau corrects a unit in its jurisdiction (name, region, credit
    /// code) with a reason; the audit row keeps old and new values.
    #[oai(path = "/bureau/units/:id", method = "patch")]
    async fn correct_unit(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<UnitCorrectionRequest>,
    ) -> Result<CorrectionResponse, ApiError> {
        let b = body.0;
        let c = parse_correction(
            b.name.as_deref(),
            b.region.as_deref(),
            b.uscc.as_deref(),
            &b.reason,
        )?;
        let (org, changes) =
            units::correct_unit(&self.0.store, &self.0.clock, &auth.0, OrgId(id.0), c).await?;
        Ok(CorrectionResponse::Ok(Json(UnitCorrected {
            unit: OrgDto::from(&org),
            changes: changes.into_iter().map(ChangeDto::from).collect(),
        })))
    }
}
