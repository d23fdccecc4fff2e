//! Title catalog, review plans and the commitment letter.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_declaration::commitment::CURRENT;
use zhicheng_declaration::plan::PlanStatus;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::service::{self, NewPlan, PlanAuthor};
use zhicheng_declaration::{Catalog, ReviewPlan};
use zhicheng_kernel::{PlanId, SeriesCode, TitleLevel};

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;

pub struct PlansApi(pub AppState);

#[derive(Object)]
pub struct SeriesDto {
    pub code: String,
    pub name: String,
    /// Title names for levels 1–5 (正高, 副高, 中级, 助理, 员级); null where the series has none.
    pub titles: Vec<Option<String>>,
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
    /// draft, open or closed.
    pub status: String,
}

impl From<&ReviewPlan> for PlanDto {
    fn from(p: &ReviewPlan) -> Self {
        PlanDto {
            id: p.id.0,
            year: p.year,
            name: p.name.clone(),
            organiser_id: p.organiser_id.0,
            series: p.series.to_string(),
            series_name: Catalog
                .find(&p.series)
                .map(|s| s.name)
                .unwrap_or_default()
                .to_owned(),
            levels: p.levels.iter().map(|l| l.as_str().to_owned()).collect(),
            window_start: p.window_start,
            window_end: p.window_end,
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
        .map_err(|e| ApiError::field("series", "职称系列代码无效，见 /api/v1/catalog/series", e))
}

#[OpenApi(tag = "Tag::Plans")]
impl PlansApi {
    /// The title catalog: series and the title name at each level.
    #[oai(path = "/catalog/series", method = "get")]
    async fn series(&self) -> SeriesList {
        SeriesList::Ok(Json(
            Catalog
                .series()
                .iter()
                .map(|s| SeriesDto {
                    code: s.code.into(),
                    name: s.name.into(),
                    titles: s.titles.iter().map(|t| t.map(str::to_owned)).collect(),
                })
                .collect(),
        ))
    }

    /// Published plans (open and closed), newest first.
    #[oai(path = "/plans", method = "get")]
    async fn list_plans(&self) -> Result<PlanList, ApiError> {
        let plans = self.0.store.list_plans().await?;
        Ok(PlanList::Ok(Json(
            plans
                .iter()
                .filter(|p| p.status != PlanStatus::Draft)
                .map(PlanDto::from)
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
        };
        let plan = service::create_plan(
            &self.0.store,
            &self.0.clock,
            &self.0.ids,
            PlanAuthor::Staff(&auth.0),
            cmd,
        )
        .await?;
        Ok(PlanResponse::Created(Json(PlanDto::from(&plan))))
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
        Ok(PlanResponse::Ok(Json(PlanDto::from(&plan))))
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
        Ok(PlanResponse::Ok(Json(PlanDto::from(&plan))))
    }

    /// The commitment letter in force (职称申报承诺书).
    #[oai(path = "/commitment-letter", method = "get")]
    async fn letter(&self) -> LetterResponse {
        LetterResponse::Ok(Json(LetterDto {
            version: CURRENT.version.into(),
            title: CURRENT.title.into(),
            body: CURRENT.body.into(),
        }))
    }

    /// Whether the applicant has accepted the letter in force.
    #[oai(path = "/me/commitment", method = "get")]
    async fn my_commitment(&self, auth: BearerAuth) -> Result<CommitmentResponse, ApiError> {
        let person = auth.0.person_id.ok_or_else(ApiError::forbidden)?;
        let acc = self.0.store.get_commitment(person, CURRENT.version).await?;
        Ok(CommitmentResponse::Ok(Json(CommitmentState {
            letter_version: CURRENT.version.into(),
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
