//! The applicant's declaration module: the commitment letter (承诺书), 新增申报信息 and one
//! declaration's page (fill in the structured sections of a draft, see what is still missing,
//! upload attachments, 确定申报, download the review form, then follow where it is).
//! Every rule — the letter, the plan window, the unit's permission, what must be filled in —
//! is the domain's; these handlers show what it answered.

use askama::Template;
use chrono::{DateTime, Utc};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;
use zhicheng_declaration::plan::PlanStatus;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::{Catalog, DeclarationKind, DeclarationStatus, RawMaterials, ReviewPlan};
use zhicheng_identity::OrgKind;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{Clock, DeclarationId, Role, SeriesCode};

use super::common::{
    Choice, Chrome, Countdown, Errors, OrgNames, api_error_page, beijing, check_csrf, countdown,
    form_response, gate, level_choices, non_empty, series_name,
};
use super::materials::{
    SectionView, from_form, posted_sections, sections, without_trailing_blank_rows,
};
use super::{Visitor, redirect, render};
use crate::api::declarations::{CreateDeclarationRequest, MaterialsDto, create, version_diff};
use crate::error::ApiError;
use crate::state::AppState;
use crate::upload::{FieldChunks, download};
use crate::views::my_declarations;

const APPLICANT: &[Role] = &[Role::Applicant];

#[derive(Template)]
#[template(path = "commitment.html")]
struct CommitmentPage {
    chrome: Chrome,
    title: String,
    body: String,
    version: String,
    accepted_at: Option<String>,
    /// The applicant accepted an earlier text: this one changed since.
    changed: bool,
}

#[handler]
pub async fn commitment(st: Data<&AppState>, req: &Request) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let chrome = Chrome::for_visitor(&v, "/me/declare");
    let loaded = async {
        let (letter, acc) =
            zhicheng_declaration::service::commitment_state(&st.store, &v.principal).await?;
        let person = v.principal.person_id.ok_or_else(ApiError::forbidden)?;
        // An earlier text accepted: any declaration of this person names the version it was
        // created under; a newer text asks again.
        let changed = acc.is_none()
            && st
                .store
                .list_declarations_for_person(person)
                .await?
                .iter()
                .any(|d| d.commitment_version != letter.version);
        Ok::<_, ApiError>((letter, acc, changed))
    }
    .await;
    match loaded {
        Ok((letter, acc, changed)) => render(&CommitmentPage {
            chrome,
            title: letter.title,
            body: letter.body,
            version: letter.version,
            accepted_at: acc.map(|a| beijing(a.accepted_at)),
            changed,
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
        // Back to 我的申报 when there are declarations to continue, else to a new one.
        Ok(_) => {
            match zhicheng_declaration::service::my_declarations(&st.store, &v.principal).await {
                Ok(list) if !list.is_empty() => redirect("/me"),
                _ => redirect("/me/declare"),
            }
        }
        Err(e) => api_error_page(Chrome::for_visitor(&v, "/me/declare"), &ApiError::from(e)),
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
    kind: String,
}

struct PlanView {
    id: String,
    name: String,
    year: i32,
    series_name: String,
    levels: String,
    window: String,
    /// Time left to the end of the window.
    countdown: Countdown,
    /// 备注 of the notice; empty when none.
    notes: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "declare.html")]
struct NewPage {
    chrome: Chrome,
    plans: Vec<PlanView>,
    plan: Option<PlanView>,
    levels: Vec<Choice>,
    /// The specialties of the chosen plan's series in the catalog in force.
    specialties: Vec<Choice>,
    units: Vec<Choice>,
    kinds: Vec<Choice>,
    errors: Errors,
}

/// The specialties of a series, the chosen one (by name or code) selected.
fn specialty_choices(catalog: &Catalog, series: &SeriesCode, selected: &str) -> Vec<Choice> {
    let chosen = catalog.specialty(series, selected).map(|s| s.name.as_str());
    catalog
        .find(series)
        .map(|s| s.specialties.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|s| Choice {
            value: s.name.clone(),
            label: s.name.clone(),
            selected: Some(s.name.as_str()) == chosen,
        })
        .collect()
}

/// The declaration kinds, the chosen one (or 正常申报) selected.
fn kind_choices(selected: &str) -> Vec<Choice> {
    let chosen = DeclarationKind::parse(selected).unwrap_or_default();
    DeclarationKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: k.zh().to_owned(),
            selected: *k == chosen,
        })
        .collect()
}

