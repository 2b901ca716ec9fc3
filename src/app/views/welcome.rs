//! The landing tab: what bilevel-lab is and how to use it in class.

use crate::app::{View, ViewCtx};

/// Landing page.
pub struct Welcome {
    /// The built-in lessons' titles and step counts, read once.
    lessons: Vec<(String, usize)>,
}

impl Default for Welcome {
    fn default() -> Self {
        Self {
            lessons: crate::lesson::built_in()
                .into_iter()
                .map(|l| (l.title, l.steps.len()))
                .collect(),
        }
    }
}

impl View for Welcome {
    fn anchor(&self) -> &'static str {
        "welcome"
    }

    fn title(&self) -> &'static str {
        "Welcome"
    }

    fn reset(&mut self) {}

    fn ui(&mut self, ui: &mut egui::Ui, _ctx: &mut ViewCtx<'_>) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.set_max_width(760.0);
            ui.heading("bilevel-lab");
            ui.label(
                "Watch bilevel optimization happen. A leader chooses x knowing that a follower answers with \
                 its best response y*(x); the leader's true gradient — the hypergradient — needs the \
                 follower's inverse Hessian applied to a vector (an IHVP).",
            );
            ui.add_space(8.0);
            ui.strong("Using it in class");
            for line in [
                "Pick a view in the top bar. The URL follows the view, so a link reopens exactly what you see.",
                "Projector mode (top bar) enlarges text and thickens lines for the back of the hall.",
                "Reset view puts the current view back to its defaults.",
                "The status bar shows what computes: WebGPU/Vulkan on a GPU, or the CPU fallback and why.",
            ] {
                ui.label(format!("•  {line}"));
            }
            ui.add_space(8.0);
            ui.strong("Views");
            for line in [
                "Stackelberg game — the one-step actor–critic game of BLPO Fig. 1: simultaneous and \
                 two-timescale play circle the equilibrium, Stackelberg play (with the implicit correction) \
                 walks to it. Four panels in lockstep, convergence maps on the GPU, every term of a step.",
                "IHVP lab — how accurate are Nyström, CG, Neumann and Lanczos on a batch of Hessians of \
                 small networks or synthetic spectra (BLPO Fig. 2)? Histograms, error vs cost, spectra, a \
                 Nyström close-up and a regime map of who wins.",
                "Bilevel playground — one bilevel problem (the Nash ≠ Stackelberg toy, ridge HPO, hyper-cleaning, \
                 LancBiO's problem, a quadratic you edit) and up to four algorithms side by side, each with \
                 its IHVP method; every IFT term of a step.",
                "Bilevel RL — a gridworld or random soft MDP: the leader sets the reward, the follower plays \
                 the soft-optimal policy. Seven algorithms side by side, a cost budget, φ on the GPU.",
                "Compute — the GPU backend, its self-check against the CPU, and a batch test you can size.",
            ] {
                ui.label(format!("•  {line}"));
            }
            ui.add_space(8.0);
            ui.strong("Lessons");
            ui.label(format!(
                "{} lessons walk a class through these views, each step a link with a question and the \
                 numbers it claims, every claim checked by the test suite. They are lesson files in \
                 assets/lessons/ (format: docs/lessons.md); the lesson mode that presents them here is \
                 being built next.",
                self.lessons.len()
            ));
            for (title, steps) in &self.lessons {
                ui.label(format!("•  {title} ({steps} steps)"));
            }
        });
    }
}
