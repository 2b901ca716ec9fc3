//! Live curves of every panel's main trajectory, in the panels' colors: log₁₀ distance to (0, 0), the
//! leader's true return r = −θ²/5, the critic's curvature ∂²wwf₂ = 2θ² (log₁₀), and a table of θ's sign
//! changes (cycling) and where each run stands.

use egui::Color32;
use egui_plot::{Corner, Legend, Line, LineStyle, Plot};

use crate::app::widgets::thin;
use crate::app::{Look, format};
use crate::numerics::games::lockstep::{History, RunKey, Runs};

/// Every curve's points (step, metric), kept between frames: a history only grows until it is halved, so a
/// playing frame computes the metric of its new points only (the logarithms of every point of every
/// curve were a tenth of a playing frame in the browser).
#[derive(Default)]
pub struct CurveCache {
    /// One per (plot, panel).
    curves: Vec<Cached>,
}

struct Cached {
    key: RunKey,
    /// The history's stride and how many of its points are in `points`.
    every: usize,
    read: usize,
    points: Vec<[f64; 2]>,
}

impl CurveCache {
    /// The points of curve `slot` for `history` of the runs `key`, the non-finite metric values left out.
    fn points(
        &mut self,
        slot: usize,
        key: &RunKey,
        history: &History,
        metric: fn(f64, f64) -> f64,
    ) -> &[[f64; 2]] {
        if self.curves.len() <= slot {
            self.curves.resize_with(slot + 1, || Cached {
                key: key.clone(),
                every: 0,
                read: 0,
                points: Vec::new(),
            });
        }
        let c = &mut self.curves[slot];
        // The same runs (deterministic given their key) at the same stride, as long or longer: the cached
        // points are a prefix of the history's.
        if !(c.key == *key && c.every == history.every && c.read <= history.points.len()) {
            *c = Cached {
                key: key.clone(),
                every: history.every,
                read: 0,
                points: Vec::new(),
            };
        }
        c.points.extend(
            history.points[c.read..]
                .iter()
                .map(|&(k, t, w)| [k as f64, metric(t, w)])
                .filter(|p| p[1].is_finite()),
        );
        c.read = history.points.len();
        &c.points
    }
}

/// A panel's curve identity.
pub struct CurveStyle {
    pub name: String,
    pub color: Color32,
    pub dash: LineStyle,
}

/// How the curves fit their room: each plot's height, one over the other or side by side, how many of the
/// three (the distance first), and whether the distance plot carries the panels' legend.
#[derive(Clone, Copy, Debug)]
pub struct Fit {
    pub height: f32,
    pub stacked: bool,
    pub plots: usize,
    pub legend: bool,
}

/// The plots side by side (or one over the other), linked on the step axis.
pub fn curves_ui(
    ui: &mut egui::Ui,
    (runs, cache): (&Runs, &mut CurveCache),
    styles: &[CurveStyle],
    look: Look,
    fit: Fit,
) {
    let Fit {
        height,
        stacked,
        plots: shown,
        legend,
    } = fit;
    type Metric = fn(f64, f64) -> f64;
    let plots: [(&str, &str, Metric); 3] = [
        (
            "distance",
            "log₁₀ ‖(θ, w)‖, distance to (0, 0)",
            |t, w| t.hypot(w).log10(),
        ),
        ("return", "leader's true return r = −θ²/5", |t, _| {
            -t * t / 5.0
        }),
        (
            "curvature",
            "log₁₀ ∂²wwf₂ = log₁₀ 2θ²",
            |t, _| (2.0 * t * t).log10(),
        ),
    ];
    let link = egui::Id::unique("stackelberg-curves-link");
    let width = if stacked {
        ui.available_width()
    } else {
        ((ui.available_width() - 8.0 * shown as f32) / shown as f32).max(120.0)
    };
    let layout = if stacked {
        egui::Layout::top_down(egui::Align::Min)
    } else {
        egui::Layout::left_to_right(egui::Align::Min)
    };
    ui.with_layout(layout, |ui| {
        for (plot_index, (id, title, metric)) in plots.into_iter().enumerate().take(shown) {
            ui.vertical(|ui| {
                crate::app::widgets::math::strong(ui, title);
                if runs.step == 0 {
                    let what = "Press Play: the four panels' curves draw here, step by step.";
                    crate::app::widgets::empty_chart(ui, egui::vec2(width, height), what);
                    return;
                }
                let mut plot = Plot::new(("curve", id)).width(width).height(height);
                if id == "distance" && legend {
                    // One legend is enough: the colors are the panels' everywhere.
                    plot = plot.legend(Legend::default().position(Corner::LeftBottom));
                }
                plot.link_axis(link, [true, false])
                    .x_axis_label("step")
                    .allow_scroll(false)
                    .show(ui, |pui| {
                        for (panel, style) in styles.iter().enumerate() {
                            let Some(track) = runs.main(panel) else {
                                continue;
                            };
                            let slot = plot_index * styles.len() + panel;
                            let pts = cache.points(slot, &runs.key, &track.history, metric);
                            let pts = thin(pts.to_vec(), pui.transform());
                            pui.line(
                                Line::new(style.name.clone(), pts)
                                    .color(style.color)
                                    .width(look.line_width())
                                    .style(style.dash),
                            );
                        }
                    });
            });
        }
    });
}

