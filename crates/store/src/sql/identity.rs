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
use crate::entity::{
    account, captcha, login_throttle, name_correction, organisation, person, rate_counter,
    recovery_code, session, sms_outbox,
};
use crate::error::db_err;
use zhicheng_identity::correction::{CorrectionStatus, NameCorrection};
use zhicheng_identity::ports::Redeemed;
use zhicheng_identity::ports::SmsGateway;
use zhicheng_identity::recovery::{RecoveryCode, RecoveryCodeText, RecoveryPurpose, SmsMessage};
use zhicheng_identity::{IdCardNumber, Person as PersonValue};

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

    async fn get_recovery(&self, id: uuid::Uuid) -> Result<Option<RecoveryCode>, StoreError> {
        recovery_code::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(recovery_domain)
            .transpose()
    }

    async fn try_recovery<T, F>(&self, id: uuid::Uuid, f: F) -> Result<Option<T>, StoreError>
    where
        T: Send,
        F: FnOnce(&mut RecoveryCode) -> (T, AuditEvent) + Send,
    {
        let txn = self.begin().await?;
        let Some(row) = recovery_code::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(db_err)?
        else {
            super::rollback(txn).await;
            return Ok(None);
        };
        let mut code = recovery_domain(row)?;
        let (tries, used) = (code.tries, code.used);
        let (out, audit) = f(&mut code);
        // Guarded by the loaded state: a concurrent try makes this match no row.
        let res = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::Tries, Expr::value(code.tries))
            .col_expr(recovery_code::Column::Used, Expr::value(code.used))
            .filter(recovery_code::Column::Id.eq(id))
            .filter(recovery_code::Column::Tries.eq(tries))
            .filter(recovery_code::Column::Used.eq(used))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if res.rows_affected != 1 {
            super::rollback(txn).await;
            return Err(StoreError::Conflict);
        }
        super::insert_audit(&txn, &audit).await?;
        super::commit(txn).await?;
        Ok(Some(out))
    }

    async fn bump_counter(
        &self,
        key: &str,
        window_start: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        use sea_orm::sea_query::{ExprTrait, OnConflict};
        let txn = self.begin().await?;
        rate_counter::Entity::delete_many()
            .filter(rate_counter::Column::Key.eq(key))
            .filter(rate_counter::Column::WindowStart.lt(window_start))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        rate_counter::Entity::insert(rate_counter::ActiveModel {
            key: sea_orm::Set(key.to_owned()),
            window_start: sea_orm::Set(window_start),
            count: sea_orm::Set(1),
        })
        .on_conflict(
            OnConflict::columns([rate_counter::Column::Key, rate_counter::Column::WindowStart])
                .value(
                    rate_counter::Column::Count,
                    Expr::col((rate_counter::Entity, rate_counter::Column::Count)).add(1),
                )
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .map_err(db_err)?;
        let row = rate_counter::Entity::find_by_id((key.to_owned(), window_start))
            .one(&txn)
            .await
            .map_err(db_err)?;
        super::commit(txn).await?;
        Ok(row.map_or(0, |r| u32::try_from(r.count).unwrap_or(u32::MAX)))
    }

    async fn find_person_by_id_number(
        &self,
        id_number: &IdCardNumber,
    ) -> Result<Option<PersonValue>, StoreError> {
        person::Entity::find()
            .filter(person::Column::IdNumber.eq(id_number.as_str()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(person::Entity::domain)
            .transpose()
    }

    async fn update_person<T, E, F>(&self, id: PersonId, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut PersonValue) -> Result<(T, AuditEvent), E> + Send,
    {
        self.update::<person::Entity, _, _, _>(id.0, f).await
    }

    async fn count_accounts(&self) -> Result<u64, StoreError> {
        account::Entity::find()
            .count(&self.db)
            .await
            .map_err(db_err)
    }

    async fn create_account(&self, a: &Account, audit: &AuditEvent) -> Result<(), StoreError> {
        self.insert_with_audit(vec![account::Entity::active(a)], audit)
            .await
    }

    async fn list_accounts_of_org(&self, org: OrgId) -> Result<Vec<Account>, StoreError> {
        let cond = Condition::all().add(account::Column::OrgId.eq(org.0));
        self.list::<account::Entity>(
            cond,
            &[
                (account::Column::CreatedAt, Order::Asc),
                (account::Column::Id, Order::Asc),
            ],
        )
        .await
    }

    async fn update_account_ending_sessions<T, E, F>(
        &self,
        id: AccountId,
        f: F,
    ) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut Account) -> Result<(T, AuditEvent), E> + Send,
    {
        let txn = self.begin().await?;
        let (mut value, version) = super::load::<account::Entity>(&txn, id.0).await?;
        let (out, audit) = match f(&mut value) {
            Ok(r) => r,
            Err(e) => {
                super::rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        super::write_guarded::<account::Entity>(&txn, id.0, &value, version).await?;
        end_sessions(&txn, id).await?;
        super::insert_audit(&txn, &audit).await?;
        super::commit(txn).await?;
        Ok(out)
    }

    async fn append_audit(&self, audit: &AuditEvent) -> Result<(), StoreError> {
        let txn = self.begin().await?;
        super::insert_audit(&txn, audit).await?;
        super::commit(txn).await
    }

    async fn redeem_recovery<T, F>(&self, id: uuid::Uuid, f: F) -> Result<Option<T>, StoreError>
    where
        T: Send,
        F: FnOnce(&mut RecoveryCode, &mut Account) -> Redeemed<T> + Send,
    {
        let txn = self.begin().await?;
        let Some(row) = recovery_code::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(db_err)?
        else {
            super::rollback(txn).await;
            return Ok(None);
        };
        let mut code = recovery_domain(row)?;
        let (mut account, version) =
            super::load::<account::Entity>(&txn, code.account_id.0).await?;
        let (tries, used) = (code.tries, code.used);
        let r = f(&mut code, &mut account);
        // Guarded by the loaded state: a concurrent try makes this match no row.
        let res = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::Tries, Expr::value(code.tries))
            .col_expr(recovery_code::Column::Used, Expr::value(code.used))
            .filter(recovery_code::Column::Id.eq(id))
            .filter(recovery_code::Column::Tries.eq(tries))
            .filter(recovery_code::Column::Used.eq(used))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if res.rows_affected != 1 {
            super::rollback(txn).await;
            return Err(StoreError::Conflict);
        }
        if r.account_changed {
            super::write_guarded::<account::Entity>(&txn, account.id.0, &account, version).await?;
            end_sessions(&txn, account.id).await?;
        }
        for a in &r.audit {
            super::insert_audit(&txn, a).await?;
        }
        super::commit(txn).await?;
        Ok(Some(r.out))
    }

    async fn create_name_correction(
        &self,
        c: &NameCorrection,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        self.insert_with_audit(vec![name_correction::Entity::active(c)], audit)
            .await
    }

    async fn get_name_correction(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<NameCorrection>, StoreError> {
        self.get::<name_correction::Entity>(id).await
    }

    async fn list_name_corrections(
        &self,
        person: Option<PersonId>,
        status: Option<CorrectionStatus>,
    ) -> Result<Vec<NameCorrection>, StoreError> {
        let mut cond = Condition::all();
        if let Some(p) = person {
            cond = cond.add(name_correction::Column::PersonId.eq(p.0));
        }
        if let Some(s) = status {
            cond = cond.add(name_correction::Column::Status.eq(s.as_str()));
        }
        self.list::<name_correction::Entity>(
            cond,
            &[
                (name_correction::Column::CreatedAt, Order::Desc),
                (name_correction::Column::Id, Order::Desc),
            ],
        )
        .await
    }

    async fn decide_name_correction<T, E, F>(&self, id: uuid::Uuid, f: F) -> Result<T, TxError<E>>
    where
        T: Send,
        E: Send,
        F: FnOnce(&mut NameCorrection, &mut PersonValue) -> Result<(T, Vec<AuditEvent>), E> + Send,
    {
        let txn = self.begin().await?;
        let (mut c, c_version) = super::load::<name_correction::Entity>(&txn, id).await?;
        let (mut p, p_version) = super::load::<person::Entity>(&txn, c.person_id.0).await?;
        let (out, audit) = match f(&mut c, &mut p) {
            Ok(r) => r,
            Err(e) => {
                super::rollback(txn).await;
                return Err(TxError::Rejected(e));
            }
        };
        super::write_guarded::<name_correction::Entity>(&txn, id, &c, c_version).await?;
        super::write_guarded::<person::Entity>(&txn, p.id.0, &p, p_version).await?;
        for a in &audit {
            super::insert_audit(&txn, a).await?;
        }
        super::commit(txn).await?;
        Ok(out)
    }
}

/// Ends every session of an account inside a transaction.
async fn end_sessions(
    txn: &sea_orm::DatabaseTransaction,
    account: AccountId,
) -> Result<(), StoreError> {
    session::Entity::delete_many()
        .filter(session::Column::AccountId.eq(account.0))
        .exec(txn)
        .await
        .map(|_| ())
        .map_err(db_err)
}

fn recovery_domain(m: recovery_code::Model) -> Result<RecoveryCode, StoreError> {
    Ok(RecoveryCode {
        id: m.id,
        account_id: AccountId(m.account_id),
        code_hash: m.code_hash,
        purpose: RecoveryPurpose::parse(&m.purpose).ok_or_else(|| {
            StoreError::Unavailable(format!("unknown recovery purpose {}", m.purpose))
        })?,
        created_at: m.created_at,
        expires_at: m.expires_at,
        tries: m.tries,
        used: m.used,
    })
}

/// One queued text message, as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxEntry {
    pub id: uuid::Uuid,
    pub mobile: String,
    pub template: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// The newest `limit` messages of the SMS outbox, newest first.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn sms_outbox(&self, limit: u64) -> Result<Vec<OutboxEntry>, StoreError> {
        Ok(sms_outbox::Entity::find()
            .order_by_desc(sms_outbox::Column::CreatedAt)
            .order_by_desc(sms_outbox::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|m| OutboxEntry {
                id: m.id,
                mobile: m.mobile,
                template: m.template,
                text: m.body,
                created_at: m.created_at,
            })
            .collect())
    }
}

/// The default SMS adapter: the message goes into `sms_outbox` (with the challenge and the
/// audit row, in one transaction) and a log line without its text.
impl SmsGateway for Store {
    fn new_code(&self) -> Option<RecoveryCodeText> {
        crate::runtime::random_digits(6)
            .ok()
            .and_then(|d| RecoveryCodeText::parse(&d))
    }

    async fn send(
        &self,
        message: &SmsMessage,
        challenge: Option<&RecoveryCode>,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let txn = self.begin().await?;
        if let Some(c) = challenge {
            insert(
                &txn,
                recovery_code::ActiveModel {
                    id: sea_orm::Set(c.id),
                    account_id: sea_orm::Set(c.account_id.0),
                    code_hash: sea_orm::Set(c.code_hash.clone()),
                    purpose: sea_orm::Set(c.purpose.as_str().to_owned()),
                    created_at: sea_orm::Set(c.created_at),
                    expires_at: sea_orm::Set(c.expires_at),
                    tries: sea_orm::Set(c.tries),
                    used: sea_orm::Set(c.used),
                },
            )
            .await?;
        }
        let id = uuid::Uuid::now_v7();
        insert(
            &txn,
            sms_outbox::ActiveModel {
                id: sea_orm::Set(id),
                mobile: sea_orm::Set(message.mobile.as_str().to_owned()),
                template: sea_orm::Set(message.template.as_str().to_owned()),
                body: sea_orm::Set(message.text()),
                created_at: sea_orm::Set(audit.at),
            },
        )
        .await?;
        super::insert_audit(&txn, audit).await?;
        super::commit(txn).await?;
        tracing::info!(
            outbox_id = %id,
            mobile = %message.mobile.masked(),
            template = message.template.as_str(),
            "sms queued in the outbox"
        );
        Ok(())
    }
}
