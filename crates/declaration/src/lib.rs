//! Declarations: what an applicant asks for and when they may ask.
//!
//! Owns the title catalog (versioned: series, the title name at each level, specialties),
//! review plans with their
//! declaration windows (申报通知), the commitment letter (承诺书) and its acceptance, and the
//! `Declaration` aggregate from draft to submitted-to-unit. What happens after submission
//! belongs to `zhicheng-review-workflow`.
//!
//! It must not know how anything is stored or shown: no database, HTTP, async runtime or files.
//! Time and ids are passed in.

pub mod attachment;
pub mod catalog;
pub mod commitment;
pub mod declaration;
pub mod materials;
pub mod plan;
pub mod ports;
pub mod service;

pub use attachment::{
    Attachment, AttachmentId, AttachmentPolicy, CaseTrail, ContentAddress, ContentKind, FileName,
    Section,
};
pub use catalog::{Catalog, CatalogImportError, ImportLine, ImportSummary, Series, Specialty};
pub use commitment::{CommitmentAcceptance, CommitmentLetter};
pub use declaration::{Declaration, DeclarationKind, DeclarationStatus, DeclarationVersion};
pub use materials::{FieldChange, Materials, MaterialsSection, RawMaterials, RawSection};
pub use plan::{PlanStatus, ReviewPlan};
