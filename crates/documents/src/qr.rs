//! QR codes drawn as vector squares (crisp at any zoom, a few hundred bytes in the PDF).

use krilla::geom::Rect;
use krilla::surface::Surface;
use qrcode::{Color as Module, EcLevel, QrCode};

use crate::RenderError;
use crate::layout::{Color, fill_rects};

/// Draws a QR code for `data` in a `size`-point square at (`x`, `y`), including the quiet zone
/// of four modules. Error correction level M.
///
/// # Errors
/// [`RenderError::QrCode`] when the data does not fit a QR code.
pub fn draw(
    surface: &mut Surface,
    data: &str,
    x: f32,
    y: f32,
    size: f32,
    color: Color,
) -> Result<(), RenderError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| RenderError::QrCode(e.to_string()))?;
    let n = code.width();
    let module = size / (n + 8) as f32;
    let colors = code.to_colors();
    let mut rects = Vec::new();
    for row in 0..n {
        // Merge horizontal runs of dark modules into one rectangle each.
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == Module::Dark {
                let start = col;
                while col < n && colors[row * n + col] == Module::Dark {
                    col += 1;
                }
                if let Some(r) = Rect::from_xywh(
                    x + (start + 4) as f32 * module,
                    y + (row + 4) as f32 * module,
                    (col - start) as f32 * module,
                    module,
                ) {
                    rects.push(r);
                }
            } else {
                col += 1;
            }
        }
    }
    fill_rects(surface, rects, color);
    Ok(())
}
