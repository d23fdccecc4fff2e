//! Organisations: unit self-registration, lists, and the title-review permission.

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::service::{self, CreateOrg};
use zhicheng_identity::{OrgKind, OrgName, Organisation, Password, Uscc, Username};
use zhicheng_kernel::{Actor, FieldError, OrgId, RegionCode};

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;

pub struct OrgsApi(pub AppState);

#[derive(Object, Clone)]
pub struct OrgDto {
    pub id: Uuid,
    /// employer_unit, competent_department, hr_bureau or committee_organiser.
    pub kind: String,
    pub kind_name: String,
    pub name: String,
    /// GB/T 2260 region code.
    pub region: String,
    pub uscc: Option<String>,
    /// not_applied, manual_review, active or rejected.
    pub permission: String,
    pub permission_name: String,
    pub permission_note: Option<String>,
}

impl From<&Organisation> for OrgDto {
    fn from(o: &Organisation) -> Self {
        OrgDto {
            id: o.id.0,
            kind: o.kind.as_str().into(),
            kind_name: o.kind.zh().into(),
            name: o.name.as_str().into(),
            region: o.region.to_string(),
            uscc: o.uscc.as_ref().map(|u| u.as_str().to_owned()),
            permission: o.permission.as_str().into(),
            permission_name: o.permission.zh().into(),
            permission_note: o.permission_note.clone(),
        }
    }
}

#[derive(Object)]
pub struct RegisterUnitRequest {
    /// Unit name (单位名称); cannot be changed after registration.
    pub name: String,
    /// Region code (所属地区), e.g. 371003 for 威海市文登区.
    pub region: String,
    /// Login name of the unit's administrator.
    pub username: String,
    pub password: String,
    /// Contact mobile (联系电话) of the unit, kept on its administrator account.
    #[oai(default)]
    pub contact_mobile: String,
}

#[derive(Object)]
pub struct ApplyPermissionRequest {
    /// Unified social credit code (统一社会信用代码).
    pub uscc: String,
    /// Region code (所属地区).
    pub region: String,
}

#[derive(Object)]
pub struct DecisionRequest {
    pub approve: bool,
    /// Reason, shown to the requester.
    pub note: Option<String>,
}

#[derive(ApiResponse)]
pub enum OrgCreated {
    #[oai(status = 201)]
    Created(Json<OrgDto>),
}

#[derive(ApiResponse)]
pub enum OrgResponse {
    #[oai(status = 200)]
    Ok(Json<OrgDto>),
}

#[derive(ApiResponse)]
pub enum OrgList {
    #[oai(status = 200)]
    Ok(Json<Vec<OrgDto>>),
}

/// A region picked from the 2023 division list (province, city or district).
///
/// # Errors
/// The field error naming `field` when the code is malformed or not in the list.
pub fn parse_known_region(field: &str, s: &str) -> Result<RegionCode, FieldError> {
    let code = RegionCode::parse(s).map_err(|e| {
        FieldError::new(
            field,
            "region.invalid",
            "所属地区代码应为 6 位行政区划代码，如 371003",
            e.to_string(),
        )
    })?;
    if zhicheng_kernel::divisions::division(code).is_none() {
        return Err(FieldError::new(
            field,
            "region.unknown",
            "该行政区划代码不存在，请从省、市、区县列表中选择",
            "no such administrative division; pick one from the lists",
        ));
    }
    Ok(code)
}

fn parse_region(s: &str) -> Result<RegionCode, ApiError> {
    parse_known_region("region", s)
        .map_err(|f| ApiError::invalid(&f.code.clone(), &f.zh.clone(), &f.en.clone(), vec![f]))
}

/// Registers an employer unit with its administrator (shared with the portal).
pub async fn register_unit(
    st: &AppState,
    req: RegisterUnitRequest,
) -> Result<Organisation, ApiError> {
    let mut fields = Vec::new();
    let name = OrgName::parse(&req.name)
        .map_err(|e| {
            fields.push(FieldError::new(
                "name",
                "name.invalid",
                "单位名称应为 2–100 个字",
                e.to_string(),
            ))
        })
        .ok();
    let region = parse_known_region("region", &req.region)
        .map_err(|f| fields.push(f))
        .ok();
    let contact_mobile = match req.contact_mobile.trim() {
        "" => None,
        m => zhicheng_identity::MobileNumber::parse(m)
            .map_err(|e| {
                fields.push(FieldError::new(
                    "contact_mobile",
                    "mobile.invalid",
                    "手机号码应为 11 位数字，以 13–19 开头",
                    e.to_string(),
                ))
            })
            .ok(),
    };
    let username = Username::parse(&req.username)
        .map_err(|e| {
            fields.push(FieldError::new(
                "username",
                "username.invalid",
                "用户名为 4–32 位字母、数字或 _ . - @，以字母开头",
                e.to_string(),
            ))
        })
        .ok();
    let password = Password::parse(&req.password, &[&req.username, &req.contact_mobile])
        .map_err(|e| fields.push(service::password_error(&e)))
        .ok();
    let (Some(name), Some(region), Some(admin_username), Some(admin_password), true) =
        (name, region, username, password, fields.is_empty())
    else {
        return Err(ApiError::invalid(
            "org.invalid",
            "注册信息有误，请按提示修改",
            "invalid registration",
            fields,
        ));
    };
    let cmd = CreateOrg {
        kind: OrgKind::EmployerUnit,
        name,
        region,
        uscc: None,
        admin_username,
        admin_password,
        admin_mobile: contact_mobile,
        must_change_password: false,
    };
    let (org, admin) = service::create_org(
        &st.store,
        &st.hasher,
        &st.clock,
        &st.ids,
        Actor::System,
        cmd,
    )
    .await
    .map_err(|e| match e {
        service::CreateOrgError::Store(s) => ApiError::from(s),
        e => super::accounts::conflict(&e),
    })?;
    tracing::info!(org = %org.id, admin = %admin.username.as_str(), "unit registered");
    Ok(org)
}

