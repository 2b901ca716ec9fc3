//! BLPO on control tasks (issue 16; seed 000, Algorithm 2, Figures 3–4): CartPole, Acrobot or Pendulum,
//! up to four learners side by side in fixed colours — PPO, BLPO (Nyström), BLPO-CG, nesting alone — each
//! trained on N seeds together. The returns' mean and 95% band against environment steps, each learner's
//! wall time per update against PPO's, the hypergradient's pieces per update (cosine, correction ratio,
//! clip rate, critic loss, the critic Hessian's spectrum and the Nyström error when measured), the shown
//! learner's agent animated (greedy and sampled), and "Explain this update". Training is sliced into
//! units (a rollout, a critic step, a minibatch step) within the frame budget.
//! State: [`ControlLabState`] (URL hash; document kind `control_lab`).

mod controls;
mod curves;
mod explain;
mod export;
mod recorded;
mod scene;

use crate::app::frame_clock;
use crate::app::playback::{Built, Playback, Stepped as _};
use crate::app::stage::{Controls, Part, Stage, Staging};
use crate::app::widgets::export::RegionPng;
use crate::app::widgets::{RunAction, controls_and_results};
use crate::app::{View, ViewCtx, format};
use crate::numerics::control::envs::EnvKind;
use crate::numerics::control::lockstep::{Seeds, mean_band};
use crate::scenario::control_lab::jobs::jobs;
use crate::scenario::control_lab::{ControlLabState, Model};
use crate::scenario::json::num;

pub use crate::app::look::SLOT_COLORS;

/// The view.
pub struct ControlView {
    state: ControlLabState,
    run: Built<Model>,
    playback: Playback,
    scene: scene::Scene,
    png: RegionPng,
    message: Option<Result<String, String>>,
    /// The recorded run the state names, once fetched (or why it could not be opened).
    recorded: recorded::Slot,
    /// Whether the model's trainer was chosen (workers start when training starts, not before).
    chosen: bool,
    /// Why the page's frames train instead of workers (none while workers train, or before it is known).
    frames_why: Option<String>,
    /// A worker's failure: the frames train from then on.
    failed: Option<String>,
}

impl Default for ControlView {
    fn default() -> Self {
        let state = ControlLabState::default();
        Self {
            run: Built::new(&state, |s| Model::new(s, frame_clock::seconds)),
            scene: scene::Scene::new(state.env),
            state,
            playback: Playback::default(),
            png: RegionPng::default(),
            message: None,
            recorded: recorded::Slot::default(),
            chosen: false,
            frames_why: None,
            failed: None,
        }
    }
}

impl View for ControlView {
    crate::app::playback::view_state!(ControlLabState, stop_at, "Control");

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        if let Some(result) = self.png.collect(ui.ctx(), "control-curves.png") {
            self.message = Some(result);
        }
        if !self.state.record.is_empty() {
            self.recorded.ui(ui, ctx, &mut self.state);
            return;
        }
        let action = ui.horizontal_wrapped(|ui| self.toolbar_ui(ui, ctx)).inner;
        self.advance(ui, action, ctx);
        self.scene.pace = self.pace(ctx);
        self.report(ctx);
        controls_and_results(
            ui,
            ("control-controls", self, ctx),
            |ui, v, c| controls::controls_ui(ui, c, &mut v.state),
            |ui, v, ctx| v.results_ui(ui, ctx),
        );
    }

    fn default_parts(&self) -> &'static [&'static str] {
        if self.state.record.is_empty() {
            STAGING.default_parts
        } else {
            // A recorded run has no agent to animate.
            &["returns", "diagnostics"]
        }
    }

    fn stage_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>, stage: &mut Stage) {
        let recorded = !self.state.record.is_empty();
        let (steps, stop_at) = (
            self.run.model.as_ref().map_or(0, Model::steps),
            self.state.stop_at,
        );
        let (action, live) = stage.controls_ui(ui, &STAGING, ctx.report, |ui, c| {
            if recorded {
                return (
                    RunAction::None,
                    ui.horizontal_wrapped(|ui| recorded::train_live_ui(ui, c))
                        .inner,
                );
            }
            let action = self.playback.controls_ui(ui, c, steps, stop_at);
            controls::controls_ui(ui, c, &mut self.state);
            (action, false)
        });
        let look = ctx.look;
        if recorded {
            let name = self.state.record.clone();
            let got = self.recorded.get(ui.ctx(), ctx, &name);
            stage.parts_ui(ui, &STAGING, |ui, id| match &got {
                Some(Ok(rec)) => curves_part(ui, id, (&rec.model, rec.record.env), look),
                Some(Err(e)) => {
                    ui.colored_label(look.error_color(), e);
                }
                None => {
                    ui.spinner();
                }
            });
            if live {
                self.state.record.clear();
            }
            return;
        }
        self.advance(ui, action, ctx);
        self.scene.pace = self.pace(ctx);
        self.report(ctx);
        let Some(model) = stage.built(ui, (&STAGING, look), &self.run.model) else {
            return;
        };
        let env = self.state.env;
        let shown = model
            .learner(self.state.shown)
            .or_else(|| model.runs.first());
        stage.parts_ui(ui, &STAGING, |ui, id| {
            if id != "scene" {
                curves_part(ui, id, (model, env), look);
                return;
            }
            let Some(seeds) = shown else { return };
            let Some(learner) = seeds.learners.first() else {
                ui.label("A recorded run has no agent to animate.");
                return;
            };
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
            let gap = ui.spacing().item_spacing.x;
            let each = egui::vec2(
                (ui.available_width() - gap) / 2.0,
                (ui.available_height() - 3.0 * line).max(20.0),
            );
            let trained = seeds.updates() > 0;
            let rect = self
                .scene
                .ui(ui, env, learner.agent(), trained, (look, Some(each)));
            ctx.report.control("scene", &rect);
        });
    }
}

