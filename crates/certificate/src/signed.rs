//! The signed certificate document and its verification.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhicheng_kernel::{CaseId, CertificateId, DeclarationId, OrgId, PersonId};

use crate::CertificateNumber;

/// What the certificate states. Serialised with its fields in this order and no whitespace,
/// these bytes are what the issuer signs (the canonical payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificatePayload {
    /// Format tag, so later formats can be told apart.
    pub format: String,
    pub number: String,
    pub holder_name: String,
    /// Masked ID number, e.g. `3710**********1231`.
    pub holder_id_masked: String,
    /// SHA-256 of the full ID number and the certificate number, so a holder can prove the
    /// certificate is theirs without it showing the ID number.
    pub holder_id_digest: String,
    pub series_code: String,
    pub series_name: String,
    pub level: String,
    pub level_name: String,
    pub title_name: String,
    pub specialty: String,
    pub year: i32,
    pub issuer_name: String,
    pub passed_on: NaiveDate,
    pub issued_at: DateTime<Utc>,
    /// Path of the public verify page for this certificate.
    pub verify_path: String,
}

impl CertificatePayload {
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// SHA-256 of the canonical payload, hex.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_bytes()))
    }
}

/// Digest tying a certificate to an ID number without revealing it.
pub fn holder_id_digest(id_number: &str, number: &CertificateNumber) -> String {
    hex::encode(Sha256::digest(
        format!("{id_number}|{}", number.as_str()).as_bytes(),
    ))
}

/// The file a holder downloads: the payload and the issuer's signature over its canonical bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedDocument {
    pub payload: CertificatePayload,
    /// Ed25519 signature, base64.
    pub signature: String,
    /// Public key that made it, hex (informational; verification uses the issuer's known key).
    pub public_key: String,
}

/// The issuer's Ed25519 key.
pub struct IssuerKey(SigningKey);

impl IssuerKey {
    pub fn from_seed(seed: [u8; 32]) -> IssuerKey {
        IssuerKey(SigningKey::from_bytes(&seed))
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    pub fn sign(&self, payload: CertificatePayload) -> SignedDocument {
        let sig = self.0.sign(&payload.canonical_bytes());
        SignedDocument {
            payload,
            signature: STANDARD.encode(sig.to_bytes()),
            public_key: self.public_hex(),
        }
    }

    /// Whether `doc`'s signature was made by this key over exactly its payload.
    pub fn signature_holds(&self, doc: &SignedDocument) -> bool {
        signature_holds(&self.0.verifying_key(), doc)
    }
}

fn signature_holds(key: &VerifyingKey, doc: &SignedDocument) -> bool {
    let Ok(bytes) = STANDARD.decode(doc.signature.trim()) else {
        return false;
    };
    let Ok(arr) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        return false;
    };
    key.verify(&doc.payload.canonical_bytes(), &Signature::from_bytes(&arr))
        .is_ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    Revoked,
}

impl CertificateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "valid" => Some(CertificateStatus::Valid),
            "revoked" => Some(CertificateStatus::Revoked),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "有效",
            CertificateStatus::Revoked => "已撤销",
        }
    }
}

/// An issued certificate as the issuer keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    pub id: CertificateId,
    pub number: CertificateNumber,
    pub case_id: CaseId,
    pub declaration_id: DeclarationId,
    pub person_id: PersonId,
    pub issuer_id: OrgId,
    pub document: SignedDocument,
    /// Secret code in the QR link; the number alone never opens the details.
    pub verification_code: String,
    pub status: CertificateStatus,
    pub issued_at: DateTime<Utc>,
    pub version: i64,
}

/// The verdict on a presented certificate file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Signed by the issuer, identical to the issued record.
    Genuine { status: CertificateStatus },
    /// The number exists but the file was changed or the signature does not hold.
    Tampered,
    /// No certificate with this number was issued.
    Unknown,
}

