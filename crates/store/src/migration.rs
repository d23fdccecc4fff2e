//! The schema as one sea-orm-migration `Migrator`: tables from the entities, then every index
//! and unique key by name (the names let unique violations be mapped to domain keys).

use sea_orm::{EntityTrait, Schema};
use sea_orm_migration::prelude::*;

mod attachments;
mod case_queue;
mod catalog;
mod commitment_letters;
mod correction_evidence;
mod declaration_sections;
mod identity_orgs;
mod password_change;
mod plan_notes;
mod plan_schedule;

use crate::entity::{
    account, audit_event, captcha, case_hop, certificate, commitment_acceptance, declaration,
    idempotency_key, login_throttle, organisation, path_link, person, plan, rate_counter,
    recovery_code, review_case, session, setting, sms_outbox,
};

/// Runs every migration of the store.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Initial),
            Box::new(CaseHistory),
            Box::new(IdentityHardening),
            Box::new(attachments::Attachments),
            Box::new(SmsRecovery),
            Box::new(declaration_sections::DeclarationSections),
            Box::new(identity_orgs::IdentityOrgs),
            Box::new(case_queue::CaseQueue),
            Box::new(catalog::CatalogVersions),
            Box::new(commitment_letters::CommitmentLetters),
            Box::new(plan_schedule::PlanSchedule),
            Box::new(password_change::PasswordChange),
            Box::new(correction_evidence::CorrectionEvidence),
            Box::new(plan_notes::PlanNotes),
        ]
    }
}

/// The initial schema.
struct Initial;

impl MigrationName for Initial {
    fn name(&self) -> &str {
        "m20260101_000001_initial"
    }
}

async fn table<E: EntityTrait>(m: &SchemaManager<'_>, e: E) -> Result<(), DbErr> {
    let schema = Schema::new(m.get_database_backend());
    m.create_table(
        schema
            .create_table_from_entity(e)
            .if_not_exists()
            .to_owned(),
    )
    .await
}

