//! Issue 3, organisations: named staff accounts (name, contact mobile, operator and disabled
//! flags on `accounts`) and the `name_corrections` table with at most one pending request per
//! person.

use sea_orm_migration::prelude::*;

use crate::entity::{account, name_correction};

pub(super) struct IdentityOrgs;

impl MigrationName for IdentityOrgs {
    fn name(&self) -> &str {
        "m20260501_000007_identity_orgs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for IdentityOrgs {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use account::Column as A;
        // Databases created before this migration lack the new account columns; fresh ones
        // have them from the entity. Flags get a default so existing rows stay valid.
        let columns = [
            (
                "display_name",
                ColumnDef::new(A::DisplayName).string().null().to_owned(),
            ),
            (
                "mobile",
                ColumnDef::new(A::Mobile).string().null().to_owned(),
            ),
            (
                "operator",
                ColumnDef::new(A::Operator)
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            ),
            (
                "disabled",
                ColumnDef::new(A::Disabled)
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            ),
        ];
        for (name, mut def) in columns {
            if !m.has_column("accounts", name).await? {
                m.alter_table(
                    Table::alter()
                        .table(account::Entity)
                        .add_column(&mut def)
                        .to_owned(),
                )
                .await?;
            }
        }
        use name_correction::Column as N;
        super::table(m, name_correction::Entity).await?;
        super::index(
            m,
            "idx_name_corrections_person",
            name_correction::Entity,
            [N::PersonId, N::CreatedAt],
            false,
        )
        .await?;
        super::index(
            m,
            "idx_name_corrections_status",
            name_correction::Entity,
            [N::Status, N::CreatedAt],
            false,
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_name_corrections_pending ON \
                 name_corrections (person_id) WHERE status = 'pending'",
            )
            .await?;
        Ok(())
    }
}
