//! The bilevel playground (issue 6): one problem, up to four algorithm runs from one start stepped in
//! lockstep, each in its fixed color. The picture (the (x, y) plane for 1-D problems with f's level bands,
//! y*(x), the Nash and Stackelberg points; Φ over the x plane for 2-D leaders), live training curves, and
//! every term of the IFT hypergradient at the selected run's iterate. State: [`PlaygroundState`] (URL).

mod controls;
mod curves;
mod draws;
mod explain;
mod export;
mod phi_curve;
mod picture;

use web_time::Instant;

use crate::app::playback::{Built, Playback};
use crate::app::stage::{Part, Stage, Staging};
use crate::app::widgets::RunAction;
use crate::app::{Look, Series, View, ViewCtx, format};
use crate::numerics::bilevel::algorithms::Status;
use crate::numerics::bilevel::lockstep::Tracked;
pub use crate::scenario::playground::Model;
use crate::scenario::playground::{AlgoKind, PlaygroundState};

/// Run i's color, the same in the picture, the curves and the tables.
pub fn run_color(look: Look, i: usize) -> egui::Color32 {
    let series = [
        Series::Simultaneous,
        Series::Stackelberg,
        Series::TwoTimescale,
        Series::StackelbergRegularized,
    ];
    look.color(series[i % 4])
}

/// Run i's label: "(a) double loop (AID-BiO) · CG".
pub fn run_label(state: &PlaygroundState, i: usize) -> String {
    let r = &state.runs[i];
    let algo = AlgoKind::ALL
        .iter()
        .find(|(k, _, _)| *k == r.algorithm)
        .map_or("?", |(_, name, _)| name);
    let letter = ["a", "b", "c", "d"][i % 4];
    if r.algorithm.uses_ihvp() {
        format!("({letter}) {algo} · {}", r.ihvp.label())
    } else {
        format!("({letter}) {algo}")
    }
}

/// The view.
pub struct PlaygroundView {
    state: PlaygroundState,
    run: Built<Model>,
    playback: Playback,
    /// The run explained below the curves (0..4).
    selected: usize,
    landscape: picture::Landscape,
    /// The curves' points so far (of `model`).
    curves: curves::SeriesCache,
    /// Nyström draws at the selected run's iterate, when asked for.
    draws: Option<draws::Draws>,
    /// The "load a problem" paste box and its last error.
    paste: crate::app::widgets::Paste,
    /// The PNG export of the picture and curves, and the last export's outcome.
    png: crate::app::widgets::export::RegionPng,
    message: Option<Result<String, String>>,
}

impl Default for PlaygroundView {
    fn default() -> Self {
        let state = PlaygroundState::default();
        Self {
            run: Built::new(&state, Model::new),
            paste: crate::app::widgets::Paste {
                text: controls::problem_text(&state),
                error: None,
            },
            state,
            playback: Playback::default(),
            selected: 1,
            landscape: picture::Landscape::default(),
            curves: Default::default(),
            draws: None,
            png: Default::default(),
            message: None,
        }
    }
}

impl View for PlaygroundView {
    crate::app::playback::view_state!(PlaygroundState, stop_at, "Bilevel playground");

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        let action = ui.horizontal_wrapped(|ui| self.toolbar_ui(ui, ctx)).inner;
        if let Some(result) = self.png.collect(ui.ctx(), "playground.png") {
            self.message = Some(result);
        }
        self.advance(ui, action, ctx.deadline);
        self.report(ctx);
        crate::app::widgets::controls_and_results(
            ui,
            ("playground-controls", self, ctx),
            |ui, v, c| controls::controls_ui(ui, c, &mut v.state, &mut v.paste),
            |ui, v, ctx| v.results_ui(ui, ctx),
        );
    }

    fn stage_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>, stage: &mut Stage) {
        let (steps, stop_at) = (self.steps(), self.state.stop_at);
        let action = stage.controls_ui(ui, &STAGING, ctx.report, |ui, c| {
            let action = self.playback.controls_ui(ui, c, steps, stop_at);
            controls::controls_ui(ui, c, &mut self.state, &mut self.paste);
            action
        });
        self.advance(ui, action, ctx.deadline);
        self.report(ctx);
        let look = ctx.look;
        let Some(model) = stage.built(ui, (&STAGING, look), &self.run.model) else {
            return;
        };
        stage.parts_ui(ui, &STAGING, |ui, id| {
            let size = ui.available_size();
            let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
            match id {
                "plane" => picture::picture_ui(
                    ui,
                    (&self.state, model),
                    &mut self.landscape,
                    (&mut *ctx.runtime, ctx.deadline),
                    look,
                    (size, false),
                ),
                "phi-curve" => {
                    if let Some(range) = picture::x_range(&self.state, model, &self.landscape) {
                        crate::app::widgets::math::strong(ui, phi_curve::TITLE);
                        let size = egui::vec2(size.x, size.y - line);
                        phi_curve::phi_curve_ui(ui, model, range, look, size);
                    } else {
                        ui.label("Φ(x) is drawn for a 1-D leader and follower.");
                    }
                }
                "curves" => {
                    // The gap to Φ* and ‖∇Φ‖: side by side, or one over the other on a tall part.
                    let per_row = if size.x >= 1.4 * size.y { 2 } else { 1 };
                    let rows = (2 / per_row) as f32;
                    let height = (size.y / rows - 3.0 * line).max(20.0);
                    let cache = &mut self.curves;
                    let layout = (2, per_row, height);
                    curves::curves_ui(ui, &self.state, (model, cache), look, layout);
                }
                _ => status_ui(ui, &self.state, model, look),
            }
        });
        if !self.landscape.finished() {
            ui.ctx().request_repaint();
        }
    }
}

