//! The join link as a QR code (ISO/IEC 18004, by the `qrcode` crate), painted as egui rectangles: dark
//! modules on white with the standard quiet zone of 4 modules, whatever the theme, so any phone camera reads
//! it off a projector.

use crate::app::look::{QR_DARK, QR_LIGHT};

/// The quiet zone around the symbol, in modules (the standard's minimum).
pub const QUIET: usize = 4;

/// A QR code's modules, row by row (`true`: dark).
pub struct Qr {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl Qr {
    /// The code of `text` (medium error correction: a projector's glare and a phone's blur).
    pub fn new(text: &str) -> Result<Self, String> {
        let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
            .map_err(|e| format!("no QR code for `{text}`: {e}"))?;
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect(),
        })
    }

    /// Modules across, quiet zone included.
    pub fn span(&self) -> usize {
        self.width + 2 * QUIET
    }

    /// Whether the module at (`x`, `y`) of the symbol with its quiet zone is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        let (Some(x), Some(y)) = (x.checked_sub(QUIET), y.checked_sub(QUIET)) else {
            return false;
        };
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// Paints the code in the largest square of `rect` that holds whole pixels per module.
    pub fn paint(&self, painter: &egui::Painter, rect: egui::Rect) -> egui::Rect {
        let side = rect.width().min(rect.height());
        let ppp = painter.ctx().pixels_per_point();
        // Whole physical pixels a module: no blurred edges for the camera.
        let module = ((side * ppp / self.span() as f32).floor().max(1.0)) / ppp;
        let size = module * self.span() as f32;
        let square = egui::Rect::from_center_size(rect.center(), egui::vec2(size, size));
        let origin = egui::pos2(
            (square.min.x * ppp).round() / ppp,
            (square.min.y * ppp).round() / ppp,
        );
        let square = egui::Rect::from_min_size(origin, square.size());
        painter.rect_filled(square, 0.0, QR_LIGHT);
        for y in 0..self.span() {
            for x in 0..self.span() {
                if self.is_dark(x, y) {
                    let min = origin + egui::vec2(x as f32, y as f32) * module;
                    let cell = egui::Rect::from_min_size(min, egui::vec2(module, module));
                    painter.rect_filled(cell, 0.0, QR_DARK);
                }
            }
        }
        square
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code reads back as the join link with an independent decoder (rqrr), from a rendering at 3
    /// pixels a module as a camera would see it.
    #[test]
    fn the_code_decodes_to_the_join_link() {
        let link = "https://lab.example.org/course/#join?code=7K3M9Q";
        let qr = Qr::new(link).unwrap_or_else(|e| panic!("{e}"));
        let px = 3;
        let side = qr.span() * px;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            if qr.is_dark(x / px, y / px) { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one code found");
        let (_, text) = grids[0].decode().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(text, link);
        assert!(
            !qr.is_dark(0, 0) && !qr.is_dark(QUIET - 1, QUIET),
            "quiet zone"
        );
        assert!(qr.is_dark(QUIET, QUIET), "a finder pattern's corner");
    }
}
