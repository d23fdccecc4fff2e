//! `ReviewRepo` on the database.

use sea_orm::entity::prelude::*;
use sea_orm::{
    Condition, ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Order, QueryOrder,
    QuerySelect, Statement, Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zhicheng_declaration::Declaration;
use zhicheng_kernel::{
    AuditEvent, CaseId, DeclarationId, OrgId, PersonId, PlanId, SeriesCode, StoreError, TitleLevel,
    TxError,
};
use zhicheng_review_workflow::ports::{
    BatchError, BatchOutcome, CaseFilter, CaseRow, IdempotencyKey, ReviewRepo,
};
use zhicheng_review_workflow::queue::{CaseCursor, CasePage, PageRequest, StatusCount};
use zhicheng_review_workflow::{CaseHop, CaseStatus, ReviewCase};

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

/// A statement being built with placeholders (`$n` on PostgreSQL, `?` on SQLite).
struct Query {
    backend: DbBackend,
    sql: String,
    values: Vec<Value>,
}

impl Query {
    fn new(backend: DbBackend, sql: &str) -> Query {
        Query {
            backend,
            sql: sql.to_owned(),
            values: Vec::new(),
        }
    }

    /// Binds `v` and returns its placeholder, which must be pushed next (placeholders appear
    /// in binding order). SQLite gets anonymous `?`: the driver looks up the name of every
    /// numbered parameter with a linear scan, quadratic in a statement of thousands.
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        if self.backend == DbBackend::Sqlite {
            "?".to_owned()
        } else {
            format!("${}", self.values.len())
        }
    }

    fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.sql, self.values)
    }
}

/// The joins the counts need: persons for the name, declarations for the submission time.
fn count_joins(q: &mut Query, f: &CaseFilter) {
    if f.name.is_some() {
        q.push(" LEFT JOIN persons p ON p.id = c.person_id");
    }
    if f.submitted_since.is_some() || f.submitted_before.is_some() {
        q.push(" LEFT JOIN declarations d ON d.id = c.declaration_id");
    }
}

/// `WHERE` for the filter: the holder always, the status only when `with_status`.
fn queue_where(q: &mut Query, f: &CaseFilter, with_status: bool) {
    let holder = q.bind(f.holder.0);
    q.push(&format!(" WHERE c.holder_id = {holder}"));
    let status = f.status.filter(|_| with_status).map(|s| s.as_str());
    let exact = [
        ("status", status.map(str::to_owned)),
        ("series", f.series.as_ref().map(|s| s.as_str().to_owned())),
        ("level", f.level.map(|l| l.as_str().to_owned())),
    ];
    for (col, v) in exact {
        if let Some(v) = v {
            let p = q.bind(v);
            q.push(&format!(" AND c.{col} = {p}"));
        }
    }
    if let Some(name) = &f.name {
        // Plain substring on both back ends (no LIKE wildcards, same case rules).
        let p = q.bind(name.as_str().to_owned());
        let find = if q.backend == DbBackend::Sqlite {
            format!("instr(p.name, {p})")
        } else {
            format!("strpos(p.name, {p})")
        };
        q.push(&format!(" AND {find} > 0"));
    }
    if let Some(t) = f.submitted_since {
        let p = q.bind(t);
        q.push(&format!(" AND d.submitted_at >= {p}"));
    }
    if let Some(t) = f.submitted_before {
        let p = q.bind(t);
        q.push(&format!(" AND d.submitted_at < {p}"));
    }
}

/// One page of the queue in one query: the case with the applicant's name, the declared
/// specialty, the unit's name and the submission time; one row more than the page to know
/// whether another page follows. Served by `idx_review_cases_queue` /
/// `idx_review_cases_queue_status` (holder, [status,] held_since, id).
fn list_cases_statement(backend: DbBackend, f: &CaseFilter, page: &PageRequest) -> Statement {
    let mut q = Query::new(backend, ROW_SELECT);
    queue_where(&mut q, f, true);
    if let Some(after) = page.after {
        let (t, id) = (q.bind(after.held_since), q.bind(after.id.0));
        q.push(&format!(" AND (c.held_since, c.id) > ({t}, {id})"));
    }
    q.push(&format!(
        " ORDER BY c.held_since ASC, c.id ASC LIMIT {}",
        page.size() + 1
    ));
    q.statement()
}

/// The case, names and submission time of a list row.
fn case_row(row: &sea_orm::QueryResult) -> Result<CaseRow, StoreError> {
    let model = review_case::Model::from_query_result(row, "").map_err(db_err)?;
    let text = |c: &str| row.try_get::<String>("", c).map_err(db_err);
    Ok(CaseRow {
        case: review_case::Entity::domain(model)?,
        applicant_name: text("applicant_name")?,
        specialty: text("specialty")?,
        kind: zhicheng_declaration::DeclarationKind::parse(&text("decl_kind")?).unwrap_or_default(),
        unit_name: text("unit_name")?,
        submitted_at: row
            .try_get::<Option<DateTimeUtc>>("", "submitted_at")
            .map_err(db_err)?,
    })
}

