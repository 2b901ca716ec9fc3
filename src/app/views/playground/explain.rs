//! "Explain this step" for the selected run: each term of the IFT hypergradient
//!   ∇Φ ≈ ∇ₓf − ∇²ₓᵧg (∇²ᵧᵧg + αI)⁻¹ ∇ᵧf        (BLPO Eq. 5–9; lecture 004, AID-BiO)
//! with its numbers at the run's current iterate (x_k, y_k), next to the exact ∇Φ(x_k) at y*(x_k).

use nalgebra::DVector;

use super::{Model, run_color, run_label};
use crate::app::{Look, format};
use crate::numerics::bilevel::lockstep::best_response;
use crate::numerics::bilevel::{InnerHessian, exact_hypergradient, hypergradient_with};
use crate::scenario::playground::PlaygroundState;

/// A vector's first entries, readable: "(0.1234, −2.000, …)" (p entries in all).
fn vector(v: &DVector<f64>) -> String {
    let shown: Vec<String> = v.iter().take(4).map(|&x| format::num(x)).collect();
    if v.len() > 4 {
        format!("({}, … {} entries)", shown.join(", "), v.len())
    } else {
        format!("({})", shown.join(", "))
    }
}

pub fn explain_ui(
    ui: &mut egui::Ui,
    state: &PlaygroundState,
    model: &Model,
    selected: &mut usize,
    look: Look,
) {
    if !model.index.contains(selected) {
        *selected = model.index.first().copied().unwrap_or(0);
    }
    ui.horizontal(|ui| {
        ui.strong("Explain this step for");
        for i in model.slots() {
            let text = egui::RichText::new(run_label(state, i)).color(run_color(look, i));
            ui.selectable_value(selected, i, text);
        }
    });
    // The run's first seed.
    let Some(pos) = model.first_of(*selected) else {
        return;
    };
    let t = &model.lock.runs[pos];
    let problem = model.lock.problem.as_ref();
    let (x, y) = (&t.run.x, &t.run.y);
    let (_, m) = problem.dims();
    let run = &state.runs[*selected];
    egui::Grid::new("playground-explain")
        .num_columns(2)
        .spacing([14.0, 3.0])
        .striped(true)
        .show(ui, |ui| {
            let mut row = |name: &str, value: String| {
                crate::app::widgets::math::label(ui, name);
                ui.monospace(value);
                ui.end_row();
            };
            row("iterate x_k", vector(x));
            row("iterate y_k", vector(y));
            let fx = problem.grad_x_f(x, y);
            let fy = problem.grad_y_f(x, y);
            row("∇_x f(x_k, y_k)", vector(&fx));
            row("∇_y f(x_k, y_k)", vector(&fy));
            if run.algorithm.uses_ihvp() {
                // The draw the run's next IHVP uses (its Nyström columns, when fresh per call).
                let spec = state.ihvp(run.ihvp, m).drawn(t.run.ihvp_calls);
                match spec.solve(&InnerHessian { problem, x, y }, &fy) {
                    Ok(r) => {
                        let (est, _, correction) = hypergradient_with(problem, x, y, &r.v);
                        row(
                            "v = (∇²_yy g + αI)⁻¹∇_y f",
                            format!("{}   [{} HVPs]", vector(&r.v), r.hvp_count),
                        );
                        row("∇²_xy g · v", vector(&correction));
                        row("estimate ∇_x f − ∇²_xy g v", vector(&est));
                    }
                    Err(e) => row("IHVP", format!("failed: {e}")),
                }
            } else {
                row(
                    "direction",
                    format!(
                        "{} (this algorithm does not solve an IHVP)",
                        vector(&t.run.hypergradient)
                    ),
                );
            }
            match best_response(problem, x, y) {
                Some(y_star) => {
                    let (exact, _) = exact_hypergradient(problem, x, &y_star);
                    row("y*(x_k)", vector(&y_star));
                    row("exact ∇Φ(x_k) (at y*)", vector(&exact));
                }
                None => row("y*(x_k)", "the inner solve failed here".to_owned()),
            }
            if let Some(m) = t.metrics.last() {
                row(
                    "last direction's error",
                    format!("{} relative to ∇Φ", format::error(m.direction_error)),
                );
            }
        });
    ui.label(
        "The IFT hypergradient ∇Φ = ∇_x f − ∇²_xy g (∇²_yy g)⁻¹ ∇_y f, evaluated at the run's (x_k, y_k); exact only \
         when y_k = y*(x_k) and the IHVP is exact.",
    );
}
