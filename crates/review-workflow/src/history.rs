//! The history of a case: one [`CaseHop`] per transition, append-only.
//!
//! Why its own table rather than a list inside the aggregate: the case row is rewritten under
//! its version guard on every step, and a growing JSON history would be rewritten with it; an
//! append-only table is written once per hop, can be read for a timeline without loading the
//! aggregate, and its key `(case_id, version, ordinal)` makes a duplicated hop impossible. It stays
//! consistent with the case because every transition records its hop on the aggregate
//! ([`crate::ReviewCase::take_hops`]) and the store writes those rows in the same transaction
//! as the case row — no caller can move a case without recording the hop.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::{Actor, CaseId, OrgId};

use crate::CaseStatus;

/// What happened at a hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    Submitted,
    Withdrawn,
    Resubmitted,
    UnitApproved,
    ReturnedToApplicant,
    UnitRejected,
    Reported,
    Forwarded,
    ReturnedToUnit,
    Accepted,
    SupplementRequested,
    SupplementResubmitted,
    Refused,
    VoteRecorded,
    Certified,
}

impl CaseAction {
    pub const ALL: [CaseAction; 15] = [
        CaseAction::Submitted,
        CaseAction::Withdrawn,
        CaseAction::Resubmitted,
        CaseAction::UnitApproved,
        CaseAction::ReturnedToApplicant,
        CaseAction::UnitRejected,
        CaseAction::Reported,
        CaseAction::Forwarded,
        CaseAction::ReturnedToUnit,
        CaseAction::Accepted,
        CaseAction::SupplementRequested,
        CaseAction::SupplementResubmitted,
        CaseAction::Refused,
        CaseAction::VoteRecorded,
        CaseAction::Certified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseAction::Submitted => "submitted",
            CaseAction::Withdrawn => "withdrawn",
            CaseAction::Resubmitted => "resubmitted",
            CaseAction::UnitApproved => "unit_approved",
            CaseAction::ReturnedToApplicant => "returned_to_applicant",
            CaseAction::UnitRejected => "unit_rejected",
            CaseAction::Reported => "reported",
            CaseAction::Forwarded => "forwarded",
            CaseAction::ReturnedToUnit => "returned_to_unit",
            CaseAction::Accepted => "accepted",
            CaseAction::SupplementRequested => "supplement_requested",
            CaseAction::SupplementResubmitted => "supplement_resubmitted",
            CaseAction::Refused => "refused",
            CaseAction::VoteRecorded => "vote_recorded",
            CaseAction::Certified => "certified",
        }
    }

    pub fn parse(s: &str) -> Option<CaseAction> {
        CaseAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            CaseAction::Submitted => "确定申报",
            CaseAction::Withdrawn => "撤回申报",
            CaseAction::Resubmitted => "重新提交",
            CaseAction::UnitApproved => "单位审核通过",
            CaseAction::ReturnedToApplicant => "退回申报人",
            CaseAction::UnitRejected => "不予推荐",
            CaseAction::Reported => "数据上报",
            CaseAction::Forwarded => "逐级上报",
            CaseAction::ReturnedToUnit => "退回单位",
            CaseAction::Accepted => "受理",
            CaseAction::SupplementRequested => "一次性告知补正",
            CaseAction::SupplementResubmitted => "补正后重新报送",
            CaseAction::Refused => "不予受理",
            CaseAction::VoteRecorded => "评审表决",
            CaseAction::Certified => "发证",
        }
    }
}

/// One recorded step: who moved the case from where to where, when, and with what opinion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseHop {
    pub case_id: CaseId,
    /// The case version this step produced; increasing.
    pub version: i64,
    /// Position among the hops written with that version: 0, unless one write applied several
    /// transitions (as the committee office may when recording in one step).
    pub ordinal: u32,
    pub at: DateTime<Utc>,
    pub action: CaseAction,
    /// Holder before the step (`None` when the applicant submitted).
    pub from_org: Option<OrgId>,
    /// Holder after the step.
    pub to_org: OrgId,
    /// Status before the step (`None` when the case was opened).
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    /// The account (or operator) who acted.
    pub actor: Actor,
    pub opinion: Option<String>,
}
