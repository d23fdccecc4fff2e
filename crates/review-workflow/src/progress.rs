//! Where a case stands and what lies ahead of it: who holds it now (the applicant or an
//! organisation) and the steps still to come — the remaining organisations of the route, then
//! acceptance (受理), the committee (评审), publication of the result (结果公示) and the
//! certificate (发证).
//!
//! Which route: once reported, the case's frozen route; while the next move is a (re)report
//! from the unit (in review, approved, returned to the unit or to the applicant, withdrawn),
//! the route the approved links give today, because that is the one the report will freeze.
//! When that route is incomplete the steps ahead are not guessed: the gap is returned instead.

use serde::{Deserialize, Serialize};
use zhicheng_approval_path::{Route, RouteError};
use zhicheng_kernel::OrgId;

use crate::{CaseStatus, ReviewCase};

/// Who has the case now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "org", rename_all = "snake_case")]
pub enum Holder {
    /// Returned to the applicant or withdrawn: the applicant acts next.
    Applicant,
    Organisation(OrgId),
}

/// One step that has not happened yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "org", rename_all = "snake_case")]
pub enum Step {
    /// An organisation of the route that has yet to hold the case (review, report, forward).
    Organisation(OrgId),
    /// 受理 by the receiver.
    Acceptance,
    /// 评审: the committee's vote.
    Committee,
    /// 结果公示.
    Publicity,
    /// 发证.
    Certificate,
}

impl Step {
    pub fn code(self) -> &'static str {
        match self {
            Step::Organisation(_) => "organisation",
            Step::Acceptance => "acceptance",
            Step::Committee => "committee",
            Step::Publicity => "publicity",
            Step::Certificate => "certificate",
        }
    }

    /// The Chinese name of the step (an organisation's step is its review and reporting).
    pub fn zh(self) -> &'static str {
        match self {
            Step::Organisation(_) => "审核上报",
            Step::Acceptance => "受理",
            Step::Committee => "评审",
            Step::Publicity => "结果公示",
            Step::Certificate => "发证",
        }
    }

    pub fn org(self) -> Option<OrgId> {
        match self {
            Step::Organisation(o) => Some(o),
            _ => None,
        }
    }
}

/// The steps after the route, in order.
const AFTER_ROUTE: [Step; 4] = [
    Step::Acceptance,
    Step::Committee,
    Step::Publicity,
    Step::Certificate,
];

/// What lies ahead of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ahead {
    /// The steps still to come, in order (empty once certified).
    Steps(Vec<Step>),
    /// No complete route yet: why, and who must act (names filled in by the service).
    RouteIncomplete(RouteError),
    /// Ended without a title: not recommended, not accepted or not passed.
    Ended,
}

/// Where a case stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub holder: Holder,
    pub ahead: Ahead,
}

/// Whether the steps ahead depend on the route the approved links give today (the next move
/// is a report by the unit); otherwise the case's frozen route decides.
pub fn needs_current_route(case: &ReviewCase) -> bool {
    matches!(
        case.status,
        CaseStatus::UnitReview
            | CaseStatus::ReadyToReport
            | CaseStatus::ReturnedToUnit
            | CaseStatus::ReturnedToApplicant
            | CaseStatus::Withdrawn
    )
}

