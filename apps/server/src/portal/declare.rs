//! The applicant's declaration module: the commitment letter (承诺书), 新增申报信息 and one
//! declaration's page (edit the materials of a draft, 确定申报, then follow where it is).
//! Every rule — the letter, the plan window, the unit's permission, what must be filled in —
//! is the domain's; these handlers show what it answered.

use askama::Template;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;
use zhicheng_declaration::commitment::CURRENT;
use zhicheng_declaration::plan::PlanStatus;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::{Catalog, DeclarationStatus, Materials, ReviewPlan};
use zhicheng_identity::OrgKind;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{DeclarationId, PersonId, Role};

use super::common::{
    Choice, Chrome, Errors, OrgNames, api_error_page, beijing, check_csrf, form_response, gate,
    level_choices, non_empty, series_name,
};
use super::{Visitor, redirect, render};
use crate::api::declarations::{CreateDeclarationRequest, MaterialsDto, create};
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::my_declarations;

const APPLICANT: &[Role] = &[Role::Applicant];

#[derive(Template)]
#[template(path = "commitment.html")]
struct CommitmentPage {
    chrome: Chrome,
    title: &'static str,
    body: &'static str,
    version: &'static str,
    accepted_at: Option<String>,
}

async fn accepted_at(st: &AppState, person: Option<PersonId>) -> Result<Option<String>, ApiError> {
    let Some(person) = person else {
        return Err(ApiError::forbidden());
    };
    Ok(st
        .store
        .get_commitment(person, CURRENT.version)
        .await?
        .map(|a| beijing(a.accepted_at)))
}

#[handler]
pub async fn commitment(st: Data<&AppState>, req: &Request) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let chrome = Chrome::for_visitor(&v, "/me/declare");
    match accepted_at(&st, v.principal.person_id).await {
        Ok(accepted_at) => render(&CommitmentPage {
            chrome,
            title: CURRENT.title,
            body: CURRENT.body,
            version: CURRENT.version,
            accepted_at,
        }),
        Err(e) => api_error_page(chrome, &e),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

#[handler]
pub async fn accept_commitment(
    st: Data<&AppState>,
    req: &Request,
    form: Form<CsrfOnly>,
) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    match zhicheng_declaration::service::accept_commitment(&st.store, &st.clock, &v.principal).await
    {
        Ok(_) => redirect("/me/declare"),
        Err(e) => api_error_page(Chrome::for_visitor(&v, "/me/declare"), &ApiError::from(e)),
    }
}

/// The written sections as typed.
#[derive(Deserialize, Default, Clone)]
pub struct MaterialsForm {
    #[serde(default)]
    education: String,
    #[serde(default)]
    current_title: String,
    #[serde(default)]
    work_history: String,
    #[serde(default)]
    achievements: String,
    #[serde(default)]
    summary: String,
}

impl From<&Materials> for MaterialsForm {
    fn from(m: &Materials) -> Self {
        MaterialsForm {
            education: m.education.clone(),
            current_title: m.current_title.clone(),
            work_history: m.work_history.clone(),
            achievements: m.achievements.clone(),
            summary: m.summary.clone(),
        }
    }
}

