//! Issue 3, name-correction evidence as a file: the file's name, kind, size and SHA-256 on
//! `name_corrections` (the bytes are in the blob store); null for earlier requests.

use sea_orm_migration::prelude::*;

use crate::entity::name_correction;

pub(super) struct CorrectionEvidence;

impl MigrationName for CorrectionEvidence {
    fn name(&self) -> &str {
        "m20260701_000009_name_correction_evidence_file"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CorrectionEvidence {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use name_correction::Column as N;
        // Fresh databases have the columns from the entity; older ones get them, nullable.
        let columns = [
            (
                "evidence_file_name",
                ColumnDef::new(N::EvidenceFileName)
                    .string()
                    .null()
                    .to_owned(),
            ),
            (
                "evidence_kind",
                ColumnDef::new(N::EvidenceKind).string().null().to_owned(),
            ),
            (
                "evidence_size",
                ColumnDef::new(N::EvidenceSize)
                    .big_integer()
                    .null()
                    .to_owned(),
            ),
            (
                "evidence_sha256",
                ColumnDef::new(N::EvidenceSha256).string().null().to_owned(),
            ),
        ];
        for (name, mut def) in columns {
            if !m.has_column("name_corrections", name).await? {
                m.alter_table(
                    Table::alter()
                        .table(name_correction::Entity)
                        .add_column(&mut def)
                        .to_owned(),
                )
                .await?;
            }
        }
        Ok(())
    }
}
