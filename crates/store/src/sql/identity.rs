//! `IdentityRepo` on the database.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{Condition, JoinType, Order, QueryOrder, QuerySelect};
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::{
    Account, Captcha, LoginName, OrgKind, OrgName, Organisation, Person, Session, Uscc,
};
use zhicheng_kernel::{AccountId, AuditEvent, OrgId, PersonId, StoreError, TxError};

use super::{Store, insert};
use crate::convert::{self, Aggregate};
use crate::entity::{account, captcha, login_throttle, organisation, person, session};
use crate::error::db_err;

const BY_NAME: [(organisation::Column, Order); 2] = [
    (organisation::Column::Name, Order::Asc),
    (organisation::Column::Id, Order::Asc),
];

impl IdentityRepo for Store {
    async fn register_person(
        &self,
        p: &Person,
        a: &Account,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let txn = self.begin().await?;
        insert(&txn, person::Entity::active(p)).await?;
        insert(&txn, account::Entity::active(a)).await?;
        super::insert_audit(&txn, audit).await?;
        super::commit(txn).await
    }

    async fn create_org(
        &self,
        org: &Organisation,
        admin: &Account,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let txn = self.begin().await?;
        insert(&txn, organisation::Entity::active(org)).await?;
        insert(&txn, account::Entity::active(admin)).await?;
        super::insert_audit(&txn, audit).await?;
        super::commit(txn).await
    }

    async fn get_person(&self, id: PersonId) -> Result<Option<Person>, StoreError> {
        self.get::<person::Entity>(id.0).await
    }

    async fn get_org(&self, id: OrgId) -> Result<Option<Organisation>, StoreError> {
        self.get::<organisation::Entity>(id.0).await
    }

    async fn find_orgs_by_uscc(&self, uscc: &Uscc) -> Result<Vec<Organisation>, StoreError> {
        let cond = Condition::all().add(organisation::Column::Uscc.eq(uscc.as_str()));
        self.list::<organisation::Entity>(cond, &BY_NAME).await
    }

    async fn find_orgs_by_name(&self, name: &OrgName) -> Result<Vec<Organisation>, StoreError> {
        let cond = Condition::all().add(organisation::Column::NameKey.eq(name.normalised()));
        self.list::<organisation::Entity>(cond, &BY_NAME).await
    }

    async fn list_orgs(&self, kind: Option<OrgKind>) -> Result<Vec<Organisation>, StoreError> {
        let mut cond = Condition::all();
        if let Some(k) = kind {
            cond = cond.add(organisation::Column::Kind.eq(k.as_str()));
        }
        self.list::<organisation::Entity>(cond, &BY_NAME).await
    }

    async fn update_org<T, E, F>(&self, id: OrgId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Organisation) -> Result<(T, AuditEvent), E> + Send,
    {
        self.update::<organisation::Entity, _, _, _>(id.0, f).await
    }

    async fn find_account_by_login(
        &self,
        login: &LoginName,
    ) -> Result<Option<Account>, StoreError> {
        let q = match login {
            LoginName::Username(u) => {
                account::Entity::find().filter(account::Column::Username.eq(u.as_str()))
            }
            LoginName::IdNumber(n) => account::Entity::find()
                .join(JoinType::InnerJoin, account::Relation::Person.def())
                .filter(person::Column::IdNumber.eq(n.as_str()))
                .order_by_asc(account::Column::CreatedAt),
        };
        q.one(&self.db)
            .await
            .map_err(db_err)?
            .map(account::Entity::domain)
            .transpose()
    }

    async fn get_account(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
        self.get::<account::Entity>(id.0).await
    }

