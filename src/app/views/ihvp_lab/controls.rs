//! The IHVP lab's side panel: presets, the Hessian family (with the paste box for the user's own matrix),
//! α and every method's knobs. Every slider carries its formula.

use crate::app::widgets::{Param, nystrom_columns_ui, param_f64, param_usize, preset_picker};
use crate::numerics::ihvp::nystrom::NystromVariant;
use crate::numerics::nets::Curvature;
use crate::scenario::ihvp_lab::{FamilyKind, IhvpLabState, parse_pasted, presets, range};

/// The state's own matrix as the JSON the paste box takes.
pub fn pasted_text(s: &IhvpLabState) -> String {
    serde_json::json!({"hessian": s.matrix, "rhs": s.rhs}).to_string()
}

fn plain(symbol: &'static str, what: &'static str, formula: &'static str) -> Param<'static> {
    Param::new(symbol, what, formula, false)
}

fn log(symbol: &'static str, what: &'static str, formula: &'static str) -> Param<'static> {
    Param::new(symbol, what, formula, true)
}

pub fn controls_ui(
    ui: &mut egui::Ui,
    s: &mut IhvpLabState,
    paste: &mut String,
    paste_error: &mut Option<String>,
) {
    if preset_picker(ui, "ihvp-preset", presets(), s) {
        *paste = pasted_text(s);
        *paste_error = None;
    }
    ui.separator();
    ui.strong("Hessians");
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(&mut s.family, FamilyKind::Networks, "small networks")
            .on_hover_text(
                "tanh MLPs trained on their own regression sets; H of the training loss",
            );
        ui.selectable_value(&mut s.family, FamilyKind::Spectrum, "synthetic spectrum")
            .on_hover_text(
                "a bulk of small eigenvalues and a few large outliers in a random basis",
            );
        ui.selectable_value(&mut s.family, FamilyKind::Given, "your own matrix")
            .on_hover_text("paste JSON {\"hessian\": [[…]], \"rhs\": […]}");
    });
    let (label, hint) = if s.family == FamilyKind::Given {
        ("Nyström draws", "the one matrix under N column draws")
    } else {
        ("Hessians", "batch size (BLPO Fig. 2: 100 networks)")
    };
    param_usize(ui, &mut s.size, range::SIZE, log("N", label, hint));
    match s.family {
        FamilyKind::Networks => {
            param_usize(
                ui,
                &mut s.inputs,
                range::INPUTS,
                plain("d", "inputs", "network d–h–1"),
            );
            param_usize(
                ui,
                &mut s.hidden,
                range::HIDDEN,
                plain("h", "hidden units", "p = h·d + 2h + 1 parameters"),
            );
            ui.horizontal(|ui| {
                ui.selectable_value(&mut s.hessian, Curvature::Full, "full Hessian")
                    .on_hover_text("exact Hessian of the training loss (typically indefinite)");
                ui.selectable_value(&mut s.hessian, Curvature::GaussNewton, "Gauss–Newton")
                    .on_hover_text("J^T J / N: positive semi-definite, rank ≤ N = 32 samples");
            });
        }
        FamilyKind::Spectrum => {
            param_usize(
                ui,
                &mut s.dim,
                range::DIM,
                plain("p", "dimension", "H is p × p"),
            );
            let max_out = s.dim;
            param_usize(
                ui,
                &mut s.outliers,
                (0, max_out),
                plain("", "outliers", "eigenvalues log-spaced in [0.1, 1]"),
            );
            param_f64(
                ui,
                &mut s.condition,
                range::CONDITION,
                log("κ", "condition", "bulk in [1/κ, 10/κ]"),
            );
            param_f64(
                ui,
                &mut s.negative_share,
                (0.0, 1.0),
                plain("", "negative share", "share of the bulk negated"),
            );
        }
        FamilyKind::Given => given_ui(ui, s, paste, paste_error),
    }
    ui.horizontal(|ui| {
        let label = ui.label("seed");
        ui.add(egui::DragValue::new(&mut s.seed).range(0..=u32::MAX as u64))
            .labelled_by(label.id);
    });
    ui.separator();
    methods_ui(ui, s);
}

