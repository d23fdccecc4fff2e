//! What the review workflow needs from storage. One transaction per call; writes carry audit.

use std::future::Future;

use serde::Serialize;
use zhicheng_declaration::Declaration;
use zhicheng_kernel::{
    AuditEvent, CaseId, DeclarationId, OrgId, PersonId, SeriesCode, StoreError, TitleLevel, TxError,
};

use crate::{CaseStatus, ReviewCase};

/// Which cases a holder wants to see (职称申报数据审核: filter by series and level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilter {
    pub holder: OrgId,
    pub status: Option<CaseStatus>,
    pub series: Option<SeriesCode>,
    pub level: Option<TitleLevel>,
}

/// A case with the names a reviewer needs to see in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRow {
    pub case: ReviewCase,
    pub applicant_name: String,
    pub specialty: String,
    pub unit_name: String,
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

    /// Cases held by an organisation, oldest holding first.
    fn list_cases(
        &self,
        filter: &CaseFilter,
    ) -> impl Future<Output = Result<Vec<CaseRow>, StoreError>> + Send;

    /// A person's cases, newest first.
    fn list_cases_for_person(
        &self,
        person: PersonId,
    ) -> impl Future<Output = Result<Vec<ReviewCase>, StoreError>> + Send;

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
