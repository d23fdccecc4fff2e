//! `CertificateRepo` on the database.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{Condition, Order, QueryOrder};
use zhicheng_certificate::ports::CertificateRepo;
use zhicheng_certificate::{Certificate, CertificateNumber};
use zhicheng_kernel::{AuditEvent, CaseId, PersonId, StoreError, TxError};
use zhicheng_review_workflow::ReviewCase;

use super::{Store, insert, load};
use crate::convert;
use crate::entity::{certificate, review_case, setting};
use crate::error::db_err;

impl Store {
    async fn find_certificate(&self, cond: Condition) -> Result<Option<Certificate>, StoreError> {
        certificate::Entity::find()
            .filter(cond)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(convert::certificate_domain)
            .transpose()
    }
}

impl CertificateRepo for Store {
    async fn issue<E, F>(&self, case: CaseId, scope: &str, f: F) -> Result<Certificate, TxError<E>>
    where
        E: Send,
        F: FnOnce(&mut ReviewCase, u64) -> Result<(Certificate, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        let (mut c, version) = load::<review_case::Entity>(&txn, case.0).await?;
        let issued = certificate::Entity::find()
            .filter(certificate::Column::Scope.eq(scope))
            .count(&txn)
            .await
            .map_err(db_err)?;
        let seq = issued + 1;
        let (cert, audit) = match f(&mut c, seq) {
            Ok(r) => r,
            Err(e) => {
                super::rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        super::review::write_case(&txn, &mut c, version).await?;
        let row = convert::certificate_active(&cert, scope, seq);
        // A parallel issue that took the same number (or sequence) is a conflict to retry.
        insert(&txn, row).await.map_err(|e| match e {
            StoreError::Duplicate(_) => StoreError::Conflict,
            e => e,
        })?;
        super::insert_audit(&txn, &audit).await?;
        super::commit(txn).await?;
        Ok(cert)
    }

    async fn find_by_number(
        &self,
        number: &CertificateNumber,
    ) -> Result<Option<Certificate>, StoreError> {
        self.find_certificate(Condition::all().add(certificate::Column::Number.eq(number.as_str())))
            .await
    }

    async fn find_by_code(&self, code: &str) -> Result<Option<Certificate>, StoreError> {
        self.find_certificate(Condition::all().add(certificate::Column::VerificationCode.eq(code)))
            .await
    }

    async fn find_by_case(&self, case: CaseId) -> Result<Option<Certificate>, StoreError> {
        self.find_certificate(Condition::all().add(certificate::Column::CaseId.eq(case.0)))
            .await
    }

    async fn list_for_person(&self, person: PersonId) -> Result<Vec<Certificate>, StoreError> {
        use certificate::Column as C;
        certificate::Entity::find()
            .filter(C::PersonId.eq(person.0))
            .order_by(C::IssuedAt, Order::Desc)
            .order_by(C::Id, Order::Desc)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::certificate_domain)
            .collect()
    }

    async fn signing_seed(&self, candidate: [u8; 32]) -> Result<[u8; 32], StoreError> {
        let txn = self.begin().await?;
        let row = setting::ActiveModel {
            key: sea_orm::ActiveValue::Set(crate::SIGNING_SEED_KEY.to_owned()),
            value: sea_orm::ActiveValue::Set(hex::encode(candidate)),
        };
        setting::Entity::insert(row)
            .on_conflict(
                OnConflict::column(setting::Column::Key)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
        let stored = setting::Entity::find_by_id(crate::SIGNING_SEED_KEY.to_owned())
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        super::commit(txn).await?;
        hex::decode(stored.value.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                StoreError::Unavailable("stored signing seed is not 32 hex bytes".into())
            })
    }
}
