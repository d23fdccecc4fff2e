//! `declaration_versions`: the materials as submitted, one numbered version per submission,
//! written in the submission's transaction.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "declaration_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub declaration_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub number: i32,
    /// JSON of `Materials` as submitted.
    #[sea_orm(column_type = "Text")]
    pub sections: String,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
