//! Review-workflow use cases. Every step checks that the principal's organisation holds the
//! case; cases out of reach answer `NotFound`.

use zhicheng_approval_path::RouteError;
use zhicheng_approval_path::ports::PathRepo;
use zhicheng_declaration::declaration::SubmitDeclarationError;
use zhicheng_declaration::plan::DeadlinePassed;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_kernel::{
    Actor, AuditEvent, CaseId, Clock, DeclarationId, IdGen, Localized, OrgId, Principal, Role,
    ServiceError, TxError,
};

use crate::ports::{CaseFilter, CaseRow, ReviewRepo};
use crate::queue::{QueuePage, QueueQuery};
use crate::{
    Act, CaseHop, CaseStatus, CommitteeVote, Opinion, RefusalGround, ReturnReasons, ReviewCase,
    SupplementNotice, TransitionError,
};

fn staff_org<E>(p: &Principal) -> Result<OrgId, ServiceError<E>> {
    match p.role {
        Role::Applicant => Err(ServiceError::Forbidden),
        _ => p.org_id.ok_or(ServiceError::Forbidden),
    }
}

fn map_tx<T, E>(r: Result<T, TxError<Option<E>>>) -> Result<T, ServiceError<E>> {
    match r {
        Ok(v) => Ok(v),
        Err(TxError::Rejected(None)) => Err(ServiceError::NotFound),
        Err(TxError::Rejected(Some(e))) => Err(ServiceError::Rule(e)),
        Err(TxError::Store(e)) => Err(e.into()),
    }
}

/// 确定申报: the applicant submits a draft inside the window; the unit now holds a new case.
///
/// # Errors
/// `NotFound` for someone else's declaration; `Rule` when outside the window or incomplete.
pub async fn submit_declaration<D: DeclarationRepo, R: ReviewRepo>(
    declarations: &D,
    cases: &R,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    principal: &Principal,
    id: DeclarationId,
) -> Result<ReviewCase, ServiceError<SubmitDeclarationError>> {
    let person = match (principal.role, principal.person_id) {
        (Role::Applicant, Some(p)) => p,
        _ => return Err(ServiceError::Forbidden),
    };
    let declaration = declarations
        .get_declaration(id)
        .await?
        .filter(|d| d.person_id == person)
        .ok_or(ServiceError::NotFound)?;
    zhicheng_declaration::service::require_commitment(declarations, person).await?;
    let plan = declarations
        .get_plan(declaration.plan_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    if let Some(existing) = cases.get_case_for_declaration(id).await? {
        // A returned or withdrawn declaration: submitting again reopens its case.
        return map_tx(
            cases
                .update_case_with_declaration(existing.id, move |c, d| {
                    if d.person_id != person {
                        return Err(None);
                    }
                    d.submit(now, &plan).map_err(Some)?;
                    c.resubmit(actor.clone(), now)
                        .map_err(|_| Some(SubmitDeclarationError::AlreadySubmitted))?;
                    let audit = AuditEvent::new(now, actor, "case.resubmitted", "case", c.id.0)
                        .with_detail(serde_json::json!({ "declaration": d.id.0 }));
                    Ok((c.clone(), audit))
                })
                .await,
        );
    }
    let case_id = CaseId(ids.new_id());
    map_tx(
        cases
            .submit_declaration(id, move |d| {
                if d.person_id != person {
                    return Err(None);
                }
                d.submit(now, &plan).map_err(Some)?;
                let case = ReviewCase::open(case_id, d, actor.clone(), now);
                let audit =
                    AuditEvent::new(now, actor, "declaration.submitted", "declaration", d.id.0)
                        .with_detail(
                            serde_json::json!({ "case": case.id.0, "unit": case.unit_id.0 }),
                        );
                Ok((case, audit))
            })
            .await,
    )
}

/// Applies one transition to a case held by the principal's organisation.
async fn step<R: ReviewRepo, E: Send, F>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
    action: &'static str,
    f: F,
) -> Result<ReviewCase, ServiceError<E>>
where
    F: FnOnce(&mut ReviewCase, &Act) -> Result<(), E> + Send,
{
    let org = staff_org(principal)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    let act = Act::new(org, actor.clone(), now);
    map_tx(
        cases
            .update_case(id, move |c| {
                // Only organisations on the case's way may see it at all.
                if c.unit_id != org && !c.route.contains(&org) {
                    return Err(None);
                }
                let from = c.status;
                f(c, &act).map_err(Some)?;
                let audit = AuditEvent::new(now, actor, action, "case", c.id.0).with_detail(
                    serde_json::json!({
                        "from": from.as_str(), "to": c.status.as_str(), "holder": c.holder_id.0,
                    }),
                );
                Ok((c.clone(), audit))
            })
            .await,
    )
}

