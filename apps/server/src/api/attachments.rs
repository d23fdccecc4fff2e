//! Attachments of declarations (附件): upload as a raw streamed body, list, download, delete.
//!
//! The upload body is never buffered whole: it is read chunk by chunk and handed to the
//! declaration service, which checks the magic bytes, the size limits and the hash as the bytes
//! arrive and stops at the first chunk that breaks a rule (413 for a limit). Downloads carry
//! `Content-Disposition: attachment` with an RFC 6266 / RFC 5987 file name, the detected
//! content type, `X-Content-Type-Options: nosniff` and a sandboxing CSP.

use std::pin::Pin;

use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use poem::Body;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_declaration::service::{self, ChunkSource, NewAttachment};
use zhicheng_declaration::{Attachment, AttachmentId};
use zhicheng_kernel::upload::content_disposition;
use zhicheng_kernel::{DeclarationId, ServiceError};

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub struct AttachmentsApi(pub AppState);

/// One attachment.
#[derive(Object)]
pub struct AttachmentDto {
    pub id: Uuid,
    pub declaration_id: Uuid,
    /// basic, education, current_title, work_history, achievements, assessments,
    /// continuing_education or summary.
    pub section: String,
    pub section_name: String,
    /// The sanitised file name (a label only; storage uses the content hash).
    pub file_name: String,
    /// pdf, jpeg or png, detected from the content.
    pub kind: String,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it.
    pub download: String,
}

fn dto(a: &Attachment) -> AttachmentDto {
    AttachmentDto {
        id: a.id.0,
        declaration_id: a.declaration_id.0,
        section: a.section.as_str().to_owned(),
        section_name: a.section.zh().to_owned(),
        file_name: a.file_name.to_string(),
        kind: a.kind.as_str().to_owned(),
        content_type: a.kind.mime().to_owned(),
        size: a.size,
        sha256: a.sha256.to_string(),
        uploaded_at: a.uploaded_at,
        download: format!("/api/v1/attachments/{}", a.id.0),
    }
}

#[derive(ApiResponse)]
pub enum UploadResponse {
    /// Stored.
    #[oai(status = 201)]
    Created(Json<AttachmentDto>),
    /// The file (or the declaration's total) is over the size limit; the upload was stopped
    /// when the limit was crossed.
    #[oai(status = 413)]
    TooLarge(Json<ErrorBody>),
}

#[derive(ApiResponse)]
pub enum AttachmentList {
    #[oai(status = 200)]
    Ok(Json<Vec<AttachmentDto>>),
}

#[derive(ApiResponse)]
pub enum RemovedResponse {
    /// Removed.
    #[oai(status = 200)]
    Ok(Json<AttachmentDto>),
}

/// The bytes of an attachment, served with the content type detected at upload.
pub struct FileBytes {
    bytes: Vec<u8>,
    content_type: &'static str,
}

impl FileBytes {
    pub fn new(bytes: Vec<u8>, content_type: &'static str) -> FileBytes {
        FileBytes {
            bytes,
            content_type,
        }
    }
}

impl Payload for FileBytes {
    const CONTENT_TYPE: &'static str = "application/octet-stream";

    fn check_content_type(_: &str) -> bool {
        true
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            format: Some("binary"),
            ..MetaSchema::new("string")
        }))
    }
}

impl poem::IntoResponse for FileBytes {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type(self.content_type)
            .body(self.bytes)
    }
}

#[derive(ApiResponse)]
pub enum DownloadResponse {
    /// The file (application/pdf, image/jpeg or image/png), as a download.
    #[oai(status = 200)]
    Ok(
        FileBytes,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "X-Content-Type-Options")] String,
        #[oai(header = "Content-Security-Policy")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

/// The HTTP body as the service's chunk source (chunks as poem hands them over, no copy).
struct BodyChunks<S>(Pin<Box<S>>);

impl<S, B> ChunkSource for BodyChunks<S>
where
    S: Stream<Item = Result<B, std::io::Error>> + Send,
    B: AsRef<[u8]> + Send,
{
    type Chunk = B;

    async fn next_chunk(&mut self) -> Option<Result<B, String>> {
        self.0.next().await.map(|r| r.map_err(|e| e.to_string()))
    }
}

#[OpenApi(tag = "Tag::Declarations")]
impl AttachmentsApi {
    /// 上传附件: the raw file as the body (`application/octet-stream`). Only PDF, JPEG and PNG
    /// whose first bytes match the extension; the size limits are enforced while the body
    /// streams in (413). Only the applicant, while the declaration is a draft.
    #[oai(path = "/declarations/:id/attachments", method = "post")]
    async fn upload(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        /// basic, education, current_title, work_history, achievements, assessments,
        /// continuing_education or summary.
        section: Query<String>,
        /// The file's name, with its extension (.pdf, .jpg, .jpeg, .png).
        filename: Query<String>,
        body: Binary<Body>,
    ) -> Result<UploadResponse, ApiError> {
        let st = &self.0;
        let mut chunks = BodyChunks(Box::pin(body.0.into_bytes_stream()));
        let cmd = NewAttachment {
            declaration_id: DeclarationId(id.0),
            section: section.0,
            file_name: filename.0,
        };
        let r = service::add_attachment(
            &st.store,
            &st.blobs,
            &st.clock,
            &st.ids,
            &st.attachments,
            &auth.0,
            cmd,
            &mut chunks,
        )
        .await;
        match r {
            Ok(a) => Ok(UploadResponse::Created(Json(dto(&a)))),
            Err(ServiceError::Rule(e)) if e.is_too_large() => Ok(UploadResponse::TooLarge(Json(
                ErrorBody::from_localized(&ServiceError::Rule(e)),
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// The attachments of a declaration: for the applicant, and for the organisations the
    /// submitted declaration has reached.
    #[oai(path = "/declarations/:id/attachments", method = "get")]
    async fn list(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<AttachmentList, ApiError> {
        let v = service::list_attachments(&self.0.store, &auth.0, DeclarationId(id.0)).await?;
        Ok(AttachmentList::Ok(Json(v.iter().map(dto).collect())))
    }

    /// 下载附件, as a download (`Content-Disposition: attachment`), never rendered inline.
    #[oai(path = "/attachments/:id", method = "get")]
    async fn download(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<DownloadResponse, ApiError> {
        let (a, bytes) =
            service::download_attachment(&self.0.store, &self.0.blobs, &auth.0, AttachmentId(id.0))
                .await?;
        Ok(DownloadResponse::Ok(
            FileBytes {
                bytes,
                content_type: a.kind.mime(),
            },
            content_disposition(&a.file_name),
            "nosniff".to_owned(),
            "sandbox; default-src 'none'".to_owned(),
            "private, no-store".to_owned(),
        ))
    }

    /// 删除附件 from a draft (the applicant only).
    #[oai(path = "/attachments/:id", method = "delete")]
    async fn remove(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<RemovedResponse, ApiError> {
        let a =
            service::remove_attachment(&self.0.store, &self.0.clock, &auth.0, AttachmentId(id.0))
                .await?;
        Ok(RemovedResponse::Ok(Json(dto(&a))))
    }
}
