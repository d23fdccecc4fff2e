//! Storage adapter: implements every domain port (identity, declaration, approval-path,
//! review-workflow, certificate) on sea-orm 2 over SQLite (default) or PostgreSQL, and the same
//! ports on an in-memory fake for tests. Also the runtime adapters the domain asks for: the
//! system clock, UUID v7 ids and argon2id hashing on the blocking pool.
//!
//! It holds no business rule: every decision is made by the domain closure it is handed; the
//! store only loads, applies, writes with a version guard, appends the audit row and commits.

pub mod blob;
mod convert;
pub mod entity;
mod error;
pub mod memory;
pub mod migration;
pub mod runtime;
mod sql;

pub use blob::{LocalBlobStore, MemoryBlobStore};
pub use error::db_err;
pub use memory::MemoryStore;
pub use sql::Store;
pub use sql::identity::OutboxEntry;

/// Key of the issuer signing seed (hex) in the `settings` table.
pub const SIGNING_SEED_KEY: &str = "certificate.signing_seed";