/// The unit approves a declaration it holds in review (审核通过).
///
/// # Errors
/// `Rule(WrongStatus)` when already approved (e.g. a second concurrent click).
pub async fn unit_approve<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    step(
        cases,
        clock,
        principal,
        id,
        "case.unit_approved",
        |c, act| c.unit_approve(act),
    )
    .await
}

/// Why reporting failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Route(RouteError),
    #[error(transparent)]
    Transition(TransitionError),
    /// The plan's unit review/report deadline has passed (the message names it).
    #[error(transparent)]
    Deadline(DeadlinePassed),
}

impl Localized for ReportError {
    fn code(&self) -> &'static str {
        match self {
            Self::Route(e) => e.code(),
            Self::Transition(e) => e.code(),
            Self::Deadline(e) => e.code(),
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Route(e) => e.zh(),
            Self::Transition(e) => e.zh(),
            Self::Deadline(e) => e.zh(),
        }
    }
    fn invalid_input(&self) -> bool {
        match self {
            Self::Route(_) | Self::Deadline(_) => false,
            Self::Transition(e) => e.invalid_input(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// 数据上报: the unit reports an approved declaration along its approved route, until the
/// plan's report deadline.
///
/// # Errors
/// `Rule(Route(NoApprovedPath))` when the (series, level) has no complete approved path;
/// `Rule(Deadline)` after the plan's unit review/report deadline.
pub async fn report<
    R: ReviewRepo + DeclarationRepo,
    P: PathRepo + zhicheng_identity::ports::IdentityRepo,
>(
    cases: &R,
    paths: &P,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
) -> Result<ReviewCase, ServiceError<ReportError>> {
    let org = staff_org(principal)?;
    let case = cases
        .get_case(id)
        .await?
        .filter(|c| c.unit_id == org)
        .ok_or(ServiceError::NotFound)?;
    if !matches!(
        case.status,
        CaseStatus::ReadyToReport | CaseStatus::ReturnedToUnit
    ) {
        return Err(ServiceError::Rule(ReportError::Transition(
            TransitionError::WrongStatus(case.status.zh()),
        )));
    }
    let plan = cases
        .get_plan(case.plan_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    plan.accepts_reports(clock.now())
        .map_err(|e| ServiceError::Rule(ReportError::Deadline(e)))?;
    let route = zhicheng_approval_path::service::resolve_route(
        paths,
        paths,
        case.unit_id,
        &case.series,
        case.level,
    )
    .await
    .map_err(|e| match e {
        ServiceError::Rule(r) => ServiceError::Rule(ReportError::Route(r)),
        ServiceError::NotFound => ServiceError::NotFound,
        ServiceError::Forbidden => ServiceError::Forbidden,
        ServiceError::Store(s) => ServiceError::Store(s),
    })?;
    step(
        cases,
        clock,
        principal,
        id,
        "case.reported",
        move |c, act| {
            plan.accepts_reports(act.at)
                .map_err(ReportError::Deadline)?;
            c.report(act, &route).map_err(ReportError::Transition)
        },
    )
    .await
}

/// A competent department forwards a case to the next hop.
///
/// # Errors
/// `Rule` when the department does not hold the case in transit.
pub async fn forward<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    step(cases, clock, principal, id, "case.forwarded", |c, act| {
        c.forward(act)
    })
    .await
}

/// The receiver accepts a case (受理).
///
/// # Errors
/// `Rule` when the receiver does not hold it pending acceptance.
pub async fn accept<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    step(cases, clock, principal, id, "case.accepted", |c, act| {
        c.accept(act)
    })
    .await
}

/// Records the committee's vote; quorum and two-thirds rules decide the result.
///
/// # Errors
/// `Rule` for an invalid vote, no quorum, or a case not accepted by the principal's organisation.
pub async fn record_vote<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
    vote: CommitteeVote,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    if !matches!(principal.role, Role::HrBureau | Role::CommitteeOrganiser) {
        return Err(ServiceError::Forbidden);
    }
    step(
        cases,
        clock,
        principal,
        id,
        "case.vote_recorded",
        move |c, act| c.record_vote(act, vote).map(|_| ()),
    )
    .await
}

/// A page of the cases the principal's organisation holds, filtered (职称申报数据审核 / 上报
/// lists), with the counts per status of the same filter without its status (the tabs).
///
/// # Errors
/// `Forbidden` for applicants.
pub async fn queue<R: ReviewRepo>(
    cases: &R,
    principal: &Principal,
    query: &QueueQuery,
) -> Result<QueuePage, ServiceError<std::convert::Infallible>> {
    let filter = filter_for(principal, query)?;
    let page = cases.list_cases(&filter, &query.page).await?;
    let counts = cases.count_cases(&filter).await?;
    Ok(QueuePage {
        rows: page.rows,
        next: page.next,
        counts,
    })
}

/// The declarations of one plan, series and level that reached the principal's organisation
/// — its own (as the employer unit) or reported through it — whoever holds them now, with
/// their current status: what the summary table (一览表) lists, before and after reporting.
/// The same reach as [`get_case`].
///
/// # Errors
/// `Forbidden` for applicants.
pub async fn plan_cases<R: ReviewRepo>(
    cases: &R,
    principal: &Principal,
    plan: zhicheng_kernel::PlanId,
    series: &zhicheng_kernel::SeriesCode,
    level: zhicheng_kernel::TitleLevel,
) -> Result<Vec<CaseRow>, ServiceError<std::convert::Infallible>> {
    let org = staff_org(principal)?;
    Ok(cases.list_plan_cases(org, plan, series, level).await?)
}

/// The store filter for the principal's own organisation: nobody lists another's queue.
fn filter_for<E>(principal: &Principal, q: &QueueQuery) -> Result<CaseFilter, ServiceError<E>> {
    Ok(CaseFilter {
        holder: staff_org(principal)?,
        status: q.status,
        series: q.series.clone(),
        level: q.level,
        name: q.name.clone(),
        submitted_since: q.submitted_since(),
        submitted_before: q.submitted_before(),
    })
}

/// One case, if the principal may see it: the applicant, or an organisation on its way.
///
/// # Errors
/// `NotFound` when out of reach.
pub async fn get_case<R: ReviewRepo>(
    cases: &R,
    principal: &Principal,
    id: CaseId,
) -> Result<ReviewCase, ServiceError<std::convert::Infallible>> {
    let case = cases.get_case(id).await?.ok_or(ServiceError::NotFound)?;
    let visible = match principal.role {
        Role::Applicant => principal.person_id == Some(case.person_id),
        _ => principal
            .org_id
            .is_some_and(|o| o == case.unit_id || case.route.contains(&o)),
    };
    if visible {
        Ok(case)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// The applicant whose case it is, or `NotFound`.
fn applicant<E>(p: &Principal) -> Result<zhicheng_kernel::PersonId, ServiceError<E>> {
    match (p.role, p.person_id) {
        (Role::Applicant, Some(person)) => Ok(person),
        _ => Err(ServiceError::Forbidden),
    }
}

/// 退回: the unit returns a declaration to the applicant with reasons per section; the
/// declaration becomes editable again (same transaction).
///
/// # Errors
/// `Rule` unless the unit holds the case in review or returned by a department.
pub async fn return_to_applicant<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
    reasons: ReturnReasons,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    let org = staff_org(principal)?;
    let act = Act::new(org, Actor::from(principal), clock.now());
    map_tx(
        cases
            .update_case_with_declaration(id, move |c, d| {
                if c.unit_id != org && !c.route.contains(&org) {
                    return Err(None);
                }
                c.return_to_applicant(&act, reasons).map_err(Some)?;
                d.reopen()
                    .map_err(|_| Some(TransitionError::WrongStatus(c.status.zh())))?;
                let audit = AuditEvent::new(
                    act.at,
                    act.actor,
                    "case.returned_to_applicant",
                    "case",
                    c.id.0,
                )
                .with_detail(serde_json::json!({ "decision": c.decision }));
                Ok((c.clone(), audit))
            })
            .await,
    )
}

/// 撤回: the applicant withdraws while the unit has not acted; the declaration is a draft
/// again and the case rests as withdrawn until the next submission reopens it.
///
/// # Errors
/// `NotFound` for someone else's case; `Rule` once the unit has acted.
pub async fn withdraw<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    let person = applicant(principal)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    map_tx(
        cases
            .update_case_with_declaration(id, move |c, d| {
                if c.person_id != person {
                    return Err(None);
                }
                c.withdraw(actor.clone(), now).map_err(Some)?;
                d.withdraw()
                    .map_err(|_| Some(TransitionError::WrongStatus(c.status.zh())))?;
                let audit = AuditEvent::new(now, actor, "case.withdrawn", "case", c.id.0);
                Ok((c.clone(), audit))
            })
            .await,
    )
}

/// 不予推荐: the unit will not recommend the declaration this year.
///
/// # Errors
/// `Rule` unless the unit holds it in review.
pub async fn unit_reject<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
    reason: Opinion,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    step(
        cases,
        clock,
        principal,
        id,
        "case.unit_rejected",
        move |c, act| c.unit_reject(act, reason),
    )
    .await
}

