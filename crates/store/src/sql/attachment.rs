//! `AttachmentRepo` on the database. Adding or removing an attachment bumps the declaration's
//! version (guarded) in the same transaction, so it serialises with edits and submission.

use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseTransaction, QueryOrder};
use zhicheng_declaration::ports::AttachmentRepo;
use zhicheng_declaration::{
    Attachment, AttachmentId, CaseTrail, ContentAddress, ContentKind, Declaration, FileName,
    Section,
};
use zhicheng_kernel::{AuditEvent, DeclarationId, StoreError, TxError};
use zhicheng_review_workflow::ports::ReviewRepo;

use super::{Store, commit, insert, insert_audit, load, rollback, write_guarded};
use crate::entity::{attachment, declaration};
use crate::error::db_err;

fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(format!("stored attachment {what} does not parse"))
}

fn domain(m: attachment::Model) -> Result<Attachment, StoreError> {
    Ok(Attachment {
        id: AttachmentId(m.id),
        declaration_id: m.declaration_id.into(),
        section: Section::parse(&m.section).map_err(|_| corrupt("section"))?,
        file_name: FileName::from_stored(m.file_name),
        kind: ContentKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?,
        size: u64::try_from(m.size).map_err(|_| corrupt("size"))?,
        sha256: ContentAddress::parse(&m.sha256).ok_or_else(|| corrupt("sha256"))?,
        uploaded_at: m.uploaded_at,
        uploaded_by: m.uploaded_by.into(),
    })
}

fn active(a: &Attachment) -> Result<attachment::ActiveModel, StoreError> {
    Ok(attachment::ActiveModel {
        id: Set(a.id.0),
        declaration_id: Set(a.declaration_id.0),
        section: Set(a.section.as_str().to_owned()),
        file_name: Set(a.file_name.as_str().to_owned()),
        kind: Set(a.kind.as_str().to_owned()),
        size: Set(i64::try_from(a.size)
            .map_err(|_| StoreError::Unavailable("attachment too large".into()))?),
        sha256: Set(a.sha256.as_str().to_owned()),
        uploaded_at: Set(a.uploaded_at),
        uploaded_by: Set(a.uploaded_by.0),
    })
}

async fn of_declaration<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Vec<Attachment>, StoreError> {
    use attachment::Column as A;
    attachment::Entity::find()
        .filter(A::DeclarationId.eq(id))
        .order_by_asc(A::UploadedAt)
        .order_by_asc(A::Id)
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(domain)
        .collect()
}

/// Bump the declaration's version, append the audit row, commit.
async fn finish(
    txn: DatabaseTransaction,
    d: &Declaration,
    loaded: i64,
    audit: &AuditEvent,
) -> Result<(), StoreError> {
    write_guarded::<declaration::Entity>(&txn, d.id.0, d, loaded).await?;
    insert_audit(&txn, audit).await?;
    commit(txn).await
}

impl AttachmentRepo for Store {
    async fn add_attachment<E, F>(&self, id: DeclarationId, f: F) -> Result<Attachment, TxError<E>>
    where
        E: Send,
        F: FnOnce(&Declaration, &[Attachment]) -> Result<(Attachment, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        let (d, loaded) = load::<declaration::Entity>(&txn, id.0).await?;
        let existing = of_declaration(&txn, id.0).await?;
        let (a, audit) = match f(&d, &existing) {
            Ok(r) => r,
            Err(e) => {
                rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        insert(&txn, active(&a)?).await?;
        finish(txn, &d, loaded, &audit).await?;
        Ok(a)
    }

    async fn remove_attachment<E, F>(
        &self,
        id: AttachmentId,
        f: F,
    ) -> Result<Attachment, TxError<E>>
    where
        E: Send,
        F: FnOnce(&Declaration, &Attachment) -> Result<AuditEvent, E> + Send,
    {
        let txn = self.begin().await?;
        let a = attachment::Entity::find_by_id(id.0)
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)
            .and_then(domain)?;
        let (d, loaded) = load::<declaration::Entity>(&txn, a.declaration_id.0).await?;
        let audit = match f(&d, &a) {
            Ok(r) => r,
            Err(e) => {
                rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        attachment::Entity::delete_by_id(id.0)
            .exec(&txn)
            .await
            .map_err(db_err)?;
        finish(txn, &d, loaded, &audit).await?;
        Ok(a)
    }

    async fn get_attachment(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError> {
        attachment::Entity::find_by_id(id.0)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(domain)
            .transpose()
    }

    async fn list_attachments(&self, id: DeclarationId) -> Result<Vec<Attachment>, StoreError> {
        of_declaration(&self.db, id.0).await
    }

    async fn case_trail(&self, id: DeclarationId) -> Result<Option<CaseTrail>, StoreError> {
        Ok(self.get_case_for_declaration(id).await?.map(|c| CaseTrail {
            unit_id: c.unit_id,
            route: c.route,
            hop: c.hop,
        }))
    }
}
