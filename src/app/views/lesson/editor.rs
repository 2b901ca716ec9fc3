//! Authoring: open a lesson file (the browser's file picker, a path natively), start a new lesson, add
//! the live view as a step, reorder and delete steps, save the file. Every edit goes through the file
//! format (written, then read back), so what is saved is exactly what the app shows, and a lesson that
//! would not read back is never made.

use serde_json::{Value, json};
use web_time::Instant;

use super::{Entry, LessonView};
use crate::app::lesson_check as check;
use crate::app::view::OpenView;
use crate::app::{ViewCtx, ViewReport};
use crate::budget::work_until;
use crate::lesson::{Lesson, Step};
use crate::platform;
use crate::scenario::anchor::Anchor;

/// The editor's own state (the lesson itself lives in the library).
#[derive(Default)]
pub struct Editor {
    /// The editing panel is shown over the narrative.
    pub shown: bool,
    delivered: platform::FileSlot,
    /// A file read, its steps being validated one per frame: (file name, progress).
    validating: Option<(String, check::Validation)>,
    /// The path typed natively.
    #[cfg(not(target_arch = "wasm32"))]
    path: String,
    /// Why the last file was rejected, naming the file, the line and the field.
    pub(super) error: Option<String>,
    /// The new step's title and text.
    title: String,
    text: String,
}

impl Editor {
    /// Hands a file's text to the editor (the file picker's callback, the native Open, tests).
    pub fn deliver(&self, file: Result<(String, String), String>) {
        if let Ok(mut slot) = self.delivered.lock() {
            *slot = Some(file);
        }
    }

    /// The lesson of a file delivered earlier, once it has read and every step validated (a step per
    /// call: the caller asks for another frame while [`Editor::validating`]).
    pub fn take_loaded(&mut self, views: OpenView) -> Option<Lesson> {
        match self.delivered.lock().ok().and_then(|mut s| s.take()) {
            Some(Ok((name, text))) => match check::Validation::new(&text, views) {
                Ok(v) => self.validating = Some((name, v)),
                Err(e) => self.error = Some(format!("{name}: {e}")),
            },
            Some(Err(e)) => self.error = Some(e),
            None => {}
        }
        let (name, validation) = self.validating.as_mut()?;
        match validation.advance() {
            Ok(None) => None,
            Ok(Some(lesson)) => {
                self.error = None;
                self.validating = None;
                Some(lesson)
            }
            Err(e) => {
                self.error = Some(format!("{name}: {e}"));
                self.validating = None;
                None
            }
        }
    }

    /// A delivered file is still being validated.
    pub fn validating(&self) -> bool {
        self.validating.is_some()
    }