fn plan_view(p: &ReviewPlan, selected: bool, catalog: &Catalog, now: DateTime<Utc>) -> PlanView {
    PlanView {
        id: p.id.0.to_string(),
        name: p.name.clone(),
        year: p.year,
        series_name: series_name(catalog, &p.series),
        levels: p
            .levels
            .iter()
            .map(|l| l.zh())
            .collect::<Vec<_>>()
            .join("、"),
        window: p.window_text(),
        countdown: countdown(now, p.window_end),
        notes: p.notes.clone(),
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
        let catalog = st.store.current_catalog().await?;
        Ok::<_, ApiError>((plans, units, catalog))
    }
    .await;
    let (plans, units, catalog) = match loaded {
        Ok(x) => x,
        Err(e) => return api_error_page(chrome, &e),
    };
    let open: Vec<&ReviewPlan> = plans
        .iter()
        .filter(|p| p.status == PlanStatus::Open)
        .collect();
    let now = st.clock.now();
    let chosen = open
        .iter()
        .find(|p| p.id.0.to_string() == f.plan_id)
        .or(if open.len() == 1 { open.first() } else { None })
        .copied();
    let page = NewPage {
        chrome,
        plans: open
            .iter()
            .map(|p| plan_view(p, chosen.is_some_and(|c| c.id == p.id), &catalog, now))
            .collect(),
        plan: chosen.map(|p| plan_view(p, true, &catalog, now)),
        levels: chosen.map_or_else(Vec::new, |p| level_choices(&p.levels, &f.level)),
        specialties: chosen.map_or_else(Vec::new, |p| {
            specialty_choices(&catalog, &p.series, &f.specialty)
        }),
        units: units
            .iter()
            .filter(|u| u.has_permission())
            .map(|u| Choice {
                value: u.id.0.to_string(),
                label: u.name.as_str().to_owned(),
                selected: u.id.0.to_string() == f.unit_id,
            })
            .collect(),
        kinds: kind_choices(&f.kind),
        errors,
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
            create(
                &st,
                &v.principal,
                CreateDeclarationRequest {
                    plan_id,
                    unit_id,
                    level: f.level.clone(),
                    specialty: f.specialty.clone(),
                    kind: f.kind.clone(),
                    materials: MaterialsDto::default(),
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
        Ok(d) => redirect(&format!("/me/declarations/{}?created=1", d.id.0)),
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
    kind_name: String,
    unit_name: String,
    plan_name: String,
    window: String,
    /// Time left to submit, while the declaration can still be submitted.
    countdown: Option<Countdown>,
    status_name: String,
    submitted_at: Option<String>,
    submissions: u32,
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
    /// The organisation holding the case before the step, or the applicant.
    by: String,
    /// The person who acted (the staff member, or 申报人本人).
    actor: String,
    to: String,
    opinion: Option<String>,
}

/// Where the declaration stands now and what is still ahead (办理进度).
struct ProgressView {
    /// 当前办理单位, or 当前办理人 when it is back with the applicant.
    holder_label: &'static str,
    /// Who holds it now (an organisation, or 申报人本人).
    holder: String,
    since: String,
    status: String,
    /// The steps still ahead, as display lines.
    ahead: Vec<String>,
    /// The route is incomplete: why and who must act.
    route_gap: Option<String>,
    ended: bool,
}

/// One attachment in the list.
#[derive(Clone)]
pub struct AttachmentView {
    pub section: String,
    pub file_name: String,
    pub size: String,
    pub sha256: String,
    pub href: String,
}

/// One changed field between the last two submitted versions.
pub struct ChangeView {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// The diff between the last two submitted versions, for the page.
pub struct DiffView {
    pub from: u32,
    pub to: u32,
    pub changes: Vec<ChangeView>,
}

/// The diff of a declaration the principal may read, if it was submitted more than once.
pub async fn diff_view(
    st: &AppState,
    p: &zhicheng_kernel::Principal,
    id: DeclarationId,
) -> Result<Option<DiffView>, ApiError> {
    let d = version_diff(st, p, id).await?;
    Ok(match (d.from, d.to) {
        (Some(from), Some(to)) => Some(DiffView {
            from,
            to,
            changes: d
                .changes
                .into_iter()
                .map(|c| ChangeView {
                    label: c.label,
                    before: c.before.unwrap_or_else(|| "（无）".into()),
                    after: c.after.unwrap_or_else(|| "（已删除）".into()),
                })
                .collect(),
        }),
        _ => None,
    })
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
    progress: Option<ProgressView>,
    draft: bool,
    sections: Vec<SectionView>,
    /// 一次性告知: what is still missing before submission (drafts only).
    missing: Vec<String>,
    attachments: Vec<AttachmentView>,
    attachment_sections: Vec<Choice>,
    max_file_mb: u64,
    diff: Option<DiffView>,
    errors: Errors,
    notice: Option<String>,
    /// The commitment letter changed since the applicant accepted it.
    needs_letter: bool,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    saved: Option<String>,
    submitted: Option<String>,
    created: Option<String>,
    uploaded: Option<String>,
}

/// One declaration's page; `typed` keeps the sections as typed after a refused save.
async fn detail_page(
    st: &AppState,
    v: &Visitor,
    id: Uuid,
    typed: Option<RawMaterials>,
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
        let timeline = match &row.case {
            Some(c) => Some(crate::api::cases::timeline_dto(st, &v.principal, c.id).await?),
            None => None,
        };
        let files = zhicheng_declaration::service::list_attachments(
            &st.store,
            &v.principal,
            row.declaration.id,
        )
        .await?;
        let diff = diff_view(st, &v.principal, row.declaration.id).await?;
        let catalog = st.store.current_catalog().await?;
        let needs_letter =
            zhicheng_declaration::service::needs_commitment(&st.store, &v.principal).await?;
        Ok::<_, ApiError>((
            row,
            plan,
            names,
            timeline,
            files,
            diff,
            catalog,
            needs_letter,
        ))
    }
    .await;
    let (row, plan, names, timeline, files, diff, catalog, needs_letter) = match loaded {
        Ok(x) => x,
        Err(e) => return api_error_page(chrome, &e),
    };
    let d = &row.declaration;
    let view = DeclView {
        id: d.id.0.to_string(),
        year: d.year,
        series_name: row.series_name.clone(),
        level_name: d.level.zh().to_owned(),
        title_name: row.title_name.clone(),
        specialty: d.specialty.clone(),
        kind_name: d.kind.zh().to_owned(),
        unit_name: names.name(d.unit_id),
        plan_name: plan.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        window: plan
            .as_ref()
            .map_or_else(String::new, ReviewPlan::window_text),
        countdown: plan
            .as_ref()
            .filter(|p| d.status.is_editable() && p.status == PlanStatus::Open)
            .map(|p| countdown(st.clock.now(), p.window_end)),
        status_name: row.status_zh().to_owned(),
        submitted_at: d.submitted_at.map(beijing),
        submissions: d.submissions,
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
    let (timeline, progress) = match timeline {
        Some(t) => {
            let hops = t
                .done
                .into_iter()
                .map(|h| HopView {
                    at: beijing(h.hop.at),
                    action: h.hop.action_name,
                    by: h.by_org_name,
                    actor: h.actor_name,
                    to: h.to_org_name,
                    opinion: h.hop.opinion,
                })
                .collect();
            let progress = ProgressView {
                holder_label: if t.holder_kind == "applicant" {
                    "当前办理人"
                } else {
                    "当前办理单位"
                },
                holder: t.holder_name,
                since: beijing(t.held_since),
                status: t.status_name,
                ahead: t
                    .ahead
                    .into_iter()
                    .map(|a| match a.org_name {
                        Some(org) => format!("{org} {}", a.name),
                        None => a.name,
                    })
                    .collect(),
                route_gap: t.route_gap.map(|g| g.message),
                ended: t.ended,
            };
            (hops, Some(progress))
        }
        None => (Vec::new(), None),
    };
    let draft = d.status.is_editable();
    let raw = typed.unwrap_or_else(|| d.materials.raw());
    let page = DetailPage {
        needs_letter,
        chrome,
        decision: row
            .case
            .as_ref()
            .and_then(|c| c.decision.as_ref())
            .map(|x| x.summary()),
        returned: d.status == DeclarationStatus::Returned,
        timeline,
        progress,
        draft,
        sections: sections(&raw, &d.materials, &errors, draft, &catalog),
        missing: if draft {
            d.missing().into_iter().map(|f| f.zh).collect()
        } else {
            Vec::new()
        },
        attachments: files
            .iter()
            .map(|a| AttachmentView {
                section: a.section.zh().to_owned(),
                file_name: a.file_name.to_string(),
                size: zhicheng_documents::review_form::human_size(a.size),
                sha256: a.sha256.to_string(),
                href: format!("/files/attachments/{}", a.id.0),
            })
            .collect(),
        attachment_sections: zhicheng_declaration::Section::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: s.zh().to_owned(),
                selected: false,
            })
            .collect(),
        max_file_mb: st.attachments.max_file_bytes / (1024 * 1024),
        diff,
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
    if let Some(r) = letter_gate(&st, &v).await {
        return r;
    }
    let flag = |x: &Option<String>| x.as_deref().and_then(non_empty).is_some();
    let notice = if flag(&q.submitted) {
        Some("已确定申报：申报材料已提交至用人单位审核，不能再修改。".to_owned())
    } else if flag(&q.created) {
        Some("申报已创建。请逐栏填写申报材料并保存，填写完整后点击“确定申报”。".to_owned())
    } else if flag(&q.uploaded) {
        Some("附件已上传。".to_owned())
    } else if flag(&q.saved) {
        Some("已保存。材料填写完整后，请点击“确定申报”提交。".to_owned())
    } else {
        None
    };
    detail_page(&st, &v, id.0, None, Errors::none(), notice).await
}

fn csrf_of(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Saves the typed form section by section: `Ok(None)` when everything was saved,
/// `Ok(Some(errors))` when some sections were refused (the others are saved).
async fn save_typed(
    st: &AppState,
    v: &Visitor,
    id: Uuid,
    pairs: &[(String, String)],
) -> Result<Option<ApiError>, ApiError> {
    let (_, problems) = zhicheng_declaration::service::save_draft(
        &st.store,
        &st.clock,
        &v.principal,
        DeclarationId(id),
        posted_sections(pairs, from_form(pairs)),
    )
    .await?;
    Ok((!problems.is_empty()).then(|| {
        ApiError::invalid(
            "declaration.materials",
            "填写正确的栏目已保存；以下内容有误，请按提示修改后再保存",
            "the valid sections were saved; fix the fields listed and save again",
            problems,
        )
    }))
}

/// What the form showed: the posted sections as typed, the others as saved.
async fn typed_with_saved(
    st: &AppState,
    v: &Visitor,
    id: Uuid,
    pairs: &[(String, String)],
) -> RawMaterials {
    let saved = zhicheng_declaration::service::get_own_declaration(
        &st.store,
        &v.principal,
        DeclarationId(id),
    )
    .await
    .map(|d| d.materials.raw())
    .unwrap_or_default();
    let typed = from_form(pairs);
    let posted: Vec<&str> = posted_sections(pairs, typed.clone())
        .iter()
        .map(|s| s.section().as_str())
        .collect();
    let pick = |k: &str| posted.contains(&k);
    RawMaterials {
        education: if pick("education") {
            typed.education
        } else {
            saved.education
        },
        current_title: if pick("current_title") {
            typed.current_title
        } else {
            saved.current_title
        },
        work_history: if pick("work_history") {
            typed.work_history
        } else {
            saved.work_history
        },
        achievements: if pick("achievements") {
            typed.achievements
        } else {
            saved.achievements
        },
        assessments: if pick("assessments") {
            typed.assessments
        } else {
            saved.assessments
        },
        continuing_education: if pick("continuing_education") {
            typed.continuing_education
        } else {
            saved.continuing_education
        },
        summary: if pick("summary") {
            typed.summary
        } else {
            saved.summary
        },
    }
}

/// 保存: saves the materials of a draft, section by section.
#[handler]
pub async fn save(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<Vec<(String, String)>>,
) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &csrf_of(&form.0)) {
        return r;
    }
    let e = match save_typed(&st, &v, id.0, &form.0).await {
        Ok(None) => return redirect(&format!("/me/declarations/{}?saved=1", id.0)),
        Ok(Some(e)) | Err(e) => e,
    };
    let typed = without_trailing_blank_rows(typed_with_saved(&st, &v, id.0, &form.0).await);
    form_response(
        detail_page(&st, &v, id.0, Some(typed), Errors::from_api(&e), None).await,
        &e,
    )
}

/// 确定申报: saves what was typed in the draft, then submits it inside the plan's window.
#[handler]
pub async fn submit(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    form: Form<Vec<(String, String)>>,
) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &csrf_of(&form.0)) {
        return r;
    }
    let keep = form.0.iter().any(|(k, _)| k != "csrf");
    let result = async {
        // A bare submission (CSRF only) saves nothing; a form saves what it carries first.
        if keep && let Some(e) = save_typed(&st, &v, id.0, &form.0).await? {
            return Err(e);
        }
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
        Err(e) => {
            let typed = if keep {
                Some(without_trailing_blank_rows(
                    typed_with_saved(&st, &v, id.0, &form.0).await,
                ))
            } else {
                None
            };
            form_response(
                detail_page(&st, &v, id.0, typed, Errors::from_api(&e), None).await,
                &e,
            )
        }
    }
}

