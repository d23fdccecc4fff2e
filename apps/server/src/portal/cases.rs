//! 职称申报数据审核 / 上报 (/work/cases): the cases the visitor's organisation holds, filtered by
//! series, level and status, with the one action each status offers its holder. Each POST is
//! one review-workflow (or certificate) service call; a refusal is shown at the top of the
//! unchanged list.

use askama::Template;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_kernel::{CaseId, FieldError, PlanId, SeriesCode, ServiceError, TitleLevel};

use zhicheng_kernel::{Clock, IdGen};
use zhicheng_review_workflow::decision::Section as ReturnSection;
use zhicheng_review_workflow::ports::CaseRow;
use zhicheng_review_workflow::queue::{QueuePage, QueueQuery, QueueQueryError, RawQueueQuery};
use zhicheng_review_workflow::service as workflow;
use zhicheng_review_workflow::{
    CaseStatus, CommitteeVote, Opinion, RefusalGround, ReturnReasons, SupplementNotice, batch,
};

use super::common::{
    Choice, Chrome, Errors, STAFF, api_error_page, beijing, check_csrf, form_response, gate,
    level_choices, series_choices, series_name,
};
use super::pages::attachment;
use super::{Visitor, redirect, render};
use crate::api::cases::{bad_input, issue};
use crate::api::documents::{SummaryFormat, summary_file};
use crate::api::plans::parse_series;
use crate::error::ApiError;
use crate::state::AppState;

/// The filters and page of the list as typed (query string), kept to refill the form.
#[derive(Deserialize, Default)]
pub struct CaseQuery {
    #[serde(default)]
    series: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    submitted_from: String,
    #[serde(default)]
    submitted_to: String,
    #[serde(default)]
    page_size: String,
    #[serde(default)]
    after: String,
    done: Option<String>,
}

/// The typed filters with their parsed reading.
struct Filters<'a> {
    typed: &'a CaseQuery,
    parsed: Result<QueueQuery, QueueQueryError>,
}

impl<'a> Filters<'a> {
    fn from(q: &'a CaseQuery) -> Filters<'a> {
        Filters {
            typed: q,
            parsed: QueueQuery::parse(&RawQueueQuery {
                status: Some(&q.status),
                series: Some(&q.series),
                level: Some(&q.level),
                name: Some(&q.name),
                submitted_from: Some(&q.submitted_from),
                submitted_to: Some(&q.submitted_to),
                page_size: Some(&q.page_size),
                after: Some(&q.after),
            }),
        }
    }

    /// The filters as a query string (URL-encoded, blanks left out), with the status and
    /// the page position given.
    fn query_with(&self, status: &str, after: &str) -> String {
        let t = self.typed;
        let pairs = [
            ("series", t.series.as_str()),
            ("level", &t.level),
            ("status", status),
            ("name", &t.name),
            ("submitted_from", &t.submitted_from),
            ("submitted_to", &t.submitted_to),
            ("page_size", &t.page_size),
            ("after", after),
        ];
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            let v = v.trim();
            if !v.is_empty() {
                out.append_pair(k, v);
            }
        }
        out.finish()
    }

    /// The current list, page included.
    fn query(&self) -> String {
        self.query_with(&self.typed.status, &self.typed.after)
    }
}

/// A status tab above the list, with its count.
struct Tab {
    label: String,
    count: u64,
    href: String,
    current: bool,
}

/// The summary-table downloads of one plan.
struct Export {
    plan: String,
    xlsx: String,
    pdf: String,
}

struct CaseView {
    id: String,
    applicant: String,
    year: i32,
    series_name: String,
    level_name: String,
    specialty: String,
    unit: String,
    status: String,
    /// When the declaration was last submitted (Beijing time).
    submitted: String,
    since: String,
    /// approve, report, forward, accept, vote, issue or empty.
    action: &'static str,
    label: &'static str,
    /// The status code, for the extra forms (退回, 不予推荐, 退回单位, 补正, 不予受理).
    code: &'static str,
}

