//! An applicant's declarations: create, edit, submit, list.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_declaration::service::{self, NewDeclaration};
use zhicheng_declaration::{Catalog, Declaration, Materials};
use zhicheng_kernel::{DeclarationId, OrgId, PlanId, TitleLevel};

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::{self, DeclarationRow};

pub struct DeclarationsApi(pub AppState);

#[derive(Object, Default)]
pub struct MaterialsDto {
    /// 学历学位
    #[oai(default)]
    pub education: String,
    /// 现任职称
    #[oai(default)]
    pub current_title: String,
    /// 工作经历 (required to submit)
    #[oai(default)]
    pub work_history: String,
    /// 工作业绩与成果 (required to submit)
    #[oai(default)]
    pub achievements: String,
    /// 个人总结
    #[oai(default)]
    pub summary: String,
}

impl From<MaterialsDto> for Materials {
    fn from(m: MaterialsDto) -> Self {
        Materials {
            education: m.education,
            current_title: m.current_title,
            work_history: m.work_history,
            achievements: m.achievements,
            summary: m.summary,
        }
    }
}

impl From<&Materials> for MaterialsDto {
    fn from(m: &Materials) -> Self {
        MaterialsDto {
            education: m.education.clone(),
            current_title: m.current_title.clone(),
            work_history: m.work_history.clone(),
            achievements: m.achievements.clone(),
            summary: m.summary.clone(),
        }
    }
}

#[derive(Object)]
pub struct CreateDeclarationRequest {
    pub plan_id: Uuid,
    /// The employer unit (must hold the title-review permission).
    pub unit_id: Uuid,
    /// Level code.
    pub level: String,
    /// 专业
    pub specialty: String,
    #[oai(default)]
    pub materials: MaterialsDto,
}

#[derive(Object)]
pub struct DeclarationDto {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub unit_id: Uuid,
    pub year: i32,
    pub series: String,
    pub series_name: String,
    pub level: String,
    pub level_name: String,
    pub title_name: String,
    pub specialty: String,
    pub materials: MaterialsDto,
    /// draft or submitted, then the review case status (unit_review … certified).
    pub status: String,
    pub status_name: String,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The review case once submitted.
    pub case_id: Option<Uuid>,
    /// Organisation holding the declaration now.
    pub holder_id: Option<Uuid>,
    pub held_since: Option<DateTime<Utc>>,
    /// 证书状态: 未发证, 可下载 or 已撤销.
    pub certificate_status: String,
    pub certificate_number: Option<String>,
    /// Where to download the signed certificate, when issued.
    pub certificate_download: Option<String>,
    /// How many attachments it has (listed at `/declarations/{id}/attachments`).
    pub attachment_count: u64,
    pub version: i64,
}

pub fn dto(row: &DeclarationRow) -> DeclarationDto {
    let d = &row.declaration;
    DeclarationDto {
        id: d.id.0,
        plan_id: d.plan_id.0,
        unit_id: d.unit_id.0,
        year: d.year,
        series: d.series.to_string(),
        series_name: Catalog
            .find(&d.series)
            .map(|s| s.name)
            .unwrap_or_default()
            .to_owned(),
        level: d.level.as_str().to_owned(),
        level_name: d.level.zh().to_owned(),
        title_name: Catalog
            .title_name(&d.series, d.level)
            .unwrap_or_default()
            .to_owned(),
        specialty: d.specialty.clone(),
        materials: MaterialsDto::from(&d.materials),
        status: row.status().to_owned(),
        status_name: row.status_zh().to_owned(),
        submitted_at: d.submitted_at,
        case_id: row.case.as_ref().map(|c| c.id.0),
        holder_id: row.case.as_ref().map(|c| c.holder_id.0),
        held_since: row.case.as_ref().map(|c| c.held_since),
        certificate_status: row.certificate_status_zh().to_owned(),
        certificate_number: row.certificate.as_ref().map(|c| c.number.to_string()),
        certificate_download: row
            .certificate
            .as_ref()
            .map(|_| format!("/api/v1/declarations/{}/certificate", d.id.0)),
        attachment_count: row.attachment_count as u64,
        version: d.version,
    }
}

