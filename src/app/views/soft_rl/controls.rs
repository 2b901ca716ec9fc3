//! The bilevel RL view's side panel: presets; the environment (gridworld with its editor tool, or a
//! random MDP); γ and τ; the leader and its data; the four runs and their step sizes; the cost budget;
//! speed.

use crate::app::widgets::{Param, param_f64, param_usize, preset_picker};
use crate::numerics::rl::lockstep::RlAlgorithm;
use crate::scenario::soft_rl::{DemoSource, Env, Leader, SoftRlState, Tool, presets, range};

pub fn controls_ui(ui: &mut egui::Ui, s: &mut SoftRlState) {
    preset_picker(ui, "soft-rl-preset", presets(), s);
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong("Environment");
        ui.selectable_value(&mut s.env, Env::Gridworld, "gridworld");
        ui.selectable_value(&mut s.env, Env::Random, "random MDP")
            .on_hover_text(
                "rows of P uniform and normalized, ρ uniform, r = τx (one x per state–action pair)",
            );
    });
    match s.env {
        Env::Gridworld => grid_ui(ui, s),
        Env::Random => {
            param_usize(
                ui,
                &mut s.random.states,
                range::STATES,
                Param::new("S", "states", "random MDP", false),
            );
            param_usize(
                ui,
                &mut s.random.actions,
                range::ACTIONS,
                Param::new("A", "actions", "random MDP", false),
            );
            ui.horizontal(|ui| {
                let label = ui.label("MDP seed");
                ui.add(egui::DragValue::new(&mut s.random.seed).range(0..=u32::MAX as u64))
                    .labelled_by(label.id);
            });
            ui.checkbox(
                &mut s.random.sparse,
                "sparse successors (the authors' code)",
            )
            .on_hover_text(
                "each state–action pair moves to 1 … S − 1 distinct random states, as the \
                     authors' RandMDP draws them; off: every state, with random weights",
            );
            ui.checkbox(
                &mut s.random.quadratic,
                "quadratic reward (the authors' code)",
            )
            .on_hover_text(
                "r_sa = c_sa·(x·Mx) with c_sa = U_sa·U_s uniform and M Gaussian, as M-SoBiRL's \
                     synthetic test draws them; off: r = τx, one x per state–action pair",
            );
            if s.random.quadratic {
                param_usize(
                    ui,
                    &mut s.random.dim,
                    range::DIM,
                    Param::new("n", "dimension of x", "the authors: 100", false),
                );
            }
        }
    }
    ui.separator();
    ui.strong("Soft MDP");
    param_f64(
        ui,
        &mut s.gamma,
        range::GAMMA,
        Param::new("γ", "discount", "V = E Σ γ^t (r + τ H(π))", false),
    );
    param_f64(
        ui,
        &mut s.tau,
        range::TAU,
        Param::new("τ", "temperature", "π* = softmax(Q*/τ)", true),
    );
    ui.separator();
    leader_ui(ui, s);
    ui.separator();
    runs_ui(ui, s);
    ui.separator();
    constraint_ui(ui, s);
    ui.separator();
    param_usize(
        ui,
        &mut s.steps_per_frame,
        range::STEPS_PER_FRAME,
        Param::new(
            "",
            "steps per frame",
            "while playing (12 ms of work per frame at most)",
            true,
        ),
    );
    param_usize(
        ui,
        &mut s.stop_at,
        range::STOP_AT,
        Param::new("", "stop at step", "Play stops here", true),
    );
}

