//! "Explain this update": every term of Algorithm 2 for the last minibatch of the shown learner's last
//! update (seed 0), with its numbers and the equation it comes from (seed 000, Sec. 5–6).

use crate::app::{Look, format};
use crate::numerics::control::blpo::Terms;
use crate::numerics::control::learner::Name;
use crate::numerics::control::lockstep::Seeds;
use crate::scenario::control_lab::ControlLabState;

pub fn explain_ui(ui: &mut egui::Ui, state: &ControlLabState, seeds: &Seeds, look: Look) {
    egui::CollapsingHeader::new("Explain this update")
        .id_salt("control-explain")
        .default_open(false)
        .show(ui, |ui| {
            let lines = match (seeds.algorithm.blpo(), &seeds.last) {
                (None, _) => ppo_lines(state),
                (Some(c), Some(t)) => blpo_lines(state, seeds.algorithm.name(), c, t),
                (_, None) => vec!["No update yet: press Step.".to_owned()],
            };
            for line in lines {
                let size = if look.projector { 17.0 } else { 14.0 };
                let color = ui.visuals().text_color();
                ui.label(crate::app::widgets::math::job(
                    &line,
                    egui::FontId::proportional(size),
                    color,
                ));
            }
        });
}

fn ppo_lines(s: &ControlLabState) -> Vec<String> {
    let p = &s.ppo;
    vec![
        format!(
            "PPO, one update: a rollout of {} environments × {} steps, then {} epochs × {} minibatches.",
            p.envs, p.steps, p.epochs, p.minibatches
        ),
        format!(
            "Each minibatch: one Adam step (step {}{}) on the clipped surrogate (ε = {}) − {} · entropy + {} · value loss, {}.",
            format::num(p.lr),
            annealed(p.anneal),
            p.clip,
            p.entropy,
            p.value,
            clipped(p.max_grad_norm)
        ),
        "Actor and critic move together: no nested critic, no hypergradient — the simultaneous play of Fig. 1."
            .to_owned(),
    ]
}

fn blpo_lines(
    s: &ControlLabState,
    name: Name,
    c: &crate::numerics::control::blpo::BlpoConfig,
    t: &Terms,
) -> Vec<String> {
    let authors = !c.form.ppo_actor();
    let actor_clip = if authors {
        "not clipped".to_owned()
    } else {
        clipped(s.ppo.max_grad_norm)
    };
    let mut lines = vec![
        format!("Form: {} — {}.", c.form.label(), c.form.about()),
        format!(
            "1. Critic (Eq. 11): K_ω = {} Adam steps (lr {}{}, {}) on L(ω) = mean (V_ω(s) − R)² over {} → L = {} on this minibatch.",
            c.critic_steps,
            format::num(c.critic_lr),
            match (authors, s.ppo.anneal) {
                (true, true) =>
                    ", annealed as the authors' file counts it: 0 after 1/K_ω of the run, then negative",
                _ => ", constant",
            },
            if authors {
                "not clipped".to_owned()
            } else {
                clipped(s.ppo.max_grad_norm)
            },
            if authors {
                "the minibatch"
            } else {
                "the whole rollout"
            },
            format::num(t.critic_loss)
        ),
        format!(
            "2. Actor loss J(θ, ω): clipped surrogate with advantages by GAE from V_ω{} → ‖∇_θJ‖ = {}, ‖∇_ωJ‖ = {}.",
            if authors {
                ", not normalised, no entropy bonus"
            } else {
                ", normalised, with the entropy bonus"
            },
            format::num(t.grad_norm),
            format::num(t.grad_omega_norm)
        ),
    ];
    if name == Name::Nested {
        lines.push(format!(
            "3–5. Nesting alone: no implicit term; the actor follows ∇_θJ (Adam, {actor_clip})."
        ));
        return lines;
    }
    let solver = if name == Name::Blpo {
        format!(
            "Nyström, rank q = {} ({} columns)",
            c.rank,
            if c.fixed_columns { "fixed" } else { "fresh" }
        )
    } else {
        format!("CG, at most {} iterations", c.cg_iters)
    };
    lines.push(format!(
        "3. IHVP (Eq. 9): v = (∇²_ωL + ρI)⁻¹ ∇_ωJ, ρ = {}, by {solver}: ‖v‖ = {}, {} Hessian–vector products.",
        format::num(c.rho),
        format::num(t.ihvp_norm),
        t.hvps
    ));
    if t.top_eigenvalue.is_finite() {
        lines.push(format!(
            "   Measured: top eigenvalue of ∇²_ωL {}, condition of ∇²_ωL + ρI {}, error of v against the exact IHVP {}.",
            format::num(t.top_eigenvalue),
            if t.condition > 0.0 {
                format::num(t.condition)
            } else {
                "— indefinite".to_owned()
            },
            format::error(t.ihvp_error)
        ));
    }
    let cap = c.bound * t.grad_norm;
    lines.push(format!(
        "4. Mixed term (Cor. 5.4): ‖∇_θω L · v‖ = {} = {} × ‖∇_θJ‖.",
        format::num(t.correction_ratio * t.grad_norm),
        format::num(t.correction_ratio)
    ));
    lines.push(format!(
        "5. Clip (Sec. 6): ‖correction‖ ≤ {} × ‖∇_θJ‖ = {} → {}; the actor steps along ∇_θJ − correction: \
         cos(∇_θJ, direction) = {}. Actor: Adam, step {}{}, {actor_clip}.",
        c.bound,
        format::num(cap),
        if t.clipped { "clipped" } else { "not clipped" },
        format::num(t.cosine),
        format::num(s.ppo.lr),
        annealed(s.ppo.anneal)
    ));
    lines
}

fn annealed(anneal: bool) -> &'static str {
    if anneal {
        " annealed linearly to 0 at the last update"
    } else {
        ", constant"
    }
}

/// How a gradient is clipped to the global norm (0: not at all).
fn clipped(max_grad_norm: f64) -> String {
    if max_grad_norm > 0.0 {
        format!(
            "the gradient clipped to norm {}",
            format::num(max_grad_norm)
        )
    } else {
        "the gradient not clipped".to_owned()
    }
}
