//! The IHVP lab (issue 5; BLPO Sec. 3, Figure 2): how accurate are Nyström, CG, Neumann and Lanczos (and
//! identity, Nyström-PCG) on a batch of Hessians — small networks, synthetic spectra or the user's own
//! matrix? The float64 study is filled in over frames (a few Hessians per frame), then the same batch runs
//! through the f32 GPU kernels (or their twins). Sections: histograms with the statistics the paper's
//! figure reads, error against HVP count, the spectrum, one Nyström draw up close, and a regime map over
//! α × budget. Every sweep is time-sliced; nothing blocks a frame. State: [`IhvpLabState`] (URL hash).

mod closeup;
mod controls;
mod cost;
mod histogram;
mod regimes;
mod spectrum;
mod table;

use web_time::Instant;

use crate::budget::work_until;

use crate::app::stage::{Part, Stage, Staging};
use crate::app::{Series, View, ViewCtx, format};
use crate::gpu::ihvp_f32::F32Batch;
use crate::numerics::ihvp::spec::IhvpSpec;
use crate::numerics::ihvp::study_run::StudyRun;
use crate::numerics::ihvp::sweep::Sweep;
use crate::scenario::ihvp_lab::{IhvpLabState, Section};
use crate::scenario::query::{Validate as _, from_query};

/// A method's name in the view and its color series (the same colors in every view).
pub fn label(spec: &IhvpSpec) -> (&'static str, Series) {
    let method = spec.method();
    (method.label(), Series::Ihvp(method))
}

/// Steps a sweep within the frame's budget (`work_until`); true while it has work left.
fn step_until(sweep: &mut Sweep, deadline: Instant) -> bool {
    !sweep.finished()
        && work_until(deadline, || {
            sweep.step();
            !sweep.finished()
        })
}

/// The view.
pub struct IhvpLabView {
    state: IhvpLabState,
    run: StudyRun,
    /// The last complete batch (with its f32 batch and seconds), shown while a new one fills in.
    previous: Option<(StudyRun, Option<F32Batch>, f64)>,
    /// The same batch in f32 on the GPU kernels (or their twins), once the float64 study is complete.
    f32s: Option<F32Batch>,
    /// Seconds spent on the float64 batch so far.
    seconds: f64,
    cost: Option<Sweep>,
    regimes: Option<Sweep>,
    closeup: Option<closeup::Closeup>,
    /// The paste box of the `given` family and its last error.
    paste: crate::app::widgets::Paste,
}

/// The study a state asks for; its error is the pasted matrix's (which `validate` reports).
fn study(state: &IhvpLabState) -> Result<StudyRun, String> {
    Ok(StudyRun::new(
        state.family()?,
        state.seed,
        state.size,
        state.alpha,
        state.methods(),
    ))
}

impl Default for IhvpLabView {
    fn default() -> Self {
        let state = IhvpLabState::default();
        let run = match study(&state) {
            Ok(run) => run,
            Err(e) => {
                unreachable!("the default state (trained networks) always builds its study: {e}")
            }
        };
        Self {
            run,
            previous: None,
            f32s: None,
            seconds: 0.0,
            cost: None,
            regimes: None,
            closeup: None,
            paste: crate::app::widgets::Paste {
                text: controls::pasted_text(&state),
                error: None,
            },
            state,
        }
    }
}

impl View for IhvpLabView {
    crate::app::playback::view_state!(links IhvpLabState, "IHVP lab");

    fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
        self.state = from_query(query)?;
        self.paste.text = controls::pasted_text(&self.state);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        self.frame(ui, ctx, &[self.state.section]);
        crate::app::widgets::controls_and_results(
            ui,
            ("ihvp-controls", self, ctx),
            |ui, v, c| controls::controls_ui(ui, c, &mut v.state, &mut v.paste),
            |ui, v, ctx| v.results_ui(ui, ctx),
        );
    }

    fn default_parts(&self) -> &'static [&'static str] {
        let i = SECTION_PARTS
            .iter()
            .position(|(s, _)| *s == self.state.section)
            .unwrap_or(0);
        std::slice::from_ref(&SECTION_PARTS[i].1)
    }

    fn stage_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>, stage: &mut Stage) {
        stage.controls_ui(ui, &STAGING, ctx.report, |ui, c| {
            controls::controls_ui(ui, c, &mut self.state, &mut self.paste);
        });
        let sections: Vec<Section> = stage
            .parts()
            .iter()
            .filter_map(|p| {
                SECTION_PARTS
                    .iter()
                    .find(|(_, id)| id == p)
                    .map(|(s, _)| *s)
            })
            .collect();
        if let Some(&first) = sections.first() {
            self.state.section = first;
        }
        self.frame(ui, ctx, &sections);
        let look = ctx.look;
        stage.parts_ui(ui, &STAGING, |ui, id| {
            // The figure's words are the lesson's: the plots take the part, less a line of progress.
            let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
            let h = (ui.available_height() - 2.0 * line).max(40.0);
            match id {
                "histogram" => histogram::section_ui(ui, self.shown_run(), look, (h, true)),
                "error-vs-cost" => {
                    cost::section_ui(ui, self.cost.as_ref(), &self.run, look, (h, true));
                }
                "spectrum" => {
                    spectrum::section_ui(ui, &self.run, &mut self.state, look, (h - line, true));
                }
                "closeup" => {
                    closeup::section_ui(
                        ui,
                        self.closeup.as_ref(),
                        &self.run,
                        &mut self.state,
                        look,
                    );
                }
                _ => {
                    let fit = (look, h - 3.0 * line, true);
                    regimes::section_ui(ui, self.regimes.as_ref(), fit, ctx.report);
                }
            }
        });
    }
}

