//! Test support for the zhicheng end-to-end suite: throwaway PostgreSQL
//! databases ([`pg::fresh_database`]), a headless Chromium driven through
//! chromedriver and fantoccini ([`browser::start_browser`]), and free local
//! ports ([`port::free_local_port`]), a real server on port 0 over a fresh
//! SQLite file or PostgreSQL database ([`server::TestServer`]), and a cookie-keeping portal
//! visitor for HTTP-level portal tests ([`portal::Visitor`]), and a shared review scenario
//! (bureau, unit with an approved path, open plan, submitted applicants) built through the
//! API ([`scenario::Scenario`]). Every helper degrades to "skip" (prints
//! `SKIP: ...` to stderr and returns `None`) when its external service is not
//! available, unless `ZHICHENG_REQUIRE_PG=1` / `ZHICHENG_REQUIRE_BROWSER=1`
//! demands it, in which case it panics with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod clock;
pub mod fixtures;
pub mod multipart;
pub mod pg;
pub mod port;
pub mod portal;
pub mod scenario;
pub mod server;

pub use fantoccini;
pub use sqlx;

/// True when the environment variable `name` is set to `1` (or `true`/`yes`).
pub(crate) fn env_flag(name: &str) -> bool {
    std::env::var(name)
        .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
        .unwrap_or(false)
}
