//! Review cases: queues, unit approval, reporting, forwarding, acceptance, vote, issuing.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_certificate::service::VerificationCode;
use zhicheng_kernel::{CaseId, TitleLevel};
use zhicheng_review_workflow::ports::CaseRow;
use zhicheng_review_workflow::{CaseStatus, CommitteeVote, ReviewCase, service};
use zhicheng_store::runtime::random_code;

use super::Tag;
use super::certificates::CertificateDto;
use super::plans::parse_series;
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;

pub struct CasesApi(pub AppState);

#[derive(Object)]
pub struct VoteDto {
    pub members: u32,
    pub attending: u32,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

#[derive(Object)]
pub struct CaseDto {
    pub id: Uuid,
    pub declaration_id: Uuid,
    pub person_id: Uuid,
    pub unit_id: Uuid,
    pub year: i32,
    pub series: String,
    pub level: String,
    pub level_name: String,
    /// unit_review, ready_to_report, in_transit, pending_acceptance, accepted, passed, failed, certified.
    pub status: String,
    pub status_name: String,
    pub holder_id: Uuid,
    pub held_since: DateTime<Utc>,
    /// The approved route once reported: unit first, receiver last.
    pub route: Vec<Uuid>,
    pub vote: Option<VoteDto>,
    pub applicant_name: Option<String>,
    pub specialty: Option<String>,
    pub unit_name: Option<String>,
    pub version: i64,
}

pub fn case_dto(c: &ReviewCase) -> CaseDto {
    CaseDto {
        id: c.id.0,
        declaration_id: c.declaration_id.0,
        person_id: c.person_id.0,
        unit_id: c.unit_id.0,
        year: c.year,
        series: c.series.to_string(),
        level: c.level.as_str().into(),
        level_name: c.level.zh().into(),
        status: c.status.as_str().into(),
        status_name: c.status.zh().into(),
        holder_id: c.holder_id.0,
        held_since: c.held_since,
        route: c.route.iter().map(|o| o.0).collect(),
        vote: c.vote.map(|v| VoteDto {
            members: v.members,
            attending: v.attending,
            yes: v.yes,
            no: v.no,
            abstain: v.abstain,
        }),
        applicant_name: None,
        specialty: None,
        unit_name: None,
        version: c.version,
    }
}

fn row_dto(r: &CaseRow) -> CaseDto {
    let mut d = case_dto(&r.case);
    d.applicant_name = Some(r.applicant_name.clone());
    d.specialty = Some(r.specialty.clone());
    d.unit_name = Some(r.unit_name.clone());
    d
}

#[derive(ApiResponse)]
pub enum CaseResponse {
    #[oai(status = 200)]
    Ok(Json<CaseDto>),
}

#[derive(ApiResponse)]
pub enum CaseList {
    #[oai(status = 200)]
    Ok(Json<Vec<CaseDto>>),
}

#[derive(ApiResponse)]
pub enum IssueResponse {
    /// Issued; the holder can download it now.
    #[oai(status = 201)]
    Created(Json<CertificateDto>),
}

/// Issues a certificate for a passed case (shared with the portal).
pub async fn issue(
    st: &AppState,
    p: &zhicheng_kernel::Principal,
    id: CaseId,
) -> Result<zhicheng_certificate::Certificate, ApiError> {
    let code = random_code(20).map_err(ApiError::internal)?;
    let code = VerificationCode::parse(&code).map_err(ApiError::internal)?;
    Ok(zhicheng_certificate::service::issue_certificate(
        &st.store, &st.store, &st.store, &st.store, &st.clock, &st.ids, &st.key, p, id, code,
    )
    .await?)
}

#[OpenApi(tag = "Tag::Cases")]
impl CasesApi {
    /// 职称申报数据审核 / 上报: cases the caller's organisation holds, filtered by status,
    /// series and level.
    #[oai(path = "/cases", method = "get")]
    async fn queue(
        &self,
        auth: BearerAuth,
        status: Query<Option<String>>,
        series: Query<Option<String>>,
        level: Query<Option<String>>,
    ) -> Result<CaseList, ApiError> {
        let status = match status.0.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                CaseStatus::parse(s)
                    .ok_or_else(|| ApiError::field("status", "状态无效", "unknown status"))?,
            ),
            None => None,
        };
        let series = series
            .0
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(parse_series)
            .transpose()?;
        let level = match level.0.as_deref().filter(|s| !s.is_empty()) {
            Some(l) => {
                Some(TitleLevel::parse(l).map_err(|e| ApiError::field("level", "级别无效", e))?)
            }
            None => None,
        };
        let rows = service::queue(&self.0.store, &auth.0, status, series, level).await?;
        Ok(CaseList::Ok(Json(rows.iter().map(row_dto).collect())))
    }

    /// One case the caller may see.
    #[oai(path = "/cases/:id", method = "get")]
    async fn get(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<CaseResponse, ApiError> {
        let c = service::get_case(&self.0.store, &auth.0, CaseId(id.0)).await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 通过: the unit approves a declaration it holds in review.
    #[oai(path = "/cases/:id/approve", method = "post")]
    async fn approve(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<CaseResponse, ApiError> {
        let c = service::unit_approve(&self.0.store, &self.0.clock, &auth.0, CaseId(id.0)).await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 数据上报: the unit reports an approved declaration along its approved path.
    #[oai(path = "/cases/:id/report", method = "post")]
    async fn report(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<CaseResponse, ApiError> {
        let c = service::report(
            &self.0.store,
            &self.0.store,
            &self.0.clock,
            &auth.0,
            CaseId(id.0),
        )
        .await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 逐级上报: a competent department forwards to the next level.
    #[oai(path = "/cases/:id/forward", method = "post")]
    async fn forward(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<CaseResponse, ApiError> {
        let c = service::forward(&self.0.store, &self.0.clock, &auth.0, CaseId(id.0)).await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 受理: the HR bureau or committee organiser accepts the declaration.
    #[oai(path = "/cases/:id/accept", method = "post")]
    async fn accept(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<CaseResponse, ApiError> {
        let c = service::accept(&self.0.store, &self.0.clock, &auth.0, CaseId(id.0)).await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 评审结果: records the committee's vote. Quorum (≥ 2/3 attending) and the two-thirds
    /// yes rule decide pass or fail.
    #[oai(path = "/cases/:id/vote", method = "post")]
    async fn vote(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<VoteDto>,
    ) -> Result<CaseResponse, ApiError> {
        let v = CommitteeVote {
            members: body.members,
            attending: body.attending,
            yes: body.yes,
            no: body.no,
            abstain: body.abstain,
        };
        let c =
            service::record_vote(&self.0.store, &self.0.clock, &auth.0, CaseId(id.0), v).await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 发证: issues the signed electronic certificate for a passed case.
    #[oai(path = "/cases/:id/certificate", method = "post")]
    async fn issue(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<IssueResponse, ApiError> {
        let cert = issue(&self.0, &auth.0, CaseId(id.0)).await?;
        Ok(IssueResponse::Created(Json(CertificateDto::from(&cert))))
    }
}