/// A curves part of the stage (`returns`, `diagnostics`, `table`), live or recorded.
fn curves_part(
    ui: &mut egui::Ui,
    id: &str,
    (model, env): (&Model, EnvKind),
    look: crate::app::Look,
) {
    let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    let (w, h) = (ui.available_width(), ui.available_height());
    // On the stage titles keep to one line: the plots take the rest.
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
    match id {
        "returns" => curves::returns_ui(ui, model, env, look, (h - 2.0 * line).max(20.0)),
        "diagnostics" => curves::diagnostics_ui(ui, model, look, Some((w, h))),
        "table" => curves::table_ui(ui, model, look),
        _ => {
            ui.label("A recorded run has no agent to animate.");
        }
    }
}

/// The view's stage: the returns and the animated agents; Play, Restart and the task.
const STAGING: Staging = Staging {
    parts: &[
        Part::flex("scene", 2.0, 4.0),
        Part::flex("returns", 1.2, 4.0),
        Part::flex("diagnostics", 1.5, 4.0),
        Part::flex("table", 2.0, 6.0),
    ],
    default_parts: &["returns", "scene"],
    default_controls: &["play", "restart", "task"],
};

impl ControlView {
    fn toolbar_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) -> RunAction {
        let steps = self.run.model.as_ref().map_or(0, Model::steps);
        let action = self.playback.controls_ui(
            ui,
            &mut Controls::all(ctx.report),
            steps,
            self.state.stop_at,
        );
        ui.label("updates");
        ui.separator();
        ui.label("Export");
        if let Ok(model) = &self.run.model {
            use crate::app::widgets::export::file_button;
            let (state, slots, runs) = (&self.state, &model.slots, &model.runs);
            let csv = file_button(
                ui,
                ctx.report,
                (
                    "export-csv",
                    "CSV",
                    "Every learner's curves, one row per seed and update",
                ),
                ("control.csv", "text/csv"),
                || export::csv(state, slots, runs),
            );
            let json = file_button(
                ui,
                ctx.report,
                (
                    "export-json",
                    "JSON",
                    "The view's document (its settings, which `bilevel-lab run` replays) and every curve",
                ),
                ("control.json", "application/json"),
                || crate::app::view::export(&*self, export::json(state, slots, runs)),
            );
            if let Some(result) = csv.or(json) {
                self.message = Some(result);
            }
        }
        self.png
            .button_ui(ui, ctx.report, "export-png", "The curves as an image");
        crate::app::widgets::export::outcome_ui(ui, ctx.look, self.message.as_ref());
        action
    }

    /// The least time between the animation's frames: `training::pace` while workers train (their
    /// updates matter more than a smooth cart on a page drawn in software), none otherwise.
    fn pace(&self, ctx: &ViewCtx<'_>) -> std::time::Duration {
        let on_workers = self.run.model.as_ref().is_ok_and(|m| m.trainer().is_some());
        let training = self.playback.playing || self.run.model.steps() < self.playback.target();
        if on_workers && training {
            crate::app::training::pace(ctx.runtime.drawn_in_software())
        } else {
            std::time::Duration::ZERO
        }
    }

    /// Rebuilds on Restart or a link (replayed to its update), or on a settings change — from update 0:
    /// training is too costly to replay on every slider move — and trains. While playing, the target moves
    /// one update ahead only once the learners have reached it, so Pause stops at the end of the update in
    /// progress.
    ///
    /// The trainer is chosen when training starts (Play, Step, a link's `step=k`): workers (their wasm
    /// loads then), or the frames where there are none; a worker's failure hands the run to the frames,
    /// replayed to where it was heading.
    fn advance(&mut self, ui: &egui::Ui, action: RunAction, ctx: &ViewCtx<'_>) {
        let stale = self.run.stale(&self.state);
        let restart =
            self.playback.restart(action) || (stale && self.playback.restart(RunAction::Reset));
        let starting =
            self.playback.playing || action == RunAction::Step || self.playback.target() > 0;
        if let Ok(model) = &self.run.model
            && let Some(why) = model.failure()
        {
            log::warn!("training workers failed: {why}");
            self.failed = Some(why.to_owned());
        }
        let failed =
            self.failed.is_some() && self.run.model.as_ref().is_ok_and(|m| m.trainer().is_some());
        let rebuild = restart || failed || (starting && !self.chosen);
        let pace = crate::app::training::pace(ctx.runtime.drawn_in_software());
        let mut frames_why = None;
        if self.run.rebuild_if(&self.state, rebuild, |s| {
            if !starting {
                return Model::new(s, frame_clock::seconds);
            }
            let pool = match &self.failed {
                Some(why) => Err(format!("a worker failed: {why}")),
                None if !ctx.workers => Err("a headless run".to_owned()),
                None => crate::app::training::pool(ui.ctx(), jobs(s).len(), pace),
            };
            match pool {
                Ok(pool) => Model::remote(s, frame_clock::seconds, pool),
                Err(why) => {
                    frames_why = Some(why);
                    Model::new(s, frame_clock::seconds)
                }
            }
        }) {
            self.chosen = starting;
            self.frames_why = frames_why;
        }
        let behind = self.run.model.steps() < self.playback.target();
        self.playback.advance(
            ui.ctx(),
            action,
            &mut self.run.model,
            usize::from(!behind),
            self.state.stop_at,
            ctx.deadline,
        );
    }

    /// The numbers the view shows (status JSON, `bilevel-lab run`): deterministic, so no wall times.
    fn report(&self, ctx: &mut ViewCtx<'_>) {
        ctx.report.value("env", self.state.env.label());
        let Ok(m) = &self.run.model else {
            return;
        };
        ctx.report.value("update", m.steps());
        ctx.report.value("learners", learners_report(m));
        // The least time between the frames the training asks for (ms; 0: none).
        ctx.report
            .value("frame_pace_ms", self.scene.pace.as_millis() as u64);
        ctx.report.value(
            "trainer",
            m.trainer().unwrap_or_else(|| match &self.frames_why {
                Some(why) => format!("frames: {why}"),
                None => "frames".to_owned(),
            }),
        );
    }

    fn results_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        let look = ctx.look;
        let Some(model) = look.built(ui, &self.run.model) else {
            return;
        };
        if model.runs.is_empty() {
            ui.label("Switch a learner on in the side panel.");
            return;
        }
        curves::table_ui(ui, model, look);
        ui.scope(|ui| {
            let shown = (self.frames_why.as_deref(), self.scene.pace);
            curves::trainer_ui(ui, model, shown, look);
        });
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.label("Agent shown and explained:");
            for &slot in &model.slots {
                let name = self.state.learners[slot].name.label();
                let text = egui::RichText::new(name).color(look.color(SLOT_COLORS[slot]));
                let r = ui.selectable_value(&mut self.state.shown, slot, text);
                ctx.report
                    .control(["show-0", "show-1", "show-2", "show-3"][slot], &r);
            }
        });
        let shown = model
            .learner(self.state.shown)
            .or_else(|| model.runs.first());
        if let Some(seeds) = shown
            && let Some(learner) = seeds.learners.first()
        {
            let trained = seeds.updates() > 0;
            let rect = self
                .scene
                .ui(ui, self.state.env, learner.agent(), trained, (look, None));
            ctx.report.control("scene", &rect);
        }
        if let Some(seeds) = shown {
            explain::explain_ui(ui, &self.state, seeds, look);
        }
        let response = ui.vertical(|ui| curves::curves_ui(ui, model, self.state.env, look));
        self.png.set_region(ui, response.response.rect);
    }
}

