//! The Stackelberg view's side panel: presets, step sizes, λ, K, the stochastic actor, the convergence
//! map, the window and the panels' dynamics. Every slider carries its unit and formula.

use crate::app::stage::Controls;
use crate::app::widgets::{Param, preset_picker};
use crate::scenario::stackelberg::{Rule, StackelbergState, presets, range};

/// The panels' rule pickers' ids.
const RULE_IDS: [&str; 4] = ["rule-0", "rule-1", "rule-2", "rule-3"];

/// Draws the controls `c` shows into `state`: `preset`, `actor-lr`, `critic-lr`, `timescale-ratio`, `reg`,
/// `critic-steps`, `rule-0`…`rule-3`, `steps-per-frame`, `horizon`, `stochastic`, `entropy`, `samples`,
/// `seed`, `map-steps`, `map-size`, `window`.
pub fn controls_ui(ui: &mut egui::Ui, c: &mut Controls<'_>, state: &mut StackelbergState) {
    c.row(ui, "preset", |ui| {
        preset_picker(ui, "stackelberg-preset", presets(), state)
    });
    c.heading(ui, "Dynamics");
    let lr = |symbol, what, formula| Param {
        symbol,
        what,
        unit: "",
        formula,
        log: true,
    };
    c.f64(
        ui,
        "actor-lr",
        &mut state.actor_lr,
        range::LR,
        lr("δ₁", "actor step", "θ ← θ + δ₁ · (actor direction)"),
    );
    c.f64(
        ui,
        "critic-lr",
        &mut state.critic_lr,
        range::LR,
        lr("δ₂", "critic step", "w ← w − δ₂ ∂wf₂"),
    );
    c.f64(
        ui,
        "timescale-ratio",
        &mut state.timescale_ratio,
        range::TIMESCALE_RATIO,
        lr(
            "δ₂ ×",
            "two-timescale ratio",
            "the two-timescale critic steps with δ₂ · ratio",
        ),
    );
    c.f64(
        ui,
        "reg",
        &mut state.reg,
        range::REG,
        Param {
            symbol: "λ",
            what: "ridge on ∂²wwf₂",
            unit: "",
            formula: "correction = ∂²θwf₂ (∂²wwf₂ + λ)⁻¹ ∂wf₁; ∂²wwf₂ = 2θ² vanishes at θ = 0",
            log: false,
        },
    );
    c.usize(
        ui,
        "critic-steps",
        &mut state.critic_steps,
        range::CRITIC_STEPS,
        Param {
            symbol: "K",
            what: "critic steps (nested)",
            unit: "",
            formula: "nested panels: K warm-started critic steps at the current θ, then one actor step",
            log: true,
        },
    );
    c.heading(ui, "Panels");
    for (i, panel) in state.panels.iter_mut().enumerate() {
        c.row(ui, RULE_IDS[i], |ui| {
            ui.horizontal(|ui| {
                let label = ui.label(["(a)", "(b)", "(c)", "(d)"][i]);
                egui::ComboBox::from_id_salt(("panel-rule", i))
                    .selected_text(panel.rule.label())
                    .width(150.0)
                    .show_ui(ui, |ui| {
                        for rule in Rule::ALL {
                            ui.selectable_value(&mut panel.rule, rule, rule.label());
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.checkbox(&mut panel.nested, "K")
                    .on_hover_text("Nested critic: K critic steps per actor step");
                ui.checkbox(&mut panel.map, "map")
                    .on_hover_text("Convergence map under this panel");
            });
        });
    }
    c.heading(ui, "Running");
    c.usize(
        ui,
        "steps-per-frame",
        &mut state.steps_per_frame,
        range::STEPS_PER_FRAME,
        Param {
            symbol: "",
            what: "steps per frame",
            unit: "",
            formula: "actor steps taken each frame while playing",
            log: true,
        },
    );
    c.usize(
        ui,
        "horizon",
        &mut state.horizon,
        range::HORIZON,
        Param {
            symbol: "",
            what: "stop at step",
            unit: "",
            formula: "Play pauses here (BLPO Fig. 1: 50 000)",
            log: true,
        },
    );
    c.heading(ui, "Stochastic actor");
    c.check(
        ui,
        "stochastic",
        &mut state.stochastic,
        (
            "Stochastic actor",
            "tanh-squashed Gaussian actor a = tanh(μ + ε), critic Q = w·a, reward −a²",
        ),
    );
    ui.add_enabled_ui(state.stochastic, |ui| {
        c.f64(
            ui,
            "entropy",
            &mut state.entropy,
            range::ENTROPY,
            Param {
                symbol: "β",
                what: "entropy weight",
                unit: "",
                formula: "f₁ = E[w·a] + β·H(π_μ)",
                log: false,
            },
        );
        c.usize(
            ui,
            "samples",
            &mut state.samples,
            range::SAMPLES,
            Param {
                symbol: "n",
                what: "samples per step",
                unit: "",
                formula: "derivatives averaged over n sampled actions",
                log: true,
            },
        );
        c.drag(ui, "seed", &mut state.seed, ("seed", 0..=u32::MAX as u64));
    });
    c.heading(ui, "Convergence map");
    c.usize(
        ui,
        "map-steps",
        &mut state.map_steps,
        range::MAP_STEPS,
        Param {
            symbol: "T",
            what: "steps per start",
            unit: "",
            formula: "color = log₁₀ ‖(θ_T, w_T)‖ from each start point",
            log: true,
        },
    );
    c.usize(
        ui,
        "map-size",
        &mut state.map_size,
        range::MAP_SIZE,
        Param {
            symbol: "",
            what: "grid side",
            unit: " px",
            formula: "map_size² start points, one GPU thread each",
            log: true,
        },
    );
    c.heading(ui, "Window");
    c.row(ui, "window", |ui| {
        let [t0, t1, w0, w1] = &mut state.window;
        for (axis, lo, hi) in [("θ", t0, t1), ("w", w0, w1)] {
            ui.horizontal(|ui| {
                let label = ui.label(format!("{axis} from"));
                let top = *hi - 1e-3;
                ui.add(
                    egui::DragValue::new(lo)
                        .speed(0.05)
                        .range(-range::WINDOW..=top),
                )
                .labelled_by(label.id);
                let label = ui.label("to");
                let bottom = *lo + 1e-3;
                ui.add(
                    egui::DragValue::new(hi)
                        .speed(0.05)
                        .range(bottom..=range::WINDOW),
                )
                .labelled_by(label.id);
            });
        }
        ui.horizontal(|ui| {
            if ui.button("[−1, 1]²").clicked() {
                state.window = [-1.0, 1.0, -1.0, 1.0];
            }
            if ui
                .add_enabled(
                    !state.extra_starts.is_empty(),
                    egui::Button::new("Clear added starts"),
                )
                .clicked()
            {
                state.extra_starts.clear();
            }
        });
    });
}
