//! The Control view's numbers: a table of the learners (return now, its 95% band, wall time per update
//! and its ratio to PPO's — Figure 4), the return curves against environment steps with their bands
//! (Figure 3's presentation), and per update the hypergradient's pieces, one line per learner in its
//! slot's colour.

use egui_plot::{Line, Plot};

use crate::app::widgets::band::band;
use crate::app::widgets::{series_line, thin};

use super::{Model, SLOT_COLORS, status};
use crate::app::{Look, format};
use crate::numerics::control::envs::EnvKind;
use crate::numerics::control::learner::Name;
use crate::numerics::control::lockstep::{Record, Seeds, WINDOW, mean_band};

/// Most points drawn per curve (records are thinned evenly beyond).
const MAX_DRAWN: usize = 400;

type Metric = (&'static str, &'static str, fn(&Record) -> f64);

/// The per-update diagnostics: title, hover text, value.
const DIAGNOSTICS: [Metric; 8] = [
    (
        "cos(∇_θJ, direction followed)",
        "1: the implicit correction does not turn the actor's step",
        |r| r.term(|t| t.cosine),
    ),
    (
        "log₁₀ ‖∇_θω L·v‖ / ‖∇_θJ‖",
        "the implicit correction against the direct gradient, before the clip",
        |r| r.term(|t| t.correction_ratio).log10(),
    ),
    (
        "clip rate",
        "share of minibatches whose correction the bound cut (Sec. 6)",
        |r| r.clip_rate,
    ),
    (
        "log₁₀ critic loss",
        "L(ω) = mean (V_ω(s) − R)² on the minibatch, after the K_ω nested steps",
        |r| r.term(|t| t.critic_loss).log10(),
    ),
    (
        "log₁₀ top eigenvalue of ∇²_ω L",
        "largest Ritz value, 30 Lanczos steps (with \"measure the Hessian\")",
        |r| r.term(|t| t.top_eigenvalue).log10(),
    ),
    (
        "log₁₀ condition of ∇²_ω L + ρI",
        "over positive definite minibatches (with \"measure the Hessian\")",
        |r| r.term(|t| t.condition).log10(),
    ),
    (
        "log₁₀ IHVP relative error",
        "‖v − v*‖/‖v*‖ against CG to a 1e−12 residual (with \"measure the Hessian\")",
        |r| r.term(|t| t.ihvp_error).log10(),
    ),
    (
        "seconds per update",
        "wall time of one update of one seed, in this browser",
        |r| r.seconds,
    ),
];

/// Evenly thinned records (every one when there are few).
fn thinned(history: &[Record]) -> impl Iterator<Item = &Record> {
    let every = history.len().div_ceil(MAX_DRAWN).max(1);
    history
        .iter()
        .enumerate()
        .filter(move |(i, _)| i % every == 0 || *i + 1 == history.len())
        .map(|(_, r)| r)
}

