//! Plotted lines thinned to the screen. A view's history has up to thousands of points (4096 per
//! Stackelberg trajectory, 2000 per playground curve), and where many fall within a pixel egui_plot would
//! still transform, lay out and tessellate each: most of a playing view's frame. Every history line goes
//! through [`thin`] first.

use egui_plot::{PlotBounds, PlotTransform};

/// A dropped point lies within this many pixels (per axis) of the point the drawn line leaves from.
const TOLERANCE_PX: f64 = 0.5;

/// The points of a polyline worth drawing in a plot whose last frame had `transform`
/// (`PlotUi::transform`): a point within half a pixel along both axes of the last kept one is dropped, the
/// first and the last are always kept. So every dropped point lies within half a pixel of the drawn line,
/// and the plot's automatic bounds move by at most that. The pixel size is the finer of the plot's last
/// frame and the data's own extent over the plot's frame, so a first frame (no bounds yet) or a zoomed-out
/// last frame thins no more than the data's own scale allows. Non-finite points are kept as they are.
pub fn thin(points: Vec<[f64; 2]>, transform: &PlotTransform) -> Vec<[f64; 2]> {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for p in points
        .iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
    {
        for a in 0..2 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    thin_at(points, transform, [hi[0] - lo[0], hi[1] - lo[1]])
}

/// [`thin`] for a plot whose bounds the view sets itself (`bounds`, what `PlotUi::set_plot_bounds` gets):
/// the pixel size is those bounds over the plot's frame, however small the line's own extent — a
/// trajectory's late stretch circling a point a few pixels wide is thinned at the plot's scale, not at its
/// own, where it would keep every point. (The last frame's bounds are used where they were finer: the
/// first frame after the bounds changed.)
pub fn thin_in_bounds(
    points: Vec<[f64; 2]>,
    transform: &PlotTransform,
    bounds: &PlotBounds,
) -> Vec<[f64; 2]> {
    thin_at(points, transform, [bounds.width(), bounds.height()])
}

/// Thins with a pixel size of the finer of the plot's frame and `extent` (per axis) over it.
fn thin_at(points: Vec<[f64; 2]>, transform: &PlotTransform, extent: [f64; 2]) -> Vec<[f64; 2]> {
    let frame = transform.frame();
    let bounds = transform.bounds();
    let pixels = [f64::from(frame.width()), f64::from(frame.height())];
    let shown = [bounds.width(), bounds.height()];
    let tolerance: [f64; 2] =
        std::array::from_fn(|a| TOLERANCE_PX * extent[a].min(shown[a]) / pixels[a]);
    if points.len() < 3 || !tolerance.iter().all(|t| t.is_finite() && *t >= 0.0) {
        return points;
    }
    let last = points.len() - 1;
    let mut kept: Vec<[f64; 2]> = Vec::with_capacity(points.len().min(4 * pixels[0] as usize));
    for (i, p) in points.into_iter().enumerate() {
        let near = kept.last().is_some_and(|q| {
            (p[0] - q[0]).abs() <= tolerance[0] && (p[1] - q[1]).abs() <= tolerance[1]
        });
        if !near || i == last {
            kept.push(p);
        }
    }
    kept
}

/// A run's finite points as one line in `look`'s colour of `series` and its line width, thinned to the
/// plot's pixels; nothing when no point is finite.
pub fn series_line(
    pui: &mut egui_plot::PlotUi<'_>,
    name: &str,
    look: crate::app::Look,
    slot: usize,
    points: impl Iterator<Item = [f64; 2]>,
) {
    use crate::app::{Look, look::SLOT_COLORS};
    let pts: Vec<[f64; 2]> = points.filter(|p| p[1].is_finite()).collect();
    if !pts.is_empty() {
        pui.line(
            egui_plot::Line::new(name, thin(pts, pui.transform()))
                .color(look.color(SLOT_COLORS[slot % SLOT_COLORS.len()]))
                .width(look.line_width())
                .style(Look::dash(slot)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 400 × 200-pixel plot showing [0, 4] × [−1, 1]: 100 pixels per x unit, 100 per y unit.
    fn plot() -> PlotTransform {
        PlotTransform::new(
            egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(400.0, 200.0)),
            PlotBounds::from_min_max([0.0, -1.0], [4.0, 1.0]),
            false,
        )
    }

    /// The distance (in pixels, this plot's scale) from `p` to the polyline `line`.
    fn pixels_off(p: [f64; 2], line: &[[f64; 2]]) -> f64 {
        let px = |q: [f64; 2]| [q[0] * 100.0, q[1] * 100.0];
        let p = px(p);
        line.windows(2)
            .map(|s| {
                let (a, b) = (px(s[0]), px(s[1]));
                let d = [b[0] - a[0], b[1] - a[1]];
                let len2 = d[0] * d[0] + d[1] * d[1];
                let t = if len2 > 0.0 {
                    (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (p[0] - a[0] - t * d[0]).hypot(p[1] - a[1] - t * d[1])
            })
            .fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn a_dense_smooth_curve_keeps_a_few_points_per_pixel_and_every_point_stays_within_half_a_pixel()
    {
        // 40 000 points of sin over 400 pixels: 100 per pixel column.
        let dense: Vec<[f64; 2]> = (0..40_000)
            .map(|i| {
                let x = 4.0 * i as f64 / 39_999.0;
                [x, (3.0 * x).sin()]
            })
            .collect();
        let kept = thin(dense.clone(), &plot());
        assert!(kept.len() < 2_000, "{} points kept", kept.len());
        assert_eq!((kept[0], kept[kept.len() - 1]), (dense[0], dense[39_999]));
        let worst = dense
            .iter()
            .map(|&p| pixels_off(p, &kept))
            .fold(0.0, f64::max);
        assert!(
            worst <= TOLERANCE_PX + 1e-9,
            "a point {worst} px off the drawn line"
        );
    }

    #[test]
    fn noise_wider_than_a_pixel_and_points_of_a_small_extent_are_all_kept() {
        // Alternating ±0.5 (50 pixels apart): nothing may be dropped.
        let noisy: Vec<[f64; 2]> = (0..1000)
            .map(|i| [4.0 * i as f64 / 999.0, if i % 2 == 0 { 0.5 } else { -0.5 }])
            .collect();
        assert_eq!(thin(noisy.clone(), &plot()), noisy);
        // A curve of extent 1e-6 in a plot still showing [−1, 1] (its first frame): the data's own extent
        // sets the pixel size, so it is not collapsed to its ends.
        let tiny: Vec<[f64; 2]> = (0..100)
            .map(|i| [4.0 * i as f64 / 99.0, 1e-6 * (i as f64 / 10.0).sin()])
            .collect();
        assert!(thin(tiny, &plot()).len() > 50);
    }

    #[test]
    fn in_set_bounds_a_tight_spiral_is_thinned_at_the_plots_scale() {
        // A trajectory's late stretch: 2000 points spiralling into (2, 0) within 0.004 units (0.4 px).
        let spiral: Vec<[f64; 2]> = (0..2000)
            .map(|i| {
                let (r, a) = (0.004 * (-(i as f64) / 500.0).exp(), i as f64 * 0.3);
                [2.0 + r * a.cos(), r * a.sin()]
            })
            .collect();
        let bounds = PlotBounds::from_min_max([0.0, -1.0], [4.0, 1.0]);
        let kept = thin_in_bounds(spiral.clone(), &plot(), &bounds);
        assert!(kept.len() <= 40, "{} points kept", kept.len());
        let worst = spiral
            .iter()
            .map(|&p| pixels_off(p, &kept))
            .fold(0.0, f64::max);
        // Within half a pixel along each axis of a kept point.
        assert!(
            worst <= TOLERANCE_PX * std::f64::consts::SQRT_2 + 1e-9,
            "a point {worst} px off"
        );
        // Thinned at its own extent (plain `thin`) it keeps hundreds.
        assert!(thin(spiral, &plot()).len() > 100);
        // Bounds set finer than the last frame's (zoomed in since): the finer scale is used.
        let zoomed = PlotBounds::from_min_max([1.996, -0.004], [2.004, 0.004]);
        let noisy: Vec<[f64; 2]> = (0..100)
            .map(|i| {
                [
                    2.0 + 0.003 * (i as f64 / 99.0),
                    if i % 2 == 0 { 0.001 } else { -0.001 },
                ]
            })
            .collect();
        assert_eq!(thin_in_bounds(noisy.clone(), &plot(), &zoomed), noisy);
    }

    #[test]
    fn non_finite_points_and_short_lines_pass_through() {
        // The repeated point goes; the gap (NaN) and the point after it stay.
        let line = vec![
            [0.0, 0.0],
            [0.0, 0.0],
            [f64::NAN, 1.0],
            [0.0, 0.0],
            [1.0, 1.0],
        ];
        let kept = thin(line, &plot());
        assert_eq!(kept.len(), 4, "{kept:?}");
        assert!(kept[1][0].is_nan() && kept[2] == [0.0, 0.0]);
        assert_eq!(thin(vec![[0.0, 0.0], [0.0, 0.0]], &plot()).len(), 2);
    }
}
