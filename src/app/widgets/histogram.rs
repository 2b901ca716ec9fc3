//! Overlaid histograms of log₁₀ relative error, one series per method in its color, with the median
//! (solid) and mean (dashed) marked — how BLPO Figure 2 reads a batch. Shared by the IHVP lab and the
//! playground's "IHVP at this iterate".

use egui::Color32;
use egui_plot::{Bar, BarChart, Legend, LineStyle, Plot, VLine};

use crate::numerics::ihvp::study::ErrorStats;

/// Bins of log₁₀ error: [LO, HI] in steps of WIDTH; smaller errors fall in the first bin, larger (and
/// failures) in the last.
const LO: f64 = -16.0;
const HI: f64 = 2.0;
const WIDTH: f64 = 0.5;

/// One method's histogram.
pub struct Series<'a> {
    pub name: &'a str,
    pub color: Color32,
    pub errors: &'a [f64],
    pub stats: &'a ErrorStats,
}

/// Counts per bin (bin k covers [LO + k·WIDTH, LO + (k+1)·WIDTH)).
pub fn bins(errors: &[f64]) -> Vec<usize> {
    let n = ((HI - LO) / WIDTH) as usize;
    let mut counts = vec![0; n];
    for &e in errors {
        let x = if e > 0.0 && e.is_finite() {
            e.log10()
        } else if e == 0.0 {
            LO
        } else {
            HI
        };
        let k = (((x - LO) / WIDTH).floor().max(0.0) as usize).min(n - 1);
        counts[k] += 1;
    }
    counts
}

/// Overlaid histograms of `series` (also used for the close-up's sampling rules).
pub fn histogram_ui(
    ui: &mut egui::Ui,
    (id, counted): (&str, &str),
    series: &[Series<'_>],
    height: f32,
    line_width: f32,
) {
    Plot::new(id)
        .height(height)
        .legend(Legend::default())
        .x_axis_label("log₁₀ relative error ‖approx − exact‖ / ‖exact‖")
        .y_axis_label(counted)
        .allow_scroll(false)
        .show(ui, |pui| bars(pui, series, line_width));
}

/// Bars of these counts over bins `width` wide from `lo` (empty bins left out), outlined in `color` and
/// filled with a fifth of it (egui_plot's).
pub fn bar_chart(
    name: &str,
    counts: Vec<usize>,
    color: Color32,
    (lo, width): (f64, f64),
) -> BarChart {
    let bars: Vec<Bar> = counts
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c > 0)
        .map(|(k, c)| Bar::new(lo + (k as f64 + 0.5) * width, c as f64).width(width * 0.9))
        .collect();
    BarChart::new(name, bars).color(color)
}

/// Draws the series' bars and their median/mean lines into a plot.
pub fn bars(pui: &mut egui_plot::PlotUi<'_>, series: &[Series<'_>], line_width: f32) {
    for s in series {
        pui.bar_chart(bar_chart(s.name, bins(s.errors), s.color, (LO, WIDTH)));
        for (value, style) in [
            (s.stats.median, LineStyle::Solid),
            (s.stats.mean, LineStyle::dashed_dense()),
        ] {
            if value > 0.0 && value.is_finite() {
                pui.vline(
                    // Unnamed: the legend lists methods only (solid = median, dashed = mean).
                    VLine::new("", value.log10().clamp(LO, HI))
                        .color(s.color)
                        .width(line_width)
                        .style(style),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_land_in_their_bins_and_failures_in_the_last() {
        let counts = super::bins(&[1e-20, 0.0, 1e-3, 0.0011, 50.0, f64::INFINITY, f64::NAN]);
        assert_eq!(counts[0], 2, "below the range and exact zeros");
        assert_eq!(
            counts[(13.0 / 0.5) as usize],
            2,
            "1e-3 and 1.1e-3 share [−3, −2.5)"
        );
        assert_eq!(counts[counts.len() - 1], 3, "50, inf and NaN");
        assert_eq!(counts.iter().sum::<usize>(), 7);
    }
}
