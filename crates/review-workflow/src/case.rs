//! The review case aggregate and its transitions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_approval_path::Route;
use zhicheng_declaration::Declaration;
use zhicheng_kernel::{
    CaseId, DeclarationId, Localized, OrgId, PersonId, PlanId, SeriesCode, TitleLevel,
};

/// Where a submitted declaration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// With the employer unit for review (单位审核).
    UnitReview,
    /// Approved by the unit, waiting to be reported upward.
    ReadyToReport,
    /// With a competent department on the route.
    InTransit,
    /// With the receiver, waiting for acceptance (待受理).
    PendingAcceptance,
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
    pub const ALL: [CaseStatus; 8] = [
        CaseStatus::UnitReview,
        CaseStatus::ReadyToReport,
        CaseStatus::InTransit,
        CaseStatus::PendingAcceptance,
        CaseStatus::Accepted,
        CaseStatus::Passed,
        CaseStatus::Failed,
        CaseStatus::Certified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::UnitReview => "unit_review",
            CaseStatus::ReadyToReport => "ready_to_report",
            CaseStatus::InTransit => "in_transit",
            CaseStatus::PendingAcceptance => "pending_acceptance",
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
            CaseStatus::ReadyToReport => "单位审核通过，待上报",
            CaseStatus::InTransit => "主管部门审核中",
            CaseStatus::PendingAcceptance => "待受理",
            CaseStatus::Accepted => "已受理，待评审",
            CaseStatus::Passed => "评审通过",
            CaseStatus::Failed => "评审未通过",
            CaseStatus::Certified => "已发证",
        }
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
    pub opened_at: DateTime<Utc>,
    pub version: i64,
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
}

