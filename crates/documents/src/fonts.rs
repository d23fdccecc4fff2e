//! Font faces: the bytes, the krilla font that subsets them into the PDF, and the metrics the
//! layout helpers measure with (glyph advances through skrifa).

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use krilla::Data;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::RenderError;

/// One font face with the faces it falls back to for characters it lacks; cheap to clone.
#[derive(Clone)]
pub struct Face {
    font: Font,
    data: Data,
    index: u32,
    units_per_em: f32,
    /// Ascender and descender (negative) in em.
    ascent: f32,
    descent: f32,
    fallbacks: Vec<Face>,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("units_per_em", &self.units_per_em)
            .field("fallbacks", &self.fallbacks.len())
            .finish_non_exhaustive()
    }
}

/// Consecutive glyphs drawn with one font.
pub(crate) struct Run {
    pub font: Font,
    /// Byte range of the run in the shaped text; glyph ranges are relative to its start.
    pub text: Range<usize>,
    pub glyphs: Vec<KrillaGlyph>,
    pub width_em: f32,
}

/// A shaped line of text: runs of glyphs with advances in em, and its width in em.
pub(crate) struct Shaped {
    pub runs: Vec<Run>,
    pub width_em: f32,
}

impl Face {
    /// Reads an OpenType/TrueType font.
    ///
    /// # Errors
    /// [`RenderError::Font`] when the bytes are not a font.
    pub fn from_bytes(bytes: impl Into<Data>, name: &'static str) -> Result<Face, RenderError> {
        Face::from_collection(bytes, 0, name)
    }

    /// Reads face `index` of a font collection (`.ttc`), e.g. Noto Serif CJK SC.
    ///
    /// # Errors
    /// [`RenderError::Font`] when the bytes are not a font or have no such face.
    pub fn from_collection(
        bytes: impl Into<Data>,
        index: u32,
        name: &'static str,
    ) -> Result<Face, RenderError> {
        let data: Data = bytes.into();
        let font = Font::new(data.clone(), index).ok_or(RenderError::Font(name))?;
        let fr = FontRef::from_index(data.as_ref(), index).map_err(|_| RenderError::Font(name))?;
        let m = fr.metrics(Size::unscaled(), LocationRef::default());
        let upem = f32::from(m.units_per_em.max(1));
        Ok(Face {
            font,
            index,
            units_per_em: upem,
            ascent: m.ascent / upem,
            descent: m.descent / upem,
            data,
            fallbacks: Vec::new(),
        })
    }

    /// This face, drawing characters it lacks with `fallback` (tried in the order added).
    #[must_use]
    pub fn with_fallback(mut self, fallback: Face) -> Face {
        self.fallbacks.push(fallback);
        self
    }

