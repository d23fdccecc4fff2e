//! What the review workflow needs from storage. One transaction per call; writes carry audit.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zhicheng_declaration::Declaration;
use zhicheng_kernel::{
    AuditEvent, CaseId, DeclarationId, OrgId, PersonId, SeriesCode, StoreError, TitleLevel, TxError,
};

use crate::queue::{CasePage, NameFragment, PageRequest, StatusCount};
use crate::{CaseHop, CaseStatus, ReviewCase};

/// A client's `Idempotency-Key` for a batch, scoped to the caller and the operation, with a
/// hash of the request it first came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// `{scope}:{key}` — unique in the store.
    pub id: String,
    pub request_hash: String,
    /// When the request first came.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A batch that moved its cases, now or (with the same key) earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome<T> {
    Done(Vec<T>),
    /// The key was seen with the same request: the stored result, nothing moved again.
    Replayed(Vec<T>),
}

/// Why a batch moved nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError<E> {
    /// Every case that could not move, with why (`None`: no such case).
    Rejected(Vec<(CaseId, Option<E>)>),
    /// The key was first used with a different request.
    KeyReused,
    Store(StoreError),
}

impl<E> From<StoreError> for BatchError<E> {
    fn from(e: StoreError) -> Self {
        BatchError::Store(e)
    }
}

/// Which cases a holder wants to see (职称申报数据审核: filter by series and level, status,
/// applicant name and submission time). Only cases the holder holds now are ever listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilter {
    pub holder: OrgId,
    pub status: Option<CaseStatus>,
    pub series: Option<SeriesCode>,
    pub level: Option<TitleLevel>,
    /// The applicant's name contains this.
    pub name: Option<NameFragment>,
    /// The declaration was (last) submitted at or after this instant.
    pub submitted_since: Option<DateTime<Utc>>,
    /// The declaration was (last) submitted before this instant.
    pub submitted_before: Option<DateTime<Utc>>,
}

impl CaseFilter {
    /// Everything `holder` holds.
    pub fn holder(holder: OrgId) -> CaseFilter {
        CaseFilter {
            holder,
            status: None,
            series: None,
            level: None,
            name: None,
            submitted_since: None,
            submitted_before: None,
        }
    }

    /// Whether `row` passes every criterion (the in-memory reading of the filter).
    pub fn matches(&self, row: &CaseRow) -> bool {
        let c = &row.case;
        c.holder_id == self.holder
            && self.status.is_none_or(|s| c.status == s)
            && self.series.as_ref().is_none_or(|s| &c.series == s)
            && self.level.is_none_or(|l| c.level == l)
            && self
                .name
                .as_ref()
                .is_none_or(|n| n.matches(&row.applicant_name))
            && self
                .submitted_since
                .is_none_or(|t| row.submitted_at.is_some_and(|s| s >= t))
            && self
                .submitted_before
                .is_none_or(|t| row.submitted_at.is_some_and(|s| s < t))
    }
}

/// A case with the names a reviewer needs to see in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRow {
    pub case: ReviewCase,
    pub applicant_name: String,
    pub specialty: String,
    /// The declaration's kind (正常申报, 破格, 转评, 初定).
    pub kind: zhicheng_declaration::DeclarationKind,
    pub unit_name: String,
    /// When the declaration was last submitted (none while it is a draft again).
    pub submitted_at: Option<DateTime<Utc>>,
}

pub trait ReviewRepo: Send + Sync {
    /// Submits a declaration and opens its case in one transaction: loads the declaration,
    /// applies `f` (which changes the declaration and returns the new case), writes both.
    fn submit_declaration<E, F>(
        &self,
        id: DeclarationId,
        f: F,
    ) -> impl Future<Output = Result<ReviewCase, TxError<E>>> + Send
    where
        E: Send,
        F: FnOnce(&mut Declaration) -> Result<(ReviewCase, AuditEvent), E> + Send;

    fn get_case(
        &self,
        id: CaseId,
    ) -> impl Future<Output = Result<Option<ReviewCase>, StoreError>> + Send;

    fn get_case_for_declaration(
        &self,
        id: DeclarationId,
    ) -> impl Future<Output = Result<Option<ReviewCase>, StoreError>> + Send;

    /// One page of the cases matching `filter`, in `(held_since, id)` order (oldest holding
    /// first), starting after `page.after`; `next` is set when more rows follow.
    fn list_cases(
        &self,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> impl Future<Output = Result<CasePage, StoreError>> + Send;

    /// How many cases match `filter` with its status left out, per status: statuses with at
    /// least one case, in [`CaseStatus::ALL`] order.
    fn count_cases(
        &self,
        filter: &CaseFilter,
    ) -> impl Future<Output = Result<Vec<StatusCount>, StoreError>> + Send;

    /// The cases of one plan, series and level that reached `org`: its own declarations (as
    /// the employer unit) or those whose route passes through it, whoever holds them now;
    /// first submitted first (`opened_at`, then id).
    fn list_plan_cases(
        &self,
        org: OrgId,
        plan: zhicheng_kernel::PlanId,
        series: &SeriesCode,
        level: TitleLevel,
    ) -> impl Future<Output = Result<Vec<CaseRow>, StoreError>> + Send;

    /// A person's cases, newest first.
    fn list_cases_for_person(
        &self,
        person: PersonId,
    ) -> impl Future<Output = Result<Vec<ReviewCase>, StoreError>> + Send;

    /// Every (unit, series, level) with a case in the plan, each once.
    fn plan_case_keys(
        &self,
        plan: zhicheng_kernel::PlanId,
    ) -> impl Future<Output = Result<Vec<zhicheng_approval_path::health::HealthKey>, StoreError>> + Send;

    /// The case history, oldest hop first.
    fn case_history(
        &self,
        id: CaseId,
    ) -> impl Future<Output = Result<Vec<CaseHop>, StoreError>> + Send;

    /// Changes a case and its declaration in one transaction (returns, withdrawals,
    /// resubmissions), both version-guarded, with one audit row and the case's new hops.
    fn update_case_with_declaration<T, E, F>(
        &self,
        id: CaseId,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut ReviewCase, &mut Declaration) -> Result<(T, AuditEvent), E> + Send;

    /// All or nothing: applies `f` to every case of `ids` in one transaction (one audit row per
    /// case, hops written). If any case is missing or refused, nothing is written and every
    /// failure is listed. With `key`, a replay of the same request returns the stored result
    /// and a different request under the same key is `KeyReused`; the key is stored with the
    /// result in the same transaction.
    fn update_cases<T, E, F>(
        &self,
        ids: &[CaseId],
        key: Option<&IdempotencyKey>,
        f: F,
    ) -> impl Future<Output = Result<BatchOutcome<T>, BatchError<E>>> + Send
    where
        T: Serialize + DeserializeOwned + Send,
        E: Send,
        F: FnMut(&mut ReviewCase) -> Result<(T, AuditEvent), E> + Send;

    fn update_case<T, E, F>(
        &self,
        id: CaseId,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut ReviewCase) -> Result<(T, AuditEvent), E> + Send;
}
