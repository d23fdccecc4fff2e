//! 个人注册 and 单位注册: the signed-out forms. They call the same helpers as the API
//! (`api::accounts::register`, `api::orgs::register_unit`) and show their field errors next to
//! the fields. Before a session exists, CSRF protection is a double-submit cookie.

use askama::Template;
use poem::web::{Data, Form};
use poem::{Request, Response, handler};
use serde::Deserialize;
use zhicheng_identity::service::{self, CaptchaAnswer, RegisterPerson, RegisterPersonForm};

use super::common::{
    Chrome, Errors, RegionPicker, anonymous_token, api_error_page, check_anonymous_token,
    form_response, picked_region, with_cookie,
};
use super::i18n::Lang;
use super::render;
use crate::api::accounts::{CaptchaIssued, issue_captcha, register};
use crate::api::orgs::{RegisterUnitRequest, register_unit};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct PersonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    #[serde(default)]
    ethnicity: String,
    #[serde(default)]
    captcha_id: String,
    #[serde(default)]
    captcha_answer: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct PersonPage {
    chrome: Chrome,
    /// The ID number already has an account: point to recovery.
    taken: bool,
    token: String,
    f: PersonForm,
    errors: Errors,
    captcha: CaptchaIssued,
}

#[derive(Template)]
#[template(path = "register_done.html")]
struct DonePage {
    chrome: Chrome,
    unit: bool,
    name: String,
    username: String,
}

const MISMATCH: &str = "两次输入的密码不一致";

/// Checks (and consumes) the captcha of a signed-out form: `Some(error)` when it is missing,
/// wrong, used or expired (audited with the client address and the form's name).
pub async fn captcha_refusal(
    st: &AppState,
    req: &Request,
    form: &str,
    id: &str,
    answer: &str,
) -> Option<ApiError> {
    let a = CaptchaAnswer {
        id: uuid::Uuid::parse_str(id.trim()).ok(),
        answer: answer.to_owned(),
    };
    let client = crate::auth::client_ip(st, req);
    service::check_form_captcha(&st.store, &st.clock, client.as_deref(), form, &a)
        .await
        .err()
        .map(ApiError::from)
}

#[handler]
pub async fn person_form(st: Data<&AppState>, req: &Request) -> Response {
    let lang = Lang::of(req);
    let (token, cookie) = match anonymous_token(req) {
        Ok(t) => t,
        Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
    };
    let captcha = match issue_captcha(&st).await {
        Ok(c) => c,
        Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
    };
    with_cookie(
        render(&PersonPage {
            chrome: Chrome::signed_out(lang),
            taken: false,
            token,
            f: PersonForm::default(),
            errors: Errors::none(),
            captcha,
        }),
        cookie,
    )
}

