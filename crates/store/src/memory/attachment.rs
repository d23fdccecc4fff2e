//! `AttachmentRepo` in memory, with the database store's semantics: adding or removing bumps
//! the declaration's version under the one lock, and appends the audit event.

use uuid::Uuid;
use zhicheng_declaration::ports::AttachmentRepo;
use zhicheng_declaration::{Attachment, AttachmentId, CaseTrail, Declaration};
use zhicheng_kernel::{AuditEvent, DeclarationId, StoreError, TxError};
use zhicheng_review_workflow::ports::ReviewRepo;

use super::{MemoryStore, State};

fn of_declaration(st: &State, id: Uuid) -> Vec<Attachment> {
    let mut v: Vec<Attachment> = st
        .attachments
        .values()
        .filter(|a| a.declaration_id.0 == id)
        .cloned()
        .collect();
    v.sort_by_key(|a| (a.uploaded_at, a.id));
    v
}

impl AttachmentRepo for MemoryStore {
    async fn add_attachment<E, F>(
        &self,
        declaration: DeclarationId,
        f: F,
    ) -> Result<Attachment, TxError<E>>
    where
        E: Send,
        F: FnOnce(&Declaration, &[Attachment]) -> Result<(Attachment, AuditEvent), E> + Send,
    {
        let mut st = self.lock();
        let (d, loaded) = st.load::<Declaration>(declaration.0)?;
        let existing = of_declaration(&st, declaration.0);
        let (a, audit) = f(&d, &existing).map_err(TxError::Rejected)?;
        if st.attachments.contains_key(&a.id.0) {
            return Err(StoreError::Duplicate("id".into()).into());
        }
        st.write(declaration.0, d, loaded)?;
        st.attachments.insert(a.id.0, a.clone());
        st.audit.push(audit);
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
        let mut st = self.lock();
        let a = st
            .attachments
            .get(&id.0)
            .cloned()
            .ok_or(StoreError::NotFound)?;
        let (d, loaded) = st.load::<Declaration>(a.declaration_id.0)?;
        let audit = f(&d, &a).map_err(TxError::Rejected)?;
        st.write(d.id.0, d, loaded)?;
        st.attachments.remove(&id.0);
        st.audit.push(audit);
        Ok(a)
    }

    async fn get_attachment(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError> {
        Ok(self.lock().attachments.get(&id.0).cloned())
    }

    async fn list_attachments(
        &self,
        declaration: DeclarationId,
    ) -> Result<Vec<Attachment>, StoreError> {
        Ok(of_declaration(&self.lock(), declaration.0))
    }

    async fn case_trail(
        &self,
        declaration: DeclarationId,
    ) -> Result<Option<CaseTrail>, StoreError> {
        Ok(self
            .get_case_for_declaration(declaration)
            .await?
            .map(|c| CaseTrail {
                unit_id: c.unit_id,
                route: c.route,
                hop: c.hop,
            }))
    }
}