/// The paste box of the user's own matrix; applied only when it checks out.
fn given_ui(
    ui: &mut egui::Ui,
    s: &mut IhvpLabState,
    paste: &mut String,
    paste_error: &mut Option<String>,
) {
    ui.label(format!("Using a {0} × {0} matrix.", s.matrix.len()));
    let edit = ui.add(
        egui::TextEdit::multiline(paste)
            .desired_rows(4)
            .desired_width(f32::INFINITY)
            .font(egui::TextStyle::Monospace)
            .hint_text("{\"hessian\": [[2, 1], [1, 3]], \"rhs\": [1, 0]}"),
    );
    let apply = ui.button("Use this matrix").on_hover_text(
        "checks the JSON: square, symmetric, finite, at most 128 × 128, rhs to match",
    );
    if apply.clicked() || (edit.lost_focus() && edit.changed()) {
        match parse_pasted(paste) {
            Ok((matrix, rhs)) => {
                s.matrix = matrix;
                s.rhs = rhs;
                s.rank = s.rank.min(s.matrix.len());
                *paste_error = None;
            }
            Err(e) => *paste_error = Some(e),
        }
    }
    if let Some(e) = paste_error {
        ui.colored_label(ui.visuals().error_fg_color, e.as_str());
    }
}

fn methods_ui(ui: &mut egui::Ui, s: &mut IhvpLabState) {
    ui.strong("Methods");
    param_f64(
        ui,
        &mut s.alpha,
        range::ALPHA,
        log("α", "ridge", "v = (H + αI)⁻¹ b for every method"),
    );
    let p = s.dim();
    param_usize(
        ui,
        &mut s.rank,
        (1, p),
        plain(
            "q",
            "Nyström rank",
            "H ≈ C W⁻¹ C^T from q columns, then Woodbury",
        ),
    );
    nystrom_columns_ui(ui, &mut s.sampling, &mut s.columns);
    ui.horizontal(|ui| {
        for (v, name, hint) in [
            (
                NystromVariant::Paper,
                "paper",
                "W + C^T C / α (Hataya & Yamada)",
            ),
            (
                NystromVariant::Damped,
                "damped",
                "W + I + C^T C / α (BLPO's JAX code)",
            ),
            (
                NystromVariant::Pinv,
                "pinv",
                "W⁺ (BLPO's definition of H_q)",
            ),
        ] {
            ui.selectable_value(&mut s.variant, v, name)
                .on_hover_text(hint);
        }
    });
    param_usize(
        ui,
        &mut s.cg_iters,
        range::ITERS,
        log("k", "CG iterations", "one HVP each"),
    );
    param_usize(
        ui,
        &mut s.neumann_terms,
        range::ITERS,
        log("", "Neumann terms", "v = η Σ_j (I − η(H + αI))^j b"),
    );
    param_f64(
        ui,
        &mut s.neumann_step,
        range::STEP,
        log("η", "Neumann step", "converges when η < 2/λ_max(H + αI)"),
    );
    param_usize(
        ui,
        &mut s.lanczos_steps,
        range::ITERS,
        log("k", "Lanczos steps", "v = ‖b‖ Q_k T_k⁻¹ e₁"),
    );
    ui.checkbox(&mut s.identity, "also identity b/α")
        .on_hover_text("Lorraine et al.'s baseline: no curvature at all");
    ui.checkbox(&mut s.pcg, "also Nyström-PCG")
        .on_hover_text("CG preconditioned by the rank-q Nyström approximation; q + k HVPs");
    ui.checkbox(&mut s.stochastic_neumann, "also stochastic Neumann")
        .on_hover_text(
            "BSA's estimator: ηQ ∏ (I − η(H + αI)) b at a random depth p < Q (Q = Neumann terms), \
             unbiased for the Q-term series",
        );
    ui.checkbox(&mut s.cg_unguarded, "also CG without the guard")
        .on_hover_text(
            "CG that steps through negative curvature d^T(H + αI)d < 0, as JAX's and SciPy's cg do; \
             the CG above stops there",
        );
}