impl From<MaterialsForm> for Materials {
    fn from(m: MaterialsForm) -> Self {
        Materials {
            education: m.education,
            current_title: m.current_title,
            work_history: m.work_history,
            achievements: m.achievements,
            summary: m.summary,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    plan_id: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    specialty: String,
    #[serde(default)]
    education: String,
    #[serde(default)]
    current_title: String,
    #[serde(default)]
    work_history: String,
    #[serde(default)]
    achievements: String,
    #[serde(default)]
    summary: String,
}

impl NewForm {
    fn materials(&self) -> MaterialsForm {
        MaterialsForm {
            education: self.education.clone(),
            current_title: self.current_title.clone(),
            work_history: self.work_history.clone(),
            achievements: self.achievements.clone(),
            summary: self.summary.clone(),
        }
    }
}

struct PlanView {
    id: String,
    name: String,
    year: i32,
    series_name: String,
    levels: String,
    window: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "declare.html")]
struct NewPage {
    chrome: Chrome,
    plans: Vec<PlanView>,
    plan: Option<PlanView>,
    levels: Vec<Choice>,
    units: Vec<Choice>,
    f: NewForm,
    m: MaterialsForm,
    errors: Errors,
    draft: bool,
}

fn plan_view(p: &ReviewPlan, selected: bool) -> PlanView {
    PlanView {
        id: p.id.0.to_string(),
        name: p.name.clone(),
        year: p.year,
        series_name: series_name(&p.series),
        levels: p
            .levels
            .iter()
            .map(|l| l.zh())
            .collect::<Vec<_>>()
            .join("、"),
        window: format!(
            "{} 至 {}（北京时间）",
            beijing(p.window_start),
            beijing(p.window_end)
        ),
        selected,
    }
}

#[derive(Deserialize)]
pub struct PlanQuery {
    plan: Option<String>,
}

/// The applicant must accept the letter first: the page to go to, if so.
async fn letter_gate(st: &AppState, v: &Visitor) -> Option<Response> {
    match zhicheng_declaration::service::needs_commitment(&st.store, &v.principal).await {
        Ok(false) => None,
        Ok(true) => Some(redirect("/commitment")),
        Err(e) => Some(api_error_page(
            Chrome::for_visitor(v, "/me/declare"),
            &ApiError::from(e),
        )),
    }
}

async fn new_page(st: &AppState, v: &Visitor, f: NewForm, errors: Errors) -> Response {
    let chrome = Chrome::for_visitor(v, "/me/declare");
    let loaded = async {
        let plans = st.store.list_plans().await?;
        let units = st.store.list_orgs(Some(OrgKind::EmployerUnit)).await?;
        Ok::<_, ApiError>((plans, units))
    }
    .await;
    let (plans, units) = match loaded {
        Ok(x) => x,
        Err(e) => return api_error_page(chrome, &e),
    };
    let open: Vec<&ReviewPlan> = plans
        .iter()
        .filter(|p| p.status == PlanStatus::Open)
        .collect();
    let chosen = open
        .iter()
        .find(|p| p.id.0.to_string() == f.plan_id)
        .or(if open.len() == 1 { open.first() } else { None })
        .copied();
    let page = NewPage {
        chrome,
        plans: open
            .iter()
            .map(|p| plan_view(p, chosen.is_some_and(|c| c.id == p.id)))
            .collect(),
        plan: chosen.map(|p| plan_view(p, true)),
        levels: chosen.map_or_else(Vec::new, |p| level_choices(&p.levels, &f.level)),
        units: units
            .iter()
            .filter(|u| u.has_permission())
            .map(|u| Choice {
                value: u.id.0.to_string(),
                label: u.name.as_str().to_owned(),
                selected: u.id.0.to_string() == f.unit_id,
            })
            .collect(),
        m: f.materials(),
        f,
        errors,
        draft: true,
    };
    render(&page)
}

#[handler]
pub async fn new_form(st: Data<&AppState>, req: &Request, q: Query<PlanQuery>) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = letter_gate(&st, &v).await {
        return r;
    }
    let f = NewForm {
        plan_id: q.0.plan.unwrap_or_default(),
        ..NewForm::default()
    };
    new_page(&st, &v, f, Errors::none()).await
}

