//! A shaded band between two curves on a plot (a spread over seeds), drawn as one triangle mesh per
//! stretch of finite edges (egui_plot's [`FilledArea`]). Shared by the playground and the Control tab.

use egui_plot::{FilledArea, PlotUi};

/// Fills between `lo` and `hi` over x: points (x, lo, hi), in x order; a point with a non-finite value
/// breaks the band (the segments on either side of it are not filled).
pub fn band(pui: &mut PlotUi<'_>, points: &[(f64, f64, f64)], color: egui::Color32) {
    for stretch in points.split(|&(x, lo, hi)| !(x.is_finite() && lo.is_finite() && hi.is_finite()))
    {
        if stretch.len() < 2 {
            continue;
        }
        let xs: Vec<f64> = stretch.iter().map(|p| p.0).collect();
        let lo: Vec<f64> = stretch.iter().map(|p| p.1).collect();
        let hi: Vec<f64> = stretch.iter().map(|p| p.2).collect();
        pui.add(
            FilledArea::new("", &xs, &lo, &hi)
                .fill_color(crate::app::look::area(color))
                .allow_hover(false),
        );
    }
}