/// The view's stage: the plane (or Φ over the x plane) and the curves; Play, Restart and the step sizes.
const STAGING: Staging = Staging {
    parts: &[
        Part::new("plane", 1.0),
        Part::flex("curves", 0.45, 6.0),
        Part::flex("table", 2.0, 6.0),
        Part::flex("phi-curve", 1.4, 4.0),
    ],
    default_parts: &["plane", "curves"],
    default_controls: &["play", "restart", "outer-lr", "inner-steps"],
};

impl PlaygroundView {
    /// Play / Step / Restart, then CSV, JSON and PNG buttons and the last export's outcome.
    fn toolbar_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) -> RunAction {
        use crate::app::widgets::export::file_button;
        let steps = self.steps();
        let action = self.playback.controls_ui(
            ui,
            &mut crate::app::stage::Controls::all(ctx.report),
            steps,
            self.state.stop_at,
        );
        ui.separator();
        ui.label("Export");
        if let Ok(model) = &self.run.model {
            let state = &self.state;
            let csv = file_button(
                ui,
                ctx.report,
                (
                    "export-csv",
                    "CSV",
                    "Every run's iterates and numbers, step by step",
                ),
                ("playground.csv", "text/csv"),
                || export::runs_csv(state, model),
            );
            let json = file_button(
                ui,
                ctx.report,
                (
                    "export-json",
                    "JSON",
                    "The view's document (its settings, which `bilevel-lab run` replays) and every run's numbers",
                ),
                ("playground.json", "application/json"),
                || crate::app::view::export(&*self, export::runs_json(state, model)),
            );
            if let Some(result) = csv.or(json) {
                self.message = Some(result);
            }
        }
        self.png.button_ui(
            ui,
            ctx.report,
            "export-png",
            "The picture and the curves as an image",
        );
        crate::app::widgets::export::outcome_ui(ui, ctx.look, self.message.as_ref());
        action
    }

    /// "IHVP at this iterate": the button, the batch in flight, its histogram.
    fn draws_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        let Ok(model) = &self.run.model else { return };
        let Some(pos) = model.first_of(self.selected) else {
            return;
        };
        let label = run_label(&self.state, self.selected);
        ui.horizontal(|ui| {
            ui.strong("IHVP at this iterate");
            let button = ui.button("Sample draws here").on_hover_text(
                "256 Nyström column draws (rank q, α) at the selected run's iterate, one GPU batch",
            );
            ctx.report.control("sample-draws", &button);
            if button.clicked() {
                self.draws = Some(draws::Draws::start(
                    ctx.runtime,
                    &self.state,
                    model,
                    pos,
                    self.selected,
                ));
            }
        });
        if let Some(d) = &mut self.draws
            && d.poll((ctx.runtime, ctx.deadline), model.lock.problem.as_ref())
        {
            ui.ctx().request_repaint();
        }
        if let Some(d) = &self.draws {
            ctx.report
                .value("draws_done", d.errors().map_or(0, <[f64]>::len));
        }
        draws::draws_ui(ui, self.draws.as_ref(), &label, ctx.look);
    }

    fn steps(&self) -> usize {
        self.run.model.as_ref().map_or(0, |m| m.lock.step_count())
    }

    /// Rebuilds on Restart, a link or a settings change (replayed to the same step), and plays.
    fn advance(&mut self, ui: &egui::Ui, action: RunAction, deadline: Instant) {
        let stale = self.run.stale(&self.state);
        let frame = (self.state.steps_per_frame, self.state.stop_at);
        let now = (ui.ctx(), action, deadline);
        if self
            .playback
            .play(now, &mut self.run, (&self.state, stale), Model::new, frame)
        {
            self.landscape = picture::Landscape::default();
            self.curves = Default::default();
            self.draws = None;
        }
    }

    fn report(&self, ctx: &mut ViewCtx<'_>) {
        // A 1-D leader and follower: the hypergradient's terms at each run's iterate (Lesson 0's arrows).
        let terms = |t: &crate::numerics::bilevel::lockstep::Tracked| {
            let Ok(model) = &self.run.model else {
                return serde_json::Value::Null;
            };
            let problem = model.lock.problem.as_ref();
            if problem.dims() != (1, 1) {
                return serde_json::Value::Null;
            }
            phi_curve::terms(problem, t.run.x[0], t.run.y[0]).map_or(
                serde_json::Value::Null,
                |(direct, implicit, total)| {
                    serde_json::json!({"direct": direct, "implicit": implicit, "total": total})
                },
            )
        };
        ctx.report.value("step", self.steps());
        ctx.report.value("playing", self.playback.playing);
        ctx.report
            .value("landscape_done", self.landscape.finished());
        ctx.report.value(
            "landscape_ran_on",
            match self.landscape.ran_on {
                Some(crate::gpu::Ran::Gpu) => "gpu",
                Some(crate::gpu::Ran::Cpu) => "cpu",
                None => "",
            },
        );
        let Ok(model) = &self.run.model else { return };
        let runs: Vec<serde_json::Value> = model
            .index
            .iter()
            .zip(&model.lock.runs)
            .zip(&model.seed)
            .map(|((&i, t), &k)| {
                serde_json::json!({
                    "run": i,
                    "seed": k,
                    "oracles": t.oracles(),
                    "hvps": t.run.hvp_count,
                    "terms": terms(t),
                    "x": t.run.x.iter().copied().collect::<Vec<f64>>(),
                    "y": t.run.y.iter().copied().collect::<Vec<f64>>(),
                    "status": t.run.status.to_string(),
                    "phi": t.metrics.last().map(|m| m.phi),
                })
            })
            .collect();
        ctx.report.value("runs", runs);
    }

    fn results_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        let look = ctx.look;
        let Some(model) = look.built(ui, &self.run.model) else {
            return;
        };
        status_ui(ui, &self.state, model, look);
        ui.add_space(4.0);
        let wide = ui.available_width() > 900.0;
        let side = if wide {
            (ui.available_width() * 0.45).min(560.0)
        } else {
            ui.available_width()
        };
        let state = &self.state;
        let (runtime, deadline) = (&mut *ctx.runtime, ctx.deadline);
        let mut draw = |ui: &mut egui::Ui, landscape: &mut picture::Landscape| {
            picture::picture_ui(
                ui,
                (state, model),
                landscape,
                (runtime, deadline),
                look,
                (egui::vec2(side, side.min(460.0)), true),
            );
        };
        let curves = &mut self.curves;
        let mut curves_ui = |ui: &mut egui::Ui| {
            curves::curves_ui(ui, state, (model, curves), look, (5, 2, 150.0));
        };
        let figure = if wide {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.set_max_width(side);
                    draw(ui, &mut self.landscape);
                });
                ui.vertical(curves_ui);
            })
            .response
            .rect
        } else {
            ui.vertical(|ui| {
                draw(ui, &mut self.landscape);
                curves_ui(ui);
            })
            .response
            .rect
        };
        self.png.set_region(ui, figure);
        ui.add_space(6.0);
        let selected = &mut self.selected;
        crate::app::widgets::out_of_sight_later(ui, "playground-explain", |ui| {
            explain::explain_ui(ui, &self.state, model, selected, look);
        });
        ui.add_space(6.0);
        self.draws_ui(ui, ctx);
        if !self.landscape.finished() {
            ui.ctx().request_repaint();
        }
    }
}

