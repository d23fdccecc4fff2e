//! Portal page handlers.

use askama::Template;
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::Role;

use super::common::{Chrome, api_error_page};
use super::i18n::Lang;
use super::{Visitor, clear_cookie, redirect, render, session_cookie, visitor};
use crate::api::accounts::{CaptchaIssued, issue_captcha, sign_in};
use crate::api::certificates::{certificate_file, certificate_pdf_file, holders_certificate};
use crate::error::ApiError;
use crate::state::AppState;
use zhicheng_identity::service::CaptchaAnswer;

#[handler]
pub async fn home(st: Data<&AppState>, req: &Request) -> Response {
    match visitor(&st, req).await {
        Some(v) => redirect(landing(&v)),
        None => redirect("/login"),
    }
}

fn landing(v: &Visitor) -> &'static str {
    match v.principal.role {
        Role::Applicant => "/me",
        _ => "/work",
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    login: String,
    error: Option<String>,
    captcha: CaptchaIssued,
    captcha_error: Option<String>,
    /// A safe same-site path to return to after signing in (empty: the landing page).
    next: String,
    /// Signed out just now: the page clears unsaved form copies kept in this browser.
    signed_out: bool,
}

impl LoginPage {
    /// The query string that keeps `next` (for the “another captcha” link).
    fn next_query(&self) -> String {
        if self.next.is_empty() {
            String::new()
        } else {
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &self.next)
                .finish();
            format!("?{q}")
        }
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

#[handler]
pub async fn login_form(st: Data<&AppState>, req: &Request, q: Query<LoginQuery>) -> Response {
    let lang = Lang::of(req);
    let captcha = match issue_captcha(&st).await {
        Ok(c) => c,
        Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
    };
    render(&LoginPage {
        chrome: Chrome::signed_out(lang),
        login: String::new(),
        error: None,
        captcha,
        captcha_error: None,
        next: q
            .next
            .as_deref()
            .and_then(super::safe_next)
            .unwrap_or_default()
            .to_owned(),
        signed_out: q.signed_out.is_some(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    captcha_id: String,
    #[serde(default)]
    captcha_answer: String,
    /// Where to go after signing in; ignored unless [`super::safe_next`] accepts it.
    #[serde(default)]
    next: String,
}

#[handler]
pub async fn login_submit(st: Data<&AppState>, req: &Request, form: Form<LoginForm>) -> Response {
    let captcha_answer = CaptchaAnswer {
        id: uuid::Uuid::parse_str(form.captcha_id.trim()).ok(),
        answer: form.captcha_answer.clone(),
    };
    let client = crate::auth::client_ip(&st, req);
    match sign_in(
        &st,
        client.as_deref(),
        &captcha_answer,
        &form.login,
        &form.password,
    )
    .await
    {
        Ok((token, signed_in)) => {
            let secure = req.uri().scheme_str() == Some("https");
            let landing = match (signed_in.must_change_password, signed_in.principal.role) {
                (true, Role::Applicant) => "/me/password",
                (true, _) => "/work/password",
                (false, Role::Applicant) => "/me",
                (false, _) => "/work",
            };
            // A forced password change comes before going back anywhere.
            let to = if signed_in.must_change_password {
                landing
            } else {
                super::safe_next(&form.next).unwrap_or(landing)
            };
            let mut r = redirect(to);
            if let Ok(v) = session_cookie(&token, secure).parse() {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let lang = Lang::of(req);
            let status = e.status();
            let captcha = match issue_captcha(&st).await {
                Ok(c) => c,
                Err(e) => return api_error_page(Chrome::signed_out(lang), &e),
            };
            let captcha_error = e
                .body()
                .fields
                .iter()
                .find(|f| f.field == "captcha_answer")
                .map(|f| lang.field_message(f));
            let mut r = render(&LoginPage {
                chrome: Chrome::signed_out(lang),
                login: form.login.clone(),
                error: captcha_error.is_none().then(|| lang.message(e.body())),
                captcha,
                captcha_error,
                next: super::safe_next(&form.next).unwrap_or_default().to_owned(),
                signed_out: false,
            });
            r.set_status(if status == StatusCode::UNAUTHORIZED {
                StatusCode::OK
            } else {
                status
            });
            r
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[handler]
pub async fn logout(st: Data<&AppState>, req: &Request, form: Form<CsrfForm>) -> Response {
    if let Some(v) = visitor(&st, req).await {
        if form.csrf != v.csrf() {
            return (StatusCode::FORBIDDEN, "CSRF token mismatch").into_response();
        }
        if let Err(e) = st.store.delete_session(&v.token.hash()).await {
            tracing::error!("logout failed: {e}");
        }
    }
    let mut r = redirect("/login?signed_out=1");
    if let Ok(v) = clear_cookie().parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

struct MeRow {
    href: String,
    year: i32,
    series_name: String,
    level_name: String,
    title_name: String,
    specialty: String,
    status_name: String,
    certificate_status: String,
    download: Option<String>,
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    chrome: Chrome,
    notice: Option<String>,
    rows: Vec<MeRow>,
}

#[handler]
pub async fn me(st: Data<&AppState>, req: &Request) -> Response {
    let Some(v) = visitor(&st, req).await else {
        return super::to_login(req);
    };
    if v.principal.role != Role::Applicant {
        return redirect(landing(&v));
    }
    let rows = match crate::views::my_declarations(&st, &v.principal).await {
        Ok(r) => r,
        Err(e) => return api_error_page(Chrome::for_visitor(&v, "/me"), &e),
    };
    let rows = rows
        .iter()
        .map(|r| {
            let d = &r.declaration;
            MeRow {
                href: format!("/me/declarations/{}", d.id.0),
                year: d.year,
                series_name: r.series_name.clone(),
                level_name: d.level.zh().to_owned(),
                title_name: r.title_name.clone(),
                specialty: d.specialty.clone(),
                status_name: r.status_zh().to_owned(),
                certificate_status: r.certificate_status_zh().to_owned(),
                download: r
                    .certificate
                    .as_ref()
                    .filter(|c| c.status == zhicheng_certificate::CertificateStatus::Valid)
                    .map(|_| format!("/me/declarations/{}/certificate", d.id.0)),
            }
        })
        .collect();
    render(&MePage {
        chrome: Chrome::for_visitor(&v, "/me"),
        notice: None,
        rows,
    })
}

#[handler]
pub async fn download_certificate(
    st: Data<&AppState>,
    req: &Request,
    id: Path<uuid::Uuid>,
) -> Response {
    let Some(v) = visitor(&st, req).await else {
        return super::to_login(req);
    };
    let file = match holders_certificate(&st, &v.principal, id.0)
        .await
        .and_then(|c| certificate_file(&c))
    {
        Ok(f) => f,
        Err(e) => return api_error_page(Chrome::for_visitor(&v, "/me"), &e),
    };
    attachment(file, "application/json; charset=utf-8")
}

/// 下载证书: the certificate as a PDF with its QR code (the signed data is attached inside).
#[handler]
pub async fn download_certificate_pdf(
    st: Data<&AppState>,
    req: &Request,
    id: Path<uuid::Uuid>,
) -> Response {
    let Some(v) = visitor(&st, req).await else {
        return super::to_login(req);
    };
    let file = match holders_certificate(&st, &v.principal, id.0).await {
        Ok(c) => certificate_pdf_file(&st, &c).await,
        Err(e) => Err(e),
    };
    match file {
        Ok(f) => attachment(f, "application/pdf"),
        Err(e) => api_error_page(Chrome::for_visitor(&v, "/me"), &e),
    }
}

pub(super) fn attachment((name, bytes): (String, Vec<u8>), content_type: &str) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .header("X-Content-Type-Options", "nosniff")
        .header(header::CACHE_CONTROL, "no-store")
        .body(bytes)
}

struct VerifiedCert {
    valid: bool,
    number: String,
    holder_name: String,
    holder_id_masked: String,
    title_name: String,
    series_name: String,
    level_name: String,
    specialty: String,
    passed_on: String,
    issuer_name: String,
    status_name: String,
    digest: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    cert: Option<VerifiedCert>,
}

#[handler]
pub async fn verify(st: Data<&AppState>, code: Path<String>) -> Response {
    let found = match zhicheng_certificate::service::lookup_by_code(&st.store, &code.0).await {
        Ok(c) => c,
        Err(e) => return api_error_page(Chrome::anonymous(), &ApiError::from(e)),
    };
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let cert = found.map(|c| {
        let p = &c.document.payload;
        VerifiedCert {
            valid: c.status == zhicheng_certificate::CertificateStatus::Valid,
            number: p.number.clone(),
            holder_name: p.holder_name.clone(),
            holder_id_masked: p.holder_id_masked.clone(),
            title_name: p.title_name.clone(),
            series_name: p.series_name.clone(),
            level_name: p.level_name.clone(),
            specialty: p.specialty.clone(),
            passed_on: p.passed_on.to_string(),
            issuer_name: p.issuer_name.clone(),
            status_name: c.status.zh().to_owned(),
            digest: p.digest(),
        }
    });
    let mut r = render(&VerifyPage {
        chrome: Chrome::anonymous(),
        cert,
    });
    r.set_status(status);
    r
}
