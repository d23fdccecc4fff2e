//! Text layout without a layout engine: measuring with glyph advances, wrapping to a width
//! (CJK breaks between any two characters, Latin words stay whole, closing punctuation never
//! starts a line) and drawing aligned text, rules and boxes on a krilla surface.
//!
//! Coordinates are PDF points with the origin at the top-left corner, y growing downwards.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;

use crate::fonts::Face;

/// Horizontal alignment of a line of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    pub const fn new(r: u8, g: u8, b: u8) -> Color {
        Color(r, g, b)
    }

    fn paint(self) -> krilla::paint::Paint {
        rgb::Color::new(self.0, self.1, self.2).into()
    }
}

/// Near-black for body text.
pub const INK: Color = Color::new(0x1a, 0x1a, 0x1a);
/// Grey for secondary text.
pub const GREY: Color = Color::new(0x5c, 0x5c, 0x5c);

/// Whether a line may break before and after `c` regardless of spaces (CJK ideographs, kana,
/// hangul, fullwidth forms and CJK punctuation).
pub fn breaks_anywhere(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF      // radicals, punctuation, kana, CJK unified + ext. A
        | 0xAC00..=0xD7AF    // hangul
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // vertical forms
        | 0xFF00..=0xFFEF    // fullwidth forms
        | 0x20000..=0x3FFFF) // ext. B and beyond
}

/// Punctuation that must not begin a line.
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕’”…·%,.;:?!)]}".contains(c)
}

/// Punctuation that must not end a line.
fn no_line_end(c: char) -> bool {
    "（《「『【〔‘“([{".contains(c)
}

/// Splits text into unbreakable pieces: one CJK character, one Latin word, or one space run;
/// punctuation sticks to its neighbour.
fn pieces(text: &str) -> Vec<&str> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None; // current Latin word
    let mut glue_next = false; // previous piece ended with an opening mark
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
            out.push((i, end));
            glue_next = false;
            continue;
        }
        let cjk = breaks_anywhere(c);
        if no_line_start(c) || glue_next {
            // Attach to the previous piece (or the word in progress).
            if start.is_none() {
                if let Some(last) = out.last_mut().filter(|l| !text[l.0..l.1].trim().is_empty()) {
                    last.1 = end;
                    glue_next = no_line_end(c);
                    continue;
                }
            } else {
                glue_next = no_line_end(c);
                continue;
            }
        }
        if cjk {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
            out.push((i, end));
            glue_next = no_line_end(c);
        } else {
            if start.is_none() {
                start = Some(i);
            }
            glue_next = no_line_end(c);
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out.into_iter().map(|(a, b)| &text[a..b]).collect()
}

/// Breaks `text` into lines no wider than `width` points at `size` points. Explicit `\n`
/// starts a new line; a Latin word wider than the whole line is cut between characters.
pub fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    wrap_indented(face, text, size, width, 0.0)
}

