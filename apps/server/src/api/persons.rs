//! A person's basic data (基本信息) and name correction requests (姓名更正申请), and the HR
//! bureau's decisions on them.

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_identity::correction::NameCorrection;
use zhicheng_identity::person::ProfileEdit;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::service::corrections;
use zhicheng_identity::{Person, PersonName};
use zhicheng_kernel::{OrgId, Principal};

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;

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

#[derive(Object)]
pub struct NameCorrectionRequest {
    /// The employer unit the person works for (must hold the title-review permission); the HR
    /// bureau covering it decides.
    pub unit_id: Uuid,
    /// The correct legal name.
    pub new_name: String,
    /// Why the registered name is wrong.
    pub reason: String,
    /// What proves the correct name: the document and its number (e.g. 户口簿 / 身份证).
    pub evidence: String,
}

#[derive(Object)]
pub struct NameCorrectionDto {
    pub id: Uuid,
    pub person_id: Uuid,
    pub unit_id: Uuid,
    pub old_name: String,
    pub new_name: String,
    pub reason: String,
    pub evidence: String,
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
    Created(Json<NameCorrectionDto>),
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

/// Files a name correction request (shared by the API and the portal).
pub async fn request_correction(
    st: &AppState,
    principal: &Principal,
    unit: Uuid,
    new_name: &str,
    reason: &str,
    evidence: &str,
) -> Result<NameCorrection, ApiError> {
    let new_name = PersonName::parse(new_name)
        .map_err(|e| ApiError::field("new_name", "姓名应为 2–40 个文字，与身份证一致", e))?;
    Ok(corrections::request_name_correction(
        &st.store,
        &st.clock,
        &st.ids,
        principal,
        OrgId(unit),
        new_name,
        reason,
        evidence,
    )
    .await?)
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
    /// with a reason and evidence. One pending request at a time (409 otherwise).
    #[oai(path = "/me/name-corrections", method = "post")]
    async fn request_correction(
        &self,
        auth: BearerAuth,
        body: Json<NameCorrectionRequest>,
    ) -> Result<CorrectionCreated, ApiError> {
        let b = body.0;
        let c = request_correction(
            &self.0,
            &auth.0,
            b.unit_id,
            &b.new_name,
            &b.reason,
            &b.evidence,
        )
        .await?;
        Ok(CorrectionCreated::Created(Json(NameCorrectionDto::from(
            &c,
        ))))
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