/// 上传附件 from the page: a multipart form with the CSRF token and the section first, then
/// the file, which streams through the same checks as the API (content, size while reading).
#[handler]
pub async fn upload(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    mut form: poem::web::Multipart,
) -> Response {
    let v = match gate(&st, req, APPLICANT).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut csrf = String::new();
    let mut section = String::new();
    let result = loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => {
                break Err((
                    ApiError::field("file", "请选择要上传的文件", "choose a file to upload"),
                    false,
                ));
            }
            Err(e) => {
                break Err((
                    ApiError::field("file", "上传内容无法读取，请重试", e),
                    false,
                ));
            }
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("section") => section = field.text().await.unwrap_or_default(),
            Some("file") => {
                if let Some(r) = check_csrf(&v, &csrf) {
                    return r;
                }
                let name = field.file_name().unwrap_or_default().to_owned();
                if name.is_empty() {
                    break Err((
                        ApiError::field("file", "请选择要上传的文件", "choose a file to upload"),
                        false,
                    ));
                }
                let mut chunks = FieldChunks(Box::pin(field.into_async_read()));
                let cmd = zhicheng_declaration::service::NewAttachment {
                    declaration_id: DeclarationId(id.0),
                    section: section.clone(),
                    file_name: name,
                };
                break zhicheng_declaration::service::add_attachment(
                    &st.store,
                    &st.blobs,
                    &st.clock,
                    &st.ids,
                    &st.attachments,
                    &v.principal,
                    cmd,
                    &mut chunks,
                )
                .await
                .map(|_| ())
                .map_err(|e| {
                    // Over a size limit: 413 like the API, on the same page as any refusal.
                    let too_large =
                        matches!(&e, zhicheng_kernel::ServiceError::Rule(x) if x.is_too_large());
                    (ApiError::from(e), too_large)
                });
            }
            _ => {}
        }
    };
    if csrf.is_empty()
        && let Some(r) = check_csrf(&v, &csrf)
    {
        return r;
    }
    match result {
        Ok(()) => redirect(&format!("/me/declarations/{}?uploaded=1#attachments", id.0)),
        Err((e, too_large)) => {
            let mut r = form_response(
                detail_page(&st, &v, id.0, None, Errors::from_api(&e).pin("file"), None).await,
                &e,
            );
            if too_large {
                r.set_status(poem::http::StatusCode::PAYLOAD_TOO_LARGE);
            }
            r
        }
    }
}

