//! 评审计划 (/work/plans) for HR bureaus and committee organisers: their plans with status, the
//! create form (calendar days read in the plan's time zone, Asia/Shanghai by default, and the
//! optional unit review/report deadline), 发布 and 关闭. The plan rules are
//! `declaration::service::{create_plan, set_plan_open}`'s.

use askama::Template;
use chrono::{Datelike, NaiveDate};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;
use zhicheng_declaration::Catalog;
use zhicheng_declaration::ReviewPlan;
use zhicheng_declaration::plan::{PlanStatus, PlanTimeZone};
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::service::{NewPlan, PlanAuthor, create_plan, set_plan_open};
use zhicheng_kernel::{Clock, FieldError, PlanId, SeriesCode, TitleLevel};

use super::common::{
    Choice, Chrome, Errors, RECEIVERS, api_error_page, check_csrf, form_response, gate,
    series_choices, series_name,
};
use super::{Visitor, redirect, render};
use crate::error::ApiError;
use crate::state::AppState;

struct PlanRow {
    id: String,
    year: i32,
    name: String,
    series_name: String,
    levels: String,
    window: String,
    /// 单位审核上报截止时间, in the plan's zone.
    deadline: String,
    notes: String,
    status: String,
    status_code: String,
    can_open: bool,
    can_close: bool,
}

fn plan_row(p: &ReviewPlan, catalog: &Catalog) -> PlanRow {
    PlanRow {
        id: p.id.0.to_string(),
        year: p.year,
        name: p.name.clone(),
        series_name: series_name(catalog, &p.series),
        levels: p
            .levels
            .iter()
            .map(|l| l.zh())
            .collect::<Vec<_>>()
            .join("、"),
        window: p.window_text(),
        deadline: p.deadline_text().unwrap_or_else(|| "未设".into()),
        notes: p.notes.clone(),
        status: p.status.zh().to_owned(),
        status_code: p.status.as_str().to_owned(),
        can_open: p.status == PlanStatus::Draft,
        can_close: p.status == PlanStatus::Open,
    }
}

#[derive(Deserialize, Default)]
pub struct PlanForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    series: String,
    lv_senior_full: Option<String>,
    lv_senior_deputy: Option<String>,
    lv_intermediate: Option<String>,
    lv_assistant: Option<String>,
    lv_junior: Option<String>,
    #[serde(default)]
    window_start: String,
    #[serde(default)]
    window_end: String,
    /// Optional: the last day units may report (until 23:59:59 of it).
    #[serde(default)]
    report_deadline: String,
    #[serde(default)]
    time_zone: String,
    /// Optional 备注 of the notice.
    #[serde(default)]
    notes: String,
}

impl PlanForm {
    fn checked(&self, l: TitleLevel) -> bool {
        match l {
            TitleLevel::SeniorFull => self.lv_senior_full.is_some(),
            TitleLevel::SeniorDeputy => self.lv_senior_deputy.is_some(),
            TitleLevel::Intermediate => self.lv_intermediate.is_some(),
            TitleLevel::Assistant => self.lv_assistant.is_some(),
            TitleLevel::Junior => self.lv_junior.is_some(),
        }
    }
}

/// The zones offered on the form (the plan's zone decides how its days are read and shown).
const ZONES: [(&str, &str); 6] = [
    ("Asia/Shanghai", "北京时间（Asia/Shanghai）"),
    ("Asia/Urumqi", "乌鲁木齐（Asia/Urumqi）"),
    ("Asia/Hong_Kong", "香港（Asia/Hong_Kong）"),
    ("Asia/Macau", "澳门（Asia/Macau）"),
    ("Asia/Taipei", "台北（Asia/Taipei）"),
    ("UTC", "协调世界时（UTC）"),
];

fn zone_choices(selected: &str) -> Vec<Choice> {
    let selected = if selected.trim().is_empty() {
        "Asia/Shanghai"
    } else {
        selected.trim()
    };
    ZONES
        .iter()
        .map(|(v, l)| Choice {
            value: (*v).to_owned(),
            label: (*l).to_owned(),
            selected: *v == selected,
        })
        .collect()
}

