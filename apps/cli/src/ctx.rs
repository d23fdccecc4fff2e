//! What every command gets: global options and the composition of store and runtime adapters.

use zhicheng_store::Store;
use zhicheng_store::runtime::{BlockingArgon2, SystemClock, UuidV7};

use crate::error::CliError;

/// Global options and the runtime adapters the domain services need.
pub struct Ctx {
    pub database_url: String,
    /// Print JSON on stdout instead of text.
    pub json: bool,
    /// Recorded in audit events as `Actor::Operator`.
    pub operator: String,
    pub clock: SystemClock,
    pub ids: UuidV7,
    pub hasher: BlockingArgon2,
}

impl Ctx {
    pub fn new(database_url: String, json: bool, operator: String) -> Self {
        Ctx {
            database_url,
            json,
            operator,
            clock: SystemClock,
            ids: UuidV7,
            hasher: BlockingArgon2::default(),
        }
    }

    /// Connects without migrating (`db migrate` reports what it applies).
    ///
    /// # Errors
    /// Exit 2 for a URL of an unknown kind, exit 3 when the database cannot be opened.
    pub async fn connect(&self) -> Result<Store, CliError> {
        let url = self.database_url.trim();
        let known = ["sqlite:", "postgres://", "postgresql://"];
        if !known.iter().any(|p| url.starts_with(p)) {
            return Err(CliError::field(
                "database-url",
                "数据库地址应为 sqlite://文件路径?mode=rwc 或 postgres://用户@主机/库名",
                "use sqlite://path?mode=rwc or postgres://user@host/db",
            ));
        }
        Ok(Store::connect(url).await?)
    }

    /// Connects and brings the schema up to date (idempotent): every command that touches the
    /// database starts here.
    ///
    /// # Errors
    /// As [`Ctx::connect`], and exit 3 when a migration fails.
    pub async fn store(&self) -> Result<Store, CliError> {
        let store = self.connect().await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Prints a JSON value on stdout.
    pub fn print_json(&self, v: &serde_json::Value) {
        println!(
            "{}",
            serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
        );
    }
}