#[handler]
pub async fn create_declaration(
    st: Data<&AppState>,
    req: &Request,
    form: Form<NewForm>,
) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let f = form.0;
    let plan_id = Uuid::parse_str(f.plan_id.trim()).ok();
    let unit_id = Uuid::parse_str(f.unit_id.trim()).ok();
    let result = match (plan_id, unit_id) {
        (Some(plan_id), Some(unit_id)) => {
            let m = f.materials();
            create(
                &st,
                &v.principal,
                CreateDeclarationRequest {
                    plan_id,
                    unit_id,
                    level: f.level.clone(),
                    specialty: f.specialty.clone(),
                    materials: MaterialsDto {
                        education: m.education,
                        current_title: m.current_title,
                        work_history: m.work_history,
                        achievements: m.achievements,
                        summary: m.summary,
                    },
                },
            )
            .await
        }
        _ => {
            let mut fields = Vec::new();
            if plan_id.is_none() {
                fields.push(zhicheng_kernel::FieldError::new(
                    "plan_id",
                    "plan_id.required",
                    "请选择评审计划",
                    "choose a plan",
                ));
            }
            if unit_id.is_none() {
                fields.push(zhicheng_kernel::FieldError::new(
                    "unit_id",
                    "unit_id.required",
                    "请选择用人单位",
                    "choose your employer unit",
                ));
            }
            Err(ApiError::invalid(
                "declaration.invalid",
                "申报信息有误，请按提示修改",
                "invalid declaration",
                fields,
            ))
        }
    };
    match result {
        Ok(d) => redirect(&format!("/me/declarations/{}?saved=1", d.id.0)),
        Err(e) => {
            let errors = match e.body().code.as_str() {
                "declaration.unit_without_permission" | "declaration.not_a_unit" => {
                    Errors::from_api(&e).pin("unit_id")
                }
                "declaration.commitment_required" => return redirect("/commitment"),
                _ => Errors::from_api(&e),
            };
            let status_of = e;
            form_response(new_page(&st, &v, f, errors).await, &status_of)
        }
    }
}

struct DeclView {
    id: String,
    year: i32,
    series_name: String,
    level_name: String,
    title_name: String,
    specialty: String,
    unit_name: String,
    plan_name: String,
    window: String,
    status_name: String,
    submitted_at: Option<String>,
    holder_name: Option<String>,
    held_since: Option<String>,
    certificate_status: String,
    certificate_number: Option<String>,
    download: Option<String>,
}

/// One step of the case history as the applicant sees it.
struct HopView {
    at: String,
    action: String,
    /// Who acted: the organisation holding the case before the step, or the applicant.
    by: String,
    to: String,
    opinion: Option<String>,
}

#[derive(Template)]
#[template(path = "declaration.html")]
struct DetailPage {
    chrome: Chrome,
    d: DeclView,
    /// The latest return, rejection, supplement or refusal, for the applicant to read.
    decision: Option<String>,
    returned: bool,
    timeline: Vec<HopView>,
    draft: bool,
    m: MaterialsForm,
    errors: Errors,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    saved: Option<String>,
    submitted: Option<String>,
}

/// One declaration's page; `typed` keeps the materials as typed after a refused save.
async fn detail_page(
    st: &AppState,
    v: &Visitor,
    id: Uuid,
    typed: Option<MaterialsForm>,
    errors: Errors,
    notice: Option<String>,
) -> Response {
    let chrome = Chrome::for_visitor(v, "/me");
    let loaded = async {
        let rows = my_declarations(st, &v.principal).await?;
        let row = rows
            .into_iter()
            .find(|r| r.declaration.id.0 == id)
            .ok_or_else(ApiError::not_found)?;
        let plan = st.store.get_plan(row.declaration.plan_id).await?;
        let names = OrgNames::load(st).await?;
        let hops = match &row.case {
            Some(c) => {
                zhicheng_review_workflow::service::history(&st.store, &v.principal, c.id).await?
            }
            None => Vec::new(),
        };
        Ok::<_, ApiError>((row, plan, names, hops))
    }
    .await;
    let (row, plan, names, hops) = match loaded {
        Ok(x) => x,
        Err(e) => return api_error_page(chrome, &e),
    };
    let d = &row.declaration;
    let view = DeclView {
        id: d.id.0.to_string(),
        year: d.year,
        series_name: series_name(&d.series),
        level_name: d.level.zh().to_owned(),
        title_name: Catalog
            .title_name(&d.series, d.level)
            .unwrap_or_default()
            .to_owned(),
        specialty: d.specialty.clone(),
        unit_name: names.name(d.unit_id),
        plan_name: plan.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        window: plan.as_ref().map_or_else(String::new, |p| {
            format!(
                "{} 至 {}（北京时间）",
                beijing(p.window_start),
                beijing(p.window_end)
            )
        }),
        status_name: row.status_zh().to_owned(),
        submitted_at: d.submitted_at.map(beijing),
        holder_name: row.case.as_ref().map(|c| names.name(c.holder_id)),
        held_since: row.case.as_ref().map(|c| beijing(c.held_since)),
        certificate_status: row.certificate_status_zh().to_owned(),
        certificate_number: row.certificate.as_ref().map(|c| c.number.to_string()),
        download: row
            .certificate
            .as_ref()
            .filter(|c| c.status == zhicheng_certificate::CertificateStatus::Valid)
            .map(|_| format!("/me/declarations/{}/certificate", d.id.0)),
    };
    let timeline = hops
        .iter()
        .map(|h| HopView {
            at: beijing(h.at),
            action: h.action.zh().to_owned(),
            by: h
                .from_org
                .map_or_else(|| "申报人本人".to_owned(), |o| names.name(o)),
            to: names.name(h.to_org),
            opinion: h.opinion.clone(),
        })
        .collect();
    let page = DetailPage {
        chrome,
        decision: row
            .case
            .as_ref()
            .and_then(|c| c.decision.as_ref())
            .map(|x| x.summary()),
        returned: d.status == DeclarationStatus::Returned,
        timeline,
        draft: d.status.is_editable(),
        m: typed.unwrap_or_else(|| MaterialsForm::from(&d.materials)),
        d: view,
        errors,
        notice,
    };
    render(&page)
}

