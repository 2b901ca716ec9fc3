//! The bilevel RL view's side panel: presets; the environment (gridworld with its editor tool, or a
//! random MDP); γ and τ; the leader and its data; the four runs and their step sizes; the cost budget;
//! speed.

use crate::app::stage::Controls;
use crate::app::widgets::{Param, preset_picker};
use crate::numerics::rl::lockstep::RlAlgorithm;
use crate::scenario::soft_rl::{DemoSource, Env, Leader, SoftRlState, Tool, presets, range};

/// The controls `c` shows, each published under its id: `preset`, `env`, the environment's (`rows`,
/// `columns`, `slip`, `tool`; `states`, `actions`, `mdp-seed`, `sparse`, `quadratic`, `dim`), `gamma`, `tau`,
/// the leader's (`leader`, `demos-from`, `demos`, `horizon`, `l2`, `seed`), the runs' (`run-0`…`run-3`,
/// `beta`, `xi`, `bellman-steps`, `samples`, `leader-steps`, `momentum`, `lambda`, `policy-lr`), the budget's
/// (`constraint`, `budget`, `cost-weight`, `cbso-batch`, `cbso-horizon`), `steps-per-frame`, `stop-at`.
pub fn controls_ui(ui: &mut egui::Ui, c: &mut Controls<'_>, s: &mut SoftRlState) {
    c.row(ui, "preset", |ui| {
        preset_picker(ui, "soft-rl-preset", presets(), s)
    });
    c.heading(ui, "Environment");
    c.row(ui, "env", |ui| {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut s.env, Env::Gridworld, "gridworld");
            ui.selectable_value(&mut s.env, Env::Random, "random MDP")
            .on_hover_text(
                "rows of P uniform and normalized, ρ uniform, r = τx (one x per state–action pair)",
            );
        })
    });
    match s.env {
        Env::Gridworld => grid_ui(ui, c, s),
        Env::Random => {
            c.usize(
                ui,
                "states",
                &mut s.random.states,
                range::STATES,
                Param::new("S", "states", "random MDP", false),
            );
            c.usize(
                ui,
                "actions",
                &mut s.random.actions,
                range::ACTIONS,
                Param::new("A", "actions", "random MDP", false),
            );
            c.drag(
                ui,
                "mdp-seed",
                &mut s.random.seed,
                ("MDP seed", 0..=u32::MAX as u64),
            );
            c.check(
                ui,
                "sparse",
                &mut s.random.sparse,
                (
                    "sparse successors (the authors' code)",
                    "each state–action pair moves to 1 … S − 1 distinct random states, as the \
                     authors' RandMDP draws them; off: every state, with random weights",
                ),
            );
            c.check(
                ui,
                "quadratic",
                &mut s.random.quadratic,
                (
                    "quadratic reward (the authors' code)",
                    "r_sa = c_sa·(x·Mx) with c_sa = U_sa·U_s uniform and M Gaussian, as M-SoBiRL's \
                     synthetic test draws them; off: r = τx, one x per state–action pair",
                ),
            );
            if s.random.quadratic {
                c.usize(
                    ui,
                    "dim",
                    &mut s.random.dim,
                    range::DIM,
                    Param::new("n", "dimension of x", "the authors: 100", false),
                );
            }
        }
    }
    c.heading(ui, "Soft MDP");
    c.f64(
        ui,
        "gamma",
        &mut s.gamma,
        range::GAMMA,
        Param::new("γ", "discount", "V = E Σ γ^t (r + τ H(π))", false),
    );
    c.f64(
        ui,
        "tau",
        &mut s.tau,
        range::TAU,
        Param::new("τ", "temperature", "π* = softmax(Q*/τ)", true),
    );
    leader_ui(ui, c, s);
    runs_ui(ui, c, s);
    constraint_ui(ui, c, s);
    c.heading(ui, "Speed");
    c.usize(
        ui,
        "steps-per-frame",
        &mut s.steps_per_frame,
        range::STEPS_PER_FRAME,
        Param::new(
            "",
            "steps per frame",
            "while playing (12 ms of work per frame at most)",
            true,
        ),
    );
    c.usize(
        ui,
        "stop-at",
        &mut s.stop_at,
        range::STOP_AT,
        Param::new("", "stop at step", "Play stops here", true),
    );
}

fn grid_ui(ui: &mut egui::Ui, c: &mut Controls<'_>, s: &mut SoftRlState) {
    let (mut rows, mut cols) = (s.grid.rows, s.grid.cols);
    c.usize(
        ui,
        "rows",
        &mut rows,
        range::SIDE,
        Param::new("", "rows", "up to 32", false),
    );
    c.usize(
        ui,
        "columns",
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
    c.f64(
        ui,
        "slip",
        &mut s.grid.slip,
        (0.0, 1.0),
        Param::new("", "slip", "probability of a random other move", false),
    );
    c.row(ui, "tool", |ui| {
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
        })
    });
}

