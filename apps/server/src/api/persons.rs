//! A person's basic data (基本信息) and name correction requests (姓名更正申请), and the HR
//! bureau's decisions on them.

use poem::web::{Field, Multipart};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_identity::correction::{NameCorrection, RequestCorrectionError};
use zhicheng_identity::person::ProfileEdit;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::service::corrections::{self, CorrectionForm, EvidenceUpload};
use zhicheng_identity::{Person, PersonName};
use zhicheng_kernel::upload::content_disposition;
use zhicheng_kernel::{OrgId, Principal, ServiceError};

use super::Tag;
use super::attachments::{DownloadResponse, FileBytes};
use crate::auth::BearerAuth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::upload::{field_chunks, text_of, text_parts_until};

pub struct PersonsApi(pub AppState);

/// The person's own basic data (shown to the person, so unmasked).
#[derive(Object)]
pub struct ProfileDto {
    pub person_id: Uuid,
    pub name: String,
    pub id_number: String,
    pub mobile: String,
    pub ethnicity: Option<String>,
    pub birth_date: chrono::NaiveDate,
    /// `male` or `female`.
    pub gender: String,
}

impl From<&Person> for ProfileDto {
    fn from(p: &Person) -> Self {
        ProfileDto {
            person_id: p.id.0,
            name: p.name.as_str().to_owned(),
            id_number: p.id_number.as_str().to_owned(),
            mobile: p.mobile.as_str().to_owned(),
            ethnicity: p.ethnicity.clone(),
            birth_date: p.birth_date(),
            gender: match p.gender() {
                zhicheng_identity::Gender::Male => "male".into(),
                zhicheng_identity::Gender::Female => "female".into(),
            },
        }
    }
}

#[derive(Object)]
pub struct ProfileEditRequest {
    /// May be sent only unchanged: 422 `person.name_immutable` otherwise (request a name
    /// correction instead).
    pub name: Option<String>,
    /// May be sent only unchanged: 422 `person.id_number_immutable` otherwise.
    pub id_number: Option<String>,
    /// Ethnicity (民族).
    pub ethnicity: Option<String>,
}

/// The multipart form of a name correction request: the text parts `unit_id` (the employer
/// unit the person works for, holding the title-review permission — the HR bureau covering
/// it decides), `new_name`, `reason`, `evidence` (optional description), then the file part
/// `evidence_file` (PDF, JPEG or PNG, checked by content; it must come last and is streamed,
/// never buffered whole).
pub struct NameCorrectionUpload(pub Multipart);

impl Payload for NameCorrectionUpload {
    const CONTENT_TYPE: &'static str = "multipart/form-data";

    fn check_content_type(content_type: &str) -> bool {
        content_type.starts_with("multipart/form-data")
    }

    fn schema_ref() -> MetaSchemaRef {
        let text = |description| {
            MetaSchemaRef::Inline(Box::new(MetaSchema {
                description: Some(description),
                ..MetaSchema::new("string")
            }))
        };
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            required: vec!["unit_id", "new_name", "reason", "evidence_file"],
            properties: vec![
                (
                    "unit_id",
                    MetaSchemaRef::Inline(Box::new(MetaSchema {
                        format: Some("uuid"),
                        description: Some("The employer unit (with the permission)."),
                        ..MetaSchema::new("string")
                    })),
                ),
                ("new_name", text("The correct legal name.")),
                ("reason", text("Why the registered name is wrong.")),
                (
                    "evidence",
                    text("Optional description of the evidence (document, number)."),
                ),
                (
                    "evidence_file",
                    MetaSchemaRef::Inline(Box::new(MetaSchema {
                        format: Some("binary"),
                        description: Some(
                            "Scan or photo of the household register or ID card: PDF, JPEG or PNG; the last part.",
                        ),
                        ..MetaSchema::new("string")
                    })),
                ),
            ],
            ..MetaSchema::new("object")
        }))
    }
}

