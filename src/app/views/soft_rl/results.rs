//! The bilevel RL view's results: the runs' table, the grids (learned and true reward, V*, occupancy,
//! π*), the curves, and the φ landscape.

use super::{
    ComputeRuntime, DVector, Env, Look, SLOT_COLORS, SoftRlView, curves, format, grids, landscape,
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
                    "Arrows: the follower's policy, length ∝ π(a|s) (on small cells one arrow, the \
                     expected move). ◎ goal (+1, absorbing), × trap (−1, \
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
            l.poll(problem, runtime, deadline);
            if !l.finished() {
                ui.ctx().request_repaint();
            }
            l.ui(ui, look, 360.0);
        }
    }
}

/// "ok", "diverged at step k", or why the run cannot go.
pub(super) fn status_text(run: &crate::numerics::rl::lockstep::RlRun) -> String {
    match (&run.unavailable, run.diverged) {
        (Some(why), _) => why.clone(),
        (None, Some(step)) => format!("diverged at step {step}"),
        (None, None) => "ok".to_owned(),
    }
}
