//! `accounts`: login accounts of persons and of organisation staff.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub username: String,
    #[sea_orm(column_type = "Text")]
    pub password_hash: String,
    pub role: String,
    pub person_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTimeUtc>,
    /// Name of the staff member (named operators, a unit's contact person).
    pub display_name: Option<String>,
    /// Contact mobile of a staff account.
    pub mobile: Option<String>,
    /// A named operator created by the organisation's administrator.
    pub operator: bool,
    pub disabled: bool,
    /// The password was set by someone else and must be changed at the next sign-in.
    pub must_change_password: bool,
    pub created_at: DateTimeUtc,
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
        from = "Column::OrgId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
