//! An applicant's declarations: create, edit, submit, list.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::service::{self, NewDeclaration};
use zhicheng_declaration::{
    Catalog, Declaration, DeclarationKind, Materials, RawMaterials, RawSection,
};
use zhicheng_kernel::{DeclarationId, OrgId, PlanId, TitleLevel};

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::{ApiError, FieldProblem};
use crate::state::AppState;
use crate::views::{self, DeclarationRow};

pub struct DeclarationsApi(pub AppState);

/// A DTO mirroring a raw (as-typed) domain row: every field a string, parsed by the domain so
/// that a bad value answers 422 naming the exact field (`education[1].to`).
macro_rules! raw_dto {
    ($(#[$m:meta])* $dto:ident <-> $raw:ident { $($(#[$fm:meta])* $f:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Object, Default, Clone, Debug)]
        pub struct $dto {
            $($(#[$fm])* #[oai(default)] pub $f: String,)+
        }

        impl From<$dto> for zhicheng_declaration::materials::$raw {
            fn from(d: $dto) -> Self {
                Self { $($f: d.$f),+ }
            }
        }

        impl From<zhicheng_declaration::materials::$raw> for $dto {
            fn from(r: zhicheng_declaration::materials::$raw) -> Self {
                Self { $($f: r.$f),+ }
            }
        }
    };
}

raw_dto!(
    /// 学历学位: one school.
    EducationDto <-> RawEducation {
        /// 毕业院校
        school,
        /// 所学专业
        major,
        /// 学历: doctorate, master, bachelor, associate, secondary, other (or 博士研究生 … 其他).
        level,
        /// 学位: none, bachelor, master, doctor (or 无, 学士, 硕士, 博士); blank is none.
        degree,
        /// 入学年月, `YYYY-MM`.
        from,
        /// 毕业年月, `YYYY-MM`.
        to,
    }
);

raw_dto!(
    /// 现任职称; all blank means none (an initial determination has none).
    CurrentTitleDto <-> RawCurrentTitle {
        /// Series code from the catalog, e.g. `ENG`.
        series,
        /// Level code, e.g. `intermediate`.
        level,
        /// 取得时间, `YYYY-MM-DD`.
        obtained,
        /// 证书编号
        certificate_number,
    }
);

raw_dto!(
    /// 工作经历: one job.
    WorkDto <-> RawWork {
        /// 起始年月, `YYYY-MM`.
        from,
        /// 截止年月, `YYYY-MM`; blank or 至今 for the current job.
        to,
        /// 工作单位
        employer,
        /// 职务/岗位
        position,
    }
);

raw_dto!(
    /// 业绩成果: one paper, book, patent, project, award or standard.
    AchievementDto <-> RawAchievement {
        /// paper, book, patent, project, award, standard (or 论文 … 标准).
        kind,
        /// 名称
        title,
        /// 取得年月, `YYYY-MM`.
        date,
        /// 本人角色/排名, e.g. 第一作者, 主持.
        role,
        /// 说明 (optional).
        details,
    }
);

raw_dto!(
    /// 年度考核: one year's result.
    AssessmentDto <-> RawAssessment {
        /// Four-digit year.
        year,
        /// excellent, pass, basic_pass, fail (or 优秀, 合格, 基本合格, 不合格).
        result,
    }
);

raw_dto!(
    /// 继续教育学时 of one year.
    HoursDto <-> RawHours {
        /// Four-digit year.
        year,
        /// Whole hours, 0–2000.
        hours,
    }
);

/// 个人总结.
#[derive(Object, Default, Clone, Debug)]
pub struct SummaryDto {
    #[oai(default)]
    pub text: String,
}

/// Every section of the materials. Blank rows are ignored.
#[derive(Object, Default, Clone, Debug)]
pub struct MaterialsDto {
    #[oai(default)]
    pub education: Vec<EducationDto>,
    #[oai(default)]
    pub current_title: CurrentTitleDto,
    #[oai(default)]
    pub work_history: Vec<WorkDto>,
    #[oai(default)]
    pub achievements: Vec<AchievementDto>,
    #[oai(default)]
    pub assessments: Vec<AssessmentDto>,
    #[oai(default)]
    pub continuing_education: Vec<HoursDto>,
    /// 个人总结 (optional).
    #[oai(default)]
    pub summary: String,
    /// Total continuing-education hours (ignored on input).
    #[oai(default, read_only)]
    pub total_hours: u32,
}

fn rows<A, B: From<A>>(v: Vec<A>) -> Vec<B> {
    v.into_iter().map(B::from).collect()
}

impl From<MaterialsDto> for RawMaterials {
    fn from(m: MaterialsDto) -> Self {
        RawMaterials {
            education: rows(m.education),
            current_title: m.current_title.into(),
            work_history: rows(m.work_history),
            achievements: rows(m.achievements),
            assessments: rows(m.assessments),
            continuing_education: rows(m.continuing_education),
            summary: m.summary,
        }
    }
}

impl From<&Materials> for MaterialsDto {
    fn from(m: &Materials) -> Self {
        let r = m.raw();
        MaterialsDto {
            education: rows(r.education),
            current_title: r.current_title.into(),
            work_history: rows(r.work_history),
            achievements: rows(r.achievements),
            assessments: rows(r.assessments),
            continuing_education: rows(r.continuing_education),
            summary: r.summary,
            total_hours: m.total_hours(),
        }
    }
}

/// 一次性告知: what is still missing before submission.
#[derive(Object)]
pub struct CompletenessDto {
    pub complete: bool,
    /// Every missing item at once, each naming its section.
    pub missing: Vec<FieldProblem>,
}

/// One field that differs between two submitted versions.
#[derive(Object)]
pub struct FieldChangeDto {
    /// Path of the field, e.g. `achievements[0].role`.
    pub field: String,
    /// Its label, e.g. 业绩成果 第1项 · 本人角色/排名.
    pub label: String,
    /// Absent when the row was added.
    pub before: Option<String>,
    /// Absent when the row was removed.
    pub after: Option<String>,
}

/// The field-level diff between the last two submitted versions.
#[derive(Object)]
pub struct VersionDiffDto {
    /// Numbers of every submitted version, oldest first.
    pub versions: Vec<u32>,
    /// The older version compared (absent before a resubmission).
    pub from: Option<u32>,
    pub to: Option<u32>,
    pub changes: Vec<FieldChangeDto>,
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
    /// 申报类型: normal (正常申报, the default), exceptional (破格), transfer (转评) or
    /// initial (初定).
    #[oai(default)]
    pub kind: String,
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
    /// 申报类型 code: normal, exceptional, transfer, initial.
    pub kind: String,
    /// 正常申报, 破格申报, 转评 or 初定.
    pub kind_name: String,
    pub materials: MaterialsDto,
    /// How many versions were submitted so far.
    pub submissions: u32,
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
        series_name: row.series_name.clone(),
        level: d.level.as_str().to_owned(),
        level_name: d.level.zh().to_owned(),
        title_name: row.title_name.clone(),
        specialty: d.specialty.clone(),
        kind: d.kind.as_str().to_owned(),
        kind_name: d.kind.zh().to_owned(),
        materials: MaterialsDto::from(&d.materials),
        submissions: d.submissions,
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

fn bare(d: Declaration, attachment_count: usize, catalog: &Catalog) -> DeclarationDto {
    dto(&DeclarationRow::new(
        d,
        None,
        None,
        attachment_count,
        catalog,
    ))
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
    let kind = if b.kind.trim().is_empty() {
        DeclarationKind::Normal
    } else {
        DeclarationKind::parse(&b.kind).ok_or_else(|| {
            ApiError::field(
                "kind",
                "请选择申报类型：正常申报、破格申报、转评或初定",
                "choose normal, exceptional, transfer or initial",
            )
        })?
    };
    let cmd = NewDeclaration {
        plan_id: PlanId(b.plan_id),
        unit_id: OrgId(b.unit_id),
        level,
        specialty: b.specialty,
        kind,
        materials: b.materials.into(),
    };
    Ok(service::create_declaration(&st.store, &st.store, &st.clock, &st.ids, auth, cmd).await?)
}

/// The diff between the last two submitted versions (shared with the portal).
pub async fn version_diff(
    st: &AppState,
    p: &zhicheng_kernel::Principal,
    id: DeclarationId,
) -> Result<VersionDiffDto, ApiError> {
    let versions = service::versions(&st.store, p, id).await?;
    let diff = service::last_diff(&st.store, p, id).await?;
    Ok(VersionDiffDto {
        versions: versions.iter().map(|v| v.number).collect(),
        from: diff.as_ref().map(|d| d.from),
        to: diff.as_ref().map(|d| d.to),
        changes: diff
            .map(|d| d.changes)
            .unwrap_or_default()
            .into_iter()
            .map(|c| FieldChangeDto {
                field: c.field,
                label: c.label,
                before: c.before,
                after: c.after,
            })
            .collect(),
    })
}

impl DeclarationsApi {
    async fn answer(&self, d: Declaration) -> Result<DeclarationResponse, ApiError> {
        let n = zhicheng_declaration::ports::AttachmentRepo::list_attachments(&self.0.store, d.id)
            .await?
            .len();
        let catalog = self.0.store.current_catalog().await?;
        Ok(DeclarationResponse::Ok(Json(bare(d, n, &catalog))))
    }

    async fn section(
        &self,
        auth: &BearerAuth,
        id: Uuid,
        raw: RawSection,
    ) -> Result<DeclarationResponse, ApiError> {
        let d = service::edit_section(
            &self.0.store,
            &self.0.clock,
            &auth.0,
            DeclarationId(id),
            raw,
        )
        .await?;
        self.answer(d).await
    }
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
        let catalog = self.0.store.current_catalog().await?;
        Ok(DeclarationResponse::Created(Json(bare(d, 0, &catalog))))
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

    /// Saves every section of a draft at once (blank rows ignored). Every problem of every
    /// section answers 422 at once, each naming its field.
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
        self.answer(d).await
    }

    /// Saves the 学历学位 section of a draft; the other sections stay as saved.
    #[oai(path = "/declarations/:id/sections/education", method = "put")]
    async fn put_education(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<Vec<EducationDto>>,
    ) -> Result<DeclarationResponse, ApiError> {
        self.section(&auth, id.0, RawSection::Education(rows(body.0)))
            .await
    }

    /// Saves the 现任职称 section of a draft (all blank: none).
    #[oai(path = "/declarations/:id/sections/current_title", method = "put")]
    async fn put_current_title(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<CurrentTitleDto>,
    ) -> Result<DeclarationResponse, ApiError> {
        self.section(&auth, id.0, RawSection::CurrentTitle(body.0.into()))
            .await
    }

    /// Saves the 工作经历 section of a draft.
    #[oai(path = "/declarations/:id/sections/work_history", method = "put")]
    async fn put_work_history(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<Vec<WorkDto>>,
    ) -> Result<DeclarationResponse, ApiError> {
        self.section(&auth, id.0, RawSection::WorkHistory(rows(body.0)))
            .await
    }

    /// Saves the 业绩成果 section of a draft.
    #[oai(path = "/declarations/:id/sections/achievements", method = "put")]
    async fn put_achievements(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<Vec<AchievementDto>>,
    ) -> Result<DeclarationResponse, ApiError> {
        self.section(&auth, id.0, RawSection::Achievements(rows(body.0)))
            .await
    }

    /// Saves the 年度考核 section of a draft.
    #[oai(path = "/declarations/:id/sections/assessments", method = "put")]
    async fn put_assessments(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<Vec<AssessmentDto>>,
    ) -> Result<DeclarationResponse, ApiError> {
        self.section(&auth, id.0, RawSection::Assessments(rows(body.0)))
            .await
    }

    /// Saves the 继续教育学时 section of a draft.
    #[oai(
        path = "/declarations/:id/sections/continuing_education",
        method = "put"
    )]
    async fn put_hours(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<Vec<HoursDto>>,
    ) -> Result<DeclarationResponse, ApiError> {
        self.section(&auth, id.0, RawSection::ContinuingEducation(rows(body.0)))
            .await
    }

    /// Saves the 个人总结 section of a draft.
    #[oai(path = "/declarations/:id/sections/summary", method = "put")]
    async fn put_summary(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<SummaryDto>,
    ) -> Result<DeclarationResponse, ApiError> {
        self.section(&auth, id.0, RawSection::Summary(body.0.text))
            .await
    }

    /// 一次性告知: everything still missing before 确定申报, all at once.
    #[oai(path = "/declarations/:id/completeness", method = "get")]
    async fn completeness(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<Json<CompletenessDto>, ApiError> {
        let missing = service::completeness(&self.0.store, &auth.0, DeclarationId(id.0)).await?;
        Ok(Json(CompletenessDto {
            complete: missing.is_empty(),
            missing: missing.into_iter().map(FieldProblem::from).collect(),
        }))
    }

    /// The field-level diff between the last two submitted versions, for the applicant and
    /// the organisations the case has reached (empty before a resubmission).
    #[oai(path = "/declarations/:id/diff", method = "get")]
    async fn diff(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<Json<VersionDiffDto>, ApiError> {
        Ok(Json(
            version_diff(&self.0, &auth.0, DeclarationId(id.0)).await?,
        ))
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
