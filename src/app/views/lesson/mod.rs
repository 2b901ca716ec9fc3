//! Lesson mode (issue 14): a lesson's narrative in a collapsible, resizable side panel, the step's live
//! view in the rest, Back / Next and presenter keys, each step its own link `#lesson?id=…&step=k`.
//!
//! A step opens its view exactly as `lesson check` does ([`check::open_view`], with the views the app
//! passes in: `views::by_anchor`), so what the class sees
//! is what the claims were checked on. A step with a question opens its view at rest; answering (or
//! "Run") plays it to the step's `run`, and the answer and the explanation show once the view's numbers
//! hold still. The lessons are the built-in files plus the lecturer's own (opened from a file or made
//! here, kept in the browser's storage); `editor` edits them, `handout` writes the Markdown handout.

mod editor;
mod exercise;
mod handout;
mod library;
pub mod narrative;
mod step;

use serde_json::{Value, json};

use crate::app::lesson_check::{self as check, LESSON_ANCHOR};
use crate::app::stage;
use crate::app::view::OpenView;
use crate::app::{View, ViewCtx, ViewReport};
use crate::platform;
use editor::Editor;
use handout::Handout;
pub use library::{Entry, step_link};
use step::{Nav, Open, Phase};

/// The lesson tab.
pub struct LessonView {
    lessons: Vec<Entry>,
    /// The lecturer's own lessons have been read from storage (on the first frame).
    own_loaded: bool,
    open: Option<Open>,
    /// A link to a lesson not known yet (one of the lecturer's, before storage was read).
    pending: Option<(String, usize)>,
    /// The last outcome shown under the bar: a saved file, a rejected file, a failed step.
    message: Option<Result<String, String>>,
    narrative: bool,
    editor: Editor,
    handout: Option<Handout>,
    /// "Check this lesson": its claims played headless, a frame per frame of the app.
    checker: Option<check::LessonChecker>,
    /// Opens a step's view (the app's list of views, which holds this one).
    views: OpenView,
}

impl LessonView {
    /// The lesson tab, opening steps' views with `views` (the app's `views::by_anchor`).
    pub fn new(views: OpenView) -> Self {
        Self {
            lessons: Entry::built_in(),
            own_loaded: false,
            open: None,
            pending: None,
            message: None,
            narrative: true,
            editor: Editor::default(),
            handout: None,
            checker: None,
            views,
        }
    }
}

impl LessonView {
    /// The bar over a lesson: back to the list, the title, the step counter, Back / Next and the tools.
    ///
    /// In a row over the stage, or (`column`) wrapped at the top of the narrative's column, where the figure
    /// keeps the window's height.
    fn bar_ui(&mut self, ui: &mut egui::Ui, report: &mut ViewReport, column: bool) {
        let Some(open) = &self.open else {
            return;
        };
        let entry = &self.lessons[open.lesson];
        let (step, steps) = (open.step, entry.lesson.steps.len());
        let title = entry.lesson.title.clone();
        let mut nav = None;
        let mut close = false;
        // One row on any screen: the title last, cut to the room left.
        let wide = !column && ui.available_width() >= 700.0;
        let row = |ui: &mut egui::Ui, add: &mut dyn FnMut(&mut egui::Ui)| {
            if column {
                ui.horizontal_wrapped(add);
            } else {
                ui.horizontal(add);
            }
        };
        row(ui, &mut |ui| {
            let list = ui.button("All lessons").on_hover_text("All lessons");
            report.control("lesson-list", &list);
            close = list.clicked();
            let text = ui
                .toggle_value(&mut self.narrative, "Text")
                .on_hover_text("Show or hide the lesson's text");
            report.control("lesson-text", &text);
            let back = ui
                .add_enabled(
                    step > 0,
                    egui::Button::new(if wide { "◀ Back" } else { "◀" }),
                )
                .on_hover_text("Previous step (← or PageUp)");
            report.control("lesson-back", &back);
            let counter = ui.label(
                egui::RichText::new(format!("{} / {steps}", step + 1))
                    .strong()
                    .monospace(),
            );
            report.control("lesson-counter", &counter);
            let next = ui
                .add_enabled(
                    step + 1 < steps,
                    egui::Button::new(if wide { "Next ▶" } else { "▶" }),
                )
                .on_hover_text("Next step (→ or PageDown)");
            report.control("lesson-next", &next);
            if back.clicked() {
                nav = Some(Nav::Back);
            }
            if next.clicked() {
                nav = Some(Nav::Next);
            }
            let full = ui
                .button(if wide { "Full screen" } else { "Full" })
                .on_hover_text("The browser's full screen (F; Esc leaves it)");
            report.control("lesson-fullscreen", &full);
            if full.clicked() {
                let on = platform::fullscreen(ui.ctx());
                platform::set_fullscreen(ui.ctx(), !on);
            }
            let edit = ui
                .toggle_value(&mut self.editor.shown, "Edit")
                .on_hover_text("Add, reorder, delete and save steps");
            report.control("lesson-edit", &edit);
            if !column {
                ui.separator();
                ui.add(egui::Label::new(egui::RichText::new(&title).strong()).truncate());
            }
        });
        if close {
            self.open = None;
        }
        if let Some(n) = nav {
            self.navigate(n);
        }
    }

