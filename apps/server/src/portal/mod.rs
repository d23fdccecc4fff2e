//! The web portal: server-rendered pages in Simplified Chinese, no JavaScript needed (small
//! scripts only enhance: countdowns, unsaved-copy recovery on the declaration page), every
//! download a plain link. Pages call the same domain services as the API; no rule lives here.
//!
//! Sessions ride in an HttpOnly, SameSite=Lax cookie holding the same kind of token the API
//! uses. State-changing forms carry a CSRF token derived from the session, and cross-origin
//! POSTs are refused.

mod account;
mod cases;
mod common;
pub(crate) mod declare;
pub mod i18n;
mod materials;
mod pages;
mod paths;
mod plans;
mod profile;
mod register;
mod staff;
mod work;

use askama::Template;
use poem::http::{StatusCode, header};
use poem::web::Html;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, post};
use sha2::{Digest, Sha256};
use zhicheng_identity::SessionToken;
use zhicheng_kernel::Principal;

use crate::auth::{SESSION_COOKIE, signed_in_for};
use crate::state::AppState;

/// All portal routes, behind the [`password_gate`].
pub fn routes() -> impl Endpoint {
    Route::new()
        .at("/", get(pages::home))
        .at("/login", get(pages::login_form).post(pages::login_submit))
        .at("/logout", post(pages::logout))
        .at("/lang/:code", get(i18n::switch))
        .at("/me", get(pages::me))
        .at("/recover", get(account::recover_form))
        .at("/recover/username", post(account::recover_username_submit))
        .at("/recover/password", post(account::recover_password_submit))
        .at(
            "/recover/password/finish",
            get(account::finish_form).post(account::finish_submit),
        )
        .at(
            "/me/password",
            get(account::me_password_form).post(account::me_password_submit),
        )
        .at(
            "/work/password",
            get(account::work_password_form).post(account::work_password_submit),
        )
        .at(
            "/me/declarations/:id/certificate",
            get(pages::download_certificate),
        )
        .at(
            "/me/declarations/:id/certificate.pdf",
            get(pages::download_certificate_pdf),
        )
        .at("/verify/:code", get(pages::verify))
        .at(
            "/register",
            get(register::person_form).post(register::person_submit),
        )
        .at(
            "/register/unit",
            get(register::unit_form).post(register::unit_submit),
        )
        .at(
            "/commitment",
            get(declare::commitment).post(declare::accept_commitment),
        )
        .at(
            "/me/declare",
            get(declare::new_form).post(declare::create_declaration),
        )
        .at(
            "/me/declarations/:id",
            get(declare::detail).post(declare::save),
        )
        .at("/me/declarations/:id/submit", post(declare::submit))
        .at("/me/declarations/:id/attachments", post(declare::upload))
        .at(
            "/files/declarations/:id/review-form.pdf",
            get(declare::review_form),
        )
        .at("/files/attachments/:id", get(declare::attachment_file))
        .at("/files/attachments/:id/view", get(declare::attachment_view))
        .at("/work", get(work::home))
        .at("/work/permission", post(work::apply_permission))
        .at("/work/units/:id/decision", post(work::decide_unit))
        .at("/work/paths", get(paths::page).post(paths::request))
        .at("/work/paths/:id/decision", post(paths::decide))
        .at("/work/paths/:id/revoke", post(paths::revoke))
        .at("/work/cases", get(cases::page))
        .at("/work/cases/batch", post(cases::batch_act))
        .at("/work/cases/summary.xlsx", get(cases::summary_xlsx))
        .at("/work/cases/summary.pdf", get(cases::summary_pdf))
        .at("/work/cases/:id", get(cases::detail))
        .at("/work/cases/:id/:action", post(cases::act))
        .at("/work/plans", get(plans::page).post(plans::create))
        .at(
            "/work/operators",
            get(staff::operators).post(staff::create_operator),
        )
        .at("/work/operators/:id/:action", post(staff::operator_action))
        .at("/work/units", get(staff::units_home))
        .at(
            "/work/units/:id/reset-admin-password",
            post(staff::reset_unit_admin),
        )
        .at("/work/units/:id/correct", post(staff::correct_unit))
        .at("/work/name-corrections", get(staff::name_corrections))
        .at(
            "/work/name-corrections/:id/decision",
            post(staff::decide_name_correction),
        )
        .at(
            "/me/profile",
            get(profile::profile).post(profile::save_profile),
        )
        .at("/me/name-corrections", post(profile::request_correction))
        .at(
            "/files/name-corrections/:id/evidence",
            get(profile::evidence_file),
        )
        .at("/work/plans/:id/:action", post(plans::set_open))
        .around(password_gate)
}

/// The signed-in visitor of a portal page.
#[derive(Clone)]
pub struct Visitor {
    pub principal: Principal,
    pub token: SessionToken,
    /// The password was set by someone else: every page but 修改密码 redirects there.
    pub must_change_password: bool,
    /// The language the pages are shown in.
    pub lang: i18n::Lang,
}