/// "training", or where the learner diverged.
fn status(r: &Seeds) -> String {
    match r.diverged {
        Some(k) => format!("diverged at update {}", format::count(k)),
        None if r.learners.is_empty() => "recorded".to_owned(),
        None => "training".to_owned(),
    }
}

/// Each learner's latest numbers (status JSON).
fn learners_report(m: &Model) -> Vec<serde_json::Value> {
    m
        .slots
            .iter()
            .zip(&m.runs)
            .map(|(&slot, r)| {
                let last = r.history.last();
                let (mean, band) = last.map_or((f64::NAN, f64::NAN), |p| mean_band(&p.mean_return));
                let term = |f: fn(&crate::numerics::control::blpo::Terms) -> f64| {
                    last.and_then(|p| p.terms.as_ref()).map(|t| num(f(t)))
                };
                serde_json::json!({
                    "slot": slot,
                    "name": r.algorithm.name(),
                    "form": r.algorithm.blpo().map(|c| c.form),
                    "updates": r.updates(),
                    "steps": last.map_or(0, |p| p.steps),
                    "mean_return": last.map(|p| p.mean_return.iter().map(|&v| num(v)).collect::<Vec<_>>()),
                    "mean": num(mean),
                    "band": num(band),
                    "cosine": term(|t| t.cosine),
                    "correction_ratio": term(|t| t.correction_ratio),
                    "critic_loss": term(|t| t.critic_loss),
                    "clip_rate": last.map(|p| num(p.clip_rate)),
                    "status": status(r),
                })
            })
            .collect()
}
