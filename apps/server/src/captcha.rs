//! Captcha pictures drawn here, without any external service: each character is a set of
//! strokes from a small built-in stroke font, jittered point by point, rotated and shifted,
//! over noise lines, as SVG paths (no `<text>`, so the picture holds no readable text).
//!
//! [`RandomCaptcha`] (the default) takes its characters from the OS random source.
//! [`FixedCaptcha`] always asks for the same text; it exists for tests and development and is
//! chosen only when `ZHICHENG_CAPTCHA=fixed:<text>` is set explicitly.

use std::fmt::Write as _;

use zhicheng_identity::CaptchaChallenge;
use zhicheng_identity::ports::CaptchaGenerator;
use zhicheng_store::runtime::random_bytes;

/// Characters a captcha uses: no 0/O, 1/I, G/6 or S/5 look-alikes.
pub const ALPHABET: &str = "23456789ABCDEFHJKLMNPRTUVWXY";
const LEN: usize = 4;

type Stroke = &'static [(f32, f32)];

/// Strokes of each character on a 4 × 6 grid (y downwards).
fn strokes(c: char) -> &'static [Stroke] {
    match c {
        '2' => &[&[
            (0., 1.),
            (1., 0.),
            (3., 0.),
            (4., 1.),
            (4., 2.),
            (0., 6.),
            (4., 6.),
        ]],
        '3' => &[&[
            (0., 0.),
            (4., 0.),
            (2., 2.5),
            (4., 3.5),
            (4., 5.),
            (3., 6.),
            (1., 6.),
            (0., 5.),
        ]],
        '4' => &[&[(3., 6.), (3., 0.), (0., 4.), (4., 4.)]],
        '5' => &[&[
            (4., 0.),
            (0., 0.),
            (0., 2.5),
            (3., 2.5),
            (4., 3.5),
            (4., 5.),
            (3., 6.),
            (0., 6.),
        ]],
        '6' => &[&[
            (4., 0.),
            (1., 0.),
            (0., 2.),
            (0., 5.),
            (1., 6.),
            (3., 6.),
            (4., 5.),
            (4., 4.),
            (3., 3.),
            (0., 3.),
        ]],
        '7' => &[&[(0., 0.), (4., 0.), (1.5, 6.)]],
        '8' => &[
            &[
                (1., 3.),
                (0., 2.),
                (0., 1.),
                (1., 0.),
                (3., 0.),
                (4., 1.),
                (4., 2.),
                (3., 3.),
                (1., 3.),
            ],
            &[
                (1., 3.),
                (0., 4.),
                (0., 5.),
                (1., 6.),
                (3., 6.),
                (4., 5.),
                (4., 4.),
                (3., 3.),
            ],
        ],
        '9' => &[&[
            (4., 3.),
            (1., 3.),
            (0., 2.),
            (0., 1.),
            (1., 0.),
            (3., 0.),
            (4., 1.),
            (4., 4.),
            (3., 6.),
            (0., 6.),
        ]],
        'A' => &[&[(0., 6.), (2., 0.), (4., 6.)], &[(1., 3.5), (3., 3.5)]],
        'B' => &[
            &[
                (0., 0.),
                (0., 6.),
                (3., 6.),
                (4., 5.),
                (4., 4.),
                (3., 3.),
                (0., 3.),
            ],
            &[(0., 0.), (3., 0.), (4., 1.), (4., 2.), (3., 3.)],
        ],
        'C' => &[&[(4., 0.), (1., 0.), (0., 1.), (0., 5.), (1., 6.), (4., 6.)]],
        'D' => &[&[
            (0., 0.),
            (0., 6.),
            (2.5, 6.),
            (4., 4.5),
            (4., 1.5),
            (2.5, 0.),
            (0., 0.),
        ]],
        'E' => &[
            &[(4., 0.), (0., 0.), (0., 6.), (4., 6.)],
            &[(0., 3.), (3., 3.)],
        ],
        'F' => &[&[(4., 0.), (0., 0.), (0., 6.)], &[(0., 3.), (3., 3.)]],
        'H' => &[
            &[(0., 0.), (0., 6.)],
            &[(4., 0.), (4., 6.)],
            &[(0., 3.), (4., 3.)],
        ],
        'J' => &[&[(4., 0.), (4., 5.), (3., 6.), (1., 6.), (0., 5.)]],
        'K' => &[
            &[(0., 0.), (0., 6.)],
            &[(4., 0.), (0., 3.5)],
            &[(1.2, 2.8), (4., 6.)],
        ],
        'L' => &[&[(0., 0.), (0., 6.), (4., 6.)]],
        'M' => &[&[(0., 6.), (0., 0.), (2., 3.), (4., 0.), (4., 6.)]],
        'N' => &[&[(0., 6.), (0., 0.), (4., 6.), (4., 0.)]],
        'P' => &[&[
            (0., 6.),
            (0., 0.),
            (3., 0.),
            (4., 1.),
            (4., 2.),
            (3., 3.),
            (0., 3.),
        ]],
        'R' => &[
            &[
                (0., 6.),
                (0., 0.),
                (3., 0.),
                (4., 1.),
                (4., 2.),
                (3., 3.),
                (0., 3.),
            ],
            &[(2., 3.), (4., 6.)],
        ],
        'T' => &[&[(0., 0.), (4., 0.)], &[(2., 0.), (2., 6.)]],
        'U' => &[&[(0., 0.), (0., 5.), (1., 6.), (3., 6.), (4., 5.), (4., 0.)]],
        'V' => &[&[(0., 0.), (2., 6.), (4., 0.)]],
        'W' => &[&[(0., 0.), (1., 6.), (2., 2.), (3., 6.), (4., 0.)]],
        'X' => &[&[(0., 0.), (4., 6.)], &[(4., 0.), (0., 6.)]],
        'Y' => &[&[(0., 0.), (2., 3.), (4., 0.)], &[(2., 3.), (2., 6.)]],
        _ => &[],
    }
}

