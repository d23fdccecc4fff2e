//! Issue 4, plan notes: the optional 备注 of a notice (empty for older plans).

use sea_orm_migration::prelude::*;

use crate::entity::plan;

pub(super) struct PlanNotes;

impl MigrationName for PlanNotes {
    fn name(&self) -> &str {
        "m20260801_000010_plan_notes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for PlanNotes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if !m.has_column("plans", "notes").await? {
            m.alter_table(
                Table::alter()
                    .table(plan::Entity)
                    .add_column(
                        ColumnDef::new(plan::Column::Notes)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
