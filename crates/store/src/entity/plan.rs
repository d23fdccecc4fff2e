//! `plans`: yearly review plans with their declaration windows.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    pub name: String,
    pub organiser_id: Uuid,
    pub series: String,
    /// JSON array of `TitleLevel::as_str()`.
    #[sea_orm(column_type = "Text")]
    pub levels: String,
    pub window_start: DateTimeUtc,
    pub window_end: DateTimeUtc,
    /// 单位审核上报截止时间 (issue 4, migration 9); NULL: none.
    pub report_deadline: Option<DateTimeUtc>,
    /// IANA name (migration 9; `Asia/Shanghai` for older rows).
    #[sea_orm(default_value = "Asia/Shanghai")]
    pub time_zone: String,
    /// 备注 of the notice (migration `plan_notes`); empty when none.
    #[sea_orm(column_type = "Text", default_value = "")]
    pub notes: String,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
