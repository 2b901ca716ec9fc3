//! Soft-MDP bilevel RL (issue 7; seeds 001, 002, 003): on a gridworld (or a random MDP) the leader picks a
//! reward, the follower plays the entropy-regularized optimal policy. Up to four runs side by side — any
//! of M-SoBiRL, model-free SoBiRL, Stoc-SoBiRL, exact hypergradient descent, alternating updates, PBRL and
//! CBSO — with the learned reward, the follower's V* and occupancy and π* as arrows, beside the hidden
//! true reward (which is also the editor), and live curves of φ, ‖∇φ‖, each direction's error, the
//! lower-level residual and, with a cost budget, its violation. Work is time-sliced one run-step at a time
//! (12 ms per frame), so a 32 × 32 grid keeps the page responsive.
//! State: [`SoftRlState`] (URL hash).

mod controls;
mod curves;
mod grids;
mod landscape;

use std::time::Duration;

use nalgebra::DVector;
use web_time::Instant;

use crate::app::widgets::{RunAction, controls_and_results, run_controls_ui};
use crate::app::{Look, Series, View, ViewCtx, format};
use crate::gpu::{ComputeRuntime, Ran};
use crate::numerics::rl::lockstep::Lockstep;
use crate::scenario::query::{Validate, from_query, to_query};
use crate::scenario::soft_rl::{Env, SoftRlState};

const STEP_BUDGET: Duration = Duration::from_millis(12);

/// The four slots' colors.
pub const SLOT_COLORS: [Series; 4] = [
    Series::Stackelberg,
    Series::Ihvp(crate::numerics::ihvp::spec::Method::Exact),
    Series::Simultaneous,
    Series::TwoTimescale,
];

/// The runs of one state.
struct Model {
    key: SoftRlState,
    lock: Lockstep,
    /// Slot number of each run.
    slots: Vec<usize>,
}

/// The state without what does not change the runs.
fn run_key(s: &SoftRlState) -> SoftRlState {
    SoftRlState {
        steps_per_frame: 0,
        stop_at: 0,
        landscape: false,
        landscape_half: 0.0,
        shown: 0,
        tool: crate::scenario::soft_rl::Tool::Wall,
        ..s.clone()
    }
}

impl Model {
    fn new(state: &SoftRlState) -> Result<Self, String> {
        state.validate()?;
        let problem = state.problem()?;
        let chosen = state.algorithms();
        let algorithms: Vec<_> = chosen.iter().map(|(_, a)| *a).collect();
        let lock = Lockstep::new(
            problem,
            state.budget(),
            &algorithms,
            &state.x0(),
            &state.settings(),
        );
        Ok(Self {
            key: run_key(state),
            lock,
            slots: chosen.iter().map(|(k, _)| *k).collect(),
        })
    }

    fn steps(&self) -> usize {
        self.lock.step
    }
}

/// The view.
pub struct SoftRlView {
    state: SoftRlState,
    model: Result<Model, String>,
    playing: bool,
    target: usize,
    /// The step a link asked for (`step=k`), reached once the link's model is built.
    replay: Option<usize>,
    /// The state whose model failed to build (not rebuilt every frame).
    failed: Option<SoftRlState>,
    /// φ over two reward coordinates.
    landscape: Option<landscape::Landscape>,
    /// The shown run's occupancy, keyed by (run, records).
    occupancy: Option<((usize, usize), DVector<f64>)>,
}

impl Default for SoftRlView {
    fn default() -> Self {
        let state = SoftRlState::default();
        Self {
            model: Model::new(&state),
            state,
            playing: false,
            target: 0,
            replay: None,
            failed: None,
            landscape: None,
            occupancy: None,
        }
    }
}

impl View for SoftRlView {
    fn anchor(&self) -> &'static str {
        "soft_rl"
    }

    fn title(&self) -> &'static str {
        "Bilevel RL"
    }

    fn reset(&mut self) {
        *self = Self::default();
    }

    /// The state, and `step=k` when paused after k steps (opening the link replays to it).
    fn to_query(&self) -> Vec<(String, String)> {
        let mut query = to_query(&self.state);
        let steps = self.model.as_ref().map_or(0, Model::steps);
        if !self.playing && steps > 0 {
            query.push(("step".to_owned(), steps.to_string()));
        }
        query
    }

    fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
        let (step, rest): (Vec<_>, Vec<_>) = query.iter().cloned().partition(|(k, _)| k == "step");
        let state: SoftRlState = from_query(&rest)?;
        let replay = match step.last() {
            None => None,
            Some((_, v)) => match v.parse::<usize>() {
                Ok(k) if k <= state.stop_at => Some(k),
                _ => {
                    return Err(format!(
                        "URL parameter `step`: must be an integer in 0..={} (stop_at), got `{v}`",
                        state.stop_at
                    ));
                }
            },
        };
        self.state = state;
        self.playing = false;
        self.replay = replay;
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        let action = ui
            .horizontal_wrapped(|ui| {
                let a = run_controls_ui(ui, &mut self.playing, ctx.report);
                let steps = self.model.as_ref().map_or(0, Model::steps);
                ui.label(format!(
                    "step {} of {}",
                    format::count(steps),
                    format::count(self.state.stop_at)
                ));
                a
            })
            .inner;
        self.advance(ui, action);
        if let Ok(m) = &self.model {
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
        controls_and_results(
            ui,
            "soft-rl-controls",
            self,
            |ui, v| controls::controls_ui(ui, &mut v.state),
            |ui, v| v.results_ui(ui, ctx.look, ctx.runtime),
        );
    }
}

