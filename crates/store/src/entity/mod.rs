//! sea-orm entities, one module per table. Enums are stored as their `as_str()` strings, ids as
//! UUIDs, instants as `DateTimeUtc`, and nested values (materials, levels, routes, votes,
//! certificate documents) as JSON text.

pub mod account;
pub mod attachment;
pub mod audit_event;
pub mod captcha;
pub mod case_hop;
pub mod catalog_version;
pub mod certificate;
pub mod commitment_acceptance;
pub mod commitment_letter;
pub mod declaration;
pub mod declaration_version;
pub mod idempotency_key;
pub mod login_throttle;
pub mod name_correction;
pub mod organisation;
pub mod path_link;
pub mod person;
pub mod plan;
pub mod rate_counter;
pub mod recovery_code;
pub mod review_case;
pub mod session;
pub mod setting;
pub mod sms_outbox;
