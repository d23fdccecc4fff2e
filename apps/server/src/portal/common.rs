//! Shared pieces of portal pages: the page chrome (navigation per role), gates that send
//! signed-out visitors to /login and wrong roles to a 403 page, CSRF checks, form errors keyed
//! by field, and small view helpers (organisation names by id, Beijing time, catalog options).
//! Nothing here decides a rule: it only shows what the domain answered.

use std::collections::HashMap;

use askama::Template;
use chrono::{DateTime, Utc};
use poem::http::{StatusCode, header};
use poem::{Request, Response};
use zhicheng_declaration::Catalog;
use zhicheng_identity::Organisation;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{OrgId, Role, SeriesCode, TitleLevel};

use super::i18n::Lang;
use super::{Visitor, render, visitor};
use crate::error::ApiError;
use crate::state::AppState;

/// One link of the navigation bar.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What every page shows around its content: navigation, who is signed in, the logout form,
/// the language switch — and the language of the page ([`Chrome::t`]).
pub struct Chrome {
    pub signed_in: bool,
    pub csrf: String,
    pub nav: Vec<NavLink>,
    pub who: String,
    pub lang: Lang,
}

impl Chrome {
    /// The chrome of a page seen by nobody in particular, in Chinese (pages not translated
    /// yet).
    pub fn anonymous() -> Chrome {
        Chrome::signed_out(Lang::Zh)
    }

    /// The chrome of a page seen before signing in, in `lang`.
    pub fn signed_out(lang: Lang) -> Chrome {
        Chrome {
            signed_in: false,
            csrf: String::new(),
            nav: Vec::new(),
            who: String::new(),
            lang,
        }
    }

    /// A page text in the page's language (the Chinese text is the catalog key).
    pub fn t<'a>(&self, zh: &'a str) -> &'a str {
        self.lang.t(zh)
    }

    /// Whether the page is in English (for sentences with values in them).
    pub fn en(&self) -> bool {
        self.lang.is_en()
    }

    /// The chrome of a signed-in visitor; `current` is the path of the page shown.
    pub fn for_visitor(v: &Visitor, current: &str) -> Chrome {
        let links = nav_links(v.principal.role);
        Chrome {
            signed_in: true,
            csrf: v.csrf(),
            nav: links
                .iter()
                .map(|(href, label)| NavLink {
                    href,
                    label: v.lang.t(label),
                    current: *href == current,
                })
                .collect(),
            who: v.lang.t(v.principal.role.zh()).to_owned(),
            lang: v.lang,
        }
    }
}

/// The navigation of each role: (path, Chinese label).
pub fn nav_links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Applicant => &[
            ("/me", "我的申报"),
            ("/me/declare", "新增申报"),
            ("/me/profile", "基本信息"),
            ("/me/password", "修改密码"),
        ],
        Role::UnitAdmin => &[
            ("/work", "单位信息"),
            ("/work/paths", "路径申请"),
            ("/work/cases", "申报审核与上报"),
            ("/work/operators", "单位经办人"),
            ("/work/password", "修改密码"),
        ],
        Role::DeptOperator => &[
            ("/work", "本部门"),
            ("/work/paths", "路径申请与审核"),
            ("/work/cases", "申报审核与上报"),
            ("/work/operators", "经办人"),
            ("/work/password", "修改密码"),
        ],
        Role::HrBureau => &[
            ("/work", "本机构"),
            ("/work/paths", "路径审核"),
            ("/work/cases", "受理与评审"),
            ("/work/plans", "评审计划"),
            ("/work/units", "单位管理"),
            ("/work/name-corrections", "姓名更正"),
            ("/work/password", "修改密码"),
        ],
        Role::CommitteeOrganiser => &[
            ("/work", "本机构"),
            ("/work/paths", "路径审核"),
            ("/work/cases", "受理与评审"),
            ("/work/plans", "评审计划"),
            ("/work/password", "修改密码"),
        ],
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: String,
    message: String,
    back: String,
}

/// A short page that explains what went wrong and links back; `title` and `message` are
/// shown in the page's language when the catalog has them.
pub fn error_page(chrome: Chrome, status: StatusCode, title: &str, message: &str) -> Response {
    let back = if chrome.signed_in { "/" } else { "/login" };
    let mut r = render(&ErrorPage {
        status: status.as_u16(),
        title: chrome.t(title).to_owned(),
        message: chrome.t(message).to_owned(),
        back: back.to_owned(),
        chrome,
    });
    r.set_status(status);
    r
}

/// The page for a service error that is not about a form.
pub fn api_error_page(chrome: Chrome, e: &ApiError) -> Response {
    let title = match e.status() {
        StatusCode::NOT_FOUND => "记录不存在",
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::INTERNAL_SERVER_ERROR => "系统内部错误",
        _ => "无法完成操作",
    };
    let message = chrome.lang.message(e.body());
    error_page(chrome, e.status(), title, &message)
}

