//! Approval paths (路径申请 / 上报路径): which organisation a unit or competent department reports
//! to for one (series, level), requested by the lower organisation and approved by the upper
//! one, and the resolution of a full route from an employer unit to the receiver (the HR bureau
//! or committee organiser that accepts declarations).
//!
//! It must not know how links are stored or requested: no database, HTTP or runtime. It knows
//! organisations only through `zhicheng-identity`'s types.

pub mod health;
pub mod link;
pub mod ports;
pub mod route;
pub mod service;

pub use link::{LinkStatus, PathLink};
pub use route::{GapNames, LinkGap, Route, RouteError};
