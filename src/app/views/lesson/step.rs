//! The open step: its live view opened from the step's link, the phases asking → running → done, the
//! presenter keys, and the ring around the control the step focuses on.

use serde_json::Value;

use super::LessonView;
use crate::app::lesson_check as check;
use crate::app::stage::Stage;
use crate::app::{Look, View, ViewCtx, ViewReport};
use crate::lesson::Step;
use crate::platform;

/// A run has ended when the view's numbers have held still this many frames.
pub(super) const STILL_FRAMES: usize = 5;

/// Where the open step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// A question waits for the class; the view is at rest.
    Asking,
    /// The view plays to the step's `run`.
    Running,
    /// The run has ended (or there is none): answers and claims are shown.
    Done,
}

impl Phase {
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Asking => "asking",
            Self::Running => "running",
            Self::Done => "done",
        }
    }
}

/// The open lesson and step, with the step's live view.
pub(super) struct Open {
    pub(super) lesson: usize,
    pub(super) step: usize,
    pub(super) inner: Box<dyn View>,
    pub(super) phase: Phase,
    pub(super) answer: Option<usize>,
    /// The inner view's numbers last frame, and for how many frames they have not changed.
    pub(super) last: Value,
    pub(super) still: usize,
    /// "All controls" is open on the step's stage.
    pub(super) all_controls: bool,
}

/// What a presenter key or a button asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Nav {
    Next,
    Back,
    First,
    Last,
}

impl LessonView {
    pub(super) fn step(&self) -> Option<&Step> {
        let open = self.open.as_ref()?;
        self.lessons[open.lesson].lesson.steps.get(open.step)
    }

    /// Opens step `step` of lesson `lesson`: its view from its link, at rest when it asks a question,
    /// playing to its run otherwise.
    pub(super) fn open_step(&mut self, lesson: usize, step: usize) -> Result<(), String> {
        let s = self.lessons[lesson]
            .lesson
            .steps
            .get(step)
            .ok_or_else(|| format!("step {} does not exist", step + 1))?;
        let asking = s.question.is_some();
        let inner = if asking {
            check::open_view(
                &Step {
                    run: None,
                    ..s.clone()
                },
                self.views,
            )
        } else {
            check::open_view(s, self.views)
        }
        .map_err(|e| format!("step {} ({}): {e}", step + 1, s.title))?;
        let phase = match (asking, s.run) {
            (true, _) => Phase::Asking,
            (false, Some(_)) => Phase::Running,
            (false, None) => Phase::Done,
        };
        self.open = Some(Open {
            lesson,
            step,
            inner,
            phase,
            answer: None,
            last: Value::Null,
            still: 0,
            all_controls: false,
        });
        Ok(())
    }

    /// The open step's stage (its `parts:` and `controls:`, or its view's own), if its view has a figure.
    pub(super) fn stage(&self) -> Option<Stage> {
        let open = self.open.as_ref()?;
        let step = self.step()?;
        let staging = open.inner.staging()?;
        let defaults = (staging, open.inner.default_parts());
        let named = (step.parts.as_slice(), step.controls.as_slice());
        Some(Stage::new(defaults, named, open.all_controls))
    }

    /// Plays the open step to its run (after an answer or the Run button).
    pub(super) fn run(&mut self) {
        let Some(step) = self.step().cloned() else {
            return;
        };
        let Some(open) = self.open.as_mut() else {
            return;
        };
        if open.phase != Phase::Asking {
            return;
        }
        match check::open_view(&step, self.views) {
            Ok(inner) => {
                open.inner = inner;
                open.phase = if step.run.is_some() {
                    Phase::Running
                } else {
                    Phase::Done
                };
                open.still = 0;
            }
            Err(e) => self.message = Some(Err(e)),
        }
    }

    pub(super) fn navigate(&mut self, nav: Nav) {
        let Some(open) = &self.open else {
            return;
        };
        let last = self.lessons[open.lesson]
            .lesson
            .steps
            .len()
            .saturating_sub(1);
        let to = match nav {
            Nav::Next => (open.step + 1).min(last),
            Nav::Back => open.step.saturating_sub(1),
            Nav::First => 0,
            Nav::Last => last,
        };
        if to != open.step {
            let lesson = open.lesson;
            if let Err(e) = self.open_step(lesson, to) {
                self.message = Some(Err(e));
            }
        }
    }

