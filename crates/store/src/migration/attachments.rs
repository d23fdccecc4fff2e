//! Second migration: the `attachments` table (issue 4), indexed by declaration and by blob
//! address (for the sweeper of unreferenced blobs).

use sea_orm_migration::prelude::*;

use crate::entity::attachment;

pub(super) struct Attachments;

impl MigrationName for Attachments {
    fn name(&self) -> &str {
        "m20260401_000004_attachments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Attachments {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use attachment::Column as A;
        super::table(m, attachment::Entity).await?;
        super::index(
            m,
            "idx_attachments_declaration",
            attachment::Entity,
            [A::DeclarationId, A::UploadedAt],
            false,
        )
        .await?;
        super::index(
            m,
            "idx_attachments_sha256",
            attachment::Entity,
            [A::Sha256],
            false,
        )
        .await
    }
}
