//! Live curves of every panel's main trajectory, in the panels' colors: log₁₀ distance to (0, 0), the
//! leader's true return r = −θ²/5, the critic's curvature ∂²wwf₂ = 2θ² (log₁₀), and a table of θ's sign
//! changes (cycling) and where each run stands.

use egui::Color32;
use egui_plot::{Corner, Legend, Line, LineStyle, Plot};

use crate::app::widgets::thin;
use crate::app::{Look, format};
use crate::numerics::games::lockstep::Runs;

/// A panel's curve identity.
pub struct CurveStyle {
    pub name: String,
    pub color: Color32,
    pub dashed: bool,
}

/// The three plots side by side, linked on the step axis.
pub fn curves_ui(ui: &mut egui::Ui, runs: &Runs, styles: &[CurveStyle], look: Look, height: f32) {
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
    let width = ((ui.available_width() - 16.0) / 3.0).max(120.0);
    ui.horizontal(|ui| {
        for (id, title, metric) in plots {
            ui.vertical(|ui| {
                ui.strong(title);
                let mut plot = Plot::new(("curve", id)).width(width).height(height);
                if id == "distance" {
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
                            let pts: Vec<[f64; 2]> = track
                                .history
                                .points
                                .iter()
                                .map(|&(k, t, w)| [k as f64, metric(t, w)])
                                .filter(|p| p[1].is_finite())
                                .collect();
                            let pts = thin(pts, pui.transform());
                            let mut line = Line::new(style.name.clone(), pts)
                                .color(style.color)
                                .width(look.line_width());
                            if style.dashed {
                                line = line.style(LineStyle::dashed_dense());
                            }
                            pui.line(line);
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
