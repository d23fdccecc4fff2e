//! `ReviewRepo` on the database.

use sea_orm::entity::prelude::*;
use sea_orm::{Condition, DbBackend, FromQueryResult, Order, Statement, Value};
use zhicheng_declaration::Declaration;
use zhicheng_kernel::{AuditEvent, CaseId, DeclarationId, PersonId, StoreError, TxError};
use zhicheng_review_workflow::ReviewCase;
use zhicheng_review_workflow::ports::{CaseFilter, CaseRow, ReviewRepo};

use super::{Store, insert, load, write_guarded};
use crate::convert::Aggregate;
use crate::entity::{declaration, review_case};
use crate::error::db_err;

/// Builds the one-query case list: the case with the applicant's name, the declared
/// specialty and the unit's name, filtered by holder and the optional status/series/level.
fn list_cases_statement(backend: DbBackend, f: &CaseFilter) -> Statement {
    let mut values: Vec<Value> = vec![f.holder.0.into()];
    let mut sql = String::from(
        "SELECT c.*, COALESCE(p.name, '') AS applicant_name, \
         COALESCE(d.specialty, '') AS specialty, COALESCE(o.name, '') AS unit_name \
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
        write_guarded::<declaration::Entity>(&txn, id.0, &d, version).await?;
        insert(&txn, review_case::Entity::active(&case)).await?;
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
                    unit_name: text("unit_name")?,
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
        self.update::<review_case::Entity, _, _, _>(id.0, f).await
    }
}
