//! Soft-MDP bilevel RL (issue 7; seeds 001, 002): on a gridworld the leader picks a reward per cell, the
//! follower plays the entropy-regularized optimal policy. Three runs side by side — M-SoBiRL (one w step,
//! one x step, N soft Bellman steps), exact hypergradient descent, and alternating reward/policy updates —
//! with the learned reward, the follower's V* and occupancy and π* as arrows, beside the hidden true reward
//! (which is also the editor), and live curves of φ, ‖∇φ‖ and M-SoBiRL's estimate error.
//! State: [`SoftRlState`] (URL hash).

mod controls;
mod grids;

use std::time::Duration;

use egui_plot::{Line, Plot};
use nalgebra::DVector;
use web_time::Instant;

use crate::app::widgets::{RunAction, controls_and_results, run_controls_ui};
use crate::app::{Look, Series, View, ViewCtx, format};
use crate::numerics::rl::baselines::{Alternating, ExactHgd};
use crate::numerics::rl::hypergradient::BilevelRl;
use crate::numerics::rl::m_sobirl::MSoBiRl;
use crate::numerics::rl::mdp::SoftSolution;
use crate::scenario::query::{Validate, from_query, to_query};
use crate::scenario::soft_rl::SoftRlState;

const STEP_BUDGET: Duration = Duration::from_millis(12);
/// The three runs: name and color.
const RUNS: [(&str, Series); 3] = [
    ("M-SoBiRL", Series::Stackelberg),
    ("exact hypergradient", Series::Exact),
    ("alternating", Series::Simultaneous),
];

/// One step's numbers of a run: φ(x_k), ‖∇φ(x_k)‖, and (M-SoBiRL) the estimate's relative error.
type Point = [f64; 3];

/// The runs of one state.
struct Model {
    key: SoftRlState,
    problem: BilevelRl,
    msobirl: MSoBiRl,
    exact: ExactHgd,
    alt: Alternating,
    history: [Vec<Point>; 3],
    /// The step at which a run's iterate stopped being finite.
    diverged: [Option<usize>; 3],
    /// Each run's follower at its current x (drawn every frame, computed once per step).
    followers: [Option<SoftSolution>; 3],
}

/// The state without what does not change the runs.
fn run_key(s: &SoftRlState) -> SoftRlState {
    SoftRlState {
        steps_per_frame: 0,
        stop_at: 0,
        shown: 0,
        tool: crate::scenario::soft_rl::Tool::Wall,
        ..s.clone()
    }
}

impl Model {
    fn new(state: &SoftRlState) -> Result<Self, String> {
        state.validate()?;
        let problem = state.problem()?;
        let x0 = state.x0();
        let mut m = Self {
            key: run_key(state),
            msobirl: MSoBiRl::new(&problem, x0.clone()),
            exact: ExactHgd::new(x0.clone()),
            alt: Alternating::new(&problem, x0),
            problem,
            history: [Vec::new(), Vec::new(), Vec::new()],
            diverged: [None; 3],
            followers: [None, None, None],
        };
        m.record();
        Ok(m)
    }

    fn xs(&self) -> [&DVector<f64>; 3] {
        [&self.msobirl.x, &self.exact.x, &self.alt.x]
    }

    fn record(&mut self) {
        let estimate =
            self.problem
                .hypergradient_at(&self.msobirl.x, &self.msobirl.pi, Some(&self.msobirl.w));
        let xs: Vec<DVector<f64>> = self.xs().into_iter().cloned().collect();
        for (k, x) in xs.iter().enumerate() {
            if self.diverged[k].is_some() {
                self.history[k].push([f64::NAN; 3]);
                continue;
            }
            let (grad, sol) = self.problem.hypergradient(x);
            let phi = self.problem.f(x, &sol.pi);
            self.followers[k] = Some(sol);
            let err = if k == 0 {
                (&estimate - &grad).norm() / grad.norm().max(1e-300)
            } else {
                f64::NAN
            };
            self.history[k].push([phi, grad.norm(), err]);
        }
    }

    fn steps(&self) -> usize {
        self.exact.step
    }

    fn step(&mut self, s: &SoftRlState) {
        self.msobirl
            .step(&self.problem, s.beta, s.xi, s.bellman_steps);
        self.exact.step(&self.problem, s.beta);
        self.alt.step(&self.problem, s.beta, s.bellman_steps);
        self.record();
    }
}

/// The view.
pub struct SoftRlView {
    state: SoftRlState,
    model: Result<Model, String>,
    playing: bool,
    target: usize,
}

impl Default for SoftRlView {
    fn default() -> Self {
        let state = SoftRlState::default();
        Self {
            model: Model::new(&state),
            state,
            playing: false,
            target: 0,
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

    fn to_query(&self) -> Vec<(String, String)> {
        to_query(&self.state)
    }

    fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
        self.state = from_query(query)?;
        self.playing = false;
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
            let last: Vec<serde_json::Value> = m
                .history
                .iter()
                .map(|h| {
                    let p = h.last().copied().unwrap_or([f64::NAN; 3]);
                    serde_json::json!({"phi": p[0], "grad_norm": p[1], "estimate_error": p[2]})
                })
                .collect();
            ctx.report.value("runs", last);
            let status: Vec<String> = m
                .diverged
                .iter()
                .map(|d| d.map_or("ok".to_owned(), |k| format!("diverged at step {k}")))
                .collect();
            ctx.report.value("status", status);
            ctx.report.value("states", m.problem.mdp.states);
        }
        controls_and_results(
            ui,
            "soft-rl-controls",
            self,
            |ui, v| controls::controls_ui(ui, &mut v.state),
            |ui, v| v.results_ui(ui, ctx.look),
        );
    }
}

