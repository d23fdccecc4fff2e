//! Staff pages about people and units: 单位经办人 (/work/operators: the administrator's named
//! operator accounts), 单位管理 (/work/units: the HR bureau's units, admin password reset with a
//! one-time password shown once, data correction) and 姓名更正 (/work/name-corrections: the
//! bureau's decisions). The rules are `identity::service::{staff, units, corrections}`'s.

use askama::Template;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::service::{corrections, staff, units};
use zhicheng_identity::staff::NewOperatorForm;
use zhicheng_identity::{Account, MobileNumber};
use zhicheng_kernel::{AccountId, OrgId, RegionCode, Role};

use super::common::{
    Chrome, Errors, STAFF, api_error_page, beijing, check_csrf, form_response, gate, non_empty,
};
use super::work::{DecisionForm, no_decision};
use super::{Visitor, redirect, render};
use crate::error::ApiError;
use crate::state::AppState;

/// `山东省威海市文登区（371003）`, or the bare code when it is not in the list.
pub fn region_label(r: RegionCode) -> String {
    match zhicheng_kernel::divisions::full_name(r) {
        Some(n) => format!("{n}（{r}）"),
        None => r.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// 单位经办人
// ---------------------------------------------------------------------------------------------

struct StaffRow {
    id: String,
    username: String,
    name: String,
    mobile: String,
    operator: bool,
    disabled: bool,
    must_change_password: bool,
    created_at: String,
}

fn staff_row(a: &Account) -> StaffRow {
    StaffRow {
        id: a.id.0.to_string(),
        username: a.username.as_str().to_owned(),
        name: a
            .display_name
            .as_ref()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        mobile: a
            .mobile
            .as_ref()
            .map(MobileNumber::masked)
            .unwrap_or_default(),
        operator: a.operator,
        disabled: a.disabled,
        must_change_password: a.must_change_password,
        created_at: beijing(a.created_at),
    }
}

#[derive(Deserialize, Default)]
pub struct OperatorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

#[derive(Template)]
#[template(path = "operators.html")]
struct OperatorsPage {
    chrome: Chrome,
    rows: Vec<StaffRow>,
    f: OperatorForm,
    errors: Errors,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn operators_page(
    st: &AppState,
    v: &Visitor,
    f: OperatorForm,
    errors: Errors,
    notice: Option<String>,
) -> Response {
    let chrome = Chrome::for_visitor(v, "/work/operators");
    let list = match staff::list_staff(&st.store, &v.principal).await {
        Ok(l) => l,
        Err(e) => return api_error_page(chrome, &ApiError::from(e)),
    };
    render(&OperatorsPage {
        chrome,
        rows: list.iter().map(staff_row).collect(),
        f: OperatorForm {
            password: String::new(),
            password2: String::new(),
            ..f
        },
        errors,
        notice,
    })
}

#[handler]
pub async fn operators(st: Data<&AppState>, req: &Request, q: Query<DoneQuery>) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let notice = match q.done.as_deref() {
        Some("created") => {
            Some("经办人账号已创建。请将用户名和初始密码当面告知本人；本人首次登录时须修改密码。")
        }
        Some("disable") => Some("账号已停用，该经办人的登录已全部退出。"),
        Some("enable") => Some("账号已重新启用。"),
        _ => None,
    }
    .map(|n| v.lang.t(n).to_owned());
    operators_page(&st, &v, OperatorForm::default(), Errors::none(), notice).await
}

#[handler]
pub async fn create_operator(
    st: Data<&AppState>,
    req: &Request,
    form: Form<OperatorForm>,
) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let f = form.0;
    let result = if f.password == f.password2 {
        crate::api::units::create_operator(
            &st,
            &v.principal,
            NewOperatorForm {
                username: f.username.clone(),
                name: f.name.clone(),
                mobile: f.mobile.clone(),
                password: f.password.clone(),
            },
        )
        .await
    } else {
        Err(ApiError::field(
            "password2",
            "两次输入的密码不一致",
            "the passwords differ",
        ))
    };
    match result {
        Ok(_) => redirect("/work/operators?done=created"),
        Err(e) => form_response(
            operators_page(&st, &v, f, Errors::localized(&e, v.lang), None).await,
            &e,
        ),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[handler]
pub async fn operator_action(
    st: Data<&AppState>,
    req: &Request,
    path: Path<(Uuid, String)>,
    form: Form<CsrfForm>,
) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let (id, action) = path.0;
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return api_error_page(Chrome::for_visitor(&v, ""), &ApiError::not_found()),
    };
    match staff::set_operator_disabled(&st.store, &st.clock, &v.principal, AccountId(id), disabled)
        .await
    {
        Ok(_) => redirect(&format!("/work/operators?done={action}")),
        Err(e) => {
            let e = ApiError::from(e);
            form_response(
                operators_page(
                    &st,
                    &v,
                    OperatorForm::default(),
                    Errors::localized(&e, v.lang),
                    None,
                )
                .await,
                &e,
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 单位管理
// ---------------------------------------------------------------------------------------------

struct UnitRow {
    id: String,
    name: String,
    region: String,
    region_code: String,
    uscc: String,
    permission: String,
    permission_code: String,
    admin: String,
    admin_mobile: String,
    operators: usize,
}

#[derive(Deserialize, Default)]
pub struct CorrectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    chrome: Chrome,
    rows: Vec<UnitRow>,
    notice: Option<String>,
    /// The one-time password of a reset just made: shown once, never stored.
    one_time: Option<(String, String, String)>,
    /// The unit whose correction form failed, with what was typed.
    open: String,
    cf: CorrectionForm,
    errors: Errors,
}

async fn units_page(
    st: &AppState,
    v: &Visitor,
    notice: Option<String>,
    one_time: Option<(String, String, String)>,
    open: (String, CorrectionForm, Errors),
) -> Response {
    let chrome = Chrome::for_visitor(v, "/work/units");
    let list = match units::units_in_jurisdiction(&st.store, &v.principal).await {
        Ok(l) => l,
        Err(e) => return api_error_page(chrome, &ApiError::from(e)),
    };
    let rows = list
        .iter()
        .map(|m| UnitRow {
            id: m.unit.id.0.to_string(),
            name: m.unit.name.as_str().to_owned(),
            region: region_label(m.unit.region),
            region_code: m.unit.region.to_string(),
            uscc: m
                .unit
                .uscc
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            permission: v.lang.t(m.unit.permission.zh()).to_owned(),
            permission_code: m.unit.permission.as_str().to_owned(),
            admin: m
                .admin
                .as_ref()
                .map(|a| a.username.as_str().to_owned())
                .unwrap_or_default(),
            admin_mobile: m
                .admin
                .as_ref()
                .and_then(|a| a.mobile.as_ref())
                .map(MobileNumber::masked)
                .unwrap_or_default(),
            operators: m.operators,
        })
        .collect();
    let (open, cf, errors) = open;
    render(&UnitsPage {
        chrome,
        rows,
        notice,
        one_time,
        open,
        cf,
        errors,
    })
}

fn nothing_open() -> (String, CorrectionForm, Errors) {
    (String::new(), CorrectionForm::default(), Errors::none())
}

#[handler]
pub async fn units_home(st: Data<&AppState>, req: &Request, q: Query<DoneQuery>) -> Response {
    let v = match gate(&st, req, &[Role::HrBureau]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let notice = (q.done.as_deref() == Some("corrected")).then(|| {
        v.lang
            .t("单位信息已更正，原值和新值已记录在审计日志中。")
            .to_owned()
    });
    units_page(&st, &v, notice, None, nothing_open()).await
}

#[handler]
pub async fn reset_unit_admin(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<CsrfForm>,
) -> Response {
    let v = match gate(&st, req, &[Role::HrBureau]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    match crate::api::units::reset_admin_password(&st, &v.principal, OrgId(id.0)).await {
        Ok((account, password)) => {
            let unit = st
                .store
                .get_org(OrgId(id.0))
                .await
                .ok()
                .flatten()
                .map(|o| o.name.as_str().to_owned())
                .unwrap_or_default();
            let mut r = units_page(
                &st,
                &v,
                None,
                Some((unit, account.username.as_str().to_owned(), password)),
                nothing_open(),
            )
            .await;
            r.headers_mut().insert(
                poem::http::header::CACHE_CONTROL,
                poem::http::HeaderValue::from_static("no-store"),
            );
            r
        }
        Err(e) => api_error_page(Chrome::for_visitor(&v, ""), &e),
    }
}

#[handler]
pub async fn correct_unit(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<CorrectionForm>,
) -> Response {
    let v = match gate(&st, req, &[Role::HrBureau]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let f = form.0;
    let result = match crate::api::units::parse_correction(
        non_empty(&f.name),
        non_empty(&f.region),
        non_empty(&f.uscc),
        &f.reason,
    ) {
        Ok(c) => units::correct_unit(&st.store, &st.clock, &v.principal, OrgId(id.0), c)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => redirect("/work/units?done=corrected"),
        Err(e) => {
            let errors = Errors::localized(&e, v.lang);
            form_response(
                units_page(&st, &v, None, None, (id.0.to_string(), f, errors)).await,
                &e,
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 姓名更正 (bureau)
// ---------------------------------------------------------------------------------------------

struct CorrectionRow {
    id: String,
    unit: String,
    old_name: String,
    new_name: String,
    reason: String,
    evidence: String,
    /// Where the evidence file downloads, if the request has one.
    evidence_href: Option<String>,
    evidence_name: String,
    status: String,
    status_code: String,
    note: String,
    created_at: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "name_corrections.html")]
struct CorrectionsPage {
    chrome: Chrome,
    rows: Vec<CorrectionRow>,
    pending_count: usize,
    notice: Option<String>,
    errors: Errors,
}

async fn corrections_page(
    st: &AppState,
    v: &Visitor,
    notice: Option<String>,
    errors: Errors,
) -> Response {
    let chrome = Chrome::for_visitor(v, "/work/name-corrections");
    let list = match corrections::bureau_name_corrections(&st.store, &v.principal, false).await {
        Ok(l) => l,
        Err(e) => return api_error_page(chrome, &ApiError::from(e)),
    };
    let rows: Vec<CorrectionRow> = list
        .iter()
        .map(|(c, unit)| CorrectionRow {
            id: c.id.to_string(),
            unit: unit.name.as_str().to_owned(),
            old_name: c.old_name.as_str().to_owned(),
            new_name: c.new_name.as_str().to_owned(),
            reason: c.reason.clone(),
            evidence: c.evidence.clone(),
            evidence_href: c
                .evidence_file
                .as_ref()
                .map(|_| format!("/files/name-corrections/{}/evidence", c.id)),
            evidence_name: c
                .evidence_file
                .as_ref()
                .map(|f| f.file_name.to_string())
                .unwrap_or_default(),
            status: v.lang.t(c.status.zh()).to_owned(),
            status_code: c.status.as_str().to_owned(),
            note: c.decision_note.clone().unwrap_or_default(),
            created_at: beijing(c.created_at),
            pending: c.status == zhicheng_identity::correction::CorrectionStatus::Pending,
        })
        .collect();
    render(&CorrectionsPage {
        chrome,
        pending_count: rows.iter().filter(|r| r.pending).count(),
        rows,
        notice,
        errors,
    })
}

#[handler]
pub async fn name_corrections(st: Data<&AppState>, req: &Request, q: Query<DoneQuery>) -> Response {
    let v = match gate(&st, req, &[Role::HrBureau]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let notice =
        (q.done.as_deref() == Some("decided")).then(|| v.lang.t("审核结果已保存。").to_owned());
    corrections_page(&st, &v, notice, Errors::none()).await
}

#[handler]
pub async fn decide_name_correction(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<DecisionForm>,
) -> Response {
    let v = match gate(&st, req, &[Role::HrBureau]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, form.csrf()) {
        return r;
    }
    let result = match form.approve() {
        Some(approve) => corrections::decide_name_correction(
            &st.store,
            &st.clock,
            &v.principal,
            id.0,
            approve,
            form.note(),
        )
        .await
        .map_err(ApiError::from),
        None => Err(no_decision()),
    };
    match result {
        Ok(_) => redirect("/work/name-corrections?done=decided"),
        Err(e) => form_response(
            corrections_page(&st, &v, None, Errors::localized(&e, v.lang)).await,
            &e,
        ),
    }
}
