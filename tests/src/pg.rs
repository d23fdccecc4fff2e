//! Throwaway PostgreSQL databases, one per test.
//!
//! [`fresh_database`] creates `zc_test_<uuid>` through the admin URL
//! (`ZHICHENG_TEST_PG_ADMIN_URL`, default [`DEFAULT_ADMIN_URL`]). The returned
//! [`PgDatabase`] drops the database with `DROP DATABASE ... WITH (FORCE)`
//! either explicitly via [`PgDatabase::cleanup`] or, as a fallback, when it is
//! dropped (on a private thread with its own runtime, so it works from any
//! async or sync context).

use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// Environment variable holding the admin connection URL.
pub const ADMIN_URL_ENV: &str = "ZHICHENG_TEST_PG_ADMIN_URL";
/// Environment variable that turns "skip" into "panic" when PostgreSQL is unusable.
pub const REQUIRE_ENV: &str = "ZHICHENG_REQUIRE_PG";
/// Admin URL used when [`ADMIN_URL_ENV`] is unset.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The admin connection URL (from [`ADMIN_URL_ENV`] or [`DEFAULT_ADMIN_URL`]).
pub fn admin_url() -> String {
    std::env::var(ADMIN_URL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ADMIN_URL.to_owned())
}

/// Whether `ZHICHENG_REQUIRE_PG=1` is set.
pub fn required() -> bool {
    crate::env_flag(REQUIRE_ENV)
}

/// A uniquely named database that is dropped when this value is dropped.
#[derive(Debug)]
pub struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
    dropped: bool,
}

impl PgDatabase {
    /// Connection URL of the fresh database, e.g.
    /// `postgres://postgres@127.0.0.1:5432/zc_test_<uuid>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Name of the database (`zc_test_<uuid>`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Admin URL the database was created through.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }

    /// Drops the database now (terminating open connections) and reports errors.
    pub async fn cleanup(mut self) -> Result<(), sqlx::Error> {
        self.dropped = true;
        drop_database(&self.admin_url, &self.name).await
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        self.dropped = true;
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // A separate thread with its own runtime: works inside current-thread
        // runtimes (where blocking on the outer runtime would deadlock) and
        // outside any runtime.
        let worker = std::thread::Builder::new()
            .name(format!("drop-{name}"))
            .spawn(move || -> Result<(), String> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                rt.block_on(drop_database(&admin_url, &name))
                    .map_err(|e| e.to_string())
            });
        let outcome = match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err("drop thread panicked".to_owned())),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = outcome {
            eprintln!("WARN: could not drop test database {}: {e}", self.name);
        }
    }
}

/// Creates a fresh, uniquely named database.
///
/// Returns `None` (after printing `SKIP: ...` to stderr) when PostgreSQL is
/// not usable, or panics instead when `ZHICHENG_REQUIRE_PG=1`.
pub async fn fresh_database() -> Option<PgDatabase> {
    let admin_url = admin_url();
    match create(&admin_url).await {
        Ok(db) => Some(db),
        Err(reason) => {
            let shown = redact(&admin_url);
            if required() {
                panic!(
                    "PostgreSQL not reachable at {shown}: {reason} \
                     ({REQUIRE_ENV}=1 is set, so this is a failure; \
                     set {ADMIN_URL_ENV} to point at a server)"
                );
            }
            eprintln!("SKIP: PostgreSQL not reachable at {shown}: {reason}");
            None
        }
    }
}

/// Opens a connection to the admin database.
pub async fn connect_admin() -> Result<PgConnection, sqlx::Error> {
    connect(&admin_url()).await
}

/// Whether a database called `name` exists (queried via the admin URL).
pub async fn database_exists(name: &str) -> Result<bool, sqlx::Error> {
    let mut conn = connect_admin().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    conn.close().await?;
    Ok(exists)
}

async fn connect(url: &str) -> Result<PgConnection, sqlx::Error> {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(url)).await {
        Ok(result) => result,
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("connecting took longer than {CONNECT_TIMEOUT:?}"),
        ))),
    }
}

async fn create(admin_url: &str) -> Result<PgDatabase, String> {
    let mut url = url::Url::parse(admin_url).map_err(|e| format!("invalid admin URL: {e}"))?;
    let mut conn = connect(admin_url).await.map_err(|e| e.to_string())?;
    let name = format!("zc_test_{}", uuid::Uuid::now_v7().simple());
    // The name is generated here (lowercase hex), so it is safe to splice in.
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("CREATE DATABASE {name} failed: {e}"))?;
    // Closing is best effort; the database exists either way.
    let _ = conn.close().await;
    url.set_path(&format!("/{name}"));
    Ok(PgDatabase {
        admin_url: admin_url.to_owned(),
        url: url.to_string(),
        name,
        dropped: false,
    })
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = connect(admin_url).await?;
    let quoted = name.replace('"', "\"\"");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{quoted}\" WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await
}

/// The URL with any password replaced, for messages.
fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}