fn leader_ui(ui: &mut egui::Ui, c: &mut Controls<'_>, s: &mut SoftRlState) {
    c.heading(ui, "Leader");
    c.row(ui, "leader", |ui| ui.horizontal_wrapped(|ui| {
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
    }));
    if s.leader == Leader::InverseRl {
        c.row(ui, "demos-from", |ui| {
            ui.horizontal(|ui| {
                ui.label("demonstrations:");
                ui.selectable_value(&mut s.demos_from, DemoSource::Expert, "expert");
                if s.env == Env::Gridworld {
                    ui.selectable_value(&mut s.demos_from, DemoSource::Drawn, "drawn by hand")
                        .on_hover_text(
                            "pick the tool \"draw demo\" and click a path from the start",
                        );
                    if ui.button("clear path").clicked() {
                        s.drawn.clear();
                    }
                }
            })
        });
        if s.demos_from == DemoSource::Expert || s.env == Env::Random {
            c.usize(
                ui,
                "demos",
                &mut s.demos,
                range::DEMOS,
                Param::new(
                    "",
                    "expert trajectories",
                    "drawn from π* of the true reward",
                    true,
                ),
            );
            c.usize(
                ui,
                "horizon",
                &mut s.horizon,
                range::HORIZON,
                Param::new("", "trajectory length", "steps per trajectory", true),
            );
        }
    }
    if s.leader != Leader::Synthetic {
        c.f64(
            ui,
            "l2",
            &mut s.l2,
            range::L2,
            Param::new("", "ℓ₂ on x", "+ (l2/2)‖x‖²", false),
        );
    }
    c.drag(ui, "seed", &mut s.seed, ("seed", 0..=u32::MAX as u64));
}

/// The runs' rows' ids.
const RUN_IDS: [&str; 4] = ["run-0", "run-1", "run-2", "run-3"];

fn runs_ui(ui: &mut egui::Ui, c: &mut Controls<'_>, s: &mut SoftRlState) {
    c.heading(ui, "Runs");
    for (k, slot) in s.runs.iter_mut().enumerate() {
        c.row(ui, RUN_IDS[k], |ui| {
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
            })
        });
    }
    c.f64(
        ui,
        "beta",
        &mut s.beta,
        range::STEP,
        Param::new("β", "outer step", "x ← x − β · direction (all runs)", true),
    );
    c.f64(
        ui,
        "xi",
        &mut s.xi,
        range::STEP,
        Param::new("ξ", "M-SoBiRL w step", "w ← w − ξ(A^T A w − A^T b)", true),
    );
    c.usize(
        ui,
        "bellman-steps",
        &mut s.bellman_steps,
        range::BELLMAN,
        Param::new(
            "N",
            "Bellman steps",
            "soft Bellman steps per outer step (all but exact descent)",
            true,
        ),
    );
    c.usize(
        ui,
        "samples",
        &mut s.samples,
        range::SAMPLES,
        Param::new(
            "M",
            "sampled trajectories",
            "per SoBiRL and HPGD estimate (pairs, for preferences)",
            true,
        ),
    );
    c.usize(
        ui,
        "leader-steps",
        &mut s.leader_steps,
        range::LEADER_STEPS,
        Param::new(
            "M_x",
            "DRLHF leader steps",
            "x ← x − β∇_x f(x, π), M_x times per outer step, then N Bellman steps",
            true,
        ),
    );
    c.f64(
        ui,
        "momentum",
        &mut s.momentum,
        range::MOMENTUM,
        Param::new(
            "µ",
            "Stoc-SoBiRL momentum weight",
            "h = g + (1 − µ)(h − g_prev); µ = 1: SoBiRL",
            false,
        ),
    );
    c.f64(
        ui,
        "lambda",
        &mut s.lambda,
        range::LAMBDA,
        Param::new(
            "λ",
            "penalty weight",
            "PBRL/CBSO: f + λ(h(x, π_θ) − min h)",
            true,
        ),
    );
    c.f64(
        ui,
        "policy-lr",
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

fn constraint_ui(ui: &mut egui::Ui, c: &mut Controls<'_>, s: &mut SoftRlState) {
    c.heading(ui, "Cost budget");
    c.check(
        ui,
        "constraint",
        &mut s.constraint,
        (
            "cost budget (CBSO)",
            "the follower must keep J_c(π) = E Σ γ^t c(s_t, a_t) ≤ b; CBSO handles it by an exact penalty, \
             the other runs ignore it and the table shows how far they go over",
        ),
    );
    if s.constraint {
        c.f64(
            ui,
            "budget",
            &mut s.budget,
            range::BUDGET,
            Param::new("b", "budget", "J_c(π) ≤ b", false),
        );
        c.f64(
            ui,
            "cost-weight",
            &mut s.cost_weight,
            range::COST_WEIGHT,
            Param::new(
                "λ_c",
                "cost penalty",
                "h = −V_r + λ_c max(0, J_c − b)",
                false,
            ),
        );
        c.usize(ui, "cbso-batch", &mut s.cbso_batch,
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
            c.usize(
                ui,
                "cbso-horizon",
                &mut s.cbso_horizon,
                range::CBSO_HORIZON,
                Param::new("H", "CBSO's horizon", "steps per sampled trajectory", false),
            );
        }
        if c.full() && s.env == Env::Gridworld && s.grid.costs.is_empty() {
            ui.label("No cost cells yet: pick the tool \"cost\" and click cells.");
        }
    }
}
