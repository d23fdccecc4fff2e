//! `DeclarationRepo` on the database.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{Condition, Order, QueryOrder, QuerySelect};
use std::sync::Arc;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::{
    Catalog, CommitmentAcceptance, CommitmentLetter, Declaration, DeclarationVersion, ReviewPlan,
};
use zhicheng_kernel::{AuditEvent, DeclarationId, PersonId, PlanId, StoreError, TxError};

use super::Store;
use crate::convert;
use crate::convert::Aggregate;
use crate::entity::{
    catalog_version, commitment_acceptance as ca, commitment_letter, declaration,
    declaration_version, plan,
};
use crate::error::db_err;

/// Version-guarded write of a loaded declaration with the version its submission froze.
pub(super) async fn write_declaration(
    txn: &sea_orm::DatabaseTransaction,
    d: &mut Declaration,
    loaded: i64,
) -> Result<(), StoreError> {
    super::write_guarded::<declaration::Entity>(txn, d.id.0, d, loaded).await?;
    if let Some(v) = d.take_new_version() {
        super::insert(txn, convert::version_active(&v)).await?;
    }
    Ok(())
}

fn catalog_domain(m: catalog_version::Model) -> Result<Catalog, StoreError> {
    serde_json::from_str(&m.content)
        .map_err(|_| StoreError::Unavailable("stored catalog version does not parse".into()))
}

/// The newest stored catalog version, read inside `db` (a transaction or the pool).
async fn newest_catalog<C: sea_orm::ConnectionTrait>(
    db: &C,
) -> Result<Option<Catalog>, StoreError> {
    catalog_version::Entity::find()
        .order_by_desc(catalog_version::Column::Number)
        .one(db)
        .await
        .map_err(db_err)?
        .map(catalog_domain)
        .transpose()
}

/// The newest published letter, read inside `db` (a transaction or the pool).
async fn newest_letter<C: sea_orm::ConnectionTrait>(
    db: &C,
) -> Result<Option<CommitmentLetter>, StoreError> {
    Ok(commitment_letter::Entity::find()
        .order_by_desc(commitment_letter::Column::Seq)
        .one(db)
        .await
        .map_err(db_err)?
        .map(|m| CommitmentLetter {
            seq: u32::try_from(m.seq).unwrap_or(0),
            version: m.version,
            title: m.title,
            body: m.body,
            published_at: Some(m.published_at),
        }))
}

impl Store {
    fn cached_catalog(&self) -> Option<Arc<Catalog>> {
        self.catalog
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn cache_catalog(&self, c: Arc<Catalog>) {
        *self
            .catalog
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(c);
    }
}

impl DeclarationRepo for Store {
    async fn current_catalog(&self) -> Result<Arc<Catalog>, StoreError> {
        let newest: Option<i32> = catalog_version::Entity::find()
            .select_only()
            .column(catalog_version::Column::Number)
            .order_by_desc(catalog_version::Column::Number)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_err)?;
        let Some(number) = newest else {
            return Ok(Catalog::builtin_shared());
        };
        if let Some(c) = self
            .cached_catalog()
            .filter(|c| i64::from(c.version) == i64::from(number))
        {
            return Ok(c);
        }
        let c = Arc::new(
            newest_catalog(&self.db)
                .await?
                .unwrap_or_else(|| Catalog::builtin().clone()),
        );
        self.cache_catalog(Arc::clone(&c));
        Ok(c)
    }

