//! `attachments`: files added to a declaration. The bytes live in the blob store under
//! `sha256`; this row is their label (sanitised name, kind, size, section, uploader).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub declaration_id: Uuid,
    pub section: String,
    pub file_name: String,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: DateTimeUtc,
    pub uploaded_by: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
