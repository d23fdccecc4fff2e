//! `PathRepo` on the database.

use sea_orm::entity::prelude::*;
use sea_orm::{Condition, Order};
use zhicheng_approval_path::ports::PathRepo;
use zhicheng_approval_path::{LinkStatus, PathLink};
use zhicheng_kernel::{AuditEvent, OrgId, PathLinkId, SeriesCode, StoreError, TitleLevel, TxError};

use super::Store;
use crate::convert::Aggregate;
use crate::entity::path_link::{self, Column as C};

const NEWEST_FIRST: [(C, Order); 2] = [(C::RequestedAt, Order::Desc), (C::Id, Order::Desc)];

impl PathRepo for Store {
    async fn create_link(&self, link: &PathLink, audit: &AuditEvent) -> Result<(), StoreError> {
        self.insert_with_audit(vec![path_link::Entity::active(link)], audit)
            .await
    }

    async fn get_link(&self, id: PathLinkId) -> Result<Option<PathLink>, StoreError> {
        self.get::<path_link::Entity>(id.0).await
    }

    async fn list_links_from(&self, org: OrgId) -> Result<Vec<PathLink>, StoreError> {
        let cond = Condition::all().add(C::OrgId.eq(org.0));
        self.list::<path_link::Entity>(cond, &NEWEST_FIRST).await
    }

    async fn list_links_to(&self, parent: OrgId) -> Result<Vec<PathLink>, StoreError> {
        let cond = Condition::all().add(C::ParentId.eq(parent.0));
        self.list::<path_link::Entity>(cond, &NEWEST_FIRST).await
    }

    async fn find_approved_link(
        &self,
        org: OrgId,
        series: &SeriesCode,
        level: TitleLevel,
    ) -> Result<Option<PathLink>, StoreError> {
        let cond = Condition::all()
            .add(C::OrgId.eq(org.0))
            .add(C::Series.eq(series.as_str()))
            .add(C::Level.eq(level.as_str()))
            .add(C::Status.eq(LinkStatus::Approved.as_str()));
        Ok(self
            .list::<path_link::Entity>(cond, &NEWEST_FIRST)
            .await?
            .into_iter()
            .next())
    }

    async fn link_history(&self, id: PathLinkId) -> Result<Vec<AuditEvent>, StoreError> {
        self.audit_events(id.0).await
    }

    async fn update_link<T, E, F>(&self, id: PathLinkId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut PathLink) -> Result<(T, AuditEvent), E> + Send,
    {
        self.update::<path_link::Entity, _, _, _>(id.0, f).await
    }
}
