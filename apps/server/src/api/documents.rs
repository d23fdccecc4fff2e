//! Generated documents: the review form (评审表) of a declaration as PDF, and the summary table
//! (一览表) of an organisation's cases for one plan, series and level as XLSX or PDF.
//!
//! Visibility comes from the domain services (declaration, attachments, case history, queue);
//! the handlers only gather names for display and render on the blocking pool.

use std::collections::HashMap;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Attachment;
use poem_openapi::payload::AttachmentType;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::{Declaration, DeclarationStatus};
use zhicheng_documents::gather::series_name;
use zhicheng_documents::{FormApplicant, FormAttachment, FormHop, FormTarget, ReviewFormInput};
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{Actor, Clock, DeclarationId, OrgId, PlanId, Principal, TitleLevel};
use zhicheng_review_workflow::ports::ReviewRepo;
use zhicheng_review_workflow::service as cases;

use super::Tag;
use super::plans::parse_series;
use crate::auth::BearerAuth;
use crate::error::ApiError;
use crate::state::AppState;

pub struct DocumentsApi(pub AppState);

#[derive(ApiResponse)]
pub enum ReviewFormResponse {
    /// The review form as a PDF (A4), as a download.
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(Attachment<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum SummaryXlsxResponse {
    /// The summary table as an XLSX workbook, as a download.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Ok(Attachment<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum SummaryPdfResponse {
    /// The summary table as a PDF (landscape A4, header repeated on every page), as a download.
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(Attachment<Vec<u8>>),
}

fn download(bytes: Vec<u8>, name: String) -> Attachment<Vec<u8>> {
    Attachment::new(bytes)
        .attachment_type(AttachmentType::Attachment)
        .filename(name)
}

fn declaration_status_zh(s: DeclarationStatus) -> &'static str {
    match s {
        DeclarationStatus::Draft => "草稿",
        DeclarationStatus::Submitted => "已提交",
        DeclarationStatus::Returned => "已退回修改",
    }
}

async fn org_name(st: &AppState, cache: &mut HashMap<OrgId, String>, id: OrgId) -> String {
    if let Some(n) = cache.get(&id) {
        return n.clone();
    }
    let name = match st.store.get_org(id).await {
        Ok(Some(o)) => o.name.as_str().to_owned(),
        _ => String::new(),
    };
    cache.insert(id, name.clone());
    name
}

/// Everything the review form shows, gathered through the services that decide visibility.
pub async fn review_form_input(
    st: &AppState,
    p: &Principal,
    id: DeclarationId,
) -> Result<ReviewFormInput, ApiError> {
    let d: Declaration =
        zhicheng_declaration::service::get_readable_declaration(&st.store, p, id).await?;
    let files = zhicheng_declaration::service::list_attachments(&st.store, p, id).await?;
    let case = st.store.get_case_for_declaration(id).await?;
    let hops = match &case {
        Some(c) => cases::history(&st.store, p, c.id).await?,
        None => Vec::new(),
    };
    let person = st
        .store
        .get_person(d.person_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let catalog = st.store.current_catalog().await?;
    let mut orgs = HashMap::new();
    let unit = org_name(st, &mut orgs, d.unit_id).await;

    let mut trail = Vec::with_capacity(hops.len());
    let mut actors: HashMap<zhicheng_kernel::AccountId, String> = HashMap::new();
    for h in &hops {
        let organisation = org_name(st, &mut orgs, h.from_org.unwrap_or(h.to_org)).await;
        let actor = match &h.actor {
            Actor::Account(a) => match actors.get(a) {
                Some(n) => n.clone(),
                None => {
                    let n = match st.store.get_account(*a).await? {
                        Some(acc) if acc.person_id == Some(d.person_id) => {
                            person.name.as_str().to_owned()
                        }
                        Some(acc) => acc.username.as_str().to_owned(),
                        None => String::new(),
                    };
                    actors.insert(*a, n.clone());
                    n
                }
            },
            Actor::Operator(name) => format!("{name}（运维）"),
            Actor::System => "系统".to_owned(),
        };
        trail.push(FormHop {
            at: h.at,
            action: h.action.zh().to_owned(),
            organisation,
            actor,
            opinion: h.opinion.clone(),
        });
    }

    let m = &d.materials;
    Ok(ReviewFormInput {
        applicant: FormApplicant {
            name: person.name.as_str().to_owned(),
            gender: person.gender().zh().to_owned(),
            birth_date: person.birth_date(),
            id_number_masked: person.id_number.masked(),
            unit,
        },
        target: FormTarget {
            year: d.year,
            series: series_name(&catalog, &d.series),
            level: d.level.zh().to_owned(),
            title_name: catalog
                .title_name(&d.series, d.level)
                .unwrap_or_default()
                .to_owned(),
            specialty: d.specialty.clone(),
            kind: d.kind.zh().to_owned(),
            status: case.as_ref().map_or_else(
                || declaration_status_zh(d.status).to_owned(),
                |c| c.status.zh().to_owned(),
            ),
            submitted_at: d.submitted_at,
        },
        sections: m
            .printable()
            .into_iter()
            .map(|(heading, lines)| (heading, lines.join("\n")))
            .collect(),
        attachments: files
            .iter()
            .map(|f| FormAttachment {
                section: f.section.zh().to_owned(),
                file_name: f.file_name.as_str().to_owned(),
                size: f.size,
                sha256: f.sha256.as_str().to_owned(),
            })
            .collect(),
        trail,
        generated_at: st.clock.now(),
    })
}

/// The review form rendered (on the blocking pool) with its file name.
pub async fn review_form_file(
    st: &AppState,
    p: &Principal,
    id: DeclarationId,
) -> Result<(String, Vec<u8>), ApiError> {
    let input = review_form_input(st, p, id).await?;
    let name = format!("zhicheng-review-form-{}-{}.pdf", input.target.year, id.0);
    let bytes = tokio::task::spawn_blocking(move || {
        let fonts = zhicheng_documents::Fonts::embedded()?;
        zhicheng_documents::review_form_pdf(fonts, &input)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok((name, bytes))
}

/// Output format of a summary table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    Xlsx,
    Pdf,
}

/// Renders a summary table on the blocking pool; returns the file name and bytes.
pub async fn summary_file(
    data: zhicheng_documents::SummaryData,
    format: SummaryFormat,
) -> Result<(String, Vec<u8>), ApiError> {
    let ext = match format {
        SummaryFormat::Xlsx => "xlsx",
        SummaryFormat::Pdf => "pdf",
    };
    let name = format!("zhicheng-summary-{}.{ext}", data.rows.len());
    let bytes = tokio::task::spawn_blocking(move || {
        let table = data.table();
        match format {
            SummaryFormat::Xlsx => zhicheng_documents::summary_table_xlsx(&table),
            SummaryFormat::Pdf => {
                let fonts = zhicheng_documents::Fonts::embedded()?;
                zhicheng_documents::summary_table_pdf(fonts, &table)
            }
        }
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok((name, bytes))
}

fn parse_level(s: &str) -> Result<TitleLevel, ApiError> {
    TitleLevel::parse(s).map_err(|e| ApiError::field("level", "级别无效", e))
}

#[OpenApi]
impl DocumentsApi {
    /// 评审表: the review form of a declaration as a PDF, for the applicant and the
    /// organisations its case has reached (others get 404).
    #[oai(
        path = "/declarations/:id/review-form.pdf",
        method = "get",
        tag = "Tag::Declarations"
    )]
    async fn review_form(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> Result<ReviewFormResponse, ApiError> {
        let (name, bytes) = review_form_file(&self.0, &auth.0, DeclarationId(id.0)).await?;
        Ok(ReviewFormResponse::Ok(download(bytes, name)))
    }

    /// 一览表 (XLSX): the cases the caller's organisation holds for one plan, series and level.
    #[oai(path = "/cases/summary.xlsx", method = "get", tag = "Tag::Cases")]
    async fn summary_xlsx(
        &self,
        auth: BearerAuth,
        plan: Query<Uuid>,
        series: Query<String>,
        level: Query<String>,
    ) -> Result<SummaryXlsxResponse, ApiError> {
        let data = zhicheng_documents::summary_data(
            &self.0.store,
            &auth.0,
            PlanId(plan.0),
            &parse_series(&series.0)?,
            parse_level(&level.0)?,
            self.0.clock.now(),
        )
        .await?;
        let (name, bytes) = summary_file(data, SummaryFormat::Xlsx).await?;
        Ok(SummaryXlsxResponse::Ok(download(bytes, name)))
    }

    /// 一览表 (PDF): the same table as a landscape PDF with the header on every page.
    #[oai(path = "/cases/summary.pdf", method = "get", tag = "Tag::Cases")]
    async fn summary_pdf(
        &self,
        auth: BearerAuth,
        plan: Query<Uuid>,
        series: Query<String>,
        level: Query<String>,
    ) -> Result<SummaryPdfResponse, ApiError> {
        let data = zhicheng_documents::summary_data(
            &self.0.store,
            &auth.0,
            PlanId(plan.0),
            &parse_series(&series.0)?,
            parse_level(&level.0)?,
            self.0.clock.now(),
        )
        .await?;
        let (name, bytes) = summary_file(data, SummaryFormat::Pdf).await?;
        Ok(SummaryPdfResponse::Ok(download(bytes, name)))
    }
}
