//! [`Store`]: every domain port on sea-orm over SQLite or PostgreSQL.
//!
//! Each port method is one transaction. Read-check-writes load the row inside the transaction,
//! hand the domain value to the caller's pure closure, write it back guarded by the loaded
//! `version`, append the audit row and commit. On SQLite write transactions start with
//! `BEGIN IMMEDIATE`, so writers queue on the database lock (up to the 5 s busy timeout) and a
//! queued writer sees the committed result of the one before; on PostgreSQL a concurrent
//! change makes the guarded `UPDATE` match no row, which is reported as `Conflict`.

mod attachment;
mod certificate;
mod declaration;
pub(crate) mod identity;
mod path;
mod review;

use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::entity::prelude::*;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveModelTrait, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    Order, QueryOrder, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use zhicheng_kernel::{AuditEvent, StoreError, TxError};

use crate::convert::{self, Aggregate};
use crate::entity::{account, audit_event, organisation, person, plan};
use crate::error::db_err;
use crate::migration::Migrator;

/// The database-backed store. Cheap to clone (a connection pool).
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// Dropped with the last clone; the WAL checkpoint task stops then.
    _alive: Arc<()>,
    /// The newest catalog version read so far (parsed once, reused while it is current).
    catalog: Arc<std::sync::Mutex<Option<Arc<zhicheng_declaration::Catalog>>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend_name())
            .finish()
    }
}

/// Where a SQLite URL points.
enum SqliteTarget {
    Memory,
    File {
        path: std::path::PathBuf,
        url: String,
    },
}

fn sqlite_target(url: &str) -> SqliteTarget {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return SqliteTarget::Memory;
    }
    let url = if query.is_empty() {
        format!("sqlite://{path}?mode=rwc")
    } else if query.contains("mode=") {
        format!("sqlite://{path}?{query}")
    } else {
        format!("sqlite://{path}?{query}&mode=rwc")
    };
    SqliteTarget::File {
        path: std::path::PathBuf::from(path),
        url,
    }
}

