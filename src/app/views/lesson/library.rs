//! The lessons the app knows — the built-in files and the lecturer's own, kept in the browser's storage —
//! their list, and opening one from a link.

use super::LessonView;
use crate::app::ViewCtx;
use crate::app::lesson_check::LESSON_ANCHOR;
use crate::lesson::Lesson;

/// A lesson the app knows: built in, or the lecturer's own (editable, kept in storage).
#[derive(Clone, Debug)]
pub struct Entry {
    pub lesson: Lesson,
    pub own: bool,
}

impl Entry {
    /// The built-in courses (a lecture made of lessons' steps, presented as a lesson), then the built-in
    /// lessons in teaching order.
    pub fn built_in() -> Vec<Self> {
        let lessons = crate::lesson::built_in();
        let courses = crate::lesson::course::built_in(&lessons);
        courses
            .into_iter()
            .chain(lessons)
            .map(|lesson| Self { lesson, own: false })
            .collect()
    }

    /// The lessons as the status lists them: `{"id", "title", "steps", "own"}`.
    pub fn list(entries: &[Self]) -> serde_json::Value {
        entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "id": e.lesson.id,
                    "title": e.lesson.title,
                    "steps": e.lesson.steps.len(),
                    "own": e.own,
                })
            })
            .collect()
    }
}

/// Where the lecturer's own lessons are kept (egui's persisted memory: the browser's local storage).
fn own_key() -> egui::Id {
    egui::Id::unique("bilevel-lab/own-lessons")
}

/// A lesson step's link.
pub fn step_link(id: &str, step: usize) -> String {
    format!("#{LESSON_ANCHOR}?id={id}&step={}", step + 1)
}

impl LessonView {
    pub(super) fn find(&self, id: &str) -> Option<usize> {
        self.lessons.iter().position(|e| e.lesson.id == id)
    }

    pub(super) fn ids(&self) -> String {
        let ids: Vec<&str> = self.lessons.iter().map(|e| e.lesson.id.as_str()).collect();
        ids.join(", ")
    }

    /// The list of lessons, with opening and making one's own.
    pub(super) fn library_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            // At most 900 points wide for reading, and never wider than the screen (`set_max_width` sets it).
            ui.set_max_width(ui.available_width().min(900.0));
            ui.heading("Lessons");
            ui.label(
                "Pick a lesson to present it: the text on the left, the live view on the right. \
                 → / PageDown next step, ← / PageUp back, Home / End, space plays the view, F full screen.",
            );
            ui.add_space(6.0);
            if let Some(link) = crate::app::views::welcome::lesson_cards(ui, &self.lessons, ctx.report) {
                *ctx.navigate = Some(link);
            }
            ui.add_space(10.0);
            self.editor.library_ui(ui, ctx.report);
        });
    }

    /// Takes a lesson file the lecturer opened or made: validated against the views, then added (or
    /// replacing their own lesson of the same id) and opened at its first step.
    pub(super) fn add_own(&mut self, lesson: Lesson, navigate: &mut Option<String>) {
        if let Some(i) = self.find(&lesson.id) {
            if !self.lessons[i].own {
                self.message = Some(Err(format!(
                    "`id: {}` is a built-in lesson's; give your lesson another id",
                    lesson.id
                )));
                return;
            }
            self.lessons[i].lesson = lesson.clone();
        } else {
            self.lessons.push(Entry {
                lesson: lesson.clone(),
                own: true,
            });
        }
        self.message = Some(Ok(format!("opened “{}”", lesson.title)));
        *navigate = Some(step_link(&lesson.id, 0));
    }

    pub(super) fn store_own(&self, ctx: &egui::Context) {
        let texts: Vec<String> = self
            .lessons
            .iter()
            .filter(|e| e.own)
            .map(|e| e.lesson.to_text())
            .collect();
        ctx.data_mut(|d| d.insert_persisted(own_key(), texts));
    }

    pub(super) fn load_own(&mut self, ctx: &egui::Context) {
        if self.own_loaded {
            return;
        }
        self.own_loaded = true;
        let texts: Vec<String> = ctx
            .data_mut(|d| d.get_persisted(own_key()))
            .unwrap_or_default();
        for text in texts {
            match Lesson::parse(&text) {
                Ok(lesson) if self.find(&lesson.id).is_none() => {
                    self.lessons.push(Entry { lesson, own: true });
                }
                Ok(_) => {}
                Err(e) => log::warn!("a stored lesson no longer reads: {e}"),
            }
        }
        if let Some((id, step)) = self.pending.take()
            && let Err(e) = self.open_link(&id, step)
        {
            self.message = Some(Err(e));
        }
    }

    pub(super) fn open_link(&mut self, id: &str, step: usize) -> Result<(), String> {
        let Some(lesson) = self.find(id) else {
            if !self.own_loaded {
                self.pending = Some((id.to_owned(), step));
                return Ok(());
            }
            return Err(format!(
                "URL parameter `id`: no lesson `{id}` (lessons: {})",
                self.ids()
            ));
        };
        let steps = self.lessons[lesson].lesson.steps.len();
        if step >= steps {
            return Err(format!(
                "URL parameter `step`: must be in 1..={steps}, got {}",
                step + 1
            ));
        }
        self.open_step(lesson, step)
    }
}