    /// Opening a file and starting a new lesson, under the list of lessons.
    pub fn library_ui(&mut self, ui: &mut egui::Ui, report: &mut ViewReport) -> bool {
        ui.strong("Your own lessons");
        ui.label(
            "A lesson is a plain text file (format: docs/lessons.md in the repository). Open one, or \
             start a new one here and add steps from the live views; it is kept in this browser until \
             you save it.",
        );
        let mut new = false;
        ui.horizontal_wrapped(|ui| {
            #[cfg(target_arch = "wasm32")]
            {
                let open = ui.button("Open a lesson file…");
                report.control("lesson-open-file", &open);
                if open.clicked()
                    && let Err(e) = platform::pick_text_file(&self.delivered, ui.ctx())
                {
                    self.error = Some(e);
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            {
                let label = ui.label("File:");
                ui.text_edit_singleline(&mut self.path)
                    .labelled_by(label.id);
                let open = ui.button("Open");
                report.control("lesson-open-file", &open);
                if open.clicked() {
                    let path = self.path.trim().to_owned();
                    self.deliver(
                        std::fs::read_to_string(&path)
                            .map(|text| (path.clone(), text))
                            .map_err(|e| format!("{path}: {e}")),
                    );
                }
            }
            let button = ui
                .button("New lesson")
                .on_hover_text("A lesson of one step on the Stackelberg game, to edit");
            report.control("lesson-new", &button);
            new = button.clicked();
        });
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if new {
            self.deliver(Ok(("a new lesson".to_owned(), new_lesson_text())));
        }
        new
    }

    pub fn report(&self, report: &mut ViewReport) {
        report.value("editing", self.shown);
        if let Some(e) = &self.error {
            report.value("file_error", json!(e));
        }
    }
}

/// The text of a new lesson: one step, to edit.
fn new_lesson_text() -> String {
    "# My lesson\nid: my-lesson\nsummary: What this lesson teaches.\nminutes: 10\n\n\
     ## The one-step game\nview: #stackelberg\n\nWhat the class should look at.\n"
        .to_owned()
}

impl LessonView {
    /// The open lesson, when it is the lecturer's own.
    fn own_open(&mut self) -> Option<(&mut Lesson, usize)> {
        let open = self.open.as_ref()?;
        let (lesson, step) = (open.lesson, open.step);
        let entry = &mut self.lessons[lesson];
        entry.own.then_some((&mut entry.lesson, step))
    }

    /// Writes an edited lesson through the file format and reopens `step` (the link of every step is
    /// checked against its view first). The lesson is unchanged when the edit would not read back.
    fn commit(&mut self, edited: Lesson, step: usize) -> Result<(), String> {
        let Some(open) = self.open.as_ref() else {
            return Err("no lesson is open".into());
        };
        let index = open.lesson;
        let lesson = Lesson::parse(&edited.to_text()).map_err(|e| e.to_string())?;
        check::validate_edit(&self.lessons[index].lesson, &lesson, self.views)
            .map_err(|e| e.to_string())?;
        let step = step.min(lesson.steps.len().saturating_sub(1));
        self.lessons[index].lesson = lesson;
        self.open_step(index, step)
    }

    /// Makes an editable copy of the open built-in lesson, at the same step.
    pub fn copy_open(&mut self) -> Result<(), String> {
        let open = self.open.as_ref().ok_or("no lesson is open")?;
        let step = open.step;
        let mut lesson = self.lessons[open.lesson].lesson.clone();
        let mut n = 1;
        let base = format!("{}-copy", lesson.id);
        lesson.id = base.clone();
        while self.find(&lesson.id).is_some() {
            n += 1;
            lesson.id = format!("{base}-{n}");
        }
        lesson.title = format!("{} (copy)", lesson.title);
        self.lessons.push(Entry { lesson, own: true });
        self.open_step(self.lessons.len() - 1, step)
    }

    /// Adds the live view, as it is now, as a new step after the open one.
    pub fn add_current_view(&mut self, title: &str, text: &str) -> Result<(), String> {
        let open = self.open.as_ref().ok_or("no lesson is open")?;
        let view = Anchor::new(open.inner.anchor(), open.inner.to_query()).to_hash();
        let title = if title.trim().is_empty() {
            "A new step".to_owned()
        } else {
            title.trim().to_owned()
        };
        let (lesson, step) = self
            .own_open()
            .ok_or("this lesson is built in: edit a copy")?;
        let mut edited = lesson.clone();
        edited.steps.insert(
            step + 1,
            Step {
                title,
                view,
                text: text.trim().to_owned(),
                ..Step::default()
            },
        );
        self.commit(edited, step + 1)
    }

    /// Moves the open step up (`-1`) or down (`+1`).
    pub fn move_step(&mut self, by: isize) -> Result<(), String> {
        let (lesson, step) = self
            .own_open()
            .ok_or("this lesson is built in: edit a copy")?;
        let to = step
            .checked_add_signed(by)
            .filter(|&t| t < lesson.steps.len())
            .ok_or("the step is already at that end")?;
        let mut edited = lesson.clone();
        edited.steps.swap(step, to);
        self.commit(edited, to)
    }

    /// Deletes the open step (a lesson keeps at least one).
    pub fn delete_step(&mut self) -> Result<(), String> {
        let (lesson, step) = self
            .own_open()
            .ok_or("this lesson is built in: edit a copy")?;
        if lesson.steps.len() < 2 {
            return Err("a lesson keeps at least one step".into());
        }
        let mut edited = lesson.clone();
        edited.steps.remove(step);
        self.commit(edited, step.saturating_sub(1))
    }

    /// The open lesson as a file.
    pub fn lesson_text(&self) -> Option<String> {
        let open = self.open.as_ref()?;
        Some(self.lessons[open.lesson].lesson.to_text())
    }

    /// The editing panel over the narrative; returns whether the lecturer's lessons changed.
    pub(super) fn editor_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) -> bool {
        let report = &mut *ctx.report;
        let Some(lesson) = self.open.as_ref().map(|o| o.lesson) else {
            return false;
        };
        let own = self.lessons[lesson].own;
        let look = ctx.look;
        let mut outcome: Option<Result<(), String>> = None;
        ui.strong("Edit this lesson");
        if !own {
            ui.label("This lesson is built in; edit a copy of it.");
            let copy = ui.button("Edit a copy");
            report.control("lesson-copy", &copy);
            if copy.clicked() {
                outcome = Some(self.copy_open());
            }
        } else {
            ui.horizontal_wrapped(|ui| {
                let up = ui.button("Move step up");
                report.control("step-up", &up);
                let down = ui.button("Move step down");
                report.control("step-down", &down);
                let delete = ui.button("Delete step");
                report.control("step-delete", &delete);
                if up.clicked() {
                    outcome = Some(self.move_step(-1));
                } else if down.clicked() {
                    outcome = Some(self.move_step(1));
                } else if delete.clicked() {
                    outcome = Some(self.delete_step());
                }
            });
            ui.label("A new step from the live view as it is now:");
            let title_label = ui.label("Title");
            let title = ui
                .add(
                    egui::TextEdit::singleline(&mut self.editor.title)
                        .hint_text("the step's title"),
                )
                .labelled_by(title_label.id);
            report.control("new-step-title", &title);
            let text_label = ui.label("Text");
            let text = ui
                .add(
                    egui::TextEdit::multiline(&mut self.editor.text)
                        .desired_rows(3)
                        .hint_text("paragraphs, - bullets, **bold**, *italic*"),
                )
                .labelled_by(text_label.id);
            report.control("new-step-text", &text);
            ui.horizontal_wrapped(|ui| {
                let add = ui.button("Add the current view as a step");
                report.control("lesson-add-step", &add);
                if add.clicked() {
                    let (title, text) = (self.editor.title.clone(), self.editor.text.clone());
                    outcome = Some(self.add_current_view(&title, &text));
                    if matches!(outcome, Some(Ok(()))) {
                        self.editor.title.clear();
                        self.editor.text.clear();
                    }
                }
                let save = ui
                    .button("Save lesson file")
                    .on_hover_text("Download the lesson as a .lesson file");
                report.control("lesson-save", &save);
                if save.clicked()
                    && let Some(text) = self.lesson_text()
                    && let Some(open) = &self.open
                {
                    let name = format!("{}.lesson", self.lessons[open.lesson].lesson.id);
                    self.message = Some(platform::save_file(&name, "text/plain", text.as_bytes()));
                }
            });
        }
        let check = ui.button("Check this lesson").on_hover_text(
            "Play every step headless and check its claims, as `bilevel-lab lesson check` does",
        );
        report.control("lesson-check", &check);
        if check.clicked() {
            self.checker = Some(check::LessonChecker::new(
                self.lessons[lesson].lesson.clone(),
                check::STEP_LIMIT,
                self.views,
            ));
        }
        if let Some(checker) = &self.checker {
            check_ui(ui, checker, look);
        }
        let handout = ui.button("Handout (Markdown)").on_hover_text(
            "Play every step and save its text, link and picture as one Markdown file",
        );
        report.control("lesson-handout", &handout);
        if handout.clicked() {
            self.start_handout();
        }
        let entry = &self.lessons[lesson].lesson;
        if entry.steps.iter().any(|s| s.is_exercise()) {
            let homework = ui.button("Homework (Markdown)").on_hover_text(
                "Save the lesson's exercises, their goals and links, as one Markdown file for the students",
            );
            report.control("lesson-homework", &homework);
            if homework.clicked() {
                let md = super::exercise::homework(entry, &crate::platform::page_url());
                let name = format!("{}-homework.md", entry.id);
                self.message = Some(crate::platform::save_file(
                    &name,
                    "text/markdown",
                    md.as_bytes(),
                ));
            }
        }
        match outcome {
            Some(Ok(())) => {
                self.message = None;
                true
            }
            Some(Err(e)) => {
                self.message = Some(Err(e));
                false
            }
            None => false,
        }
    }
}

impl LessonView {
    /// Advances "Check this lesson" by at least one headless frame, within the frame budget.
    pub(super) fn check_frame(&mut self, ctx: &egui::Context, deadline: Instant) {
        let Some(checker) = self.checker.as_mut().filter(|c| !c.done()) else {
            return;
        };
        work_until(deadline, || {
            checker.advance_within(Some(deadline));
            !checker.done()
        });
        ctx.request_repaint();
    }
}

/// What the check found so far: steps played, claims that hold and fail, steps that could not play.
pub fn check_summary(checker: &check::LessonChecker) -> Value {
    let claims = checker.steps.iter().flat_map(|s| &s.claims);
    let passed = claims.clone().filter(|(_, o)| o.passed).count();
    let failed = claims.count() - passed;
    json!({
        "steps_done": checker.steps.len(),
        "steps": checker.lesson().steps.len(),
        "claims_passed": passed,
        "claims_failed": failed,
        "errors": checker.steps.iter().filter(|s| s.error.is_some()).count(),
    })
}

/// The check's results under the editor: a line per step, the failing claims with what was measured.
fn check_ui(ui: &mut egui::Ui, checker: &check::LessonChecker, look: crate::app::Look) {
    let summary = check_summary(checker);
    if checker.done() {
        let ok = summary["claims_failed"] == 0 && summary["errors"] == 0;
        ui.colored_label(
            if ok {
                look.ok_color()
            } else {
                look.error_color()
            },
            format!(
                "Checked: {} claims hold, {} fail, {} steps could not play",
                summary["claims_passed"], summary["claims_failed"], summary["errors"]
            ),
        );
    } else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!(
                "Checking step {} of {}…",
                checker.steps.len() + 1,
                checker.lesson().steps.len()
            ));
        });
    }
    for step in &checker.steps {
        if let Some(e) = &step.error {
            ui.colored_label(
                look.error_color(),
                format!("step {} ({}): {e}", step.index + 1, step.title),
            );
        }
        for (claim, outcome) in step.claims.iter().filter(|(_, o)| !o.passed) {
            ui.colored_label(
                look.error_color(),
                format!(
                    "step {}: {} — `{claim}` measured {}",
                    step.index + 1,
                    claim.text,
                    outcome.measured
                ),
            );
        }
    }
}
