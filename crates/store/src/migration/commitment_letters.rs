//! Issue 4, versioned commitment letter: `commitment_letters` holds each text an operator
//! published (the built-in letter, version 2022.1, is in the domain and never stored).

use sea_orm_migration::prelude::*;

use crate::entity::commitment_letter;

pub(super) struct CommitmentLetters;

impl MigrationName for CommitmentLetters {
    fn name(&self) -> &str {
        "m20260601_000008_commitment_letters"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CommitmentLetters {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        super::table(m, commitment_letter::Entity).await
    }
}
