//! The staff landing page (/work): the organisation's header with its title-review permission,
//! the unit's permission application, and the HR bureau's list of units waiting for manual
//! review. Which units a bureau sees is a view filter; the decision is
//! `identity::service::decide_permission`.

use askama::Template;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::service::{apply_permission as apply, decide_permission};
use zhicheng_identity::{OrgKind, Organisation, PermissionStatus, Uscc};
use zhicheng_kernel::{FieldError, OrgId, RegionCode, Role};

use super::common::{
    Chrome, Errors, RegionPicker, STAFF, api_error_page, check_csrf, form_response, gate,
    non_empty, picked_region,
};
use super::{Visitor, redirect, render};
use crate::error::ApiError;
use crate::state::AppState;

struct OrgView {
    name: String,
    kind: String,
    region: String,
    uscc: Option<String>,
    permission: String,
    permission_code: String,
    note: Option<String>,
}

struct PendingUnit {
    id: String,
    name: String,
    uscc: String,
    region: String,
    note: String,
}

#[derive(Deserialize, Default)]
pub struct ApplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    district: String,
    /// The no-script 显示下级地区 button: re-show the form, submit nothing.
    #[serde(default)]
    pick: String,
}

impl ApplyForm {
    fn region(&self) -> String {
        picked_region(&self.province, &self.city, &self.district, &self.region)
    }
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    chrome: Chrome,
    picker: RegionPicker,
    org: OrgView,
    is_unit: bool,
    can_apply: bool,
    is_bureau: bool,
    is_receiver: bool,
    f: ApplyForm,
    pending: Vec<PendingUnit>,
    errors: Errors,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct WorkQuery {
    applied: Option<String>,
    decided: Option<String>,
}

/// The visitor's own organisation.
async fn own_org(st: &AppState, v: &Visitor) -> Result<Organisation, ApiError> {
    let id = v.principal.org_id.ok_or_else(ApiError::forbidden)?;
    st.store.get_org(id).await?.ok_or_else(ApiError::not_found)
}

async fn work_page(
    st: &AppState,
    v: &Visitor,
    f: Option<ApplyForm>,
    errors: Errors,
    notice: Option<String>,
) -> Response {
    let chrome = Chrome::for_visitor(v, "/work");
    let org = match own_org(st, v).await {
        Ok(o) => o,
        Err(e) => return api_error_page(chrome, &e),
    };
    let is_bureau = org.kind == OrgKind::HrBureau;
    let pending = if is_bureau {
        match st.store.list_orgs(Some(OrgKind::EmployerUnit)).await {
            Ok(units) => units
                .iter()
                .filter(|u| u.awaits_review_by(&org))
                .map(|u| PendingUnit {
                    id: u.id.0.to_string(),
                    name: u.name.as_str().to_owned(),
                    uscc: u
                        .uscc
                        .as_ref()
                        .map(|c| c.as_str().to_owned())
                        .unwrap_or_default(),
                    region: super::staff::region_label(u.region),
                    note: u.permission_note.clone().unwrap_or_default(),
                })
                .collect(),
            Err(e) => return api_error_page(chrome, &ApiError::from(e)),
        }
    } else {
        Vec::new()
    };
    let f = f.unwrap_or_else(|| ApplyForm {
        uscc: org
            .uscc
            .as_ref()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        region: org.region.to_string(),
        ..ApplyForm::default()
    });
    let page = WorkPage {
        picker: RegionPicker::for_code(&f.region()),
        chrome,
        is_unit: org.kind == OrgKind::EmployerUnit,
        can_apply: org.kind == OrgKind::EmployerUnit
            && matches!(
                org.permission,
                PermissionStatus::NotApplied | PermissionStatus::Rejected
            ),
        is_bureau,
        is_receiver: org.kind.is_receiver(),
        org: OrgView {
            name: org.name.as_str().to_owned(),
            kind: v.lang.t(org.kind.zh()).to_owned(),
            region: super::staff::region_label(org.region),
            uscc: org.uscc.as_ref().map(|c| c.as_str().to_owned()),
            permission: v.lang.t(org.permission.zh()).to_owned(),
            permission_code: org.permission.as_str().to_owned(),
            note: org.permission_note.clone(),
        },
        f,
        pending,
        errors,
        notice,
    };
    render(&page)
}

#[handler]
pub async fn home(st: Data<&AppState>, req: &Request, q: Query<WorkQuery>) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let notice = if q.applied.as_deref().and_then(non_empty).is_some() {
        Some(
            v.lang
                .t("权限申请已提交，结果见下方“职称评审权限”。")
                .to_owned(),
        )
    } else if q.decided.as_deref().and_then(non_empty).is_some() {
        Some(v.lang.t("审核结果已保存。").to_owned())
    } else {
        None
    };
    work_page(&st, &v, None, Errors::none(), notice).await
}

