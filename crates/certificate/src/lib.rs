//! Electronic certificates (电子证书): the holder downloads a signed document instead of paper,
//! and anyone can check it.
//!
//! Owns certificate numbers (with an ISO 7064 MOD 37,36 check character), the canonical
//! payload, the Ed25519 signature over it, the unguessable verification code behind the public
//! verify page, and the verdict on a presented copy: genuine, tampered or unknown.
//!
//! It must not know where keys or certificates are kept or how they are shown: no database,
//! HTTP, runtime or files. Keys, codes and time are passed in.

pub mod number;
pub mod ports;
pub mod service;
pub mod signed;

pub use number::CertificateNumber;
pub use signed::{
    Certificate, CertificatePayload, CertificateStatus, IssuerKey, SignedDocument, Verdict,
};
