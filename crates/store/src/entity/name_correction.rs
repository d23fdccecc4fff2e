//! `name_corrections`: a person's requests to correct their legal name, decided by an HR bureau.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "name_corrections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub unit_id: Uuid,
    pub old_name: String,
    pub new_name: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    /// The evidence file (its bytes live in the blob store under `evidence_sha256`); all four
    /// are null for requests made before files were taken.
    pub evidence_file_name: Option<String>,
    /// pdf, jpeg or png.
    pub evidence_kind: Option<String>,
    pub evidence_size: Option<i64>,
    pub evidence_sha256: Option<String>,
    /// pending, approved or rejected.
    pub status: String,
    pub decided_by: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::UnitId",
        to = "super::organisation::Column::Id"
    )]
    Unit,
}

impl ActiveModelBehavior for ActiveModel {}
