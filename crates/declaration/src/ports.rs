//! What declarations need from storage. Every method is one transaction; writes carry their
//! audit event; `update_*` methods are version-guarded read-check-writes.

use std::future::Future;

use zhicheng_kernel::{AuditEvent, DeclarationId, PersonId, PlanId, StoreError, TxError};

use crate::{CommitmentAcceptance, Declaration, ReviewPlan};

pub trait DeclarationRepo: Send + Sync {
    fn create_plan(
        &self,
        plan: &ReviewPlan,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn get_plan(
        &self,
        id: PlanId,
    ) -> impl Future<Output = Result<Option<ReviewPlan>, StoreError>> + Send;

    /// All plans, newest year first.
    fn list_plans(&self) -> impl Future<Output = Result<Vec<ReviewPlan>, StoreError>> + Send;

    fn update_plan<T, E, F>(
        &self,
        id: PlanId,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut ReviewPlan) -> Result<(T, AuditEvent), E> + Send;

    /// Records an acceptance; accepting the same version again keeps the first acceptance.
    fn accept_commitment(
        &self,
        acceptance: &CommitmentAcceptance,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn get_commitment(
        &self,
        person: PersonId,
        letter_version: &str,
    ) -> impl Future<Output = Result<Option<CommitmentAcceptance>, StoreError>> + Send;

    /// # Errors
    /// `StoreError::Duplicate("person_year")` when the person already has a declaration in the
    /// plan's year.
    fn create_declaration(
        &self,
        declaration: &Declaration,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn get_declaration(
        &self,
        id: DeclarationId,
    ) -> impl Future<Output = Result<Option<Declaration>, StoreError>> + Send;

    /// A person's declarations, newest first.
    fn list_declarations_for_person(
        &self,
        person: PersonId,
    ) -> impl Future<Output = Result<Vec<Declaration>, StoreError>> + Send;

    fn update_declaration<T, E, F>(
        &self,
        id: DeclarationId,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Declaration) -> Result<(T, AuditEvent), E> + Send;
}