    /// An exercise's hand-in: the student's view link applied to the open step's view, shown as it is.
    fn open_student_view(&mut self, link: &str) -> Result<(), String> {
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        let step = &self.lessons[open.lesson].lesson.steps[open.step];
        let query = exercise::student_query(step, open.step, link)?;
        if exercise::view_link(&*open.inner) == link {
            return Ok(());
        }
        open.inner.apply_query(&query)?;
        open.phase = Phase::Done;
        Ok(())
    }

    fn report(&self, report: &mut ViewReport, inner: ViewReport, ctx: &egui::Context) {
        report.controls.extend(inner.controls);
        report.stage = inner.stage;
        report.value("lessons", Entry::list(&self.lessons));
        report.value("fullscreen", platform::fullscreen(ctx));
        if let Some(message) = &self.message {
            report.value(
                "message",
                match message {
                    Ok(m) => json!({"ok": m}),
                    Err(e) => json!({"error": e}),
                },
            );
        }
        self.editor.report(report);
        if let Some(c) = &self.checker {
            report.value("check", editor::check_summary(c));
        }
        if let Some(h) = &self.handout {
            report.value("handout", h.progress());
        }
        let Some(open) = &self.open else {
            report.value("lesson", Value::Null);
            return;
        };
        let entry = &self.lessons[open.lesson];
        let step = &entry.lesson.steps[open.step];
        report.value("lesson", entry.lesson.id.clone());
        report.value("step", open.step + 1);
        report.value("steps", entry.lesson.steps.len());
        report.value("title", step.title.clone());
        report.value("inner_view", open.inner.anchor());
        report.value("inner", Value::Object(inner.values));
        report.value("phase", open.phase.label());
        report.value("answer", open.answer);
        if let Some(q) = &step.question {
            report.value(
                "question",
                json!({"prompt": q.prompt, "answers": q.answers, "correct": q.correct}),
            );
        }
        report.value(
            "question_revealed",
            step.question.is_some() && open.phase == Phase::Done,
        );
        if step.is_exercise() {
            report.value("exercise", exercise::report(step, &open.last));
        }
        report.value("narrative", self.narrative);
    }
}