    async fn import_catalog<E, F>(&self, f: F) -> Result<Catalog, TxError<E>>
    where
        E: Send,
        F: FnOnce(&Catalog) -> Result<(Catalog, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        let current = match newest_catalog(&txn).await? {
            Some(c) => c,
            None => Catalog::builtin().clone(),
        };
        let (next, audit) = match f(&current) {
            Ok(r) => r,
            Err(e) => {
                super::rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        let number = i32::try_from(next.version)
            .map_err(|_| StoreError::Unavailable("catalog version out of range".into()))?;
        let row = catalog_version::ActiveModel {
            number: sea_orm::ActiveValue::Set(number),
            source: sea_orm::ActiveValue::Set(next.source.clone()),
            published_at: sea_orm::ActiveValue::Set(next.published_at.unwrap_or(audit.at)),
            content: sea_orm::ActiveValue::Set(convert::to_json(&next)),
        };
        super::insert(&txn, row).await.map_err(|e| match e {
            StoreError::Duplicate(_) => StoreError::Conflict,
            e => e,
        })?;
        super::insert_audit(&txn, &audit).await?;
        super::commit(txn).await?;
        self.cache_catalog(Arc::new(next.clone()));
        Ok(next)
    }

    async fn create_plan(&self, p: &ReviewPlan, audit: &AuditEvent) -> Result<(), StoreError> {
        self.insert_with_audit(vec![plan::Entity::active(p)], audit)
            .await
    }

    async fn get_plan(&self, id: PlanId) -> Result<Option<ReviewPlan>, StoreError> {
        self.get::<plan::Entity>(id.0).await
    }

    async fn list_plans(&self) -> Result<Vec<ReviewPlan>, StoreError> {
        use plan::Column as C;
        let order = [
            (C::Year, Order::Desc),
            (C::CreatedAt, Order::Desc),
            (C::Id, Order::Desc),
        ];
        self.list::<plan::Entity>(Condition::all(), &order).await
    }

    async fn update_plan<T, E, F>(&self, id: PlanId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut ReviewPlan) -> Result<(T, AuditEvent), E> + Send,
    {
        self.update::<plan::Entity, _, _, _>(id.0, f).await
    }

    async fn current_letter(&self) -> Result<CommitmentLetter, StoreError> {
        Ok(newest_letter(&self.db)
            .await?
            .unwrap_or_else(CommitmentLetter::builtin))
    }

    async fn publish_letter<E, F>(&self, f: F) -> Result<CommitmentLetter, TxError<E>>
    where
        E: Send,
        F: FnOnce(&CommitmentLetter) -> Result<(CommitmentLetter, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        let current = newest_letter(&txn)
            .await?
            .unwrap_or_else(CommitmentLetter::builtin);
        let (next, audit) = match f(&current) {
            Ok(r) => r,
            Err(e) => {
                super::rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        let seq = i32::try_from(next.seq)
            .map_err(|_| StoreError::Unavailable("letter number out of range".into()))?;
        let row = commitment_letter::ActiveModel {
            seq: sea_orm::ActiveValue::Set(seq),
            version: sea_orm::ActiveValue::Set(next.version.clone()),
            title: sea_orm::ActiveValue::Set(next.title.clone()),
            body: sea_orm::ActiveValue::Set(next.body.clone()),
            published_at: sea_orm::ActiveValue::Set(next.published_at.unwrap_or(audit.at)),
        };
        super::insert(&txn, row).await.map_err(|e| match e {
            StoreError::Duplicate(_) => StoreError::Conflict,
            e => e,
        })?;
        super::insert_audit(&txn, &audit).await?;
        super::commit(txn).await?;
        Ok(next)
    }

    async fn accept_commitment(
        &self,
        a: &CommitmentAcceptance,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let txn = self.begin().await?;
        let row = ca::ActiveModel {
            person_id: sea_orm::ActiveValue::Set(a.person_id.0),
            letter_version: sea_orm::ActiveValue::Set(a.letter_version.clone()),
            accepted_at: sea_orm::ActiveValue::Set(a.accepted_at),
        };
        let inserted = ca::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([ca::Column::PersonId, ca::Column::LetterVersion])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
        if inserted > 0 {
            super::insert_audit(&txn, audit).await?;
        }
        super::commit(txn).await
    }

    async fn get_commitment(
        &self,
        person: PersonId,
        letter_version: &str,
    ) -> Result<Option<CommitmentAcceptance>, StoreError> {
        Ok(
            ca::Entity::find_by_id((person.0, letter_version.to_owned()))
                .one(&self.db)
                .await
                .map_err(db_err)?
                .map(|m| CommitmentAcceptance {
                    person_id: m.person_id.into(),
                    letter_version: m.letter_version,
                    accepted_at: m.accepted_at,
                }),
        )
    }

    async fn create_declaration(
        &self,
        d: &Declaration,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        self.insert_with_audit(vec![declaration::Entity::active(d)], audit)
            .await
    }

    async fn get_declaration(&self, id: DeclarationId) -> Result<Option<Declaration>, StoreError> {
        self.get::<declaration::Entity>(id.0).await
    }

    async fn list_declarations_for_person(
        &self,
        person: PersonId,
    ) -> Result<Vec<Declaration>, StoreError> {
        use declaration::Column as C;
        let cond = Condition::all().add(C::PersonId.eq(person.0));
        let order = [(C::CreatedAt, Order::Desc), (C::Id, Order::Desc)];
        self.list::<declaration::Entity>(cond, &order).await
    }

    async fn list_declarations_for_plan(
        &self,
        plan: PlanId,
    ) -> Result<Vec<Declaration>, StoreError> {
        use declaration::Column as C;
        let cond = Condition::all().add(C::PlanId.eq(plan.0));
        let order = [(C::CreatedAt, Order::Asc), (C::Id, Order::Asc)];
        self.list::<declaration::Entity>(cond, &order).await
    }

    async fn record_read(&self, audit: &AuditEvent) -> Result<(), StoreError> {
        self.insert_with_audit(Vec::<declaration::ActiveModel>::new(), audit)
            .await
    }

    async fn update_declaration<T, E, F>(&self, id: DeclarationId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Declaration) -> Result<(T, AuditEvent), E> + Send,
    {
        self.update::<declaration::Entity, _, _, _>(id.0, f).await
    }

    async fn list_versions(
        &self,
        id: DeclarationId,
    ) -> Result<Vec<DeclarationVersion>, StoreError> {
        use declaration_version::Column as C;
        declaration_version::Entity::find()
            .filter(C::DeclarationId.eq(id.0))
            .order_by_asc(C::Number)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::version_domain)
            .collect()
    }
}
