//! The landing page: the lessons as cards, one click into each seed figure the app reproduces, and what
//! each view is for.

use serde::Serialize;
use serde_json::json;

use super::lesson::{Entry, step_link};
use crate::app::{View, ViewCtx, ViewReport};
use crate::scenario::anchor::Anchor;
use crate::scenario::presets::{Preset, named};
use crate::scenario::query::to_query;
use crate::scenario::{ihvp_lab, playground, soft_rl, stackelberg};

/// Published ids of the lesson cards' buttons and the figures' buttons, in order.
const CARD_IDS: [&str; 12] = [
    "lesson-card-0",
    "lesson-card-1",
    "lesson-card-2",
    "lesson-card-3",
    "lesson-card-4",
    "lesson-card-5",
    "lesson-card-6",
    "lesson-card-7",
    "lesson-card-8",
    "lesson-card-9",
    "lesson-card-10",
    "lesson-card-11",
];
const FIGURE_IDS: [&str; 8] = [
    "figure-0", "figure-1", "figure-2", "figure-3", "figure-4", "figure-5", "figure-6", "figure-7",
];

/// A seed figure the app reproduces: its name, what to look for, and the link that shows it.
pub struct Figure {
    pub title: &'static str,
    pub look_for: &'static str,
    pub link: String,
}

/// The link of the preset whose name starts with `name` (a test checks each one exists).
fn preset_link<S: Serialize>(
    anchor: &str,
    presets: Result<&[Preset<S>], &str>,
    name: &str,
) -> String {
    presets.ok().and_then(|list| named(list, name)).map_or_else(
        || format!("#{anchor}"),
        |p| Anchor::new(anchor, to_query(&p.state)).to_hash(),
    )
}

/// "Figures from the papers", in the order of the seeds.
pub fn figures() -> Vec<Figure> {
    vec![
        Figure {
            title: "BLPO Fig. 1 — the one-step actor–critic game",
            look_for: "Simultaneous and two-timescale play spiral in slowly, the actor crossing θ = 0 on \
                       every turn; the Stackelberg actor, with the implicit correction, comes straight in.",
            link: preset_link("stackelberg", stackelberg::presets(), "Zheng et al. 2022"),
        },
        Figure {
            title: "BLPO Fig. 2 — how accurate is a Nyström IHVP?",
            look_for: "The relative errors of Nyström and CG on the same batch of network Hessians, \
                       at the paper's settings; the regime map says when each wins.",
            link: preset_link("ihvp", ihvp_lab::presets(), "BLPO Figure 2"),
        },
        Figure {
            title: "BLPO Fig. 3 as re-run here",
            look_for: "PPO, BLPO, BLPO-CG and nesting alone on CartPole with main.py's settings, 5 seeds × \
                       500 000 steps recorded natively: return curves with 95% bands, correction ratio \
                       and clip rate, opened in a second.",
            link: "#control?record=cartpole-main-py".to_owned(),
        },
        Figure {
            title: "BLPO Fig. 3 on Acrobot as re-run here",
            look_for: "The same five learners and settings on Acrobot-v1, 5 seeds × 500 000 steps: all end \
                       between −80 and −83, within each other's intervals.",
            link: "#control?record=acrobot-main-py".to_owned(),
        },
        Figure {
            title: "Lecture: Nash ≠ Stackelberg",
            look_for: "Simultaneous play ends at (1, 1); the hypergradient takes the leader to \
                       (1.5, 1.5).",
            link: preset_link("playground", playground::presets(), "Nash ≠ Stackelberg"),
        },
        Figure {
            title: "LancBiO — the synthetic problem",
            look_for: "An ill-conditioned follower: how far CG, Nyström and Lanczos IHVPs carry the \
                       hypergradient.",
            link: "#playground?problem=lancbio".to_owned(),
        },
        Figure {
            title: "M-SoBiRL — the synthetic test as the authors ran it",
            look_for: "Their random MDP at τ = 1 (the script never passes its --tau 0.01): M-SoBiRL \
                       reaches φ = 1 within 1000 steps, as exact descent does.",
            link: preset_link(
                "soft_rl",
                soft_rl::presets(),
                "M-SoBiRL's synthetic test as the authors ran it",
            ),
        },
        Figure {
            title: "CBSO — bilevel RL under a cost budget",
            look_for: "The follower's cost against the budget, and what the constraint does to the \
                       leader's φ.",
            link: preset_link("soft_rl", soft_rl::presets(), "Constrained: a cost budget"),
        },
    ]
}

