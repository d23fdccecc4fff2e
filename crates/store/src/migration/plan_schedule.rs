//! Issue 4, plan deadlines: each plan's unit review/report deadline (nullable: older plans
//! have none) and its time zone (older plans: Asia/Shanghai, the zone their windows were
//! entered in).

use sea_orm_migration::prelude::*;

use crate::entity::plan;

pub(super) struct PlanSchedule;

impl MigrationName for PlanSchedule {
    fn name(&self) -> &str {
        "m20260601_000009_plan_schedule"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for PlanSchedule {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if !m.has_column("plans", "report_deadline").await? {
            m.alter_table(
                Table::alter()
                    .table(plan::Entity)
                    .add_column(
                        ColumnDef::new(plan::Column::ReportDeadline)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        }
        if !m.has_column("plans", "time_zone").await? {
            m.alter_table(
                Table::alter()
                    .table(plan::Entity)
                    .add_column(
                        ColumnDef::new(plan::Column::TimeZone)
                            .string()
                            .not_null()
                            .default("Asia/Shanghai"),
                    )
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
