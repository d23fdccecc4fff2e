//! The review form (专业技术职务任职资格评审表): A4 portrait, the applicant's basics, the
//! declaration target and kind, every materials section (one line per row, as the caller
//! words it) as wrapped text flowing over pages, the
//! attachments with their SHA-256, and the approval trail; 第 N 页 / 共 M 页 on every page.
//!
//! Laid out in one pass into a list of drawing operations per page, then drawn once the page
//! count is known (the footer needs it).

use chrono::{DateTime, NaiveDate, Utc};
use krilla::Document;
use krilla::geom::Rect;
use krilla::page::PageSettings;

use crate::fonts::{Face, Fonts};
use crate::layout::{self, Align, Color, GREY, INK, Style, text, wrap};
use crate::table::{Column, LaidRow, Table, TableStyle};
use crate::{A4_HEIGHT, A4_WIDTH, RenderError, metadata};

const TITLE: &str = "专业技术职务任职资格评审表";
const MARGIN_X: f32 = 56.0;
const TOP: f32 = 52.0;
const BOTTOM: f32 = A4_HEIGHT - 62.0;
const BAND: Color = Color::new(0xe6, 0xe9, 0xee);
const BODY_SIZE: f32 = 10.5;
const LEADING: f32 = 17.5;

/// The applicant as the form shows them (the ID number already masked by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormApplicant {
    pub name: String,
    /// 男 / 女.
    pub gender: String,
    pub birth_date: NaiveDate,
    pub id_number_masked: String,
    pub unit: String,
}

/// What is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormTarget {
    pub year: i32,
    /// Series name, e.g. 工程技术.
    pub series: String,
    /// Level name, e.g. 中级.
    pub level: String,
    /// Title name, e.g. 工程师.
    pub title_name: String,
    pub specialty: String,
    /// Declaration kind, e.g. 正常申报, 破格申报, 转评, 初定.
    pub kind: String,
    /// Status of the declaration or its case, e.g. 单位审核中.
    pub status: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// One attachment: its section, file name, size in bytes and SHA-256 (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormAttachment {
    pub section: String,
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
}

/// One step of the approval trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormHop {
    pub at: DateTime<Utc>,
    /// What happened, e.g. 单位审核通过.
    pub action: String,
    /// The organisation that acted (or held the case when the applicant acted).
    pub organisation: String,
    /// Who acted.
    pub actor: String,
    pub opinion: Option<String>,
}

/// Everything the form shows. Sections are (heading, text) in order; empty text prints as
/// 未填写.
#[derive(Debug, Clone)]
pub struct ReviewFormInput {
    pub applicant: FormApplicant,
    pub target: FormTarget,
    pub sections: Vec<(String, String)>,
    pub attachments: Vec<FormAttachment>,
    pub trail: Vec<FormHop>,
    /// When the form was produced (printed in the footer; also the PDF creation date).
    pub generated_at: DateTime<Utc>,
}

/// 1.2 MB, 356 KB, 812 B.
pub fn human_size(bytes: u64) -> String {
    // Display only: precision loss above 2^53 bytes is irrelevant.
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// 2026-11-27 14:05 in China time (UTC+8).
fn china_time(t: DateTime<Utc>) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

#[derive(Clone, Copy)]
enum FaceKind {
    Serif,
    Sans,
}

enum Op {
    Text {
        face: FaceKind,
        size: f32,
        color: Color,
        x: f32,
        y: f32,
        align: Align,
        s: String,
    },
    Band(Rect),
    Line((f32, f32), (f32, f32), f32),
    Frame(f32, f32, f32, f32),
    /// Table `n` with rows `range`, top-left at (x, y).
    Table(usize, f32, f32, std::ops::Range<usize>),
}

/// Pages of operations with a cursor: the y where the next thing goes.
struct Flow {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Flow {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP + 22.0;
    }

    /// Starts a new page unless `h` more points fit.
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.new_page();
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        face: FaceKind,
        size: f32,
        color: Color,
        x: f32,
        y: f32,
        align: Align,
        s: &str,
    ) {
        self.ops().push(Op::Text {
            face,
            size,
            color,
            x,
            y,
            align,
            s: s.to_owned(),
        });
    }
}

fn face(fonts: &Fonts, f: FaceKind) -> &Face {
    match f {
        FaceKind::Serif => &fonts.serif,
        FaceKind::Sans => &fonts.sans,
    }
}