/// The median of the finite values (NaN when none).
fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// One line per run: its label in its color, where it is, its status ("diverged at step k" in red). With
/// several seeds: the medians over the seeds and how many diverged.
fn status_ui(ui: &mut egui::Ui, state: &PlaygroundState, model: &Model, look: Look) {
    let band = model.seeds > 1;
    egui::Grid::new("playground-status")
        .num_columns(6)
        .spacing([16.0, 2.0])
        .show(ui, |ui| {
            let (phi, grad) = if band {
                ("median Φ(x)", "median ‖∇Φ(x)‖")
            } else {
                ("Φ(x)", "‖∇Φ(x)‖")
            };
            for h in ["run", phi, grad, "HVPs", "oracle calls", "status"] {
                ui.strong(h);
            }
            ui.end_row();
            for slot in model.slots() {
                let runs: Vec<&Tracked> = model.of_slot(slot).collect();
                let last = |f: fn(&crate::numerics::bilevel::lockstep::Metrics) -> f64| {
                    median(
                        runs.iter()
                            .filter_map(|t| t.metrics.last().map(f))
                            .collect(),
                    )
                };
                ui.colored_label(run_color(look, slot), run_label(state, slot));
                ui.label(format::num(last(|m| m.phi)));
                ui.label(format::error(last(|m| m.grad_norm)));
                ui.label(format::count(runs[0].run.hvp_count));
                ui.label(if state.stochastic {
                    format::count(runs[0].oracles())
                } else {
                    "exact".to_owned()
                });
                let diverged: Vec<&Tracked> = runs
                    .iter()
                    .copied()
                    .filter(|t| t.run.status != Status::Ok)
                    .collect();
                match (diverged.first(), band) {
                    (None, _) => ui.label("ok"),
                    (Some(t), false) => {
                        ui.colored_label(look.error_color(), t.run.status.to_string())
                    }
                    (Some(_), true) => ui.colored_label(
                        look.error_color(),
                        format!("diverged in {} of {} seeds", diverged.len(), runs.len()),
                    ),
                };
                ui.end_row();
            }
        });
}
