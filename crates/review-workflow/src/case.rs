//! The review case aggregate and its transitions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_approval_path::Route;
use zhicheng_declaration::Declaration;
use zhicheng_kernel::{
    Actor, CaseId, DeclarationId, Localized, OrgId, PersonId, PlanId, SeriesCode, TitleLevel,
};

use crate::decision::{Decision, Opinion, RefusalGround, ReturnReasons, SupplementNotice};
use crate::history::{CaseAction, CaseHop};

/// Where a submitted declaration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// With the employer unit for review (单位审核).
    UnitReview,
    /// Returned to the applicant with reasons per section; the declaration is editable again.
    ReturnedToApplicant,
    /// The applicant withdrew before the unit acted; the declaration is a draft again and
    /// re-submitting it reopens this case (its history is kept).
    Withdrawn,
    /// 不予推荐: the unit will not recommend it this year. Terminal.
    UnitRejected,
    /// Approved by the unit, waiting to be reported upward.
    ReadyToReport,
    /// With a competent department on the route.
    InTransit,
    /// A competent department returned it; the unit may report again or return it further.
    ReturnedToUnit,
    /// With the receiver, waiting for acceptance (待受理).
    PendingAcceptance,
    /// The receiver asked for a supplement (一次性告知); back with the unit until resubmitted.
    SupplementRequired,
    /// 不予受理. Terminal.
    NotAccepted,
    /// Accepted by the receiver (已受理), waiting for the committee.
    Accepted,
    /// The committee passed it (评审通过).
    Passed,
    /// The committee did not pass it (未通过). Terminal.
    Failed,
    /// A certificate has been issued (已发证).
    Certified,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 14] = [
        CaseStatus::UnitReview,
        CaseStatus::ReturnedToApplicant,
        CaseStatus::Withdrawn,
        CaseStatus::UnitRejected,
        CaseStatus::ReadyToReport,
        CaseStatus::InTransit,
        CaseStatus::ReturnedToUnit,
        CaseStatus::PendingAcceptance,
        CaseStatus::SupplementRequired,
        CaseStatus::NotAccepted,
        CaseStatus::Accepted,
        CaseStatus::Passed,
        CaseStatus::Failed,
        CaseStatus::Certified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::UnitReview => "unit_review",
            CaseStatus::ReturnedToApplicant => "returned_to_applicant",
            CaseStatus::Withdrawn => "withdrawn",
            CaseStatus::UnitRejected => "unit_rejected",
            CaseStatus::ReadyToReport => "ready_to_report",
            CaseStatus::InTransit => "in_transit",
            CaseStatus::ReturnedToUnit => "returned_to_unit",
            CaseStatus::PendingAcceptance => "pending_acceptance",
            CaseStatus::SupplementRequired => "supplement_required",
            CaseStatus::NotAccepted => "not_accepted",
            CaseStatus::Accepted => "accepted",
            CaseStatus::Passed => "passed",
            CaseStatus::Failed => "failed",
            CaseStatus::Certified => "certified",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        CaseStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            CaseStatus::UnitReview => "单位审核中",
            CaseStatus::ReturnedToApplicant => "已退回申报人修改",
            CaseStatus::Withdrawn => "已撤回",
            CaseStatus::UnitRejected => "单位不予推荐",
            CaseStatus::ReadyToReport => "单位审核通过，待上报",
            CaseStatus::InTransit => "主管部门审核中",
            CaseStatus::ReturnedToUnit => "已退回单位",
            CaseStatus::PendingAcceptance => "待受理",
            CaseStatus::SupplementRequired => "待补正",
            CaseStatus::NotAccepted => "不予受理",
            CaseStatus::Accepted => "已受理，待评审",
            CaseStatus::Passed => "评审通过",
            CaseStatus::Failed => "评审未通过",
            CaseStatus::Certified => "已发证",
        }
    }

    /// No transition leaves this status (appeals are a separate case).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CaseStatus::UnitRejected | CaseStatus::NotAccepted | CaseStatus::Failed
        )
    }
}

/// The committee's secret-ballot result for one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeVote {
    /// Members of the committee.
    pub members: u32,
    /// Members present and voting.
    pub attending: u32,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

impl CommitteeVote {
    /// Quorum: attending ≥ 2/3 of the members.
    pub fn has_quorum(&self) -> bool {
        self.attending * 3 >= self.members * 2
    }

