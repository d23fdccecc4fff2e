//! Review workflow: the journey of a submitted declaration.
//!
//! Owns the `ReviewCase` aggregate opened when an applicant submits (确定申报): the employer
//! unit's review and approval, reporting level by level along the approved route (上报 /
//! 逐级上报), acceptance (受理) by the receiver, and the committee's vote with its quorum and
//! two-thirds rules. Who holds a case, and since when, is always known.
//!
//! It must not know how cases are stored or displayed: no database, HTTP or runtime.

pub mod case;
pub mod ports;
pub mod service;

pub use case::{CaseStatus, CommitteeVote, ReviewCase, TransitionError};
