//! One module per command group.

pub mod check;
pub mod db;
pub mod demo;
pub mod org;
pub mod path;
pub mod plan;
pub mod summary;