    /// Pass: yes-votes ≥ 2/3 of those attending (abstentions count as not-yes).
    pub fn passes(&self) -> bool {
        self.yes * 3 >= self.attending * 2
    }
}

/// A submitted declaration on its way through review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCase {
    pub id: CaseId,
    pub declaration_id: DeclarationId,
    pub person_id: PersonId,
    pub unit_id: OrgId,
    pub plan_id: PlanId,
    pub year: i32,
    pub series: SeriesCode,
    pub level: TitleLevel,
    pub status: CaseStatus,
    /// The organisation that holds the case now.
    pub holder_id: OrgId,
    /// Since when the holder has it.
    pub held_since: DateTime<Utc>,
    /// The route frozen when the unit reported (empty before).
    pub route: Vec<OrgId>,
    /// Index of the holder in `route` once reported.
    pub hop: u32,
    pub vote: Option<CommitteeVote>,
    /// The latest return, rejection, supplement notice or refusal, for whoever acts next.
    pub decision: Option<Decision>,
    pub opened_at: DateTime<Utc>,
    pub version: i64,
    /// Hops recorded by transitions since the case was loaded; the store writes and empties
    /// them in the transaction that writes the case. Always empty on a loaded case.
    #[serde(skip)]
    pub new_hops: Vec<CaseHop>,
}

/// An organisation acting on a case: who (the account), for which organisation, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Act {
    pub org: OrgId,
    pub actor: Actor,
    pub at: DateTime<Utc>,
}

impl Act {
    pub fn new(org: OrgId, actor: Actor, at: DateTime<Utc>) -> Act {
        Act { org, actor, at }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The case is not in a state that allows this step (it may already have been done).
    #[error("not possible while the declaration is “{0}”")]
    WrongStatus(&'static str),
    /// Somebody other than the holder tried to act.
    #[error("the declaration is not held by your organisation")]
    NotHolder,
    #[error("the route does not start at the reporting unit")]
    RouteMismatch,
    #[error(
        "vote counts do not add up: yes + no + abstain must equal attending, attending ≤ members, members ≥ 1"
    )]
    InvalidVote,
    #[error("no quorum: at least two thirds of the members must attend; nothing was recorded")]
    NoQuorum,
    #[error("the supplement deadline has passed")]
    SupplementOverdue,
}

impl Localized for TransitionError {
    fn code(&self) -> &'static str {
        match self {
            Self::WrongStatus(_) => "case.wrong_status",
            Self::NotHolder => "case.not_holder",
            Self::RouteMismatch => "case.route_mismatch",
            Self::InvalidVote => "case.invalid_vote",
            Self::NoQuorum => "case.no_quorum",
            Self::SupplementOverdue => "case.supplement_overdue",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::WrongStatus(s) => format!("申报当前为“{s}”状态，不能进行此操作（可能已被处理）"),
            Self::NotHolder => "该申报不在本单位手中".into(),
            Self::RouteMismatch => "上报路径与申报单位不符".into(),
            Self::InvalidVote => {
                "票数不符：同意+反对+弃权应等于出席人数，出席人数不超过委员人数".into()
            }
            Self::NoQuorum => "出席委员不足三分之二，会议不能表决，未记录结果".into(),
            Self::SupplementOverdue => "已超过补正期限，不能再报送".into(),
        }
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::InvalidVote | Self::NoQuorum)
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

impl ReviewCase {
    /// Opens the case for a declaration just submitted; the employer unit holds it.
    pub fn open(id: CaseId, d: &Declaration, actor: Actor, now: DateTime<Utc>) -> ReviewCase {
        let mut c = ReviewCase {
            id,
            declaration_id: d.id,
            person_id: d.person_id,
            unit_id: d.unit_id,
            plan_id: d.plan_id,
            year: d.year,
            series: d.series.clone(),
            level: d.level,
            status: CaseStatus::UnitReview,
            holder_id: d.unit_id,
            held_since: now,
            route: Vec::new(),
            hop: 0,
            vote: None,
            decision: None,
            opened_at: now,
            version: 1,
            new_hops: Vec::new(),
        };
        c.new_hops.push(CaseHop {
            case_id: id,
            version: 1,
            ordinal: 0,
            at: now,
            action: CaseAction::Submitted,
            from_org: None,
            to_org: d.unit_id,
            from_status: None,
            to_status: CaseStatus::UnitReview,
            actor,
            opinion: None,
        });
        c
    }