#[handler]
pub async fn person_submit(st: Data<&AppState>, req: &Request, form: Form<PersonForm>) -> Response {
    if let Some(r) = check_anonymous_token(req, &form.csrf) {
        return r;
    }
    let lang = Lang::of(req);
    let f = form.0;
    let refused = captcha_refusal(
        &st,
        req,
        "register_person",
        &f.captcha_id,
        &f.captcha_answer,
    )
    .await;
    let typed = RegisterPersonForm {
        id_number: f.id_number.clone(),
        name: f.name.clone(),
        mobile: f.mobile.clone(),
        username: f.username.clone(),
        password: f.password.clone(),
        ethnicity: f.ethnicity.clone(),
    };
    let result = if let Some(e) = refused {
        Err(e)
    } else if f.password == f.password2 {
        register(&st, typed).await
    } else {
        // Show every problem at once: the domain's field errors plus the mismatch.
        let mut fields = RegisterPerson::parse(&typed).err().unwrap_or_default();
        fields.push(zhicheng_kernel::FieldError::new(
            "password2",
            "password2.mismatch",
            MISMATCH,
            "the passwords differ",
        ));
        Err(ApiError::invalid(
            "person.invalid",
            "注册信息有误，请按提示修改",
            "invalid registration",
            fields,
        ))
    };
    match result {
        Ok(p) => render(&DonePage {
            chrome: Chrome::signed_out(lang),
            unit: false,
            name: p.name,
            username: p.username,
        }),
        Err(e) => {
            let errors = match e.body().code.as_str() {
                "person.id_number_taken" => Errors::localized(&e, lang).pin("id_number"),
                "person.username_taken" => Errors::localized(&e, lang).pin("username"),
                _ => Errors::localized(&e, lang),
            };
            let captcha = match issue_captcha(&st).await {
                Ok(c) => c,
                Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
            };
            let page = PersonPage {
                chrome: Chrome::signed_out(lang),
                taken: e.body().code == "person.id_number_taken",
                token: f.csrf.clone(),
                f,
                errors,
                captcha,
            };
            form_response(render(&page), &e)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct UnitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
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
    #[serde(default)]
    contact_mobile: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    #[serde(default)]
    captcha_id: String,
    #[serde(default)]
    captcha_answer: String,
}

#[derive(Template)]
#[template(path = "register_unit.html")]
struct UnitPage {
    chrome: Chrome,
    picker: RegionPicker,
    token: String,
    f: UnitForm,
    errors: Errors,
    captcha: CaptchaIssued,
}

#[handler]
pub async fn unit_form(st: Data<&AppState>, req: &Request) -> Response {
    let lang = Lang::of(req);
    let (token, cookie) = match anonymous_token(req) {
        Ok(t) => t,
        Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
    };
    let captcha = match issue_captcha(&st).await {
        Ok(c) => c,
        Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
    };
    with_cookie(
        render(&UnitPage {
            chrome: Chrome::signed_out(lang),
            picker: RegionPicker::for_code(""),
            token,
            f: UnitForm::default(),
            errors: Errors::none(),
            captcha,
        }),
        cookie,
    )
}

#[handler]
pub async fn unit_submit(st: Data<&AppState>, req: &Request, form: Form<UnitForm>) -> Response {
    if let Some(r) = check_anonymous_token(req, &form.csrf) {
        return r;
    }
    let lang = Lang::of(req);
    let mut f = form.0;
    f.region = picked_region(&f.province, &f.city, &f.district, &f.region);
    if !f.pick.is_empty() {
        // Only the next level of the region picker: keep what was typed, submit nothing.
        let captcha = match issue_captcha(&st).await {
            Ok(c) => c,
            Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
        };
        return render(&UnitPage {
            chrome: Chrome::signed_out(lang),
            picker: RegionPicker::for_code(&f.region),
            token: f.csrf.clone(),
            f,
            errors: Errors::none(),
            captcha,
        });
    }
    let refused =
        captcha_refusal(&st, req, "register_unit", &f.captcha_id, &f.captcha_answer).await;
    let result = if let Some(e) = refused {
        Err(e)
    } else if f.password == f.password2 {
        register_unit(
            &st,
            RegisterUnitRequest {
                name: f.name.clone(),
                region: f.region.clone(),
                username: f.username.clone(),
                password: f.password.clone(),
                contact_mobile: f.contact_mobile.clone(),
            },
        )
        .await
    } else {
        Err(ApiError::field(
            "password2",
            MISMATCH,
            "the passwords differ",
        ))
    };
    match result {
        Ok(org) => render(&DonePage {
            chrome: Chrome::signed_out(lang),
            unit: true,
            name: org.name.as_str().to_owned(),
            username: f.username.trim().to_owned(),
        }),
        Err(e) => {
            let errors = match e.body().code.as_str() {
                "org.username_taken" => Errors::localized(&e, lang).pin("username"),
                _ => Errors::localized(&e, lang),
            };
            let captcha = match issue_captcha(&st).await {
                Ok(c) => c,
                Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
            };
            let page = UnitPage {
                chrome: Chrome::signed_out(lang),
                picker: RegionPicker::for_code(&f.region),
                token: f.csrf.clone(),
                f,
                errors,
                captcha,
            };
            form_response(render(&page), &e)
        }
    }
}
