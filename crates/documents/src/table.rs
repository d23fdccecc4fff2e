//! Tables that flow over pages with the header row repeated on each, and a generic tabular
//! document (title, optional subtitle, table, 第 N 页 / 共 M 页 footer) built on them.

use std::ops::Range;

use krilla::Document;
use krilla::geom::Rect;
use krilla::page::PageSettings;
use krilla::surface::Surface;

use crate::fonts::Fonts;
use crate::layout::{self, Align, Color, GREY, INK, Style, text, wrap};
use crate::{A4_HEIGHT, A4_WIDTH, RenderError, metadata};

/// One column: header text, relative width (weights are scaled to the table width) and the
/// alignment of its cells.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub weight: f32,
    pub align: Align,
}

impl Column {
    pub fn new(header: &str, weight: f32, align: Align) -> Column {
        Column {
            header: header.to_owned(),
            weight,
            align,
        }
    }
}

/// How a table looks.
#[derive(Debug, Clone)]
pub struct TableStyle<'a> {
    pub body: Style<'a>,
    pub header: Style<'a>,
    /// Horizontal and vertical cell padding, points.
    pub pad_x: f32,
    pub pad_y: f32,
    /// Line height as a multiple of the font size.
    pub line_height: f32,
    pub header_fill: Color,
    /// Fill of every other body row, if any.
    pub zebra: Option<Color>,
    pub rule: Color,
}

impl<'a> TableStyle<'a> {
    /// Sans body text at `size`, a tinted header row, hairline rules.
    pub fn plain(fonts: &'a Fonts, size: f32) -> TableStyle<'a> {
        TableStyle {
            body: Style::new(&fonts.sans, size),
            header: Style::new(&fonts.sans, size).color(INK),
            pad_x: 4.0,
            pad_y: 4.0,
            line_height: 1.35,
            header_fill: Color::new(0xe6, 0xe9, 0xee),
            zebra: Some(Color::new(0xf7, 0xf8, 0xfa)),
            rule: Color::new(0x8a, 0x8f, 0x98),
        }
    }
}

/// A row broken into lines per cell, and its height.
#[derive(Debug, Clone)]
pub struct LaidRow {
    pub cells: Vec<Vec<String>>,
    pub height: f32,
}

/// A table of fixed width.
#[derive(Debug, Clone)]
pub struct Table<'a> {
    pub columns: Vec<Column>,
    pub style: TableStyle<'a>,
    widths: Vec<f32>,
    header: LaidRow,
}

impl<'a> Table<'a> {
    /// A table `width` points wide.
    pub fn new(columns: Vec<Column>, style: TableStyle<'a>, width: f32) -> Table<'a> {
        let total: f32 = columns
            .iter()
            .map(|c| c.weight.max(0.0))
            .sum::<f32>()
            .max(1e-3);
        let widths: Vec<f32> = columns
            .iter()
            .map(|c| c.weight.max(0.0) / total * width)
            .collect();
        let mut t = Table {
            columns,
            style,
            widths,
            header: LaidRow {
                cells: Vec::new(),
                height: 0.0,
            },
        };
        let headers: Vec<String> = t.columns.iter().map(|c| c.header.clone()).collect();
        t.header = t.lay_out_with(&t.style.header, &headers);
        t
    }

    pub fn width(&self) -> f32 {
        self.widths.iter().sum()
    }

    pub fn header_height(&self) -> f32 {
        self.header.height
    }

    fn line_step(&self, style: &Style) -> f32 {
        style.size * self.style.line_height
    }

    fn lay_out_with(&self, style: &Style, cells: &[String]) -> LaidRow {
        let mut out = Vec::with_capacity(self.widths.len());
        let mut lines = 1usize;
        for (i, w) in self.widths.iter().enumerate() {
            let s = cells.get(i).map(String::as_str).unwrap_or("");
            let wrapped = wrap(
                style.face,
                s,
                style.size,
                (w - 2.0 * self.style.pad_x).max(1.0),
            );
            lines = lines.max(wrapped.len());
            out.push(wrapped);
        }
        LaidRow {
            cells: out,
            height: lines as f32 * self.line_step(style) + 2.0 * self.style.pad_y,
        }
    }

    /// Wraps every cell of every row.
    pub fn lay_out(&self, rows: &[Vec<String>]) -> Vec<LaidRow> {
        rows.iter()
            .map(|r| self.lay_out_with(&self.style.body, r))
            .collect()
    }

    /// Splits rows into pages: `first` and `rest` are the heights available for the table
    /// (header included) on the first and later pages. A row taller than a page gets a page
    /// of its own.
    pub fn paginate(&self, rows: &[LaidRow], first: f32, rest: f32) -> Vec<Range<usize>> {
        let mut pages = Vec::new();
        let mut start = 0;
        let mut avail = first - self.header.height;
        let mut used = 0.0;
        for (i, r) in rows.iter().enumerate() {
            if used + r.height > avail && i > start {
                pages.push(start..i);
                start = i;
                used = 0.0;
                avail = rest - self.header.height;
            }
            used += r.height;
        }
        pages.push(start..rows.len());
        pages
    }

    fn draw_row(&self, surface: &mut Surface, header: bool, x: f32, y: f32, row: &LaidRow) {
        let style = if header {
            &self.style.header
        } else {
            &self.style.body
        };
        let step = self.line_step(style);
        // Baseline of the first line: padding plus the ascent, centred in the line box.
        let first = y
            + self.style.pad_y
            + (step - (style.face.ascent() - style.face.descent()) * style.size) / 2.0
            + style.face.ascent() * style.size;
        let mut cx = x;
        for (i, w) in self.widths.iter().enumerate() {
            let align = if header {
                Align::Center
            } else {
                self.columns.get(i).map_or(Align::Left, |c| c.align)
            };
            let lines = row.cells.get(i).map(Vec::as_slice).unwrap_or(&[]);
            // Centre short cells vertically in tall rows.
            let block = lines.len() as f32 * step;
            let offset = ((row.height - 2.0 * self.style.pad_y) - block).max(0.0) / 2.0;
            let anchor = match align {
                Align::Left => cx + self.style.pad_x,
                Align::Center => cx + w / 2.0,
                Align::Right => cx + w - self.style.pad_x,
            };
            for (k, l) in lines.iter().enumerate() {
                text(
                    surface,
                    style,
                    anchor,
                    first + offset + k as f32 * step,
                    align,
                    l,
                );
            }
            cx += w;
        }
    }

    /// Draws the header and `rows[range]` with the top-left corner at (`x`, `y`); returns the
    /// bottom edge.
    pub fn draw(
        &self,
        surface: &mut Surface,
        x: f32,
        y: f32,
        rows: &[LaidRow],
        range: Range<usize>,
    ) -> f32 {
        let width = self.width();
        let s = &self.style;
        let header_rect = Rect::from_xywh(x, y, width, self.header.height);
        layout::fill_rects(surface, header_rect, s.header_fill);
        // Zebra backgrounds first, then text, then rules on top.
        let mut tops = Vec::new();
        let mut cy = y + self.header.height;
        for (n, i) in range.clone().enumerate() {
            let Some(r) = rows.get(i) else { break };
            if let (Some(z), true) = (s.zebra, n % 2 == 1) {
                layout::fill_rects(surface, Rect::from_xywh(x, cy, width, r.height), z);
            }
            tops.push(cy);
            cy += r.height;
        }
        let bottom = cy;
        self.draw_row(surface, true, x, y, &self.header);
        for (i, top) in range.zip(tops.iter()) {
            if let Some(r) = rows.get(i) {
                self.draw_row(surface, false, x, *top, r);
            }
        }
        // Rules: outer frame heavier, inner hairlines.
        let hair = 0.4;
        for top in &tops {
            layout::line(surface, (x, *top), (x + width, *top), hair, s.rule);
        }
        let mut cx = x;
        for w in &self.widths[..self.widths.len().saturating_sub(1)] {
            cx += w;
            layout::line(surface, (cx, y), (cx, bottom), hair, s.rule);
        }
        layout::frame(surface, x, y, width, bottom - y, 0.9, INK);
        layout::line(
            surface,
            (x, y + self.header.height),
            (x + width, y + self.header.height),
            0.7,
            INK,
        );
        bottom
    }
}

/// A tabular document: a title, an optional subtitle line, the table flowing over pages with
/// its header repeated, and a page footer.
#[derive(Debug, Clone)]
pub struct TableDocument<'a> {
    pub title: &'a str,
    pub subtitle: Option<&'a str>,
    /// Left part of the footer (e.g. who produced the list); the page number is centred.
    pub footer_note: Option<&'a str>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    pub landscape: bool,
    /// Body font size, points.
    pub font_size: f32,
}

