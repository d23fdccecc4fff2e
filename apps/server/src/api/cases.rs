//! Review cases: queues, unit approval, reporting, forwarding, acceptance, vote, issuing.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_certificate::service::VerificationCode;
use zhicheng_kernel::{CaseId, ServiceError, TitleLevel};
use zhicheng_review_workflow::ports::{BatchOutcome, CaseRow};
use zhicheng_review_workflow::queue::{QueueQuery, RawQueueQuery};
use zhicheng_review_workflow::{
    CaseHop, CommitteeVote, DecisionInputError, Opinion, RefusalGround, ReturnReasons, ReviewCase,
    SupplementNotice, batch, service,
};
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
    /// When the declaration was last submitted (in lists).
    pub submitted_at: Option<DateTime<Utc>>,
    /// The latest return, rejection, supplement notice or refusal: returned_to_applicant,
    /// unit_rejected, returned_to_unit, supplement_required or not_accepted.
    pub decision_kind: Option<String>,
    /// What the decision says, in Chinese (reasons per section, missing items and deadline,
    /// ground and note).
    pub decision_text: Option<String>,
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
        submitted_at: None,
        decision_kind: c.decision.as_ref().map(|d| {
            serde_json::to_value(d)
                .ok()
                .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
                .unwrap_or_default()
        }),
        decision_text: c.decision.as_ref().map(|d| d.summary()),
        version: c.version,
    }
}

/// One hop of a case's history.
#[derive(Object)]
pub struct HopDto {
    pub version: i64,
    pub at: DateTime<Utc>,
    /// submitted, withdrawn, resubmitted, unit_approved, returned_to_applicant, unit_rejected,
    /// reported, forwarded, returned_to_unit, accepted, supplement_requested,
    /// supplement_resubmitted, refused, vote_recorded, certified.
    pub action: String,
    pub action_name: String,
    pub from_org: Option<Uuid>,
    pub to_org: Uuid,
    pub from_status: Option<String>,
    pub to_status: String,
    /// `account:<id>`, `operator:<name>` or `system`.
    pub actor: String,
    pub opinion: Option<String>,
}

impl From<&CaseHop> for HopDto {
    fn from(h: &CaseHop) -> Self {
        HopDto {
            version: h.version,
            at: h.at,
            action: h.action.as_str().into(),
            action_name: h.action.zh().into(),
            from_org: h.from_org.map(|o| o.0),
            to_org: h.to_org.0,
            from_status: h.from_status.map(|s| s.as_str().into()),
            to_status: h.to_status.as_str().into(),
            actor: h.actor.label(),
            opinion: h.opinion.clone(),
        }
    }
}

#[derive(ApiResponse)]
pub enum HistoryResponse {
    #[oai(status = 200)]
    Ok(Json<Vec<HopDto>>),
}

#[derive(Object)]
pub struct SectionReasonDto {
    /// education, current_title, work_history, achievements, assessments,
    /// continuing_education, summary, attachments or other.
    pub section: String,
    pub reason: String,
}

#[derive(Object)]
pub struct ReturnRequest {
    pub reasons: Vec<SectionReasonDto>,
}

#[derive(Object)]
pub struct ReasonRequest {
    pub reason: String,
}

#[derive(Object)]
pub struct SupplementRequest {
    /// Everything missing, at once (一次性告知).
    pub items: Vec<String>,
    pub deadline: DateTime<Utc>,
}

#[derive(Object)]
pub struct RefuseRequest {
    /// not_eligible, wrong_format, late, publicity, fraud or other.
    pub ground: String,
    pub note: String,
}

/// One step of a case's timeline that has happened, with the names a reader needs.
#[derive(Object)]
pub struct DoneStepDto {
    #[oai(flatten)]
    pub hop: HopDto,
    /// The organisation that acted (`申报人本人` when the applicant submitted).
    pub by_org_name: String,
    pub to_org_name: String,
    /// Who acted: 申报人本人, the staff member's name (or username), an operator or 系统.
    pub actor_name: String,
}