fn bare(d: Declaration, attachment_count: usize) -> DeclarationDto {
    dto(&DeclarationRow {
        declaration: d,
        case: None,
        certificate: None,
        attachment_count,
    })
}

#[derive(ApiResponse)]
pub enum DeclarationResponse {
    #[oai(status = 200)]
    Ok(Json<DeclarationDto>),
    #[oai(status = 201)]
    Created(Json<DeclarationDto>),
}

#[derive(ApiResponse)]
pub enum DeclarationList {
    #[oai(status = 200)]
    Ok(Json<Vec<DeclarationDto>>),
}

/// Creates a draft (shared with the portal).
pub async fn create(
    st: &AppState,
    auth: &zhicheng_kernel::Principal,
    b: CreateDeclarationRequest,
) -> Result<Declaration, ApiError> {
    let level =
        TitleLevel::parse(&b.level).map_err(|e| ApiError::field("level", "请选择级别", e))?;
    let cmd = NewDeclaration {
        plan_id: PlanId(b.plan_id),
        unit_id: OrgId(b.unit_id),
        level,
        specialty: b.specialty,
        materials: b.materials.into(),
    };
    Ok(service::create_declaration(&st.store, &st.store, &st.clock, &st.ids, auth, cmd).await?)
}

#[OpenApi(tag = "Tag::Declarations")]
impl DeclarationsApi {
    /// 新增申报信息: starts this year's draft. Needs the commitment letter accepted, an open
    /// plan covering the level, and a unit with the title-review permission.
    #[oai(path = "/declarations", method = "post")]
    async fn create(
        &self,
        auth: BearerAuth,
        body: Json<CreateDeclarationRequest>,
    ) -> Result<DeclarationResponse, ApiError> {
        let d = create(&self.0, &auth.0, body.0).await?;
        Ok(DeclarationResponse::Created(Json(bare(d, 0))))
    }

    /// 我的申报: the applicant's declarations with status and certificate status.
    #[oai(path = "/declarations", method = "get")]
    async fn mine(&self, auth: BearerAuth) -> Result<DeclarationList, ApiError> {
        let rows = views::my_declarations(&self.0, &auth.0).await?;
        Ok(DeclarationList::Ok(Json(rows.iter().map(dto).collect())))
    }

    /// One of the applicant's declarations.
    #[oai(path = "/declarations/:id", method = "get")]
    async fn get(&self, auth: BearerAuth, id: Path<Uuid>) -> Result<DeclarationResponse, ApiError> {
        let rows = views::my_declarations(&self.0, &auth.0).await?;
        let row = rows
            .iter()
            .find(|r| r.declaration.id.0 == id.0)
            .ok_or_else(ApiError::not_found)?;
        Ok(DeclarationResponse::Ok(Json(dto(row))))
    }

    /// Saves the written sections of a draft.
    #[oai(path = "/declarations/:id/materials", method = "put")]
    async fn edit(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<MaterialsDto>,
    ) -> Result<DeclarationResponse, ApiError> {
        let d = service::edit_declaration(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            DeclarationId(id.0),
            body.0.into(),
        )
        .await?;
        let n = zhicheng_declaration::ports::AttachmentRepo::list_attachments(&self.0.store, d.id)
            .await?
            .len();
        Ok(DeclarationResponse::Ok(Json(bare(d, n))))
    }

    /// 确定申报: submits the draft to the employer unit, inside the plan's window only.
    #[oai(path = "/declarations/:id/submit", method = "post")]
    async fn submit(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<DeclarationResponse, ApiError> {
        zhicheng_review_workflow::service::submit_declaration(
            &self.0.store,
            &self.0.store,
            &self.0.clock,
            &self.0.ids,
            &auth.0,
            DeclarationId(id.0),
        )
        .await?;
        let rows = views::my_declarations(&self.0, &auth.0).await?;
        let row = rows
            .iter()
            .find(|r| r.declaration.id.0 == id.0)
            .ok_or_else(ApiError::not_found)?;
        Ok(DeclarationResponse::Ok(Json(dto(row))))
    }
}