/// What a list row selects, joins included (`WHERE` follows).
const ROW_SELECT: &str = "SELECT c.*, COALESCE(p.name, '') AS applicant_name, \
     COALESCE(d.specialty, '') AS specialty, COALESCE(d.kind, 'normal') AS decl_kind, \
     COALESCE(o.name, '') AS unit_name, \
     d.submitted_at AS submitted_at FROM review_cases c \
     LEFT JOIN persons p ON p.id = c.person_id \
     LEFT JOIN declarations d ON d.id = c.declaration_id \
     LEFT JOIN organisations o ON o.id = c.unit_id";

/// The cases of a plan, series and level that are `org`'s own or went through it (its id in
/// the frozen route, stored as a JSON array of ids). Served by `idx_review_cases_plan`.
fn plan_cases_statement(
    backend: DbBackend,
    org: OrgId,
    plan: PlanId,
    series: &SeriesCode,
    level: TitleLevel,
) -> Statement {
    let mut q = Query::new(backend, ROW_SELECT);
    let (p, s, l) = (
        q.bind(plan.0),
        q.bind(series.as_str().to_owned()),
        q.bind(level.as_str().to_owned()),
    );
    let (u, r) = (q.bind(org.0), q.bind(format!("%\"{}\"%", org.0)));
    q.push(&format!(
        " WHERE c.plan_id = {p} AND c.series = {s} AND c.level = {l} \
         AND (c.unit_id = {u} OR c.route LIKE {r}) ORDER BY c.opened_at ASC, c.id ASC"
    ));
    q.statement()
}

/// Cases per status for the filter without its status.
fn count_cases_statement(backend: DbBackend, f: &CaseFilter) -> Statement {
    let mut q = Query::new(
        backend,
        "SELECT c.status AS status, COUNT(*) AS n FROM review_cases c",
    );
    count_joins(&mut q, f);
    queue_where(&mut q, f, false);
    q.push(" GROUP BY c.status");
    q.statement()
}

/// What no transition changes: the case's identity and what was declared.
#[derive(PartialEq, Eq)]
struct Fixed {
    declaration: Uuid,
    person: Uuid,
    unit: Uuid,
    plan: Uuid,
    year: i32,
    series: String,
    level: &'static str,
    opened_at: DateTimeUtc,
}

impl Fixed {
    fn of(c: &ReviewCase) -> Fixed {
        Fixed {
            declaration: c.declaration_id.0,
            person: c.person_id.0,
            unit: c.unit_id.0,
            plan: c.plan_id.0,
            year: c.year,
            series: c.series.as_str().to_owned(),
            level: c.level.as_str(),
            opened_at: c.opened_at,
        }
    }
}

/// The columns a transition changes (besides `version`).
const MOVING: [review_case::Column; 7] = [
    review_case::Column::Status,
    review_case::Column::HolderId,
    review_case::Column::HeldSince,
    review_case::Column::Route,
    review_case::Column::Hop,
    review_case::Column::Vote,
    review_case::Column::Decision,
];

/// Ids per `… id IN (…)` statement of a batch (loads and bulk updates). Every statement on
/// PostgreSQL costs a round trip and a plan, so few large ones; below SQLite's 32,766 and
/// PostgreSQL's 65,535 bound values.
const IDS_CHUNK: usize = 5000;
/// Rows per multi-row `INSERT` of hops (11 values each) and audit rows (7 values each).
const HOPS_CHUNK: usize = 2000;
const AUDITS_CHUNK: usize = 4000;

/// At most this many distinct groups are collected; further cases are written one by one.
const MAX_GROUPS: usize = 64;