    /// The presenter keys (what a clicker sends, and a keyboard), unless a text field has the keyboard:
    /// → / PageDown next, ← / PageUp back, Home / End first and last, F full screen, Esc leaves it.
    /// Space (play / pause) belongs to the view's own run controls.
    pub(super) fn keys(&mut self, ui: &egui::Ui) {
        if ui.ctx().egui_wants_keyboard_input() || self.handout.is_some() {
            return;
        }
        let pressed = |key| {
            ui.ctx()
                .input_mut(|i| i.consume_key(egui::Modifiers::NONE, key))
        };
        use egui::Key;
        let nav = [
            (Key::ArrowRight, Nav::Next),
            (Key::PageDown, Nav::Next),
            (Key::ArrowLeft, Nav::Back),
            (Key::PageUp, Nav::Back),
            (Key::Home, Nav::First),
            (Key::End, Nav::Last),
        ]
        .into_iter()
        .filter(|&(key, _)| pressed(key))
        .map(|(_, nav)| nav)
        .collect::<Vec<_>>();
        if pressed(Key::F) {
            let on = platform::fullscreen(ui.ctx());
            platform::set_fullscreen(ui.ctx(), !on);
        }
        if pressed(Key::Escape) {
            platform::set_fullscreen(ui.ctx(), false);
        }
        for n in nav {
            self.navigate(n);
        }
    }

    /// The step's view, then its focus ring; notices when its run has ended.
    pub(super) fn inner_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &mut ViewCtx<'_>,
        stage: Option<&mut Stage>,
    ) -> ViewReport {
        let mut report = ViewReport::default();
        let Some(open) = self.open.as_mut() else {
            return report;
        };
        let mut inner_ctx = ViewCtx {
            runtime: ctx.runtime,
            deadline: ctx.deadline,
            self_check: ctx.self_check,
            look: ctx.look,
            report: &mut report,
            navigate: ctx.navigate,
            workers: ctx.workers,
        };
        match stage {
            Some(stage) => {
                open.inner.stage_ui(ui, &mut inner_ctx, stage);
                open.all_controls = stage.all_controls;
                let drawn = stage.report(ui.ctx(), None);
                // A lecturer's `controls:` naming what the view does not draw (a typo, or a control its
                // state hides) is said, not silently left out.
                let step = &self.lessons[open.lesson].lesson.steps[open.step];
                let missing: Vec<&str> = step
                    .controls
                    .iter()
                    .filter(|id| !open.all_controls && !drawn.controls.iter().any(|c| c == id))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() && self.message.is_none() {
                    self.message = Some(Err(format!(
                        "step {}, `controls`: the view draws no {} here",
                        open.step + 1,
                        missing.join(", ")
                    )));
                }
                report.stage = Some(drawn);
            }
            None => open.inner.ui(ui, &mut inner_ctx),
        }
        let values = Value::Object(report.values.clone());
        open.still = if values == open.last {
            open.still + 1
        } else {
            0
        };
        open.last = values;
        if open.phase == Phase::Running {
            if open.still >= STILL_FRAMES {
                open.phase = Phase::Done;
            }
            ui.ctx().request_repaint();
        }
        let focus = self.lessons[open.lesson].lesson.steps[open.step]
            .focus
            .as_deref();
        if let Some(rect) = focus.and_then(|f| report.controls.iter().find(|r| r.id == f)) {
            ring(ui, rect, ctx.look);
        }
        report
    }
}

/// A ring around the control a step focuses on, drawn over everything.
fn ring(ui: &egui::Ui, rect: &crate::status::UiRect, look: Look) {
    let zoom = ui.ctx().zoom_factor();
    let r = egui::Rect::from_min_size(
        egui::pos2(rect.x / zoom, rect.y / zoom),
        egui::vec2(rect.w / zoom, rect.h / zoom),
    );
    let painter = ui.ctx().layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("lesson-focus"),
    ));
    painter.rect_stroke(
        r.expand(5.0),
        8.0,
        egui::Stroke::new(look.line_width() + 1.0, look.focus_color()),
        egui::StrokeKind::Outside,
    );
}