    fn font_ref(&self) -> Option<FontRef<'_>> {
        FontRef::from_index(self.data.as_ref(), self.index).ok()
    }

    /// Ascender in em (positive).
    pub fn ascent(&self) -> f32 {
        self.ascent
    }

    /// Descender in em (negative).
    pub fn descent(&self) -> f32 {
        self.descent
    }

    /// Whether the face or one of its fallbacks has a glyph for `ch`.
    pub fn covers(&self, ch: char) -> bool {
        self.missing(ch.encode_utf8(&mut [0; 4])).is_empty()
    }

    /// Characters of `text` that neither the face nor its fallbacks can draw.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let maps: Vec<_> = std::iter::once(self)
            .chain(&self.fallbacks)
            .filter_map(Face::font_ref)
            .map(|f| f.charmap())
            .collect();
        text.chars()
            .filter(|c| {
                !c.is_control()
                    && !maps
                        .iter()
                        .any(|m| m.map(*c).is_some_and(|g| g.to_u32() != 0))
            })
            .collect()
    }

    /// Width of `text` at `size` points, from the glyph advances.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.shape(text, 0.0).width_em * size
    }

    /// One glyph per character (CJK and Latin need no complex shaping), with `tracking` extra
    /// em after each glyph but the last. Characters the face lacks come from the first
    /// fallback that has them (or show as the face's .notdef).
    pub(crate) fn shape(&self, text: &str, tracking: f32) -> Shaped {
        let faces: Vec<&Face> = std::iter::once(self).chain(&self.fallbacks).collect();
        let refs: Vec<Option<FontRef<'_>>> = faces.iter().map(|f| f.font_ref()).collect();
        let maps: Vec<_> = refs
            .iter()
            .map(|r| r.as_ref().map(|f| f.charmap()))
            .collect();
        let metrics: Vec<_> = refs
            .iter()
            .map(|r| {
                r.as_ref()
                    .map(|f| f.glyph_metrics(Size::unscaled(), LocationRef::default()))
            })
            .collect();
        let mut runs: Vec<(usize, Run)> = Vec::new();
        let mut width = 0.0;
        let count = text.chars().count();
        for (i, (at, ch)) in text.char_indices().enumerate() {
            if ch.is_control() {
                continue;
            }
            let found = maps.iter().enumerate().find_map(|(k, m)| {
                m.as_ref()
                    .and_then(|m| m.map(ch))
                    .filter(|g| g.to_u32() != 0)
                    .map(|g| (k, g))
            });
            let (k, gid) = found.unwrap_or((0, skrifa::GlyphId::NOTDEF));
            let face = faces[k];
            let mut adv = metrics[k]
                .as_ref()
                .and_then(|m| m.advance_width(gid))
                .unwrap_or(0.0)
                / face.units_per_em;
            if i + 1 < count {
                adv += tracking;
            }
            width += adv;
            let end = at + ch.len_utf8();
            if runs.last().is_none_or(|(last, _)| *last != k) {
                runs.push((
                    k,
                    Run {
                        font: face.font.clone(),
                        text: at..at,
                        glyphs: Vec::new(),
                        width_em: 0.0,
                    },
                ));
            }
            if let Some((_, run)) = runs.last_mut() {
                let base = run.text.start;
                run.glyphs.push(KrillaGlyph::new(
                    GlyphId::new(gid.to_u32()),
                    adv,
                    0.0,
                    0.0,
                    0.0,
                    at - base..end - base,
                    None,
                ));
                run.text.end = end;
                run.width_em += adv;
            }
        }
        Shaped {
            runs: runs.into_iter().map(|(_, r)| r).collect(),
            width_em: width,
        }
    }
}

/// The two faces every document uses: a serif for titles and names, a sans for the rest.
///
/// The region-specific Noto SC fonts cover GB 18030 but not every CJK Extension B character
/// (U+20BB7 𠮷 is missing); add a pan-CJK face (e.g. Noto Serif CJK SC from a `.ttc`) with
/// [`Fonts::with_fallback`] to draw those.
#[derive(Clone, Debug)]
pub struct Fonts {
    pub serif: Face,
    pub sans: Face,
}

impl Fonts {
    /// Fonts from bytes the caller loaded (OpenType/TrueType, index 0).
    ///
    /// # Errors
    /// [`RenderError::Font`] when either is not a font.
    pub fn from_bytes(serif: impl Into<Data>, sans: impl Into<Data>) -> Result<Fonts, RenderError> {
        Ok(Fonts {
            serif: Face::from_bytes(serif, "serif")?,
            sans: Face::from_bytes(sans, "sans")?,
        })
    }

    /// Both faces falling back to `face` for characters they lack.
    #[must_use]
    pub fn with_fallback(self, face: Face) -> Fonts {
        Fonts {
            serif: self.serif.with_fallback(face.clone()),
            sans: self.sans.with_fallback(face),
        }
    }

    /// Characters of `text` that no face can draw (check holder names with this).
    pub fn missing(&self, text: &str) -> Vec<char> {
        let mut m = self.serif.missing(text);
        m.retain(|c| !self.sans.covers(*c));
        m
    }

    /// Noto Serif SC and Noto Sans SC (SIL OFL 1.1, `assets/fonts`), compiled into the binary
    /// and parsed once per process.
    ///
    /// # Errors
    /// [`RenderError::Font`] if the compiled-in fonts cannot be read (a build problem).
    pub fn embedded() -> Result<&'static Fonts, RenderError> {
        static FONTS: OnceLock<Result<Fonts, RenderError>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                let serif: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(NOTO_SERIF_SC);
                let sans: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(NOTO_SANS_SC);
                Fonts::from_bytes(serif, sans)
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Noto Serif SC Regular (SIL Open Font License 1.1, see `assets/fonts/OFL-NotoSC.txt`).
pub static NOTO_SERIF_SC: &[u8] = include_bytes!("../../../assets/fonts/NotoSerifSC-Regular.otf");
/// Noto Sans SC Regular (SIL Open Font License 1.1, see `assets/fonts/OFL-NotoSC.txt`).
pub static NOTO_SANS_SC: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Regular.otf");
/// The licence both fonts are distributed under; ship it next to any binary that embeds them.
pub static FONT_LICENSE: &str = include_str!("../../../assets/fonts/OFL-NotoSC.txt");
