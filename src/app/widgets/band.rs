//! A shaded band between two curves on a plot (a spread over seeds), drawn as one convex quadrilateral
//! per segment (egui_plot fills convex polygons only). Shared by the playground and the Control tab.

use egui_plot::{PlotUi, Polygon};

/// Fills between `lo` and `hi` over x: points (x, lo, hi), in x order; segments with a non-finite edge
/// are skipped.
pub fn band(pui: &mut PlotUi<'_>, points: &[(f64, f64, f64)], color: egui::Color32) {
    for w in points.windows(2) {
        let [(x0, b0, t0), (x1, b1, t1)] = [w[0], w[1]];
        if [b0, t0, b1, t1].iter().all(|v| v.is_finite()) {
            pui.polygon(
                Polygon::new("", vec![[x0, b0], [x1, b1], [x1, t1], [x0, t0]])
                    .fill_color(color.gamma_multiply(0.18))
                    .stroke(egui::Stroke::NONE)
                    .allow_hover(false),
            );
        }
    }
}
