//! 找回用户名或密码 (signed out, by SMS) and 修改密码 (signed in, at /me/password for applicants
//! and /work/password for staff). The handlers call the same helpers as the API.

use askama::Template;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use zhicheng_identity::service::{self, CaptchaAnswer};
use zhicheng_kernel::Role;

use super::common::{
    Chrome, Errors, STAFF, anonymous_token, api_error_page, check_anonymous_token, check_csrf,
    form_response, gate, with_cookie,
};
use super::i18n::Lang;
use super::{Visitor, redirect, render};
use crate::api::accounts::{
    CaptchaIssued, issue_captcha, recover_password_finish, recover_password_start, recover_username,
};
use crate::error::ApiError;
use crate::state::AppState;

const SENT: &str = "如填写的信息与注册信息一致，短信已发送到该手机号码，请注意查收。";
const MISMATCH: &str = "两次输入的密码不一致";

#[derive(Template)]
#[template(path = "recover.html")]
struct RecoverPage {
    chrome: Chrome,
    token: String,
    notice: Option<String>,
    id_number: String,
    u_mobile: String,
    login: String,
    p_mobile: String,
    /// One single-use captcha per form.
    u_captcha: CaptchaIssued,
    p_captcha: CaptchaIssued,
    u_errors: Errors,
    p_errors: Errors,
}

async fn recover_page(st: &AppState, lang: Lang, token: String) -> Result<RecoverPage, ApiError> {
    Ok(RecoverPage {
        chrome: Chrome::signed_out(lang),
        token,
        notice: None,
        id_number: String::new(),
        u_mobile: String::new(),
        login: String::new(),
        p_mobile: String::new(),
        u_captcha: issue_captcha(st).await?,
        p_captcha: issue_captcha(st).await?,
        u_errors: Errors::none(),
        p_errors: Errors::none(),
    })
}

#[handler]
pub async fn recover_form(st: Data<&AppState>, req: &Request) -> Response {
    let lang = Lang::of(req);
    let page = match anonymous_token(req) {
        Ok((token, cookie)) => recover_page(&st, lang, token).await.map(|p| (p, cookie)),
        Err(e) => Err(e),
    };
    match page {
        Ok((p, cookie)) => with_cookie(render(&p), cookie),
        Err(e) => api_error_page(Chrome::signed_out(lang), &e),
    }
}

#[derive(Deserialize, Default)]
pub struct UsernameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    captcha_id: String,
    #[serde(default)]
    captcha_answer: String,
}

fn captcha_of(id: &str, answer: &str) -> CaptchaAnswer {
    CaptchaAnswer {
        id: uuid::Uuid::parse_str(id.trim()).ok(),
        answer: answer.to_owned(),
    }
}

#[handler]
pub async fn recover_username_submit(
    st: Data<&AppState>,
    req: &Request,
    form: Form<UsernameForm>,
) -> Response {
    if let Some(r) = check_anonymous_token(req, &form.csrf) {
        return r;
    }
    let lang = Lang::of(req);
    let f = form.0;
    let client = crate::auth::client_ip(&st, req);
    let captcha = captcha_of(&f.captcha_id, &f.captcha_answer);
    let result = recover_username(&st, client.as_deref(), &captcha, &f.id_number, &f.mobile).await;
    let mut page = match recover_page(&st, lang, f.csrf.clone()).await {
        Ok(p) => p,
        Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
    };
    match result {
        Ok(_) => {
            page.notice = Some(lang.t(SENT).into());
            render(&page)
        }
        Err(e) if e.status() == poem::http::StatusCode::UNPROCESSABLE_ENTITY => {
            page.id_number = f.id_number;
            page.u_mobile = f.mobile;
            page.u_errors = Errors::localized(&e, lang);
            form_response(render(&page), &e)
        }
        Err(e) => api_error_page(Chrome::signed_out(lang), &e),
    }
}

#[derive(Deserialize, Default)]
pub struct PasswordStartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    captcha_id: String,
    #[serde(default)]
    captcha_answer: String,
}

#[derive(Template)]
#[template(path = "recover_finish.html")]
struct FinishPage {
    chrome: Chrome,
    token: String,
    challenge_id: String,
    code: String,
    errors: Errors,
}

#[handler]
pub async fn recover_password_submit(
    st: Data<&AppState>,
    req: &Request,
    form: Form<PasswordStartForm>,
) -> Response {
    if let Some(r) = check_anonymous_token(req, &form.csrf) {
        return r;
    }
    let lang = Lang::of(req);
    let f = form.0;
    let client = crate::auth::client_ip(&st, req);
    let captcha = captcha_of(&f.captcha_id, &f.captcha_answer);
    match recover_password_start(&st, client.as_deref(), &captcha, &f.login, &f.mobile).await {
        Ok(id) => redirect(&format!("/recover/password/finish?challenge={id}")),
        Err(e) if e.status() == poem::http::StatusCode::UNPROCESSABLE_ENTITY => {
            let mut page = match recover_page(&st, lang, f.csrf.clone()).await {
                Ok(p) => p,
                Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
            };
            page.login = f.login;
            page.p_mobile = f.mobile;
            page.p_errors = Errors::localized(&e, lang);
            form_response(render(&page), &e)
        }
        Err(e) => api_error_page(Chrome::signed_out(lang), &e),
    }
}

