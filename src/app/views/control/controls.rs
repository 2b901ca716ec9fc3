//! The Control view's side panel: presets; the task; the four learners, each with its own BLPO settings
//! (K_ω, critic step, q, ρ, the clip bound, CG's cap, columns, measuring the Hessian); the seeds; PPO's
//! shared settings (actor step, entropy, rollout, epochs, networks); where to stop.

use super::SLOT_COLORS;
use crate::app::widgets::{Param, param_f64, param_usize, preset_picker};
use crate::numerics::control::blpo::{Form, Ihvp};
use crate::numerics::control::envs::EnvKind;
use crate::numerics::control::learner::Name;
use crate::scenario::control_lab::{ControlLabState, LearnerSlot, presets, range};

pub fn controls_ui(ui: &mut egui::Ui, s: &mut ControlLabState) {
    preset_picker(ui, "control-preset", presets(), s);
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong("Task");
        for env in [
            EnvKind::Cartpole,
            EnvKind::Acrobot,
            EnvKind::InvertedPendulum,
            EnvKind::InvertedDoublePendulum,
        ] {
            ui.selectable_value(&mut s.env, env, env.label());
        }
    });
    ui.separator();
    ui.strong("Learners");
    for (k, slot) in s.learners.iter_mut().enumerate() {
        learner_ui(ui, k, slot);
    }
    ui.separator();
    ui.strong("Seeds");
    param_usize(
        ui,
        &mut s.seeds,
        range::SEEDS,
        Param::new(
            "N",
            "seeds per learner",
            "every learner trains on seeds s, s + 1, …, s + N − 1",
            false,
        ),
    );
    ui.horizontal(|ui| {
        let label = ui.label("first seed s");
        ui.add(egui::DragValue::new(&mut s.seed).range(0..=u32::MAX as u64))
            .labelled_by(label.id);
    });
    ui.separator();
    ppo_ui(ui, s);
    ui.separator();
    param_usize(
        ui,
        &mut s.stop_at,
        range::STOP_AT,
        Param::new(
            "",
            "updates",
            "Play stops here; the actor's step anneals to 0 there",
            true,
        ),
    );
    ui.label(format!(
        "= {} environment steps per seed",
        crate::app::format::count(s.total_steps())
    ));
}

