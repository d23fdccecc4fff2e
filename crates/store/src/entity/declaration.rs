//! `declarations`: one applicant's declaration per plan year.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "declarations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub unit_id: Uuid,
    pub plan_id: Uuid,
    pub year: i32,
    pub series: String,
    pub level: String,
    pub specialty: String,
    /// `DeclarationKind::as_str` (added by migration 6).
    #[sea_orm(default_value = "normal")]
    pub kind: String,
    /// JSON of `Materials`.
    #[sea_orm(column_type = "Text")]
    pub materials: String,
    pub status: String,
    pub commitment_version: String,
    pub created_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    /// Number of frozen versions (added by migration 6).
    #[sea_orm(default_value = 0)]
    pub submissions: i32,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
