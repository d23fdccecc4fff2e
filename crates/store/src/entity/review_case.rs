//! `review_cases`: a submitted declaration on its way through review.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub declaration_id: Uuid,
    pub person_id: Uuid,
    pub unit_id: Uuid,
    pub plan_id: Uuid,
    pub year: i32,
    pub series: String,
    pub level: String,
    pub status: String,
    pub holder_id: Uuid,
    pub held_since: DateTimeUtc,
    /// JSON array of organisation ids.
    #[sea_orm(column_type = "Text")]
    pub route: String,
    pub hop: i64,
    /// JSON of `CommitteeVote`.
    #[sea_orm(column_type = "Text", nullable)]
    pub vote: Option<String>,
    /// JSON of the latest `Decision` (return, rejection, supplement notice, refusal).
    #[sea_orm(column_type = "Text", nullable)]
    pub decision: Option<String>,
    pub opened_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
