//! `organisations`: units, departments, HR bureaus and committee organisers.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    /// `OrgName::normalised()`, for duplicate detection.
    pub name_key: String,
    pub uscc: Option<String>,
    pub region: String,
    pub permission: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub permission_note: Option<String>,
    pub created_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