    /// Hands out (and forgets) the hops recorded since the case was loaded.
    pub fn take_hops(&mut self) -> Vec<CaseHop> {
        std::mem::take(&mut self.new_hops)
    }

    fn expect(&self, allowed: &[CaseStatus], by: OrgId) -> Result<(), TransitionError> {
        if self.holder_id != by {
            return Err(TransitionError::NotHolder);
        }
        if !allowed.contains(&self.status) {
            return Err(TransitionError::WrongStatus(self.status.zh()));
        }
        Ok(())
    }

    /// Moves to `to`, held by `holder`, and records the hop.
    fn go(
        &mut self,
        action: CaseAction,
        to: CaseStatus,
        holder: OrgId,
        actor: Actor,
        at: DateTime<Utc>,
        opinion: Option<String>,
    ) {
        self.new_hops.push(CaseHop {
            case_id: self.id,
            version: self.version,
            ordinal: self.new_hops.len() as u32,
            at,
            action,
            from_org: Some(self.holder_id),
            to_org: holder,
            from_status: Some(self.status),
            to_status: to,
            actor,
            opinion,
        });
        self.status = to;
        self.holder_id = holder;
        self.held_since = at;
    }

    fn decide(&mut self, d: Decision) -> Option<String> {
        let s = d.summary();
        self.decision = Some(d);
        Some(s)
    }

    /// The unit approves the declaration (审核通过).
    ///
    /// # Errors
    /// [`TransitionError`] unless the unit holds it in review.
    pub fn unit_approve(&mut self, act: &Act) -> Result<(), TransitionError> {
        self.expect(&[CaseStatus::UnitReview], act.org)?;
        self.decision = None;
        let to = CaseStatus::ReadyToReport;
        self.go(
            CaseAction::UnitApproved,
            to,
            act.org,
            act.actor.clone(),
            act.at,
            None,
        );
        Ok(())
    }

    /// 退回: the unit returns the declaration to the applicant with reasons per section, from
    /// its review or after a department returned it. The declaration becomes editable again.
    ///
    /// # Errors
    /// [`TransitionError`] unless the unit holds it in review or returned.
    pub fn return_to_applicant(
        &mut self,
        act: &Act,
        reasons: ReturnReasons,
    ) -> Result<(), TransitionError> {
        self.expect(
            &[CaseStatus::UnitReview, CaseStatus::ReturnedToUnit],
            act.org,
        )?;
        let opinion = self.decide(Decision::ReturnedToApplicant { reasons });
        let to = CaseStatus::ReturnedToApplicant;
        self.go(
            CaseAction::ReturnedToApplicant,
            to,
            act.org,
            act.actor.clone(),
            act.at,
            opinion,
        );
        Ok(())
    }

    /// 不予推荐: the unit will not recommend the declaration this year. Terminal.
    ///
    /// # Errors
    /// [`TransitionError`] unless the unit holds it in review.
    pub fn unit_reject(&mut self, act: &Act, reason: Opinion) -> Result<(), TransitionError> {
        self.expect(&[CaseStatus::UnitReview], act.org)?;
        let opinion = self.decide(Decision::UnitRejected { reason });
        let to = CaseStatus::UnitRejected;
        self.go(
            CaseAction::UnitRejected,
            to,
            act.org,
            act.actor.clone(),
            act.at,
            opinion,
        );
        Ok(())
    }

    /// The applicant withdraws while the unit has not acted on the current submission.
    ///
    /// # Errors
    /// [`TransitionError::WrongStatus`] once the unit has acted.
    pub fn withdraw(&mut self, actor: Actor, now: DateTime<Utc>) -> Result<(), TransitionError> {
        if self.status != CaseStatus::UnitReview {
            return Err(TransitionError::WrongStatus(self.status.zh()));
        }
        let to = CaseStatus::Withdrawn;
        self.go(CaseAction::Withdrawn, to, self.unit_id, actor, now, None);
        Ok(())
    }

    /// The applicant submits again after a return or a withdrawal; the unit reviews it anew.
    ///
    /// # Errors
    /// [`TransitionError::WrongStatus`] unless returned to the applicant or withdrawn.
    pub fn resubmit(&mut self, actor: Actor, now: DateTime<Utc>) -> Result<(), TransitionError> {
        if !matches!(
            self.status,
            CaseStatus::ReturnedToApplicant | CaseStatus::Withdrawn
        ) {
            return Err(TransitionError::WrongStatus(self.status.zh()));
        }
        self.decision = None;
        self.route.clear();
        self.hop = 0;
        let to = CaseStatus::UnitReview;
        self.go(CaseAction::Resubmitted, to, self.unit_id, actor, now, None);
        Ok(())
    }

