//! Review-workflow use cases. Every step checks that the principal's organisation holds the
//! case; cases out of reach answer `NotFound`.

use zhicheng_approval_path::RouteError;
use zhicheng_approval_path::ports::PathRepo;
use zhicheng_declaration::declaration::SubmitDeclarationError;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_kernel::{
    Actor, AuditEvent, CaseId, Clock, DeclarationId, IdGen, Localized, OrgId, Principal, Role,
    ServiceError, TxError,
};

use crate::ports::{CaseFilter, CaseRow, ReviewRepo};
use crate::{CaseStatus, CommitteeVote, ReviewCase, TransitionError};

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
    let plan = declarations
        .get_plan(declaration.plan_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = clock.now();
    let case_id = CaseId(ids.new_id());
    let actor = Actor::from(principal);
    map_tx(
        cases
            .submit_declaration(id, move |d| {
                if d.person_id != person {
                    return Err(None);
                }
                d.submit(now, &plan).map_err(Some)?;
                let case = ReviewCase::open(case_id, d, now);
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
    F: FnOnce(&mut ReviewCase, OrgId, chrono::DateTime<chrono::Utc>) -> Result<(), E> + Send,
{
    let org = staff_org(principal)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    map_tx(
        cases
            .update_case(id, move |c| {
                // Only organisations on the case's way may see it at all.
                if c.unit_id != org && !c.route.contains(&org) {
                    return Err(None);
                }
                let from = c.status;
                f(c, org, now).map_err(Some)?;
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
        |c, org, now| c.unit_approve(org, now),
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
}

impl Localized for ReportError {
    fn code(&self) -> &'static str {
        match self {
            Self::Route(e) => e.code(),
            Self::Transition(e) => e.code(),
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Route(e) => e.zh(),
            Self::Transition(e) => e.zh(),
        }
    }
    fn invalid_input(&self) -> bool {
        match self {
            Self::Route(_) => false,
            Self::Transition(e) => e.invalid_input(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// 数据上报: the unit reports an approved declaration along its approved route.
///
/// # Errors
/// `Rule(Route(NoApprovedPath))` when the (series, level) has no complete approved path.
pub async fn report<R: ReviewRepo, P: PathRepo>(
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
    if case.status != CaseStatus::ReadyToReport {
        return Err(ServiceError::Rule(ReportError::Transition(
            TransitionError::WrongStatus(case.status.zh()),
        )));
    }
    let route = zhicheng_approval_path::service::resolve_route(
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
        move |c, org, now| c.report(org, &route, now).map_err(ReportError::Transition),
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
    step(
        cases,
        clock,
        principal,
        id,
        "case.forwarded",
        |c, org, now| c.forward(org, now),
    )
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
    step(
        cases,
        clock,
        principal,
        id,
        "case.accepted",
        |c, org, now| c.accept(org, now),
    )
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
        move |c, org, now| c.record_vote(org, vote, now).map(|_| ()),
    )
    .await
}

/// The cases the principal's organisation holds, filtered (职称申报数据审核 / 上报 lists).
///
/// # Errors
/// `Forbidden` for applicants.
pub async fn queue<R: ReviewRepo>(
    cases: &R,
    principal: &Principal,
    status: Option<CaseStatus>,
    series: Option<zhicheng_kernel::SeriesCode>,
    level: Option<zhicheng_kernel::TitleLevel>,
) -> Result<Vec<CaseRow>, ServiceError<std::convert::Infallible>> {
    let holder = staff_org(principal)?;
    Ok(cases
        .list_cases(&CaseFilter {
            holder,
            status,
            series,
            level,
        })
        .await?)
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
