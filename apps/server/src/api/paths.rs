//! Approval paths: request, list, decide.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_approval_path::service;
use zhicheng_approval_path::{PathLink, RouteError};
use zhicheng_kernel::{Localized, PlanId};
use zhicheng_kernel::{OrgId, PathLinkId, TitleLevel};
use zhicheng_review_workflow::health::{HealthEntry, path_health};

use super::Tag;
use super::orgs::DecisionRequest;
use super::plans::parse_series;
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;

pub struct PathsApi(pub AppState);

#[derive(Object)]
pub struct PathLinkDto {
    pub id: Uuid,
    pub org_id: Uuid,
    pub series: String,
    pub level: String,
    pub parent_id: Uuid,
    /// The parent accepts declarations itself (the route ends there).
    pub parent_is_receiver: bool,
    /// pending, approved or rejected.
    pub status: String,
    pub status_name: String,
    pub note: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<&PathLink> for PathLinkDto {
    fn from(l: &PathLink) -> Self {
        PathLinkDto {
            id: l.id.0,
            org_id: l.org_id.0,
            series: l.series.to_string(),
            level: l.level.as_str().into(),
            parent_id: l.parent_id.0,
            parent_is_receiver: l.parent_is_receiver,
            status: l.status.as_str().into(),
            status_name: l.status.zh().into(),
            note: l.note.clone(),
            requested_at: l.requested_at,
            decided_at: l.decided_at,
        }
    }
}

#[derive(Object)]
pub struct RequestPathRequest {
    pub series: String,
    pub level: String,
    /// The competent department, HR bureau or committee organiser to report to.
    pub parent_id: Uuid,
}

#[derive(Object)]
pub struct MyPaths {
    /// Paths this organisation requested.
    pub outgoing: Vec<PathLinkDto>,
    /// Requests addressed to this organisation.
    pub incoming: Vec<PathLinkDto>,
}

#[derive(ApiResponse)]
pub enum PathResponse {
    #[oai(status = 200)]
    Ok(Json<PathLinkDto>),
    #[oai(status = 201)]
    Created(Json<PathLinkDto>),
}

#[derive(Object)]
pub struct RevokeRequest {
    /// Why the path is withdrawn, shown to the requester.
    pub reason: String,
}

/// One event of a link's history.
#[derive(Object)]
pub struct PathEventDto {
    pub at: DateTime<Utc>,
    /// path.requested, path.decided or path.revoked.
    pub action: String,
    /// The account that acted, when an account did.
    pub account_id: Option<Uuid>,
    /// Result, note or reason.
    pub detail: serde_json::Value,
}

#[derive(Object)]
pub struct PathHistory {
    pub link: PathLinkDto,
    pub events: Vec<PathEventDto>,
}

#[derive(ApiResponse)]
pub enum PathHistoryResponse {
    #[oai(status = 200)]
    Ok(Json<PathHistory>),
}

/// The route status of one (unit, series, level) with declarations in the plan.
#[derive(Object)]
pub struct PathHealthDto {
    pub unit_id: Uuid,
    pub unit_name: String,
    pub series: String,
    pub level: String,
    /// complete, missing, pending, rejected, revoked, cycle or too_long.
    pub status: String,
    /// The complete route, unit first (names).
    pub route: Vec<String>,
    /// The organisation whose outgoing link fails.
    pub at_org_id: Option<Uuid>,
    pub at_org_name: Option<String>,
    /// The upper organisation of that link (who must approve, or who refused).
    pub parent_org_id: Option<Uuid>,
    pub parent_org_name: Option<String>,
    /// What to do, in Chinese.
    pub message: String,
}

impl From<HealthEntry> for PathHealthDto {
    fn from(e: HealthEntry) -> Self {
        let mut dto = PathHealthDto {
            unit_id: e.key.unit.0,
            unit_name: e.unit_name,
            series: e.key.series.to_string(),
            level: e.key.level.as_str().into(),
            status: "complete".into(),
            route: Vec::new(),
            at_org_id: None,
            at_org_name: None,
            parent_org_id: None,
            parent_org_name: None,
            message: String::new(),
        };
        match e.route {
            Ok(hops) => {
                dto.message = format!(
                    "上报路径完整：{}",
                    hops.iter()
                        .map(|h| h.1.as_str())
                        .collect::<Vec<_>>()
                        .join(" → ")
                );
                dto.route = hops.into_iter().map(|h| h.1).collect();
            }
            Err(err) => {
                dto.message = err.zh();
                match err {
                    RouteError::NoApprovedPath { at, gap, names } => {
                        dto.status = gap.code().into();
                        dto.at_org_id = Some(at.0);
                        dto.at_org_name = names.at;
                        dto.parent_org_id = gap.parent().map(|p| p.0);
                        dto.parent_org_name = names.parent;
                    }
                    RouteError::Cycle => dto.status = "cycle".into(),
                    RouteError::TooLong => dto.status = "too_long".into(),
                }
            }
        }
        dto
    }
}

#[derive(ApiResponse)]
pub enum PathHealthResponse {
    #[oai(status = 200)]
    Ok(Json<Vec<PathHealthDto>>),
}

#[derive(ApiResponse)]
pub enum PathsResponse {
    #[oai(status = 200)]
    Ok(Json<MyPaths>),
}

#[OpenApi(tag = "Tag::Paths")]
impl PathsApi {
    /// 新增路径: request a reporting path for (series, level) to an upper organisation.
    #[oai(path = "/paths", method = "post")]
    async fn request(
        &self,
        auth: BearerAuth,
        body: Json<RequestPathRequest>,
    ) -> Result<PathResponse, ApiError> {
        let series = parse_series(&body.series)?;
        let level =
            TitleLevel::parse(&body.level).map_err(|e| ApiError::field("level", "级别无效", e))?;
        let st = &self.0;
        let link = service::request_path(
            &st.store,
            &st.store,
            &st.clock,
            &st.ids,
            &auth.0,
            series,
            level,
            OrgId(body.parent_id),
        )
        .await?;
        Ok(PathResponse::Created(Json(PathLinkDto::from(&link))))
    }

