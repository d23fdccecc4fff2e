//! Certificate use cases: issue after a pass, download by the holder, public verification.

use chrono::Duration;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{
    Actor, AuditEvent, CaseId, CertificateId, Clock, IdGen, Principal, Role, ServiceError, TxError,
};
use zhicheng_review_workflow::TransitionError;
use zhicheng_review_workflow::ports::ReviewRepo;

use crate::ports::CertificateRepo;
use crate::signed::holder_id_digest;
use crate::{
    Certificate, CertificateNumber, CertificatePayload, CertificateStatus, IssuerKey,
    SignedDocument, Verdict,
};

/// Format tag of the payload this version signs.
pub const FORMAT: &str = "zhicheng-cert/1";

/// A random verification code (≥ 16 characters) supplied by the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a verification code has 16–64 letters or digits")]
pub struct VerificationCodeError;

impl VerificationCode {
    pub fn parse(s: &str) -> Result<Self, VerificationCodeError> {
        let s = s.trim();
        if (16..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(VerificationCode(s.to_owned()))
        } else {
            Err(VerificationCodeError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Issues the certificate for a passed case held by the principal's organisation (HR bureau
/// or committee organiser), signed with the issuer key.
///
/// # Errors
/// `NotFound` when the case is out of reach; `Rule(WrongStatus)` unless it passed (a second
/// issue of the same case is refused the same way).
#[allow(clippy::too_many_arguments)]
pub async fn issue_certificate<C, R, D, I>(
    certs: &C,
    cases: &R,
    declarations: &D,
    identity: &I,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    key: &IssuerKey,
    principal: &Principal,
    case_id: CaseId,
    code: VerificationCode,
) -> Result<Certificate, ServiceError<TransitionError>>
where
    C: CertificateRepo,
    R: ReviewRepo,
    D: DeclarationRepo,
    I: IdentityRepo,
{
    let org = match principal.role {
        Role::HrBureau | Role::CommitteeOrganiser => {
            principal.org_id.ok_or(ServiceError::Forbidden)?
        }
        _ => return Err(ServiceError::Forbidden),
    };
    let case = cases
        .get_case(case_id)
        .await?
        .filter(|c| c.holder_id == org)
        .ok_or(ServiceError::NotFound)?;
    let person = identity
        .get_person(case.person_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let issuer = identity.get_org(org).await?.ok_or(ServiceError::NotFound)?;
    let declaration = declarations
        .get_declaration(case.declaration_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let catalog = declarations.current_catalog().await?;
    let series_name = catalog.series_name(&case.series);
    let title_name = catalog
        .title_name(&case.series, case.level)
        .unwrap_or_default()
        .to_owned();
    let now = clock.now();
    let cert_id = CertificateId(ids.new_id());
    let actor = Actor::from(principal);
    let scope = CertificateNumber::scope(issuer.region.province(), case.year);
    let r = certs
        .issue(case_id, &scope, move |c, seq| {
            if c.holder_id != org {
                return Err(TransitionError::NotHolder);
            }
            let passed_on = (c.held_since + Duration::hours(8)).date_naive();
            c.certify(&zhicheng_review_workflow::Act::new(org, actor.clone(), now))?;
            let number =
                CertificateNumber::new(issuer.region.province(), c.year, c.level, &c.series, seq);
            let payload = CertificatePayload {
                format: FORMAT.to_owned(),
                number: number.to_string(),
                holder_name: person.name.as_str().to_owned(),
                holder_id_masked: person.id_number.masked(),
                holder_id_digest: holder_id_digest(person.id_number.as_str(), &number),
                series_code: c.series.to_string(),
                series_name,
                level: c.level.as_str().to_owned(),
                level_name: c.level.zh().to_owned(),
                title_name,
                specialty: declaration.specialty.clone(),
                year: c.year,
                issuer_name: issuer.name.as_str().to_owned(),
                passed_on,
                issued_at: now,
                verify_path: format!("/verify/{}", code.as_str()),
            };
            let cert = Certificate {
                id: cert_id,
                number,
                case_id: c.id,
                declaration_id: c.declaration_id,
                person_id: c.person_id,
                issuer_id: org,
                document: key.sign(payload),
                verification_code: code.as_str().to_owned(),
                status: CertificateStatus::Valid,
                issued_at: now,
                version: 1,
            };
            let audit = AuditEvent::new(now, actor, "certificate.issued", "certificate", cert.id.0)
                .with_detail(serde_json::json!({ "number": cert.number.as_str(), "case": c.id.0 }));
            Ok((cert, audit))
        })
        .await;
    match r {
        Ok(c) => Ok(c),
        Err(TxError::Rejected(e)) => Err(ServiceError::Rule(e)),
        Err(TxError::Store(e)) => Err(e.into()),
    }
}

/// The holder's certificates (for 我的申报 → 证书状态 → 下载证书).
///
/// # Errors
/// `Forbidden` unless an applicant.
pub async fn my_certificates<C: CertificateRepo>(
    certs: &C,
    principal: &Principal,
) -> Result<Vec<Certificate>, ServiceError<std::convert::Infallible>> {
    match (principal.role, principal.person_id) {
        (Role::Applicant, Some(p)) => Ok(certs.list_for_person(p).await?),
        _ => Err(ServiceError::Forbidden),
    }
}

/// The signed document of the holder's own certificate for a case.
///
/// # Errors
/// `NotFound` unless the principal holds a certificate for that case.
pub async fn download<C: CertificateRepo>(
    certs: &C,
    principal: &Principal,
    case: CaseId,
) -> Result<Certificate, ServiceError<std::convert::Infallible>> {
    let cert = certs
        .find_by_case(case)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if principal.role == Role::Applicant && principal.person_id == Some(cert.person_id) {
        Ok(cert)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// Judges a presented document (anyone may ask).
///
/// # Errors
/// Only storage failures.
pub async fn verify_presented<C: CertificateRepo>(
    certs: &C,
    key: &IssuerKey,
    doc: &SignedDocument,
) -> Result<Verdict, ServiceError<std::convert::Infallible>> {
    let issued = match CertificateNumber::parse(&doc.payload.number) {
        Ok(n) => certs.find_by_number(&n).await?,
        Err(_) => None,
    };
    Ok(crate::signed::verify(doc, issued.as_ref(), key))
}

/// The certificate behind a verification code (public verify page), if any.
///
/// # Errors
/// Only storage failures.
pub async fn lookup_by_code<C: CertificateRepo>(
    certs: &C,
    code: &str,
) -> Result<Option<Certificate>, ServiceError<std::convert::Infallible>> {
    if VerificationCode::parse(code).is_err() {
        return Ok(None);
    }
    Ok(certs.find_by_code(code).await?)
}