impl SoftRlView {
    fn advance(&mut self, ui: &egui::Ui, action: RunAction) {
        let key = run_key(&self.state);
        let stale = match &self.model {
            Ok(m) => m.key != key,
            Err(_) => self.failed.as_ref() != Some(&key),
        };
        // A link's `step=k` replays from step 0, like a Reset with a target.
        if stale || action == RunAction::Reset || self.replay.is_some() {
            self.model = Model::new(&self.state);
            self.failed = self.model.is_err().then_some(key);
            self.target = self.replay.take().unwrap_or(0);
            self.landscape = None;
            self.occupancy = None;
        }
        let Ok(model) = &mut self.model else {
            self.playing = false;
            return;
        };
        if action == RunAction::Step {
            self.target = model.steps() + 1;
        }
        if self.playing {
            self.target = (model.steps() + self.state.steps_per_frame).min(self.state.stop_at);
            if self.target >= self.state.stop_at {
                self.playing = false;
            }
        }
        let began = Instant::now();
        let settings = self.state.settings();
        let mut starting = true;
        while starting && began.elapsed() < STEP_BUDGET {
            starting = model.lock.start_one();
        }
        while model.steps() < self.target && began.elapsed() < STEP_BUDGET {
            model.lock.work(&settings);
        }
        if self.playing || starting || model.steps() < self.target {
            ui.ctx().request_repaint();
        }
    }