fn grid_ui(ui: &mut egui::Ui, s: &mut SoftRlState) {
    let (mut rows, mut cols) = (s.grid.rows, s.grid.cols);
    param_usize(
        ui,
        &mut rows,
        range::SIDE,
        Param::new("", "rows", "up to 32", false),
    );
    param_usize(
        ui,
        &mut cols,
        range::SIDE,
        Param::new("", "columns", "up to 32", false),
    );
    if (rows, cols) != (s.grid.rows, s.grid.cols) {
        s.grid.rows = rows;
        s.grid.cols = cols;
        let inside = |c: &[usize; 2]| c[0] < rows && c[1] < cols;
        s.grid.walls.retain(inside);
        s.grid.goals.retain(inside);
        s.grid.traps.retain(inside);
        s.grid.costs.retain(inside);
        s.drawn.retain(inside);
        s.grid.start = [s.grid.start[0].min(rows - 1), s.grid.start[1].min(cols - 1)];
        s.grid.walls.retain(|c| *c != s.grid.start);
    }
    param_f64(
        ui,
        &mut s.grid.slip,
        (0.0, 1.0),
        Param::new("", "slip", "probability of a random other move", false),
    );
    ui.horizontal_wrapped(|ui| {
        ui.label("click edits:");
        for (t, name, hint) in [
            (Tool::Wall, "wall", "toggle a wall"),
            (Tool::Goal, "goal", "toggle a goal (+1, absorbing)"),
            (Tool::Trap, "trap", "toggle a trap (−1, absorbing)"),
            (Tool::Start, "start", "move the start"),
            (
                Tool::Cost,
                "cost",
                "toggle a cost cell: 1 per step there (the budget's cost)",
            ),
            (
                Tool::Draw,
                "draw demo",
                "extend the hand-drawn demonstration to a neighbouring cell (start next to ●)",
            ),
        ] {
            ui.selectable_value(&mut s.tool, t, name)
                .on_hover_text(hint);
        }
    });
}

fn leader_ui(ui: &mut egui::Ui, s: &mut SoftRlState) {
    ui.strong("Leader");
    ui.horizontal_wrapped(|ui| {
        for (leader, hint) in [
            (
                Leader::InverseRl,
                "f = −(1/N) Σ log π(a|s) over demonstrations",
            ),
            (
                Leader::Shaping,
                "f = −ρ·V_true(π): the follower's discounted return under the hidden true reward",
            ),
            (
                Leader::Preferences,
                "f = E over two clips (s, a) ~ d^π of the Bradley–Terry loss of r(x), labels from the true reward",
            ),
            (Leader::Synthetic, "f = ½‖x‖² + ½‖π‖² (the authors' synthetic test)"),
        ] {
            ui.selectable_value(&mut s.leader, leader, leader.name())
                .on_hover_text(hint);
        }
    });
    if s.leader == Leader::InverseRl {
        ui.horizontal(|ui| {
            ui.label("demonstrations:");
            ui.selectable_value(&mut s.demos_from, DemoSource::Expert, "expert");
            if s.env == Env::Gridworld {
                ui.selectable_value(&mut s.demos_from, DemoSource::Drawn, "drawn by hand")
                    .on_hover_text("pick the tool \"draw demo\" and click a path from the start");
                if ui.button("clear path").clicked() {
                    s.drawn.clear();
                }
            }
        });
        if s.demos_from == DemoSource::Expert || s.env == Env::Random {
            param_usize(
                ui,
                &mut s.demos,
                range::DEMOS,
                Param::new(
                    "",
                    "expert trajectories",
                    "drawn from π* of the true reward",
                    true,
                ),
            );
            param_usize(
                ui,
                &mut s.horizon,
                range::HORIZON,
                Param::new("", "trajectory length", "steps per trajectory", true),
            );
        }
    }
    if s.leader != Leader::Synthetic {
        param_f64(
            ui,
            &mut s.l2,
            range::L2,
            Param::new("", "ℓ₂ on x", "+ (l2/2)‖x‖²", false),
        );
    }
    ui.horizontal(|ui| {
        let label = ui.label("seed");
        ui.add(egui::DragValue::new(&mut s.seed).range(0..=u32::MAX as u64))
            .labelled_by(label.id);
    });
}