impl Store {
    /// Connects to `sqlite://path/to/file.db` (parent directory created, WAL, synchronous=FULL,
    /// foreign keys, 5 s busy timeout, 8 connections), `sqlite::memory:` (one connection) or
    /// `postgres://user@host/db` (16 connections). Does not migrate.
    ///
    /// # Errors
    /// `Unavailable` when the database cannot be opened or reached.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let (opt, checkpoint) = if url.starts_with("sqlite:") {
            let (mut opt, file) = match sqlite_target(url) {
                SqliteTarget::Memory => {
                    let mut o = ConnectOptions::new("sqlite::memory:");
                    o.max_connections(1)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None);
                    (o, false)
                }
                SqliteTarget::File { path, url } => {
                    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                        })?;
                    }
                    let mut o = ConnectOptions::new(url);
                    o.max_connections(8).min_connections(1);
                    (o, true)
                }
            };
            opt.acquire_timeout(Duration::from_secs(30))
                .sqlx_logging(false)
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Full)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(5))
                        .create_if_missing(true)
                });
            (opt, file)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut opt = ConnectOptions::new(url);
            opt.max_connections(16)
                .min_connections(1)
                .connect_timeout(Duration::from_secs(5))
                .acquire_timeout(Duration::from_secs(30))
                .idle_timeout(Duration::from_secs(300))
                .sqlx_logging(false);
            (opt, false)
        } else {
            return Err(StoreError::Unavailable(format!(
                "unsupported database URL `{url}`: use sqlite://… or postgres://…"
            )));
        };
        let db = Database::connect(opt).await.map_err(db_err)?;
        let alive = Arc::new(());
        if checkpoint {
            spawn_checkpointer(db.clone(), Arc::downgrade(&alive));
        }
        Ok(Store {
            db,
            _alive: alive,
            catalog: Arc::default(),
        })
    }

    /// The underlying connection, for adapters that need plain SQL (exports, backups).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Brings the schema up to date. Idempotent.
    ///
    /// # Errors
    /// `Unavailable` when a migration fails.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None).await.map_err(db_err)
    }

    /// Whether the installation holds no organisation, person, account or plan yet.
    ///
    /// # Errors
    /// `Unavailable` when the database fails.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let n = organisation::Entity::find()
            .count(&self.db)
            .await
            .map_err(db_err)?
            + person::Entity::find()
                .count(&self.db)
                .await
                .map_err(db_err)?
            + account::Entity::find()
                .count(&self.db)
                .await
                .map_err(db_err)?
            + plan::Entity::find().count(&self.db).await.map_err(db_err)?;
        Ok(n == 0)
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.db.get_database_backend() {
            DbBackend::Postgres => "postgres",
            DbBackend::Sqlite => "sqlite",
            _ => "other",
        }
    }

    /// A round trip to the database.
    ///
    /// # Errors
    /// `Unavailable` when it does not answer.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(db_err)
    }

    /// The audit trail of one object, oldest first.
    ///
    /// # Errors
    /// `Unavailable` when the database fails or a row does not parse.
    pub async fn audit_events(&self, object_id: Uuid) -> Result<Vec<AuditEvent>, StoreError> {
        audit_event::Entity::find()
            .filter(audit_event::Column::ObjectId.eq(object_id))
            .order_by_asc(audit_event::Column::At)
            .order_by_asc(audit_event::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::audit_domain)
            .collect()
    }

    fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// A write transaction (`BEGIN IMMEDIATE` on SQLite).
    async fn begin(&self) -> Result<DatabaseTransaction, StoreError> {
        let opts = TransactionOptions {
            sqlite_transaction_mode: (self.backend() == DbBackend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        self.db.begin_with_options(opts).await.map_err(db_err)
    }

    /// Inserts rows and an audit event in one transaction.
    async fn insert_with_audit<A>(&self, rows: Vec<A>, audit: &AuditEvent) -> Result<(), StoreError>
    where
        A: ActiveModelTrait + Send,
    {
        let txn = self.begin().await?;
        for row in rows {
            insert(&txn, row).await?;
        }
        insert_audit(&txn, audit).await?;
        commit(txn).await
    }

    /// Begin → load → closure → version-guarded update → audit → commit.
    async fn update<A, T, E, F>(&self, id: Uuid, f: F) -> Result<T, TxError<E>>
    where
        A: Aggregate,
        F: FnOnce(&mut A::Domain) -> Result<(T, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        let (mut value, version) = load::<A>(&txn, id).await?;
        let (out, audit) = match f(&mut value) {
            Ok(r) => r,
            Err(e) => {
                rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        write_guarded::<A>(&txn, id, &value, version).await?;
        insert_audit(&txn, &audit).await?;
        commit(txn).await?;
        Ok(out)
    }

    /// One row by primary key, as a domain value.
    async fn get<A: Aggregate>(&self, id: Uuid) -> Result<Option<A::Domain>, StoreError> {
        A::find()
            .filter(A::ID.eq(id))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(A::domain)
            .transpose()
    }

    /// Rows matching `cond`, ordered, as domain values.
    async fn list<A: Aggregate>(
        &self,
        cond: sea_orm::Condition,
        order: &[(A::Column, Order)],
    ) -> Result<Vec<A::Domain>, StoreError> {
        let mut q = A::find().filter(cond);
        for (col, ord) in order {
            q = q.order_by(*col, ord.clone());
        }
        q.all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(A::domain)
            .collect()
    }
}

/// Loads the row inside the transaction; a missing row is `NotFound`. The value returned
/// already carries the version it will have once written (loaded + 1), so what a closure
/// returns is current; the loaded version comes back separately for the guard.
async fn load<A: Aggregate>(
    txn: &DatabaseTransaction,
    id: Uuid,
) -> Result<(A::Domain, i64), StoreError> {
    let mut row = A::find()
        .filter(A::ID.eq(id))
        .one(txn)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
    let version = A::version_of(&row);
    A::set_version(&mut row, version + 1);
    Ok((A::domain(row)?, version))
}

/// `UPDATE … SET …, version = loaded + 1 WHERE id = ? AND version = loaded`; no row is `Conflict`.
async fn write_guarded<A: Aggregate>(
    txn: &DatabaseTransaction,
    id: Uuid,
    value: &A::Domain,
    loaded: i64,
) -> Result<(), StoreError> {
    let mut am = A::active(value);
    am.not_set(A::ID);
    am.set(A::VERSION, (loaded + 1).into());
    let res = A::update_many()
        .set(am)
        .filter(A::ID.eq(id))
        .filter(A::VERSION.eq(loaded))
        .exec(txn)
        .await
        .map_err(db_err)?;
    if res.rows_affected == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// INSERT without RETURNING (see the WAL gotcha in the stack notes).
async fn insert<A>(txn: &DatabaseTransaction, row: A) -> Result<u64, StoreError>
where
    A: ActiveModelTrait + Send,
{
    <A::Entity as EntityTrait>::insert(row)
        .exec_without_returning(txn)
        .await
        .map_err(db_err)
}

async fn insert_audit(txn: &DatabaseTransaction, audit: &AuditEvent) -> Result<(), StoreError> {
    insert(txn, convert::audit_active(audit)).await.map(|_| ())
}

async fn commit(txn: DatabaseTransaction) -> Result<(), StoreError> {
    txn.commit().await.map_err(db_err)
}

async fn rollback(txn: DatabaseTransaction) {
    if let Err(e) = txn.rollback().await {
        tracing::warn!(error = %e, "rollback failed");
    }
}

/// Checkpoints the WAL about every two seconds so it cannot grow without bound. Best effort:
/// a busy database is simply tried again next time. Stops when the last `Store` clone drops.
fn spawn_checkpointer(db: DatabaseConnection, alive: Weak<()>) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    handle.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if alive.upgrade().is_none() {
                break;
            }
            if let Err(e) = db
                .execute_unprepared("PRAGMA wal_checkpoint(RESTART)")
                .await
            {
                tracing::debug!(error = %e, "WAL checkpoint skipped");
            }
        }
    });
}