    /// The unit reports upward along the approved route (数据上报), first time or again after
    /// a department returned it.
    ///
    /// # Errors
    /// [`TransitionError`] unless the unit holds an approved (or returned) case and the route
    /// starts at it.
    pub fn report(&mut self, act: &Act, route: &Route) -> Result<(), TransitionError> {
        self.expect(
            &[CaseStatus::ReadyToReport, CaseStatus::ReturnedToUnit],
            act.org,
        )?;
        if route.hops.first() != Some(&self.unit_id) || route.hops.len() < 2 {
            return Err(TransitionError::RouteMismatch);
        }
        self.route = route.hops.clone();
        self.decision = None;
        self.move_to_hop(1, CaseAction::Reported, act);
        Ok(())
    }

    /// A competent department forwards to the next hop (逐级上报).
    ///
    /// # Errors
    /// [`TransitionError`] unless the department holds the case in transit.
    pub fn forward(&mut self, act: &Act) -> Result<(), TransitionError> {
        self.expect(&[CaseStatus::InTransit], act.org)?;
        self.move_to_hop(self.hop + 1, CaseAction::Forwarded, act);
        Ok(())
    }

    fn move_to_hop(&mut self, hop: u32, action: CaseAction, act: &Act) {
        let last = self.route.len().saturating_sub(1) as u32;
        let hop = hop.min(last);
        self.hop = hop;
        let holder = self.route[hop as usize];
        let to = if hop == last {
            CaseStatus::PendingAcceptance
        } else {
            CaseStatus::InTransit
        };
        self.go(action, to, holder, act.actor.clone(), act.at, None);
    }

    /// A competent department returns the case to the unit with a reason.
    ///
    /// # Errors
    /// [`TransitionError`] unless the department holds the case in transit.
    pub fn return_to_unit(&mut self, act: &Act, reason: Opinion) -> Result<(), TransitionError> {
        self.expect(&[CaseStatus::InTransit], act.org)?;
        let opinion = self.decide(Decision::ReturnedToUnit {
            by: act.org,
            reason,
        });
        self.hop = 0;
        let to = CaseStatus::ReturnedToUnit;
        self.go(
            CaseAction::ReturnedToUnit,
            to,
            self.unit_id,
            act.actor.clone(),
            act.at,
            opinion,
        );
        Ok(())
    }

    /// The receiver accepts the declaration (受理).
    ///
    /// # Errors
    /// [`TransitionError`] unless the receiver holds it pending acceptance.
    pub fn accept(&mut self, act: &Act) -> Result<(), TransitionError> {
        self.expect(&[CaseStatus::PendingAcceptance], act.org)?;
        let to = CaseStatus::Accepted;
        self.go(
            CaseAction::Accepted,
            to,
            act.org,
            act.actor.clone(),
            act.at,
            None,
        );
        Ok(())
    }

    /// 一次性告知: the receiver lists everything missing with a deadline; the unit holds the
    /// case until it resubmits.
    ///
    /// # Errors
    /// [`TransitionError`] unless the receiver holds it pending acceptance.
    pub fn request_supplement(
        &mut self,
        act: &Act,
        notice: SupplementNotice,
    ) -> Result<(), TransitionError> {
        self.expect(&[CaseStatus::PendingAcceptance], act.org)?;
        let opinion = self.decide(Decision::SupplementRequired {
            by: act.org,
            notice,
        });
        let to = CaseStatus::SupplementRequired;
        let unit = self.unit_id;
        self.go(
            CaseAction::SupplementRequested,
            to,
            unit,
            act.actor.clone(),
            act.at,
            opinion,
        );
        Ok(())
    }