    async fn update_account<T, E, F>(&self, id: AccountId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Account) -> Result<(T, AuditEvent), E> + Send,
    {
        self.update::<account::Entity, _, _, _>(id.0, f).await
    }

    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        session::Entity::insert(convert::session_active(s))
            .exec_without_returning(&self.db)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn find_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Session, Account)>, StoreError> {
        let row = session::Entity::find_by_id(token_hash.to_owned())
            .find_also_related(account::Entity)
            .one(&self.db)
            .await
            .map_err(db_err)?;
        match row {
            Some((s, Some(a))) => Ok(Some((
                convert::session_domain(s),
                account::Entity::domain(a)?,
            ))),
            _ => Ok(None),
        }
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        session::Entity::delete_by_id(token_hash.to_owned())
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn create_captcha(&self, c: &Captcha) -> Result<(), StoreError> {
        let txn = self.begin().await?;
        // Expired challenges are no use to anyone: drop them as new ones arrive.
        captcha::Entity::delete_many()
            .filter(captcha::Column::ExpiresAt.lt(c.created_at))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        insert(
            &txn,
            captcha::ActiveModel {
                id: sea_orm::Set(c.id),
                answer_hash: sea_orm::Set(c.answer_hash.clone()),
                created_at: sea_orm::Set(c.created_at),
                expires_at: sea_orm::Set(c.expires_at),
                used: sea_orm::Set(c.used),
            },
        )
        .await?;
        super::commit(txn).await
    }

    async fn take_captcha(&self, id: uuid::Uuid) -> Result<Option<(Captcha, bool)>, StoreError> {
        let txn = self.begin().await?;
        // The guarded UPDATE is the single-use guarantee: one caller changes the row.
        let res = captcha::Entity::update_many()
            .col_expr(captcha::Column::Used, Expr::value(true))
            .filter(captcha::Column::Id.eq(id))
            .filter(captcha::Column::Used.eq(false))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        let row = captcha::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(db_err)?;
        super::commit(txn).await?;
        Ok(row.map(|m| {
            (
                Captcha {
                    id: m.id,
                    answer_hash: m.answer_hash,
                    created_at: m.created_at,
                    expires_at: m.expires_at,
                    used: m.used,
                },
                res.rows_affected == 1,
            )
        }))
    }

    async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(Some(at)))
            .filter(session::Column::TokenHash.eq(token_hash))
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    async fn delete_sessions_of(
        &self,
        account: AccountId,
        keep: Option<&str>,
    ) -> Result<u64, StoreError> {
        let mut q = session::Entity::delete_many().filter(session::Column::AccountId.eq(account.0));
        if let Some(k) = keep {
            q = q.filter(session::Column::TokenHash.ne(k));
        }
        q.exec(&self.db)
            .await
            .map(|r| r.rows_affected)
            .map_err(db_err)
    }

    async fn login_failures_from(
        &self,
        client: &str,
        window_start: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let row = login_throttle::Entity::find_by_id((client.to_owned(), window_start))
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(row.map_or(0, |r| u32::try_from(r.failures).unwrap_or(u32::MAX)))
    }

    async fn add_login_failure_from(
        &self,
        client: &str,
        window_start: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        use sea_orm::sea_query::{ExprTrait, OnConflict};
        let txn = self.begin().await?;
        login_throttle::Entity::delete_many()
            .filter(login_throttle::Column::WindowStart.lt(window_start))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        // One statement: insert the first failure or add one to the count.
        login_throttle::Entity::insert(login_throttle::ActiveModel {
            client: sea_orm::Set(client.to_owned()),
            window_start: sea_orm::Set(window_start),
            failures: sea_orm::Set(1),
        })
        .on_conflict(
            OnConflict::columns([
                login_throttle::Column::Client,
                login_throttle::Column::WindowStart,
            ])
            .value(
                login_throttle::Column::Failures,
                Expr::col((login_throttle::Entity, login_throttle::Column::Failures)).add(1),
            )
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .map_err(db_err)?;
        super::commit(txn).await
    }

    async fn count_accounts(&self) -> Result<u64, StoreError> {
        account::Entity::find()
            .count(&self.db)
            .await
            .map_err(db_err)
    }
}
