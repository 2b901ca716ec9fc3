//! The Control view's side panel: presets; the task; the four learners, each with its own BLPO settings
//! (K_ω, critic step, q, ρ, the clip bound, CG's cap, columns, measuring the Hessian); the seeds; PPO's
//! shared settings (actor step, entropy, rollout, epochs, networks); where to stop.

use super::SLOT_COLORS;
use crate::app::stage::Controls;
use crate::app::widgets::{Param, param_f64, param_usize, preset_picker};
use crate::numerics::control::blpo::{Form, Ihvp};
use crate::numerics::control::envs::EnvKind;
use crate::numerics::control::learner::Name;
use crate::scenario::control_lab::{ControlLabState, LearnerSlot, presets, range};

/// The learners' rows' ids.
const LEARNER_IDS: [&str; 4] = ["learner-0", "learner-1", "learner-2", "learner-3"];

/// The controls `c` shows, each published under its id: `preset`, `task`, `learner-0`…`learner-3` (each
/// learner's own settings fold under its row in the full panel), `seeds`, `seed`, PPO's (`actor-lr`,
/// `entropy`, `rollout`, `envs`, `epochs`, `minibatches`, `hidden`) and `stop-at`.
pub fn controls_ui(ui: &mut egui::Ui, c: &mut Controls<'_>, s: &mut ControlLabState) {
    c.row(ui, "preset", |ui| {
        preset_picker(ui, "control-preset", presets(), s)
    });
    c.heading(ui, "Task");
    c.row(ui, "task", |ui| {
        ui.horizontal(|ui| {
            for env in [
                EnvKind::Cartpole,
                EnvKind::Acrobot,
                EnvKind::InvertedPendulum,
                EnvKind::InvertedDoublePendulum,
            ] {
                ui.selectable_value(&mut s.env, env, env.label());
            }
        })
    });
    c.heading(ui, "Learners");
    for (k, slot) in s.learners.iter_mut().enumerate() {
        c.row(ui, LEARNER_IDS[k], |ui| learner_row_ui(ui, k, slot));
        if c.full() {
            learner_settings_ui(ui, k, slot);
        }
    }
    c.heading(ui, "Seeds");
    c.usize(
        ui,
        "seeds",
        &mut s.seeds,
        range::SEEDS,
        Param::new(
            "N",
            "seeds per learner",
            "every learner trains on seeds s, s + 1, …, s + N − 1",
            false,
        ),
    );
    c.drag(
        ui,
        "seed",
        &mut s.seed,
        ("first seed s", 0..=u32::MAX as u64),
    );
    ppo_ui(ui, c, s);
    c.heading(ui, "Length");
    c.usize(
        ui,
        "stop-at",
        &mut s.stop_at,
        range::STOP_AT,
        Param::new(
            "",
            "updates",
            "Play stops here; the actor's step anneals to 0 there",
            true,
        ),
    );
    if c.full() {
        ui.label(format!(
            "= {} environment steps per seed",
            crate::app::format::count(s.total_steps())
        ));
    }
}

/// Learner `k`'s row: on or off, and which learner.
fn learner_row_ui(ui: &mut egui::Ui, k: usize, slot: &mut LearnerSlot) {
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
}

/// Learner `k`'s own settings (BLPO's and the nested critic's), folded under its row.
fn learner_settings_ui(ui: &mut egui::Ui, k: usize, slot: &mut LearnerSlot) {
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

fn ppo_ui(ui: &mut egui::Ui, c: &mut Controls<'_>, s: &mut ControlLabState) {
    c.heading(ui, "PPO skeleton (every learner)");
    let p = &mut s.ppo;
    c.f64(
        ui,
        "actor-lr",
        &mut p.lr,
        range::ACTOR_LR,
        Param::new(
            "",
            "actor step",
            "Adam, annealed linearly to 0 (PPO: actor and critic)",
            true,
        ),
    );
    c.f64(
        ui,
        "entropy",
        &mut p.entropy,
        range::ENTROPY,
        Param::new(
            "",
            "entropy weight",
            "J = −surrogate − weight · entropy",
            false,
        ),
    );
    c.usize(
        ui,
        "rollout",
        &mut p.steps,
        range::ROLLOUT,
        Param::new(
            "T",
            "rollout length",
            "steps per environment per update",
            true,
        ),
    );
    c.usize(
        ui,
        "envs",
        &mut p.envs,
        range::ENVS,
        Param::new(
            "",
            "environments",
            "per seed; BLPO: one minibatch each",
            false,
        ),
    );
    c.usize(
        ui,
        "epochs",
        &mut p.epochs,
        range::EPOCHS,
        Param::new("", "epochs", "passes over the rollout per update", false),
    );
    c.usize(
        ui,
        "minibatches",
        &mut p.minibatches,
        range::MINIBATCHES,
        Param::new("", "minibatches (PPO)", "per epoch", false),
    );
    c.usize(
        ui,
        "hidden",
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
