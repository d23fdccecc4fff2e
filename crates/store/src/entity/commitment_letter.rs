//! `commitment_letters`: every published text of the commitment letter, numbered from 2
//! (the built-in letter is 1 and never stored). The newest is in force.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commitment_letters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i32,
    /// What acceptances record, e.g. `2026.2`.
    #[sea_orm(unique)]
    pub version: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
