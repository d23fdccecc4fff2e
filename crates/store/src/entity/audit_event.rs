//! `audit_events`: append-only log of every audited change (never updated or deleted).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// `Actor::label()`: `account:<uuid>`, `operator:<name>` or `system`.
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Uuid,
    /// JSON of the detail value.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