/// Like [`wrap`], with the first line of each paragraph `indent` points narrower.
pub fn wrap_indented(face: &Face, text: &str, size: f32, full: f32, indent: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        let para_start = lines.len();
        for piece in pieces(para) {
            let width = if lines.len() == para_start {
                full - indent
            } else {
                full
            };
            let w = face.width(piece, size);
            let blank = piece.trim().is_empty();
            if line_w + w <= width || (blank && !line.is_empty()) {
                if !(blank && line.is_empty()) {
                    line.push_str(piece);
                    line_w += w;
                }
                continue;
            }
            if !line.is_empty() {
                lines.push(line.trim_end().to_owned());
                line.clear();
                line_w = 0.0;
            }
            if blank {
                continue;
            }
            if w <= width {
                line.push_str(piece);
                line_w = w;
            } else {
                // Too long for any line: cut between characters.
                for c in piece.chars() {
                    let width = if lines.len() == para_start {
                        full - indent
                    } else {
                        full
                    };
                    let cw = face.width(c.encode_utf8(&mut [0; 4]), size);
                    if line_w + cw > width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// A text style: face, size, colour and letter spacing (em).
#[derive(Debug, Clone)]
pub struct Style<'a> {
    pub face: &'a Face,
    pub size: f32,
    pub color: Color,
    pub tracking: f32,
}

impl<'a> Style<'a> {
    pub fn new(face: &'a Face, size: f32) -> Style<'a> {
        Style {
            face,
            size,
            color: INK,
            tracking: 0.0,
        }
    }

    pub fn color(mut self, color: Color) -> Self {
        self.color = color;
        self
    }

    pub fn tracking(mut self, em: f32) -> Self {
        self.tracking = em;
        self
    }

    /// Width of `text` in this style.
    pub fn width(&self, text: &str) -> f32 {
        self.face.shape(text, self.tracking).width_em * self.size
    }
}

fn fill(color: Color) -> Fill {
    Fill {
        paint: color.paint(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// Draws one line with its baseline at `y`; `x` is the left edge, centre or right edge
/// depending on `align`. Returns the drawn width.
pub fn text(surface: &mut Surface, style: &Style, x: f32, y: f32, align: Align, s: &str) -> f32 {
    let shaped = style.face.shape(s, style.tracking);
    let w = shaped.width_em * style.size;
    let left = match align {
        Align::Left => x,
        Align::Center => x - w / 2.0,
        Align::Right => x - w,
    };
    surface.set_fill(Some(fill(style.color)));
    surface.set_stroke(None);
    let mut x = left;
    for run in shaped.runs {
        surface.draw_glyphs(
            Point::from_xy(x, y),
            &run.glyphs,
            run.font,
            s.get(run.text).unwrap_or_default(),
            style.size,
            false,
        );
        x += run.width_em * style.size;
    }
    w
}

/// Draws `s` wrapped to `width`, first baseline at `y`, `leading` points apart. Returns the
/// baseline after the last line.
#[allow(clippy::too_many_arguments)]
pub fn paragraph(
    surface: &mut Surface,
    style: &Style,
    x: f32,
    y: f32,
    width: f32,
    leading: f32,
    align: Align,
    s: &str,
) -> f32 {
    let anchor = match align {
        Align::Left => x,
        Align::Center => x + width / 2.0,
        Align::Right => x + width,
    };
    let mut y = y;
    for line in wrap(style.face, s, style.size, width) {
        text(surface, style, anchor, y, align, &line);
        y += leading;
    }
    y
}

/// Draws `s` wrapped to `width` with the first line indented by `indent` points (left
/// aligned). Returns the baseline after the last line.
#[allow(clippy::too_many_arguments)]
pub fn indented_paragraph(
    surface: &mut Surface,
    style: &Style,
    x: f32,
    y: f32,
    width: f32,
    indent: f32,
    leading: f32,
    s: &str,
) -> f32 {
    let mut y = y;
    for (i, line) in wrap_indented(style.face, s, style.size, width, indent)
        .iter()
        .enumerate()
    {
        let lx = if i == 0 { x + indent } else { x };
        text(surface, style, lx, y, Align::Left, line);
        y += leading;
    }
    y
}

/// Draws `s` with its characters spread evenly over `width` (the way Chinese forms set labels
/// such as 姓　　名 to one width). Baseline at `y`.
pub fn spread(surface: &mut Surface, style: &Style, x: f32, y: f32, width: f32, s: &str) {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 2 {
        text(surface, style, x, y, Align::Left, s);
        return;
    }
    let natural: f32 = style.face.width(s, style.size);
    let gap = (width - natural) / (chars.len() - 1) as f32;
    let spaced = Style {
        tracking: gap.max(0.0) / style.size,
        ..style.clone()
    };
    text(surface, &spaced, x, y, Align::Left, s);
}

/// A straight line.
pub fn line(surface: &mut Surface, from: (f32, f32), to: (f32, f32), width: f32, color: Color) {
    let mut pb = PathBuilder::new();
    pb.move_to(from.0, from.1);
    pb.line_to(to.0, to.1);
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: color.paint(),
            width,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

/// An unfilled rectangle.
pub fn frame(surface: &mut Surface, x: f32, y: f32, w: f32, h: f32, width: f32, color: Color) {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(r);
    }
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: color.paint(),
            width,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

/// Filled rectangles, drawn as one path.
pub fn fill_rects(surface: &mut Surface, rects: impl IntoIterator<Item = Rect>, color: Color) {
    let mut pb = PathBuilder::new();
    for r in rects {
        pb.push_rect(r);
    }
    if let Some(path) = pb.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(fill(color)));
        surface.draw_path(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_words_stay_whole_and_cjk_splits_anywhere() {
        assert_eq!(pieces("ab cd"), vec!["ab", " ", "cd"]);
        assert_eq!(pieces("高级工程师"), vec!["高", "级", "工", "程", "师"]);
        assert_eq!(
            pieces("电气（高压）工程，"),
            vec!["电", "气", "（高", "压）", "工", "程，"]
        );
        assert_eq!(pieces("IEEE标准"), vec!["IEEE", "标", "准"]);
    }
}
