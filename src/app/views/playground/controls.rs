//! The playground's side panel: presets, the problem and its parameters, the four runs (algorithm and
//! IHVP method each), the shared step sizes and IHVP knobs, the start, speed and horizon.

use crate::app::stage::Controls;
use crate::app::widgets::{Param, Paste, nystrom_columns_ui, preset_picker};
use crate::numerics::bilevel::algorithms::unrolled::Mode;
use crate::scenario::playground::{AlgoKind, Method, PlaygroundState, ProblemKind, presets, range};

/// The current problem as the CLI's `problem` JSON (what the paste box starts from).
pub fn problem_text(s: &PlaygroundState) -> String {
    s.problem_spec()
        .ok()
        .and_then(|_| {
            let q = &s.quadratic;
            (s.problem == ProblemKind::Quadratic).then(|| {
                serde_json::json!({"name": "quadratic", "A": q.a_mat, "B": q.b_mat, "E": q.e_mat,
                    "a": q.a, "c": q.c, "H": q.h_mat, "C": q.c_mat, "d": q.d})
                .to_string()
            })
        })
        .unwrap_or_else(|| {
            r#"{"name": "quadratic", "A": [[1]], "B": [[0]], "E": [[0.2]], "a": [0], "c": [-1], "H": [[2]], "C": [[1]], "d": [0]}"#
                .to_owned()
        })
}

/// The runs' rows' ids.
const RUN_IDS: [&str; 4] = ["run-0", "run-1", "run-2", "run-3"];

/// The controls `c` shows, each published under its id: `preset`, `problem`, the problem's own (`features`,
/// `samples`, `dim`, `condition`, `tasks`), `run-0`…`run-3`, the step sizes (`outer-lr`, `inner-lr`,
/// `inner-steps`, `outer-decay`, `inner-decay`, `momentum`, `radius`, `tau`, `rho`, `a1`, `a2`, `dual-lr`,
/// `unroll`), the oracles (`stochastic`, `sigma`, `batch`, `seeds`), IHVP (`alpha`, `rank`, `iters`,
/// `neumann-step`, `columns`, `clip`, `seed`) and `x0`, `y0`, `steps-per-frame`, `stop-at`. The paste box
/// for a problem belongs to the full panel.
pub fn controls_ui(
    ui: &mut egui::Ui,
    c: &mut Controls<'_>,
    s: &mut PlaygroundState,
    paste: &mut Paste,
) {
    c.row(ui, "preset", |ui| {
        preset_picker(ui, "playground-preset", presets(), s)
    });
    c.heading(ui, "Problem");
    c.row(ui, "problem", |ui| {
        ui.horizontal(|ui| {
            let label = ui.label("problem");
            let current = ProblemKind::ALL
                .iter()
                .find(|(k, _)| *k == s.problem)
                .map_or("?", |(_, n)| n);
            egui::ComboBox::from_id_salt("playground-problem")
                .selected_text(current)
                .width(190.0)
                .show_ui(ui, |ui| {
                    for (k, name) in ProblemKind::ALL {
                        ui.selectable_value(&mut s.problem, k, name);
                    }
                })
                .response
                .labelled_by(label.id);
        })
    });
    match s.problem {
        ProblemKind::RidgeHpo => {
            c.usize(
                ui,
                "features",
                &mut s.features,
                range::FEATURES,
                Param::new(
                    "n",
                    "features",
                    "one ridge weight per feature; 2 draws Φ over the x plane",
                    false,
                ),
            );
        }
        ProblemKind::HyperCleaning => {
            c.usize(
                ui,
                "samples",
                &mut s.samples,
                range::SAMPLES,
                Param::new(
                    "n",
                    "training samples",
                    "one weight σ(x_i) per sample",
                    true,
                ),
            );
        }
        ProblemKind::Lancbio => {
            c.usize(
                ui,
                "dim",
                &mut s.dim,
                range::DIM,
                Param::new("d", "dimension", "x, y ∈ R^d", false),
            );
            c.f64(
                ui,
                "condition",
                &mut s.condition,
                range::CONDITION,
                Param::new("κ", "inner condition number", "of the inner Hessian", true),
            );
        }
        ProblemKind::Quadratic => {
            c.f64(
                ui,
                "condition",
                &mut s.condition,
                range::CONDITION,
                Param::new(
                    "κ",
                    "condition of H",
                    "H's eigenvalues log-spaced from λ_max/κ to λ_max (1: H as given)",
                    true,
                ),
            );
        }
        ProblemKind::Representation => {
            c.usize(
                ui,
                "features",
                &mut s.features,
                range::FEATURES,
                Param::new(
                    "d",
                    "input dimension",
                    "the shared direction θ ∈ R^d; 2 draws Φ over the θ plane",
                    false,
                ),
            );
            c.usize(
                ui,
                "tasks",
                &mut s.tasks,
                range::TASKS,
                Param::new("T", "tasks", "one ridge head φ_t per task", false),
            );
        }
        ProblemKind::Pruning => {
            c.usize(
                ui,
                "features",
                &mut s.features,
                range::FEATURES,
                Param::new(
                    "n",
                    "features",
                    "one mask entry θ_i per weight, half the features irrelevant",
                    false,
                ),
            );
            c.usize(
                ui,
                "samples",
                &mut s.samples,
                range::SAMPLES,
                Param::new("N", "training samples", "and as many held out", true),
            );
        }
        ProblemKind::Toy | ProblemKind::ActorCritic => {}
    }
    if !c.full() {
        return runs_and_more(ui, c, s);
    }
    egui::CollapsingHeader::new("Load a problem (the CLI's JSON)")
        .id_salt("playground-load")
        .show(ui, |ui| {
            ui.add(
                egui::TextEdit::multiline(&mut paste.text)
                    .desired_rows(4)
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Monospace),
            );
            if ui
                .button("Use this problem")
                .on_hover_text("any `problem` of a `bilevel` scenario (docs/scenarios.md), e.g. a quadratic with your matrices")
                .clicked()
            {
                paste.error = s.load_problem(&paste.text).err();
            }
            if let Some(e) = &paste.error {
                ui.colored_label(ui.visuals().error_fg_color, e.as_str());
            }
        });
    runs_and_more(ui, c, s);
}

