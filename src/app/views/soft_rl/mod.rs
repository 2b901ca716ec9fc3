//! Soft-MDP bilevel RL (issue 7; seeds 001, 002, 003): on a gridworld (or a random MDP) the leader picks a
//! reward, the follower plays the entropy-regularized optimal policy. Up to four runs side by side — any
//! of M-SoBiRL, model-free SoBiRL, Stoc-SoBiRL, exact hypergradient descent, alternating updates, PBRL and
//! CBSO — with the learned reward, the follower's V* and occupancy and π* as arrows, beside the hidden
//! true reward (which is also the editor), and live curves of φ, ‖∇φ‖, each direction's error, the
//! lower-level residual and, with a cost budget, its violation. Work is time-sliced one run-step at a time
//! (a frame budget of 10 ms), so a 32 × 32 grid keeps the page responsive.
//! State: [`SoftRlState`] (URL hash).

mod controls;
mod curves;
mod expert;
mod grids;
mod landscape;
mod pictures;
mod results;

use results::status_text;

use nalgebra::DVector;

use web_time::Instant;

use crate::app::playback::{Built, Playback, Stepped as _};
use crate::app::stage::{Controls, Part, Stage, Staging};
use crate::app::widgets::{RunAction, controls_and_results};
use crate::app::{Look, View, ViewCtx, format};
use crate::gpu::{ComputeRuntime, Ran};
use crate::scenario::soft_rl::{Env, Model, SoftRlState};

pub use crate::app::look::SLOT_COLORS;

/// The view.
pub struct SoftRlView {
    state: SoftRlState,
    run: Built<Model>,
    playback: Playback,
    /// Inverse RL's expert policy, solved over frames before the model is built.
    expert: Option<expert::Expert>,
    /// The model waits for the expert's policy (the runs on screen are the previous state's).
    solving_expert: bool,
    /// φ over two reward coordinates.
    landscape: Option<landscape::Landscape>,
    /// The shown run's occupancy, keyed by (run, records).
    occupancy: Option<((usize, usize), DVector<f64>)>,
}

impl Default for SoftRlView {
    fn default() -> Self {
        let state = SoftRlState::default();
        Self {
            run: Built::new(&state, |s| Model::new(s, None)),
            state,
            playback: Playback::default(),
            expert: None,
            solving_expert: false,
            landscape: None,
            occupancy: None,
        }
    }
}

impl View for SoftRlView {
    crate::app::playback::view_state!(SoftRlState, stop_at, "Bilevel RL");

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        let steps = self.run.model.as_ref().map_or(0, Model::steps);
        let (playback, stop_at) = (&mut self.playback, self.state.stop_at);
        let action = ui
            .horizontal_wrapped(|ui| {
                playback.controls_ui(ui, &mut Controls::all(ctx.report), steps, stop_at)
            })
            .inner;
        self.frame(ui, ctx, action);
        controls_and_results(
            ui,
            ("soft-rl-controls", self, ctx),
            |ui, v, c| controls::controls_ui(ui, c, &mut v.state),
            |ui, v, ctx| v.results_ui(ui, ctx.look, ctx.runtime, ctx.deadline),
        );
    }

    fn stage_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>, stage: &mut Stage) {
        let steps = self.run.model.as_ref().map_or(0, Model::steps);
        let stop_at = self.state.stop_at;
        let action = stage.controls_ui(ui, &STAGING, ctx.report, |ui, c| {
            let action = self.playback.controls_ui(ui, c, steps, stop_at);
            controls::controls_ui(ui, c, &mut self.state);
            action
        });
        self.frame(ui, ctx, action);
        let look = ctx.look;
        let pictures = self.pictures();
        let mut clicked = None;
        stage.parts_ui(ui, &STAGING, |ui, id| {
            let Ok(model) = &self.run.model else {
                look.built(ui, &self.run.model);
                return;
            };
            let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
            let (w, h) = (ui.available_width(), ui.available_height());
            let budget = self.state.constraint;
            match (id, &pictures) {
                ("curves", _) => {
                    curves::curves_ui(ui, &model.lock, &model.slots, budget, look, Some((w, h)));
                }
                ("table", _) => results::table_ui(ui, model, budget, look),
                (_, Err(why)) => {
                    ui.colored_label(look.error_color(), *why);
                }
                (_, Ok(p)) => {
                    let k = PICTURES.iter().position(|&q| q == id).unwrap_or(0);
                    // Room for the title (two lines where it wraps) and the range under it.
                    let cell = p.ui(ui, k, w.min(h - 3.0 * line).max(20.0), look);
                    if k == 3 {
                        clicked = cell;
                    }
                }
            }
        });
        if let Some(cell) = clicked {
            self.state.edit(cell);
        }
    }
}

