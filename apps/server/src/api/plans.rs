//! Title catalog, review plans and the commitment letter.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_declaration::plan::{PlanStatus, PlanTimeZone};
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::service::{self, NewPlan, PlanAuthor};
use zhicheng_declaration::{Catalog, ReviewPlan, Series};
use zhicheng_kernel::{PlanId, SeriesCode, ServiceError, TitleLevel};

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;

pub struct PlansApi(pub AppState);

#[derive(Object)]
pub struct SpecialtyDto {
    pub code: String,
    /// What a declaration records; `POST /declarations` takes the code or the name.
    pub name: String,
}

#[derive(Object)]
pub struct SeriesDto {
    pub code: String,
    pub name: String,
    /// Title names for levels 1–5 (正高, 副高, 中级, 助理, 员级); null where the series has none.
    pub titles: Vec<Option<String>>,
    pub specialties: Vec<SpecialtyDto>,
}

impl From<&Series> for SeriesDto {
    fn from(s: &Series) -> Self {
        SeriesDto {
            code: s.code.to_string(),
            name: s.name.clone(),
            titles: s.titles.to_vec(),
            specialties: s
                .specialties
                .iter()
                .map(|x| SpecialtyDto {
                    code: x.code.clone(),
                    name: x.name.clone(),
                })
                .collect(),
        }
    }
}

/// The title catalog in force.
#[derive(Object)]
pub struct CatalogDto {
    /// 1 is the built-in catalog; each operator import (`zhicheng catalog import`) adds one.
    pub version: u32,
    /// When this version was imported (null for the built-in one).
    pub published_at: Option<DateTime<Utc>>,
    /// `built-in` or the imported file's name.
    pub source: String,
    pub series: Vec<SeriesDto>,
}

impl From<&Catalog> for CatalogDto {
    fn from(c: &Catalog) -> Self {
        CatalogDto {
            version: c.version,
            published_at: c.published_at,
            source: c.source.clone(),
            series: c.series().iter().map(SeriesDto::from).collect(),
        }
    }
}

#[derive(Object, Clone)]
pub struct PlanDto {
    pub id: Uuid,
    pub year: i32,
    pub name: String,
    pub organiser_id: Uuid,
    pub series: String,
    pub series_name: String,
    /// Level codes: senior_full, senior_deputy, intermediate, assistant, junior.
    pub levels: Vec<String>,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// 单位审核上报截止时间: units report upward until then (null: no deadline).
    pub report_deadline: Option<DateTime<Utc>>,
    /// IANA time zone the window and deadline are stated and enforced in.
    pub time_zone: String,
    /// 备注 of the notice; empty when none.
    pub notes: String,
    /// draft, open or closed.
    pub status: String,
}

impl PlanDto {
    pub fn new(p: &ReviewPlan, catalog: &Catalog) -> Self {
        PlanDto {
            id: p.id.0,
            year: p.year,
            name: p.name.clone(),
            organiser_id: p.organiser_id.0,
            series: p.series.to_string(),
            series_name: catalog.series_name(&p.series),
            levels: p.levels.iter().map(|l| l.as_str().to_owned()).collect(),
            window_start: p.window_start,
            window_end: p.window_end,
            report_deadline: p.report_deadline,
            time_zone: p.time_zone.name().to_owned(),
            notes: p.notes.clone(),
            status: p.status.as_str().to_owned(),
        }
    }
}

#[derive(Object)]
pub struct CreatePlanRequest {
    pub year: i32,
    pub name: String,
    /// Series code from `/api/v1/catalog/series`, e.g. ENG.
    pub series: String,
    pub levels: Vec<String>,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// 单位审核上报截止时间 (optional; not before `window_end`).
    pub report_deadline: Option<DateTime<Utc>>,
    /// IANA time zone, default `Asia/Shanghai`.
    pub time_zone: Option<String>,
    /// 备注 of the notice (optional, at most 2000 characters).
    pub notes: Option<String>,
}

#[derive(Object)]
pub struct LetterDto {
    pub version: String,
    pub title: String,
    pub body: String,
}

#[derive(Object)]
pub struct CommitmentState {
    pub letter_version: String,
    pub accepted: bool,
    pub accepted_at: Option<DateTime<Utc>>,
}

#[derive(ApiResponse)]
pub enum SeriesList {
    #[oai(status = 200)]
    Ok(Json<Vec<SeriesDto>>),
}

#[derive(ApiResponse)]
pub enum CatalogResponse {
    #[oai(status = 200)]
    Ok(Json<CatalogDto>),
}

#[derive(ApiResponse)]
pub enum PlanList {
    #[oai(status = 200)]
    Ok(Json<Vec<PlanDto>>),
}

#[derive(ApiResponse)]
pub enum PlanResponse {
    #[oai(status = 200)]
    Ok(Json<PlanDto>),
    #[oai(status = 201)]
    Created(Json<PlanDto>),
}

#[derive(ApiResponse)]
pub enum LetterResponse {
    #[oai(status = 200)]
    Ok(Json<LetterDto>),
}

#[derive(ApiResponse)]
pub enum CommitmentResponse {
    #[oai(status = 200)]
    Ok(Json<CommitmentState>),
}

/// Parses level codes (also accepts 1–5 and the Chinese names).
pub fn parse_levels(levels: &[String]) -> Result<Vec<TitleLevel>, ApiError> {
    levels
        .iter()
        .map(|l| {
            TitleLevel::parse(l).map_err(|e| {
                ApiError::field(
                    "levels",
                    "级别应为 senior_full、senior_deputy、intermediate、assistant 或 junior",
                    e,
                )
            })
        })
        .collect()
}

