//! Shared vocabulary of zhicheng: typed ids, GB/T 2260 region codes, title levels and series
//! codes (with the 2023 division list, [`divisions`]), the principal that every domain service
//! authorises, audit events, localised messages, uploaded files ([`upload`]: kinds by content,
//! safe names, content addresses, the streaming check and the blob port, shared by every
//! domain that takes files), and the `Clock`/`IdGen` ports through which time and identifiers
//! are passed in.
//!
//! It owns no rule beyond parsing these words. It must not know about any storage, transport,
//! runtime or user interface, and it must not grow into a grab-bag: a rule belongs in the domain
//! crate that owns it.

pub mod divisions;
mod ids;
mod region;
mod title;
pub mod upload;

pub use ids::*;
pub use region::{RegionCode, RegionCodeError};
pub use title::{SeriesCode, SeriesCodeError, TitleLevel, TitleLevelError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Source of the current time. Domain code never reads the system clock itself.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// Source of new identifiers. Domain code never generates randomness itself.
pub trait IdGen: Send + Sync {
    fn new_id(&self) -> uuid::Uuid;
}

/// A message shown to people, in Simplified Chinese first and English second, with a stable
/// machine-readable code.
pub trait Localized {
    /// Stable code, e.g. `declaration.outside_window`.
    fn code(&self) -> &'static str;
    /// Simplified Chinese text.
    fn zh(&self) -> String;
    /// English text.
    fn en(&self) -> String;
    /// Whether the caller sent bad input (answered 422) rather than asked for something the
    /// current state does not allow (answered 409, the default).
    fn invalid_input(&self) -> bool {
        false
    }
    /// Problems with individual fields, when the error is about input.
    fn fields(&self) -> Vec<FieldError> {
        Vec::new()
    }
}

/// The role a signed-in account acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An individual applicant (申报人).
    Applicant,
    /// Staff of an employer unit (用人单位).
    UnitAdmin,
    /// Staff of a competent department (主管部门).
    DeptOperator,
    /// Staff of an HR bureau (人社局).
    HrBureau,
    /// Staff of a review-committee organiser (评委会组建单位).
    CommitteeOrganiser,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::UnitAdmin => "unit_admin",
            Role::DeptOperator => "dept_operator",
            Role::HrBureau => "hr_bureau",
            Role::CommitteeOrganiser => "committee_organiser",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "applicant" => Role::Applicant,
            "unit_admin" => Role::UnitAdmin,
            "dept_operator" => Role::DeptOperator,
            "hr_bureau" => Role::HrBureau,
            "committee_organiser" => Role::CommitteeOrganiser,
            _ => return None,
        })
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Applicant => "申报人",
            Role::UnitAdmin => "用人单位",
            Role::DeptOperator => "主管部门",
            Role::HrBureau => "人社局",
            Role::CommitteeOrganiser => "评委会组建单位",
        }
    }
}

/// Who is acting: built by an adapter after authentication, judged by domain services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub account_id: AccountId,
    pub role: Role,
    /// The person behind an applicant account.
    pub person_id: Option<PersonId>,
    /// The organisation a staff account acts for.
    pub org_id: Option<OrgId>,
}

impl Principal {
    /// The organisation of a staff principal with the given role, if it has one.
    pub fn org_as(&self, role: Role) -> Option<OrgId> {
        if self.role == role { self.org_id } else { None }
    }
}

/// Who caused an audited change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// A signed-in account.
    Account(AccountId),
    /// An operator at the command line (name of the OS user or `--operator`).
    Operator(String),
    /// The system itself (background jobs).
    System,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::Account(id) => format!("account:{}", id.0),
            Actor::Operator(name) => format!("operator:{name}"),
            Actor::System => "system".to_owned(),
        }
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Actor::Account(p.account_id)
    }
}

/// One audited state change. Written by the store in the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// Stable action name, e.g. `declaration.submitted`.
    pub action: String,
    /// Kind of object changed, e.g. `declaration`.
    pub object_type: String,
    pub object_id: uuid::Uuid,
    /// Small structured detail (old/new values, reasons). Never passwords or full ID numbers.
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(
        at: DateTime<Utc>,
        actor: Actor,
        action: impl Into<String>,
        object_type: impl Into<String>,
        object_id: uuid::Uuid,
    ) -> Self {
        AuditEvent {
            at,
            actor,
            action: action.into(),
            object_type: object_type.into(),
            object_id,
            detail: serde_json::Value::Null,
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Errors every repository can report besides its operation-specific ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The row changed since it was read (optimistic concurrency).
    #[error("the record was changed by someone else; reload and try again")]
    Conflict,
    /// A unique key already exists.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// The storage failed; the message is for logs only.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

/// The outcome of a read-check-write store call: either the domain refused the change (nothing
/// was written) or the store failed (nothing was written either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxError<E> {
    /// The domain closure refused the change.
    Rejected(E),
    /// The store could not complete the transaction.
    Store(StoreError),
}

impl<E> From<StoreError> for TxError<E> {
    fn from(e: StoreError) -> Self {
        TxError::Store(e)
    }
}

/// One problem with one input field, for forms and API clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Name of the input field, e.g. `id_number`.
    pub field: String,
    /// Stable code, e.g. `id_number.checksum`.
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// The error of a use case: the object is out of reach, the principal may not act, the domain
/// rule refused (`E`), or the store failed. Out-of-scope objects are reported as `NotFound`
/// so that nobody learns what exists outside their reach.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError<E> {
    #[error("not found")]
    NotFound,
    #[error("you may not do this")]
    Forbidden,
    #[error("{0}")]
    Rule(E),
    #[error("{0}")]
    Store(StoreError),
}

impl<E> From<TxError<E>> for ServiceError<E> {
    fn from(e: TxError<E>) -> Self {
        match e {
            TxError::Rejected(e) => ServiceError::Rule(e),
            TxError::Store(StoreError::NotFound) => ServiceError::NotFound,
            TxError::Store(e) => ServiceError::Store(e),
        }
    }
}

impl<E> From<StoreError> for ServiceError<E> {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            e => ServiceError::Store(e),
        }
    }
}

impl<E: Localized + std::fmt::Display> Localized for ServiceError<E> {
    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Forbidden => "forbidden",
            Self::Rule(e) => e.code(),
            Self::Store(StoreError::Conflict) => "conflict",
            Self::Store(StoreError::Duplicate(_)) => "duplicate",
            Self::Store(_) => "unavailable",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotFound => "记录不存在或无权查看".into(),
            Self::Forbidden => "无权进行此操作".into(),
            Self::Rule(e) => e.zh(),
            Self::Store(StoreError::Conflict) => "数据已被他人修改或已处理，请刷新后重试".into(),
            Self::Store(StoreError::Duplicate(_)) => "记录已存在".into(),
            Self::Store(_) => "服务暂时不可用，请稍后重试".into(),
        }
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::Rule(e) if e.invalid_input())
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::Rule(e) => e.fields(),
            _ => Vec::new(),
        }
    }
    fn en(&self) -> String {
        match self {
            Self::Rule(e) => e.en(),
            Self::Store(StoreError::Conflict) => {
                "the record was changed by someone else or already handled; reload and try again"
                    .into()
            }
            e => e.to_string(),
        }
    }
}

/// A `Localized` wrapper for rules that cannot fail (`Infallible`).
impl Localized for std::convert::Infallible {
    fn code(&self) -> &'static str {
        match *self {}
    }
    fn zh(&self) -> String {
        match *self {}
    }
    fn en(&self) -> String {
        match *self {}
    }
}