    /// The unit resubmits the supplemented declaration to the receiver before the deadline.
    ///
    /// # Errors
    /// [`TransitionError`] unless the unit holds it for supplement and the deadline has not
    /// passed.
    pub fn resubmit_supplement(&mut self, act: &Act) -> Result<(), TransitionError> {
        self.expect(&[CaseStatus::SupplementRequired], act.org)?;
        if let Some(Decision::SupplementRequired { notice, .. }) = &self.decision
            && act.at > notice.deadline()
        {
            return Err(TransitionError::SupplementOverdue);
        }
        let receiver = self
            .route
            .last()
            .copied()
            .ok_or(TransitionError::RouteMismatch)?;
        self.decision = None;
        self.hop = self.route.len().saturating_sub(1) as u32;
        let to = CaseStatus::PendingAcceptance;
        self.go(
            CaseAction::SupplementResubmitted,
            to,
            receiver,
            act.actor.clone(),
            act.at,
            None,
        );
        Ok(())
    }

    /// 不予受理 on one of the six grounds, with a note. Terminal.
    ///
    /// # Errors
    /// [`TransitionError`] unless the receiver holds it pending acceptance.
    pub fn refuse(
        &mut self,
        act: &Act,
        ground: RefusalGround,
        note: Opinion,
    ) -> Result<(), TransitionError> {
        self.expect(&[CaseStatus::PendingAcceptance], act.org)?;
        let opinion = self.decide(Decision::NotAccepted {
            by: act.org,
            ground,
            note,
        });
        let to = CaseStatus::NotAccepted;
        self.go(
            CaseAction::Refused,
            to,
            act.org,
            act.actor.clone(),
            act.at,
            opinion,
        );
        Ok(())
    }

    /// Records the committee's vote; the rules decide pass or fail.
    ///
    /// # Errors
    /// [`TransitionError`] unless the receiver holds an accepted case and the vote is valid
    /// with a quorum.
    pub fn record_vote(
        &mut self,
        act: &Act,
        vote: CommitteeVote,
    ) -> Result<CaseStatus, TransitionError> {
        self.expect(&[CaseStatus::Accepted], act.org)?;
        if vote.members == 0
            || vote.attending > vote.members
            || vote.yes + vote.no + vote.abstain != vote.attending
        {
            return Err(TransitionError::InvalidVote);
        }
        if !vote.has_quorum() {
            return Err(TransitionError::NoQuorum);
        }
        self.vote = Some(vote);
        let to = if vote.passes() {
            CaseStatus::Passed
        } else {
            CaseStatus::Failed
        };
        let opinion = Some(format!(
            "委员{}人，出席{}人，同意{}票，反对{}票，弃权{}票",
            vote.members, vote.attending, vote.yes, vote.no, vote.abstain
        ));
        self.go(
            CaseAction::VoteRecorded,
            to,
            act.org,
            act.actor.clone(),
            act.at,
            opinion,
        );
        Ok(self.status)
    }

