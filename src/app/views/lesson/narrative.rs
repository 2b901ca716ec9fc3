//! A step's narrative as the class reads it: the text (paragraphs, `- ` bullets, **bold**, *italic*),
//! the question with its answers, the "try this" prompts, and once the run has ended the claims with
//! what the live view measured. Sizes follow the body font, so projector mode enlarges it with the rest.

use egui::text::LayoutJob;
use egui::{Color32, FontId, RichText, TextFormat};
use serde_json::Value;

use super::exercise;
use super::step::Phase;
use crate::app::lesson_check::LESSON_ANCHOR;
use crate::app::widgets::math;
use crate::app::{Look, ViewReport};
use crate::lesson::Step;
use crate::platform;

/// The narrative's text is this much larger than the UI's body text (read from the back of a room).
const SCALE: f32 = 1.2;

/// Published ids of the answer buttons.
pub const ANSWER_IDS: [&str; 4] = ["answer-0", "answer-1", "answer-2", "answer-3"];

/// What the class did in the narrative this frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    Nothing,
    /// An answer was picked (its index): run the step.
    Answer(usize),
}

/// Where a step stands: what the narrative shows of the question and the claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    pub answer: Option<usize>,
    /// The run has ended (or there is none): the question's answer and the claims are shown.
    pub revealed: bool,
}

pub(super) fn body_size(ui: &egui::Ui) -> f32 {
    egui::TextStyle::Body.resolve(ui.style()).size * SCALE
}

/// The step's text: paragraphs (blank lines) and bullets, with inline **bold** and *italic*.
pub fn text_ui(ui: &mut egui::Ui, text: &str) {
    let size = body_size(ui);
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let mut prose = Vec::new();
        let flush = |ui: &mut egui::Ui, prose: &mut Vec<&str>| {
            if !prose.is_empty() {
                ui.label(inline(ui, &prose.join(" "), size));
                prose.clear();
            }
        };
        for line in paragraph.lines() {
            if let Some(item) = line.trim_start().strip_prefix("- ") {
                flush(ui, &mut prose);
                ui.horizontal_top(|ui| {
                    ui.label(RichText::new("•").size(size));
                    ui.add(egui::Label::new(inline(ui, item, size)).wrap());
                });
            } else {
                prose.push(line.trim());
            }
        }
        flush(ui, &mut prose);
        ui.add_space(size * 0.5);
    }
}

/// One line of prose with `**bold**` (the strong text color) and `*italic*` spans.
pub fn inline(ui: &egui::Ui, text: &str, size: f32) -> LayoutJob {
    let visuals = ui.visuals();
    let plain = TextFormat {
        font_id: FontId::proportional(size),
        color: visuals.text_color(),
        ..Default::default()
    };
    let mut job = LayoutJob::default();
    job.wrap.max_width = ui.available_width();
    for (part, style) in spans(text) {
        let mut format = plain.clone();
        match style {
            Span::Bold => format.color = visuals.strong_text_color(),
            Span::Italic => format.italics = true,
            Span::Plain => {}
        }
        math::append(&mut job, part, &format);
    }
    job
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Span {
    Plain,
    Bold,
    Italic,
}

/// Splits prose at `**…**` and `*…*`, Markdown's way: a marker opens after a space or punctuation and
/// before a non-space, and closes after a non-space and before a non-letter, so the stars of `y*(x)` and
/// `P_π*` stay as written, as does any unclosed marker.
fn spans(text: &str) -> Vec<(&str, Span)> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    while let Some(found) = text[at..].find('*') {
        let start = at + found;
        let (marker, span) = if text[start..].starts_with("**") {
            ("**", Span::Bold)
        } else {
            ("*", Span::Italic)
        };
        let inner_from = start + marker.len();
        let before = text[..start].chars().next_back();
        let after = text[inner_from..].chars().next();
        let opens = !before.is_some_and(char::is_alphanumeric)
            && after.is_some_and(|c| !c.is_whitespace() && c != '*');
        let close = opens.then(|| closing(text, inner_from, marker)).flatten();
        match close {
            Some(end) => {
                if start > plain_from {
                    out.push((&text[plain_from..start], Span::Plain));
                }
                out.push((&text[inner_from..end], span));
                plain_from = end + marker.len();
                at = plain_from;
            }
            None => at = inner_from,
        }
    }
    if plain_from < text.len() {
        out.push((&text[plain_from..], Span::Plain));
    }
    out
}

