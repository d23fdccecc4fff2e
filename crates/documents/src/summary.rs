//! The summary table (一览表) of declarations: landscape A4 PDF or an XLSX workbook, one row
//! per person.

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
    /// 申报类型, e.g. 正常申报, 破格申报.
    pub kind: String,
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

/// The column headers, shared by the PDF and the workbook.
pub const SUMMARY_HEADERS: [&str; 10] = [
    "序号",
    "姓名",
    "性别",
    "出生日期",
    "工作单位",
    "系列",
    "级别",
    "专业",
    "申报类型",
    "状态",
];

fn cells(rows: &[SummaryRow]) -> Vec<Vec<String>> {
    rows.iter()
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
                r.kind.clone(),
                r.status.clone(),
            ]
        })
        .collect()
}

/// Neutralises spreadsheet formula injection (CSV/XLSX injection): text that a spreadsheet
/// could take for a formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage return —
/// gets a leading apostrophe, so it is always shown as the text that was typed.
pub fn escape_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Renders the summary table as an XLSX workbook: a title row, a bold header row frozen in
/// place, fixed column widths, every cell written as text with [`escape_cell`] applied.
///
/// # Errors
/// [`RenderError::Pdf`] (the writer's error text) if the workbook cannot be written.
pub fn summary_table_xlsx(table: &SummaryTable) -> Result<Vec<u8>, RenderError> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| RenderError::Pdf(format!("XLSX: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("一览表").map_err(err)?;
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin)
        .set_background_color("E6E9EE");
    let body = Format::new().set_border(FormatBorder::Thin);
    ws.write_string_with_format(0, 0, &*escape_cell(table.title), &title)
        .map_err(err)?;
    let mut top = 1u32;
    if let Some(sub) = table.subtitle {
        ws.write_string(top, 0, &*escape_cell(sub)).map_err(err)?;
        top += 1;
    }
    let widths = [6.0, 10.0, 6.0, 12.0, 32.0, 16.0, 8.0, 18.0, 10.0, 12.0];
    for (c, (h, w)) in SUMMARY_HEADERS.iter().zip(widths).enumerate() {
        let c = u16::try_from(c).map_err(|e| RenderError::Pdf(e.to_string()))?;
        ws.write_string_with_format(top, c, *h, &header)
            .map_err(err)?;
        ws.set_column_width(c, w).map_err(err)?;
    }
    ws.set_freeze_panes(top + 1, 0).map_err(err)?;
    for (r, row) in cells(table.rows).iter().enumerate() {
        let r = top + 1 + u32::try_from(r).map_err(|e| RenderError::Pdf(e.to_string()))?;
        for (c, v) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|e| RenderError::Pdf(e.to_string()))?;
            ws.write_string_with_format(r, c, &*escape_cell(v), &body)
                .map_err(err)?;
        }
    }
    if let Some(note) = table.footer_note {
        let r = top
            + 2
            + u32::try_from(table.rows.len()).map_err(|e| RenderError::Pdf(e.to_string()))?;
        ws.write_string(r, 0, &*escape_cell(note)).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

/// Renders the summary table (landscape A4, header repeated on every page, 第 N 页 / 共 M 页).
///
/// # Errors
/// [`RenderError::Pdf`] if krilla cannot write the document.
pub fn summary_table_pdf(fonts: &Fonts, table: &SummaryTable) -> Result<Vec<u8>, RenderError> {
    let [
        n,
        name,
        gender,
        birth,
        unit,
        series,
        level,
        specialty,
        kind,
        status,
    ] = SUMMARY_HEADERS;
    let columns = vec![
        Column::new(n, 0.55, Align::Center),
        Column::new(name, 1.0, Align::Center),
        Column::new(gender, 0.55, Align::Center),
        Column::new(birth, 1.15, Align::Center),
        Column::new(unit, 3.2, Align::Left),
        Column::new(series, 1.6, Align::Left),
        Column::new(level, 0.9, Align::Center),
        Column::new(specialty, 1.5, Align::Left),
        Column::new(kind, 0.9, Align::Center),
        Column::new(status, 1.1, Align::Center),
    ];
    let rows = cells(table.rows);
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formula_like_text_is_escaped_and_plain_text_is_not() {
        for bad in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(escape_cell(bad), format!("'{bad}"));
        }
        for good in ["欧阳䶮", "电气工程", "1985-03-15", "", "a=b", "'quoted"] {
            assert_eq!(escape_cell(good), good);
        }
    }

    #[test]
    fn workbook_is_a_zip_with_the_sheet_and_escaped_names() {
        let rows = vec![SummaryRow {
            name: "=cmd|' /C calc'!A0".into(),
            gender: "男".into(),
            birth_date: NaiveDate::from_ymd_opt(1985, 3, 15).unwrap(),
            unit: "威海市文登区人民医院".into(),
            series: "工程技术".into(),
            level: "中级".into(),
            specialty: "电气工程".into(),
            kind: "正常申报".into(),
            status: "单位审核中".into(),
        }];
        let bytes = summary_table_xlsx(&SummaryTable {
            title: "2026年度一览表",
            subtitle: Some("编制单位：威海市文登区人民医院"),
            footer_note: None,
            rows: &rows,
        })
        .unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        for name in ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"] {
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut xml).unwrap();
        }
        assert!(xml.contains("威海市文登区人民医院"), "{xml}");
        assert!(xml.contains("&apos;=cmd") || xml.contains("'=cmd"), "{xml}");
        assert!(!xml.contains(">=cmd"), "{xml}");
        assert!(xml.contains("<pane ySplit=\"3\""), "frozen header: {xml}");
    }
}
