//! The bilevel RL view's training curves: φ(x_k), log₁₀ ‖∇φ(x_k)‖, log₁₀ of each direction's relative error
//! against ∇φ, log₁₀ of the lower-level residual, and (with a cost budget) the violation and CBSO's distance
//! to the constrained optimum and ‖∇φ_c‖, on linked step axes, one line per run in its slot's color.

use egui_plot::Plot;

use crate::app::Look;
use crate::app::widgets::series_line;
use crate::numerics::rl::lockstep::{Point, RlLockstep};

type Metric = (&'static str, fn(&Point) -> f64);

const CURVES: [Metric; 7] = [
    ("upper objective φ(x_k)", |p| p.phi),
    ("log₁₀ ‖∇φ(x_k)‖", |p| p.grad_norm.log10()),
    ("log₁₀ direction's error vs ∇φ", |p| {
        p.estimate_error.log10()
    }),
    (
        "log₁₀ lower-level residual max_s ‖π_k − π*‖₁",
        |p| p.residual.log10(),
    ),
    ("budget violation max(0, J_c(π_k) − b)", |p| p.violation),
    (
        "CBSO: log₁₀ max_s ‖π_k − π*_c‖₁ (constrained optimum)",
        |p| p.constrained_residual.log10(),
    ),
    (
        "CBSO: log₁₀ ‖∇φ_c(x_k)‖, φ_c = f(x, π*_c(x))",
        |p| p.constrained_grad_norm.log10(),
    ),
];

/// The curves: three a row, each plot 170 points high; on a stage (`fit`: the part's width and height) as
/// many a row as make the plots largest at about 1.6 : 1, titles on one line.
pub fn curves_ui(
    ui: &mut egui::Ui,
    lock: &RlLockstep,
    slots: &[usize],
    budget: bool,
    look: Look,
    fit: Option<(f32, f32)>,
) {
    let link = egui::Id::unique("soft-rl-curves");
    let shown = if budget { CURVES.len() } else { 4 };
    // A curve no run has numbers for (e.g. direction errors when no run estimates ∇φ) is left out; log₁₀ 0
    // (an exact solve) is a number, said under the plot since a log axis cannot draw it.
    let drawn = |v: f64| v.is_finite() || v == f64::NEG_INFINITY;
    let curves: Vec<&Metric> = CURVES[..shown]
        .iter()
        .filter(|(_, metric)| {
            lock.runs
                .iter()
                .any(|r| r.history.iter().any(|p| drawn(metric(p))))
        })
        .collect();
    let (cols, width, height) = crate::app::stage::plot_columns(ui, curves.len(), fit, 170.0);
    for row in curves.chunks(cols) {
        ui.horizontal(|ui| {
            for &&(title, metric) in row {
                ui.vertical(|ui| {
                    ui.set_max_width(width);
                    crate::app::widgets::math::strong(ui, title);
                    if lock.runs.iter().all(|r| r.history.len() <= 1) {
                        let what = "Press Play: each run's curve draws here.";
                        crate::app::widgets::empty_chart(ui, egui::vec2(width, height), what);
                        return;
                    }
                    Plot::new(("soft-rl-curve", title))
                        .width(width)
                        .height(height)
                        .link_axis(link, [true, false])
                        .x_axis_label("step")
                        .allow_scroll(false)
                        .show(ui, |pui| {
                            for (run, &slot) in lock.runs.iter().zip(slots) {
                                let pts = run
                                    .history
                                    .iter()
                                    .enumerate()
                                    .map(|(i, p)| [i as f64, metric(p)]);
                                series_line(pui, run.algorithm.name(), look, slot, pts);
                            }
                        });
                    // Off the stage (where the plots fill the part): runs at exactly 0 said in words.
                    for run in lock.runs.iter().filter(|_| fit.is_none()) {
                        let zeros = run
                            .history
                            .iter()
                            .filter(|p| metric(p) == f64::NEG_INFINITY)
                            .count();
                        if zeros > 0 {
                            ui.weak(format!(
                                "{}: exactly 0 at {zeros} of {} steps (not drawn: log axis)",
                                run.algorithm.name(),
                                run.history.len()
                            ));
                        }
                    }
                });
            }
        });
    }
}