/// A competent department returns a case to the unit with a reason.
///
/// # Errors
/// `Rule` unless the department holds it in transit.
pub async fn return_to_unit<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
    reason: Opinion,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    step(
        cases,
        clock,
        principal,
        id,
        "case.returned_to_unit",
        move |c, act| c.return_to_unit(act, reason),
    )
    .await
}

/// 一次性告知: the receiver lists everything missing with a deadline; back to the unit.
///
/// # Errors
/// `Rule` unless the receiver holds it pending acceptance.
pub async fn request_supplement<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
    notice: SupplementNotice,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    step(
        cases,
        clock,
        principal,
        id,
        "case.supplement_requested",
        move |c, act| c.request_supplement(act, notice),
    )
    .await
}

/// The unit sends the supplemented declaration back to the receiver before the deadline.
///
/// # Errors
/// `Rule` unless the unit holds it for supplement and the deadline has not passed.
pub async fn resubmit_supplement<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    step(
        cases,
        clock,
        principal,
        id,
        "case.supplement_resubmitted",
        |c, act| c.resubmit_supplement(act),
    )
    .await
}

/// 不予受理 on one of the six grounds with a note.
///
/// # Errors
/// `Rule` unless the receiver holds it pending acceptance.
pub async fn refuse<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: CaseId,
    ground: RefusalGround,
    note: Opinion,
) -> Result<ReviewCase, ServiceError<TransitionError>> {
    step(
        cases,
        clock,
        principal,
        id,
        "case.refused",
        move |c, act| c.refuse(act, ground, note),
    )
    .await
}

