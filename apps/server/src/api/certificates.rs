//! Certificates: the holder's download and public verification.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::{Attachment, AttachmentType, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_certificate::{Certificate, SignedDocument, Verdict};
use zhicheng_kernel::DeclarationId;
use zhicheng_review_workflow::ports::ReviewRepo;

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;

pub struct CertificatesApi(pub AppState);

/// What anyone may see of a certificate: the holder is masked.
#[derive(Object)]
pub struct CertificateDto {
    pub number: String,
    pub holder_name: String,
    /// Masked ID number.
    pub holder_id_masked: String,
    pub series_name: String,
    pub level_name: String,
    pub title_name: String,
    pub specialty: String,
    pub year: i32,
    pub issuer_name: String,
    pub passed_on: NaiveDate,
    pub issued_at: DateTime<Utc>,
    /// valid or revoked.
    pub status: String,
    pub status_name: String,
    /// SHA-256 of the signed payload.
    pub payload_sha256: String,
    /// Public verify page (keep the code private: it opens the details).
    pub verify_path: String,
}

impl From<&Certificate> for CertificateDto {
    fn from(c: &Certificate) -> Self {
        let p = &c.document.payload;
        CertificateDto {
            number: p.number.clone(),
            holder_name: p.holder_name.clone(),
            holder_id_masked: p.holder_id_masked.clone(),
            series_name: p.series_name.clone(),
            level_name: p.level_name.clone(),
            title_name: p.title_name.clone(),
            specialty: p.specialty.clone(),
            year: p.year,
            issuer_name: p.issuer_name.clone(),
            passed_on: p.passed_on,
            issued_at: p.issued_at,
            status: c.status.as_str().into(),
            status_name: c.status.zh().into(),
            payload_sha256: p.digest(),
            verify_path: p.verify_path.clone(),
        }
    }
}

#[derive(Object)]
pub struct VerdictDto {
    /// genuine, tampered or unknown.
    pub verdict: String,
    /// valid or revoked, for a genuine certificate.
    pub status: Option<String>,
    pub message: String,
    pub message_en: String,
}

impl From<&Verdict> for VerdictDto {
    fn from(v: &Verdict) -> Self {
        let (verdict, status, en) = match v {
            Verdict::Genuine { status } => (
                "genuine",
                Some(status.as_str().to_owned()),
                "genuine: signed by the issuer and identical to the issued record",
            ),
            Verdict::Tampered => (
                "tampered",
                None,
                "tampered: the file was changed or the signature does not hold; it has no effect",
            ),
            Verdict::Unknown => (
                "unknown",
                None,
                "unknown: no certificate with this number was issued",
            ),
        };
        VerdictDto {
            verdict: verdict.into(),
            status,
            message: v.zh().into(),
            message_en: en.into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum DownloadResponse {
    /// The signed certificate file (JSON: payload and Ed25519 signature).
    #[oai(status = 200)]
    Ok(Attachment<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum PdfResponse {
    /// The certificate as a PDF (A4, QR code to the verify page, signed JSON attached).
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(Attachment<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum VerdictResponse {
    #[oai(status = 200)]
    Ok(Json<VerdictDto>),
}

#[derive(ApiResponse)]
pub enum PublicCertificate {
    #[oai(status = 200)]
    Ok(Json<CertificateDto>),
}

/// The holder's certificate for one of their declarations (shared with the portal).
pub async fn holders_certificate(
    st: &AppState,
    p: &zhicheng_kernel::Principal,
    declaration: Uuid,
) -> Result<Certificate, ApiError> {
    let case = st
        .store
        .get_case_for_declaration(DeclarationId(declaration))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(zhicheng_certificate::service::download(&st.store, p, case.id).await?)
}

/// The file name and bytes of a certificate rendered as PDF (on the blocking pool: it takes
/// milliseconds of CPU).
pub async fn certificate_pdf_file(
    st: &AppState,
    c: &Certificate,
) -> Result<(String, Vec<u8>), ApiError> {
    let document = c.document.clone();
    let status = c.status;
    let base = st.public_base_url.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let fonts = zhicheng_documents::Fonts::embedded()?;
        zhicheng_documents::certificate_pdf(
            fonts,
            &zhicheng_documents::CertificateInput {
                document: &document,
                public_base_url: &base,
                status,
            },
        )
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok((format!("zhicheng-certificate-{}.pdf", c.number), bytes))
}

/// The file name and bytes of a signed certificate download.
pub fn certificate_file(c: &Certificate) -> Result<(String, Vec<u8>), ApiError> {
    let bytes = serde_json::to_vec_pretty(&c.document).map_err(ApiError::internal)?;
    Ok((format!("zhicheng-certificate-{}.json", c.number), bytes))
}

#[OpenApi(tag = "Tag::Certificates")]
impl CertificatesApi {
    /// 下载证书: the holder downloads the signed certificate of a declaration.
    #[oai(path = "/declarations/:id/certificate", method = "get")]
    async fn download(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<DownloadResponse, ApiError> {
        let cert = holders_certificate(&self.0, &auth.0, id.0).await?;
        let (name, bytes) = certificate_file(&cert)?;
        Ok(DownloadResponse::Ok(
            Attachment::new(bytes)
                .attachment_type(AttachmentType::Attachment)
                .filename(name),
        ))
    }

    /// 下载证书 PDF: the holder downloads the certificate of a declaration as a PDF.
    #[oai(path = "/declarations/:id/certificate.pdf", method = "get")]
    async fn download_pdf(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<PdfResponse, ApiError> {
        let cert = holders_certificate(&self.0, &auth.0, id.0).await?;
        let (name, bytes) = certificate_pdf_file(&self.0, &cert).await?;
        Ok(PdfResponse::Ok(
            Attachment::new(bytes)
                .attachment_type(AttachmentType::Attachment)
                .filename(name),
        ))
    }

    /// 证书查验: anyone presents a certificate file; the answer says genuine, tampered or unknown.
    #[oai(path = "/certificates/verify", method = "post")]
    async fn verify(&self, body: Json<serde_json::Value>) -> Result<VerdictResponse, ApiError> {
        let doc: SignedDocument = serde_json::from_value(body.0).map_err(|e| {
            ApiError::field(
                "document",
                "这不是本系统签发的电子证书文件",
                format!("not a certificate file: {e}"),
            )
        })?;
        let v = zhicheng_certificate::service::verify_presented(&self.0.store, &self.0.key, &doc)
            .await?;
        Ok(VerdictResponse::Ok(Json(VerdictDto::from(&v))))
    }

    /// The certificate behind a verification code (what the QR code opens).
    #[oai(path = "/certificates/by-code/:code", method = "get")]
    async fn by_code(&self, code: Path<String>) -> Result<PublicCertificate, ApiError> {
        let cert = zhicheng_certificate::service::lookup_by_code(&self.0.store, &code.0)
            .await?
            .ok_or_else(ApiError::not_found)?;
        Ok(PublicCertificate::Ok(Json(CertificateDto::from(&cert))))
    }
}