    /// Marks the case certified once a certificate is issued.
    ///
    /// # Errors
    /// [`TransitionError`] unless the receiver holds a passed case.
    pub fn certify(&mut self, act: &Act) -> Result<(), TransitionError> {
        self.expect(&[CaseStatus::Passed], act.org)?;
        let to = CaseStatus::Certified;
        self.go(
            CaseAction::Certified,
            to,
            act.org,
            act.actor.clone(),
            act.at,
            None,
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use zhicheng_declaration::{DeclarationStatus, Materials};
    use zhicheng_kernel::AccountId;

    fn org(n: u128) -> OrgId {
        OrgId(uuid::Uuid::from_u128(n))
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
    }

    fn actor(n: u128) -> Actor {
        Actor::Account(AccountId(uuid::Uuid::from_u128(1000 + n)))
    }

    /// Org `n` acting through account `1000 + n` at t0 + `h` hours.
    fn by(n: u128, h: i64) -> Act {
        Act::new(org(n), actor(n), t0() + Duration::hours(h))
    }

    fn case() -> ReviewCase {
        let now = t0();
        let d = Declaration {
            id: DeclarationId(uuid::Uuid::from_u128(9)),
            person_id: PersonId(uuid::Uuid::from_u128(8)),
            unit_id: org(1),
            plan_id: PlanId(uuid::Uuid::from_u128(7)),
            year: 2026,
            series: SeriesCode::parse("ENG").unwrap(),
            level: TitleLevel::Intermediate,
            specialty: "机械".into(),
            kind: zhicheng_declaration::DeclarationKind::Normal,
            materials: Materials::default(),
            status: DeclarationStatus::Submitted,
            commitment_version: "2022.1".into(),
            created_at: now,
            submitted_at: Some(now),
            submissions: 1,
            new_version: None,
            version: 2,
        };
        ReviewCase::open(CaseId(uuid::Uuid::from_u128(10)), &d, actor(0), now)
    }

    /// Simulates a store write: the next transition carries the next version.
    fn saved(c: &mut ReviewCase) -> Vec<CaseHop> {
        c.version += 1;
        c.take_hops()
    }

    fn route(hops: &[u128]) -> Route {
        Route {
            hops: hops.iter().map(|n| org(*n)).collect(),
        }
    }

    fn reasons() -> ReturnReasons {
        ReturnReasons::parse([("achievements", "缺少项目验收证明")]).unwrap()
    }

    fn opinion(s: &str) -> Opinion {
        Opinion::parse("reason", s).unwrap()
    }

    fn notice(deadline_h: i64) -> SupplementNotice {
        SupplementNotice::parse(
            ["学历证书复印件", "继续教育证明"],
            t0() + Duration::hours(deadline_h),
            t0(),
        )
        .unwrap()
    }

    /// A case reported along 1 → 2 → 3 and now pending acceptance at 3.
    fn pending_at_receiver() -> ReviewCase {
        let mut c = case();
        c.unit_approve(&by(1, 1)).unwrap();
        c.report(&by(1, 2), &route(&[1, 2, 3])).unwrap();
        c.forward(&by(2, 3)).unwrap();
        c
    }

    #[test]
    fn the_whole_journey_through_a_department_records_every_hop() {
        let mut c = case();
        let mut hops = saved(&mut c);
        c.unit_approve(&by(1, 1)).unwrap();
        hops.extend(saved(&mut c));
        assert_eq!(
            c.unit_approve(&by(1, 1)),
            Err(TransitionError::WrongStatus("单位审核通过，待上报"))
        );
        c.report(&by(1, 2), &route(&[1, 2, 3])).unwrap();
        hops.extend(saved(&mut c));
        assert_eq!((c.status, c.holder_id), (CaseStatus::InTransit, org(2)));
        assert_eq!(
            c.accept(&by(2, 3)),
            Err(TransitionError::WrongStatus("主管部门审核中"))
        );
        c.forward(&by(2, 3)).unwrap();
        hops.extend(saved(&mut c));
        assert_eq!(
            (c.status, c.holder_id),
            (CaseStatus::PendingAcceptance, org(3))
        );
        c.accept(&by(3, 4)).unwrap();
        hops.extend(saved(&mut c));
        let vote = CommitteeVote {
            members: 25,
            attending: 17,
            yes: 12,
            no: 4,
            abstain: 1,
        };
        assert_eq!(c.record_vote(&by(3, 5), vote), Ok(CaseStatus::Passed));
        hops.extend(saved(&mut c));
        c.certify(&by(3, 6)).unwrap();
        hops.extend(saved(&mut c));
        let actions: Vec<_> = hops.iter().map(|h| h.action).collect();
        assert_eq!(
            actions,
            [
                CaseAction::Submitted,
                CaseAction::UnitApproved,
                CaseAction::Reported,
                CaseAction::Forwarded,
                CaseAction::Accepted,
                CaseAction::VoteRecorded,
                CaseAction::Certified,
            ]
        );
        // Versions are consecutive from 1; each hop names from, to, who and when.
        assert!(hops.iter().zip(1..).all(|(h, v)| h.version == v));
        let reported = &hops[2];
        assert_eq!(
            (reported.from_org, reported.to_org, &reported.actor),
            (Some(org(1)), org(2), &actor(1))
        );
        assert_eq!(reported.at, t0() + Duration::hours(2));
        assert_eq!(hops[0].from_org, None);
        assert!(hops[5].opinion.as_deref().unwrap().contains("同意12票"));
    }

    #[test]
    fn a_stranger_cannot_act_and_a_route_must_start_at_the_unit() {
        let mut c = case();
        assert_eq!(c.unit_approve(&by(2, 1)), Err(TransitionError::NotHolder));
        c.unit_approve(&by(1, 1)).unwrap();
        assert_eq!(
            c.report(&by(1, 2), &route(&[2, 3])),
            Err(TransitionError::RouteMismatch)
        );
        assert_eq!(
            c.report(&by(1, 2), &route(&[1])),
            Err(TransitionError::RouteMismatch)
        );
        assert!(c.new_hops.len() == 2, "refused steps record nothing");
    }

    #[test]
    fn the_unit_returns_to_the_applicant_who_resubmits() {
        let mut c = case();
        saved(&mut c);
        assert_eq!(
            c.return_to_applicant(&by(2, 1), reasons()),
            Err(TransitionError::NotHolder)
        );
        c.return_to_applicant(&by(1, 1), reasons()).unwrap();
        assert_eq!(c.status, CaseStatus::ReturnedToApplicant);
        assert!(matches!(
            c.decision,
            Some(Decision::ReturnedToApplicant { .. })
        ));
        let hop = &saved(&mut c)[0];
        assert_eq!(
            hop.opinion.as_deref(),
            Some("工作业绩与成果：缺少项目验收证明")
        );
        // Nothing but the applicant's resubmission moves it now.
        assert!(c.unit_approve(&by(1, 2)).is_err());
        assert!(c.unit_reject(&by(1, 2), opinion("x")).is_err());
        assert!(c.withdraw(actor(0), t0()).is_err());
        assert!(c.return_to_applicant(&by(1, 2), reasons()).is_err());
        c.resubmit(actor(0), t0() + Duration::hours(3)).unwrap();
        assert_eq!(
            (c.status, c.holder_id, &c.decision),
            (CaseStatus::UnitReview, org(1), &None)
        );
        assert!(c.resubmit(actor(0), t0()).is_err());
        c.unit_approve(&by(1, 4)).unwrap();
    }

    #[test]
    fn withdrawal_only_before_the_unit_acts_and_a_withdrawn_case_reopens() {
        let mut c = case();
        c.withdraw(actor(0), t0()).unwrap();
        assert_eq!(c.status, CaseStatus::Withdrawn);
        assert!(c.withdraw(actor(0), t0()).is_err());
        assert!(c.unit_approve(&by(1, 1)).is_err());
        c.resubmit(actor(0), t0()).unwrap();
        c.unit_approve(&by(1, 1)).unwrap();
        assert_eq!(
            c.withdraw(actor(0), t0()),
            Err(TransitionError::WrongStatus("单位审核通过，待上报"))
        );
    }

    #[test]
    fn a_unit_rejection_is_final() {
        let mut c = case();
        c.unit_reject(&by(1, 1), opinion("不符合任职年限")).unwrap();
        assert_eq!(c.status, CaseStatus::UnitRejected);
        assert!(c.status.is_terminal());
        assert!(c.unit_approve(&by(1, 2)).is_err());
        assert!(c.return_to_applicant(&by(1, 2), reasons()).is_err());
        assert!(c.resubmit(actor(0), t0()).is_err());
        assert!(c.withdraw(actor(0), t0()).is_err());
        assert!(c.report(&by(1, 2), &route(&[1, 3])).is_err());
        // Rejection only from review: not after approval.
        let mut c = case();
        c.unit_approve(&by(1, 1)).unwrap();
        assert!(c.unit_reject(&by(1, 2), opinion("x")).is_err());
    }

    #[test]
    fn a_department_returns_to_the_unit_which_reports_again_or_returns_further() {
        let mut c = case();
        c.unit_approve(&by(1, 1)).unwrap();
        c.report(&by(1, 2), &route(&[1, 2, 3])).unwrap();
        assert_eq!(
            c.return_to_unit(&by(3, 3), opinion("x")),
            Err(TransitionError::NotHolder)
        );
        c.return_to_unit(&by(2, 3), opinion("推荐材料缺少公示结果"))
            .unwrap();
        assert_eq!(
            (c.status, c.holder_id, c.hop),
            (CaseStatus::ReturnedToUnit, org(1), 0)
        );
        assert!(c.forward(&by(2, 4)).is_err());
        assert!(c.return_to_unit(&by(2, 4), opinion("x")).is_err());
        assert!(c.unit_approve(&by(1, 4)).is_err());
        let mut again = c.clone();
        again.report(&by(1, 4), &route(&[1, 2, 3])).unwrap();
        assert_eq!(
            (again.status, again.holder_id),
            (CaseStatus::InTransit, org(2))
        );
        assert_eq!(again.decision, None);
        c.return_to_applicant(&by(1, 4), reasons()).unwrap();
        assert_eq!(c.status, CaseStatus::ReturnedToApplicant);
        // A department cannot return what it does not hold pending acceptance.
        let mut p = pending_at_receiver();
        assert!(p.return_to_unit(&by(3, 5), opinion("x")).is_err());
    }

    #[test]
    fn the_receiver_requests_a_supplement_and_the_unit_resubmits_in_time() {
        let mut c = pending_at_receiver();
        assert_eq!(
            c.request_supplement(&by(2, 4), notice(48)),
            Err(TransitionError::NotHolder)
        );
        c.request_supplement(&by(3, 4), notice(48)).unwrap();
        assert_eq!(
            (c.status, c.holder_id),
            (CaseStatus::SupplementRequired, org(1))
        );
        let hop = &c.new_hops.last().unwrap().clone();
        assert!(
            hop.opinion
                .as_deref()
                .unwrap()
                .starts_with("1. 学历证书复印件\n2. 继续教育证明")
        );
        assert_eq!((hop.from_org, hop.to_org), (Some(org(3)), org(1)));
        assert!(c.accept(&by(3, 5)).is_err());
        assert!(c.request_supplement(&by(3, 5), notice(48)).is_err());
        assert!(c.resubmit_supplement(&by(2, 5)).is_err());
        let mut late = c.clone();
        assert_eq!(
            late.resubmit_supplement(&by(1, 49)),
            Err(TransitionError::SupplementOverdue)
        );
        c.resubmit_supplement(&by(1, 47)).unwrap();
        assert_eq!(
            (c.status, c.holder_id, c.hop),
            (CaseStatus::PendingAcceptance, org(3), 2)
        );
        c.accept(&by(3, 50)).unwrap();
        assert!(c.resubmit_supplement(&by(1, 51)).is_err());
    }

    #[test]
    fn the_receiver_refuses_on_a_ground_and_that_is_final() {
        let mut c = pending_at_receiver();
        assert_eq!(
            c.refuse(&by(2, 4), RefusalGround::Late, opinion("x")),
            Err(TransitionError::NotHolder)
        );
        c.refuse(
            &by(3, 4),
            RefusalGround::Fraud,
            opinion("业绩材料与原件不符"),
        )
        .unwrap();
        assert_eq!(c.status, CaseStatus::NotAccepted);
        assert!(c.status.is_terminal());
        assert_eq!(
            c.new_hops.last().unwrap().opinion.as_deref(),
            Some("弄虚作假：业绩材料与原件不符")
        );
        assert!(c.accept(&by(3, 5)).is_err());
        assert!(c.request_supplement(&by(3, 5), notice(48)).is_err());
        assert!(
            c.refuse(&by(3, 5), RefusalGround::Other, opinion("x"))
                .is_err()
        );
        // Refusal only while pending acceptance.
        let mut c = pending_at_receiver();
        c.accept(&by(3, 4)).unwrap();
        assert!(
            c.refuse(&by(3, 5), RefusalGround::Late, opinion("x"))
                .is_err()
        );
    }

    #[test]
    fn every_status_string_round_trips() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
        }
        for a in CaseAction::ALL {
            assert_eq!(CaseAction::parse(a.as_str()), Some(a));
        }
    }

