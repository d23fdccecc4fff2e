//! Read models shared by the API and the portal: an applicant's declarations with where each
//! one is and whether its certificate can be downloaded. Three queries, joined in memory.

use zhicheng_certificate::{Certificate, CertificateStatus};
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::{Catalog, Declaration, DeclarationStatus};
use zhicheng_kernel::Principal;
use zhicheng_review_workflow::ReviewCase;

use crate::error::ApiError;
use crate::state::AppState;

/// One row of 我的申报.
pub struct DeclarationRow {
    pub declaration: Declaration,
    pub case: Option<ReviewCase>,
    pub certificate: Option<Certificate>,
    /// How many attachments it has.
    pub attachment_count: usize,
    /// The series name and the title name at the level, from the current catalog.
    pub series_name: String,
    pub title_name: String,
}

impl DeclarationRow {
    /// A row with the names looked up in `catalog`.
    pub fn new(
        declaration: Declaration,
        case: Option<ReviewCase>,
        certificate: Option<Certificate>,
        attachment_count: usize,
        catalog: &Catalog,
    ) -> DeclarationRow {
        DeclarationRow {
            series_name: catalog.series_name(&declaration.series),
            title_name: catalog
                .title_name(&declaration.series, declaration.level)
                .unwrap_or_default()
                .to_owned(),
            declaration,
            case,
            certificate,
            attachment_count,
        }
    }

    /// Machine status: the case status once submitted, else the declaration status.
    pub fn status(&self) -> &'static str {
        match &self.case {
            Some(c) => c.status.as_str(),
            None => self.declaration.status.as_str(),
        }
    }

    pub fn status_zh(&self) -> &'static str {
        match (&self.case, self.declaration.status) {
            (Some(c), _) => c.status.zh(),
            (None, DeclarationStatus::Draft) => "草稿（未提交）",
            (None, DeclarationStatus::Submitted) => "已提交",
            (None, DeclarationStatus::Returned) => "已退回修改",
        }
    }

    /// 证书状态 column.
    pub fn certificate_status_zh(&self) -> &'static str {
        match &self.certificate {
            Some(c) if c.status == CertificateStatus::Valid => "可下载",
            Some(_) => "已撤销",
            None => "未发证",
        }
    }
}

/// The applicant's declarations, newest first.
pub async fn my_declarations(
    st: &AppState,
    p: &Principal,
) -> Result<Vec<DeclarationRow>, ApiError> {
    use zhicheng_declaration::ports::AttachmentRepo;
    use zhicheng_review_workflow::ports::ReviewRepo;
    let declarations = zhicheng_declaration::service::my_declarations(&st.store, p).await?;
    let person = p.person_id.ok_or_else(ApiError::forbidden)?;
    let cases = st.store.list_cases_for_person(person).await?;
    let certificates = zhicheng_certificate::service::my_certificates(&st.store, p).await?;
    let catalog = st.store.current_catalog().await?;
    let mut counts = Vec::with_capacity(declarations.len());
    for d in &declarations {
        counts.push(st.store.list_attachments(d.id).await?.len());
    }
    Ok(declarations
        .into_iter()
        .zip(counts)
        .map(|(d, attachment_count)| {
            let case = cases.iter().find(|c| c.declaration_id == d.id).cloned();
            let certificate = certificates
                .iter()
                .find(|c| c.declaration_id == d.id)
                .cloned();
            DeclarationRow::new(d, case, certificate, attachment_count, &catalog)
        })
        .collect())
}