/// Everything under the problem: the runs, step sizes, oracles, IHVP knobs, start and speed.
fn runs_and_more(ui: &mut egui::Ui, c: &mut Controls<'_>, s: &mut PlaygroundState) {
    c.heading(ui, "Runs");
    for i in 0..4 {
        let run = &mut s.runs[i];
        c.row(ui, RUN_IDS[i], |ui| {
            ui.horizontal(|ui| {
                let on = ui.checkbox(&mut run.on, ["(a)", "(b)", "(c)", "(d)"][i]);
                let algo = AlgoKind::ALL
                    .iter()
                    .find(|(k, _, _)| *k == run.algorithm)
                    .map_or("?", |(_, n, _)| n);
                egui::ComboBox::from_id_salt(("playground-algo", i))
                    .selected_text(algo)
                    .width(150.0)
                    .show_ui(ui, |ui| {
                        for &(k, name, hint) in AlgoKind::ALL {
                            ui.selectable_value(&mut run.algorithm, k, name)
                                .on_hover_text(hint);
                        }
                    })
                    .response
                    .labelled_by(on.id);
                if run.algorithm.uses_ihvp() {
                    egui::ComboBox::from_id_salt(("playground-ihvp", i))
                        .selected_text(run.ihvp.label())
                        .width(80.0)
                        .show_ui(ui, |ui| {
                            for method in Method::ALL {
                                ui.selectable_value(&mut run.ihvp, method, method.label())
                                    .on_hover_text(method.about().summary);
                            }
                        })
                        .response
                        .labelled_by(on.id);
                }
            })
        });
    }
    c.heading(ui, "Step sizes");
    c.f64(
        ui,
        "outer-lr",
        &mut s.outer_lr,
        range::LR,
        Param::new("η", "outer step", "x ← x − η · direction", true),
    );
    c.f64(
        ui,
        "inner-lr",
        &mut s.inner_lr,
        range::LR,
        Param::new("β", "inner step", "y ← y − β ∇_y g", true),
    );
    c.usize(
        ui,
        "inner-steps",
        &mut s.inner_steps,
        range::INNER_STEPS,
        Param::new(
            "K",
            "inner steps",
            "per outer step (double loop, alternating, unrolled, penalty)",
            true,
        ),
    );
    c.f64(
        ui,
        "outer-decay",
        &mut s.outer_decay,
        range::DECAY,
        Param::new("a", "TTSA outer decay", "η_k = η / (k + 1)^a", false),
    );
    c.f64(
        ui,
        "inner-decay",
        &mut s.inner_decay,
        range::DECAY,
        Param::new("b", "TTSA inner decay", "β_k = β / (k + 1)^b", false),
    );
    c.f64(
        ui,
        "momentum",
        &mut s.eta,
        range::ETA,
        Param::new(
            "",
            "momentum weight",
            "d ← (1 − w) d + w · new direction",
            false,
        ),
    );
    c.f64(
        ui,
        "radius",
        &mut s.radius,
        range::RADIUS,
        Param::new(
            "R",
            "projection radius (0: off)",
            "TTSA, STABLE: x ← P_Θ(x), Θ = {‖x‖ ≤ R}",
            false,
        ),
    );
    c.f64(
        ui,
        "tau",
        &mut s.tau,
        range::TAU,
        Param::new(
            "τ",
            "STABLE variance reduction (0: off)",
            "H_k = (1 − τ)(H_{k−1} − ∇²g(x_{k−1}; ξ_k)) + ∇²g(x_k; ξ_k)",
            false,
        ),
    );
    c.f64(
        ui,
        "rho",
        &mut s.rho,
        range::RHO,
        Param::new("ρ", "penalty weight", "f + ρ (g − min g)", true),
    );
    c.f64(
        ui,
        "a1",
        &mut s.a1,
        range::PENALTY_A,
        Param::new(
            "a₁",
            "penalty slack",
            "ν̃ = min_z (g + a₁‖z‖²/2) + a₂ (lecture Eq. 26)",
            false,
        ),
    );
    c.f64(
        ui,
        "a2",
        &mut s.a2,
        range::PENALTY_A,
        Param::new(
            "a₂",
            "penalty offset",
            "ν̃ = min_z (g + a₁‖z‖²/2) + a₂",
            false,
        ),
    );
    c.f64(
        ui,
        "dual-lr",
        &mut s.dual_lr,
        range::LR,
        Param::new(
            "η_ρ",
            "multiplier step",
            "primal–dual: ρ ← max{0, ρ + η_ρ (g − ν̃)} (lecture Eq. 29)",
            true,
        ),
    );
    c.row(ui, "unroll", |ui| {
        ui.horizontal(|ui| {
            ui.label("unrolled:");
            ui.selectable_value(&mut s.unroll, Mode::Reverse, "reverse mode")
                .on_hover_text(
                    "back-propagate through the K inner steps (one pass per outer step)",
                );
            ui.selectable_value(&mut s.unroll, Mode::Forward, "forward mode")
                .on_hover_text("carry dy/dx through the K inner steps (n tangents)");
        })
    });
    c.heading(ui, "Oracles");
    c.check(
        ui,
        "stochastic",
        &mut s.stochastic,
        (
            "stochastic gradients and HVPs",
            "every derivative a fresh sample: minibatches on ridge HPO and hyper-cleaning, Gaussian \
             noise σ/√batch elsewhere; curves against oracle calls",
        ),
    );
    if s.stochastic {
        c.f64(
            ui,
            "sigma",
            &mut s.sigma,
            range::SIGMA,
            Param::new(
                "σ",
                "noise",
                "per entry, one sample (not on data problems)",
                false,
            ),
        );
        c.usize(
            ui,
            "batch",
            &mut s.batch,
            range::BATCH,
            Param::new(
                "B",
                "batch",
                "samples per oracle call: σ/√B, or B data points",
                true,
            ),
        );
        c.usize(
            ui,
            "seeds",
            &mut s.seeds,
            range::SEEDS,
            Param::new("", "seeds per run", "mean curve and 10–90% band", false),
        );
    }
    c.heading(ui, "IHVP");
    c.f64(
        ui,
        "alpha",
        &mut s.alpha,
        range::ALPHA,
        Param::new("α", "ridge", "(∇²_yy g + αI)⁻¹ ∇_y f", false),
    );
    c.usize(
        ui,
        "rank",
        &mut s.rank,
        (1, 64),
        Param::new("q", "Nyström rank", "columns of ∇²_yy g sampled", false),
    );
    c.usize(
        ui,
        "iters",
        &mut s.iters,
        range::ITERS,
        Param::new("k", "iterations", "CG, Neumann, Lanczos", true),
    );
    c.f64(
        ui,
        "neumann-step",
        &mut s.neumann_step,
        range::STEP,
        Param::new("", "Neumann step", "v = η Σ (I − η(H + αI))^j b", true),
    );
    c.row(ui, "columns", |ui| {
        nystrom_columns_ui(ui, &mut s.sampling, &mut s.columns);
    });
    c.f64(
        ui,
        "clip",
        &mut s.clip,
        range::CLIP,
        Param::new(
            "",
            "clip (0: off)",
            "‖correction‖ ≤ clip · ‖∇_x f‖ (BLPO Sec. 6), double loop",
            false,
        ),
    );
    c.drag(ui, "seed", &mut s.seed, ("seed", 0..=u32::MAX as u64));
    c.heading(ui, "Start and speed");
    for ((id, symbol, what), start) in [("x0", "x₀", "start of x"), ("y0", "y₀", "start of y")]
        .into_iter()
        .zip(&mut s.start)
    {
        let param = Param::new(symbol, what, "every coordinate", false);
        c.f64(ui, id, start, range::START, param);
    }
    c.usize(
        ui,
        "steps-per-frame",
        &mut s.steps_per_frame,
        range::STEPS_PER_FRAME,
        Param::new("", "steps per frame", "while playing", true),
    );
    c.usize(
        ui,
        "stop-at",
        &mut s.stop_at,
        range::STOP_AT,
        Param::new("", "stop at step", "Play stops here", true),
    );
}