impl Verdict {
    pub fn zh(&self) -> &'static str {
        match self {
            Verdict::Genuine {
                status: CertificateStatus::Valid,
            } => "证书真实有效",
            Verdict::Genuine {
                status: CertificateStatus::Revoked,
            } => "证书真实，但已被撤销",
            Verdict::Tampered => "证书内容被篡改或签名无效，不具备效力",
            Verdict::Unknown => "查无此证书",
        }
    }
}

/// Judges a presented document against the issued record with that number.
pub fn verify(
    presented: &SignedDocument,
    issued: Option<&Certificate>,
    key: &IssuerKey,
) -> Verdict {
    let Some(issued) = issued else {
        return Verdict::Unknown;
    };
    if !key.signature_holds(presented) || presented.payload != issued.document.payload {
        return Verdict::Tampered;
    }
    Verdict::Genuine {
        status: issued.status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhicheng_kernel::{SeriesCode, TitleLevel};

    fn payload() -> CertificatePayload {
        let number = CertificateNumber::new(
            37,
            2026,
            TitleLevel::SeniorDeputy,
            &SeriesCode::parse("ENG").unwrap(),
            1,
        );
        CertificatePayload {
            format: "zhicheng-cert/1".into(),
            number: number.to_string(),
            holder_name: "张三".into(),
            holder_id_masked: "3710**********1231".into(),
            holder_id_digest: holder_id_digest("371003198503151231", &number),
            series_code: "ENG".into(),
            series_name: "工程技术人员".into(),
            level: "senior_deputy".into(),
            level_name: "副高级".into(),
            title_name: "高级工程师".into(),
            specialty: "电气工程".into(),
            year: 2026,
            issuer_name: "威海市文登区人力资源和社会保障局".into(),
            passed_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            issued_at: DateTime::<Utc>::default(),
            verify_path: "/verify/abc".into(),
        }
    }

    fn issued(doc: &SignedDocument) -> Certificate {
        Certificate {
            id: CertificateId(uuid::Uuid::nil()),
            number: CertificateNumber::parse(&doc.payload.number).unwrap(),
            case_id: CaseId(uuid::Uuid::nil()),
            declaration_id: DeclarationId(uuid::Uuid::nil()),
            person_id: PersonId(uuid::Uuid::nil()),
            issuer_id: OrgId(uuid::Uuid::nil()),
            document: doc.clone(),
            verification_code: "abc".into(),
            status: CertificateStatus::Valid,
            issued_at: DateTime::<Utc>::default(),
            version: 1,
        }
    }

    #[test]
    fn a_genuine_copy_verifies_and_any_change_is_tampering() {
        let key = IssuerKey::from_seed([3; 32]);
        let doc = key.sign(payload());
        let record = issued(&doc);
        assert_eq!(
            verify(&doc, Some(&record), &key),
            Verdict::Genuine {
                status: CertificateStatus::Valid
            }
        );
        let mut changed = doc.clone();
        changed.payload.title_name = "正高级工程师".into();
        assert_eq!(verify(&changed, Some(&record), &key), Verdict::Tampered);
        // Re-signed with another key: the signature does not hold for the issuer.
        let forged = IssuerKey::from_seed([4; 32]).sign(changed.payload.clone());
        assert_eq!(verify(&forged, Some(&record), &key), Verdict::Tampered);
        let mut bad_sig = doc.clone();
        bad_sig.signature = "!!".into();
        assert_eq!(verify(&bad_sig, Some(&record), &key), Verdict::Tampered);
        assert_eq!(verify(&doc, None, &key), Verdict::Unknown);
    }

    #[test]
    fn the_canonical_payload_is_stable_json() {
        let p = payload();
        let s = String::from_utf8(p.canonical_bytes()).unwrap();
        assert!(s.starts_with("{\"format\":\"zhicheng-cert/1\",\"number\":\"37-2026-2ENG-000001-"));
        assert!(!s.contains(' ') || s.contains("人力资源"));
        assert_eq!(p.digest().len(), 64);
    }
}