    /// Paths requested by and addressed to the caller's organisation.
    #[oai(path = "/paths", method = "get")]
    async fn mine(&self, auth: BearerAuth) -> Result<PathsResponse, ApiError> {
        let (out, inc) = service::my_links(&self.0.store, &auth.0).await?;
        Ok(PathsResponse::Ok(Json(MyPaths {
            outgoing: out.iter().map(PathLinkDto::from).collect(),
            incoming: inc.iter().map(PathLinkDto::from).collect(),
        })))
    }

    /// 路径审核: the upper organisation approves or rejects a request addressed to it.
    #[oai(path = "/paths/:id/decision", method = "post")]
    async fn decide(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<DecisionRequest>,
    ) -> Result<PathResponse, ApiError> {
        let b = body.0;
        let link = service::decide_path(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            PathLinkId(id.0),
            b.approve,
            b.note,
        )
        .await?;
        Ok(PathResponse::Ok(Json(PathLinkDto::from(&link))))
    }

    /// 撤销: the upper organisation withdraws an approved path (cases already past the hop are
    /// unaffected; new reports need a new path).
    #[oai(path = "/paths/:id/revoke", method = "post")]
    async fn revoke(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<RevokeRequest>,
    ) -> Result<PathResponse, ApiError> {
        let link = service::revoke_path(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            PathLinkId(id.0),
            body.0.reason,
        )
        .await?;
        Ok(PathResponse::Ok(Json(PathLinkDto::from(&link))))
    }

    /// The history of a path (request, decision, revocation), for either side of it.
    #[oai(path = "/paths/:id/history", method = "get")]
    async fn history(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<PathHistoryResponse, ApiError> {
        let (link, events) =
            service::link_history(&self.0.store, &auth.0, PathLinkId(id.0)).await?;
        Ok(PathHistoryResponse::Ok(Json(PathHistory {
            link: PathLinkDto::from(&link),
            events: events
                .into_iter()
                .map(|e| PathEventDto {
                    at: e.at,
                    action: e.action,
                    account_id: match e.actor {
                        zhicheng_kernel::Actor::Account(a) => Some(a.0),
                        _ => None,
                    },
                    detail: e.detail,
                })
                .collect(),
        })))
    }

    /// 路径健康检查: the route status of every (series, level) with declarations in the plan —
    /// the caller's own, or for an HR bureau every unit of its region.
    #[oai(path = "/paths/health", method = "get")]
    async fn health(
        &self,
        auth: BearerAuth,
        plan: Query<Uuid>,
    ) -> Result<PathHealthResponse, ApiError> {
        let rows = path_health(&self.0.store, &self.0.store, &auth.0, PlanId(plan.0)).await?;
        Ok(PathHealthResponse::Ok(Json(
            rows.into_iter().map(PathHealthDto::from).collect(),
        )))
    }
}
