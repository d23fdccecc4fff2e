//! 路径申请 / 路径审核 (/work/paths): the organisation's outgoing path links with their status,
//! the 新增路径 form, and incoming requests with 通过 / 驳回. The rules are
//! `approval_path::service::{request_path, decide_path}`'s.

use askama::Template;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;
use zhicheng_approval_path::PathLink;
use zhicheng_approval_path::service::{decide_path, my_links, request_path, revoke_path};
use zhicheng_declaration::Catalog;
use zhicheng_declaration::PlanStatus;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_kernel::Localized;
use zhicheng_kernel::{FieldError, OrgId, PathLinkId, Role, TitleLevel};
use zhicheng_review_workflow::health::path_health;

use super::common::{
    Choice, Chrome, Errors, OrgNames, STAFF, api_error_page, beijing, check_csrf, form_response,
    gate, level_choices, non_empty, series_choices, series_name,
};
use super::work::{DecisionForm, no_decision};
use super::{Visitor, redirect, render};
use crate::api::plans::parse_series;
use crate::error::ApiError;
use crate::state::AppState;

const REQUESTERS: &[Role] = &[Role::UnitAdmin, Role::DeptOperator];

struct LinkView {
    id: String,
    series_name: String,
    level_name: String,
    /// The other organisation: the parent (outgoing) or the requester (incoming).
    other: String,
    status: String,
    status_code: String,
    note: String,
    requested_at: String,
    decided_at: String,
    pending: bool,
    approved: bool,
}

/// One row of the 路径健康检查 section.
struct HealthView {
    plan: String,
    unit: String,
    series_name: String,
    level_name: String,
    complete: bool,
    message: String,
}

fn link_view(l: &PathLink, other: OrgId, names: &OrgNames, catalog: &Catalog) -> LinkView {
    LinkView {
        id: l.id.0.to_string(),
        series_name: series_name(catalog, &l.series),
        level_name: l.level.zh().to_owned(),
        other: names.name(other),
        status: l.status.zh().to_owned(),
        status_code: l.status.as_str().to_owned(),
        note: l.note.clone().unwrap_or_default(),
        requested_at: beijing(l.requested_at),
        decided_at: l.decided_at.map(beijing).unwrap_or_default(),
        pending: l.status == zhicheng_approval_path::LinkStatus::Pending,
        approved: l.status == zhicheng_approval_path::LinkStatus::Approved,
    }
}

#[derive(Deserialize, Default)]
pub struct NewPathForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    parent_id: String,
}

#[derive(Template)]
#[template(path = "paths.html")]
struct PathsPage {
    chrome: Chrome,
    can_request: bool,
    outgoing: Vec<LinkView>,
    incoming: Vec<LinkView>,
    series: Vec<Choice>,
    levels: Vec<Choice>,
    parents: Vec<Choice>,
    health: Vec<HealthView>,
    /// Whether any plan is open (the health section is shown for open plans).
    open_plans: bool,
    errors: Errors,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct PathsQuery {
    done: Option<String>,
}

async fn paths_page(
    st: &AppState,
    v: &Visitor,
    f: NewPathForm,
    errors: Errors,
    notice: Option<String>,
) -> Response {
    let chrome = Chrome::for_visitor(v, "/work/paths");
    let loaded = async {
        let (out, inc) = my_links(&st.store, &v.principal).await?;
        let names = OrgNames::load(st).await?;
        let catalog = st.store.current_catalog().await?;
        let plans: Vec<_> = st
            .store
            .list_plans()
            .await?
            .into_iter()
            .filter(|p| p.status == PlanStatus::Open)
            .collect();
        let mut health = Vec::new();
        for p in &plans {
            for e in path_health(&st.store, &st.store, &v.principal, p.id).await? {
                health.push(HealthView {
                    plan: p.name.clone(),
                    unit: e.unit_name.clone(),
                    series_name: series_name(&catalog, &e.key.series),
                    level_name: e.key.level.zh().to_owned(),
                    complete: e.route.is_ok(),
                    message: match &e.route {
                        Ok(hops) => format!(
                            "上报路径完整：{}",
                            hops.iter()
                                .map(|h| h.1.as_str())
                                .collect::<Vec<_>>()
                                .join(" → ")
                        ),
                        Err(err) => err.zh(),
                    },
                });
            }
        }
        Ok::<_, ApiError>((out, inc, names, health, !plans.is_empty(), catalog))
    }
    .await;
    let (out, inc, names, health, open_plans, catalog) = match loaded {
        Ok(x) => x,
        Err(e) => return api_error_page(chrome, &e),
    };
    let own = v.principal.org_id;
    let mut parents: Vec<Choice> = names
        .all()
        .filter(|o| o.kind.can_be_path_parent() && Some(o.id) != own)
        .map(|o| Choice {
            value: o.id.0.to_string(),
            label: format!("{}（{}）", o.name.as_str(), o.kind.zh()),
            selected: o.id.0.to_string() == f.parent_id,
        })
        .collect();
    parents.sort_by(|a, b| a.label.cmp(&b.label));
    let out = PathsPage {
        chrome,
        can_request: REQUESTERS.contains(&v.principal.role),
        outgoing: out
            .iter()
            .map(|l| link_view(l, l.parent_id, &names, &catalog))
            .collect(),
        incoming: inc
            .iter()
            .map(|l| link_view(l, l.org_id, &names, &catalog))
            .collect(),
        series: series_choices(&catalog, &f.series),
        levels: level_choices(&TitleLevel::ALL, &f.level),
        parents,
        health,
        open_plans,
        errors,
        notice,
    };
    render(&out)
}

#[handler]
pub async fn page(st: Data<&AppState>, req: &Request, q: Query<PathsQuery>) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let notice = match q.done.as_deref() {
        Some("requested") => Some("路径申请已提交，等待上级审核。".to_owned()),
        Some("decided") => Some("审核结果已保存。".to_owned()),
        Some("revoked") => {
            Some("路径已撤销：已上报的申报不受影响，新的上报需重新申请路径。".to_owned())
        }
        _ => None,
    };
    paths_page(&st, &v, NewPathForm::default(), Errors::none(), notice).await
}

