//! Viridis (perceptually uniform, colorblind-safe, readable in print and on projectors) for scalar maps,
//! a texture builder for grids of values, and the color bar that reads them.

use egui::{Color32, ColorImage};

/// viridis(9) from matplotlib, interpolated linearly in sRGB.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Color for t ∈ [0, 1] (clamped).
pub fn viridis(t: f32) -> Color32 {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (VIRIDIS.len() - 1) as f32;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f32;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (f32::from(p) + (f32::from(q) - f32::from(p)) * f).round() as u8;
    Color32::from_rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Viridis washed toward the background (a map under marks: the playground's level bands).
pub fn wash(t: f32) -> Color32 {
    viridis(t).gamma_multiply(0.55)
}

/// Blue–white–orange for signed values t ∈ [−1, 1] (clamped): negative blue, zero white, positive
/// orange — colorblind-safe (Okabe–Ito hues) and symmetric, for matrices like H and H − H_q.
pub fn diverging(t: f32) -> Color32 {
    let t = if t.is_nan() { 0.0 } else { t.clamp(-1.0, 1.0) };
    let (end, a) = if t < 0.0 {
        ((0.0, 90.0, 170.0), -t)
    } else {
        ((215.0, 110.0, 0.0), t)
    };
    let mix = |e: f32| (255.0 + (e - 255.0) * a).round() as u8;
    Color32::from_rgb(mix(end.0), mix(end.1), mix(end.2))
}

/// Shown for cells whose value is `special` (e.g. diverged runs).
pub const SPECIAL: Color32 = Color32::from_rgb(200, 30, 30);

/// An image of a row-major grid (row 0 on top); values at or above `special` get [`SPECIAL`].
pub fn grid_image(
    values: &[f32],
    nx: usize,
    ny: usize,
    (lo, hi): (f32, f32),
    special: f32,
) -> ColorImage {
    let span = (hi - lo).max(1e-12);
    let pixels = (0..nx * ny)
        .map(|i| match values.get(i) {
            Some(&v) if v < special => viridis((v - lo) / span),
            _ => SPECIAL,
        })
        .collect();
    ColorImage::new([nx, ny], pixels)
}

/// A horizontal color bar from `lo` to `hi` with end labels and a caption, and the special color's swatch
/// (none when `special` is empty).
pub fn color_bar_ui(ui: &mut egui::Ui, (lo, hi): (f32, f32), caption: &str, special: &str) {
    ui.horizontal(|ui| {
        // `+ 0.0` turns −0.0 into 0.0.
        ui.label(format!("{:.1}", lo + 0.0));
        let (rect, _) = ui.allocate_exact_size(egui::vec2(180.0, 14.0), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let steps = 60;
        for k in 0..steps {
            let x0 = rect.left() + rect.width() * k as f32 / steps as f32;
            let x1 = rect.left() + rect.width() * (k + 1) as f32 / steps as f32;
            painter.rect_filled(
                egui::Rect::from_min_max(
                    egui::pos2(x0, rect.top()),
                    egui::pos2(x1 + 0.5, rect.bottom()),
                ),
                0.0,
                viridis((k as f32 + 0.5) / steps as f32),
            );
        }
        ui.label(format!("{:.1}", hi + 0.0));
        ui.label(caption);
        if !special.is_empty() {
            let (swatch, _) = ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
            ui.painter().rect_filled(swatch, 0.0, SPECIAL);
            ui.label(special);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_special_cells() {
        assert_eq!(viridis(0.0), Color32::from_rgb(68, 1, 84));
        assert_eq!(viridis(1.0), Color32::from_rgb(253, 231, 37));
        assert_eq!(viridis(2.0), viridis(1.0));
        let img = grid_image(&[0.0, 1.0, 1000.0, f32::NAN], 2, 2, (0.0, 1.0), 1000.0);
        assert_eq!(img.pixels[0], viridis(0.0));
        assert_eq!(img.pixels[2], SPECIAL);
        assert_eq!(img.pixels[3], SPECIAL, "NaN is not a value");
        assert_eq!(diverging(0.0), Color32::WHITE);
        assert_eq!(diverging(-1.0), Color32::from_rgb(0, 90, 170));
        assert_eq!(diverging(3.0), Color32::from_rgb(215, 110, 0));
    }
}