impl SoftRlView {
    fn advance(&mut self, ui: &egui::Ui, action: RunAction) {
        let stale = match &self.model {
            Ok(m) => m.key != run_key(&self.state),
            Err(_) => true,
        };
        if stale || action == RunAction::Reset {
            self.model = Model::new(&self.state);
            self.target = 0;
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
        while model.steps() < self.target && began.elapsed() < STEP_BUDGET {
            model.step(&self.state);
        }
        if self.playing || model.steps() < self.target {
            ui.ctx().request_repaint();
        }
    }

    fn results_ui(&mut self, ui: &mut egui::Ui, look: Look) {
        let model = match &self.model {
            Ok(m) => m,
            Err(why) => {
                ui.colored_label(look.error_color(), why);
                return;
            }
        };
        egui::Grid::new("soft-rl-status")
            .num_columns(4)
            .spacing([16.0, 2.0])
            .show(ui, |ui| {
                for h in ["run", "φ(x)", "‖∇φ(x)‖", "status"] {
                    ui.strong(h);
                }
                ui.end_row();
                for (k, (name, series)) in RUNS.iter().enumerate() {
                    ui.colored_label(look.color(*series), *name);
                    let p = model.history[k].last().copied().unwrap_or([f64::NAN; 3]);
                    ui.label(format::num(p[0]));
                    ui.label(format::error(p[1]));
                    match model.diverged[k] {
                        Some(step) => {
                            ui.colored_label(look.error_color(), format!("diverged at step {step}"))
                        }
                        None => ui.label("ok"),
                    };
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            ui.label("Grids show");
            for (k, (name, series)) in RUNS.iter().enumerate() {
                let text = egui::RichText::new(*name).color(look.color(*series));
                ui.selectable_value(&mut self.state.shown, k, text);
            }
        });
        let shown = self.state.shown.min(2);
        // A diverged run has no picture: show the exact run's instead.
        let x = model.xs()[if model.diverged[shown].is_some() {
            1
        } else {
            shown
        }];
        let sol = model.problem.follower(x);
        let mdp = &model.problem.mdp;
        let occupancy = mdp.occupancy(&sol.pi);
        let per_state = |v: &DVector<f64>| -> Vec<f64> {
            (0..mdp.states)
                .map(|s| (0..mdp.actions).map(|a| v[s * mdp.actions + a]).sum())
                .collect()
        };
        let truth: Vec<f64> = per_state(&self.state.grid.true_reward())
            .into_iter()
            .map(|v| v / mdp.actions as f64)
            .collect();
        let reward: Vec<f64> = x.iter().copied().collect();
        let v: Vec<f64> = sol.v.iter().copied().collect();
        let occ = per_state(&occupancy);
        let side = ((ui.available_width() - 40.0) / 4.0).clamp(140.0, 320.0);
        let grid = self.state.grid.clone();
        let mut clicked = None;
        ui.horizontal_top(|ui| {
            let pictures = [
                grids::Picture {
                    title: "learned reward r(x) and π*(x)",
                    values: &reward,
                    pi: Some(sol.pi.as_slice()),
                },
                grids::Picture {
                    title: "soft value V*(x)",
                    values: &v,
                    pi: None,
                },
                grids::Picture {
                    title: "occupancy of π*(x)",
                    values: &occ,
                    pi: None,
                },
                grids::Picture {
                    title: "hidden true reward (click to edit)",
                    values: &truth,
                    pi: None,
                },
            ];
            for (k, p) in pictures.iter().enumerate() {
                let cell = grids::grid_ui(ui, &grid, p, side, look);
                if k == 3 {
                    clicked = cell;
                }
            }
        });
        if let Some(cell) = clicked {
            self.state.edit(cell);
        }
        ui.label(
            "Arrows: the follower's policy, length ∝ π(a|s). ◎ goal (+1, absorbing), × trap (−1, absorbing), \
             ● start; each other step costs 0.02. Colors: viridis from each grid's smallest to largest value.",
        );
        ui.add_space(6.0);
        curves_ui(ui, model, look);
    }
}

/// φ, ‖∇φ‖ and M-SoBiRL's estimate error against the step, on linked axes.
fn curves_ui(ui: &mut egui::Ui, model: &Model, look: Look) {
    let link = egui::Id::unique("soft-rl-curves");
    let width = ((ui.available_width() - 24.0) / 3.0).max(160.0);
    ui.horizontal(|ui| {
        for (k, title) in [
            "upper objective φ(x_k)",
            "log₁₀ ‖∇φ(x_k)‖",
            "log₁₀ M-SoBiRL's estimate error vs ∇φ",
        ]
        .iter()
        .enumerate()
        {
            ui.vertical(|ui| {
                ui.strong(*title);
                Plot::new(("soft-rl-curve", k))
                    .width(width)
                    .height(170.0)
                    .link_axis(link, [true, false])
                    .x_axis_label("step")
                    .allow_scroll(false)
                    .show(ui, |pui| {
                        for (r, (name, series)) in RUNS.iter().enumerate() {
                            let pts: Vec<[f64; 2]> = model.history[r]
                                .iter()
                                .enumerate()
                                .map(|(i, p)| {
                                    let v = if k == 0 { p[0] } else { p[k].log10() };
                                    [i as f64, v]
                                })
                                .filter(|p| p[1].is_finite())
                                .collect();
                            if !pts.is_empty() {
                                pui.line(
                                    Line::new(*name, pts)
                                        .color(look.color(*series))
                                        .width(look.line_width()),
                                );
                            }
                        }
                    });
            });
        }
    });
}