/// Parses the application form as the API does.
fn parse_application(f: &ApplyForm) -> Result<(Uscc, RegionCode), ApiError> {
    let mut fields = Vec::new();
    let uscc = Uscc::parse(&f.uscc)
        .map_err(|e| {
            fields.push(FieldError::new(
                "uscc",
                "uscc.invalid",
                "统一社会信用代码应为 18 位，不含 I、O、Z、S、V",
                e.to_string(),
            ))
        })
        .ok();
    let region = crate::api::orgs::parse_known_region("region", &f.region)
        .map_err(|f| fields.push(f))
        .ok();
    match (uscc, region) {
        (Some(u), Some(r)) => Ok((u, r)),
        _ => Err(ApiError::invalid(
            "permission.invalid",
            "申请信息有误，请按提示修改",
            "invalid application",
            fields,
        )),
    }
}

/// 申请职称评审权限.
#[handler]
pub async fn apply_permission(
    st: Data<&AppState>,
    req: &Request,
    form: Form<ApplyForm>,
) -> Response {
    let v = match gate(&st, req, &[Role::UnitAdmin]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let mut f = form.0;
    f.region = f.region();
    if !f.pick.is_empty() {
        return work_page(&st, &v, Some(f), Errors::none(), None).await;
    }
    let result = match parse_application(&f) {
        Ok((uscc, region)) => apply(&st.store, &st.clock, &v.principal, uscc, region)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => redirect("/work?applied=1"),
        Err(e) => {
            let errors = match e.body().code.as_str() {
                "permission.duplicate_unit" => Errors::localized(&e, v.lang).pin("uscc"),
                _ => Errors::localized(&e, v.lang),
            };
            form_response(work_page(&st, &v, Some(f), errors, None).await, &e)
        }
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

impl DecisionForm {
    /// `approve` or `reject`, as the two buttons send.
    pub fn approve(&self) -> Option<bool> {
        match self.decision.as_str() {
            "approve" => Some(true),
            "reject" => Some(false),
            _ => None,
        }
    }

    pub fn note(&self) -> Option<String> {
        non_empty(&self.note).map(str::to_owned)
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The decision buttons sent something else.
pub fn no_decision() -> ApiError {
    ApiError::field(
        "decision",
        "请点击“通过”或“驳回”",
        "choose approve or reject",
    )
}

/// The HR bureau's 通过 / 驳回 on a unit in manual review.
#[handler]
pub async fn decide_unit(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<DecisionForm>,
) -> Response {
    let v = match gate(&st, req, &[Role::HrBureau]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let result = match form.approve() {
        Some(approve) => decide_permission(
            &st.store,
            &st.clock,
            &v.principal,
            OrgId(id.0),
            approve,
            form.note(),
        )
        .await
        .map_err(ApiError::from),
        None => Err(no_decision()),
    };
    match result {
        Ok(_) => redirect("/work?decided=1"),
        Err(e) => form_response(
            work_page(&st, &v, None, Errors::localized(&e, v.lang), None).await,
            &e,
        ),
    }
}
