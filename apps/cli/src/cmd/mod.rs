//! One module per command group.

pub mod account;
pub mod catalog;
pub mod check;
pub mod commitment;
pub mod db;
pub mod declaration;
pub mod demo;
pub mod org;
pub mod path;
pub mod person;
pub mod plan;
pub mod sms;
pub mod summary;
