//! `ReviewRepo` on the database.

use sea_orm::entity::prelude::*;
use sea_orm::{
    Condition, DatabaseTransaction, DbBackend, FromQueryResult, Order, QueryOrder, QuerySelect,
    Statement, Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zhicheng_declaration::Declaration;
use zhicheng_kernel::{AuditEvent, CaseId, DeclarationId, PersonId, StoreError, TxError};
use zhicheng_review_workflow::ports::{
    BatchError, BatchOutcome, CaseFilter, CaseRow, IdempotencyKey, ReviewRepo,
};
use zhicheng_review_workflow::{CaseHop, ReviewCase};

use super::{Store, insert, load, write_guarded};
use crate::convert::{self, Aggregate};
use crate::entity::{case_hop, declaration, idempotency_key, review_case};
use crate::error::db_err;

/// Writes the hops a case recorded since it was loaded (they leave the value).
async fn insert_hops(txn: &DatabaseTransaction, c: &mut ReviewCase) -> Result<(), StoreError> {
    let hops = c.take_hops();
    if hops.is_empty() {
        return Ok(());
    }
    case_hop::Entity::insert_many(hops.iter().map(convert::hop_active))
        .exec_without_returning(txn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Version-guarded write of a loaded case with its new hops.
pub(super) async fn write_case(
    txn: &DatabaseTransaction,
    c: &mut ReviewCase,
    loaded: i64,
) -> Result<(), StoreError> {
    write_guarded::<review_case::Entity>(txn, c.id.0, c, loaded).await?;
    insert_hops(txn, c).await
}

/// Builds the one-query case list: the case with the applicant's name, the declared
/// specialty and the unit's name, filtered by holder and the optional status/series/level.
fn list_cases_statement(backend: DbBackend, f: &CaseFilter) -> Statement {
    let mut values: Vec<Value> = vec![f.holder.0.into()];
    let mut sql = String::from(
        "SELECT c.*, COALESCE(p.name, '') AS applicant_name, \
         COALESCE(d.specialty, '') AS specialty, COALESCE(d.kind, 'normal') AS decl_kind, \
         COALESCE(o.name, '') AS unit_name \
         FROM review_cases c \
         LEFT JOIN persons p ON p.id = c.person_id \
         LEFT JOIN declarations d ON d.id = c.declaration_id \
         LEFT JOIN organisations o ON o.id = c.unit_id \
         WHERE c.holder_id = $1",
    );
    let extra = [
        ("status", f.status.map(|s| s.as_str().to_owned())),
        ("series", f.series.as_ref().map(|s| s.as_str().to_owned())),
        ("level", f.level.map(|l| l.as_str().to_owned())),
    ];
    for (col, v) in extra {
        if let Some(v) = v {
            values.push(v.into());
            sql.push_str(&format!(" AND c.{col} = ${}", values.len()));
        }
    }
    sql.push_str(" ORDER BY c.held_since ASC, c.id ASC");
    if backend == DbBackend::Sqlite {
        // SQLite also understands `$n`, but `?n` is its documented numbered form.
        sql = sql.replace('$', "?");
    }
    Statement::from_sql_and_values(backend, sql, values)
}

impl ReviewRepo for Store {
    async fn submit_declaration<E, F>(
        &self,
        id: DeclarationId,
        f: F,
    ) -> Result<ReviewCase, TxError<E>>
    where
        E: Send,
        F: FnOnce(&mut Declaration) -> Result<(ReviewCase, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        let (mut d, version) = load::<declaration::Entity>(&txn, id.0).await?;
        let (case, audit) = match f(&mut d) {
            Ok(r) => r,
            Err(e) => {
                super::rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        super::declaration::write_declaration(&txn, &mut d, version).await?;
        let mut case = case;
        insert(&txn, review_case::Entity::active(&case)).await?;
        insert_hops(&txn, &mut case).await?;
        super::insert_audit(&txn, &audit).await?;
        super::commit(txn).await?;
        Ok(case)
    }

    async fn get_case(&self, id: CaseId) -> Result<Option<ReviewCase>, StoreError> {
        self.get::<review_case::Entity>(id.0).await
    }

    async fn get_case_for_declaration(
        &self,
        id: DeclarationId,
    ) -> Result<Option<ReviewCase>, StoreError> {
        let cond = Condition::all().add(review_case::Column::DeclarationId.eq(id.0));
        Ok(self
            .list::<review_case::Entity>(cond, &[])
            .await?
            .into_iter()
            .next())
    }

    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRow>, StoreError> {
        let rows = self
            .db
            .query_all_raw(list_cases_statement(self.backend(), filter))
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|row| {
                let model = review_case::Model::from_query_result(&row, "").map_err(db_err)?;
                let text = |c: &str| row.try_get::<String>("", c).map_err(db_err);
                Ok(CaseRow {
                    case: review_case::Entity::domain(model)?,
                    applicant_name: text("applicant_name")?,
                    specialty: text("specialty")?,
                    kind: zhicheng_declaration::DeclarationKind::parse(&text("decl_kind")?)
                        .unwrap_or_default(),
                    unit_name: text("unit_name")?,
                })
            })
            .collect()
    }

    async fn plan_case_keys(
        &self,
        plan: zhicheng_kernel::PlanId,
    ) -> Result<Vec<zhicheng_approval_path::health::HealthKey>, StoreError> {
        use review_case::Column as C;
        let rows: Vec<(Uuid, String, String)> = review_case::Entity::find()
            .select_only()
            .column(C::UnitId)
            .column(C::Series)
            .column(C::Level)
            .distinct()
            .filter(C::PlanId.eq(plan.0))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(unit, series, level)| {
                Ok(zhicheng_approval_path::health::HealthKey {
                    unit: zhicheng_kernel::OrgId(unit),
                    series: zhicheng_kernel::SeriesCode::parse(&series)
                        .map_err(|_| StoreError::Unavailable(format!("bad series {series}")))?,
                    level: zhicheng_kernel::TitleLevel::parse(&level)
                        .map_err(|_| StoreError::Unavailable(format!("bad level {level}")))?,
                })
            })
            .collect()
    }

    async fn list_cases_for_person(&self, person: PersonId) -> Result<Vec<ReviewCase>, StoreError> {
        use review_case::Column as C;
        let cond = Condition::all().add(C::PersonId.eq(person.0));
        let order = [(C::OpenedAt, Order::Desc), (C::Id, Order::Desc)];
        self.list::<review_case::Entity>(cond, &order).await
    }

    async fn update_case<T, E, F>(&self, id: CaseId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut ReviewCase) -> Result<(T, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        let (mut c, version) = load::<review_case::Entity>(&txn, id.0).await?;
        let (out, audit) = match f(&mut c) {
            Ok(r) => r,
            Err(e) => {
                super::rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        write_case(&txn, &mut c, version).await?;
        super::insert_audit(&txn, &audit).await?;
        super::commit(txn).await?;
        Ok(out)
    }

    async fn case_history(&self, id: CaseId) -> Result<Vec<CaseHop>, StoreError> {
        case_hop::Entity::find()
            .filter(case_hop::Column::CaseId.eq(id.0))
            .order_by_asc(case_hop::Column::Version)
            .order_by_asc(case_hop::Column::Ordinal)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::hop_domain)
            .collect()
    }

    async fn update_case_with_declaration<T, E, F>(&self, id: CaseId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut ReviewCase, &mut Declaration) -> Result<(T, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        let (mut c, cv) = load::<review_case::Entity>(&txn, id.0).await?;
        let did = c.declaration_id.0;
        let (mut d, dv) = load::<declaration::Entity>(&txn, did).await?;
        let (out, audit) = match f(&mut c, &mut d) {
            Ok(r) => r,
            Err(e) => {
                super::rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        super::declaration::write_declaration(&txn, &mut d, dv).await?;
        write_case(&txn, &mut c, cv).await?;
        super::insert_audit(&txn, &audit).await?;
        super::commit(txn).await?;
        Ok(out)
    }

    async fn update_cases<T, E, F>(
        &self,
        ids: &[CaseId],
        key: Option<&IdempotencyKey>,
        mut f: F,
    ) -> Result<BatchOutcome<T>, BatchError<E>>
    where
        T: Serialize + DeserializeOwned + Send,
        E: Send,
        F: FnMut(&mut ReviewCase) -> Result<(T, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        if let Some(key) = key {
            let seen = idempotency_key::Entity::find_by_id(key.id.clone())
                .one(&txn)
                .await
                .map_err(db_err)?;
            if let Some(seen) = seen {
                super::rollback(txn).await;
                if seen.request_hash != key.request_hash {
                    return Err(BatchError::KeyReused);
                }
                let out = serde_json::from_str(&seen.response).map_err(|_| {
                    StoreError::Unavailable("stored batch result does not parse".into())
                })?;
                return Ok(BatchOutcome::Replayed(out));
            }
        }
        // Load every case in one query (chunked below the bind-parameter limits).
        let mut loaded = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(900) {
            let rows = review_case::Entity::find()
                .filter(review_case::Column::Id.is_in(chunk.iter().map(|c| c.0)))
                .all(&txn)
                .await
                .map_err(db_err)?;
            for mut row in rows {
                let v = row.version;
                row.version = v + 1;
                loaded.insert(row.id, (review_case::Entity::domain(row)?, v));
            }
        }
        let mut failures = Vec::new();
        let mut done = Vec::with_capacity(ids.len());
        for id in ids {
            match loaded.remove(&id.0) {
                None => failures.push((*id, None)),
                Some((mut c, v)) => match f(&mut c) {
                    Ok((out, audit)) => done.push((c, v, out, audit)),
                    Err(e) => failures.push((*id, Some(e))),
                },
            }
        }
        if !failures.is_empty() {
            super::rollback(txn).await;
            return Err(BatchError::Rejected(failures));
        }
        let mut outs = Vec::with_capacity(done.len());
        let mut audits = Vec::with_capacity(done.len());
        for (mut c, v, out, audit) in done {
            write_case(&txn, &mut c, v).await?;
            outs.push(out);
            audits.push(convert::audit_active(&audit));
        }
        for chunk in audits.chunks(500) {
            crate::entity::audit_event::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await
                .map_err(db_err)?;
        }
        if let Some(key) = key {
            let row = idempotency_key::ActiveModel {
                id: sea_orm::ActiveValue::Set(key.id.clone()),
                request_hash: sea_orm::ActiveValue::Set(key.request_hash.clone()),
                response: sea_orm::ActiveValue::Set(convert::to_json(&outs)),
                created_at: sea_orm::ActiveValue::Set(key.at),
            };
            // A parallel batch under the same key got there first: a conflict to retry.
            insert(&txn, row).await.map_err(|e| match e {
                StoreError::Duplicate(_) => StoreError::Conflict,
                e => e,
            })?;
        }
        super::commit(txn).await?;
        Ok(BatchOutcome::Done(outs))
    }
}