fn forbidden(v: &Visitor) -> Response {
    let role = v.principal.role.zh();
    let message = match v.lang {
        Lang::Zh => format!(
            "您当前以“{role}”身份登录，此页面不适用于该身份。请使用导航栏中的功能，或退出后以其他账号登录。"
        ),
        Lang::En => format!(
            "You are signed in as “{}”, and this page is not for that role. Use the links of the navigation bar, or sign out and sign in with another account.",
            v.lang.t(role)
        ),
    };
    error_page(
        Chrome::for_visitor(v, ""),
        StatusCode::FORBIDDEN,
        "无权访问此页面",
        &message,
    )
}

/// The signed-in visitor if their role is one of `roles`; else the redirect to /login or the
/// 403 page to answer with.
pub async fn gate(st: &AppState, req: &Request, roles: &[Role]) -> Result<Visitor, Response> {
    let Some(v) = visitor(st, req).await else {
        return Err(super::to_login(req));
    };
    if roles.contains(&v.principal.role) {
        Ok(v)
    } else {
        Err(forbidden(&v))
    }
}

/// Every staff role.
pub const STAFF: &[Role] = &[
    Role::UnitAdmin,
    Role::DeptOperator,
    Role::HrBureau,
    Role::CommitteeOrganiser,
];

/// Staff roles that receive declarations and publish plans.
pub const RECEIVERS: &[Role] = &[Role::HrBureau, Role::CommitteeOrganiser];

fn csrf_refused(chrome: Chrome) -> Response {
    error_page(
        chrome,
        StatusCode::FORBIDDEN,
        "表单已失效",
        "表单校验码缺失或不正确，本次提交未作任何处理。请返回上一页，刷新后重新提交。",
    )
}

/// Checks the CSRF token of a signed-in visitor's form: the 403 page to answer when it fails.
pub fn check_csrf(v: &Visitor, presented: &str) -> Option<Response> {
    if !presented.is_empty() && presented == v.csrf() {
        None
    } else {
        Some(csrf_refused(Chrome::for_visitor(v, "")))
    }
}

/// Name of the cookie behind the CSRF token of forms filled in before signing in.
pub const FORM_COOKIE: &str = "zc_form";

/// The CSRF token of a signed-out visitor's form (double-submit cookie), and the Set-Cookie
/// value when a new one had to be made.
pub fn anonymous_token(req: &Request) -> Result<(String, Option<String>), ApiError> {
    if let Some(t) = super::cookie_value(req, FORM_COOKIE).filter(|t| t.len() == 32) {
        return Ok((t, None));
    }
    let bytes: [u8; 16] = zhicheng_store::runtime::random_bytes().map_err(ApiError::internal)?;
    let t = hex::encode(bytes);
    let cookie = format!("{FORM_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict");
    Ok((t, Some(cookie)))
}

/// Checks a signed-out visitor's form token against its cookie: the 403 page when it fails.
pub fn check_anonymous_token(req: &Request, presented: &str) -> Option<Response> {
    match super::cookie_value(req, FORM_COOKIE) {
        Some(c) if !presented.is_empty() && c == presented => None,
        _ => Some(csrf_refused(Chrome::signed_out(Lang::of(req)))),
    }
}

