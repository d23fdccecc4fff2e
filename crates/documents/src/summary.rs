//! The summary table (一览表) of declarations: landscape A4, one row per person.

use chrono::NaiveDate;

use crate::RenderError;
use crate::fonts::Fonts;
use crate::layout::Align;
use crate::table::{Column, TableDocument, table_pdf};

/// One person in the summary table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub name: String,
    /// 男 / 女.
    pub gender: String,
    pub birth_date: NaiveDate,
    pub unit: String,
    pub series: String,
    pub level: String,
    pub specialty: String,
    pub status: String,
}

/// The whole table: a title (e.g. `2026年度工程技术人员高级职称评审申报人员一览表`), an optional
/// subtitle line (who compiled it, when) and the rows in order.
#[derive(Debug, Clone)]
pub struct SummaryTable<'a> {
    pub title: &'a str,
    pub subtitle: Option<&'a str>,
    pub footer_note: Option<&'a str>,
    pub rows: &'a [SummaryRow],
}

/// Renders the summary table (landscape A4, header repeated on every page, 第 N 页 / 共 M 页).
///
/// # Errors
/// [`RenderError::Pdf`] if krilla cannot write the document.
pub fn summary_table_pdf(fonts: &Fonts, table: &SummaryTable) -> Result<Vec<u8>, RenderError> {
    let columns = vec![
        Column::new("序号", 0.55, Align::Center),
        Column::new("姓名", 1.0, Align::Center),
        Column::new("性别", 0.55, Align::Center),
        Column::new("出生日期", 1.15, Align::Center),
        Column::new("工作单位", 3.2, Align::Left),
        Column::new("系列", 1.6, Align::Left),
        Column::new("级别", 0.9, Align::Center),
        Column::new("专业", 1.7, Align::Left),
        Column::new("状态", 1.1, Align::Center),
    ];
    let rows = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.name.clone(),
                r.gender.clone(),
                r.birth_date.format("%Y-%m-%d").to_string(),
                r.unit.clone(),
                r.series.clone(),
                r.level.clone(),
                r.specialty.clone(),
                r.status.clone(),
            ]
        })
        .collect();
    table_pdf(
        fonts,
        &TableDocument {
            title: table.title,
            subtitle: table.subtitle,
            footer_note: table.footer_note,
            columns,
            rows,
            landscape: true,
            font_size: 9.5,
        },
    )
}
