//! The IHVP lab (issue 5; BLPO Sec. 3, Figure 2): how accurate are Nyström, CG, Neumann and Lanczos on a
//! batch of Hessians — small networks or synthetic spectra? Histograms of the relative error against the
//! exact (H + αI)⁻¹b in float64, filled in over frames (a few Hessians per frame), with the statistics the
//! paper's figure reads. State: [`IhvpLabState`] (URL hash).

mod gpu;
mod histogram;

use std::time::Duration;

use web_time::Instant;

use crate::app::widgets::{Param, param_f64, param_usize};
use crate::app::{Series, View, ViewCtx, format};
use crate::numerics::ihvp::nystrom::NystromVariant;
use crate::numerics::ihvp::spec::Sampling;
use crate::numerics::ihvp::study_run::StudyRun;
use crate::numerics::nets::Curvature;
use crate::scenario::ihvp_lab::{FamilyKind, IhvpLabState, range};
use crate::scenario::query::{from_query, to_query};

/// Work per frame; the rest waits for the next frame.
const STEP_BUDGET: Duration = Duration::from_millis(12);
const METHODS: [(&str, Series); 4] = [
    ("Nyström", Series::Nystrom),
    ("CG", Series::Cg),
    ("Neumann", Series::Neumann),
    ("Lanczos", Series::Lanczos),
];

/// The view.
pub struct IhvpLabView {
    state: IhvpLabState,
    run: StudyRun,
    /// The same batch in f32 on the GPU kernels (or their twins), once the float64 study is complete.
    f32s: Option<gpu::F32Batch>,
    /// Time spent on the batch so far.
    seconds: f64,
}

fn study(state: &IhvpLabState) -> StudyRun {
    StudyRun::new(
        state.family(),
        state.seed,
        state.size,
        state.alpha,
        state.methods(),
    )
}

impl Default for IhvpLabView {
    fn default() -> Self {
        let state = IhvpLabState::default();
        Self {
            run: study(&state),
            f32s: None,
            state,
            seconds: 0.0,
        }
    }
}

impl View for IhvpLabView {
    fn anchor(&self) -> &'static str {
        "ihvp"
    }

    fn title(&self) -> &'static str {
        "IHVP lab"
    }

    fn reset(&mut self) {
        *self = Self::default();
    }

    fn to_query(&self) -> Vec<(String, String)> {
        to_query(&self.state)
    }

    fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
        self.state = from_query(query)?;
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        self.advance(ui);
        if self.run.finished() {
            let f32s = self
                .f32s
                .get_or_insert_with(|| gpu::F32Batch::start(&self.run, ctx.runtime));
            if f32s.poll(ctx.runtime) {
                ui.ctx().request_repaint();
            }
            let done = f32s
                .results
                .iter()
                .filter(|r| matches!(r, Ok(Some(_))))
                .count();
            ctx.report.value("f32_done", done);
        }
        ctx.report.value("done", self.run.done());
        ctx.report.value("size", self.run.size);
        egui::Panel::left("ihvp-controls")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| controls_ui(ui, &mut self.state));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.results_ui(ui, ctx));
        });
    }
}

impl IhvpLabView {
    /// Restarts on a settings change; scores Hessians within the frame budget.
    fn advance(&mut self, ui: &egui::Ui) {
        let fresh = study(&self.state);
        if fresh.family != self.run.family
            || fresh.methods != self.run.methods
            || (fresh.seed, fresh.size, fresh.alpha)
                != (self.run.seed, self.run.size, self.run.alpha)
        {
            self.run = fresh;
            self.f32s = None;
            self.seconds = 0.0;
        }
        let began = Instant::now();
        while !self.run.finished() && began.elapsed() < STEP_BUDGET {
            self.run.step();
        }
        if !self.run.finished() {
            self.seconds += began.elapsed().as_secs_f64();
            ui.ctx().request_repaint();
        } else if self.seconds == 0.0 {
            self.seconds = began.elapsed().as_secs_f64().max(1e-6);
        }
    }

    fn results_ui(&self, ui: &mut egui::Ui, ctx: &ViewCtx<'_>) {
        let look = ctx.look;
        let p = self.state.dim();
        ui.horizontal_wrapped(|ui| {
            ui.strong(format!(
                "{} of {} Hessians (p = {p}), α = {}",
                self.run.done(),
                self.run.size,
                format::num(self.state.alpha)
            ));
            if !self.run.finished() {
                ui.spinner();
            }
            ui.separator();
            ui.label(format!(
                "H + αI indefinite in {} of {}",
                self.run.indefinite,
                self.run.done()
            ))
            .on_hover_text("A negative eigenvalue of H + αI: CG and Neumann lose their guarantees");
            ui.separator();
            ui.label("float64 on the CPU")
                .on_hover_text(format!("{:.2} s of compute so far", self.seconds));
        });
        let stats = self.run.stats();
        let series: Vec<histogram::Series<'_>> = METHODS
            .iter()
            .zip(&self.run.errors)
            .zip(&stats)
            .map(|(((name, s), errors), stats)| histogram::Series {
                name,
                color: look.color(*s),
                errors,
                stats,
            })
            .collect();
        histogram::histogram_ui(ui, &series, 320.0, look.line_width());
        ui.label("Bars: how many Hessians reach each error. Solid line: median; dashed: mean (pulled right by the worst cases).");
        ui.add_space(6.0);
        self.stats_ui(ui, ctx, &stats);
    }