/// The histograms' height in the view (points).
const HISTOGRAM_HEIGHT: f32 = 320.0;

/// Each section's stage part.
const SECTION_PARTS: [(Section, &str); 5] = [
    (Section::Histograms, "histogram"),
    (Section::Cost, "error-vs-cost"),
    (Section::Regimes, "regimes"),
    (Section::Spectrum, "spectrum"),
    (Section::Closeup, "closeup"),
];

/// The view's stage: the shown section's figure (`default_parts`); α, Nyström's rank, CG's iterations.
const STAGING: Staging = Staging {
    parts: &[
        Part::flex("histogram", 0.9, 3.0),
        Part::flex("error-vs-cost", 0.9, 3.0),
        Part::flex("regimes", 0.9, 3.5),
        Part::flex("spectrum", 0.9, 4.0),
        Part::flex("closeup", 1.2, 3.5),
    ],
    default_parts: &["histogram"],
    default_controls: &["alpha", "rank", "cg-iters"],
};

impl IhvpLabView {
    /// A frame's work: the float64 batch, then its f32 run, the sweeps of `sections`; the numbers reported.
    fn frame(&mut self, ui: &egui::Ui, ctx: &mut ViewCtx<'_>, sections: &[Section]) {
        let deadline = ctx.deadline;
        self.advance(ui, deadline);
        if self.run.finished() {
            let f32s = self
                .f32s
                .get_or_insert_with(|| F32Batch::start(&self.run, ctx.runtime));
            if f32s.poll(ctx.runtime, deadline) {
                ui.ctx().request_repaint();
            }
            let done = f32s
                .results
                .iter()
                .filter(|r| matches!(r, Ok(Some(_))))
                .count();
            ctx.report.value("f32_done", done);
            let ran_on: Vec<&str> = f32s
                .results
                .iter()
                .map(|r| match r {
                    Ok(Some(r)) if r.ran_on == crate::gpu::Ran::Gpu => "gpu",
                    Ok(Some(_)) => "cpu",
                    Ok(None) => "pending",
                    Err(_) => "none",
                })
                .collect();
            ctx.report.value("f32_ran_on", ran_on);
            for &section in sections {
                if self.sections_step(deadline, section) {
                    ui.ctx().request_repaint();
                }
            }
            if let Some((done, all)) = self.section_progress() {
                ctx.report.value("sweep_done", done);
                ctx.report.value("sweep_all", all);
            }
        }
        ctx.report.value("done", self.run.done());
        ctx.report.value("size", self.run.size);
        ctx.report.value("diverged", self.run.diverged);
        if self.run.finished() {
            // Each method's median and largest relative error over the batch (tests and lessons read
            // them; two Nyström or CG variants never share a name: the lab shows one of each).
            let (mut median, mut max) = (serde_json::Map::new(), serde_json::Map::new());
            for (spec, stats) in self.run.methods.iter().zip(self.run.stats()) {
                median.insert(spec.name().to_owned(), stats.median.into());
                max.insert(spec.name().to_owned(), stats.max.into());
            }
            ctx.report.value("median_error", median);
            ctx.report.value("max_error", max);
        }
        ctx.report
            .value("section", format!("{:?}", self.state.section));
        let showing_previous = self.previous.is_some() && !self.run.finished();
        ctx.report.value("showing_previous", showing_previous);
    }

    /// Restarts on a settings change; scores Hessians until `deadline`.
    fn advance(&mut self, ui: &egui::Ui, deadline: Instant) {
        self.state.instance = self.state.instance.min(self.state.size.saturating_sub(1));
        // An invalid state (its error is shown above the results) keeps the last study.
        let Ok(fresh) = self.state.validate().and_then(|()| study(&self.state)) else {
            return;
        };
        if fresh.family != self.run.family
            || fresh.methods != self.run.methods
            || (fresh.seed, fresh.size, fresh.alpha)
                != (self.run.seed, self.run.size, self.run.alpha)
        {
            let old = std::mem::replace(&mut self.run, fresh);
            if old.finished() {
                self.previous = Some((old, self.f32s.take(), self.seconds));
            }
            self.f32s = None;
            self.seconds = 0.0;
            self.cost = None;
            self.regimes = None;
            self.closeup = None;
        }
        let began = Instant::now();
        if !self.run.finished() {
            work_until(deadline, || {
                self.run.step();
                !self.run.finished()
            });
        }
        if !self.run.finished() {
            self.seconds += began.elapsed().as_secs_f64();
            ui.ctx().request_repaint();
        } else if self.seconds == 0.0 {
            self.seconds = began.elapsed().as_secs_f64().max(1e-6);
        }
    }