/// Where the marker opened before `from` closes: after a non-space, before a non-letter.
fn closing(text: &str, from: usize, marker: &str) -> Option<usize> {
    let mut at = from;
    while let Some(found) = text[at..].find(marker) {
        let end = at + found;
        let before = text[..end].chars().next_back();
        let after = text[end + marker.len()..].chars().next();
        let single_star = marker == "*" && (after == Some('*') || text[..end].ends_with("**"));
        if end > from
            && before.is_some_and(|c| !c.is_whitespace())
            && !after.is_some_and(char::is_alphanumeric)
            && !single_star
        {
            return Some(end);
        }
        at = end + marker.len();
    }
    None
}

/// The question, its answers as buttons (published as `answer-k`), and once revealed the right answer
/// marked and the explanation.
pub fn question_ui(
    ui: &mut egui::Ui,
    step: &Step,
    shown: Shown,
    look: Look,
    report: &mut ViewReport,
) -> Asked {
    let Some(q) = &step.question else {
        return Asked::Nothing;
    };
    let size = body_size(ui);
    let mut asked = Asked::Nothing;
    // A student's page following a live poll: the answers are votes; the lecturer reveals.
    let ballot = crate::app::live::ballot(ui.ctx()).filter(|_| !shown.revealed);
    let shown = match ballot {
        Some(b) => Shown {
            answer: b.vote,
            revealed: false,
        },
        None => shown,
    };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        let strong = ui.visuals().strong_text_color();
        ui.label(math::job(
            &format!("Question: {}", q.prompt),
            FontId::proportional(size),
            strong,
        ));
        for (k, answer) in q.answers.iter().enumerate() {
            // The app's fonts have no check marks: the right answer is said in words.
            let (mark, note) = match (shown.revealed, k == q.correct, shown.answer == Some(k)) {
                (true, true, _) => ("● ", "  (right)"),
                (true, false, true) => ("○ ", "  (picked)"),
                (false, _, true) => ("▶ ", ""),
                _ => ("", ""),
            };
            let color = if shown.revealed && k == q.correct {
                look.ok_color()
            } else if shown.revealed && shown.answer == Some(k) {
                look.error_color()
            } else {
                ui.visuals().text_color()
            };
            let line = format!("{mark}{}. {answer}{note}", (b'A' + k as u8) as char);
            let text = math::job(&line, FontId::proportional(size), color);
            // Once answered the buttons stop taking clicks but keep their full contrast (a disabled
            // button fades to half, unreadable on a projector); the picked one keeps its mark.
            let sense =
                if ballot.is_some_and(|b| b.open) || ballot.is_none() && shown.answer.is_none() {
                    egui::Sense::click()
                } else {
                    egui::Sense::hover()
                };
            let button = ui.add(egui::Button::new(text).wrap().sense(sense));
            if let Some(&id) = ANSWER_IDS.get(k) {
                report.control(id, &button);
            }
            if button.clicked() {
                match ballot {
                    Some(_) => crate::app::live::cast(ui.ctx(), k),
                    None => asked = Asked::Answer(k),
                }
            }
        }
        if ballot.is_some() {
            ui.label(RichText::new("Vote: the lecturer reveals the answer.").italics());
        } else if shown.revealed {
            ui.add_space(size * 0.3);
            ui.label(inline(ui, &q.explanation, size));
        } else if shown.answer.is_some() {
            ui.label(RichText::new("Running… the answer shows when the run ends.").italics());
        } else {
            ui.label(
                RichText::new("Pick an answer, or run the step (space plays the view).").italics(),
            );
        }
    });
    asked
}

/// The "try this" prompts.
pub fn tries_ui(ui: &mut egui::Ui, step: &Step) {
    let size = body_size(ui);
    for t in &step.tries {
        ui.horizontal_top(|ui| {
            ui.label(RichText::new("Try this:").size(size).strong());
            ui.add(egui::Label::new(inline(ui, t, size)).wrap());
        });
    }
}

/// The step's claims read off the live view's report: what the numbers show, with pass or fail.
pub fn claims_ui(ui: &mut egui::Ui, step: &Step, values: &Value, look: Look) {
    if step.claims.is_empty() {
        return;
    }
    egui::CollapsingHeader::new("What the numbers show")
        .default_open(true)
        .show(ui, |ui| {
            for claim in &step.claims {
                let outcome = claim.check(values);
                let (mark, color): (&str, Color32) = if outcome.passed {
                    ("holds", look.ok_color())
                } else {
                    ("FAILS", look.error_color())
                };
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(color, mark);
                    math::label(ui, &claim.text);
                    ui.weak(format!("(measured {})", short(&outcome.measured)));
                });
            }
        });
}