/// Renders a [`TableDocument`] to PDF bytes.
///
/// # Errors
/// [`RenderError::Pdf`] if krilla cannot write the document.
pub fn table_pdf(fonts: &Fonts, doc: &TableDocument) -> Result<Vec<u8>, RenderError> {
    let (pw, ph) = if doc.landscape {
        (A4_HEIGHT, A4_WIDTH)
    } else {
        (A4_WIDTH, A4_HEIGHT)
    };
    let margin_x = 42.0;
    let top = 40.0;
    let footer_base = ph - 26.0;
    let table_bottom = ph - 48.0;
    let title_style = Style::new(&fonts.serif, 18.0).tracking(0.08);
    let sub_style = Style::new(&fonts.sans, 9.0).color(GREY);
    let cont_style = Style::new(&fonts.sans, 9.0).color(GREY);
    let foot_style = Style::new(&fonts.sans, 8.5).color(GREY);

    let table = Table::new(
        doc.columns.clone(),
        TableStyle::plain(fonts, doc.font_size),
        pw - 2.0 * margin_x,
    );
    let laid = table.lay_out(&doc.rows);
    // First page: title block; later pages: one running line.
    let first_table_top = top + 34.0 + if doc.subtitle.is_some() { 18.0 } else { 4.0 };
    let rest_table_top = top + 16.0;
    let pages = table.paginate(
        &laid,
        table_bottom - first_table_top,
        table_bottom - rest_table_top,
    );
    let total = pages.len();

    let mut document = Document::new();
    document.set_metadata(metadata(doc.title, None));
    for (n, range) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(pw, ph).ok_or(RenderError::PageSize)?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let table_top = if n == 0 {
            text(
                &mut surface,
                &title_style,
                pw / 2.0,
                top + 18.0,
                Align::Center,
                doc.title,
            );
            if let Some(sub) = doc.subtitle {
                text(
                    &mut surface,
                    &sub_style,
                    margin_x,
                    top + 42.0,
                    Align::Left,
                    sub,
                );
            }
            first_table_top
        } else {
            let running = format!("{}（续）", doc.title);
            text(
                &mut surface,
                &cont_style,
                margin_x,
                top + 6.0,
                Align::Left,
                &running,
            );
            rest_table_top
        };
        table.draw(&mut surface, margin_x, table_top, &laid, range);
        let label = format!("第 {} 页 / 共 {} 页", n + 1, total);
        text(
            &mut surface,
            &foot_style,
            pw / 2.0,
            footer_base,
            Align::Center,
            &label,
        );
        if let Some(note) = doc.footer_note {
            text(
                &mut surface,
                &foot_style,
                margin_x,
                footer_base,
                Align::Left,
                note,
            );
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))
}
