//! The declaration export (申报数据导出) of one plan: one row per declaration, written as CSV
//! (UTF-8 with a byte-order mark, so Excel shows the Chinese text) or as an XLSX workbook.
//! ID numbers are masked unless the caller asks for them in full (and audits that).

use std::collections::HashMap;

use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::{Declaration, DeclarationStatus, ReviewPlan};
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{OrgId, PersonId, StoreError};
use zhicheng_review_workflow::ports::ReviewRepo;

use crate::RenderError;
use crate::summary::escape_cell;

/// The column headers, shared by CSV and XLSX.
pub const EXPORT_HEADERS: [&str; 15] = [
    "序号",
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "用人单位",
    "职称系列",
    "申报级别",
    "资格名称",
    "专业",
    "申报类型",
    "办理状态",
    "提交时间",
    "提交次数",
    "申报编号",
];

/// One declaration as exported (every cell text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub cells: [String; 15],
}

/// The applicant-side status in words, for declarations without a review case.
fn declaration_status_zh(s: DeclarationStatus) -> &'static str {
    match s {
        DeclarationStatus::Draft => "草稿（未提交）",
        DeclarationStatus::Submitted => "已提交",
        DeclarationStatus::Returned => "已退回修改",
    }
}

/// Builds the rows of `declarations` (of `plan`), looking up persons, units and review cases;
/// `on_row` is called once per row done (a progress bar). ID numbers are masked
/// (`3710**********1231`) unless `full_id`.
///
/// # Errors
/// `Unavailable` when the store fails or a person is missing.
pub async fn export_rows<S, F>(
    store: &S,
    plan: &ReviewPlan,
    declarations: &[Declaration],
    full_id: bool,
    mut on_row: F,
) -> Result<Vec<ExportRow>, StoreError>
where
    S: IdentityRepo + ReviewRepo + DeclarationRepo,
    F: FnMut(),
{
    let catalog = store.current_catalog().await?;
    let tz = plan.time_zone;
    let mut units: HashMap<OrgId, String> = HashMap::new();
    let mut seen: HashMap<PersonId, zhicheng_identity::Person> = HashMap::new();
    let mut rows = Vec::with_capacity(declarations.len());
    for (i, d) in declarations.iter().enumerate() {
        let person = match seen.get(&d.person_id) {
            Some(p) => p.clone(),
            None => {
                let p = store.get_person(d.person_id).await?.ok_or_else(|| {
                    StoreError::Unavailable(format!("person {} is missing", d.person_id.0))
                })?;
                seen.insert(d.person_id, p.clone());
                p
            }
        };
        let unit = match units.get(&d.unit_id) {
            Some(u) => u.clone(),
            None => {
                let u = store
                    .get_org(d.unit_id)
                    .await?
                    .map(|o| o.name.as_str().to_owned())
                    .unwrap_or_default();
                units.insert(d.unit_id, u.clone());
                u
            }
        };
        let status = match store.get_case_for_declaration(d.id).await? {
            Some(c) => c.status.zh().to_owned(),
            None => declaration_status_zh(d.status).to_owned(),
        };
        let id_number = if full_id {
            person.id_number.as_str().to_owned()
        } else {
            person.id_number.masked()
        };
        rows.push(ExportRow {
            cells: [
                (i + 1).to_string(),
                person.name.as_str().to_owned(),
                id_number,
                person.gender().zh().to_owned(),
                person.birth_date().to_string(),
                unit,
                catalog.series_name(&d.series),
                d.level.zh().to_owned(),
                catalog
                    .title_name(&d.series, d.level)
                    .unwrap_or_default()
                    .to_owned(),
                d.specialty.clone(),
                d.kind.zh().to_owned(),
                status,
                d.submitted_at.map(|t| tz.local(t)).unwrap_or_default(),
                d.submissions.to_string(),
                d.id.0.to_string(),
            ],
        });
        on_row();
    }
    Ok(rows)
}

/// CSV with a UTF-8 byte-order mark and CRLF line ends (what Excel expects), a header line,
/// cells that could start a formula escaped ([`escape_cell`]).
///
/// # Errors
/// [`RenderError::Pdf`] (the writer's text) if the CSV writer fails.
pub fn export_csv(rows: &[ExportRow]) -> Result<Vec<u8>, RenderError> {
    let err = |e: csv::Error| RenderError::Pdf(format!("CSV: {e}"));
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(EXPORT_HEADERS).map_err(err)?;
        for r in rows {
            w.write_record(r.cells.iter().map(|c| escape_cell(c).into_owned()))
                .map_err(err)?;
        }
        w.flush()
            .map_err(|e| RenderError::Pdf(format!("CSV: {e}")))?;
    }
    Ok(out)
}

/// An XLSX workbook: a title row, a bold header frozen in place, every cell as text.
///
/// # Errors
/// [`RenderError::Pdf`] (the writer's text) if the workbook cannot be written.
pub fn export_xlsx(title: &str, rows: &[ExportRow]) -> Result<Vec<u8>, RenderError> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| RenderError::Pdf(format!("XLSX: {e}"));
    let idx = |e: std::num::TryFromIntError| RenderError::Pdf(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("申报数据").map_err(err)?;
    ws.write_string_with_format(0, 0, &*escape_cell(title), &Format::new().set_bold())
        .map_err(err)?;
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("E6E9EE");
    let widths = [
        6.0, 10.0, 21.0, 6.0, 12.0, 30.0, 16.0, 8.0, 14.0, 14.0, 10.0, 12.0, 17.0, 8.0, 38.0,
    ];
    for (c, (h, w)) in EXPORT_HEADERS.iter().zip(widths).enumerate() {
        let c = u16::try_from(c).map_err(idx)?;
        ws.write_string_with_format(1, c, *h, &header)
            .map_err(err)?;
        ws.set_column_width(c, w).map_err(err)?;
    }
    ws.set_freeze_panes(2, 0).map_err(err)?;
    for (r, row) in rows.iter().enumerate() {
        let r = 2 + u32::try_from(r).map_err(idx)?;
        for (c, v) in row.cells.iter().enumerate() {
            let c = u16::try_from(c).map_err(idx)?;
            ws.write_string(r, c, &*escape_cell(v)).map_err(err)?;
        }
    }
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> ExportRow {
        let mut cells: [String; 15] = Default::default();
        cells[0] = "1".into();
        cells[1] = name.into();
        cells[2] = "3710**********1231".into();
        ExportRow { cells }
    }

    #[test]
    fn csv_starts_with_a_bom_and_escapes_formulas() {
        let out = export_csv(&[row("张伟"), row("=HYPERLINK(\"x\")")]).unwrap();
        assert!(out.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert!(lines[0].starts_with("序号,姓名,身份证号"));
        assert!(lines[1].starts_with("1,张伟,3710**********1231"));
        assert!(lines[2].contains("'=HYPERLINK"), "{}", lines[2]);
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let out = export_xlsx("2026 年度申报数据", &[row("张伟")]).unwrap();
        assert!(out.starts_with(b"PK"));
    }
}