impl View for LessonView {
    fn anchor(&self) -> &'static str {
        LESSON_ANCHOR
    }

    fn title(&self) -> &'static str {
        "Lesson"
    }

    fn on_stage(&self) -> bool {
        self.open.is_some()
    }

    fn reset(&mut self) {
        if let Some(open) = &self.open {
            let (lesson, step) = (open.lesson, open.step);
            if let Err(e) = self.open_step(lesson, step) {
                self.message = Some(Err(e));
            }
        }
    }

    fn to_query(&self) -> Vec<(String, String)> {
        match &self.open {
            Some(open) if self.lessons[open.lesson].lesson.steps[open.step].is_exercise() => {
                let id = &self.lessons[open.lesson].lesson.id;
                exercise::hand_in_query(id, open.step, &*open.inner)
            }
            Some(open) => {
                let mut query = vec![
                    ("id".to_owned(), self.lessons[open.lesson].lesson.id.clone()),
                    ("step".to_owned(), (open.step + 1).to_string()),
                ];
                // A question's step after the reveal: its link opens it revealed (a live class follows it).
                let asks = self.lessons[open.lesson].lesson.steps[open.step]
                    .question
                    .is_some();
                if asks && open.phase != Phase::Asking {
                    query.push(("play".to_owned(), "1".to_owned()));
                }
                query
            }
            None => Vec::new(),
        }
    }

    fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
        let mut id = None;
        let mut step = 0;
        let mut student = None;
        let mut play = false;
        for (key, value) in query {
            match key.as_str() {
                "id" => id = Some(value.clone()),
                "play" if value == "1" => play = true,
                "play" => {
                    return Err(format!(
                        "URL parameter `play`: 1 plays the step (reveals its question), got `{value}`"
                    ));
                }
                "view" => {
                    let link = crate::scenario::anchor::decode_component(value)
                        .map_err(|e| format!("URL parameter `view`: {e}"))?;
                    student = Some(link);
                }
                "step" => {
                    step = value
                        .parse::<usize>()
                        .ok()
                        .filter(|&s| s >= 1)
                        .ok_or_else(|| {
                            format!(
                                "URL parameter `step`: must be a step number from 1, got `{value}`"
                            )
                        })?
                        - 1;
                }
                _ => {
                    return Err(format!(
                        "URL parameter `{key}`: a lesson link takes `id`, `step`, `play` and (an exercise) `view`"
                    ));
                }
            }
        }
        match id {
            None if step == 0 => {
                self.open = None;
                Ok(())
            }
            None => {
                Err("URL parameter `id`: a lesson link with a step needs the lesson's id".into())
            }
            Some(id) => {
                // The open step, unless the link asks its question again (no `play`) after a reveal.
                let same = self.open.as_ref().is_some_and(|o| {
                    let steps = &self.lessons[o.lesson].lesson.steps;
                    let revealed = steps[o.step].question.is_some() && o.phase != Phase::Asking;
                    self.lessons[o.lesson].lesson.id == id && o.step == step && (play || !revealed)
                });
                if !same {
                    self.open_link(&id, step)?;
                }
                if play {
                    self.run();
                }
                match student {
                    Some(link) => self.open_student_view(&link),
                    None => Ok(()),
                }
            }
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        self.load_own(ui.ctx());
        self.check_frame(ui.ctx(), ctx.deadline);
        if let Some(lesson) = self.editor.take_loaded(self.views) {
            self.add_own(lesson, ctx.navigate);
            self.store_own(ui.ctx());
        }
        if self.editor.validating() {
            ui.ctx().request_repaint();
        }
        let mut inner = ViewReport::default();
        if self.open.is_none() {
            self.library_ui(ui, ctx);
        } else {
            self.keys(ui);
            // A landscape window with the text shown: the bar heads the text's column.
            let column = self.narrative
                && ui.available_rect_before_wrap().aspect_ratio() >= stage::layout::COLUMN_ASPECT;
            if !column {
                egui::Panel::top("lesson_bar").show(ui, |ui| self.bar_ui(ui, ctx.report, false));
            }
            if let Some(message) = self.message.clone() {
                egui::Panel::top("lesson_message").show(ui, |ui| {
                    let text = match message {
                        Ok(m) => egui::RichText::new(m).color(ctx.look.ok_color()),
                        Err(e) => egui::RichText::new(e).color(ctx.look.error_color()),
                    };
                    ui.horizontal_wrapped(|ui| {
                        ui.label(text);
                        if ui.small_button("dismiss").clicked() {
                            self.message = None;
                        }
                    });
                });
            }
            let rect = ui.available_rect_before_wrap();
            let mut stage = self.stage();
            let (narrative, view_rect) = if self.narrative {
                let split = stage::layout::narrative_split(rect);
                (Some(split.narrative), split.view)
            } else {
                (None, rect)
            };
            // Beside the figure, a lesson's controls sit under its text.
            let narrative = match (narrative, stage.as_mut()) {
                (Some(area), Some(stage)) if view_rect.left() > area.right() => {
                    let h = stage.controls_height(ui).min(area.height() * 0.55);
                    let (text, controls) = area.split_top_bottom_at_y(area.bottom() - h);
                    stage.put_controls(controls.with_min_y(controls.top() + stage::layout::GAP));
                    Some(text)
                }
                (area, _) => area,
            };
            if let Some(area) = narrative {
                let mut child = ui.new_child(
                    egui::UiBuilder::new()
                        .max_rect(area)
                        .id_salt("lesson-narrative"),
                );
                child.set_clip_rect(area);
                if column {
                    self.bar_ui(&mut child, ctx.report, true);
                    child.separator();
                }
                if self.editor.shown {
                    let change = self.editor_ui(&mut child, ctx);
                    if change {
                        self.store_own(child.ctx());
                    }
                    child.separator();
                }
                self.narrative_ui(&mut child, ctx.look, ctx.report);
                let edge = if view_rect.left() > area.right() {
                    [area.right_top(), area.right_bottom()]
                } else {
                    [area.left_bottom(), area.right_bottom()]
                };
                let stroke = ui.visuals().widgets.noninteractive.bg_stroke;
                ui.painter().line_segment(edge, stroke);
                ctx.report.controls.push(crate::status::UiRect::at(
                    "lesson-narrative",
                    ui.ctx(),
                    area,
                ));
            }
            let mut child = ui.new_child(
                egui::UiBuilder::new()
                    .max_rect(view_rect)
                    .id_salt("lesson-view"),
            );
            child.set_clip_rect(view_rect);
            if self.open.is_some() {
                inner = self.inner_ui(&mut child, ctx, stage.as_mut());
            }
            if let Some(stage) = &mut inner.stage {
                let zoom = ui.ctx().zoom_factor();
                stage.narrative = narrative.map(|r| {
                    [
                        r.min.x * zoom,
                        r.min.y * zoom,
                        r.width() * zoom,
                        r.height() * zoom,
                    ]
                });
                stage.text_px = narrative::body_size(ui) * zoom;
            }
            ui.allocate_rect(rect, egui::Sense::hover());
            self.handout_frame(ui, view_rect);
        }
        self.report(ctx.report, inner, ui.ctx());
    }
}

#[cfg(test)]
mod tests;
