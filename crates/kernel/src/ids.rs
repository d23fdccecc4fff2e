//! Typed identifiers. Each wraps a UUID (v7 in production, chosen by the `IdGen` port).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! define_id {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self { $name(u) }
        }
    )*};
}

define_id!(
    /// A login account (person or staff).
    AccountId,
    /// A natural person (applicant).
    PersonId,
    /// An organisation: employer unit, competent department, HR bureau or committee organiser.
    OrgId,
    /// A yearly review plan (申报通知).
    PlanId,
    /// A declaration (申报).
    DeclarationId,
    /// A link of an approval path.
    PathLinkId,
    /// A review case following a submitted declaration upward.
    CaseId,
    /// An issued certificate.
    CertificateId,
);
