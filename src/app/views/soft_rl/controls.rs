//! The bilevel RL view's side panel: presets, the gridworld and its editor tool, γ and τ, the leader, the
//! step sizes, speed and horizon.

use crate::app::widgets::{Param, param_f64, param_usize, preset_picker};
use crate::scenario::soft_rl::{Leader, PRESETS, SoftRlState, Tool, range};

pub fn controls_ui(ui: &mut egui::Ui, s: &mut SoftRlState) {
    preset_picker(ui, "soft-rl-preset", &PRESETS, s);
    ui.separator();
    ui.strong("Gridworld");
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
        for (t, name) in [
            (Tool::Wall, "wall"),
            (Tool::Goal, "goal"),
            (Tool::Trap, "trap"),
            (Tool::Start, "start"),
        ] {
            ui.selectable_value(&mut s.tool, t, name);
        }
    });
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
    ui.strong("Leader");
    ui.horizontal(|ui| {
        ui.selectable_value(&mut s.leader, Leader::InverseRl, "inverse RL")
            .on_hover_text("f = −(1/N) Σ log π(a|s) over expert demonstrations");
        ui.selectable_value(&mut s.leader, Leader::Shaping, "reward shaping")
            .on_hover_text(
                "f = −ρ·V_true(π): the follower's soft value under the hidden true reward",
            );
    });
    if s.leader == Leader::InverseRl {
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
    param_f64(
        ui,
        &mut s.l2,
        range::L2,
        Param::new("", "ℓ₂ on x", "+ (l2/2)‖x‖²", false),
    );
    ui.horizontal(|ui| {
        let label = ui.label("seed");
        ui.add(egui::DragValue::new(&mut s.seed).range(0..=u32::MAX as u64))
            .labelled_by(label.id);
    });
    ui.separator();
    ui.strong("Algorithms");
    param_f64(
        ui,
        &mut s.beta,
        range::STEP,
        Param::new("β", "outer step", "x ← x − β · direction (all three)", true),
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
            "per outer step (M-SoBiRL, alternating)",
            true,
        ),
    );
    param_usize(
        ui,
        &mut s.steps_per_frame,
        range::STEPS_PER_FRAME,
        Param::new("", "steps per frame", "while playing", true),
    );
    param_usize(
        ui,
        &mut s.stop_at,
        range::STOP_AT,
        Param::new("", "stop at step", "Play stops here", true),
    );
}