    /// The batch the histograms show: the last complete one until the new one is done.
    fn shown_run(&self) -> &StudyRun {
        match &self.previous {
            Some((previous, _, _)) if !self.run.finished() => previous,
            _ => &self.run,
        }
    }

    /// Advances a section's sweep (started when first shown); true while it has work left.
    fn sections_step(&mut self, deadline: Instant, section: Section) -> bool {
        match section {
            Section::Histograms | Section::Spectrum => false,
            Section::Cost => {
                let sweep = self
                    .cost
                    .get_or_insert_with(|| cost::sweep(&self.run, &self.state));
                step_until(sweep, deadline)
            }
            Section::Regimes => {
                let sweep = self
                    .regimes
                    .get_or_insert_with(|| regimes::sweep(&self.run, &self.state));
                step_until(sweep, deadline)
            }
            Section::Closeup => {
                let i = self.state.instance.min(self.run.done().saturating_sub(1));
                let spec = &self.run.methods[0];
                if !self
                    .closeup
                    .as_ref()
                    .is_some_and(|c| c.is_for(i, spec, self.run.alpha))
                {
                    self.closeup = closeup::Closeup::new(&self.run, i);
                }
                self.closeup.as_mut().is_some_and(|c| c.step(deadline))
            }
        }
    }

    /// (work done, work in all) of the shown section's sweep, if it has one.
    fn section_progress(&self) -> Option<(usize, usize)> {
        match self.state.section {
            Section::Histograms | Section::Spectrum => None,
            Section::Cost => self.cost.as_ref().map(Sweep::progress),
            Section::Regimes => self.regimes.as_ref().map(Sweep::progress),
            Section::Closeup => self.closeup.as_ref().map(closeup::Closeup::progress),
        }
    }

    fn results_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        let p = self.state.dim();
        if let Err(why) = self.state.validate() {
            ui.colored_label(ctx.look.error_color(), why);
            return;
        }
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
            if self.run.diverged > 0 {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!(
                        "training diverged for {} of {} networks (non-finite weights; lower lr): \
                         their errors are ∞",
                        self.run.diverged,
                        self.run.done()
                    ),
                );
            }
        });
        ui.horizontal(|ui| {
            for (section, name, hint) in Section::ALL {
                let tab = ui
                    .selectable_value(&mut self.state.section, section, name)
                    .on_hover_text(hint);
                ctx.report.control(
                    match section {
                        Section::Histograms => "section-histograms",
                        Section::Cost => "section-cost",
                        Section::Spectrum => "section-spectrum",
                        Section::Closeup => "section-closeup",
                        Section::Regimes => "section-regimes",
                    },
                    &tab,
                );
            }
        });
        ui.separator();
        let look = ctx.look;
        match self.state.section {
            Section::Histograms => match &self.previous {
                // The last complete batch stays up until the new one is done.
                Some((previous, f32s, seconds)) if !self.run.finished() => {
                    ui.label(format!(
                        "Showing the previous settings' batch until the new one is complete ({} of {}).",
                        self.run.done(),
                        self.run.size
                    ));
                    histogram::section_ui(ui, previous, look, (HISTOGRAM_HEIGHT, false));
                    ui.add_space(6.0);
                    table::stats_ui(ui, previous, f32s.as_ref(), *seconds, look);
                }
                _ => {
                    histogram::section_ui(ui, &self.run, look, (HISTOGRAM_HEIGHT, false));
                    ui.add_space(6.0);
                    table::stats_ui(ui, &self.run, self.f32s.as_ref(), self.seconds, look);
                }
            },
            Section::Cost => {
                cost::section_ui(ui, self.cost.as_ref(), &self.run, look, (360.0, false));
            }
            Section::Spectrum => {
                spectrum::section_ui(ui, &self.run, &mut self.state, look, (300.0, false));
            }
            Section::Closeup => {
                closeup::section_ui(ui, self.closeup.as_ref(), &self.run, &mut self.state, look);
            }
            Section::Regimes => {
                let fit = (look, 13.0 * 22.0 + 16.0, false);
                regimes::section_ui(ui, self.regimes.as_ref(), fit, ctx.report);
            }
        }
    }
}

/// "Hessian #" picker shared by the spectrum and the close-up (1-based on screen).
fn instance_picker(ui: &mut egui::Ui, instance: &mut usize, done: usize) {
    ui.horizontal(|ui| {
        let label = ui.label("Hessian #");
        let mut shown = *instance + 1;
        ui.add(egui::DragValue::new(&mut shown).range(1..=done.max(1)))
            .labelled_by(label.id);
        *instance = shown.saturating_sub(1);
        ui.label(format!("of {done}"));
    });
}