/// What the holder can do with a case in this status.
fn action_for(s: CaseStatus) -> (&'static str, &'static str) {
    match s {
        CaseStatus::UnitReview => ("approve", "通过"),
        CaseStatus::ReadyToReport => ("report", "上报"),
        CaseStatus::ReturnedToUnit => ("report", "重新上报"),
        CaseStatus::InTransit => ("forward", "上报"),
        CaseStatus::PendingAcceptance => ("accept", "受理"),
        CaseStatus::Accepted => ("vote", "录入评审结果"),
        CaseStatus::Passed => ("issue", "发证"),
        // Returns, supplements and refusals have API endpoints but no portal form yet.
        CaseStatus::Failed
        | CaseStatus::Certified
        | CaseStatus::ReturnedToApplicant
        | CaseStatus::Withdrawn
        | CaseStatus::UnitRejected
        | CaseStatus::SupplementRequired
        | CaseStatus::NotAccepted => ("", ""),
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    rows: Vec<CaseView>,
    series: Vec<Choice>,
    levels: Vec<Choice>,
    /// The filters as typed, to refill the form.
    name: String,
    submitted_from: String,
    submitted_to: String,
    status_value: String,
    tabs: Vec<Tab>,
    next_href: Option<String>,
    first_href: Option<String>,
    exports: Vec<Export>,
    query: String,
    errors: Errors,
    notice: Option<String>,
    grounds: Vec<Choice>,
    /// Every section a return can name (key, heading), in form order.
    return_sections: Vec<(&'static str, &'static str)>,
    /// A fresh idempotency key for the batch form: a double-submitted form acts once.
    batch_key: String,
    /// The filters as hidden fields of the batch form.
    series_value: String,
    level_value: String,
}

fn case_view(catalog: &zhicheng_declaration::Catalog, r: &CaseRow) -> CaseView {
    let c = &r.case;
    let (action, label) = action_for(c.status);
    CaseView {
        id: c.id.0.to_string(),
        applicant: r.applicant_name.clone(),
        year: c.year,
        series_name: series_name(catalog, &c.series),
        level_name: c.level.zh().to_owned(),
        specialty: r.specialty.clone(),
        unit: r.unit_name.clone(),
        status: c.status.zh().to_owned(),
        submitted: r.submitted_at.map(beijing).unwrap_or_default(),
        since: beijing(c.held_since),
        action,
        label,
        code: c.status.as_str(),
    }
}

/// The summary-table links for every plan of the chosen series and level.
async fn exports(st: &AppState, q: &QueueQuery) -> Result<Vec<Export>, ApiError> {
    let (Some(series), Some(level)) = (&q.series, q.level) else {
        return Ok(Vec::new());
    };
    let plans = st.store.list_plans().await?;
    Ok(plans
        .iter()
        .filter(|p| &p.series == series && p.levels.contains(&level))
        .map(|p| {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("plan", &p.id.0.to_string())
                .append_pair("series", series.as_str())
                .append_pair("level", level.as_str())
                .finish();
            Export {
                plan: format!("{}（{}年度）", p.name, p.year),
                xlsx: format!("/work/cases/summary.xlsx?{query}"),
                pdf: format!("/work/cases/summary.pdf?{query}"),
            }
        })
        .collect())
}

async fn cases_page(
    st: &AppState,
    v: &Visitor,
    f: &Filters<'_>,
    errors: Errors,
    notice: Option<String>,
) -> Response {
    let chrome = Chrome::for_visitor(v, "/work/cases");
    // Filters that do not parse are shown next to their fields, with an empty list.
    let (query, errors, bad_filters) = match &f.parsed {
        Ok(q) => (q.clone(), errors, None),
        Err(e) => {
            let e = ApiError::from(ServiceError::Rule(e.clone()));
            (QueueQuery::default(), Errors::from_api(&e), Some(e))
        }
    };
    let (listing, exports) = if bad_filters.is_some() {
        (
            QueuePage {
                rows: Vec::new(),
                next: None,
                counts: Vec::new(),
            },
            Vec::new(),
        )
    } else {
        let listing = match workflow::queue(&st.store, &v.principal, &query).await {
            Ok(p) => p,
            Err(e) => return api_error_page(chrome, &ApiError::from(e)),
        };
        match exports(st, &query).await {
            Ok(x) => (listing, x),
            Err(e) => return api_error_page(chrome, &e),
        }
    };
    let catalog = match st.store.current_catalog().await {
        Ok(c) => c,
        Err(e) => return api_error_page(chrome, &ApiError::from(e)),
    };
    let status = query.status.map(|s| s.as_str()).unwrap_or_default();
    let mut tabs = vec![Tab {
        label: "全部".to_owned(),
        count: listing.total(),
        href: format!("/work/cases?{}", f.query_with("", "")),
        current: query.status.is_none(),
    }];
    for s in CaseStatus::ALL {
        let count = listing
            .counts
            .iter()
            .find(|c| c.status == s)
            .map_or(0, |c| c.count);
        if count > 0 || query.status == Some(s) {
            tabs.push(Tab {
                label: s.zh().to_owned(),
                count,
                href: format!("/work/cases?{}", f.query_with(s.as_str(), "")),
                current: query.status == Some(s),
            });
        }
    }
    let series = query
        .series
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let level = query.level.map(|l| l.as_str()).unwrap_or_default();
    let out = CasesPage {
        chrome,
        rows: listing
            .rows
            .iter()
            .map(|r| case_view(&catalog, r))
            .collect(),
        series: series_choices(&catalog, &series),
        levels: level_choices(&TitleLevel::ALL, level),
        name: f.typed.name.clone(),
        submitted_from: f.typed.submitted_from.clone(),
        submitted_to: f.typed.submitted_to.clone(),
        status_value: status.to_owned(),
        tabs,
        next_href: listing
            .next
            .map(|c| format!("/work/cases?{}", f.query_with(status, &c.encode()))),
        first_href: query
            .page
            .after
            .map(|_| format!("/work/cases?{}", f.query_with(status, ""))),
        exports,
        query: f.query(),
        errors,
        notice,
        grounds: RefusalGround::ALL
            .iter()
            .map(|g| Choice {
                value: g.as_str().to_owned(),
                label: g.zh().to_owned(),
                selected: false,
            })
            .collect(),
        return_sections: ReturnSection::ALL
            .iter()
            .map(|s| (s.as_str(), s.zh()))
            .collect(),
        batch_key: st.ids.new_id().to_string(),
        series_value: series.clone(),
        level_value: level.to_owned(),
    };
    match bad_filters {
        Some(e) => form_response(render(&out), &e),
        None => render(&out),
    }
}

#[handler]
pub async fn page(st: Data<&AppState>, req: &Request, q: Query<CaseQuery>) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let notice = q.done.as_deref().and_then(|d| {
        Some(match d {
            "approve" => "已审核通过，请继续“上报”。",
            "report" | "forward" => "已上报至上级。",
            "accept" => "已受理。",
            "vote" => "评审结果已记录。",
            "issue" => "电子证书已签发，申报人现在可以下载。",
            "return" => "已退回申报人修改。",
            "reject" => "已不予推荐。",
            "return_to_unit" => "已退回单位。",
            "supplement" => "已发出补正通知。",
            "refuse" => "已不予受理。",
            "batch_approve" => "所选申报已全部审核通过。",
            "batch_report" => "所选申报已全部上报。",
            _ => return None,
        })
    });
    cases_page(
        &st,
        &v,
        &Filters::from(&q),
        Errors::none(),
        notice.map(str::to_owned),
    )
    .await
}