    fn stats_ui(
        &self,
        ui: &mut egui::Ui,
        ctx: &ViewCtx<'_>,
        stats: &[crate::numerics::ihvp::study::ErrorStats],
    ) {
        let look = ctx.look;
        egui::Grid::new("ihvp-stats")
            .num_columns(9)
            .striped(true)
            .spacing([18.0, 4.0])
            .show(ui, |ui| {
                for h in ["method", "mean", "median", "q25", "q75", "max", "error > 1"] {
                    ui.strong(h);
                }
                ui.strong("f32 median").on_hover_text(
                    "The same method in f32 — the batched WGSL kernel on the GPU, or its CPU twin — \
                     against the exact float64 solve: where f32 itself limits the accuracy",
                );
                ui.strong("f32 ran on");
                ui.end_row();
                for (m, ((name, s), st)) in METHODS.iter().zip(stats).enumerate() {
                    ui.colored_label(look.color(*s), *name);
                    for v in [st.mean, st.median, st.q25, st.q75, st.max] {
                        ui.label(format::num(v));
                    }
                    ui.label(format!("{:.0}%", 100.0 * st.frac_above_1));
                    match self.f32s.as_ref().and_then(|f| f.results.get(m)) {
                        None => {
                            ui.label("after float64");
                            ui.label("");
                        }
                        Some(Ok(None)) => {
                            ui.spinner();
                            ui.label("");
                        }
                        Some(Ok(Some(r))) => {
                            ui.label(format::num(r.stats.median));
                            let on = if r.ran_on == crate::gpu::Ran::Gpu { "GPU" } else { "CPU twin" };
                            ui.label(on).on_hover_text(format!("{:.3} s for the batch", r.seconds));
                        }
                        Some(Err(why)) => {
                            ui.label("–").on_hover_text(why);
                            ui.label("");
                        }
                    }
                    ui.end_row();
                }
            });
    }
}

fn controls_ui(ui: &mut egui::Ui, s: &mut IhvpLabState) {
    ui.strong("Hessians");
    ui.horizontal(|ui| {
        ui.selectable_value(&mut s.family, FamilyKind::Networks, "small networks")
            .on_hover_text(
                "tanh MLPs trained on their own regression sets; H of the training loss",
            );
        ui.selectable_value(&mut s.family, FamilyKind::Spectrum, "synthetic spectrum")
            .on_hover_text(
                "a bulk of small eigenvalues and a few large outliers in a random basis",
            );
    });
    let plain = |symbol, what, formula| Param {
        symbol,
        what,
        unit: "",
        formula,
        log: false,
    };
    let log = |symbol, what, formula| Param {
        symbol,
        what,
        unit: "",
        formula,
        log: true,
    };
    param_usize(
        ui,
        &mut s.size,
        range::SIZE,
        log("N", "Hessians", "batch size (BLPO Fig. 2: 100 networks)"),
    );
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
                    .on_hover_text("JᵀJ/N: positive semi-definite");
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
    }
    ui.horizontal(|ui| {
        let label = ui.label("seed");
        ui.add(egui::DragValue::new(&mut s.seed).range(0..=u32::MAX as u64))
            .labelled_by(label.id);
    });
    ui.separator();
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
            "H ≈ C W⁻¹ Cᵀ from q columns, then Woodbury",
        ),
    );
    ui.horizontal(|ui| {
        ui.selectable_value(&mut s.sampling, Sampling::Uniform, "uniform columns");
        ui.selectable_value(&mut s.sampling, Sampling::Diagonal, "∝ diag²")
            .on_hover_text("columns drawn with probability ∝ H_jj² (BLPO Thm 4.6)");
    });
    ui.horizontal(|ui| {
        for (v, name, hint) in [
            (
                NystromVariant::Paper,
                "paper",
                "W + CᵀC/α (Hataya & Yamada)",
            ),
            (
                NystromVariant::Damped,
                "damped",
                "W + I + CᵀC/α (BLPO's JAX code)",
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
        log("", "Neumann terms", "v = η Σⱼ (I − η(H + αI))ʲ b"),
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
}