#[OpenApi(tag = "Tag::Organisations")]
impl OrgsApi {
    /// 单位注册: an employer unit registers itself and its administrator account. Apply for the
    /// title-review permission next.
    #[oai(path = "/units", method = "post")]
    async fn register_unit(&self, body: Json<RegisterUnitRequest>) -> Result<OrgCreated, ApiError> {
        let org = register_unit(&self.0, body.0).await?;
        Ok(OrgCreated::Created(Json(OrgDto::from(&org))))
    }

    /// Units holding the title-review permission, for the applicant's unit picker. `q`
    /// filters by name or credit code.
    #[oai(path = "/units", method = "get")]
    async fn list_units(&self, q: Query<Option<String>>) -> Result<OrgList, ApiError> {
        let q = q.0.unwrap_or_default();
        let q = q.trim();
        let units = self.0.store.list_orgs(Some(OrgKind::EmployerUnit)).await?;
        let list = units
            .iter()
            .filter(|o| o.has_permission())
            .filter(|o| {
                q.is_empty()
                    || o.name.as_str().contains(q)
                    || o.uscc
                        .as_ref()
                        .is_some_and(|u| u.as_str() == q.to_ascii_uppercase())
            })
            .map(OrgDto::from)
            .collect();
        Ok(OrgList::Ok(Json(list)))
    }

    /// Organisations of a kind (e.g. `hr_bureau` to pick a path's upper organisation).
    #[oai(path = "/orgs", method = "get")]
    async fn list_orgs(
        &self,
        _auth: BearerAuth,
        kind: Query<Option<String>>,
    ) -> Result<OrgList, ApiError> {
        let kind = match kind.0.as_deref() {
            None | Some("") => None,
            Some(k) => Some(OrgKind::parse(k).ok_or_else(|| {
                ApiError::field("kind", "机构类型应为 employer_unit、competent_department、hr_bureau 或 committee_organiser", "unknown kind")
            })?),
        };
        let list = self.0.store.list_orgs(kind).await?;
        Ok(OrgList::Ok(Json(list.iter().map(OrgDto::from).collect())))
    }

    /// One organisation.
    #[oai(path = "/orgs/:id", method = "get")]
    async fn get_org(&self, _auth: BearerAuth, id: Path<Uuid>) -> Result<OrgResponse, ApiError> {
        let org = self
            .0
            .store
            .get_org(OrgId(id.0))
            .await?
            .ok_or_else(ApiError::not_found)?;
        Ok(OrgResponse::Ok(Json(OrgDto::from(&org))))
    }

    /// 申请职称评审权限: the unit applies with its credit code and region. Automatic checks
    /// grant it at once; otherwise the district HR bureau reviews it.
    #[oai(path = "/units/me/permission", method = "post")]
    async fn apply_permission(
        &self,
        auth: BearerAuth,
        body: Json<ApplyPermissionRequest>,
    ) -> Result<OrgResponse, ApiError> {
        let uscc = Uscc::parse(&body.uscc).map_err(|e| {
            ApiError::field("uscc", "统一社会信用代码应为 18 位，不含 I、O、Z、S、V", e)
        })?;
        let region = parse_region(&body.region)?;
        let org =
            service::apply_permission(&self.0.store, &self.0.clock, &auth.0, uscc, region).await?;
        Ok(OrgResponse::Ok(Json(OrgDto::from(&org))))
    }

    /// The HR bureau approves or rejects a unit's application in manual review.
    #[oai(path = "/orgs/:id/permission-decision", method = "post")]
    async fn decide_permission(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<DecisionRequest>,
    ) -> Result<OrgResponse, ApiError> {
        let b = body.0;
        let org = service::decide_permission(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            OrgId(id.0),
            b.approve,
            b.note,
        )
        .await?;
        Ok(OrgResponse::Ok(Json(OrgDto::from(&org))))
    }
}