/// One row per panel: sign changes of θ, distance now, status.
pub fn table_ui(ui: &mut egui::Ui, runs: &Runs, styles: &[CurveStyle], look: Look) {
    egui::Grid::new("stackelberg-table")
        .num_columns(4)
        .spacing([18.0, 4.0])
        .striped(true)
        .show(ui, |ui| {
            ui.strong("panel");
            ui.strong("sign changes of θ")
                .on_hover_text("How often the actor crossed θ = 0: cycling shows as many");
            ui.strong("distance to (0, 0)");
            ui.strong("status");
            ui.end_row();
            for (panel, style) in styles.iter().enumerate() {
                let Some(track) = runs.main(panel) else {
                    continue;
                };
                let w = &track.walker;
                ui.colored_label(style.color, &style.name);
                ui.label(w.theta_sign_changes.to_string());
                ui.label(format::num(w.distance()));
                match w.diverged_at {
                    Some(k) => ui.colored_label(
                        look.error_color(),
                        format!("diverged at step {}", format::count(k)),
                    ),
                    None => ui.label("running"),
                };
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::stackelberg::StackelbergState;

    /// The curve computed from scratch, as the cache must give it.
    fn fresh(history: &History, metric: fn(f64, f64) -> f64) -> Vec<[f64; 2]> {
        history
            .points
            .iter()
            .map(|&(k, t, w)| [k as f64, metric(t, w)])
            .filter(|p| p[1].is_finite())
            .collect()
    }

    #[test]
    fn cached_curves_equal_fresh_ones_while_runs_grow_halve_and_restart() {
        let metric: fn(f64, f64) -> f64 = |t, w| t.hypot(w).log10();
        let mut state = StackelbergState::default();
        let mut runs = Runs::new(state.game_key());
        let mut cache = CurveCache::default();
        let check = |cache: &mut CurveCache, runs: &Runs| {
            for panel in 0..4 {
                let history = &runs.main(panel).expect("a main track").history;
                let cached = cache.points(panel, &runs.key, history, metric).to_vec();
                assert_eq!(
                    cached,
                    fresh(history, metric),
                    "panel {panel} at step {}",
                    runs.step
                );
            }
        };
        // Growing, then past the history's capacity (its stride doubles, its points are halved).
        for steps in [0, 1, 7, 500, 5000, 3000] {
            for _ in 0..steps {
                runs.step_once();
            }
            check(&mut cache, &runs);
        }
        assert!(
            runs.main(0).is_some_and(|t| t.history.every > 1),
            "never halved"
        );
        // Other runs (another start): shorter, and not a prefix of the cached ones.
        state.start = [0.5, -0.5];
        runs = Runs::new(state.game_key());
        for _ in 0..10 {
            runs.step_once();
        }
        check(&mut cache, &runs);
    }
}
