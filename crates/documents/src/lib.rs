//! zhicheng-documents: the product's PDF documents, rendered from data passed in.
//!
//! Pure: no file or network I/O ([`gather`] reads through the domain ports it is given). Fonts come in as bytes ([`Fonts::from_bytes`]) or compiled in
//! ([`Fonts::embedded`]: Noto Serif SC and Noto Sans SC, SIL OFL 1.1); krilla subsets them, so
//! a one-page certificate stays small. The caller decides where the bytes go.
//!
//! - [`certificate_pdf`]: the electronic title certificate (职称电子证书), with a vector QR
//!   code for the verify URL and the signed JSON document attached to the PDF.
//! - [`review_form_pdf`]: the review form (评审表), A4 portrait, materials flowing over pages,
//!   attachments with SHA-256, the approval trail.
//! - [`summary_table_pdf`] / [`summary_table_xlsx`]: the summary table (一览表), landscape and
//!   paginated, or as a workbook with formula-like text escaped ([`escape_cell`]).
//! - [`export`]: every declaration of a plan as CSV (UTF-8 with BOM) or XLSX, ID numbers
//!   masked unless asked for in full.
//! - [`layout`] and [`table`]: text measuring/wrapping with glyph advances and tables that
//!   repeat their header across pages, for further documents.

pub mod certificate;
pub mod export;
pub mod fonts;
pub mod gather;
pub mod layout;
pub mod qr;
pub mod review_form;
pub mod summary;
pub mod table;

pub use certificate::{CertificateInput, certificate_pdf, verify_url};
pub use export::{EXPORT_HEADERS, ExportRow, export_csv, export_rows, export_xlsx};
pub use fonts::{Face, Fonts};
pub use gather::{SummaryData, summary_data};
pub use review_form::{
    FormApplicant, FormAttachment, FormHop, FormTarget, ReviewFormInput, review_form_pdf,
};
pub use summary::{SummaryRow, SummaryTable, escape_cell, summary_table_pdf, summary_table_xlsx};
pub use table::{Column, TableDocument, table_pdf};

use zhicheng_kernel::Localized;

/// A4 width in points.
pub const A4_WIDTH: f32 = 595.276;
/// A4 height in points.
pub const A4_HEIGHT: f32 = 841.89;

/// Why a document could not be rendered. None of these is the caller's input being wrong in a
/// way a user could fix: they are programming or build problems (answered 500).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("the {0} font cannot be read")]
    Font(&'static str),
    #[error("the QR code cannot hold this URL: {0}")]
    QrCode(String),
    #[error("invalid page size")]
    PageSize,
    #[error("PDF writer: {0}")]
    Pdf(String),
}

impl Localized for RenderError {
    fn code(&self) -> &'static str {
        match self {
            RenderError::Font(_) => "document.font_unreadable",
            RenderError::QrCode(_) => "document.qr_code_overflow",
            RenderError::PageSize => "document.page_size",
            RenderError::Pdf(_) => "document.pdf_writer",
        }
    }

    fn zh(&self) -> String {
        match self {
            RenderError::Font(_) => "文档字体无法读取".into(),
            RenderError::QrCode(_) => "查验网址过长，无法生成二维码".into(),
            RenderError::PageSize => "文档页面尺寸无效".into(),
            RenderError::Pdf(_) => "PDF 文档生成失败".into(),
        }
    }

    fn en(&self) -> String {
        self.to_string()
    }
}

/// Document metadata: title, language zh-CN, creator, and a fixed creation date when given
/// (so the same input renders the same bytes).
pub(crate) fn metadata(
    title: &str,
    created: Option<chrono::DateTime<chrono::Utc>>,
) -> krilla::metadata::Metadata {
    use chrono::{Datelike, Timelike};
    let mut m = krilla::metadata::Metadata::new()
        .title(title.to_owned())
        .language("zh-CN".to_owned())
        .creator("zhicheng".to_owned());
    if let Some(t) = created {
        let d = krilla::metadata::DateTime::new(u16::try_from(t.year()).unwrap_or(1970))
            .month(u8::try_from(t.month()).unwrap_or(1))
            .day(u8::try_from(t.day()).unwrap_or(1))
            .hour(u8::try_from(t.hour()).unwrap_or(0))
            .minute(u8::try_from(t.minute()).unwrap_or(0))
            .second(u8::try_from(t.second()).unwrap_or(0))
            .utc_offset_hour(0);
        m = m.creation_date(d);
    }
    m
}