/// Adds a Set-Cookie header when there is one.
pub fn with_cookie(mut r: Response, cookie: Option<String>) -> Response {
    if let Some(v) = cookie.and_then(|c| c.parse().ok()) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// What went wrong with a form: a message for the top and one message per field.
#[derive(Default)]
pub struct Errors {
    pub message: Option<String>,
    fields: Vec<(String, String)>,
}

impl Errors {
    pub fn none() -> Errors {
        Errors::default()
    }

    /// The message and field problems of a service error, in `lang`.
    pub fn localized(e: &ApiError, lang: Lang) -> Errors {
        let b = e.body();
        Errors {
            message: Some(lang.message(b)),
            fields: b
                .fields
                .iter()
                .map(|f| (f.field.clone(), lang.field_message(f)))
                .collect(),
        }
    }

    /// The message and field problems of a service error (in Chinese).
    pub fn from_api(e: &ApiError) -> Errors {
        let b = e.body();
        Errors {
            message: Some(b.message.clone()),
            fields: b
                .fields
                .iter()
                .map(|f| (f.field.clone(), f.message.clone()))
                .collect(),
        }
    }

    /// Also shows the top message next to `field` (errors without their own field list).
    pub fn pin(mut self, field: &str) -> Errors {
        if self.fields.is_empty()
            && let Some(m) = &self.message
        {
            self.fields.push((field.to_owned(), m.clone()));
        }
        self
    }

    /// The message for one field (all of them, if several).
    pub fn get(&self, field: &str) -> Option<String> {
        let v: Vec<&str> = self
            .fields
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect();
        if v.is_empty() {
            None
        } else {
            Some(v.join("；"))
        }
    }

    /// Every field message, in order (for a summary at the top of a long form).
    pub fn list(&self) -> Vec<&str> {
        self.fields.iter().map(|(_, m)| m.as_str()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.message.is_none() && self.fields.is_empty()
    }
}

/// Re-rendered form with the status of its error (422 bad input, 409 conflict).
pub fn form_response(r: Response, e: &ApiError) -> Response {
    let mut r = r;
    r.set_status(e.status());
    r
}

/// Organisation names by id, fetched once for a whole list (no query per row).
pub struct OrgNames(HashMap<OrgId, Organisation>);

impl OrgNames {
    pub async fn load(st: &AppState) -> Result<OrgNames, ApiError> {
        let orgs = st.store.list_orgs(None).await?;
        Ok(OrgNames(orgs.into_iter().map(|o| (o.id, o)).collect()))
    }

    pub fn name(&self, id: OrgId) -> String {
        self.0
            .get(&id)
            .map_or_else(|| "（未知机构）".to_owned(), |o| o.name.as_str().to_owned())
    }

    pub fn all(&self) -> impl Iterator<Item = &Organisation> {
        self.0.values()
    }
}

/// An instant in Beijing time, as notices state deadlines.
pub fn beijing(t: DateTime<Utc>) -> String {
    zhicheng_declaration::plan::beijing(t)
}

/// A countdown to `end`, as the page shows it before any script runs.
pub struct Countdown {
    /// 距截止还有 N 天 M 小时.
    pub text: String,
    /// The end as RFC 3339, for the script that keeps the text current.
    pub end: String,
}

/// The countdown to `end` from `now` (距截止还有 N 天 M 小时, 距截止不足 1 小时, 申报已截止).
pub fn countdown(now: DateTime<Utc>, end: DateTime<Utc>) -> Countdown {
    let text = match zhicheng_declaration::plan::remaining(now, end) {
        None => "申报已截止".to_owned(),
        Some((0, 0, _)) => "距截止不足 1 小时".to_owned(),
        Some((d, h, _)) => format!("距截止还有 {d} 天 {h} 小时"),
    };
    Countdown {
        text,
        end: end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// The catalog name of a series, or its code.
pub fn series_name(catalog: &Catalog, code: &SeriesCode) -> String {
    catalog.series_name(code)
}

/// A choice in a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Every series of the catalog.
pub fn series_choices(catalog: &Catalog, selected: &str) -> Vec<Choice> {
    catalog
        .series()
        .iter()
        .map(|s| Choice {
            value: s.code.to_string(),
            label: format!("{}（{}）", s.name, s.code),
            selected: s.code.as_str() == selected,
        })
        .collect()
}

/// The given levels.
pub fn level_choices(levels: &[TitleLevel], selected: &str) -> Vec<Choice> {
    levels
        .iter()
        .map(|l| Choice {
            value: l.as_str().to_owned(),
            label: l.zh().to_owned(),
            selected: l.as_str() == selected,
        })
        .collect()
}

/// A non-empty query parameter or form value.
pub fn non_empty(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The province → city → district selects of a region field, server-rendered for the region
/// shown (each level listing the children of the level above); a small script refills the
/// lower levels from `/api/v1/divisions` when JavaScript runs, and a 显示下级地区 button does
/// the same by a round trip when it does not.
pub struct RegionPicker {
    pub provinces: Vec<Choice>,
    pub cities: Vec<Choice>,
    pub districts: Vec<Choice>,
}

impl RegionPicker {
    /// The picker showing `code` (empty or unknown codes show only the provinces).
    pub fn for_code(code: &str) -> RegionPicker {
        use zhicheng_kernel::divisions::{Division, children, path};
        let chosen = zhicheng_kernel::RegionCode::parse(code)
            .map(path)
            .unwrap_or_default();
        let at = |i: usize| chosen.get(i).map(|d| d.code);
        let choices = |list: Vec<&Division>, selected: Option<zhicheng_kernel::RegionCode>| {
            list.into_iter()
                .map(|d| Choice {
                    value: d.code.to_string(),
                    label: d.name.to_owned(),
                    selected: Some(d.code) == selected,
                })
                .collect()
        };
        RegionPicker {
            provinces: choices(children(None), at(0)),
            cities: at(0).map_or_else(Vec::new, |p| choices(children(Some(p)), at(1))),
            districts: at(1).map_or_else(Vec::new, |c| choices(children(Some(c)), at(2))),
        }
    }
}

/// The region a picker form submitted: the most specific level picked, else the typed code
/// (API-style forms post `region` directly).
pub fn picked_region(province: &str, city: &str, district: &str, typed: &str) -> String {
    [district, city, province, typed]
        .into_iter()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .to_owned()
}