#[derive(Deserialize)]
pub struct ChallengeQuery {
    #[serde(default)]
    challenge: String,
}

#[handler]
pub async fn finish_form(req: &Request, q: Query<ChallengeQuery>) -> Response {
    let lang = Lang::of(req);
    match anonymous_token(req) {
        Ok((token, cookie)) => with_cookie(
            render(&FinishPage {
                chrome: Chrome::signed_out(lang),
                token,
                challenge_id: q.challenge.trim().to_owned(),
                code: String::new(),
                errors: Errors::none(),
            }),
            cookie,
        ),
        Err(e) => api_error_page(Chrome::signed_out(lang), &e),
    }
}

#[derive(Deserialize, Default)]
pub struct FinishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    challenge_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password2: String,
}

#[derive(Template)]
#[template(path = "recover_done.html")]
struct FinishedPage {
    chrome: Chrome,
}

#[handler]
pub async fn finish_submit(st: Data<&AppState>, req: &Request, form: Form<FinishForm>) -> Response {
    if let Some(r) = check_anonymous_token(req, &form.csrf) {
        return r;
    }
    let lang = Lang::of(req);
    let f = form.0;
    let result = if f.new_password != f.new_password2 {
        Err(ApiError::field(
            "new_password2",
            MISMATCH,
            "the passwords differ",
        ))
    } else {
        match uuid::Uuid::parse_str(f.challenge_id.trim()) {
            Ok(id) => recover_password_finish(&st, id, f.code.trim(), &f.new_password).await,
            Err(_) => Err(ApiError::field("code", "验证码不正确", "unknown challenge")),
        }
    };
    match result {
        Ok(()) => render(&FinishedPage {
            chrome: Chrome::signed_out(lang),
        }),
        Err(e) => {
            let page = FinishPage {
                chrome: Chrome::signed_out(lang),
                token: f.csrf,
                challenge_id: f.challenge_id,
                code: f.code,
                errors: Errors::localized(&e, lang),
            };
            form_response(render(&page), &e)
        }
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    action: &'static str,
    done: bool,
    /// The password was set by someone else: nothing else opens until it is changed.
    forced: bool,
    errors: Errors,
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password2: String,
}

fn password_page(v: &Visitor, action: &'static str, done: bool, errors: Errors) -> Response {
    render(&PasswordPage {
        chrome: Chrome::for_visitor(v, action),
        action,
        done,
        forced: v.must_change_password && !done,
        errors,
    })
}

async fn change(st: &AppState, v: &Visitor, action: &'static str, f: PasswordForm) -> Response {
    if let Some(r) = check_csrf(v, &f.csrf) {
        return r;
    }
    let result = if f.new_password == f.new_password2 {
        service::change_password(
            &st.store,
            &st.hasher,
            &st.clock,
            &v.principal,
            &f.current_password,
            &f.new_password,
            &v.token.hash(),
        )
        .await
        .map_err(ApiError::from)
    } else {
        Err(ApiError::field(
            "new_password2",
            MISMATCH,
            "the passwords differ",
        ))
    };
    match result {
        Ok(_) => password_page(v, action, true, Errors::none()),
        Err(e) => form_response(
            password_page(v, action, false, Errors::localized(&e, v.lang)),
            &e,
        ),
    }
}

#[handler]
pub async fn me_password_form(st: Data<&AppState>, req: &Request) -> Response {
    match gate(&st, req, &[Role::Applicant]).await {
        Ok(v) => password_page(&v, "/me/password", false, Errors::none()),
        Err(r) => r,
    }
}

#[handler]
pub async fn me_password_submit(
    st: Data<&AppState>,
    req: &Request,
    form: Form<PasswordForm>,
) -> Response {
    match gate(&st, req, &[Role::Applicant]).await {
        Ok(v) => change(&st, &v, "/me/password", form.0).await,
        Err(r) => r,
    }
}

#[handler]
pub async fn work_password_form(st: Data<&AppState>, req: &Request) -> Response {
    match gate(&st, req, STAFF).await {
        Ok(v) => password_page(&v, "/work/password", false, Errors::none()),
        Err(r) => r,
    }
}

#[handler]
pub async fn work_password_submit(
    st: Data<&AppState>,
    req: &Request,
    form: Form<PasswordForm>,
) -> Response {
    match gate(&st, req, STAFF).await {
        Ok(v) => change(&st, &v, "/work/password", form.0).await,
        Err(r) => r,
    }
}
