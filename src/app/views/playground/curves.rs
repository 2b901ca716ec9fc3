//! Live training curves of every run in its color, on linked step axes: Φ(x_k) − Φ* (or Φ where Φ* is
//! unknown), ‖∇Φ(x_k)‖, ‖y_k − y*(x_k)‖ and the direction's error against the exact hypergradient on
//! log₁₀ scales, and the HVPs spent so far.

use egui_plot::{Line, Plot};

use super::{Model, run_color, run_label};
use crate::app::Look;
use crate::numerics::bilevel::lockstep::Metrics;
use crate::scenario::playground::PlaygroundState;

/// At most this many points per curve (older steps thinned evenly).
const MAX_POINTS: usize = 2000;

fn log10(v: f64) -> f64 {
    if v > 0.0 { v.log10() } else { f64::NAN }
}

pub fn curves_ui(ui: &mut egui::Ui, state: &PlaygroundState, model: &Model, look: Look) {
    let phi_star = model.lock.phi_star();
    type Pick = Box<dyn Fn(&Metrics) -> f64>;
    let gap_title = if phi_star.is_some() {
        "log₁₀ (Φ(x_k) − Φ*)"
    } else {
        "Φ(x_k) (Φ* unknown)"
    };
    let plots: [(&str, &str, Pick); 5] = [
        (
            "gap",
            gap_title,
            match phi_star {
                Some(s) => Box::new(move |m: &Metrics| log10(m.phi - s)),
                None => Box::new(|m: &Metrics| m.phi),
            },
        ),
        (
            "grad",
            "log₁₀ ‖∇Φ(x_k)‖",
            Box::new(|m: &Metrics| log10(m.grad_norm)),
        ),
        (
            "inner",
            "log₁₀ ‖y_k − y*(x_k)‖",
            Box::new(|m: &Metrics| log10(m.inner_error)),
        ),
        (
            "direction",
            "log₁₀ relative error of the direction vs ∇Φ",
            Box::new(|m: &Metrics| log10(m.direction_error)),
        ),
        ("hvps", "HVPs spent", Box::new(|m: &Metrics| m.hvps as f64)),
    ];
    let link = egui::Id::unique("playground-curves-link");
    let width = ((ui.available_width() - 16.0) / 2.0).max(160.0);
    for row in plots.chunks(2) {
        ui.horizontal(|ui| {
            for (id, title, pick) in row {
                ui.vertical(|ui| {
                    ui.strong(*title);
                    // No legends: the colors are the runs' in the table above.
                    Plot::new(("playground-curve", *id))
                        .width(width)
                        .height(150.0)
                        .link_axis(link, [true, false])
                        .x_axis_label("step")
                        .allow_scroll(false)
                        .show(ui, |pui| {
                            for (&i, t) in model.index.iter().zip(&model.lock.runs) {
                                let every = t.metrics.len().div_ceil(MAX_POINTS).max(1);
                                let pts: Vec<[f64; 2]> = t
                                    .metrics
                                    .iter()
                                    .enumerate()
                                    .step_by(every)
                                    .map(|(k, m)| [k as f64, pick(m)])
                                    .filter(|p| p[1].is_finite())
                                    .collect();
                                pui.line(
                                    Line::new(run_label(state, i), pts)
                                        .color(run_color(look, i))
                                        .width(look.line_width()),
                                );
                            }
                        });
                });
            }
        });
    }
}