/// Writes the cases of a batch, each guarded by the version it was loaded with. Cases that
/// moved to the same values (a batch report: same status, holder, time and route) and were
/// loaded at the same version share one `UPDATE … SET …, version = version + 1 WHERE id IN
/// (…) AND version = ?` per chunk; a case whose fixed columns changed is written on its own.
/// Any row not matched is `Conflict` (the caller's transaction then writes nothing).
async fn write_cases(
    txn: &DatabaseTransaction,
    writes: Vec<(ReviewCase, i64, bool)>,
) -> Result<(), StoreError> {
    let backend = txn.get_database_backend();
    // (moving values, loaded version) → ids, in first-seen order.
    let mut groups: Vec<(Vec<Value>, i64, Vec<Uuid>)> = Vec::new();
    for (c, loaded, fixed) in writes {
        let am = review_case::Entity::active(&c);
        let moving: Vec<Value> = MOVING
            .iter()
            .map(|col| am.get(*col).into_value().unwrap_or(Value::Bool(None)))
            .collect();
        let at = groups
            .iter()
            .position(|(v, version, _)| *version == loaded && *v == moving);
        match at {
            Some(i) if fixed => groups[i].2.push(c.id.0),
            None if fixed && groups.len() < MAX_GROUPS => {
                groups.push((moving, loaded, vec![c.id.0]));
            }
            _ => write_guarded::<review_case::Entity>(txn, c.id.0, &c, loaded).await?,
        }
    }
    for (moving, loaded, ids) in groups {
        for chunk in ids.chunks(IDS_CHUNK) {
            let mut q = Query::new(backend, "UPDATE review_cases SET ");
            for (col, v) in MOVING.iter().zip(&moving) {
                let p = q.bind(v.clone());
                q.push(&format!("{} = {p}, ", col.as_str()));
            }
            let v = q.bind(loaded);
            q.push(&format!(
                "version = version + 1 WHERE version = {v} AND id IN ("
            ));
            for (i, id) in chunk.iter().enumerate() {
                let p = q.bind(*id);
                q.push(if i == 0 { "" } else { ", " });
                q.push(&p);
            }
            q.push(")");
            let res = txn.execute_raw(q.statement()).await.map_err(db_err)?;
            if res.rows_affected() != chunk.len() as u64 {
                return Err(StoreError::Conflict);
            }
        }
    }
    Ok(())
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

    async fn list_cases(
        &self,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<CasePage, StoreError> {
        let rows = self
            .db
            .query_all_raw(list_cases_statement(self.backend(), filter, page))
            .await
            .map_err(db_err)?;
        let mut rows = rows
            .into_iter()
            .map(|row| case_row(&row))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let size = page.size() as usize;
        let next = (rows.len() > size).then(|| CaseCursor::after(&rows[size - 1].case));
        rows.truncate(size);
        Ok(CasePage { rows, next })
    }

    async fn list_plan_cases(
        &self,
        org: OrgId,
        plan: PlanId,
        series: &SeriesCode,
        level: TitleLevel,
    ) -> Result<Vec<CaseRow>, StoreError> {
        let stmt = plan_cases_statement(self.backend(), org, plan, series, level);
        let rows = self.db.query_all_raw(stmt).await.map_err(db_err)?;
        rows.iter().map(case_row).collect()
    }

    async fn count_cases(&self, filter: &CaseFilter) -> Result<Vec<StatusCount>, StoreError> {
        let rows = self
            .db
            .query_all_raw(count_cases_statement(self.backend(), filter))
            .await
            .map_err(db_err)?;
        let mut counts = std::collections::HashMap::new();
        for row in rows {
            let status: String = row.try_get("", "status").map_err(db_err)?;
            let n: i64 = row.try_get("", "n").map_err(db_err)?;
            let status = CaseStatus::parse(&status)
                .ok_or_else(|| StoreError::Unavailable(format!("bad case status {status}")))?;
            counts.insert(status, u64::try_from(n).unwrap_or_default());
        }
        Ok(CaseStatus::ALL
            .into_iter()
            .filter_map(|status| {
                counts
                    .get(&status)
                    .map(|&count| StatusCount { status, count })
            })
            .collect())
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
        // Load every case in few queries (chunked below the bind-parameter limits).
        let mut loaded = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_CHUNK) {
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
                Some((mut c, v)) => {
                    let before = Fixed::of(&c);
                    match f(&mut c) {
                        Ok((out, audit)) => {
                            let fixed = before == Fixed::of(&c);
                            done.push((c, v, fixed, out, audit));
                        }
                        Err(e) => failures.push((*id, Some(e))),
                    }
                }
            }
        }
        if !failures.is_empty() {
            super::rollback(txn).await;
            return Err(BatchError::Rejected(failures));
        }
        let mut outs = Vec::with_capacity(done.len());
        let mut audits = Vec::with_capacity(done.len());
        let mut hops = Vec::new();
        let mut writes = Vec::with_capacity(done.len());
        for (mut c, v, fixed, out, audit) in done {
            hops.extend(c.take_hops());
            writes.push((c, v, fixed));
            outs.push(out);
            audits.push(convert::audit_active(&audit));
        }
        write_cases(&txn, writes).await?;
        for chunk in hops.chunks(HOPS_CHUNK) {
            case_hop::Entity::insert_many(chunk.iter().map(convert::hop_active))
                .exec_without_returning(&txn)
                .await
                .map_err(db_err)?;
        }
        for chunk in audits.chunks(AUDITS_CHUNK) {
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
