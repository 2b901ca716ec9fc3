//! The IHVP lab's histogram section: the batch's error histograms, one per method of the study.

use crate::app::Look;
use crate::app::widgets::histogram::{Series, histogram_ui};
use crate::numerics::ihvp::study_run::StudyRun;

/// The batch's histograms, one per method of the study, `height` points high, with how to read them (not on a
/// `stage`: the lesson's text says it).
pub fn section_ui(ui: &mut egui::Ui, run: &StudyRun, look: Look, (height, stage): (f32, bool)) {
    let stats = run.stats();
    let series: Vec<Series<'_>> = run
        .methods
        .iter()
        .zip(&run.errors)
        .zip(&stats)
        .map(|((spec, errors), stats)| {
            let (name, s) = super::label(spec);
            Series {
                name,
                color: look.color(s),
                errors,
                stats,
            }
        })
        .collect();
    histogram_ui(
        ui,
        ("ihvp-histogram", "Hessians"),
        &series,
        height,
        look.line_width(),
    );
    if stage {
        return;
    }
    ui.label(
        "Bars: how many Hessians reach each error. Solid line: median; dashed: mean (pulled right by \
         the worst cases).",
    );
    for line in reading(run) {
        crate::app::widgets::math::label(ui, &line);
    }
}

/// Which setting produces which tail: the batch's own Nyström and CG settings in words, and the Figure 2
/// finding they bear on (pinned by `scenario::ihvp_study::tests::blpo_figure_2_under_the_codes_settings`).
fn reading(run: &StudyRun) -> Vec<String> {
    use crate::numerics::ihvp::nystrom::NystromVariant;
    use crate::numerics::ihvp::spec::{Draw, IhvpSpec};
    let mut lines = Vec::new();
    use crate::numerics::ihvp::study_run::Family;
    // The Figure 2 reading belongs to the small-network batches it was measured on.
    let networks = matches!(run.family, Family::Networks(_));
    if let Some(IhvpSpec::Nystrom { variant, draw, .. }) = run
        .methods
        .iter()
        .find(|m| matches!(m, IhvpSpec::Nystrom { .. }))
        .filter(|_| networks)
    {
        let core = match variant {
            NystromVariant::Paper => "the undamped core W + C^T C/α (Hataya & Yamada)",
            NystromVariant::Damped => "the damped core W + I + C^T C/α (BLPO's code)",
            NystromVariant::Pinv => "W⁺ (BLPO's definition of H_q)",
        };
        let columns = match draw {
            Draw::Fresh => "fresh columns for every Hessian",
            Draw::Fixed => "the same columns for every Hessian (one seed, as BLPO's code)",
        };
        lines.push(format!(
            "Nyström here: {core}, {columns}. On the BLPO Figure 2 batch (α = 50) the heavy tail (largest \
             error ≈ 60) comes with the undamped core and fresh columns; BLPO's damped core with fixed \
             columns stays below 0.04 — compare the two Figure 2 presets."
        ));
    }
    let guards: Vec<bool> = run
        .methods
        .iter()
        .filter_map(|m| match m {
            IhvpSpec::Cg { guard, .. } => Some(*guard),
            _ => None,
        })
        .collect();
    if guards.contains(&true) && guards.contains(&false) {
        lines.push(if run.indefinite == 0 {
            format!(
                "H + αI is positive definite for all {} Hessians: the curvature guard never acts and the \
                 two CGs coincide.",
                run.done()
            )
        } else {
            format!(
                "H + αI is indefinite for {} of {}: there the guarded CG stops at the first negative \
                 curvature, and CG without the guard (as JAX and SciPy run it) steps through it — its \
                 tail is where the blow-ups show.",
                run.indefinite,
                run.done()
            )
        });
    }
    lines
}