/// Where `case` stands. `current_route` is the route resolved from the approved links for the
/// case's (unit, series, level); it is read only when [`needs_current_route`] says so, and
/// `None` there counts as a missing link at the unit.
pub fn progress(case: &ReviewCase, current_route: Option<Result<Route, RouteError>>) -> Progress {
    let holder = match case.status {
        CaseStatus::ReturnedToApplicant | CaseStatus::Withdrawn => Holder::Applicant,
        _ => Holder::Organisation(case.holder_id),
    };
    let orgs_then_rest = |orgs: &[OrgId]| {
        let mut v: Vec<Step> = orgs.iter().copied().map(Step::Organisation).collect();
        v.extend(AFTER_ROUTE);
        Ahead::Steps(v)
    };
    let ahead = match case.status {
        CaseStatus::UnitRejected | CaseStatus::NotAccepted | CaseStatus::Failed => Ahead::Ended,
        CaseStatus::Certified => Ahead::Steps(Vec::new()),
        CaseStatus::Passed => Ahead::Steps(AFTER_ROUTE[2..].to_vec()),
        CaseStatus::Accepted => Ahead::Steps(AFTER_ROUTE[1..].to_vec()),
        CaseStatus::PendingAcceptance => Ahead::Steps(AFTER_ROUTE.to_vec()),
        CaseStatus::SupplementRequired => orgs_then_rest(case.route.last().copied().as_slice()),
        CaseStatus::InTransit => {
            let next = (case.hop as usize + 1).min(case.route.len());
            orgs_then_rest(&case.route[next..])
        }
        CaseStatus::UnitReview
        | CaseStatus::ReadyToReport
        | CaseStatus::ReturnedToUnit
        | CaseStatus::ReturnedToApplicant
        | CaseStatus::Withdrawn => match current_route {
            Some(Ok(route)) if route.hops.first() == Some(&case.unit_id) => {
                // Back with the applicant: the unit reviews again first.
                let from = usize::from(holder != Holder::Applicant);
                orgs_then_rest(&route.hops[from..])
            }
            Some(Err(e)) => Ahead::RouteIncomplete(e),
            Some(Ok(_)) | None => Ahead::RouteIncomplete(RouteError::NoApprovedPath {
                at: case.unit_id,
                gap: zhicheng_approval_path::LinkGap::Missing,
                names: Default::default(),
            }),
        },
    };
    Progress { holder, ahead }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use zhicheng_approval_path::LinkGap;
    use zhicheng_approval_path::route::GapNames;
    use zhicheng_kernel::{CaseId, DeclarationId, PersonId, PlanId, SeriesCode, TitleLevel};

    fn org(n: u128) -> OrgId {
        OrgId(uuid::Uuid::from_u128(n))
    }

    const UNIT: u128 = 1;
    const DEPT: u128 = 2;
    const BUREAU: u128 = 3;

    fn case(status: CaseStatus) -> ReviewCase {
        ReviewCase {
            id: CaseId(uuid::Uuid::from_u128(10)),
            declaration_id: DeclarationId(uuid::Uuid::from_u128(11)),
            person_id: PersonId(uuid::Uuid::from_u128(12)),
            unit_id: org(UNIT),
            plan_id: PlanId(uuid::Uuid::from_u128(13)),
            year: 2024,
            series: SeriesCode::parse("ENG").unwrap(),
            level: TitleLevel::Intermediate,
            status,
            holder_id: org(UNIT),
            held_since: Utc::now(),
            route: Vec::new(),
            hop: 0,
            vote: None,
            decision: None,
            opened_at: Utc::now(),
            version: 1,
            new_hops: Vec::new(),
        }
    }

    fn route() -> Route {
        Route {
            hops: vec![org(UNIT), org(DEPT), org(BUREAU)],
        }
    }

    fn rest(orgs: &[u128]) -> Ahead {
        let mut v: Vec<Step> = orgs.iter().map(|o| Step::Organisation(org(*o))).collect();
        v.extend(AFTER_ROUTE);
        Ahead::Steps(v)
    }

    #[test]
    fn in_unit_review_the_whole_current_route_and_the_final_steps_lie_ahead() {
        let c = case(CaseStatus::UnitReview);
        assert!(needs_current_route(&c));
        let p = progress(&c, Some(Ok(route())));
        assert_eq!(p.holder, Holder::Organisation(org(UNIT)));
        assert_eq!(p.ahead, rest(&[DEPT, BUREAU]));
    }

    #[test]
    fn an_incomplete_route_is_reported_not_invented() {
        let gap = RouteError::NoApprovedPath {
            at: org(DEPT),
            gap: LinkGap::Pending {
                parent: org(BUREAU),
            },
            names: GapNames::default(),
        };
        let p = progress(&case(CaseStatus::ReadyToReport), Some(Err(gap.clone())));
        assert_eq!(p.ahead, Ahead::RouteIncomplete(gap));
        let p = progress(&case(CaseStatus::UnitReview), None);
        assert!(matches!(
            p.ahead,
            Ahead::RouteIncomplete(RouteError::NoApprovedPath {
                gap: LinkGap::Missing,
                ..
            })
        ));
        // A route that does not start at the unit is not this case's route.
        let other = Route {
            hops: vec![org(DEPT), org(BUREAU)],
        };
        assert!(matches!(
            progress(&case(CaseStatus::UnitReview), Some(Ok(other))).ahead,
            Ahead::RouteIncomplete(_)
        ));
    }

    #[test]
    fn in_transit_the_frozen_route_after_the_holder_lies_ahead() {
        let mut c = case(CaseStatus::InTransit);
        c.route = route().hops;
        c.hop = 1;
        c.holder_id = org(DEPT);
        assert!(!needs_current_route(&c));
        // The links of today do not matter once reported.
        let p = progress(&c, None);
        assert_eq!(p.holder, Holder::Organisation(org(DEPT)));
        assert_eq!(p.ahead, rest(&[BUREAU]));
    }

    #[test]
    fn with_the_receiver_only_the_final_steps_remain_and_they_shrink() {
        let mut c = case(CaseStatus::PendingAcceptance);
        c.route = route().hops;
        c.hop = 2;
        c.holder_id = org(BUREAU);
        assert_eq!(progress(&c, None).ahead, rest(&[]));
        c.status = CaseStatus::Accepted;
        assert_eq!(
            progress(&c, None).ahead,
            Ahead::Steps(vec![Step::Committee, Step::Publicity, Step::Certificate])
        );
        c.status = CaseStatus::Passed;
        assert_eq!(
            progress(&c, None).ahead,
            Ahead::Steps(vec![Step::Publicity, Step::Certificate])
        );
        c.status = CaseStatus::Certified;
        assert_eq!(progress(&c, None).ahead, Ahead::Steps(vec![]));
    }

    #[test]
    fn a_supplement_goes_back_to_the_receiver_directly() {
        let mut c = case(CaseStatus::SupplementRequired);
        c.route = route().hops;
        assert_eq!(progress(&c, None).ahead, rest(&[BUREAU]));
    }

    #[test]
    fn back_with_the_applicant_the_unit_reviews_again_first() {
        for s in [CaseStatus::ReturnedToApplicant, CaseStatus::Withdrawn] {
            let p = progress(&case(s), Some(Ok(route())));
            assert_eq!(p.holder, Holder::Applicant);
            assert_eq!(p.ahead, rest(&[UNIT, DEPT, BUREAU]));
        }
    }

    #[test]
    fn terminal_refusals_have_nothing_ahead() {
        for s in [
            CaseStatus::UnitRejected,
            CaseStatus::NotAccepted,
            CaseStatus::Failed,
        ] {
            assert_eq!(progress(&case(s), Some(Ok(route()))).ahead, Ahead::Ended);
        }
    }
}
