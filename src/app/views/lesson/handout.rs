//! The handout: every step of the open lesson played as the class would see it after its run, its view
//! photographed (in the browser the page's copy of the canvas, encoded outside the app's frames; natively
//! egui's screenshot, cropped to the view), and all of it written as one Markdown file —
//! title, summary, each step's text, question and answer, links, and the picture inline as a PNG
//! data URI, so a student takes home a single file.

use std::sync::{Arc, Mutex};

use egui::ColorImage;
use serde_json::{Value, json};

use super::step::{Phase, STILL_FRAMES};
use super::{LessonView, step_link};
use crate::app::widgets::export::{device_region, png_of_region};
use crate::lesson::Lesson;
use crate::platform;

/// The handout being made.
pub struct Handout {
    lesson: usize,
    /// Where the lecturer was, reopened at the end.
    back_to: usize,
    /// The step being photographed.
    step: usize,
    /// Each step's picture (PNG) as base64, encoded in the frame it came in (not all in the last frame),
    /// or why there is none.
    pictures: Vec<Result<String, String>>,
    shot: Arc<Mutex<Option<Arc<ColorImage>>>>,
    requested: bool,
}

impl Handout {
    pub fn progress(&self) -> Value {
        json!({"step": self.step + 1, "pictures": self.pictures.len()})
    }
}

impl LessonView {
    /// Starts the handout of the open lesson from its first step.
    pub(super) fn start_handout(&mut self) {
        let Some(open) = &self.open else {
            return;
        };
        let (lesson, back_to) = (open.lesson, open.step);
        self.handout = Some(Handout {
            lesson,
            back_to,
            step: 0,
            pictures: Vec::new(),
            shot: Arc::default(),
            requested: false,
        });
        self.handout_open(0);
    }

    /// Opens step `step` for its picture, playing it at once (no question asked).
    fn handout_open(&mut self, step: usize) {
        let Some(h) = &self.handout else {
            return;
        };
        let lesson = h.lesson;
        if let Err(e) = self.open_step(lesson, step) {
            self.message = Some(Err(e));
            self.handout = None;
            return;
        }
        self.run();
    }

    /// Each frame while a handout is made: once the step's run has ended, asks for the view's picture (the
    /// page's copy in the browser, egui's screenshot natively); once it has come, goes on to the next step
    /// or writes the file.
    pub(super) fn handout_frame(&mut self, ui: &egui::Ui, view_rect: egui::Rect) {
        let Some(open) = &self.open else {
            return;
        };
        let ready = open.phase == Phase::Done && open.still >= STILL_FRAMES;
        let Some(h) = self.handout.as_mut() else {
            return;
        };
        ui.ctx().request_repaint();
        if !h.requested {
            if ready && platform::PAGE_SAVES_PNG {
                // The page copies the view from the canvas after this frame and encodes it outside the
                // app's frames (egui's screenshot reads the whole canvas back inside one).
                h.requested = true;
                let region = device_region(view_rect, ui.ctx().pixels_per_point());
                let name = format!("step {}", h.step + 1);
                if let Err(e) = platform::png_after_paint(&name, region, true) {
                    h.pictures.push(Err(e));
                    h.requested = false;
                    self.handout_next();
                }
            } else if ready {
                h.requested = true;
                let slot = Arc::clone(&h.shot);
                let repaint = ui.ctx().clone();
                ui.ctx().request_screenshot(move |image| {
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(image);
                    }
                    repaint.request_repaint();
                });
            }
            return;
        }
        let picture = if platform::PAGE_SAVES_PNG {
            platform::captured_png()
        } else {
            h.shot
                .lock()
                .ok()
                .and_then(|mut s| s.take())
                .map(|image| png_of_region(&image, view_rect, ui.ctx().pixels_per_point()))
        };
        let Some(picture) = picture else {
            return;
        };
        h.pictures.push(picture.map(|png| base64(&png)));
        h.requested = false;
        self.handout_next();
    }

    /// The next step's picture, or (after the last) the file.
    fn handout_next(&mut self) {
        let Some(h) = self.handout.as_mut() else {
            return;
        };
        let next = h.step + 1;
        let steps = self.lessons[h.lesson].lesson.steps.len();
        if next < steps {
            h.step = next;
            self.handout_open(next);
            return;
        }
        let Some(h) = self.handout.take() else {
            return;
        };
        let lesson = &self.lessons[h.lesson].lesson;
        let text = markdown(lesson, &platform::page_url(), &h.pictures);
        let name = format!("{}-handout.md", lesson.id);
        self.message = Some(platform::save_file(&name, "text/markdown", text.as_bytes()));
        if let Err(e) = self.open_step(h.lesson, h.back_to) {
            self.message = Some(Err(e));
        }
    }
}

/// The handout as Markdown: `base` is the page's address (without `#…`) that the links start from;
/// `pictures`: each step's PNG in [`base64`], or why it has none.
pub fn markdown(lesson: &Lesson, base: &str, pictures: &[Result<String, String>]) -> String {
    let mut out = format!("# {}\n\n{}\n\n", lesson.title, lesson.summary);
    out.push_str(&format!(
        "{} steps, about {} minutes. Open the lesson: <{base}{}>\n\n",
        lesson.steps.len(),
        lesson.minutes,
        step_link(&lesson.id, 0)
    ));
    for (k, step) in lesson.steps.iter().enumerate() {
        out.push_str(&format!(
            "## {}. {}\n\n{}\n\n",
            k + 1,
            step.title,
            step.text
        ));
        if let Some(q) = &step.question {
            out.push_str(&format!("**Question.** {}\n\n", q.prompt));
            for (i, a) in q.answers.iter().enumerate() {
                out.push_str(&format!("- {}. {a}\n", (b'A' + i as u8) as char));
            }
            out.push_str(&format!(
                "\n**Answer:** {}. {}\n\n",
                (b'A' + q.correct as u8) as char,
                q.explanation
            ));
        }
        for t in &step.tries {
            out.push_str(&format!("*Try this:* {t}\n\n"));
        }
        for c in &step.claims {
            out.push_str(&format!("- {} (checked by the tests: `{c}`)\n", c.text));
        }
        if !step.claims.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "This step: <{base}{}> · the view alone: <{base}{}>\n\n",
            step_link(&lesson.id, k),
            step.view
        ));
        match pictures.get(k) {
            Some(Ok(png)) => {
                out.push_str(&format!("![{}](data:image/png;base64,", step.title));
                out.push_str(png);
                out.push_str(")\n\n");
            }
            Some(Err(e)) => out.push_str(&format!("(no picture: {e})\n\n")),
            None => {}
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[(n >> (18 - 6 * i)) as usize & 63]
            } else {
                b'='
            });
        }
    }
    // Only bytes of the alphabet and '=' were written: always ASCII.
    String::from_utf8(out).unwrap_or_default()
}