/// Every hop of a case the principal may see, oldest first.
///
/// # Errors
/// `NotFound` when out of reach.
pub async fn history<R: ReviewRepo>(
    cases: &R,
    principal: &Principal,
    id: CaseId,
) -> Result<Vec<CaseHop>, ServiceError<std::convert::Infallible>> {
    let case = get_case(cases, principal, id).await?;
    Ok(cases.case_history(case.id).await?)
}

/// A case's timeline: every step so far, who holds it now, and the steps still ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub case: ReviewCase,
    /// Every recorded hop, oldest first.
    pub done: Vec<CaseHop>,
    /// Who holds it and what lies ahead (a route gap carries the organisations' names).
    pub progress: crate::progress::Progress,
}

/// The timeline of a case the principal may see (see [`get_case`]): its history, and what
/// lies ahead on the frozen route or, before the unit reports, on the route the approved links
/// give today.
///
/// # Errors
/// `NotFound` when out of reach; storage failures.
pub async fn timeline<R: ReviewRepo, P: PathRepo + zhicheng_identity::ports::IdentityRepo>(
    cases: &R,
    paths: &P,
    principal: &Principal,
    id: CaseId,
) -> Result<Timeline, ServiceError<std::convert::Infallible>> {
    let case = get_case(cases, principal, id).await?;
    let done = cases.case_history(case.id).await?;
    let current = if crate::progress::needs_current_route(&case) {
        match zhicheng_approval_path::service::resolve_route(
            paths,
            paths,
            case.unit_id,
            &case.series,
            case.level,
        )
        .await
        {
            Ok(r) => Some(Ok(r)),
            Err(ServiceError::Rule(e)) => Some(Err(e)),
            Err(ServiceError::Store(e)) => return Err(e.into()),
            Err(ServiceError::NotFound | ServiceError::Forbidden) => None,
        }
    } else {
        None
    };
    let mut progress = crate::progress::progress(&case, current);
    if let crate::progress::Ahead::RouteIncomplete(e) = progress.ahead {
        // The pure rule may name a gap of its own (a missing link at the unit): name it too.
        progress.ahead = crate::progress::Ahead::RouteIncomplete(
            zhicheng_approval_path::service::name_gap(paths, e).await?,
        );
    }
    Ok(Timeline {
        case,
        done,
        progress,
    })
}