#[handler]
pub async fn detail(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    q: Query<DetailQuery>,
) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let notice = if q.submitted.as_deref().and_then(non_empty).is_some() {
        Some("已确定申报：申报材料已提交至用人单位审核，不能再修改。".to_owned())
    } else if q.saved.as_deref().and_then(non_empty).is_some() {
        Some("已保存。材料填写完整后，请点击“确定申报”提交。".to_owned())
    } else {
        None
    };
    detail_page(&st, &v, id.0, None, Errors::none(), notice).await
}

#[derive(Deserialize)]
pub struct MaterialsPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    education: String,
    #[serde(default)]
    current_title: String,
    #[serde(default)]
    work_history: String,
    #[serde(default)]
    achievements: String,
    #[serde(default)]
    summary: String,
}

impl MaterialsPost {
    fn typed(&self) -> MaterialsForm {
        MaterialsForm {
            education: self.education.clone(),
            current_title: self.current_title.clone(),
            work_history: self.work_history.clone(),
            achievements: self.achievements.clone(),
            summary: self.summary.clone(),
        }
    }
}

async fn save_typed(
    st: &AppState,
    v: &Visitor,
    id: Uuid,
    m: MaterialsForm,
) -> Result<(), ApiError> {
    zhicheng_declaration::service::edit_declaration(
        &st.store,
        &st.clock,
        &v.principal,
        DeclarationId(id),
        m.into(),
    )
    .await?;
    Ok(())
}

/// 保存: saves the materials of a draft.
#[handler]
pub async fn save(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<MaterialsPost>,
) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    match save_typed(&st, &v, id.0, form.typed()).await {
        Ok(()) => redirect(&format!("/me/declarations/{}?saved=1", id.0)),
        Err(e) => form_response(
            detail_page(
                &st,
                &v,
                id.0,
                Some(form.typed()),
                Errors::from_api(&e),
                None,
            )
            .await,
            &e,
        ),
    }
}

/// 确定申报: keeps what was typed in the draft, then submits it inside the plan's window.
#[handler]
pub async fn submit(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<MaterialsPost>,
) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let result = async {
        save_typed(&st, &v, id.0, form.typed()).await?;
        zhicheng_review_workflow::service::submit_declaration(
            &st.store,
            &st.store,
            &st.clock,
            &st.ids,
            &v.principal,
            DeclarationId(id.0),
        )
        .await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => redirect(&format!("/me/declarations/{}?submitted=1", id.0)),
        Err(e) => form_response(
            detail_page(
                &st,
                &v,
                id.0,
                Some(form.typed()),
                Errors::from_api(&e),
                None,
            )
            .await,
            &e,
        ),
    }
}