fn runs_ui(ui: &mut egui::Ui, s: &mut SoftRlState) {
    ui.strong("Runs");
    for (k, slot) in s.runs.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            ui.checkbox(&mut slot.on, format!("run {}", k + 1));
            let label = ui.label("algorithm");
            egui::ComboBox::from_id_salt(("soft-rl-run", k))
                .selected_text(slot.algorithm.name())
                .show_ui(ui, |ui| {
                    for a in RlAlgorithm::ALL {
                        ui.selectable_value(&mut slot.algorithm, a, a.name())
                            .on_hover_text(a.rule());
                    }
                })
                .response
                .labelled_by(label.id);
        });
    }
    param_f64(
        ui,
        &mut s.beta,
        range::STEP,
        Param::new("β", "outer step", "x ← x − β · direction (all runs)", true),
    );
    param_f64(
        ui,
        &mut s.xi,
        range::STEP,
        Param::new("ξ", "M-SoBiRL w step", "w ← w − ξ(A^T A w − A^T b)", true),
    );
    param_usize(
        ui,
        &mut s.bellman_steps,
        range::BELLMAN,
        Param::new(
            "N",
            "Bellman steps",
            "soft Bellman steps per outer step (all but exact descent)",
            true,
        ),
    );
    param_usize(
        ui,
        &mut s.samples,
        range::SAMPLES,
        Param::new(
            "M",
            "sampled trajectories",
            "per SoBiRL and HPGD estimate (pairs, for preferences)",
            true,
        ),
    );
    param_usize(
        ui,
        &mut s.leader_steps,
        range::LEADER_STEPS,
        Param::new(
            "M_x",
            "DRLHF leader steps",
            "x ← x − β∇_x f(x, π), M_x times per outer step, then N Bellman steps",
            true,
        ),
    );
    param_f64(
        ui,
        &mut s.momentum,
        range::MOMENTUM,
        Param::new(
            "µ",
            "Stoc-SoBiRL momentum weight",
            "h = g + (1 − µ)(h − g_prev); µ = 1: SoBiRL",
            false,
        ),
    );
    param_f64(
        ui,
        &mut s.lambda,
        range::LAMBDA,
        Param::new(
            "λ",
            "penalty weight",
            "PBRL/CBSO: f + λ(h(x, π_θ) − min h)",
            true,
        ),
    );
    param_f64(
        ui,
        &mut s.policy_lr,
        range::STEP,
        Param::new(
            "ξ_π",
            "penalty policy step",
            "natural policy-gradient step of the leader's policy copy",
            true,
        ),
    );
}

fn constraint_ui(ui: &mut egui::Ui, s: &mut SoftRlState) {
    ui.checkbox(&mut s.constraint, "cost budget (CBSO)").on_hover_text(
        "the follower must keep J_c(π) = E Σ γ^t c(s_t, a_t) ≤ b; CBSO handles it by an exact penalty, the \
         other runs ignore it and the table shows how far they go over",
    );
    if s.constraint {
        param_f64(
            ui,
            &mut s.budget,
            range::BUDGET,
            Param::new("b", "budget", "J_c(π) ≤ b", false),
        );
        param_f64(
            ui,
            &mut s.cost_weight,
            range::COST_WEIGHT,
            Param::new(
                "λ_c",
                "cost penalty",
                "h = −V_r + λ_c max(0, J_c − b)",
                false,
            ),
        );
        param_usize(
            ui,
            &mut s.cbso_batch,
            range::CBSO_BATCH,
            Param::new(
                "B",
                "CBSO's trajectories per estimate",
                "0: exact occupancies; B > 0: the occupancy in the x-gradient and J_c from B sampled \
                 trajectories of H steps",
                false,
            ),
        );
        if s.cbso_batch > 0 {
            param_usize(
                ui,
                &mut s.cbso_horizon,
                range::CBSO_HORIZON,
                Param::new("H", "CBSO's horizon", "steps per sampled trajectory", false),
            );
        }
        if s.env == Env::Gridworld && s.grid.costs.is_empty() {
            ui.label("No cost cells yet: pick the tool \"cost\" and click cells.");
        }
    }
}