    fn results_ui(&mut self, ui: &mut egui::Ui, look: Look, runtime: &mut ComputeRuntime) {
        let model = match &self.model {
            Ok(m) => m,
            Err(why) => {
                ui.colored_label(look.error_color(), why);
                return;
            }
        };
        let budget = self.state.constraint;
        egui::Grid::new("soft-rl-status")
            .num_columns(6)
            .spacing([16.0, 2.0])
            .show(ui, |ui| {
                let violation = if budget { "budget violation" } else { "" };
                for h in [
                    "run",
                    "φ(x)",
                    "‖∇φ(x)‖",
                    "lower-level residual",
                    violation,
                    "status",
                ] {
                    ui.strong(h);
                }
                ui.end_row();
                for (run, &slot) in model.lock.runs.iter().zip(&model.slots) {
                    ui.colored_label(look.color(SLOT_COLORS[slot]), run.algorithm.name())
                        .on_hover_text(run.algorithm.rule());
                    let p = run.history.last();
                    let get =
                        |f: fn(&crate::numerics::rl::lockstep::Point) -> f64| p.map_or(f64::NAN, f);
                    ui.label(format::num(get(|p| p.phi)));
                    ui.label(format::error(get(|p| p.grad_norm)));
                    let residual = get(|p| p.residual);
                    ui.label(if residual == 0.0 {
                        "0".to_owned()
                    } else {
                        format::error(residual)
                    });
                    ui.label(if budget {
                        format::num(get(|p| p.violation))
                    } else {
                        String::new()
                    });
                    if run.active() {
                        ui.label("ok");
                    } else {
                        ui.colored_label(look.error_color(), status_text(run));
                    }
                    ui.end_row();
                }
            });
        if model.lock.runs.is_empty() {
            ui.label("Switch a run on in the side panel.");
            return;
        }
        ui.horizontal(|ui| {
            ui.label("Pictures show");
            for (run, &slot) in model.lock.runs.iter().zip(&model.slots) {
                let text =
                    egui::RichText::new(run.algorithm.name()).color(look.color(SLOT_COLORS[slot]));
                ui.selectable_value(&mut self.state.shown, slot, text);
            }
        });
        // The shown run, or the first finite one.
        let shown = model
            .slots
            .iter()
            .position(|&k| k == self.state.shown)
            .filter(|&i| model.lock.runs[i].diverged.is_none())
            .or_else(|| model.lock.runs.iter().position(|r| r.diverged.is_none()));
        let Some(run) = shown.map(|i| &model.lock.runs[i]) else {
            ui.colored_label(
                look.error_color(),
                "every run diverged: change a step size or reset",
            );
            return;
        };
        let (Some(sol), x) = (run.follower.as_ref(), run.x()) else {
            return;
        };
        let mdp = &model.lock.problem.mdp;
        // The occupancy is a policy evaluation (hundreds of sweeps at γ = 0.98 on 32 × 32): once per
        // record of the shown run, not once per frame.
        let key = (shown.unwrap_or(0), run.history.len());
        let occupancy = match &self.occupancy {
            Some((k, d)) if *k == key => d.clone(),
            _ => {
                let d = mdp.occupancy(&sol.pi);
                self.occupancy = Some((key, d.clone()));
                d
            }
        };
        let truth = self.state.true_reward();
        let mut clicked = None;
        match self.state.env {
            Env::Gridworld => {
                let per_state = |v: &DVector<f64>| -> Vec<f64> {
                    (0..mdp.states)
                        .map(|s| (0..mdp.actions).map(|a| v[s * mdp.actions + a]).sum())
                        .collect()
                };
                let truth: Vec<f64> = per_state(&truth)
                    .into_iter()
                    .map(|v| v / mdp.actions as f64)
                    .collect();
                let reward: Vec<f64> = x.iter().copied().collect();
                let v: Vec<f64> = sol.v.iter().copied().collect();
                let occ = per_state(&occupancy);
                let side = ((ui.available_width() - 40.0) / 4.0).clamp(140.0, 420.0);
                let grid = self.state.grid.clone();
                let drawn = self.state.drawn.clone();
                ui.horizontal_top(|ui| {
                    let pictures = [
                        grids::Picture {
                            title: "learned reward r(x) and π*(x)",
                            values: &reward,
                            pi: Some(sol.pi.as_slice()),
                            path: &[],
                        },
                        grids::Picture {
                            title: "soft value V*(x)",
                            values: &v,
                            pi: None,
                            path: &[],
                        },
                        grids::Picture {
                            title: "occupancy of π*(x)",
                            values: &occ,
                            pi: None,
                            path: &[],
                        },
                        grids::Picture {
                            title: "hidden true reward (click to edit)",
                            values: &truth,
                            pi: None,
                            path: &drawn,
                        },
                    ];
                    for (k, p) in pictures.iter().enumerate() {
                        let cell = grids::grid_ui(ui, &grid, p, side, look);
                        if k == 3 {
                            clicked = cell;
                        }
                    }
                });
                ui.label(
                    "Arrows: the follower's policy, length ∝ π(a|s). ◎ goal (+1, absorbing), × trap (−1, \
                     absorbing), ● start, ▢ cost cell (1 per step), white line: the drawn demonstration; \
                     each other step costs 0.02. Colors: viridis from each grid's smallest to largest value.",
                );
            }
            Env::Random => {
                let r = model.lock.problem.reward(x);
                let side = ((ui.available_width() - 40.0) / 4.0).clamp(140.0, 320.0);
                ui.horizontal_top(|ui| {
                    for (title, values) in [
                        ("learned reward r(x)", &r),
                        ("π*(x)", &sol.pi),
                        ("occupancy of π*(x)", &occupancy),
                        ("hidden true reward", &truth),
                    ] {
                        grids::matrix_ui(ui, title, values.as_slice(), mdp.actions, side);
                    }
                });
                ui.label("Rows: states, columns: actions. Colors: viridis from each map's smallest to largest value.");
            }
        }
        if let Some(cell) = clicked {
            self.state.edit(cell);
        }
        ui.add_space(6.0);
        curves::curves_ui(ui, &model.lock, &model.slots, budget, look);
        ui.add_space(6.0);
        let base = run.x().clone();
        let steepest = run.grad().map(|g| {
            let mut order: Vec<usize> = (0..g.len()).collect();
            order.sort_by(|&a, &b| g[b].abs().total_cmp(&g[a].abs()));
            (order[0], order.get(1).copied().unwrap_or(order[0]))
        });
        ui.checkbox(
            &mut self.state.landscape,
            "φ over two reward coordinates (GPU soft value iteration)",
        );
        if !self.state.landscape {
            return;
        }
        let problem = &model.lock.problem;
        if problem.mdp.states > landscape::MAX_STATES {
            ui.label(format!(
                "Grids up to {} states: φ of a grid point needs a policy evaluation on the CPU.",
                landscape::MAX_STATES
            ));
            return;
        }
        let mut draw = self.landscape.is_none();
        ui.horizontal(|ui| {
            let label = ui.label("half-width");
            ui.add(
                egui::DragValue::new(&mut self.state.landscape_half)
                    .range(0.01..=100.0)
                    .speed(0.05),
            )
            .labelled_by(label.id);
            draw |= ui
                .button("Draw φ around the shown run's x")
                .on_hover_text("over the two coordinates where |∇φ| is largest")
                .clicked();
        });
        if let (true, Some(coords)) = (draw, steepest) {
            self.landscape = Some(landscape::Landscape::start(
                problem,
                &base,
                coords,
                self.state.landscape_half,
                runtime,
            ));
        }
        if let Some(l) = &mut self.landscape {
            l.poll(problem, runtime);
            if !l.finished() {
                ui.ctx().request_repaint();
            }
            l.ui(ui, look, 360.0);
        }
    }
}

/// "ok", "diverged at step k", or why the run cannot go.
fn status_text(run: &crate::numerics::rl::lockstep::Run) -> String {
    match (&run.unavailable, run.diverged) {
        (Some(why), _) => why.clone(),
        (None, Some(step)) => format!("diverged at step {step}"),
        (None, None) => "ok".to_owned(),
    }
}
