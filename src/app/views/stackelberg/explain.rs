//! The update rules written out, and "explain this step": every term of the selected panel's next step
//! with its numbers.

use crate::app::format::num;
use crate::numerics::games::actor_critic::{Dynamics, GameParams, StepTerms};

/// The rules of the deterministic game (and the stochastic estimates when that variant is on).
pub fn rules_ui(ui: &mut egui::Ui, stochastic: bool) {
    let mono = |ui: &mut egui::Ui, s: &str| {
        ui.label(egui::RichText::new(s).monospace());
    };
    if stochastic {
        ui.label("Stochastic actor: a = tanh(μ + ε), ε ~ N(0, 1); the derivatives below are averages over the step's samples.");
        mono(ui, "f₁ = E[w·a] + β·H(π_μ)      f₂ = E[(w·a + a²)²]");
        mono(ui, "∂μf₁ ≈ w(1 − a²) − 2βa   ∂wf₁ ≈ a   ∂wf₂ ≈ 2a(wa + a²)");
        mono(ui, "∂²wwf₂ ≈ 2a²   ∂²μwf₂ ≈ (4wa + 6a²)(1 − a²)");
    } else {
        mono(
            ui,
            "f₁(θ, w) = θw (actor maximizes)   f₂(θ, w) = (θw + θ²/5)² (critic minimizes)",
        );
        mono(
            ui,
            "∂θf₁ = w   ∂wf₁ = θ   ∂wf₂ = 2θ(θw + θ²/5)   ∂²wwf₂ = 2θ²   ∂²θwf₂ = 4θw + 1.2θ²",
        );
    }
    mono(
        ui,
        "critic:        w ← w − δ₂ ∂wf₂        (K warm-started steps when nested)",
    );
    mono(ui, "simultaneous:  θ ← θ + δ₁ ∂θf₁");
    mono(
        ui,
        "Stackelberg:   θ ← θ + δ₁ [∂θf₁ − ∂²θwf₂ (∂²wwf₂ + λ)⁻¹ ∂wf₁]",
    );
    ui.label("At λ = 0 the deterministic correction θ²(4w + 1.2θ)/(2θ²) is used in its cancelled form 2w + 0.6θ, exact wherever θ ≠ 0 and its limit at θ = 0.");
}

/// The terms of one step, as a grid of formula · numbers · value.
pub fn step_ui(ui: &mut egui::Ui, step: usize, p: &GameParams, t: &StepTerms) {
    let (theta, w) = t.start;
    let d = &t.at;
    ui.label(format!("From step {step} to step {}:", step + 1));
    egui::Grid::new("explain-step")
        .num_columns(3)
        .spacing([14.0, 3.0])
        .striped(true)
        .show(ui, |ui| {
            let mut row = |what: &str, formula: String, value: f64| {
                ui.label(what);
                ui.strong(num(value));
                let font = egui::TextStyle::Monospace.resolve(ui.style());
                let color = ui.visuals().text_color();
                ui.label(crate::app::widgets::math::job(&formula, font, color));
                ui.end_row();
            };
            row("actor θ", "θ".into(), theta);
            row("critic w", "w".into(), w);
            if p.critic_steps > 1 {
                row(
                    "critic the actor sees",
                    format!("w after K = {} steps of w ← w − δ₂∂wf₂", p.critic_steps),
                    t.critic_seen,
                );
            }
            row("direct gradient", "∂θf₁".into(), d.d_theta_f1);
            if p.dynamics == Dynamics::Stackelberg {
                let cancelled =
                    d.cancelled_implicit.is_some() && (p.reg == 0.0 || d.d_ww_f2 + p.reg == 0.0);
                let formula = if cancelled {
                    "2w + 0.6θ  (cancelled form, λ = 0)".to_owned()
                } else {
                    format!(
                        "∂²θwf₂/(∂²wwf₂ + λ)·∂wf₁ = {}/({} + {})·{}",
                        num(d.d_theta_w_f2),
                        num(d.d_ww_f2),
                        num(p.reg),
                        num(d.d_w_f1)
                    )
                };
                row("implicit correction", formula, t.implicit);
            }
            row(
                "actor direction",
                "∂θf₁ − correction".into(),
                t.actor_direction,
            );
            row(
                "actor step Δθ",
                format!("δ₁ · direction, δ₁ = {}", num(p.actor_lr)),
                p.actor_lr * t.actor_direction,
            );
            row(
                "critic gradient",
                "∂wf₂ (first critic step)".into(),
                t.first_critic_gradient,
            );
            row(
                "critic step Δw",
                format!("w_next − w, δ₂ = {}", num(p.critic_lr)),
                t.next.1 - w,
            );
            row("next θ", "θ + Δθ".into(), t.next.0);
            row("next w", "w + Δw".into(), t.next.1);
        });
}