impl ParsePayload for NameCorrectionUpload {
    const IS_REQUIRED: bool = true;

    async fn from_request(
        request: &poem::Request,
        body: &mut poem::RequestBody,
    ) -> poem::Result<Self> {
        use poem::FromRequest;
        Ok(Self(Multipart::from_request(request, body).await?))
    }
}

// The two-argument form: the one-argument arm calls the macro unqualified.
poem_openapi::impl_apirequest_for_payload!(NameCorrectionUpload,);

/// The evidence file of a request.
#[derive(Object)]
pub struct EvidenceFileDto {
    pub file_name: String,
    /// pdf, jpeg or png, detected from the content.
    pub kind: String,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// Where the person and the deciding HR bureau download it.
    pub download: String,
}

#[derive(Object)]
pub struct NameCorrectionDto {
    pub id: Uuid,
    pub person_id: Uuid,
    pub unit_id: Uuid,
    pub old_name: String,
    pub new_name: String,
    pub reason: String,
    /// Description of the evidence (may be empty).
    pub evidence: String,
    /// The evidence file (absent on requests made before files were taken).
    pub evidence_file: Option<EvidenceFileDto>,
    /// pending, approved or rejected.
    pub status: String,
    pub status_name: String,
    pub decision_note: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<&NameCorrection> for NameCorrectionDto {
    fn from(c: &NameCorrection) -> Self {
        NameCorrectionDto {
            id: c.id,
            person_id: c.person_id.0,
            unit_id: c.unit_id.0,
            old_name: c.old_name.as_str().to_owned(),
            new_name: c.new_name.as_str().to_owned(),
            reason: c.reason.clone(),
            evidence: c.evidence.clone(),
            evidence_file: c.evidence_file.as_ref().map(|f| EvidenceFileDto {
                file_name: f.file_name.to_string(),
                kind: f.kind.as_str().to_owned(),
                content_type: f.kind.mime().to_owned(),
                size: f.size,
                sha256: f.sha256.to_string(),
                download: format!("/api/v1/name-corrections/{}/evidence", c.id),
            }),
            status: c.status.as_str().to_owned(),
            status_name: c.status.zh().to_owned(),
            decision_note: c.decision_note.clone(),
            created_at: c.created_at,
            decided_at: c.decided_at,
        }
    }
}

#[derive(Object)]
pub struct CorrectionDecisionRequest {
    pub approve: bool,
    /// Required when rejecting; shown to the person.
    pub note: Option<String>,
}

#[derive(ApiResponse)]
pub enum ProfileResponse {
    #[oai(status = 200)]
    Ok(Json<ProfileDto>),
}

#[derive(ApiResponse)]
pub enum CorrectionCreated {
    #[oai(status = 201)]
    Created(Json<Box<NameCorrectionDto>>),
    /// The evidence file is over the size limit; the upload was stopped when it was crossed.
    #[oai(status = 413)]
    TooLarge(Json<ErrorBody>),
}

#[derive(ApiResponse)]
pub enum CorrectionDecided {
    #[oai(status = 200)]
    Ok(Json<NameCorrectionDto>),
}

#[derive(ApiResponse)]
pub enum CorrectionList {
    #[oai(status = 200)]
    Ok(Json<Vec<NameCorrectionDto>>),
}

/// The text parts of a name correction form, as typed.
#[derive(Debug, Clone, Default)]
pub struct CorrectionParts {
    /// The portal's CSRF token (the API ignores it).
    pub csrf: String,
    pub unit_id: String,
    pub new_name: String,
    pub reason: String,
    pub evidence: String,
}

/// The name of the file part.
pub const EVIDENCE_FILE: &str = "evidence_file";

/// Reads the text parts of a name correction form up to the evidence file part (returned
/// unread).
///
/// # Errors
/// 422 for an unreadable body.
pub async fn correction_parts(
    form: &mut Multipart,
) -> Result<(CorrectionParts, Option<Field>), ApiError> {
    let (texts, file) = text_parts_until(form, EVIDENCE_FILE).await?;
    Ok((
        CorrectionParts {
            csrf: text_of(&texts, "csrf"),
            unit_id: text_of(&texts, "unit_id"),
            new_name: text_of(&texts, "new_name"),
            reason: text_of(&texts, "reason"),
            evidence: text_of(&texts, "evidence"),
        },
        file,
    ))
}

/// A refused name correction request, and whether it was the file's size (413).
pub struct CorrectionRefused {
    pub error: ApiError,
    pub too_large: bool,
}

impl From<ApiError> for CorrectionRefused {
    fn from(error: ApiError) -> Self {
        CorrectionRefused {
            error,
            too_large: false,
        }
    }
}

/// Files a name correction request with its evidence file part (shared by the API and the
/// portal): the text is checked first, then the file streams through the same checks as
/// declaration attachments into the blob store.
///
/// # Errors
/// [`CorrectionRefused`] with the field problems.
pub async fn file_correction(
    st: &AppState,
    principal: &Principal,
    parts: &CorrectionParts,
    file: Option<Field>,
) -> Result<NameCorrection, CorrectionRefused> {
    let unit = Uuid::parse_str(parts.unit_id.trim())
        .map_err(|_| ApiError::field("unit_id", "请选择所在的用人单位", "choose your unit"))?;
    let new_name = PersonName::parse(&parts.new_name)
        .map_err(|e| ApiError::field("new_name", "姓名应为 2–40 个文字，与身份证一致", e))?;
    let form = CorrectionForm {
        unit: OrgId(unit),
        new_name,
        reason: parts.reason.clone(),
        evidence: parts.evidence.clone(),
    };
    let file_name = file
        .as_ref()
        .and_then(|f| f.file_name())
        .unwrap_or_default()
        .to_owned();
    // A file part without a file (nothing chosen in the browser) is no file.
    let mut chunks = file.filter(|_| !file_name.is_empty()).map(field_chunks);
    let upload = chunks.as_mut().map(|body| EvidenceUpload {
        file_name: file_name.clone(),
        body,
    });
    corrections::request_name_correction(
        &st.store,
        &st.blobs,
        &st.clock,
        &st.ids,
        st.attachments.max_file_bytes,
        principal,
        form,
        upload,
    )
    .await
    .map_err(|e| {
        let too_large =
            matches!(&e, ServiceError::Rule(RequestCorrectionError::File(f)) if f.is_too_large());
        CorrectionRefused {
            error: ApiError::from(e),
            too_large,
        }
    })
}

/// The evidence file of a request, for the person and the deciding HR bureau (shared by the
/// API and the portal): the `Content-Disposition` value, the content type and the bytes.
///
/// # Errors
/// 404 out of reach.
pub async fn evidence_download(
    st: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<(String, &'static str, Vec<u8>), ApiError> {
    let (file, bytes) = corrections::evidence_file(&st.store, &st.blobs, principal, id).await?;
    Ok((
        content_disposition(&file.file_name),
        file.kind.mime(),
        bytes,
    ))
}

#[OpenApi(tag = "Tag::Accounts")]
impl PersonsApi {
    /// 基本信息: the signed-in person's basic data.
    #[oai(path = "/me/profile", method = "get")]
    async fn profile(&self, auth: BearerAuth) -> Result<ProfileResponse, ApiError> {
        let id = auth.0.person_id.ok_or_else(ApiError::forbidden)?;
        let p = self
            .0
            .store
            .get_person(id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        Ok(ProfileResponse::Ok(Json(ProfileDto::from(&p))))
    }

    /// 修改基本信息: the person edits their ethnicity. Name and ID number cannot change here
    /// (422, pointing to the name correction request); only the person may call this — HR
    /// bureaus get 403.
    #[oai(path = "/me/profile", method = "patch")]
    async fn edit_profile(
        &self,
        auth: BearerAuth,
        body: Json<ProfileEditRequest>,
    ) -> Result<ProfileResponse, ApiError> {
        let b = body.0;
        let p = corrections::edit_profile(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            ProfileEdit {
                name: b.name,
                id_number: b.id_number,
                ethnicity: b.ethnicity,
            },
        )
        .await?;
        Ok(ProfileResponse::Ok(Json(ProfileDto::from(&p))))
    }

    /// 姓名更正申请: the person asks the HR bureau of their unit to correct their legal name,
    /// with a reason and an evidence file (multipart; the text parts first, `evidence_file`
    /// last). The text is checked before any byte of the file is read; the file must be PDF,
    /// JPEG or PNG by content (422 naming `evidence_file` otherwise) and within the attachment
    /// size limit (413, stopped when crossed). One pending request at a time (409 otherwise).
    #[oai(path = "/me/name-corrections", method = "post")]
    async fn request_correction(
        &self,
        auth: BearerAuth,
        body: NameCorrectionUpload,
    ) -> Result<CorrectionCreated, ApiError> {
        let mut form = body.0;
        let (parts, file) = correction_parts(&mut form).await?;
        match file_correction(&self.0, &auth.0, &parts, file).await {
            Ok(c) => Ok(CorrectionCreated::Created(Json(Box::new(
                NameCorrectionDto::from(&c),
            )))),
            Err(r) if r.too_large => Ok(CorrectionCreated::TooLarge(Json(r.error.body().clone()))),
            Err(r) => Err(r.error),
        }
    }

    /// 证明材料: the evidence file of a name correction request, as a download, for the
    /// person and the HR bureau that decides it; anyone else gets 404.
    #[oai(path = "/name-corrections/:id/evidence", method = "get")]
    async fn evidence(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<DownloadResponse, ApiError> {
        let (disposition, content_type, bytes) = evidence_download(&self.0, &auth.0, id.0).await?;
        Ok(DownloadResponse::Ok(
            FileBytes::new(bytes, content_type),
            disposition,
            "nosniff".to_owned(),
            "sandbox; default-src 'none'".to_owned(),
            "private, no-store".to_owned(),
        ))
    }

    /// The signed-in person's name correction requests, newest first.
    #[oai(path = "/me/name-corrections", method = "get")]
    async fn my_corrections(&self, auth: BearerAuth) -> Result<CorrectionList, ApiError> {
        let list = corrections::my_name_corrections(&self.0.store, &auth.0).await?;
        Ok(CorrectionList::Ok(Json(
            list.iter().map(NameCorrectionDto::from).collect(),
        )))
    }

    /// 姓名更正审核: the requests the signed-in HR bureau decides (the person's unit lies in
    /// its jurisdiction), newest first; `status=pending` keeps the waiting ones.
    #[oai(path = "/bureau/name-corrections", method = "get")]
    async fn bureau_corrections(
        &self,
        auth: BearerAuth,
        status: Query<Option<String>>,
    ) -> Result<CorrectionList, ApiError> {
        let pending = status.0.as_deref() == Some("pending");
        let list = corrections::bureau_name_corrections(&self.0.store, &auth.0, pending).await?;
        Ok(CorrectionList::Ok(Json(
            list.iter()
                .map(|(c, _)| NameCorrectionDto::from(c))
                .collect(),
        )))
    }

    /// The HR bureau approves (the person's name changes at once; audited with old and new)
    /// or rejects (reason required) a name correction request.
    #[oai(path = "/bureau/name-corrections/:id/decision", method = "post")]
    async fn decide_correction(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<CorrectionDecisionRequest>,
    ) -> Result<CorrectionDecided, ApiError> {
        let c = corrections::decide_name_correction(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            id.0,
            body.approve,
            body.note.clone(),
        )
        .await?;
        Ok(CorrectionDecided::Ok(Json(NameCorrectionDto::from(&c))))
    }
}
