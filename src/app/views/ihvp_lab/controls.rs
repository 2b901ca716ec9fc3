//! The IHVP lab's side panel: presets, the Hessian family (with the paste box for the user's own matrix),
//! α and every method's knobs. Every slider carries its formula.

use crate::app::stage::Controls;
use crate::app::widgets::{Param, Paste, nystrom_columns_ui, preset_picker};
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

/// The controls `c` shows, each published under its id: `preset`, `family`, `size`, the family's own
/// (`inputs`, `hidden`, `hessian`; `dim`, `outliers`, `condition`, `negative-share`; the paste box of the
/// user's matrix, in the full panel only), `seed`, then the methods' (`methods_ui`).
pub fn controls_ui(
    ui: &mut egui::Ui,
    c: &mut Controls<'_>,
    s: &mut IhvpLabState,
    paste: &mut Paste,
) {
    if c.row(ui, "preset", |ui| {
        preset_picker(ui, "ihvp-preset", presets(), s)
    }) == Some(true)
    {
        paste.text = pasted_text(s);
        paste.error = None;
    }
    c.heading(ui, "Hessians");
    c.row(ui, "family", |ui| {
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
        })
    });
    let (label, hint) = if s.family == FamilyKind::Given {
        ("Nyström draws", "the one matrix under N column draws")
    } else {
        ("Hessians", "batch size (BLPO Fig. 2: 100 networks)")
    };
    c.usize(ui, "size", &mut s.size, range::SIZE, log("N", label, hint));
    match s.family {
        FamilyKind::Networks => {
            c.usize(
                ui,
                "inputs",
                &mut s.inputs,
                range::INPUTS,
                plain("d", "inputs", "network d–h–1"),
            );
            c.usize(
                ui,
                "hidden",
                &mut s.hidden,
                range::HIDDEN,
                plain("h", "hidden units", "p = h·d + 2h + 1 parameters"),
            );
            c.row(ui, "hessian", |ui| {
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut s.hessian, Curvature::Full, "full Hessian")
                        .on_hover_text("exact Hessian of the training loss (typically indefinite)");
                    crate::app::widgets::math::hover(
                        ui.selectable_value(&mut s.hessian, Curvature::GaussNewton, "Gauss–Newton"),
                        "J^T J / N: positive semi-definite, rank ≤ N = 32 samples",
                    );
                })
            });
        }
        FamilyKind::Spectrum => {
            c.usize(
                ui,
                "dim",
                &mut s.dim,
                range::DIM,
                plain("p", "dimension", "H is p × p"),
            );
            let max_out = s.dim;
            c.usize(
                ui,
                "outliers",
                &mut s.outliers,
                (0, max_out),
                plain("", "outliers", "eigenvalues log-spaced in [0.1, 1]"),
            );
            c.f64(
                ui,
                "condition",
                &mut s.condition,
                range::CONDITION,
                log("κ", "condition", "bulk in [1/κ, 10/κ]"),
            );
            c.f64(
                ui,
                "negative-share",
                &mut s.negative_share,
                (0.0, 1.0),
                plain("", "negative share", "share of the bulk negated"),
            );
        }
        FamilyKind::Given if c.full() => given_ui(ui, s, paste),
        FamilyKind::Given => {}
    }
    c.drag(ui, "seed", &mut s.seed, ("seed", 0..=u32::MAX as u64));
    methods_ui(ui, c, s);
}

/// The paste box of the user's own matrix; applied only when it checks out.
fn given_ui(ui: &mut egui::Ui, s: &mut IhvpLabState, paste: &mut Paste) {
    ui.label(format!("Using a {0} × {0} matrix.", s.matrix.len()));
    let edit = ui.add(
        egui::TextEdit::multiline(&mut paste.text)
            .desired_rows(4)
            .desired_width(f32::INFINITY)
            .font(egui::TextStyle::Monospace)
            .hint_text("{\"hessian\": [[2, 1], [1, 3]], \"rhs\": [1, 0]}"),
    );
    let apply = ui.button("Use this matrix").on_hover_text(
        "checks the JSON: square, symmetric, finite, at most 128 × 128, rhs to match",
    );
    if apply.clicked() || (edit.lost_focus() && edit.changed()) {
        match parse_pasted(&paste.text) {
            Ok((matrix, rhs)) => {
                s.matrix = matrix;
                s.rhs = rhs;
                s.rank = s.rank.min(s.matrix.len());
                paste.error = None;
            }
            Err(e) => paste.error = Some(e),
        }
    }
    if let Some(e) = &paste.error {
        ui.colored_label(ui.visuals().error_fg_color, e.as_str());
    }
}

/// The methods' controls: `alpha`, `rank`, `columns`, `variant`, `cg-iters`, `neumann-terms`,
/// `neumann-step`, `lanczos-steps` and the extra methods `identity`, `pcg`, `stochastic-neumann`,
/// `cg-unguarded`.
fn methods_ui(ui: &mut egui::Ui, c: &mut Controls<'_>, s: &mut IhvpLabState) {
    c.heading(ui, "Methods");
    c.f64(
        ui,
        "alpha",
        &mut s.alpha,
        range::ALPHA,
        log("α", "ridge", "v = (H + αI)⁻¹ b for every method"),
    );
    let p = s.dim();
    c.usize(
        ui,
        "rank",
        &mut s.rank,
        (1, p),
        plain(
            "q",
            "Nyström rank",
            "H ≈ C W⁻¹ C^T from q columns, then Woodbury",
        ),
    );
    c.row(ui, "columns", |ui| {
        nystrom_columns_ui(ui, &mut s.sampling, &mut s.columns);
    });
    c.row(ui, "variant", |ui| {
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
                crate::app::widgets::math::hover(
                    ui.selectable_value(&mut s.variant, v, name),
                    hint,
                );
            }
        })
    });
    c.usize(
        ui,
        "cg-iters",
        &mut s.cg_iters,
        range::ITERS,
        log("k", "CG iterations", "one HVP each"),
    );
    c.usize(
        ui,
        "neumann-terms",
        &mut s.neumann_terms,
        range::ITERS,
        log("", "Neumann terms", "v = η Σ_j (I − η(H + αI))^j b"),
    );
    c.f64(
        ui,
        "neumann-step",
        &mut s.neumann_step,
        range::STEP,
        log("η", "Neumann step", "converges when η < 2/λ_max(H + αI)"),
    );
    c.usize(
        ui,
        "lanczos-steps",
        &mut s.lanczos_steps,
        range::ITERS,
        log("k", "Lanczos steps", "v = ‖b‖ Q_k T_k⁻¹ e₁"),
    );
    let extras: [(&'static str, &mut bool, &str, &str); 4] = [
        (
            "identity",
            &mut s.identity,
            "also identity b/α",
            "Lorraine et al.'s baseline: no curvature at all",
        ),
        (
            "pcg",
            &mut s.pcg,
            "also Nyström-PCG",
            "CG preconditioned by the rank-q Nyström approximation; q + k HVPs",
        ),
        (
            "stochastic-neumann",
            &mut s.stochastic_neumann,
            "also stochastic Neumann",
            "BSA's estimator: ηQ ∏ (I − η(H + αI)) b at a random depth p < Q (Q = Neumann terms), \
             unbiased for the Q-term series",
        ),
        (
            "cg-unguarded",
            &mut s.cg_unguarded,
            "also CG without the guard",
            "CG that steps through negative curvature d^T(H + αI)d < 0, as JAX's and SciPy's cg do; \
             the CG above stops there",
        ),
    ];
    for (id, value, text, hint) in extras {
        c.check(ui, id, value, (text, hint));
    }
}