/// One row per learner: return now with its band, seeds, time per update and its ratio to PPO's.
pub fn table_ui(ui: &mut egui::Ui, model: &Model, look: Look) {
    let ppo = model
        .runs
        .iter()
        .find(|r| r.algorithm.name() == Name::Ppo && !r.history.is_empty())
        .map(Seeds::seconds_per_update);
    egui::Grid::new("control-table")
        .num_columns(6)
        .spacing([16.0, 2.0])
        .show(ui, |ui| {
            for h in [
                "learner",
                "env steps",
                &format!("mean return (last {WINDOW} episodes)"),
                "95% band",
                "time / update",
                "status",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for (&slot, r) in model.slots.iter().zip(&model.runs) {
                let name = r.algorithm.name();
                ui.colored_label(look.color(SLOT_COLORS[slot]), r.algorithm.display())
                    .on_hover_text(name.rule());
                let last = r.history.last();
                ui.label(format::count(last.map_or(0, |p| p.steps)));
                let (mean, band) = last.map_or((f64::NAN, f64::NAN), |p| mean_band(&p.mean_return));
                ui.label(if mean.is_finite() {
                    format!(
                        "{} ({} seeds)",
                        format::num(mean),
                        last.map_or(0, |p| p.mean_return.len())
                    )
                } else {
                    "no episode finished yet".to_owned()
                });
                ui.label(if band.is_finite() {
                    format!("± {}", format::num(band))
                } else {
                    "–".to_owned()
                });
                let time = r.seconds_per_update();
                ui.label(match ppo {
                    _ if !time.is_finite() => "–".to_owned(),
                    Some(p) if name != Name::Ppo => {
                        format!("{:.3} s ({:.1}× PPO)", time, time / p)
                    }
                    _ => format!("{time:.3} s"),
                });
                if r.active() {
                    ui.label(status(r));
                } else {
                    ui.colored_label(look.error_color(), status(r));
                }
                ui.end_row();
            }
        });
}

/// What trains the learners (workers, or the page's frames and why), each learner's updates per second
/// and the time to the run's end while training (under the table, which is wide enough already), and the
/// picker for how many workers (kept in the browser's storage; it applies from the next run: Restart or a
/// settings change).
pub fn trainer_ui(
    ui: &mut egui::Ui,
    model: &Model,
    (frames_why, pace): (Option<&str>, std::time::Duration),
    look: Look,
) {
    use crate::app::training::{MAX, Workers};
    // The table above can be wider than the panel shows: these lines wrap at the panel's visible edge.
    ui.set_max_width((ui.clip_rect().right() - ui.max_rect().left()).max(160.0));
    let rates: Vec<(usize, f64, f64)> = (0..model.runs.len())
        .filter_map(|i| model.progress(i).map(|(rate, left)| (i, rate, left)))
        .collect();
    if !rates.is_empty() {
        ui.horizontal_wrapped(|ui| {
            for &(i, rate, _) in &rates {
                let name = model.runs[i].algorithm.name().label();
                ui.colored_label(
                    look.color(SLOT_COLORS[model.slots[i]]),
                    format!("{name} {rate:.2} updates/s"),
                );
            }
            let left = rates.iter().map(|r| r.2).fold(0.0, f64::max);
            ui.label(format!("· the run ends in {}", format::duration(left)))
                .on_hover_text(
                    "each learner's updates per second over its last ten; the slowest sets the end",
                );
        });
    }
    ui.horizontal_wrapped(|ui| {
        match (model.trainer(), frames_why) {
            (Some(on), _) if !pace.is_zero() => ui.label(format!(
                "Training on {on}. Drawn in software (no GPU), the page draws {:.0} frames a second \
                 meanwhile, leaving the cores to them.",
                1.0 / pace.as_secs_f64()
            )),
            (Some(on), _) => ui.label(format!("Training on {on}.")),
            (None, Some(why)) => ui.colored_label(
                look.focus_color(),
                format!("Training in this page's frames ({why}): slower, a few milliseconds a frame."),
            ),
            (None, None) => ui.label("Training starts on workers with Play."),
        };
        let mut chosen = Workers::chosen();
        egui::ComboBox::from_label("workers")
            .selected_text(chosen.label())
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen, Workers::Auto, Workers::Auto.label());
                for n in 1..=MAX as u8 {
                    ui.selectable_value(&mut chosen, Workers::Count(n), n.to_string());
                }
                ui.selectable_value(&mut chosen, Workers::Frames, Workers::Frames.label());
            })
            .response
            .on_hover_text("How many workers train (kept in this browser). Applies from the next run: Restart.");
        if chosen != Workers::chosen() {
            chosen.choose();
        }
    });
}

/// The return curves (mean and 95% band over seeds) and the diagnostics.
pub fn curves_ui(ui: &mut egui::Ui, model: &Model, env: EnvKind, look: Look) {
    returns_ui(ui, model, env, look, 260.0);
    diagnostics_ui(ui, model, look, None);
}