impl Localized for TransitionError {
    fn code(&self) -> &'static str {
        match self {
            Self::WrongStatus(_) => "case.wrong_status",
            Self::NotHolder => "case.not_holder",
            Self::RouteMismatch => "case.route_mismatch",
            Self::InvalidVote => "case.invalid_vote",
            Self::NoQuorum => "case.no_quorum",
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
    pub fn open(id: CaseId, d: &Declaration, now: DateTime<Utc>) -> ReviewCase {
        ReviewCase {
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
            opened_at: now,
            version: 1,
        }
    }

    fn expect(&self, status: CaseStatus, by: OrgId) -> Result<(), TransitionError> {
        if self.holder_id != by {
            return Err(TransitionError::NotHolder);
        }
        if self.status != status {
            return Err(TransitionError::WrongStatus(self.status.zh()));
        }
        Ok(())
    }

    /// The unit approves the declaration (审核通过).
    ///
    /// # Errors
    /// [`TransitionError`] unless the unit holds it in review.
    pub fn unit_approve(&mut self, by: OrgId, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.expect(CaseStatus::UnitReview, by)?;
        self.status = CaseStatus::ReadyToReport;
        self.held_since = now;
        Ok(())
    }

    /// The unit reports upward along the approved route (数据上报).
    ///
    /// # Errors
    /// [`TransitionError`] unless the unit holds an approved case and the route starts at it.
    pub fn report(
        &mut self,
        by: OrgId,
        route: &Route,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.expect(CaseStatus::ReadyToReport, by)?;
        if route.hops.first() != Some(&self.unit_id) || route.hops.len() < 2 {
            return Err(TransitionError::RouteMismatch);
        }
        self.route = route.hops.clone();
        self.move_to_hop(1, now);
        Ok(())
    }

    /// A competent department forwards to the next hop (逐级上报).
    ///
    /// # Errors
    /// [`TransitionError`] unless the department holds the case in transit.
    pub fn forward(&mut self, by: OrgId, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.expect(CaseStatus::InTransit, by)?;
        self.move_to_hop(self.hop + 1, now);
        Ok(())
    }

    fn move_to_hop(&mut self, hop: u32, now: DateTime<Utc>) {
        let last = self.route.len().saturating_sub(1) as u32;
        let hop = hop.min(last);
        self.hop = hop;
        self.holder_id = self.route[hop as usize];
        self.held_since = now;
        self.status = if hop == last {
            CaseStatus::PendingAcceptance
        } else {
            CaseStatus::InTransit
        };
    }

    /// The receiver accepts the declaration (受理).
    ///
    /// # Errors
    /// [`TransitionError`] unless the receiver holds it pending acceptance.
    pub fn accept(&mut self, by: OrgId, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.expect(CaseStatus::PendingAcceptance, by)?;
        self.status = CaseStatus::Accepted;
        self.held_since = now;
        Ok(())
    }

    /// Records the committee's vote; the rules decide pass or fail.
    ///
    /// # Errors
    /// [`TransitionError`] unless the receiver holds an accepted case and the vote is valid
    /// with a quorum.
    pub fn record_vote(
        &mut self,
        by: OrgId,
        vote: CommitteeVote,
        now: DateTime<Utc>,
    ) -> Result<CaseStatus, TransitionError> {
        self.expect(CaseStatus::Accepted, by)?;
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
        self.status = if vote.passes() {
            CaseStatus::Passed
        } else {
            CaseStatus::Failed
        };
        self.held_since = now;
        Ok(self.status)
    }

    /// Marks the case certified once a certificate is issued.
    ///
    /// # Errors
    /// [`TransitionError`] unless the receiver holds a passed case.
    pub fn certify(&mut self, by: OrgId, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.expect(CaseStatus::Passed, by)?;
        self.status = CaseStatus::Certified;
        self.held_since = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use zhicheng_declaration::{DeclarationStatus, Materials};

    fn org(n: u128) -> OrgId {
        OrgId(uuid::Uuid::from_u128(n))
    }

    fn case() -> ReviewCase {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let d = Declaration {
            id: DeclarationId(uuid::Uuid::from_u128(9)),
            person_id: PersonId(uuid::Uuid::from_u128(8)),
            unit_id: org(1),
            plan_id: PlanId(uuid::Uuid::from_u128(7)),
            year: 2026,
            series: SeriesCode::parse("ENG").unwrap(),
            level: TitleLevel::Intermediate,
            specialty: "机械".into(),
            materials: Materials::default(),
            status: DeclarationStatus::Submitted,
            commitment_version: "2022.1".into(),
            created_at: now,
            submitted_at: Some(now),
            version: 2,
        };
        ReviewCase::open(CaseId(uuid::Uuid::from_u128(10)), &d, now)
    }

    #[test]
    fn the_whole_journey_through_a_department() {
        let now = Utc::now();
        let mut c = case();
        c.unit_approve(org(1), now).unwrap();
        assert_eq!(
            c.unit_approve(org(1), now),
            Err(TransitionError::WrongStatus("单位审核通过，待上报"))
        );
        c.report(
            org(1),
            &Route {
                hops: vec![org(1), org(2), org(3)],
            },
            now,
        )
        .unwrap();
        assert_eq!((c.status, c.holder_id), (CaseStatus::InTransit, org(2)));
        assert_eq!(
            c.accept(org(2), now),
            Err(TransitionError::WrongStatus("主管部门审核中"))
        );
        c.forward(org(2), now).unwrap();
        assert_eq!(
            (c.status, c.holder_id),
            (CaseStatus::PendingAcceptance, org(3))
        );
        c.accept(org(3), now).unwrap();
        let vote = CommitteeVote {
            members: 25,
            attending: 17,
            yes: 12,
            no: 4,
            abstain: 1,
        };
        assert_eq!(c.record_vote(org(3), vote, now), Ok(CaseStatus::Passed));
        c.certify(org(3), now).unwrap();
    }

    #[test]
    fn a_stranger_cannot_act_and_a_route_must_start_at_the_unit() {
        let now = Utc::now();
        let mut c = case();
        assert_eq!(c.unit_approve(org(2), now), Err(TransitionError::NotHolder));
        c.unit_approve(org(1), now).unwrap();
        assert_eq!(
            c.report(
                org(1),
                &Route {
                    hops: vec![org(2), org(3)]
                },
                now
            ),
            Err(TransitionError::RouteMismatch)
        );
    }

    #[test]
    fn two_thirds_rules_include_the_bound() {
        // 25 members: 17 attending is a quorum (51 ≥ 50), 16 is not (48 < 50).
        assert!(
            CommitteeVote {
                members: 25,
                attending: 17,
                yes: 0,
                no: 0,
                abstain: 17
            }
            .has_quorum()
        );
        assert!(
            !CommitteeVote {
                members: 25,
                attending: 16,
                yes: 0,
                no: 0,
                abstain: 16
            }
            .has_quorum()
        );
        // 18 attending: 12 yes passes (36 ≥ 36), 11 does not.
        assert!(
            CommitteeVote {
                members: 25,
                attending: 18,
                yes: 12,
                no: 6,
                abstain: 0
            }
            .passes()
        );
        assert!(
            !CommitteeVote {
                members: 25,
                attending: 18,
                yes: 11,
                no: 6,
                abstain: 1
            }
            .passes()
        );
        let now = Utc::now();
        let mut c = case();
        c.unit_approve(org(1), now).unwrap();
        c.report(
            org(1),
            &Route {
                hops: vec![org(1), org(3)],
            },
            now,
        )
        .unwrap();
        c.accept(org(3), now).unwrap();
        let no_quorum = CommitteeVote {
            members: 25,
            attending: 16,
            yes: 16,
            no: 0,
            abstain: 0,
        };
        assert_eq!(
            c.record_vote(org(3), no_quorum, now),
            Err(TransitionError::NoQuorum)
        );
        assert_eq!(c.status, CaseStatus::Accepted);
        let bad = CommitteeVote {
            members: 25,
            attending: 20,
            yes: 10,
            no: 5,
            abstain: 0,
        };
        assert_eq!(
            c.record_vote(org(3), bad, now),
            Err(TransitionError::InvalidVote)
        );
        let fail = CommitteeVote {
            members: 25,
            attending: 18,
            yes: 11,
            no: 7,
            abstain: 0,
        };
        assert_eq!(c.record_vote(org(3), fail, now), Ok(CaseStatus::Failed));
    }
}
