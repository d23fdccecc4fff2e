//! The one mapping from driver errors to the domain's [`StoreError`].

use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};
use zhicheng_kernel::StoreError;

/// Unique indexes and the domain key each one reports. PostgreSQL names the index in its
/// message, SQLite names the columns: both spellings are listed.
const UNIQUE_KEYS: [(&str, &str); 12] = [
    ("ux_persons_id_number", "id_number"),
    ("persons.id_number", "id_number"),
    ("ux_accounts_username", "username"),
    ("accounts.username", "username"),
    ("ux_declarations_person_year", "person_year"),
    ("declarations.person_id", "person_year"),
    ("ux_path_links_live", "path_link"),
    ("path_links.org_id", "path_link"),
    ("ux_review_cases_declaration", "case_declaration"),
    ("review_cases.declaration_id", "case_declaration"),
    ("ux_name_corrections_pending", "name_correction_pending"),
    ("name_corrections.person_id", "name_correction_pending"),
];

/// Maps a sea-orm error: unique violations to `Duplicate(<domain key>)`, lock contention and
/// serialization failures to `Conflict`, everything else to `Unavailable`.
pub fn db_err(e: DbErr) -> StoreError {
    if let Some(SqlErr::UniqueConstraintViolation(msg)) = e.sql_err() {
        let key = UNIQUE_KEYS
            .iter()
            .find(|(needle, _)| msg.contains(needle))
            .map(|(_, key)| *key);
        let primary = msg.contains("_pkey") || msg.ends_with(".id");
        let key = key.unwrap_or(if primary { "id" } else { msg.as_str() });
        return StoreError::Duplicate(key.to_owned());
    }
    if is_contention(&e) {
        return StoreError::Conflict;
    }
    StoreError::Unavailable(e.to_string())
}

/// SQLite busy/locked (codes 5 and 6, including extended codes such as SQLITE_BUSY_SNAPSHOT)
/// and PostgreSQL serialization failures and deadlocks.
fn is_contention(e: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(se))
    | DbErr::Query(RuntimeErr::SqlxError(se))
    | DbErr::Conn(RuntimeErr::SqlxError(se))) = e
    else {
        return e.to_string().contains("database is locked");
    };
    match &**se {
        sqlx::Error::Database(dbe) => {
            let code = dbe.code().unwrap_or_default();
            if dbe
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                let n: i32 = code.parse().unwrap_or(0);
                matches!(n & 0xff, 5 | 6) || dbe.message().contains("database is locked")
            } else {
                matches!(&*code, "40001" | "40P01")
            }
        }
        _ => false,
    }
}
