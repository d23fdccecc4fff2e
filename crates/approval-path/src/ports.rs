//! What approval paths need from storage. One transaction per call; writes carry their audit.

use std::future::Future;

use zhicheng_kernel::{AuditEvent, OrgId, PathLinkId, SeriesCode, StoreError, TitleLevel, TxError};

use crate::PathLink;

pub trait PathRepo: Send + Sync {
    /// # Errors
    /// `StoreError::Duplicate("path_link")` when a pending or approved link exists for the same
    /// (org, series, level).
    fn create_link(
        &self,
        link: &PathLink,
        audit: &AuditEvent,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn get_link(
        &self,
        id: PathLinkId,
    ) -> impl Future<Output = Result<Option<PathLink>, StoreError>> + Send;

    /// Links requested by `org`, newest first.
    fn list_links_from(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<Vec<PathLink>, StoreError>> + Send;

    /// Links that ask `parent` to receive reports, newest first.
    fn list_links_to(
        &self,
        parent: OrgId,
    ) -> impl Future<Output = Result<Vec<PathLink>, StoreError>> + Send;

    /// The approved link leaving `org` for (series, level).
    fn find_approved_link(
        &self,
        org: OrgId,
        series: &SeriesCode,
        level: TitleLevel,
    ) -> impl Future<Output = Result<Option<PathLink>, StoreError>> + Send;

    fn update_link<T, E, F>(
        &self,
        id: PathLinkId,
        f: F,
    ) -> impl Future<Output = Result<T, TxError<E>>> + Send
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut PathLink) -> Result<(T, AuditEvent), E> + Send;

    /// The audit events of one link (request, decision, revocation), oldest first.
    fn link_history(
        &self,
        id: PathLinkId,
    ) -> impl Future<Output = Result<Vec<AuditEvent>, StoreError>> + Send;
}
