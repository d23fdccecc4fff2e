//! Issue 5, queues: indexes for keyset paging of a holder's queue in `(held_since, id)` order,
//! with and without the status tab, and for a plan's cases of one series and level (the
//! summary table).

use sea_orm_migration::prelude::*;

use crate::entity::review_case;

pub(super) struct CaseQueue;

impl MigrationName for CaseQueue {
    fn name(&self) -> &str {
        "m20260501_000008_case_queue"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CaseQueue {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use review_case::Column as R;
        super::index(
            m,
            "idx_review_cases_queue",
            review_case::Entity,
            [R::HolderId, R::HeldSince, R::Id],
            false,
        )
        .await?;
        super::index(
            m,
            "idx_review_cases_queue_status",
            review_case::Entity,
            [R::HolderId, R::Status, R::HeldSince, R::Id],
            false,
        )
        .await?;
        super::index(
            m,
            "idx_review_cases_plan",
            review_case::Entity,
            [R::PlanId, R::Series, R::Level],
            false,
        )
        .await
    }
}