/// A section heading: a tinted band with the heading in serif.
fn heading(flow: &mut Flow, s: &str) {
    flow.ensure(26.0 + LEADING * 2.0);
    let w = A4_WIDTH - 2.0 * MARGIN_X;
    if let Some(r) = Rect::from_xywh(MARGIN_X, flow.y, w, 20.0) {
        flow.ops().push(Op::Band(r));
    }
    let y = flow.y + 14.5;
    flow.text(
        FaceKind::Serif,
        12.0,
        INK,
        MARGIN_X + 8.0,
        y,
        Align::Left,
        s,
    );
    flow.y += 20.0 + 14.0;
}

/// Wrapped body text flowing over pages, one baseline per line.
fn body(flow: &mut Flow, fonts: &Fonts, s: &str) {
    let w = A4_WIDTH - 2.0 * MARGIN_X - 16.0;
    let (s, color) = if s.trim().is_empty() {
        ("（未填写）", GREY)
    } else {
        (s.trim(), INK)
    };
    for line in wrap(&fonts.sans, s, BODY_SIZE, w) {
        if flow.y > BOTTOM {
            flow.new_page();
        }
        flow.text(
            FaceKind::Sans,
            BODY_SIZE,
            color,
            MARGIN_X + 8.0,
            flow.y,
            Align::Left,
            &line,
        );
        flow.y += LEADING;
    }
    flow.y += 8.0;
}

/// A label/value grid: rows of (label, value) pairs, two pairs per row.
fn grid(flow: &mut Flow, pairs: &[(&str, String)]) {
    let w = A4_WIDTH - 2.0 * MARGIN_X;
    let row_h = 24.0;
    let label_w = 72.0;
    let rows = pairs.len().div_ceil(2);
    #[allow(clippy::cast_precision_loss)]
    let h = rows as f32 * row_h;
    flow.ensure(h);
    let top = flow.y;
    for (i, (label, value)) in pairs.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let ry = top + (i / 2) as f32 * row_h;
        let rx = MARGIN_X + if i % 2 == 0 { 0.0 } else { w / 2.0 };
        if let Some(r) = Rect::from_xywh(rx, ry, label_w, row_h) {
            flow.ops().push(Op::Band(r));
        }
        let base = ry + row_h / 2.0 + 3.8;
        flow.text(
            FaceKind::Sans,
            10.0,
            INK,
            rx + label_w / 2.0,
            base,
            Align::Center,
            label,
        );
        flow.text(
            FaceKind::Sans,
            10.0,
            INK,
            rx + label_w + 6.0,
            base,
            Align::Left,
            value,
        );
    }
    let ops = flow.ops();
    for r in 1..rows {
        #[allow(clippy::cast_precision_loss)]
        let y = top + r as f32 * row_h;
        ops.push(Op::Line((MARGIN_X, y), (MARGIN_X + w, y), 0.4));
    }
    for x in [
        MARGIN_X + label_w,
        MARGIN_X + w / 2.0,
        MARGIN_X + w / 2.0 + label_w,
    ] {
        ops.push(Op::Line((x, top), (x, top + h), 0.4));
    }
    ops.push(Op::Frame(MARGIN_X, top, w, h));
    flow.y = top + h + 16.0;
}

/// Places a table at the cursor, flowing over pages; the header repeats on each.
fn place_table(flow: &mut Flow, table: &Table, laid: &[LaidRow], n: usize) {
    let first_row = laid.first().map_or(0.0, |r| r.height);
    flow.ensure(table.header_height() + first_row);
    let pages = table.paginate(laid, BOTTOM + 8.0 - flow.y, BOTTOM + 8.0 - (TOP + 22.0));
    let count = pages.len();
    for (i, range) in pages.into_iter().enumerate() {
        if i > 0 {
            flow.new_page();
        }
        let height = table.header_height()
            + laid
                .get(range.clone())
                .map_or(0.0, |rs| rs.iter().map(|r| r.height).sum());
        let y = flow.y;
        flow.ops().push(Op::Table(n, MARGIN_X, y, range));
        flow.y = y + height + if i + 1 == count { 16.0 } else { 0.0 };
    }
}