/// The lessons as cards (title, what it teaches, steps, minutes) with a Start button each; returns the
/// link of the lesson picked.
pub fn lesson_cards(
    ui: &mut egui::Ui,
    lessons: &[Entry],
    report: &mut ViewReport,
) -> Option<String> {
    let columns = ((ui.available_width() / 300.0).floor() as usize).clamp(1, 3);
    let mut picked = None;
    for (row, chunk) in lessons.chunks(columns).enumerate() {
        ui.columns(columns, |cols| {
            for (c, entry) in chunk.iter().enumerate() {
                let ui = &mut cols[c];
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    // `columns` lays out justified, which would stretch the words of every line.
                    ui.with_layout(egui::Layout::top_down(egui::Align::LEFT), |ui| {
                        let l = &entry.lesson;
                        ui.label(egui::RichText::new(&l.title).heading());
                        ui.label(&l.summary);
                        ui.weak(format!(
                            "{} steps · about {} min{}",
                            l.steps.len(),
                            l.minutes,
                            if entry.own { " · your own" } else { "" }
                        ));
                        let start = ui.button("Start ▶");
                        if let Some(&id) = CARD_IDS.get(row * columns + c) {
                            report.control(id, &start);
                        }
                        if start.clicked() {
                            picked = Some(step_link(&l.id, 0));
                        }
                    });
                });
            }
        });
        ui.add_space(6.0);
    }
    picked
}

/// Landing page.
pub struct Welcome {
    lessons: Vec<Entry>,
    figures: Vec<Figure>,
}

impl Default for Welcome {
    fn default() -> Self {
        Self {
            lessons: Entry::built_in(),
            figures: figures(),
        }
    }
}

impl View for Welcome {
    fn anchor(&self) -> &'static str {
        "welcome"
    }

    fn title(&self) -> &'static str {
        "Start"
    }

    fn reset(&mut self) {}

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            // At most 1000 points wide for reading, and never wider than the screen (`set_max_width` sets it).
            ui.set_max_width(ui.available_width().min(1000.0));
            ui.heading("bilevel-lab: watch bilevel optimization happen");
            ui.label(
                "A leader chooses x knowing that a follower answers with its best response y*(x); the \
                 leader's true gradient — the hypergradient — needs the follower's inverse Hessian \
                 applied to a vector (an IHVP). Every view runs live in this page; every link reopens \
                 exactly what you see.",
            );
            ui.add_space(10.0);
            ui.label(egui::RichText::new("Lessons").heading().strong());
            ui.label(
                "Each lesson walks a class through the live views one step at a time: → / PageDown \
                 next, ← / PageUp back, space plays, F full screen. Every number a lesson claims is \
                 checked by the test suite.",
            );
            ui.add_space(4.0);
            if let Some(link) = lesson_cards(ui, &self.lessons, ctx.report) {
                *ctx.navigate = Some(link);
            }
            ui.add_space(10.0);
            ui.label(egui::RichText::new("Figures from the papers").heading().strong());
            // Beside each other where there is room; on a phone the button above its text, so no row is
            // wider than the screen (a wide grid row would widen the page, and every line would be cut).
            let narrow = ui.available_width() < crate::app::widgets::layout::PHONE;
            let mut figure_ui = |ui: &mut egui::Ui, k: usize, figure: &Figure| {
                let open = ui.button(format!("{} ▶", figure.title));
                if let Some(&id) = FIGURE_IDS.get(k) {
                    ctx.report.control(id, &open);
                }
                if open.clicked() {
                    *ctx.navigate = Some(figure.link.clone());
                }
                ui.label(figure.look_for);
            };
            if narrow {
                for (k, figure) in self.figures.iter().enumerate() {
                    figure_ui(ui, k, figure);
                    ui.add_space(6.0);
                }
            } else {
                egui::Grid::new("figures")
                    .num_columns(2)
                    .spacing([12.0, 8.0])
                    .striped(true)
                    .show(ui, |ui| {
                        for (k, figure) in self.figures.iter().enumerate() {
                            figure_ui(ui, k, figure);
                            ui.end_row();
                        }
                    });
            }
            ui.add_space(10.0);
            ui.label(egui::RichText::new("The views").heading().strong());
            for line in [
                "Stackelberg game — the one-step actor–critic game: four panels in lockstep, \
                 convergence maps on the GPU, every term of a step.",
                "IHVP lab — Nyström, CG, Neumann and Lanczos on batches of Hessians: histograms, error \
                 vs cost, spectra, a Nyström close-up, a regime map.",
                "Bilevel playground — one bilevel problem and up to four algorithms side by side, each \
                 with its IHVP method; every IFT term of a step.",
                "Bilevel RL — soft MDPs: the leader sets the reward, the follower plays soft-optimally; \
                 seven algorithms, a cost budget, φ on the GPU.",
                "Control — BLPO Figure 3's learners (PPO, BLPO, BLPO-CG, nesting alone) on CartPole, \
                 Acrobot and Pendulum: return curves with 95% bands, the hypergradient's pieces, the \
                 agent animated; or a run recorded on more seeds than a browser trains in a lecture.",
                "Present (P) puts the open view on the stage: its figure large, a few controls; Esc leaves. \
                 About → Diagnostics: the GPU backend, its self-check against the CPU, a batch test.",
                "Projector (top bar) enlarges everything for the back of the hall; Reset puts a view back \
                 to its defaults.",
            ] {
                ui.label(format!("•  {line}"));
            }
        });
        ctx.report.value("lessons", Entry::list(&self.lessons));
        let figures: Vec<serde_json::Value> = self
            .figures
            .iter()
            .map(|f| json!({"title": f.title, "link": f.link}))
            .collect();
        ctx.report.value("figures", figures);
    }
}
