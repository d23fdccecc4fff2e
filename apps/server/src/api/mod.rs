//! REST API under `/api/v1`. Handlers translate DTOs to parsed domain commands, call one
//! domain service, and translate the result back. No rule lives here.

pub mod accounts;
pub mod attachments;
pub mod cases;
pub mod certificates;
pub mod declarations;
pub mod divisions;
pub mod documents;
pub mod orgs;
pub mod paths;
pub mod persons;
pub mod plans;
pub mod units;

use poem_openapi::Tags;

use crate::state::AppState;

#[derive(Tags)]
pub enum Tag {
    /// Sign-in and registration of persons (个人注册与登录).
    Accounts,
    /// Organisations and their title-review permission (单位注册与权限).
    Organisations,
    /// Title catalog, review plans and the commitment letter (评审计划与承诺书).
    Plans,
    /// An applicant's declarations (个人申报).
    Declarations,
    /// Approval paths (路径申请与审核).
    Paths,
    /// Review cases: unit review, reporting, acceptance, committee vote (审核、上报、受理、评审).
    Cases,
    /// Certificates: issue, download, public verification (电子证书).
    Certificates,
}

/// All API groups, for `OpenApiService::new`.
pub fn apis(
    st: &AppState,
) -> (
    accounts::AccountsApi,
    orgs::OrgsApi,
    plans::PlansApi,
    declarations::DeclarationsApi,
    paths::PathsApi,
    cases::CasesApi,
    certificates::CertificatesApi,
    attachments::AttachmentsApi,
    documents::DocumentsApi,
    persons::PersonsApi,
    units::UnitsApi,
    divisions::DivisionsApi,
) {
    (
        accounts::AccountsApi(st.clone()),
        orgs::OrgsApi(st.clone()),
        plans::PlansApi(st.clone()),
        declarations::DeclarationsApi(st.clone()),
        paths::PathsApi(st.clone()),
        cases::CasesApi(st.clone()),
        certificates::CertificatesApi(st.clone()),
        attachments::AttachmentsApi(st.clone()),
        documents::DocumentsApi(st.clone()),
        persons::PersonsApi(st.clone()),
        units::UnitsApi(st.clone()),
        divisions::DivisionsApi,
    )
}
