//! `case_hops`: the append-only history of a review case, one row per transition, written in
//! the transaction that writes the case (never updated or deleted).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_hops")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: Uuid,
    /// The case version the hop produced.
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub ordinal: i32,
    pub at: DateTimeUtc,
    pub action: String,
    pub from_org: Option<Uuid>,
    pub to_org: Uuid,
    pub from_status: Option<String>,
    pub to_status: String,
    /// `Actor::label()`.
    pub actor: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub opinion: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