/// 新增路径.
#[handler]
pub async fn request(st: Data<&AppState>, req: &Request, form: Form<NewPathForm>) -> Response {
    let v = match gate(&st, req, REQUESTERS).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let f = form.0;
    let mut fields = Vec::new();
    let series = parse_series(&f.series)
        .map_err(|_| {
            fields.push(FieldError::new(
                "series",
                "series.invalid",
                "请选择职称系列",
                "choose a series",
            ))
        })
        .ok();
    let level = TitleLevel::parse(&f.level)
        .map_err(|_| {
            fields.push(FieldError::new(
                "level",
                "level.invalid",
                "请选择级别",
                "choose a level",
            ))
        })
        .ok();
    let parent = non_empty(&f.parent_id)
        .and_then(|p| Uuid::parse_str(p).ok())
        .ok_or_else(|| {
            fields.push(FieldError::new(
                "parent_id",
                "parent_id.invalid",
                "请选择上级部门",
                "choose the upper organisation",
            ))
        })
        .ok();
    let result = match (series, level, parent) {
        (Some(series), Some(level), Some(parent)) => request_path(
            &st.store,
            &st.store,
            &st.clock,
            &st.ids,
            &v.principal,
            series,
            level,
            OrgId(parent),
        )
        .await
        .map_err(ApiError::from),
        _ => Err(ApiError::invalid(
            "path.invalid",
            "路径申请信息有误，请按提示修改",
            "invalid path request",
            fields,
        )),
    };
    match result {
        Ok(_) => redirect("/work/paths?done=requested"),
        Err(e) => {
            let errors = match e.body().code.as_str() {
                "path.bad_parent" | "path.self_parent" | "path.outside_region" | "not_found" => {
                    Errors::from_api(&e).pin("parent_id")
                }
                _ => Errors::from_api(&e),
            };
            form_response(paths_page(&st, &v, f, errors, None).await, &e)
        }
    }
}

/// 路径审核: 通过 / 驳回 a request addressed to the visitor's organisation.
#[handler]
pub async fn decide(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<DecisionForm>,
) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, form.csrf()) {
        return r;
    }
    let result = match form.approve() {
        Some(approve) => decide_path(
            &st.store,
            &st.clock,
            &v.principal,
            PathLinkId(id.0),
            approve,
            form.note(),
        )
        .await
        .map_err(ApiError::from),
        None => Err(no_decision()),
    };
    match result {
        Ok(_) => redirect("/work/paths?done=decided"),
        Err(e) => form_response(
            paths_page(&st, &v, NewPathForm::default(), Errors::from_api(&e), None).await,
            &e,
        ),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// 撤销: the parent withdraws an approved path, with a reason.
#[handler]
pub async fn revoke(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<RevokeForm>,
) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let result = revoke_path(
        &st.store,
        &st.clock,
        &v.principal,
        PathLinkId(id.0),
        form.reason.clone(),
    )
    .await
    .map_err(ApiError::from);
    match result {
        Ok(_) => redirect("/work/paths?done=revoked"),
        Err(e) => form_response(
            paths_page(&st, &v, NewPathForm::default(), Errors::from_api(&e), None).await,
            &e,
        ),
    }
}