/// The query of a summary-table download link.
#[derive(Deserialize)]
pub struct SummaryQuery {
    #[serde(default)]
    plan: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    level: String,
}

async fn summary(
    st: &AppState,
    req: &Request,
    q: &SummaryQuery,
    format: SummaryFormat,
) -> Response {
    let v = match gate(st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let file = async {
        let plan = Uuid::parse_str(q.plan.trim())
            .map_err(|_| ApiError::field("plan", "请选择评审计划", "choose a plan"))?;
        let series = parse_series(q.series.trim())?;
        let level = TitleLevel::parse(q.level.trim())
            .map_err(|e| ApiError::field("level", "级别无效", e))?;
        let data = zhicheng_documents::summary_data(
            &st.store,
            &v.principal,
            PlanId(plan),
            &series,
            level,
            st.clock.now(),
        )
        .await?;
        summary_file(data, format).await
    }
    .await;
    let content_type = match format {
        SummaryFormat::Xlsx => XLSX,
        SummaryFormat::Pdf => "application/pdf",
    };
    match file {
        Ok(f) => attachment(f, content_type),
        Err(e) => api_error_page(Chrome::for_visitor(&v, "/work/cases"), &e),
    }
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// 导出一览表 (XLSX) of the visitor's organisation for one plan, series and level.
#[handler]
pub async fn summary_xlsx(st: Data<&AppState>, req: &Request, q: Query<SummaryQuery>) -> Response {
    summary(&st, req, &q, SummaryFormat::Xlsx).await
}

/// 导出一览表 (PDF).
#[handler]
pub async fn summary_pdf(st: Data<&AppState>, req: &Request, q: Query<SummaryQuery>) -> Response {
    summary(&st, req, &q, SummaryFormat::Pdf).await
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    members: String,
    #[serde(default)]
    attending: String,
    #[serde(default)]
    yes: String,
    #[serde(default)]
    no: String,
    #[serde(default)]
    abstain: String,
    #[serde(default)]
    education: String,
    #[serde(default)]
    current_title: String,
    #[serde(default)]
    work_history: String,
    #[serde(default)]
    achievements: String,
    #[serde(default)]
    assessments: String,
    #[serde(default)]
    continuing_education: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    attachments: String,
    #[serde(default)]
    other: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    ground: String,
    #[serde(default)]
    note: String,
}

impl ActForm {
    /// The reason typed for one section of a return.
    fn reason(&self, s: ReturnSection) -> &str {
        match s {
            ReturnSection::Education => &self.education,
            ReturnSection::CurrentTitle => &self.current_title,
            ReturnSection::WorkHistory => &self.work_history,
            ReturnSection::Achievements => &self.achievements,
            ReturnSection::Assessments => &self.assessments,
            ReturnSection::ContinuingEducation => &self.continuing_education,
            ReturnSection::Summary => &self.summary,
            ReturnSection::Attachments => &self.attachments,
            ReturnSection::Other => &self.other,
        }
    }

    /// Reasons per section: every non-blank one, in form order.
    fn reasons(&self) -> Result<ReturnReasons, ApiError> {
        let pairs = ReturnSection::ALL
            .into_iter()
            .map(|s| (s.as_str(), self.reason(s)))
            .filter(|(_, r)| !r.trim().is_empty());
        ReturnReasons::parse(pairs).map_err(bad_input)
    }

    /// The supplement notice: one item per line, the deadline a date (end of that day, Beijing).
    fn notice(&self, now: chrono::DateTime<chrono::Utc>) -> Result<SupplementNotice, ApiError> {
        let deadline = chrono::NaiveDate::parse_from_str(self.deadline.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .and_then(|t| {
                chrono::FixedOffset::east_opt(8 * 3600)
                    .and_then(|o| t.and_local_timezone(o).single())
            })
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok_or_else(|| {
                ApiError::invalid(
                    "deadline.invalid",
                    "请选择补正截止日期",
                    "choose the deadline date",
                    vec![FieldError::new(
                        "deadline",
                        "deadline.invalid",
                        "请选择补正截止日期",
                        "choose the deadline date",
                    )],
                )
            })?;
        SupplementNotice::parse(
            self.items.lines().map(str::trim).filter(|l| !l.is_empty()),
            deadline,
            now,
        )
        .map_err(bad_input)
    }

    fn vote(&self) -> Result<CommitteeVote, ApiError> {
        let mut fields = Vec::new();
        let mut n = |field: &str, label: &str, value: &str| -> u32 {
            value.trim().parse::<u32>().unwrap_or_else(|_| {
                fields.push(FieldError::new(
                    field,
                    &format!("{field}.invalid"),
                    format!("{label}应为非负整数"),
                    format!("{field} must be a whole number"),
                ));
                0
            })
        };
        let vote = CommitteeVote {
            members: n("members", "委员人数", &self.members),
            attending: n("attending", "出席人数", &self.attending),
            yes: n("yes", "同意票数", &self.yes),
            no: n("no", "反对票数", &self.no),
            abstain: n("abstain", "弃权票数", &self.abstain),
        };
        if fields.is_empty() {
            Ok(vote)
        } else {
            let zh = fields
                .iter()
                .map(|f| f.zh.clone())
                .collect::<Vec<_>>()
                .join("；");
            Err(ApiError::invalid(
                "vote.invalid",
                &zh,
                "invalid vote",
                fields,
            ))
        }
    }
}

/// One action on one case.
#[handler]
pub async fn act(
    st: Data<&AppState>,
    req: &Request,
    path: Path<(Uuid, String)>,
    q: Query<CaseQuery>,
    form: Form<ActForm>,
) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let (id, action) = (CaseId(path.0.0), path.0.1.as_str());
    let p = &v.principal;
    let result: Result<(), ApiError> = match action {
        "approve" => workflow::unit_approve(&st.store, &st.clock, p, id)
            .await
            .map(drop)
            .map_err(ApiError::from),
        "report" => workflow::report(&st.store, &st.store, &st.clock, p, id)
            .await
            .map(drop)
            .map_err(ApiError::from),
        "forward" => workflow::forward(&st.store, &st.clock, p, id)
            .await
            .map(drop)
            .map_err(ApiError::from),
        "accept" => workflow::accept(&st.store, &st.clock, p, id)
            .await
            .map(drop)
            .map_err(ApiError::from),
        "vote" => match form.vote() {
            Ok(vote) => workflow::record_vote(&st.store, &st.clock, p, id, vote)
                .await
                .map(drop)
                .map_err(ApiError::from),
            Err(e) => Err(e),
        },
        "issue" => issue(&st, p, id).await.map(drop),
        "return" => match form.reasons() {
            Ok(r) => workflow::return_to_applicant(&st.store, &st.clock, p, id, r)
                .await
                .map(drop)
                .map_err(ApiError::from),
            Err(e) => Err(e),
        },
        "reject" => match Opinion::parse("reason", &form.reason) {
            Ok(r) => workflow::unit_reject(&st.store, &st.clock, p, id, r)
                .await
                .map(drop)
                .map_err(ApiError::from),
            Err(e) => Err(bad_input(e)),
        },
        "return_to_unit" => match Opinion::parse("reason", &form.reason) {
            Ok(r) => workflow::return_to_unit(&st.store, &st.clock, p, id, r)
                .await
                .map(drop)
                .map_err(ApiError::from),
            Err(e) => Err(bad_input(e)),
        },
        "supplement" => match form.notice(st.clock.now()) {
            Ok(n) => workflow::request_supplement(&st.store, &st.clock, p, id, n)
                .await
                .map(drop)
                .map_err(ApiError::from),
            Err(e) => Err(e),
        },
        "refuse" => match (
            RefusalGround::parse(&form.ground),
            Opinion::parse("note", &form.note),
        ) {
            (Ok(g), Ok(n)) => workflow::refuse(&st.store, &st.clock, p, id, g, n)
                .await
                .map(drop)
                .map_err(ApiError::from),
            (Err(e), _) | (_, Err(e)) => Err(bad_input(e)),
        },
        _ => Err(ApiError::not_found()),
    };
    let filters = Filters::from(&q);
    match result {
        Ok(()) => {
            let query = filters.query();
            let sep = if query.is_empty() { "" } else { "&" };
            redirect(&format!("/work/cases?{query}{sep}done={action}"))
        }
        Err(e) => form_response(
            cases_page(&st, &v, &filters, Errors::from_api(&e), None).await,
            &e,
        ),
    }
}

/// 批量通过 / 批量上报: the ticked cases, all or nothing, once per rendered form.
#[handler]
pub async fn batch_act(
    st: Data<&AppState>,
    req: &Request,
    q: Query<CaseQuery>,
    form: Form<HashMap<String, String>>,
) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if let Some(r) = check_csrf(&v, field("csrf")) {
        return r;
    }
    // Sorted: the same ticks are the same request however the form's fields were ordered.
    let mut ids: Vec<CaseId> = form
        .keys()
        .filter_map(|k| k.strip_prefix("case_"))
        .filter_map(|id| Uuid::parse_str(id).ok())
        .map(CaseId)
        .collect();
    ids.sort_by_key(|c| c.0);
    let key = Some(field("key")).filter(|k| !k.is_empty());
    let p = &v.principal;
    let op = field("op");
    let result: Result<(), ApiError> = match op {
        "approve" => batch::approve_batch(&st.store, &st.clock, p, &ids, key)
            .await
            .map(drop)
            .map_err(ApiError::from),
        "report" => {
            let series = SeriesCode::parse(field("series")).ok();
            let level = TitleLevel::parse(field("level")).ok();
            match (series, level) {
                (Some(s), Some(l)) => {
                    batch::report_batch(&st.store, &st.store, &st.clock, p, s, l, &ids, key)
                        .await
                        .map(drop)
                        .map_err(ApiError::from)
                }
                _ => Err(ApiError::invalid(
                    "batch.series_level_required",
                    "批量上报前请先按职称系列和级别查询",
                    "filter by series and level before reporting a batch",
                    Vec::new(),
                )),
            }
        }
        _ => Err(ApiError::not_found()),
    };
    let filters = Filters::from(&q);
    match result {
        Ok(()) => {
            let query = filters.query();
            let sep = if query.is_empty() { "" } else { "&" };
            redirect(&format!("/work/cases?{query}{sep}done=batch_{op}"))
        }
        Err(e) => form_response(
            cases_page(&st, &v, &filters, Errors::from_api(&e), None).await,
            &e,
        ),
    }
}

/// One case's declaration as its reviewers see it: the declaration, its materials (read-only),
/// its attachments, the review form and what changed since the previous submission.
#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    applicant: String,
    title: String,
    facts: Vec<(&'static str, String)>,
    declaration_id: String,
    draft: bool,
    sections: Vec<super::materials::SectionView>,
    attachments: Vec<CaseFile>,
    /// The attachment shown beside the materials (`?view=<attachment id>`).
    viewing: Option<CaseFile>,
    diff: Option<super::declare::DiffView>,
}

/// An attachment on the case page: download, or show it beside the materials.
#[derive(Clone)]
struct CaseFile {
    file: super::declare::AttachmentView,
    /// `/work/cases/{case}?view={attachment}#viewer`
    view_href: String,
    /// The inline source for the frame or image.
    src: String,
    image: bool,
    active: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseDetailQuery {
    /// The attachment to show beside the materials.
    view: Option<String>,
}

#[handler]
pub async fn detail(
    st: Data<&AppState>,
    req: &Request,
    id: Path<Uuid>,
    q: Query<CaseDetailQuery>,
) -> Response {
    let v = match gate(&st, req, STAFF).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let chrome = Chrome::for_visitor(&v, "/work/cases");
    let loaded = async {
        let case = workflow::get_case(&st.store, &v.principal, CaseId(id.0)).await?;
        let d = zhicheng_declaration::service::get_readable_declaration(
            &st.store,
            &v.principal,
            case.declaration_id,
        )
        .await?;
        let files =
            zhicheng_declaration::service::list_attachments(&st.store, &v.principal, d.id).await?;
        let diff = super::declare::diff_view(&st, &v.principal, d.id).await?;
        let person = zhicheng_identity::ports::IdentityRepo::get_person(&st.store, d.person_id)
            .await?
            .map(|p| p.name.as_str().to_owned())
            .unwrap_or_default();
        let unit = zhicheng_identity::ports::IdentityRepo::get_org(&st.store, d.unit_id)
            .await?
            .map(|o| o.name.as_str().to_owned())
            .unwrap_or_default();
        let catalog = st.store.current_catalog().await?;
        Ok::<_, ApiError>((case, d, files, diff, person, unit, catalog))
    }
    .await;
    let (case, d, files, diff, person, unit, catalog) = match loaded {
        Ok(x) => x,
        Err(e) => return api_error_page(chrome, &e),
    };
    // An unknown or foreign `view` id simply shows nothing beside the materials.
    let view = q.view.as_deref().and_then(|s| Uuid::parse_str(s).ok());
    let attachments: Vec<CaseFile> = files
        .iter()
        .map(|a| CaseFile {
            file: super::declare::AttachmentView {
                section: a.section.zh().to_owned(),
                file_name: a.file_name.to_string(),
                size: zhicheng_documents::review_form::human_size(a.size),
                sha256: a.sha256.to_string(),
                href: format!("/files/attachments/{}", a.id.0),
            },
            view_href: format!("/work/cases/{}?view={}#viewer", case.id.0, a.id.0),
            src: format!("/files/attachments/{}/view", a.id.0),
            image: a.kind != zhicheng_declaration::attachment::ContentKind::Pdf,
            active: view == Some(a.id.0),
        })
        .collect();
    let title = catalog
        .title_name(&d.series, d.level)
        .unwrap_or_default()
        .to_owned();
    let out = CasePage {
        chrome,
        title: format!("{} 年度 {title} 申报", d.year),
        facts: vec![
            ("申报人", person.clone()),
            ("用人单位", unit),
            ("职称系列", series_name(&catalog, &d.series)),
            ("级别", format!("{}（{title}）", d.level.zh())),
            ("专业", d.specialty.clone()),
            ("申报类型", d.kind.zh().to_owned()),
            ("办理状态", case.status.zh().to_owned()),
            (
                "提交时间",
                d.submitted_at.map(beijing).unwrap_or_else(|| "—".into()),
            ),
            ("提交次数", d.submissions.to_string()),
        ],
        applicant: person,
        declaration_id: d.id.0.to_string(),
        draft: false,
        sections: super::materials::sections(
            &d.materials.raw(),
            &d.materials,
            &Errors::none(),
            false,
            &catalog,
        ),
        viewing: attachments.iter().find(|f| f.active).cloned(),
        attachments,
        diff,
    };
    render(&out)
}