/// Renders the review form to PDF bytes. The same input gives the same bytes.
///
/// # Errors
/// [`RenderError::Pdf`] if krilla cannot write the document.
pub fn review_form_pdf(fonts: &Fonts, input: &ReviewFormInput) -> Result<Vec<u8>, RenderError> {
    let a = &input.applicant;
    let t = &input.target;
    let width = A4_WIDTH - 2.0 * MARGIN_X;
    let mut flow = Flow {
        pages: vec![Vec::new()],
        y: TOP,
    };

    // Title block.
    flow.text(
        FaceKind::Serif,
        20.0,
        INK,
        A4_WIDTH / 2.0,
        TOP + 20.0,
        Align::Center,
        TITLE,
    );
    let sub = format!("{}年度 · {} · {}", t.year, t.series, t.level);
    flow.text(
        FaceKind::Sans,
        10.0,
        GREY,
        A4_WIDTH / 2.0,
        TOP + 42.0,
        Align::Center,
        &sub,
    );
    flow.y = TOP + 62.0;

    heading(&mut flow, "一、基本情况");
    grid(
        &mut flow,
        &[
            ("姓名", a.name.clone()),
            ("性别", a.gender.clone()),
            ("出生日期", a.birth_date.format("%Y-%m-%d").to_string()),
            ("身份证号", a.id_number_masked.clone()),
            ("工作单位", a.unit.clone()),
            (
                "提交时间",
                t.submitted_at
                    .map_or_else(|| "未提交".to_owned(), china_time),
            ),
        ],
    );

    heading(&mut flow, "二、申报信息");
    grid(
        &mut flow,
        &[
            ("申报年度", format!("{}年", t.year)),
            ("职称系列", t.series.clone()),
            ("申报级别", t.level.clone()),
            ("职称名称", t.title_name.clone()),
            ("专业", t.specialty.clone()),
            ("申报类型", t.kind.clone()),
            ("当前状态", t.status.clone()),
        ],
    );

    for (i, (title, s)) in input.sections.iter().enumerate() {
        heading(&mut flow, &format!("{}、{}", zh_ordinal(i + 3), title));
        body(&mut flow, fonts, s);
    }

    let n_att = input.sections.len() + 3;
    let attachments = Table::new(
        vec![
            Column::new("序号", 0.5, Align::Center),
            Column::new("材料类别", 1.5, Align::Left),
            Column::new("文件名", 2.4, Align::Left),
            Column::new("大小", 0.9, Align::Right),
            Column::new("SHA-256", 3.6, Align::Left),
        ],
        TableStyle::plain(fonts, 8.5),
        width,
    );
    let att_rows: Vec<Vec<String>> = input
        .attachments
        .iter()
        .enumerate()
        .map(|(i, f)| {
            vec![
                (i + 1).to_string(),
                f.section.clone(),
                f.file_name.clone(),
                human_size(f.size),
                f.sha256.clone(),
            ]
        })
        .collect();
    let att_laid = attachments.lay_out(&att_rows);
    heading(&mut flow, &format!("{}、附件材料", zh_ordinal(n_att)));
    if att_laid.is_empty() {
        body(&mut flow, fonts, "");
    } else {
        place_table(&mut flow, &attachments, &att_laid, 0);
    }

    let trail = Table::new(
        vec![
            Column::new("时间", 1.35, Align::Center),
            Column::new("环节", 1.3, Align::Left),
            Column::new("办理单位", 2.2, Align::Left),
            Column::new("办理人", 1.1, Align::Left),
            Column::new("意见", 2.6, Align::Left),
        ],
        TableStyle::plain(fonts, 8.5),
        width,
    );
    let trail_rows: Vec<Vec<String>> = input
        .trail
        .iter()
        .map(|h| {
            vec![
                china_time(h.at),
                h.action.clone(),
                h.organisation.clone(),
                h.actor.clone(),
                h.opinion.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let trail_laid = trail.lay_out(&trail_rows);
    heading(
        &mut flow,
        &format!("{}、审核流转记录", zh_ordinal(n_att + 1)),
    );
    if trail_laid.is_empty() {
        body(&mut flow, fonts, "尚无审核记录");
    } else {
        place_table(&mut flow, &trail, &trail_laid, 1);
    }

    // Draw.
    let tables = [(&attachments, &att_laid), (&trail, &trail_laid)];
    let total = flow.pages.len();
    let footer_note = format!("生成时间：{}", china_time(input.generated_at));
    let foot = Style::new(&fonts.sans, 8.5).color(GREY);
    let mut document = Document::new();
    document.set_metadata(metadata(
        &format!("{TITLE} {}", a.name),
        Some(input.generated_at),
    ));
    for (n, ops) in flow.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(A4_WIDTH, A4_HEIGHT).ok_or(RenderError::PageSize)?;
        let mut page = document.start_page_with(settings);
        let mut s = page.surface();
        if n > 0 {
            let running = format!("{TITLE}（续） {}", a.name);
            text(&mut s, &foot, MARGIN_X, TOP + 4.0, Align::Left, &running);
            layout::line(
                &mut s,
                (MARGIN_X, TOP + 9.0),
                (A4_WIDTH - MARGIN_X, TOP + 9.0),
                0.4,
                GREY,
            );
        }
        for op in ops {
            match op {
                Op::Text {
                    face: f,
                    size,
                    color,
                    x,
                    y,
                    align,
                    s: str,
                } => {
                    let style = Style::new(face(fonts, *f), *size).color(*color);
                    text(&mut s, &style, *x, *y, *align, str);
                }
                Op::Band(r) => layout::fill_rects(&mut s, Some(*r), BAND),
                Op::Line(from, to, w) => layout::line(&mut s, *from, *to, *w, GREY),
                Op::Frame(x, y, w, h) => layout::frame(&mut s, *x, *y, *w, *h, 0.9, INK),
                Op::Table(i, x, y, range) => {
                    if let Some((table, laid)) = tables.get(*i) {
                        table.draw(&mut s, *x, *y, laid, range.clone());
                    }
                }
            }
        }
        let label = format!("第 {} 页 / 共 {} 页", n + 1, total);
        let fy = A4_HEIGHT - 30.0;
        text(&mut s, &foot, A4_WIDTH / 2.0, fy, Align::Center, &label);
        text(&mut s, &foot, MARGIN_X, fy, Align::Left, &footer_note);
        s.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

/// 三, 四, … 十二 (section numbers up to 99).
fn zh_ordinal(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (tens, ones) = (n / 10 % 10, n % 10);
    let mut s = String::new();
    if tens > 1 {
        s.push_str(D[tens]);
    }
    if tens > 0 {
        s.push('十');
    }
    if ones > 0 || tens == 0 {
        s.push_str(D[ones]);
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn input(paragraphs: usize, attachments: usize) -> ReviewFormInput {
        let long = "负责院区配电系统改造与运行维护，主持完成十千伏配电室改造项目，".repeat(12);
        ReviewFormInput {
            applicant: FormApplicant {
                name: "欧阳䶮".into(),
                gender: "男".into(),
                birth_date: NaiveDate::from_ymd_opt(1985, 3, 15).unwrap(),
                id_number_masked: "3710**********1231".into(),
                unit: "威海市文登区人民医院".into(),
            },
            target: FormTarget {
                year: 2026,
                series: "工程技术".into(),
                level: "中级".into(),
                title_name: "工程师".into(),
                specialty: "电气工程".into(),
                kind: "破格申报".into(),
                status: "单位审核中".into(),
                submitted_at: Some(Utc::now()),
            },
            sections: vec![
                (
                    "学历学位".into(),
                    "2007年 山东大学 电气工程及其自动化 本科 学士".into(),
                ),
                ("现任职称".into(), String::new()),
                ("工作经历".into(), vec![long.clone(); paragraphs].join("\n")),
                ("工作业绩与成果".into(), long.clone()),
                ("个人总结".into(), long),
            ],
            attachments: (0..attachments)
                .map(|i| FormAttachment {
                    section: "工作业绩与成果".into(),
                    file_name: format!("证明材料{i}.pdf"),
                    size: 1_234_567,
                    sha256: "ab".repeat(32),
                })
                .collect(),
            trail: vec![FormHop {
                at: Utc::now(),
                action: "确定申报".into(),
                organisation: "威海市文登区人民医院".into(),
                actor: "欧阳䶮".into(),
                opinion: None,
            }],
            generated_at: Utc::now(),
        }
    }

    #[test]
    fn short_and_long_forms_render_and_the_long_one_is_larger() {
        let fonts = Fonts::embedded().unwrap();
        let short = review_form_pdf(fonts, &input(1, 2)).unwrap();
        assert!(short.starts_with(b"%PDF-"));
        let long = review_form_pdf(fonts, &input(12, 60)).unwrap();
        assert!(long.starts_with(b"%PDF-"));
        assert!(long.len() > short.len());
    }

    #[test]
    fn flow_breaks_pages_when_text_runs_past_the_bottom() {
        let fonts = Fonts::embedded().unwrap();
        let mut flow = Flow {
            pages: vec![Vec::new()],
            y: TOP,
        };
        body(&mut flow, fonts, &"评审".repeat(3000));
        assert!(flow.pages.len() > 1, "{}", flow.pages.len());
        for page in &flow.pages {
            for op in page {
                if let Op::Text { y, .. } = op {
                    assert!(*y <= BOTTOM + LEADING, "{y}");
                }
            }
        }
    }

    #[test]
    fn sizes_and_ordinals_read_naturally() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(356 * 1024), "356 KB");
        assert_eq!(human_size(1_258_291), "1.2 MB");
        assert_eq!(zh_ordinal(3), "三");
        assert_eq!(zh_ordinal(10), "十");
        assert_eq!(zh_ordinal(12), "十二");
        assert_eq!(zh_ordinal(21), "二十一");
    }
}