    #[test]
    fn two_thirds_rules_include_the_bound() {
        // 25 members: 17 attending is a quorum (51 ≥ 50), 16 is not (48 < 50).
        let v = |attending, yes, no, abstain| CommitteeVote {
            members: 25,
            attending,
            yes,
            no,
            abstain,
        };
        assert!(v(17, 0, 0, 17).has_quorum());
        assert!(!v(16, 0, 0, 16).has_quorum());
        // 18 attending: 12 yes passes (36 ≥ 36), 11 does not.
        assert!(v(18, 12, 6, 0).passes());
        assert!(!v(18, 11, 6, 1).passes());
        let mut c = case();
        c.unit_approve(&by(1, 1)).unwrap();
        c.report(&by(1, 2), &route(&[1, 3])).unwrap();
        c.accept(&by(3, 3)).unwrap();
        assert_eq!(
            c.record_vote(&by(3, 4), v(16, 16, 0, 0)),
            Err(TransitionError::NoQuorum)
        );
        assert_eq!(c.status, CaseStatus::Accepted);
        assert_eq!(
            c.record_vote(&by(3, 4), v(20, 10, 5, 0)),
            Err(TransitionError::InvalidVote)
        );
        assert_eq!(
            c.record_vote(&by(3, 4), v(18, 11, 7, 0)),
            Ok(CaseStatus::Failed)
        );
    }
}
