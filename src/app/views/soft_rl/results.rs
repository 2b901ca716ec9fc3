//! The bilevel RL view's results: the runs' table, the grids (learned and true reward, V*, occupancy,
//! π*), the curves, and the φ landscape.

use super::pictures::Pictures;
use super::{
    ComputeRuntime, DVector, Env, Look, SLOT_COLORS, SoftRlView, curves, format, landscape,
};

impl SoftRlView {
    pub(super) fn results_ui(
        &mut self,
        ui: &mut egui::Ui,
        look: Look,
        runtime: &mut ComputeRuntime,
        deadline: web_time::Instant,
    ) {
        let Some(model) = look.built(ui, &self.run.model) else {
            return;
        };
        let budget = self.state.constraint;
        table_ui(ui, model, budget, look);
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
        let pictures = match self.pictures() {
            Ok(p) => p,
            Err(why) => {
                ui.colored_label(look.error_color(), why);
                return;
            }
        };
        let Ok(model) = &self.run.model else { return };
        let mut clicked = None;
        let side = ((ui.available_width() - 40.0) / 4.0).clamp(140.0, 420.0);
        ui.horizontal_top(|ui| {
            for k in 0..4 {
                let cell = pictures.ui(ui, k, side, look);
                if k == 3 {
                    clicked = cell;
                }
            }
        });
        ui.label(pictures.caption());
        if let Some(cell) = clicked {
            self.state.edit(cell);
        }
        ui.add_space(6.0);
        curves::curves_ui(ui, &model.lock, &model.slots, budget, look, None);
        ui.add_space(6.0);
        let Some(run) = self.shown().map(|i| &model.lock.runs[i]) else {
            return;
        };
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
            l.poll(problem, runtime, deadline);
            if !l.finished() {
                ui.ctx().request_repaint();
            }
            l.ui(ui, look, 360.0);
        }
    }
}

impl SoftRlView {
    /// The shown run's index among the model's runs, or the first finite run's.
    fn shown(&self) -> Option<usize> {
        let model = self.run.model.as_ref().ok()?;
        model
            .slots
            .iter()
            .position(|&k| k == self.state.shown)
            .filter(|&i| model.lock.runs[i].diverged.is_none())
            .or_else(|| model.lock.runs.iter().position(|r| r.diverged.is_none()))
    }

    /// The shown run's four pictures (its occupancy computed once per record of the run).
    pub(super) fn pictures(&mut self) -> Result<Pictures, &'static str> {
        let shown = self.shown();
        let Ok(model) = &self.run.model else {
            return Err("no model");
        };
        let Some(run) = shown.map(|i| &model.lock.runs[i]) else {
            return Err("every run diverged: change a step size or reset");
        };
        let (Some(sol), x) = (run.follower.as_ref(), run.x()) else {
            return Err("the follower has no policy yet");
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
        Ok(match self.state.env {
            Env::Gridworld => {
                let per_state = |v: &DVector<f64>| -> Vec<f64> {
                    (0..mdp.states)
                        .map(|s| (0..mdp.actions).map(|a| v[s * mdp.actions + a]).sum())
                        .collect()
                };
                let truth = per_state(&truth)
                    .into_iter()
                    .map(|v| v / mdp.actions as f64)
                    .collect();
                Pictures::Grid {
                    grid: self.state.grid.clone(),
                    drawn: self.state.drawn.clone(),
                    reward: x.iter().copied().collect(),
                    pi: sol.pi.iter().copied().collect(),
                    value: sol.v.iter().copied().collect(),
                    occupancy: per_state(&occupancy),
                    truth,
                }
            }
            Env::Random => Pictures::Matrices {
                actions: mdp.actions,
                maps: [
                    model.lock.problem.reward(x).iter().copied().collect(),
                    sol.pi.iter().copied().collect(),
                    occupancy.iter().copied().collect(),
                    truth.iter().copied().collect(),
                ],
            },
        })
    }
}

/// The runs' table: φ, ‖∇φ‖, the lower-level residual, the budget's violation, the status.
pub(super) fn table_ui(ui: &mut egui::Ui, model: &super::Model, budget: bool, look: Look) {
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
}

/// "ok", "diverged at step k", or why the run cannot go.
pub(super) fn status_text(run: &crate::numerics::rl::lockstep::RlRun) -> String {
    match (&run.unavailable, run.diverged) {
        (Some(why), _) => why.clone(),
        (None, Some(step)) => format!("diverged at step {step}"),
        (None, None) => "ok".to_owned(),
    }
}