pub fn parse_series(s: &str) -> Result<SeriesCode, ApiError> {
    SeriesCode::parse(s)
        .map_err(|e| ApiError::field("series", "职称系列代码无效，见 /api/v1/catalog", e))
}

#[OpenApi(tag = "Tag::Plans")]
impl PlansApi {
    /// The title catalog in force (职称目录): its version, every series with the title name
    /// at each level and its specialties.
    #[oai(path = "/catalog", method = "get")]
    async fn catalog(&self) -> Result<CatalogResponse, ApiError> {
        let c = self.0.store.current_catalog().await?;
        Ok(CatalogResponse::Ok(Json(CatalogDto::from(c.as_ref()))))
    }

    /// The series of the catalog in force (the `series` of `GET /catalog`).
    #[oai(path = "/catalog/series", method = "get")]
    async fn series(&self) -> Result<SeriesList, ApiError> {
        let c = self.0.store.current_catalog().await?;
        Ok(SeriesList::Ok(Json(
            c.series().iter().map(SeriesDto::from).collect(),
        )))
    }

    /// Published plans (open and closed), newest first.
    #[oai(path = "/plans", method = "get")]
    async fn list_plans(&self) -> Result<PlanList, ApiError> {
        let plans = self.0.store.list_plans().await?;
        let catalog = self.0.store.current_catalog().await?;
        Ok(PlanList::Ok(Json(
            plans
                .iter()
                .filter(|p| p.status != PlanStatus::Draft)
                .map(|p| PlanDto::new(p, &catalog))
                .collect(),
        )))
    }

    /// 发布申报通知: an HR bureau or committee organiser creates a plan (in draft).
    #[oai(path = "/plans", method = "post")]
    async fn create_plan(
        &self,
        auth: BearerAuth,
        body: Json<CreatePlanRequest>,
    ) -> Result<PlanResponse, ApiError> {
        let b = body.0;
        let cmd = NewPlan {
            year: b.year,
            name: b.name,
            series: parse_series(&b.series)?,
            levels: parse_levels(&b.levels)?,
            window_start: b.window_start,
            window_end: b.window_end,
            report_deadline: b.report_deadline,
            time_zone: PlanTimeZone::parse(b.time_zone.as_deref().unwrap_or_default())
                .map_err(|e| ApiError::from(ServiceError::Rule(e)))?,
            notes: b.notes.unwrap_or_default(),
        };
        let plan = service::create_plan(
            &self.0.store,
            &self.0.clock,
            &self.0.ids,
            PlanAuthor::Staff(&auth.0),
            cmd,
        )
        .await?;
        let catalog = self.0.store.current_catalog().await?;
        Ok(PlanResponse::Created(Json(PlanDto::new(&plan, &catalog))))
    }

    /// Publishes a plan: applicants may declare.
    #[oai(path = "/plans/:id/open", method = "post")]
    async fn open_plan(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<PlanResponse, ApiError> {
        let plan = service::set_plan_open(
            &self.0.store,
            &self.0.clock,
            PlanAuthor::Staff(&auth.0),
            PlanId(id.0),
            true,
        )
        .await?;
        let catalog = self.0.store.current_catalog().await?;
        Ok(PlanResponse::Ok(Json(PlanDto::new(&plan, &catalog))))
    }

    /// Closes a plan.
    #[oai(path = "/plans/:id/close", method = "post")]
    async fn close_plan(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<PlanResponse, ApiError> {
        let plan = service::set_plan_open(
            &self.0.store,
            &self.0.clock,
            PlanAuthor::Staff(&auth.0),
            PlanId(id.0),
            false,
        )
        .await?;
        let catalog = self.0.store.current_catalog().await?;
        Ok(PlanResponse::Ok(Json(PlanDto::new(&plan, &catalog))))
    }

    /// The commitment letter in force (职称申报承诺书). When an operator publishes a new text
    /// (`zhicheng commitment set`), its version changes and every applicant accepts it again
    /// before any declaration action.
    #[oai(path = "/commitment-letter", method = "get")]
    async fn letter(&self) -> Result<LetterResponse, ApiError> {
        let l = self.0.store.current_letter().await?;
        Ok(LetterResponse::Ok(Json(LetterDto {
            version: l.version,
            title: l.title,
            body: l.body,
        })))
    }

    /// Whether the applicant has accepted the letter in force.
    #[oai(path = "/me/commitment", method = "get")]
    async fn my_commitment(&self, auth: BearerAuth) -> Result<CommitmentResponse, ApiError> {
        let (letter, acc) = service::commitment_state(&self.0.store, &auth.0).await?;
        Ok(CommitmentResponse::Ok(Json(CommitmentState {
            letter_version: letter.version,
            accepted: acc.is_some(),
            accepted_at: acc.map(|a| a.accepted_at),
        })))
    }

    /// 我同意: the applicant accepts the letter in force.
    #[oai(path = "/me/commitment", method = "post")]
    async fn accept_commitment(&self, auth: BearerAuth) -> Result<CommitmentResponse, ApiError> {
        let acc = service::accept_commitment(&self.0.store, &self.0.clock, &auth.0).await?;
        Ok(CommitmentResponse::Ok(Json(CommitmentState {
            letter_version: acc.letter_version,
            accepted: true,
            accepted_at: Some(acc.accepted_at),
        })))
    }
}