/// One step still ahead.
#[derive(Object)]
pub struct AheadStepDto {
    /// organisation (review and reporting by `org_id`), acceptance, committee, publicity or
    /// certificate.
    pub kind: String,
    /// 审核上报, 受理, 评审, 结果公示 or 发证.
    pub name: String,
    pub org_id: Option<Uuid>,
    pub org_name: Option<String>,
}

/// Why no steps ahead can be listed yet: the reporting route is incomplete.
#[derive(Object)]
pub struct RouteGapDto {
    /// path.no_approved_path, path.cycle or path.too_long.
    pub code: String,
    pub message: String,
    pub message_en: String,
}

/// Where a case stands: every step so far, who holds it now and since when, and the steps
/// still ahead.
#[derive(Object)]
pub struct TimelineDto {
    pub case_id: Uuid,
    pub status: String,
    pub status_name: String,
    /// applicant (returned or withdrawn: the applicant acts next) or organisation.
    pub holder_kind: String,
    pub holder_id: Option<Uuid>,
    pub holder_name: String,
    pub held_since: DateTime<Utc>,
    /// Oldest first.
    pub done: Vec<DoneStepDto>,
    /// In order; empty once certified or ended, or while the route is incomplete.
    pub ahead: Vec<AheadStepDto>,
    /// Set when the reporting route is incomplete: names the link and who must act.
    pub route_gap: Option<RouteGapDto>,
    /// Ended without a title (不予推荐, 不予受理 or 评审未通过).
    pub ended: bool,
}

#[derive(ApiResponse)]
pub enum TimelineResponse {
    #[oai(status = 200)]
    Ok(Json<TimelineDto>),
}

/// The timeline of a case the principal may see, with organisation and actor names.
pub async fn timeline_dto(
    st: &AppState,
    p: &zhicheng_kernel::Principal,
    id: CaseId,
) -> Result<TimelineDto, ApiError> {
    use std::collections::HashMap;
    use zhicheng_identity::ports::IdentityRepo;
    use zhicheng_kernel::{Actor, Localized, OrgId};
    use zhicheng_review_workflow::progress::{Ahead, Holder};

    let t = service::timeline(&st.store, &st.store, p, id).await?;
    let mut orgs: HashMap<OrgId, String> = HashMap::new();
    let mut org_name = async |o: OrgId| -> Result<String, ApiError> {
        if let Some(n) = orgs.get(&o) {
            return Ok(n.clone());
        }
        let n = st
            .store
            .get_org(o)
            .await?
            .map_or_else(String::new, |x| x.name.as_str().to_owned());
        orgs.insert(o, n.clone());
        Ok(n)
    };
    let mut done = Vec::with_capacity(t.done.len());
    for h in &t.done {
        let actor_name = match &h.actor {
            Actor::Account(a) => match st.store.get_account(*a).await? {
                Some(acc) if acc.person_id == Some(t.case.person_id) => "申报人本人".to_owned(),
                Some(acc) => acc.display_name.as_ref().map_or_else(
                    || acc.username.as_str().to_owned(),
                    |n| n.as_str().to_owned(),
                ),
                None => String::new(),
            },
            Actor::Operator(name) => format!("{name}（运维）"),
            Actor::System => "系统".to_owned(),
        };
        done.push(DoneStepDto {
            hop: HopDto::from(h),
            by_org_name: match h.from_org {
                Some(o) => org_name(o).await?,
                None => "申报人本人".to_owned(),
            },
            to_org_name: org_name(h.to_org).await?,
            actor_name,
        });
    }
    let (holder_kind, holder_id, holder_name) = match t.progress.holder {
        Holder::Applicant => ("applicant", None, "申报人本人".to_owned()),
        Holder::Organisation(o) => ("organisation", Some(o.0), org_name(o).await?),
    };
    let (mut ahead, mut route_gap, mut ended) = (Vec::new(), None, false);
    match t.progress.ahead {
        Ahead::Steps(steps) => {
            for s in steps {
                ahead.push(AheadStepDto {
                    kind: s.code().to_owned(),
                    name: s.zh().to_owned(),
                    org_id: s.org().map(|o| o.0),
                    org_name: match s.org() {
                        Some(o) => Some(org_name(o).await?),
                        None => None,
                    },
                });
            }
        }
        Ahead::RouteIncomplete(e) => {
            route_gap = Some(RouteGapDto {
                code: e.code().to_owned(),
                message: e.zh(),
                message_en: e.en(),
            });
        }
        Ahead::Ended => ended = true,
    }
    Ok(TimelineDto {
        case_id: t.case.id.0,
        status: t.case.status.as_str().into(),
        status_name: t.case.status.zh().into(),
        holder_kind: holder_kind.into(),
        holder_id,
        holder_name,
        held_since: t.case.held_since,
        done,
        ahead,
        route_gap,
        ended,
    })
}

