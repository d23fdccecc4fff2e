//! Issue 4, versioned catalog: `catalog_versions` holds each imported version of the title
//! catalog (version 1 is built into the domain and never stored).

use sea_orm_migration::prelude::*;

use crate::entity::catalog_version;

pub(super) struct CatalogVersions;

impl MigrationName for CatalogVersions {
    fn name(&self) -> &str {
        "m20260601_000007_catalog_versions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CatalogVersions {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        super::table(m, catalog_version::Entity).await
    }
}
