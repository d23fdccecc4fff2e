//! Identity: who people and organisations are, and how they prove it.
//!
//! Owns the parsed identifiers (GB 11643 resident ID numbers, GB 32100 unified social credit
//! codes, mobile numbers), persons, organisations and their title-review permission, accounts
//! with argon2id password hashes and the lockout rule, and sessions (stored only as hashes).
//! Services here decide who may do what with these records; the ports say what they need from
//! storage.
//!
//! It must not know how anything is stored or transported: no database, HTTP, async runtime or
//! file access. Time, ids, salts and session tokens are passed in.

pub mod account;
pub mod captcha;
pub mod correction;
pub mod id_card;
pub mod mobile;
pub mod org;
pub mod password;
pub mod person;
pub mod ports;
pub mod recovery;
pub mod service;
pub mod staff;
pub mod throttle;
pub mod uscc;

pub use account::{
    Account, LockoutPolicy, LoginName, PasswordChangeRequired, Session, SessionPolicy,
    SessionToken, Username,
};
pub use captcha::{Captcha, CaptchaChallenge, CaptchaError};
pub use id_card::{Gender, IdCardNumber, IdCardNumberError};
pub use mobile::{MobileNumber, MobileNumberError};
pub use org::{OrgKind, OrgName, Organisation, PermissionStatus};
pub use password::{Password, PasswordError, PasswordHash};
pub use person::{Person, PersonName, PersonNameError};
pub use throttle::ThrottlePolicy;
pub use uscc::{Uscc, UsccError};