/// Parses the form into a plan command; every unreadable field is reported at once.
fn parse_plan(f: &PlanForm) -> Result<NewPlan, ApiError> {
    let mut fields = Vec::new();
    let mut bad = |field: &str, zh: &str| {
        fields.push(FieldError::new(
            field,
            &format!("{field}.invalid"),
            zh,
            format!("invalid {field}"),
        ));
    };
    let year = f.year.trim().parse::<i32>().ok();
    if year.is_none() {
        bad("year", "请填写年度，如 2026");
    }
    let series = SeriesCode::parse(&f.series).ok();
    if series.is_none() {
        bad("series", "请选择职称系列");
    }
    let tz = PlanTimeZone::parse(&f.time_zone).ok();
    if tz.is_none() {
        bad("time_zone", "请选择时区");
    }
    let zone = tz.unwrap_or_default();
    let date = |s: &str, end: bool| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| zone.day(d, end))
    };
    let start = date(&f.window_start, false);
    if start.is_none() {
        bad("window_start", "请选择申报开始日期");
    }
    let end = date(&f.window_end, true);
    if end.is_none() {
        bad("window_end", "请选择申报截止日期");
    }
    let deadline = if f.report_deadline.trim().is_empty() {
        Some(None)
    } else {
        date(&f.report_deadline, true).map(Some)
    };
    if deadline.is_none() {
        bad(
            "report_deadline",
            "单位审核上报截止日期格式应为 YYYY-MM-DD，或留空",
        );
    }
    let levels: Vec<TitleLevel> = TitleLevel::ALL
        .into_iter()
        .filter(|l| f.checked(*l))
        .collect();
    match (year, series, start, end, deadline, tz) {
        (Some(year), Some(series), Some(start), Some(end), Some(deadline), Some(tz)) => {
            Ok(NewPlan {
                year,
                name: f.name.clone(),
                series,
                levels,
                window_start: start,
                window_end: end,
                report_deadline: deadline,
                time_zone: tz,
                notes: f.notes.clone(),
            })
        }
        _ => Err(ApiError::invalid(
            "plan.invalid",
            "计划信息有误，请按提示修改",
            "invalid plan",
            fields,
        )),
    }
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    chrome: Chrome,
    plans: Vec<PlanRow>,
    f: PlanForm,
    series: Vec<Choice>,
    levels: Vec<Choice>,
    zones: Vec<Choice>,
    errors: Errors,
    notice: Option<String>,
}

async fn plans_page(
    st: &AppState,
    v: &Visitor,
    f: PlanForm,
    errors: Errors,
    notice: Option<String>,
) -> Response {
    let chrome = Chrome::for_visitor(v, "/work/plans");
    let loaded = async {
        let plans = st.store.list_plans().await?;
        let catalog = st.store.current_catalog().await?;
        Ok::<_, ApiError>((plans, catalog))
    }
    .await;
    let (plans, catalog) = match loaded {
        Ok(x) => x,
        Err(e) => return api_error_page(chrome, &e),
    };
    let out = PlansPage {
        chrome,
        plans: plans
            .iter()
            .filter(|p| Some(p.organiser_id) == v.principal.org_id)
            .map(|p| plan_row(p, &catalog))
            .collect(),
        series: series_choices(&catalog, &f.series),
        levels: TitleLevel::ALL
            .iter()
            .map(|l| Choice {
                value: format!("lv_{}", l.as_str()),
                label: l.zh().to_owned(),
                selected: f.checked(*l),
            })
            .collect(),
        zones: zone_choices(&f.time_zone),
        f,
        errors,
        notice,
    };
    render(&out)
}

#[derive(Deserialize)]
pub struct PlansQuery {
    done: Option<String>,
}

#[handler]
pub async fn page(st: Data<&AppState>, req: &Request, q: Query<PlansQuery>) -> Response {
    let v = match gate(&st, req, RECEIVERS).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let notice = match q.done.as_deref() {
        Some("created") => Some("计划已创建（草拟）。核对无误后点击“发布”，申报人即可看到。"),
        Some("open") => Some("计划已发布，申报人现在可以新增申报。"),
        Some("close") => Some("计划已关闭。"),
        _ => None,
    };
    let year = st.clock.now().year();
    let f = PlanForm {
        year: year.to_string(),
        ..PlanForm::default()
    };
    plans_page(&st, &v, f, Errors::none(), notice.map(str::to_owned)).await
}

#[handler]
pub async fn create(st: Data<&AppState>, req: &Request, form: Form<PlanForm>) -> Response {
    let v = match gate(&st, req, RECEIVERS).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let f = form.0;
    let result = match parse_plan(&f) {
        Ok(cmd) => create_plan(
            &st.store,
            &st.clock,
            &st.ids,
            PlanAuthor::Staff(&v.principal),
            cmd,
        )
        .await
        .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => redirect("/work/plans?done=created"),
        Err(e) => {
            let errors = match e.body().code.as_str() {
                "plan.unknown_series" => Errors::from_api(&e).pin("series"),
                "plan.no_levels" => Errors::from_api(&e).pin("levels"),
                "plan.window_order" => Errors::from_api(&e).pin("window_end"),
                "plan.year" => Errors::from_api(&e).pin("year"),
                "plan.name" => Errors::from_api(&e).pin("name"),
                _ => Errors::from_api(&e),
            };
            form_response(plans_page(&st, &v, f, errors, None).await, &e)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// 发布 (open) or 关闭 (close).
#[handler]
pub async fn set_open(
    st: Data<&AppState>,
    req: &Request,
    path: Path<(Uuid, String)>,
    form: Form<CsrfForm>,
) -> Response {
    let v = match gate(&st, req, RECEIVERS).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(r) = check_csrf(&v, &form.csrf) {
        return r;
    }
    let (id, action) = (PlanId(path.0.0), path.0.1.as_str());
    let open = match action {
        "open" => true,
        "close" => false,
        _ => {
            return api_error_page(
                Chrome::for_visitor(&v, "/work/plans"),
                &ApiError::not_found(),
            );
        }
    };
    match set_plan_open(
        &st.store,
        &st.clock,
        PlanAuthor::Staff(&v.principal),
        id,
        open,
    )
    .await
    {
        Ok(_) => redirect(&format!("/work/plans?done={action}")),
        Err(e) => {
            let e = ApiError::from(e);
            form_response(
                plans_page(&st, &v, PlanForm::default(), Errors::from_api(&e), None).await,
                &e,
            )
        }
    }
}
