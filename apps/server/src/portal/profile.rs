//! 基本信息 (/me/profile): the person's basic data, the edit of what they may change themselves
//! (ethnicity), and the 姓名更正申请 — the only way to a new name after registration, decided
//! by the HR bureau of the person's unit. The rules are `identity::service::corrections`'.

use askama::Template;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use zhicheng_identity::person::ProfileEdit;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::service::corrections;
use zhicheng_identity::{OrgKind, Person};
use zhicheng_kernel::Role;

use super::common::{
    Choice, Chrome, Errors, api_error_page, beijing, check_csrf, form_response, gate,
};
use super::{Visitor, redirect, render};
use crate::error::ApiError;
use crate::state::AppState;

struct RequestRow {
    old_name: String,
    new_name: String,
    status: String,
    status_code: String,
    note: String,
    created_at: String,
}

#[derive(Deserialize, Default)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ethnicity: String,
}

#[derive(Deserialize, Default)]
pub struct CorrectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    new_name: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    evidence: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    chrome: Chrome,
    name: String,
    id_number: String,
    birth_date: String,
    gender: String,
    mobile: String,
    ethnicity: String,
    units: Vec<Choice>,
    requests: Vec<RequestRow>,
    pending: bool,
    cf: CorrectionForm,
    profile_errors: Errors,
    errors: Errors,
    notice: Option<String>,
}

async fn load(st: &AppState, v: &Visitor) -> Result<(Person, Vec<RequestRow>, bool), ApiError> {
    let id = v.principal.person_id.ok_or_else(ApiError::forbidden)?;
    let person = st
        .store
        .get_person(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let list = corrections::my_name_corrections(&st.store, &v.principal).await?;
    let pending = list
        .iter()
        .any(|c| c.status == zhicheng_identity::correction::CorrectionStatus::Pending);
    let rows = list
        .iter()
        .map(|c| RequestRow {
            old_name: c.old_name.as_str().to_owned(),
            new_name: c.new_name.as_str().to_owned(),
            status: c.status.zh().to_owned(),
            status_code: c.status.as_str().to_owned(),
            note: c.decision_note.clone().unwrap_or_default(),
            created_at: beijing(c.created_at),
        })
        .collect();
    Ok((person, rows, pending))
}

async fn page(
    st: &AppState,
    v: &Visitor,
    cf: CorrectionForm,
    profile_errors: Errors,
    errors: Errors,
    notice: Option<String>,
    typed_ethnicity: Option<String>,
) -> Response {
    let chrome = Chrome::for_visitor(v, "/me/profile");
    let (person, requests, pending) = match load(st, v).await {
        Ok(x) => x,
        Err(e) => return api_error_page(chrome, &e),
    };
    let units = match st.store.list_orgs(Some(OrgKind::EmployerUnit)).await {
        Ok(u) => u,
        Err(e) => return api_error_page(chrome, &ApiError::from(e)),
    };
    let units = units
        .iter()
        .filter(|u| u.has_permission())
        .map(|u| Choice {
            value: u.id.0.to_string(),
            label: u.name.as_str().to_owned(),
            selected: u.id.0.to_string() == cf.unit_id,
        })
        .collect();
    render(&ProfilePage {
        chrome,
        name: person.name.as_str().to_owned(),
        id_number: person.id_number.masked(),
        birth_date: person.birth_date().to_string(),
        gender: person.gender().zh().to_owned(),
        mobile: person.mobile.masked(),
        ethnicity: typed_ethnicity.unwrap_or_else(|| person.ethnicity.clone().unwrap_or_default()),
        units,
        requests,
        pending,
        cf,
        profile_errors,
        errors,
        notice,
    })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

#[handler]
pub async fn profile(st: Data<&AppState>, req: &Request, q: Query<DoneQuery>) -> Response {
    let v = match gate(&st, req, &[Role::Applicant]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let notice = match q.done.as_deref() {
        Some("saved") => Some("基本信息已保存。".to_owned()),
        Some("requested") => {
            Some("姓名更正申请已提交，请等待所在单位的人社局审核；结果显示在下方。".to_owned())
        }
        _ => None,
    };
    page(
        &st,
        &v,
        CorrectionForm::default(),
        Errors::none(),
        Errors::none(),
        notice,
        None,
    )
    .await
}

#[handler]
pub async fn save_profile(st: Data<&AppState>, req: &Request, form: Form<ProfileForm>) -> Response {
    let v = match gate(&st, req, &[Role::Applicant]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let edit = ProfileEdit {
        ethnicity: Some(form.ethnicity.clone()),
        ..ProfileEdit::default()
    };
    match corrections::edit_profile(&st.store, &st.clock, &v.principal, edit).await {
        Ok(_) => redirect("/me/profile?done=saved"),
        Err(e) => {
            let e = ApiError::from(e);
            form_response(
                page(
                    &st,
                    &v,
                    CorrectionForm::default(),
                    Errors::from_api(&e),
                    Errors::none(),
                    None,
                    Some(form.0.ethnicity),
                )
                .await,
                &e,
            )
        }
    }
}

#[handler]
pub async fn request_correction(
    st: Data<&AppState>,
    req: &Request,
    form: Form<CorrectionForm>,
) -> Response {
    let v = match gate(&st, req, &[Role::Applicant]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let f = form.0;
    let result = match uuid::Uuid::parse_str(f.unit_id.trim()) {
        Ok(unit) => {
            crate::api::persons::request_correction(
                &st,
                &v.principal,
                unit,
                &f.new_name,
                &f.reason,
                &f.evidence,
            )
            .await
        }
        Err(_) => Err(ApiError::field(
            "unit_id",
            "请选择所在的用人单位",
            "choose your unit",
        )),
    };
    match result {
        Ok(_) => redirect("/me/profile?done=requested"),
        Err(e) => form_response(
            page(&st, &v, f, Errors::none(), Errors::from_api(&e), None, None).await,
            &e,
        ),
    }
}
