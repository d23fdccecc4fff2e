//! Issue 3, forced password change: `accounts.must_change_password`, set when a bureau resets
//! an administrator's password or an administrator creates an operator with an initial
//! password, cleared when the owner sets their own.

use sea_orm_migration::prelude::*;

use crate::entity::account;

pub(super) struct PasswordChange;

impl MigrationName for PasswordChange {
    fn name(&self) -> &str {
        "m20260701_000008_password_change_required"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for PasswordChange {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Fresh databases have the column from the entity; older ones get it with a default
        // so existing accounts stay as they were.
        if !m.has_column("accounts", "must_change_password").await? {
            m.alter_table(
                Table::alter()
                    .table(account::Entity)
                    .add_column(
                        ColumnDef::new(account::Column::MustChangePassword)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
