//! 基本信息 (/me/profile): the person's basic data, the edit of what they may change themselves
//! (ethnicity), and the 姓名更正申请 with its evidence file — the only way to a new name after
//! registration, decided by the HR bureau of the person's unit. The rules are
//! `identity::service::corrections`'. The evidence file downloads at
//! /files/name-corrections/{id}/evidence for the person and the deciding bureau.

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
    /// Where its evidence file downloads, if it has one.
    evidence_href: Option<String>,
    evidence_name: String,
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

/// The typed text of the correction form (the file cannot be kept: it is chosen again).
type CorrectionForm = crate::api::persons::CorrectionParts;

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
    let lang = v.lang;
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
            evidence_href: c
                .evidence_file
                .as_ref()
                .map(|_| format!("/files/name-corrections/{}/evidence", c.id)),
            evidence_name: c
                .evidence_file
                .as_ref()
                .map(|f| f.file_name.to_string())
                .unwrap_or_default(),
            old_name: c.old_name.as_str().to_owned(),
            new_name: c.new_name.as_str().to_owned(),
            status: lang.t(c.status.zh()).to_owned(),
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
        gender: v.lang.t(person.gender().zh()).to_owned(),
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
        Some("saved") => Some(v.lang.t("基本信息已保存。").to_owned()),
        Some("requested") => Some(
            v.lang
                .t("姓名更正申请已提交，请等待所在单位的人社局审核；结果显示在下方。")
                .to_owned(),
        ),
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
                    Errors::localized(&e, v.lang),
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

/// 提交姓名更正申请: a multipart form, the text first and the evidence file last; the CSRF
/// token and the text are checked before the file streams through the same checks as
/// declaration attachments.
#[handler]
pub async fn request_correction(
    st: Data<&AppState>,
    req: &Request,
    mut form: poem::web::Multipart,
) -> Response {
    let v = match gate(&st, req, &[Role::Applicant]).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (parts, file) = match crate::api::persons::correction_parts(&mut form).await {
        Ok(x) => x,
        Err(e) => {
            return form_response(
                page(
                    &st,
                    &v,
                    CorrectionForm::default(),
                    Errors::none(),
                    Errors::localized(&e, v.lang),
                    None,
                    None,
                )
                .await,
                &e,
            );
        }
    };
    if let Some(r) = check_csrf(&v, &parts.csrf) {
        return r;
    }
    match crate::api::persons::file_correction(&st, &v.principal, &parts, file).await {
        Ok(_) => redirect("/me/profile?done=requested"),
        Err(r) => form_response(
            page(
                &st,
                &v,
                parts,
                Errors::none(),
                Errors::localized(&r.error, v.lang),
                None,
                None,
            )
            .await,
            &r.error,
        ),
    }
}

/// 证明材料 of a name correction request, downloaded by the person or the deciding bureau
/// (others get 404).
#[handler]
pub async fn evidence_file(
    st: Data<&AppState>,
    req: &Request,
    id: poem::web::Path<uuid::Uuid>,
) -> Response {
    let Some(v) = super::visitor(&st, req).await else {
        return redirect("/login");
    };
    match crate::api::persons::evidence_download(&st, &v.principal, id.0).await {
        Ok((disposition, content_type, bytes)) => {
            crate::upload::download(&disposition, content_type, bytes)
        }
        Err(e) => api_error_page(Chrome::for_visitor(&v, ""), &e),
    }
}