impl Visitor {
    pub fn csrf(&self) -> String {
        csrf_for(&self.token)
    }
}

pub fn csrf_for(token: &SessionToken) -> String {
    hex::encode(&Sha256::digest(format!("{}:csrf", token.expose()).as_bytes())[..16])
}

fn cookie_value(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The visitor behind the session cookie, if the session is alive (looked up once per
/// request: [`password_gate`] leaves it in the request).
pub async fn visitor(st: &AppState, req: &Request) -> Option<Visitor> {
    if let Some(Resolved(v)) = req.extensions().get::<Resolved>() {
        return v.clone();
    }
    resolve(st, req).await
}

async fn resolve(st: &AppState, req: &Request) -> Option<Visitor> {
    let token = SessionToken::presented(&cookie_value(req, SESSION_COOKIE)?);
    let signed_in = signed_in_for(st, &token).await?;
    Some(Visitor {
        principal: signed_in.principal,
        token,
        must_change_password: signed_in.must_change_password,
        lang: i18n::Lang::of(req),
    })
}

/// The visitor of the current request, as [`password_gate`] found it.
#[derive(Clone)]
struct Resolved(Option<Visitor>);

/// Where a visitor changes their password.
pub fn password_page_of(v: &Visitor) -> &'static str {
    if v.principal.role == zhicheng_kernel::Role::Applicant {
        "/me/password"
    } else {
        "/work/password"
    }
}

/// Pages a visitor with a password set by someone else may still open: the password page,
/// signing out and everything that needs no session.
fn open_while_password_pending(path: &str) -> bool {
    let signed_in_area = path == "/"
        || ["/me", "/work", "/files", "/commitment"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    !signed_in_area || path == "/me/password" || path == "/work/password"
}

/// Sends a visitor whose password was set by someone else (a bureau's one-time password, an
/// administrator's initial password) to 修改密码 from every signed-in page until they change
/// it — the rule is `identity::service::SignedIn::for_business`. Leaves the visitor in the
/// request so pages do not look the session up again.
pub async fn password_gate<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let v = match req.data::<AppState>() {
        Some(st) => resolve(st, &req).await,
        None => None,
    };
    if let Some(v) = &v
        && v.must_change_password
        && !open_while_password_pending(req.uri().path())
    {
        return Ok(redirect(password_page_of(v)));
    }
    req.extensions_mut().insert(Resolved(v));
    Ok(next.call(req).await?.into_response())
}

pub fn session_cookie(token: &SessionToken, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        token.expose(),
        zhicheng_identity::SessionPolicy::default()
            .absolute
            .num_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// `next` if it is a same-site relative path to return to after signing in: it starts with
/// one `/` (not `//` or `/\`, which browsers read as another host), carries no backslash,
/// whitespace or control character, and is not the login or logout page itself. Anything else
/// (`https://evil`, `//evil`, `javascript:`) is ignored.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.len() <= 2048
        && !next.chars().any(|c| c.is_control() || c.is_whitespace())
        && !matches!(next.split(['?', '#']).next(), Some("/login" | "/logout"));
    ok.then_some(next)
}

/// Where a signed-out visitor was: the requested path (GET), or for a form post the page it
/// was posted from (the same-host `Referer`), so signing in brings them back there.
fn return_path(req: &Request) -> Option<String> {
    if req.method() == poem::http::Method::GET {
        return req.uri().path_and_query().map(|p| p.as_str().to_owned());
    }
    let referer: poem::http::Uri = req
        .headers()
        .get(header::REFERER)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    let host = req.headers().get(header::HOST)?.to_str().ok()?;
    if referer.authority().map(|a| a.as_str()) != Some(host) {
        return None;
    }
    referer.path_and_query().map(|p| p.as_str().to_owned())
}

/// The redirect to /login for a signed-out (or expired) visitor, with `next=` pointing back to
/// the page they were on when it is a safe same-site path.
pub fn to_login(req: &Request) -> Response {
    match return_path(req).as_deref().and_then(safe_next) {
        Some(next) => {
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            redirect(&format!("/login?{q}"))
        }
        None => redirect("/login"),
    }
}

pub fn redirect(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .finish()
}

/// Renders a template, answering 500 (logged) if rendering fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!("template failed: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<h1>系统内部错误</h1>".to_owned()),
            )
                .into_response()
        }
    }
}

/// Refuses state-changing requests whose `Origin` is another site (CSRF defence in depth).
pub async fn same_origin<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    if req.method() == poem::http::Method::POST && !req.uri().path().starts_with("/api/") {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if let Some(origin) = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
        {
            let origin_host = origin.split("://").nth(1).unwrap_or(origin);
            if origin != "null" && origin_host != host {
                return Ok((
                    StatusCode::FORBIDDEN,
                    Html("<h1>403 跨站请求被拒绝</h1>".to_owned()),
                )
                    .into_response());
            }
        }
    }
    Ok(next.call(req).await?.into_response())
}
