//! `catalog_versions`: every imported version of the title catalog, complete (series, level
//! titles, specialties), numbered from 2 (version 1 is built in). The newest is current.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalog_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub number: i32,
    /// The imported file's name.
    pub source: String,
    pub published_at: DateTimeUtc,
    /// JSON of the domain `Catalog`.
    #[sea_orm(column_type = "Text")]
    pub content: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