fn learner_ui(ui: &mut egui::Ui, k: usize, slot: &mut LearnerSlot) {
    ui.horizontal(|ui| {
        ui.checkbox(&mut slot.on, format!("{}", k + 1));
        let label = ui.label("learner");
        egui::ComboBox::from_id_salt(("control-learner", k))
            .selected_text(
                egui::RichText::new(slot.name.label()).color(look_of(ui).color(SLOT_COLORS[k])),
            )
            .show_ui(ui, |ui| {
                for name in Name::ALL {
                    ui.selectable_value(&mut slot.name, name, name.label())
                        .on_hover_text(name.rule());
                }
            })
            .response
            .labelled_by(label.id);
    });
    if !slot.on || slot.name == Name::Ppo {
        return;
    }
    egui::CollapsingHeader::new(format!("settings of learner {}", k + 1))
        .id_salt(("control-learner-settings", k))
        .show(ui, |ui| {
            let c = &mut slot.blpo;
            param_usize(
                ui,
                &mut c.critic_steps,
                range::CRITIC_STEPS,
                Param::new("K_ω", "critic steps", "nested Adam steps on L(ω) per minibatch (Eq. 11)", false),
            );
            param_f64(
                ui,
                &mut c.critic_lr,
                range::CRITIC_LR,
                Param::new("", "critic step", "ω ← Adam(ω, ∇_ωL, lr)", true),
            );
            ui.horizontal(|ui| {
                let label = ui.label("form");
                egui::ComboBox::from_id_salt(("control-form", k))
                    .selected_text(c.form.label())
                    .show_ui(ui, |ui| {
                        for form in Form::ALL {
                            ui.selectable_value(&mut c.form, form, form.label())
                                .on_hover_text(form.about());
                        }
                    })
                    .response
                    .labelled_by(label.id);
            });
            if slot.name == Name::Nested {
                return;
            }
            param_f64(
                ui,
                &mut c.rho,
                range::RHO,
                Param::new("ρ", "ridge", "v = (∇²_ωL + ρI)⁻¹ ∇_ωJ (Eq. 9)", true),
            );
            if slot.name == Name::Blpo {
                param_usize(
                    ui,
                    &mut c.rank,
                    range::RANK,
                    Param::new("q", "Nyström rank", "columns of ∇²_ωL sampled", false),
                );
                ui.checkbox(&mut c.fixed_columns, "fixed columns")
                    .on_hover_text("the authors' code draws the columns once; off: fresh columns per minibatch");
                let mut pcg = c.ihvp == Ihvp::NystromPcg;
                ui.checkbox(&mut pcg, "Nyström-preconditioned CG (Fig. 4)").on_hover_text(
                    "the authors' nystrom_preconditioned_cg.py: CG on ∇²_ωL + I/ρ, preconditioned by the Nyström \
                     inverse, at most the CG cap's iterations (the file: 10)",
                );
                c.ihvp = if pcg { Ihvp::NystromPcg } else { Ihvp::Nystrom };
            }
            if slot.name == Name::BlpoCg || c.ihvp == Ihvp::NystromPcg {
                param_usize(
                    ui,
                    &mut c.cg_iters,
                    range::CG_ITERS,
                    Param::new("", "CG iterations", "at most (footnote 7: 50)", false),
                );
            }
            param_f64(
                ui,
                &mut c.bound,
                range::BOUND,
                Param::new(
                    "",
                    "clip bound",
                    "‖∇_θω L·v‖ ≤ bound · ‖∇_θJ‖ (Sec. 6); 0: no clip",
                    false,
                ),
            );
            ui.checkbox(&mut c.diagnose, "measure the Hessian")
                .on_hover_text("every minibatch: 30 Lanczos steps and an exact IHVP (CG to 1e−12) — slower");
        });
}

/// The look the panel is drawn in (the slot colours follow light and dark mode).
fn look_of(ui: &egui::Ui) -> crate::app::Look {
    crate::app::Look {
        dark: ui.visuals().dark_mode,
        projector: false,
    }
}

fn ppo_ui(ui: &mut egui::Ui, s: &mut ControlLabState) {
    ui.strong("PPO skeleton (every learner)");
    let p = &mut s.ppo;
    param_f64(
        ui,
        &mut p.lr,
        range::ACTOR_LR,
        Param::new(
            "",
            "actor step",
            "Adam, annealed linearly to 0 (PPO: actor and critic)",
            true,
        ),
    );
    param_f64(
        ui,
        &mut p.entropy,
        range::ENTROPY,
        Param::new(
            "",
            "entropy weight",
            "J = −surrogate − weight · entropy",
            false,
        ),
    );
    param_usize(
        ui,
        &mut p.steps,
        range::ROLLOUT,
        Param::new(
            "T",
            "rollout length",
            "steps per environment per update",
            true,
        ),
    );
    param_usize(
        ui,
        &mut p.envs,
        range::ENVS,
        Param::new(
            "",
            "environments",
            "per seed; BLPO: one minibatch each",
            false,
        ),
    );
    param_usize(
        ui,
        &mut p.epochs,
        range::EPOCHS,
        Param::new("", "epochs", "passes over the rollout per update", false),
    );
    param_usize(
        ui,
        &mut p.minibatches,
        range::MINIBATCHES,
        Param::new("", "minibatches (PPO)", "per epoch", false),
    );
    param_usize(
        ui,
        &mut p.hidden,
        range::HIDDEN,
        Param::new(
            "",
            "hidden units",
            "two tanh layers, actor and critic",
            true,
        ),
    );
}