async fn index<E, C, I>(
    m: &SchemaManager<'_>,
    name: &str,
    e: E,
    cols: I,
    unique: bool,
) -> Result<(), DbErr>
where
    E: IntoIden,
    C: IntoIndexColumn,
    I: IntoIterator<Item = C>,
{
    let mut stmt = Index::create();
    stmt.name(name).table(e).if_not_exists();
    for c in cols {
        stmt.col(c);
    }
    if unique {
        stmt.unique();
    }
    m.create_index(stmt.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Initial {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        table(m, person::Entity).await?;
        table(m, organisation::Entity).await?;
        table(m, account::Entity).await?;
        table(m, session::Entity).await?;
        table(m, plan::Entity).await?;
        table(m, commitment_acceptance::Entity).await?;
        table(m, declaration::Entity).await?;
        table(m, path_link::Entity).await?;
        table(m, review_case::Entity).await?;
        table(m, certificate::Entity).await?;
        table(m, setting::Entity).await?;
        table(m, audit_event::Entity).await?;

        use account::Column as A;
        use certificate::Column as C;
        use declaration::Column as D;
        use organisation::Column as O;
        use path_link::Column as L;
        use review_case::Column as R;
        index(
            m,
            "ux_persons_id_number",
            person::Entity,
            [person::Column::IdNumber],
            true,
        )
        .await?;
        index(
            m,
            "idx_organisations_uscc",
            organisation::Entity,
            [O::Uscc],
            false,
        )
        .await?;
        index(
            m,
            "idx_organisations_name_key",
            organisation::Entity,
            [O::NameKey],
            false,
        )
        .await?;
        index(
            m,
            "idx_organisations_kind_name",
            organisation::Entity,
            [O::Kind, O::Name],
            false,
        )
        .await?;
        index(
            m,
            "ux_accounts_username",
            account::Entity,
            [A::Username],
            true,
        )
        .await?;
        index(
            m,
            "idx_accounts_person",
            account::Entity,
            [A::PersonId],
            false,
        )
        .await?;
        index(m, "idx_accounts_org", account::Entity, [A::OrgId], false).await?;
        index(
            m,
            "idx_sessions_account",
            session::Entity,
            [session::Column::AccountId],
            false,
        )
        .await?;
        index(
            m,
            "idx_plans_year",
            plan::Entity,
            [plan::Column::Year],
            false,
        )
        .await?;
        index(
            m,
            "ux_declarations_person_year",
            declaration::Entity,
            [D::PersonId, D::Year],
            true,
        )
        .await?;
        index(
            m,
            "idx_path_links_org",
            path_link::Entity,
            [L::OrgId, L::RequestedAt],
            false,
        )
        .await?;
        index(
            m,
            "idx_path_links_parent",
            path_link::Entity,
            [L::ParentId, L::RequestedAt],
            false,
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_path_links_live ON path_links \
                 (org_id, series, level) WHERE status IN ('pending','approved')",
            )
            .await?;
        index(
            m,
            "ux_review_cases_declaration",
            review_case::Entity,
            [R::DeclarationId],
            true,
        )
        .await?;
        index(
            m,
            "idx_review_cases_holder",
            review_case::Entity,
            [R::HolderId, R::Status, R::Series, R::Level],
            false,
        )
        .await?;
        index(
            m,
            "idx_review_cases_person",
            review_case::Entity,
            [R::PersonId],
            false,
        )
        .await?;
        index(
            m,
            "ux_certificates_number",
            certificate::Entity,
            [C::Number],
            true,
        )
        .await?;
        index(
            m,
            "ux_certificates_code",
            certificate::Entity,
            [C::VerificationCode],
            true,
        )
        .await?;
        index(
            m,
            "ux_certificates_case",
            certificate::Entity,
            [C::CaseId],
            true,
        )
        .await?;
        index(
            m,
            "idx_certificates_person",
            certificate::Entity,
            [C::PersonId],
            false,
        )
        .await?;
        index(
            m,
            "ux_certificates_scope_seq",
            certificate::Entity,
            [C::Scope, C::Seq],
            true,
        )
        .await?;
        index(
            m,
            "idx_audit_events_object",
            audit_event::Entity,
            [audit_event::Column::ObjectId],
            false,
        )
        .await?;
        Ok(())
    }
}

/// Issue 5: the case history, the latest decision on a case, batch idempotency keys.
struct CaseHistory;

impl MigrationName for CaseHistory {
    fn name(&self) -> &str {
        "m20260201_000002_case_history"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CaseHistory {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        table(m, case_hop::Entity).await?;
        table(m, idempotency_key::Entity).await?;
        if !m.has_column("review_cases", "decision").await? {
            m.alter_table(
                Table::alter()
                    .table(review_case::Entity)
                    .add_column(ColumnDef::new(review_case::Column::Decision).text().null())
                    .to_owned(),
            )
            .await?;
        }
        index(
            m,
            "idx_review_cases_unit",
            review_case::Entity,
            [review_case::Column::UnitId, review_case::Column::Status],
            false,
        )
        .await
    }
}

/// Captchas and the per-client login throttle (issue 3: identity hardening).
struct IdentityHardening;

impl MigrationName for IdentityHardening {
    fn name(&self) -> &str {
        "m20260301_000002_identity_hardening"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for IdentityHardening {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Databases created before this migration lack `sessions.last_seen_at` (nullable, so
        // it can be added on SQLite too); fresh ones already have it from the entity.
        if !m.has_column("sessions", "last_seen_at").await? {
            m.alter_table(
                Table::alter()
                    .table(session::Entity)
                    .add_column(
                        ColumnDef::new(session::Column::LastSeenAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        }
        table(m, captcha::Entity).await?;
        table(m, login_throttle::Entity).await?;
        index(
            m,
            "idx_login_throttle_window",
            login_throttle::Entity,
            [login_throttle::Column::WindowStart],
            false,
        )
        .await?;
        index(
            m,
            "idx_captchas_expires",
            captcha::Entity,
            [captcha::Column::ExpiresAt],
            false,
        )
        .await?;
        Ok(())
    }
}

/// SMS recovery: challenges, the outbox of the default SMS adapter, send counters.
struct SmsRecovery;

impl MigrationName for SmsRecovery {
    fn name(&self) -> &str {
        "m20260401_000005_sms_recovery"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SmsRecovery {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        table(m, recovery_code::Entity).await?;
        table(m, sms_outbox::Entity).await?;
        table(m, rate_counter::Entity).await?;
        index(
            m,
            "idx_sms_outbox_created",
            sms_outbox::Entity,
            [sms_outbox::Column::CreatedAt],
            false,
        )
        .await
    }
}