/// 下载评审表 for the applicant and the organisations the case has reached (the service
/// decides; others get 404).
#[handler]
pub async fn review_form(st: Data<&AppState>, req: &Request, id: Path<Uuid>) -> Response {
    let Some(v) = super::visitor(&st, req).await else {
        return super::to_login(req);
    };
    match crate::api::documents::review_form_file(&st, &v.principal, DeclarationId(id.0)).await {
        Ok((name, bytes)) => download(
            &format!("attachment; filename=\"{name}\""),
            "application/pdf",
            bytes,
        ),
        Err(e) => api_error_page(Chrome::for_visitor(&v, "/me"), &e),
    }
}

/// An attachment shown inline in a frame of this site (the reviewer's side-by-side view), for
/// whoever may read the declaration. Only kinds verified by content (PDF, JPEG, PNG) exist, so
/// the declared type is the real one; other sites may not frame it.
#[handler]
pub async fn attachment_view(st: Data<&AppState>, req: &Request, id: Path<Uuid>) -> Response {
    use poem::http::header;
    let Some(v) = super::visitor(&st, req).await else {
        return super::to_login(req);
    };
    match zhicheng_declaration::service::download_attachment(
        &st.store,
        &st.blobs,
        &v.principal,
        zhicheng_declaration::AttachmentId(id.0),
    )
    .await
    {
        Ok((a, bytes)) => {
            let disposition = zhicheng_declaration::attachment::content_disposition(&a.file_name)
                .replacen("attachment", "inline", 1);
            Response::builder()
                .header(header::CONTENT_TYPE, a.kind.mime())
                .header(header::CONTENT_DISPOSITION, disposition)
                .header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "SAMEORIGIN")
                .header(
                    "Content-Security-Policy",
                    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
                     frame-ancestors 'self'",
                )
                .header(header::CACHE_CONTROL, "private, no-store")
                .body(bytes)
        }
        Err(e) => api_error_page(Chrome::for_visitor(&v, "/me"), &ApiError::from(e)),
    }
}

/// 下载附件 from a portal page, for whoever may read the declaration.
#[handler]
pub async fn attachment_file(st: Data<&AppState>, req: &Request, id: Path<Uuid>) -> Response {
    let Some(v) = super::visitor(&st, req).await else {
        return super::to_login(req);
    };
    match zhicheng_declaration::service::download_attachment(
        &st.store,
        &st.blobs,
        &v.principal,
        zhicheng_declaration::AttachmentId(id.0),
    )
    .await
    {
        Ok((a, bytes)) => download(
            &zhicheng_declaration::attachment::content_disposition(&a.file_name),
            a.kind.mime(),
            bytes,
        ),
        Err(e) => api_error_page(Chrome::for_visitor(&v, "/me"), &ApiError::from(e)),
    }
}
