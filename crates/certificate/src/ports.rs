//! What certificates need from storage.

use std::future::Future;

use zhicheng_kernel::{AuditEvent, CaseId, PersonId, StoreError, TxError};
use zhicheng_review_workflow::ReviewCase;

use crate::{Certificate, CertificateNumber};

pub trait CertificateRepo: Send + Sync {
    /// Issues a certificate in one transaction: loads the case, counts the certificates already
    /// issued in `scope` (the number's province-and-year prefix from
    /// [`CertificateNumber::scope`], e.g. `37-2026`) to get the next sequence number (1-based),
    /// applies `f` (which marks the case certified and builds the certificate), writes both.
    ///
    /// # Errors
    /// `StoreError::Conflict` when a parallel issue took the same number or changed the case.
    fn issue<E, F>(
        &self,
        case: CaseId,
        scope: &str,
        f: F,
    ) -> impl Future<Output = Result<Certificate, TxError<E>>> + Send
    where
        E: Send,
        F: FnOnce(&mut ReviewCase, u64) -> Result<(Certificate, AuditEvent), E> + Send;

    fn find_by_number(
        &self,
        number: &CertificateNumber,
    ) -> impl Future<Output = Result<Option<Certificate>, StoreError>> + Send;

    fn find_by_code(
        &self,
        code: &str,
    ) -> impl Future<Output = Result<Option<Certificate>, StoreError>> + Send;

    fn find_by_case(
        &self,
        case: CaseId,
    ) -> impl Future<Output = Result<Option<Certificate>, StoreError>> + Send;

    fn list_for_person(
        &self,
        person: PersonId,
    ) -> impl Future<Output = Result<Vec<Certificate>, StoreError>> + Send;

    /// The issuer signing seed: stores `candidate` if none is stored yet, and returns the stored one.
    fn signing_seed(
        &self,
        candidate: [u8; 32],
    ) -> impl Future<Output = Result<[u8; 32], StoreError>> + Send;
}