/// The pictures' parts, in `Pictures::ui`'s order.
const PICTURES: [&str; 4] = ["reward", "value", "occupancy", "truth"];

/// The view's stage: the learned reward, the value, the occupancy and the curves; Play, Restart, the outer
/// step and τ.
const STAGING: Staging = Staging {
    parts: &[
        Part::new("reward", 0.85),
        Part::new("value", 0.85),
        Part::new("occupancy", 0.85),
        Part::new("truth", 0.85),
        Part::flex("curves", 1.5, 5.0),
        Part::flex("table", 2.0, 6.0),
    ],
    default_parts: &["reward", "value", "occupancy", "curves"],
    default_controls: &["play", "restart", "beta", "tau"],
};

impl SoftRlView {
    /// A frame's work after the run controls: the runs advanced, the numbers reported.
    fn frame(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>, action: RunAction) {
        self.advance(ui, action, ctx.deadline);
        ctx.report.value("solving_expert", self.solving_expert);
        if self.solving_expert {
            ctx.report.value(
                "expert_pieces",
                self.expert.as_ref().map_or(0, |e| e.pieces()),
            );
            ui.label(
                "Solving the MDP for the expert's policy, which the demonstrations are drawn from…",
            );
        }
        if let Ok(m) = &self.run.model {
            ctx.report.value("step", m.steps());
            let runs: Vec<serde_json::Value> = m
                .lock
                .runs
                .iter()
                .map(|r| {
                    let p = r.history.last();
                    let num =
                        |f: fn(&crate::numerics::rl::lockstep::Point) -> f64| p.map_or(f64::NAN, f);
                    serde_json::json!({
                        "algorithm": r.algorithm.name(),
                        "phi": num(|p| p.phi),
                        "grad_norm": num(|p| p.grad_norm),
                        "estimate_error": num(|p| p.estimate_error),
                        "residual": num(|p| p.residual),
                        "violation": num(|p| p.violation),
                        "constrained_residual": num(|p| p.constrained_residual),
                        "constrained_grad_norm": num(|p| p.constrained_grad_norm),
                        "status": status_text(r),
                    })
                })
                .collect();
            ctx.report.value("runs", runs);
            ctx.report.value("states", m.lock.problem.mdp.states);
        }
        if let Some(l) = &self.landscape {
            ctx.report.value("landscape_done", l.finished());
            ctx.report.value(
                "landscape_ran_on",
                match l.ran_on {
                    Some(Ran::Gpu) => "gpu",
                    Some(Ran::Cpu) => "cpu",
                    None => "pending",
                },
            );
            let finite: Vec<f64> = l.values.iter().copied().filter(|v| v.is_finite()).collect();
            ctx.report.value(
                "landscape_min",
                finite.iter().copied().fold(f64::INFINITY, f64::min),
            );
        }
    }

    /// Rebuilds on Restart, a link or a settings change (replayed to the same step), and plays.
    fn advance(&mut self, ui: &egui::Ui, action: RunAction, deadline: Instant) {
        let stale = self.run.stale(&self.state);
        // A new model that needs the expert's policy waits until it is solved (over frames).
        self.solving_expert = stale
            && self.state.needs_expert()
            && expert::Expert::for_state(&mut self.expert, &self.state, deadline).is_none();
        if self.solving_expert {
            // The previous state's runs wait; the frame's work went to the expert.
            ui.ctx().request_repaint();
            return;
        }
        let expert = &mut self.expert;
        let build = |state: &SoftRlState| {
            let expert = if state.needs_expert() {
                expert::Expert::for_state(expert, state, deadline).flatten()
            } else {
                None
            };
            Model::new(state, expert)
        };
        let frame = (self.state.steps_per_frame, self.state.stop_at);
        let now = (ui.ctx(), action, deadline);
        if self
            .playback
            .play(now, &mut self.run, (&self.state, stale), build, frame)
        {
            self.landscape = None;
            self.occupancy = None;
        }
    }
}