#[derive(Object)]
pub struct BatchReportRequest {
    pub series: String,
    pub level: String,
    pub case_ids: Vec<Uuid>,
}

#[derive(Object)]
pub struct BatchApproveRequest {
    pub case_ids: Vec<Uuid>,
}

#[derive(ApiResponse)]
pub enum BatchResponse {
    /// Every selected case moved (or, for a replayed key, had moved): their state then.
    #[oai(status = 200)]
    Ok(Json<Vec<CaseDto>>),
}

pub(crate) fn bad_input(e: DecisionInputError) -> ApiError {
    ServiceError::Rule(e).into()
}

fn batch_dto(o: BatchOutcome<ReviewCase>) -> BatchResponse {
    let (BatchOutcome::Done(v) | BatchOutcome::Replayed(v)) = o;
    BatchResponse::Ok(Json(v.iter().map(case_dto).collect()))
}

fn row_dto(r: &CaseRow) -> CaseDto {
    let mut d = case_dto(&r.case);
    d.applicant_name = Some(r.applicant_name.clone());
    d.specialty = Some(r.specialty.clone());
    d.unit_name = Some(r.unit_name.clone());
    d.submitted_at = r.submitted_at;
    d
}

#[derive(ApiResponse)]
pub enum CaseResponse {
    #[oai(status = 200)]
    Ok(Json<CaseDto>),
}

/// How many cases of the current filters are in one status.
#[derive(Object)]
pub struct StatusCountDto {
    pub status: String,
    pub status_name: String,
    pub count: u64,
}

/// One page of a queue.
#[derive(Object)]
pub struct CaseListDto {
    /// This page, oldest holding first (`held_since`, then id).
    pub items: Vec<CaseDto>,
    /// Cases per status for the same filters without `status` (statuses with none left out).
    pub counts: Vec<StatusCountDto>,
    /// Cases matching the filters without `status` (the sum of `counts`).
    pub total: u64,
    /// Pass as `after` (same filters) for the next page; absent on the last page.
    pub next: Option<String>,
}

