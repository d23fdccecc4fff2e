//! What declarations need from storage. Every method is one transaction; writes carry their
//! audit event; `update_*` methods are version-guarded read-check-writes.

use std::future::Future;
use std::sync::Arc;

use zhicheng_kernel::{AuditEvent, DeclarationId, PersonId, PlanId, StoreError, TxError};

use crate::attachment::{Attachment, AttachmentId, CaseTrail};
use crate::{
    Catalog, CommitmentAcceptance, CommitmentLetter, Declaration, DeclarationVersion, ReviewPlan,
};

pub trait DeclarationRepo: Send + Sync {
    /// The current title catalog: the newest imported version, else the built-in one
    /// ([`Catalog::builtin`]).
    fn current_catalog(&self) -> impl Future<Output = Result<Arc<Catalog>, StoreError>> + Send;

    /// In one transaction: loads the current catalog, hands it to `f`, inserts the version
    /// `f` returns and appends the audit event. The new version's number must be unused (a
    /// concurrent import that took it first makes this `Conflict`). A refused closure writes
    /// nothing.
    fn import_catalog<E, F>(
        &self,
        f: F,
    ) -> impl Future<Output = Result<Catalog, TxError<E>>> + Send
    where
        E: Send,
        F: FnOnce(&Catalog) -> Result<(Catalog, AuditEvent), E> + Send;

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

    /// The commitment letter in force: the newest published version, else the built-in one
    /// ([`CommitmentLetter::builtin`]).
    fn current_letter(&self) -> impl Future<Output = Result<CommitmentLetter, StoreError>> + Send;

    /// In one transaction: loads the letter in force, hands it to `f`, inserts the version `f`
    /// returns and appends the audit event. A version whose number is taken (a concurrent
    /// publication) is `Conflict`; a refused closure writes nothing.
    fn publish_letter<E, F>(
        &self,
        f: F,
    ) -> impl Future<Output = Result<CommitmentLetter, TxError<E>>> + Send
    where
        E: Send,
        F: FnOnce(&CommitmentLetter) -> Result<(CommitmentLetter, AuditEvent), E> + Send;

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

    /// Every declaration of a plan, oldest first (for exports).
    fn list_declarations_for_plan(
        &self,
        plan: PlanId,
    ) -> impl Future<Output = Result<Vec<Declaration>, StoreError>> + Send;

    /// Appends the audit row of a read that must leave a trace (an export with full ID
    /// numbers); nothing else is written.
    fn record_read(
        &self,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

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

    /// The frozen versions of a declaration, oldest first. A version is written in the same
    /// transaction as the submission that froze it (`Declaration::take_new_version`), by
    /// every store method that writes a submitted declaration.
    fn list_versions(
        &self,
        declaration: DeclarationId,
    ) -> impl Future<Output = Result<Vec<DeclarationVersion>, StoreError>> + Send;
}

/// Attachments of declarations. Adding and removing change the declaration too (its version
/// is bumped, guarded), so they serialise with submission and edits.
pub trait AttachmentRepo: Send + Sync {
    /// In one transaction: loads the declaration and its attachments, hands them to `f`,
    /// inserts the attachment `f` returns, bumps the declaration's version (guarded) and
    /// appends the audit event. A refused closure writes nothing.
    fn add_attachment<E, F>(
        &self,
        declaration: DeclarationId,
        f: F,
    ) -> impl Future<Output = Result<Attachment, TxError<E>>> + Send
    where
        E: Send,
        F: FnOnce(&Declaration, &[Attachment]) -> Result<(Attachment, AuditEvent), E> + Send;

    /// In one transaction: loads the attachment and its declaration, asks `f`, deletes the
    /// attachment row, bumps the declaration's version (guarded) and appends the audit event.
    /// `NotFound` when the attachment does not exist.
    fn remove_attachment<E, F>(
        &self,
        id: AttachmentId,
        f: F,
    ) -> impl Future<Output = Result<Attachment, TxError<E>>> + Send
    where
        E: Send,
        F: FnOnce(&Declaration, &Attachment) -> Result<AuditEvent, E> + Send;

    fn get_attachment(
        &self,
        id: AttachmentId,
    ) -> impl Future<Output = Result<Option<Attachment>, StoreError>> + Send;

    /// A declaration's attachments, oldest first.
    fn list_attachments(
        &self,
        declaration: DeclarationId,
    ) -> impl Future<Output = Result<Vec<Attachment>, StoreError>> + Send;

    /// Who the declaration's review case has reached, once submitted (`None` before).
    fn case_trail(
        &self,
        declaration: DeclarationId,
    ) -> impl Future<Output = Result<Option<CaseTrail>, StoreError>> + Send;
}

/// The blob store of attachment bytes: the kernel's port.
pub use zhicheng_kernel::upload::{BlobStore, BlobWriter};
