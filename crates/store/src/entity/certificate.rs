//! `certificates`: issued electronic certificates.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub case_id: Uuid,
    pub declaration_id: Uuid,
    pub person_id: Uuid,
    pub issuer_id: Uuid,
    /// The plan year.
    pub year: i32,
    /// Where the sequence number counts: the number's province-and-year prefix (`37-2026`).
    pub scope: String,
    /// The 1-based sequence number within `scope`.
    pub seq: i64,
    /// JSON of the `SignedDocument`.
    #[sea_orm(column_type = "Text")]
    pub document: String,
    pub verification_code: String,
    pub status: String,
    pub issued_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