/// A small deterministic generator for the jitter (xorshift64*); the characters themselves
/// come from the OS random source in [`RandomCaptcha`].
struct Jitter(u64);

impl Jitter {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let unit = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        lo + unit * (hi - lo)
    }
}

/// Draws `text` as a 160 × 60 SVG.
pub fn render_svg(text: &str, seed: u64) -> String {
    let mut j = Jitter(seed | 1);
    let (w, h) = (160.0_f32, 60.0_f32);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"><rect width=\"{w}\" height=\"{h}\" fill=\"#f4f1ea\"/>"
    );
    for _ in 0..7 {
        let _ = write!(
            svg,
            "<path d=\"M{:.1} {:.1} Q{:.1} {:.1} {:.1} {:.1}\" stroke=\"#{:02x}{:02x}{:02x}\" stroke-width=\"{:.1}\" fill=\"none\"/>",
            j.range(0., w),
            j.range(0., h),
            j.range(0., w),
            j.range(0., h),
            j.range(0., w),
            j.range(0., h),
            j.range(90., 200.) as u8,
            j.range(90., 200.) as u8,
            j.range(90., 200.) as u8,
            j.range(0.8, 2.0),
        );
    }
    let n = text.chars().count().max(1) as f32;
    let cell = (w - 20.) / n;
    for (i, c) in text.chars().enumerate() {
        let (sx, sy) = (j.range(5.0, 7.0), j.range(5.5, 7.0));
        let angle = j.range(-0.35, 0.35);
        let (cos, sin) = (angle.cos(), angle.sin());
        let ox = 10. + cell * i as f32 + j.range(2., cell - 4. * sx).max(2.);
        let oy = j.range(4., h - 6. * sy - 4.).max(4.);
        let colour = (
            j.range(20., 110.) as u8,
            j.range(20., 110.) as u8,
            j.range(20., 110.) as u8,
        );
        let width = j.range(2.2, 3.4);
        for stroke in strokes(c) {
            let mut d = String::new();
            for (k, (px, py)) in stroke.iter().enumerate() {
                let (x, y) = (
                    (px - 2.) * sx + j.range(-2.2, 2.2),
                    (py - 3.) * sy + j.range(-2.2, 2.2),
                );
                let (rx, ry) = (
                    x * cos - y * sin + ox + 2. * sx,
                    x * sin + y * cos + oy + 3. * sy,
                );
                let _ = write!(d, "{}{rx:.1} {ry:.1} ", if k == 0 { 'M' } else { 'L' });
            }
            let _ = write!(
                svg,
                "<path d=\"{}\" stroke=\"#{:02x}{:02x}{:02x}\" stroke-width=\"{width:.1}\" stroke-linecap=\"round\" stroke-linejoin=\"round\" fill=\"none\"/>",
                d.trim_end(),
                colour.0,
                colour.1,
                colour.2
            );
        }
    }
    for _ in 0..30 {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill=\"#8a8070\"/>",
            j.range(0., w),
            j.range(0., h),
            j.range(0.5, 1.5)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Random characters from the OS random source (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomCaptcha;

impl CaptchaGenerator for RandomCaptcha {
    fn generate(&self) -> Option<CaptchaChallenge> {
        let alphabet: Vec<char> = ALPHABET.chars().collect();
        let bytes: [u8; 64] = random_bytes().ok()?;
        let limit = 256 - 256 % alphabet.len();
        let answer: String = bytes
            .iter()
            .filter(|b| usize::from(**b) < limit)
            .take(LEN)
            .map(|b| alphabet[usize::from(*b) % alphabet.len()])
            .collect();
        if answer.chars().count() < LEN {
            return None;
        }
        let seed: [u8; 8] = random_bytes().ok()?;
        Some(CaptchaChallenge {
            svg: render_svg(&answer, u64::from_le_bytes(seed)),
            answer,
        })
    }
}

/// Always the same text (tests and development only: `ZHICHENG_CAPTCHA=fixed:<text>`).
#[derive(Debug, Clone)]
pub struct FixedCaptcha(pub String);

impl CaptchaGenerator for FixedCaptcha {
    fn generate(&self) -> Option<CaptchaChallenge> {
        Some(CaptchaChallenge {
            answer: self.0.clone(),
            svg: render_svg(&self.0, 0x5eed),
        })
    }
}

/// The generator a `ZHICHENG_CAPTCHA` setting asks for: `fixed:<text>` or the random default.
pub fn from_setting(setting: Option<&str>) -> std::sync::Arc<dyn CaptchaGenerator> {
    match setting.and_then(|s| s.strip_prefix("fixed:")) {
        Some(text) if !text.trim().is_empty() => {
            tracing::warn!(
                "ZHICHENG_CAPTCHA=fixed: every captcha has the same answer (tests and development only)"
            );
            std::sync::Arc::new(FixedCaptcha(text.trim().to_owned()))
        }
        _ => std::sync::Arc::new(RandomCaptcha),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_has_strokes() {
        for c in ALPHABET.chars() {
            assert!(!strokes(c).is_empty(), "{c}");
        }
    }

    #[test]
    fn random_captchas_differ_and_hold_no_readable_text() {
        let a = RandomCaptcha.generate().unwrap();
        let b = RandomCaptcha.generate().unwrap();
        assert_eq!(a.answer.chars().count(), 4);
        assert!(a.answer.chars().all(|c| ALPHABET.contains(c)));
        assert_ne!(a.svg, b.svg);
        assert!(a.svg.starts_with("<svg") && a.svg.ends_with("</svg>"));
        assert!(!a.svg.contains("<text"));
        assert!(!a.svg.contains(&a.answer));
    }

    #[test]
    fn the_same_text_is_drawn_differently_with_another_seed() {
        assert_ne!(render_svg("7KP4", 1), render_svg("7KP4", 2));
    }

    #[test]
    fn only_an_explicit_setting_fixes_the_answer() {
        assert_eq!(
            from_setting(Some("fixed:1234")).generate().unwrap().answer,
            "1234"
        );
        assert!(!from_setting(None).generate().unwrap().answer.contains('1'));
        assert_eq!(
            from_setting(Some("other")).generate().unwrap().answer.len(),
            4
        );
    }
}