/// The mean return over seeds with its 95% band, the plot `height` points high.
pub fn returns_ui(ui: &mut egui::Ui, model: &Model, env: EnvKind, look: Look, height: f32) {
    let link = egui::Id::unique("control-curves");
    ui.strong(format!(
        "{}: mean return of the last {WINDOW} episodes, mean over seeds and its 95% interval (Student t, \
         cut at the task's possible returns)",
        env.label()
    ));
    let width = ui.available_width().max(200.0);
    if model.runs.iter().all(|r| r.history.is_empty()) {
        let what = "Press Play: each learner's mean return draws here, update by update.";
        crate::app::widgets::empty_chart(ui, egui::vec2(width, height), what);
        return;
    }
    Plot::new("control-returns")
        .width(width)
        .height(height)
        .link_axis(link, [true, false])
        .x_axis_label("environment steps per seed")
        .y_axis_label("return")
        .y_axis_min_width(48.0)
        .legend(egui_plot::Legend::default())
        .allow_scroll(false)
        .show(ui, |pui| {
            for (&slot, r) in model.slots.iter().zip(&model.runs) {
                let color = look.color(SLOT_COLORS[slot]);
                let points: Vec<(f64, f64, f64)> = thinned(&r.history)
                    .map(|p| {
                        let (m, h) = mean_band(&p.mean_return);
                        (p.steps as f64, m, h)
                    })
                    .filter(|(_, m, _)| m.is_finite())
                    .collect();
                // The band within the returns the task allows (the mean's own range).
                let (lo, hi) = env.return_range();
                let edges: Vec<(f64, f64, f64)> = points
                    .iter()
                    .map(|&(x, m, h)| (x, (m - h).max(lo), (m + h).min(hi)))
                    .collect();
                band(pui, &edges, color);
                let line: Vec<[f64; 2]> = points.iter().map(|&(x, m, _)| [x, m]).collect();
                pui.line(
                    Line::new(r.algorithm.display(), thin(line, pui.transform()))
                        .color(color)
                        .width(look.line_width())
                        .style(Look::dash(slot)),
                );
            }
        });
}

/// The diagnostics some learner has numbers for.
fn diagnostics(model: &Model) -> Vec<&'static Metric> {
    DIAGNOSTICS
        .iter()
        .filter(|(_, _, f)| {
            model
                .runs
                .iter()
                .any(|r| r.history.iter().any(|p| f(p).is_finite()))
        })
        .collect()
}

/// The diagnostics that have numbers: three a row, each plot 150 points high; on a stage (`fit`: the part's
/// width and height) as many a row as make them largest (`stage::layout::plot_grid`).
pub fn diagnostics_ui(ui: &mut egui::Ui, model: &Model, look: Look, fit: Option<(f32, f32)>) {
    let link = egui::Id::unique("control-curves");
    let shown = diagnostics(model);
    let (cols, small, height) = crate::app::stage::plot_columns(ui, shown.len(), fit, 150.0);
    for row in shown.chunks(cols) {
        ui.horizontal(|ui| {
            for &&(title, hint, f) in row {
                ui.vertical(|ui| {
                    ui.set_max_width(small);
                    crate::app::widgets::math::strong(ui, title).on_hover_text(hint);
                    // A share is drawn on [0, 1] (a clip rate of 0 throughout is not a flat line
                    // in an arbitrary window).
                    let mut plot = Plot::new(("control-diagnostic", title));
                    if title == "clip rate" {
                        plot = plot.include_y(0.0).include_y(1.0);
                    }
                    plot.width(small)
                        .height(height)
                        .link_axis(link, [true, false])
                        .x_axis_label("environment steps")
                        .allow_scroll(false)
                        .show(ui, |pui| {
                            for (&slot, r) in model.slots.iter().zip(&model.runs) {
                                let pts = thinned(&r.history).map(|p| [p.steps as f64, f(p)]);
                                series_line(pui, &r.algorithm.display(), look, slot, pts);
                            }
                        });
                });
            }
        });
    }
}