#[derive(ApiResponse)]
pub enum CaseList {
    #[oai(status = 200)]
    Ok(Json<CaseListDto>),
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
    /// 职称申报数据审核 / 上报: a page of the cases the caller's organisation holds, oldest
    /// holding first, filtered by status, series, level, applicant name (part of it) and
    /// submission day (Beijing time, both days included), with the counts per status of the
    /// same filters without `status`. Keyset paging: pass the answer's `next` as `after`.
    /// Invalid filters answer 422 naming each field.
    #[oai(path = "/cases", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn queue(
        &self,
        auth: BearerAuth,
        /// unit_review, ready_to_report, in_transit, pending_acceptance, accepted, …
        status: Query<Option<String>>,
        /// Series code, e.g. ENG.
        series: Query<Option<String>>,
        /// primary, intermediate, senior_deputy or senior_full.
        level: Query<Option<String>>,
        /// Part of the applicant's name (at most 30 characters).
        name: Query<Option<String>>,
        /// First submission day, YYYY-MM-DD.
        submitted_from: Query<Option<String>>,
        /// Last submission day, YYYY-MM-DD.
        submitted_to: Query<Option<String>>,
        /// Rows per page, 1–200 (default 50).
        page_size: Query<Option<String>>,
        /// The `next` of the previous page.
        after: Query<Option<String>>,
    ) -> Result<CaseList, ApiError> {
        let query = QueueQuery::parse(&RawQueueQuery {
            status: status.0.as_deref(),
            series: series.0.as_deref(),
            level: level.0.as_deref(),
            name: name.0.as_deref(),
            submitted_from: submitted_from.0.as_deref(),
            submitted_to: submitted_to.0.as_deref(),
            page_size: page_size.0.as_deref(),
            after: after.0.as_deref(),
        })
        .map_err(|e| ApiError::from(ServiceError::Rule(e)))?;
        let page = service::queue(&self.0.store, &auth.0, &query).await?;
        Ok(CaseList::Ok(Json(CaseListDto {
            items: page.rows.iter().map(row_dto).collect(),
            counts: page
                .counts
                .iter()
                .map(|c| StatusCountDto {
                    status: c.status.as_str().into(),
                    status_name: c.status.zh().into(),
                    count: c.count,
                })
                .collect(),
            total: page.total(),
            next: page.next.map(|c| c.encode()),
        })))
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

    /// The history of a case: every hop with from, to, who, when and the opinion.
    #[oai(path = "/cases/:id/history", method = "get")]
    async fn history(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<HistoryResponse, ApiError> {
        let h = service::history(&self.0.store, &auth.0, CaseId(id.0)).await?;
        Ok(HistoryResponse::Ok(Json(
            h.iter().map(HopDto::from).collect(),
        )))
    }

    /// Where a case stands: every step so far (who, which organisation, when, opinion), who
    /// holds it now and since when, and the steps still ahead on the route (the frozen one once
    /// reported, else the one the approved links give today) — or, when that route is
    /// incomplete, which link is missing and who must act.
    #[oai(path = "/cases/:id/timeline", method = "get")]
    async fn timeline(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<TimelineResponse, ApiError> {
        Ok(TimelineResponse::Ok(Json(
            timeline_dto(&self.0, &auth.0, CaseId(id.0)).await?,
        )))
    }

    /// 退回: the unit returns the declaration to the applicant with reasons per section.
    #[oai(path = "/cases/:id/return", method = "post")]
    async fn return_to_applicant(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ReturnRequest>,
    ) -> Result<CaseResponse, ApiError> {
        let reasons = ReturnReasons::parse(
            body.reasons
                .iter()
                .map(|r| (r.section.as_str(), r.reason.as_str())),
        )
        .map_err(bad_input)?;
        let c = service::return_to_applicant(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            CaseId(id.0),
            reasons,
        )
        .await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 不予推荐: the unit will not recommend the declaration this year.
    #[oai(path = "/cases/:id/reject", method = "post")]
    async fn reject(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ReasonRequest>,
    ) -> Result<CaseResponse, ApiError> {
        let reason = Opinion::parse("reason", &body.reason).map_err(bad_input)?;
        let c = service::unit_reject(&self.0.store, &self.0.clock, &auth.0, CaseId(id.0), reason)
            .await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 撤回: the applicant withdraws while the unit has not acted; the declaration is a draft
    /// again and submitting it reopens this case.
    #[oai(path = "/cases/:id/withdraw", method = "post")]
    async fn withdraw(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<CaseResponse, ApiError> {
        let c = service::withdraw(&self.0.store, &self.0.clock, &auth.0, CaseId(id.0)).await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// A competent department returns the case to the unit with a reason.
    #[oai(path = "/cases/:id/return-to-unit", method = "post")]
    async fn return_to_unit(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<ReasonRequest>,
    ) -> Result<CaseResponse, ApiError> {
        let reason = Opinion::parse("reason", &body.reason).map_err(bad_input)?;
        let c =
            service::return_to_unit(&self.0.store, &self.0.clock, &auth.0, CaseId(id.0), reason)
                .await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 一次性告知: the receiver lists everything missing with a deadline; back to the unit.
    #[oai(path = "/cases/:id/supplement", method = "post")]
    async fn supplement(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<SupplementRequest>,
    ) -> Result<CaseResponse, ApiError> {
        use zhicheng_kernel::Clock;
        let notice = SupplementNotice::parse(
            body.items.iter().map(String::as_str),
            body.deadline,
            self.0.clock.now(),
        )
        .map_err(bad_input)?;
        let c = service::request_supplement(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            CaseId(id.0),
            notice,
        )
        .await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// The unit sends the supplemented declaration back to the receiver before the deadline.
    #[oai(path = "/cases/:id/supplement/resubmit", method = "post")]
    async fn resubmit_supplement(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<CaseResponse, ApiError> {
        let c = service::resubmit_supplement(&self.0.store, &self.0.clock, &auth.0, CaseId(id.0))
            .await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 不予受理 on one of the six grounds, with a note.
    #[oai(path = "/cases/:id/refuse", method = "post")]
    async fn refuse(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<RefuseRequest>,
    ) -> Result<CaseResponse, ApiError> {
        let ground = RefusalGround::parse(&body.ground).map_err(bad_input)?;
        let note = Opinion::parse("note", &body.note).map_err(bad_input)?;
        let c = service::refuse(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            CaseId(id.0),
            ground,
            note,
        )
        .await?;
        Ok(CaseResponse::Ok(Json(case_dto(&c))))
    }

    /// 数据上报 of a selection for one (series, level), all or nothing. With an
    /// `Idempotency-Key`, a retry returns the first result and reports nothing twice; the same
    /// key with a different body is refused (422). If any case cannot move, nothing moves and
    /// the 409 lists each one in `fields` (field = case id).
    #[oai(path = "/cases/report", method = "post")]
    async fn report_batch(
        &self,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: Header<Option<String>>,
        body: Json<BatchReportRequest>,
    ) -> Result<BatchResponse, ApiError> {
        let series = parse_series(&body.series)?;
        let level =
            TitleLevel::parse(&body.level).map_err(|e| ApiError::field("level", "级别无效", e))?;
        let ids: Vec<CaseId> = body.case_ids.iter().map(|u| CaseId(*u)).collect();
        let o = batch::report_batch(
            &self.0.store,
            &self.0.store,
            &self.0.clock,
            &auth.0,
            series,
            level,
            &ids,
            key.0.as_deref(),
        )
        .await?;
        Ok(batch_dto(o))
    }

    /// Bulk 审核通过 of a selection, all or nothing and idempotent like `/cases/report`.
    #[oai(path = "/cases/approve", method = "post")]
    async fn approve_batch(
        &self,
        auth: BearerAuth,
        #[oai(name = "Idempotency-Key")] key: Header<Option<String>>,
        body: Json<BatchApproveRequest>,
    ) -> Result<BatchResponse, ApiError> {
        let ids: Vec<CaseId> = body.case_ids.iter().map(|u| CaseId(*u)).collect();
        let o = batch::approve_batch(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            &ids,
            key.0.as_deref(),
        )
        .await?;
        Ok(batch_dto(o))
    }

    /// 发证: issues the signed electronic certificate for a passed case.
    #[oai(path = "/cases/:id/certificate", method = "post")]
    async fn issue(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<IssueResponse, ApiError> {
        let cert = issue(&self.0, &auth.0, CaseId(id.0)).await?;
        Ok(IssueResponse::Created(Json(CertificateDto::from(&cert))))
    }
}