/// A measured number as a class reads it: six decimals, or three significant digits when tiny.
pub(super) fn short(measured: &str) -> String {
    match measured.parse::<f64>() {
        Ok(v) if v != 0.0 && v.abs() < 1e-3 => format!("{v:.3e}"),
        Ok(v) if v.is_finite() => format!("{}", (v * 1e6).round() / 1e6),
        _ => measured.to_owned(),
    }
}

impl super::LessonView {
    /// The narrative: the step's title, text, question, prompts and (after the run) its claims.
    pub(super) fn narrative_ui(&mut self, ui: &mut egui::Ui, look: Look, report: &mut ViewReport) {
        let Some(open) = &self.open else {
            return;
        };
        let Some(step) = self.lessons[open.lesson].lesson.steps.get(open.step) else {
            return;
        };
        let shown = Shown {
            answer: open.answer,
            revealed: open.phase == Phase::Done,
        };
        let mut asked = Asked::Nothing;
        let mut run = false;
        let mut copied = false;
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                let font = egui::TextStyle::Heading.resolve(ui.style());
                let color = ui.visuals().strong_text_color();
                ui.label(crate::app::widgets::math::job(&step.title, font, color));
                ui.add_space(4.0);
                text_ui(ui, &step.text);
                asked = question_ui(ui, step, shown, look, report);
                if open.phase == Phase::Asking && crate::app::live::ballot(ui.ctx()).is_none() {
                    let label = if step.run.is_some() {
                        "Run the step"
                    } else {
                        "Show the answer"
                    };
                    let button = ui.button(label).on_hover_text("Without picking an answer");
                    report.control("lesson-run", &button);
                    run = button.clicked();
                }
                ui.add_space(6.0);
                tries_ui(ui, step);
                if open.phase == Phase::Done {
                    ui.add_space(6.0);
                    claims_ui(ui, step, &open.last, look);
                }
                if step.is_exercise() {
                    ui.add_space(6.0);
                    if exercise::goals_ui(ui, step, &open.last, look, report) {
                        let id = &self.lessons[open.lesson].lesson.id;
                        let query = exercise::hand_in_query(id, open.step, &*open.inner);
                        let hash =
                            crate::scenario::anchor::Anchor::new(LESSON_ANCHOR, query).to_hash();
                        ui.ctx()
                            .copy_text(format!("{}{hash}", platform::page_url()));
                        copied = true;
                    }
                }
                if open.phase == Phase::Running {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("The view is playing the step…");
                    });
                }
            });
        if let Asked::Answer(k) = asked
            && let Some(open) = self.open.as_mut()
        {
            open.answer = Some(k);
            run = true;
        }
        if run {
            self.run();
        }
        if copied {
            self.message = Some(Ok("The hand-in link is on the clipboard.".to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_split_bold_and_italic_and_keep_stray_stars() {
        assert_eq!(
            spans("a **b** c *d* e"),
            vec![
                ("a ", Span::Plain),
                ("b", Span::Bold),
                (" c ", Span::Plain),
                ("d", Span::Italic),
                (" e", Span::Plain)
            ]
        );
        assert_eq!(spans("2 * 3"), vec![("2 * 3", Span::Plain)]);
        assert_eq!(
            spans("Φ(x) = f(x, y*(x)), with y*(x) = x and *so* on"),
            vec![
                ("Φ(x) = f(x, y*(x)), with y*(x) = x and ", Span::Plain),
                ("so", Span::Italic),
                (" on", Span::Plain)
            ]
        );
        assert_eq!(
            spans("(I − γP_π*)^−T and **∂_x f = 0**."),
            vec![
                ("(I − γP_π*)^−T and ", Span::Plain),
                ("∂_x f = 0", Span::Bold),
                (".", Span::Plain)
            ]
        );
        assert_eq!(spans("**x**"), vec![("x", Span::Bold)]);
        assert_eq!(short("0.9999999999999996"), "1");
        assert_eq!(short("0.000012345"), "1.234e-5");
        assert_eq!(short("ok"), "ok");
        assert_eq!(short("40"), "40");
        assert_eq!(spans(""), Vec::<(&str, Span)>::new());
    }
}
