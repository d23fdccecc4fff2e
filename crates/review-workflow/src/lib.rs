//! Review workflow: the journey of a submitted declaration.
//!
//! Owns the `ReviewCase` aggregate opened when an applicant submits (确定申报): the employer
//! unit's review (approve, return to the applicant with reasons per section, 不予推荐), the
//! applicant's withdrawal and resubmission, reporting level by level along the approved route
//! (上报 / 逐级上报) with departments' returns, acceptance (受理), the one-time supplement
//! notice (一次性告知) and refusal (不予受理) by the receiver, and the committee's vote with its
//! quorum and two-thirds rules. Who holds a case, and since when, is always known, and every
//! hop is recorded in the case history. Holders work through queues (`queue`): filters by
//! series, level, status, applicant name and submission day, counts per status and keyset
//! paging with an opaque cursor; batches (`batch`) move a selection all or nothing.
//!
//! It must not know how cases are stored or displayed: no database, HTTP or runtime.

pub mod batch;
pub mod case;
pub mod decision;
pub mod health;
pub mod history;
pub mod ports;
pub mod progress;
pub mod queue;
pub mod service;

pub use case::{Act, CaseStatus, CommitteeVote, ReviewCase, TransitionError};
pub use decision::{
    Decision, DecisionInputError, Opinion, RefusalGround, ReturnReasons, Section, SupplementNotice,
};
pub use history::{CaseAction, CaseHop};
