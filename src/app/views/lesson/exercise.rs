//! An exercise step (issue 37): its goals checked live against the student's own view ("not yet" /
//! "done" and a drawn check mark — the app's fonts have no ✓ — with the measured values), and the hand-in link that carries the lesson, the step and the
//! view's state, `#lesson?id=ID&step=K&view=<the view's own link, URL-encoded>`, which `bilevel-lab
//! lesson grade` replays.

use egui::RichText;
use serde_json::{Value, json};

use crate::app::widgets::math;
use crate::app::{Look, View, ViewReport};
use crate::lesson::Step;
use crate::lesson::claim::{Claim, Outcome};
use crate::scenario::anchor::{Anchor, encode_component};

pub use crate::app::lesson_check::grade::student_query;

/// The goals against the view's numbers now, and whether every one holds.
pub fn progress<'a>(step: &'a Step, values: &Value) -> (bool, Vec<(&'a Claim, Outcome)>) {
    let goals: Vec<(&Claim, Outcome)> = step.goals.iter().map(|g| (g, g.check(values))).collect();
    let done = !goals.is_empty() && goals.iter().all(|(_, o)| o.passed);
    (done, goals)
}

/// The status's `exercise` object: `{done, goals: [{goal, passed, measured}]}`.
pub fn report(step: &Step, values: &Value) -> Value {
    let (done, goals) = progress(step, values);
    let goals: Vec<Value> = goals
        .iter()
        .map(|(g, o)| json!({"goal": g.to_string(), "passed": o.passed, "measured": o.measured}))
        .collect();
    json!({"done": done, "goals": goals})
}

/// The open view's own link, `#view?k=v&…`.
pub fn view_link(inner: &dyn View) -> String {
    Anchor::new(inner.anchor(), inner.to_query()).to_hash()
}

/// The hand-in link's query: the lesson, the step (from 1) and the student's view link, encoded.
pub fn hand_in_query(id: &str, step: usize, inner: &dyn View) -> Vec<(String, String)> {
    vec![
        ("id".to_owned(), id.to_owned()),
        ("step".to_owned(), (step + 1).to_string()),
        ("view".to_owned(), encode_component(&view_link(inner))),
    ]
}

/// A check mark drawn as two strokes, one line of text high (the app's fonts have no ✓ glyph).
fn check_mark(ui: &mut egui::Ui, size: f32, color: egui::Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    let p = |x: f32, y: f32| rect.min + egui::vec2(x * rect.width(), y * rect.height());
    let stroke = egui::Stroke::new((size / 7.0).max(2.0), color);
    ui.painter()
        .line(vec![p(0.15, 0.55), p(0.4, 0.8), p(0.85, 0.2)], stroke);
}

/// The goals as the student sees them: each "done" or "not yet" with its value, and a button that copies
/// the hand-in link. Returns whether it was clicked.
pub fn goals_ui(
    ui: &mut egui::Ui,
    step: &Step,
    values: &Value,
    look: Look,
    report: &mut ViewReport,
) -> bool {
    let (done, goals) = progress(step, values);
    let size = super::narrative::body_size(ui);
    let mut copy = false;
    ui.group(|ui| {
        let (verdict, color) = if done {
            ("Exercise: done", look.ok_color())
        } else {
            ("Exercise: not yet", look.error_color())
        };
        ui.horizontal(|ui| {
            ui.label(RichText::new(verdict).size(size).strong().color(color));
            if done {
                check_mark(ui, size, color);
            }
        });
        for (goal, outcome) in goals {
            ui.horizontal_wrapped(|ui| {
                if outcome.passed {
                    check_mark(ui, size * 0.8, look.ok_color());
                } else {
                    ui.colored_label(
                        look.error_color(),
                        RichText::new("not yet").size(size * 0.8),
                    );
                }
                let color = ui.visuals().text_color();
                ui.label(math::job(
                    &goal.text,
                    egui::FontId::proportional(size),
                    color,
                ));
                ui.weak(format!(
                    "(measured {})",
                    super::narrative::short(&outcome.measured)
                ));
            });
        }
        let button = ui
            .button("Copy the hand-in link")
            .on_hover_text("The lesson, this step and your view's state, for your lecturer");
        report.control("hand-in", &button);
        copy = button.clicked();
    });
    copy
}

/// "Homework (Markdown)": a lesson's exercises for the students — each one's title, text, goals and the
/// link that opens it (`base` is the page's address without its `#`).
pub fn homework(lesson: &crate::lesson::Lesson, base: &str) -> String {
    let mut md = format!("# Homework: {}\n\n", lesson.title);
    md += "Open each link, change the view until every goal reads \"done\", then press \"Copy the \
           hand-in link\" and send that link.\n";
    for (k, step) in lesson
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_exercise())
    {
        md += &format!("\n## {}\n\n{}\n\nGoals:\n", step.title, step.text);
        for goal in &step.goals {
            md += &format!("- {}\n", goal.text);
        }
        md += &format!("\nOpen it: <{base}{}>\n", super::step_link(&lesson.id, k));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The homework lists every exercise of a lesson with its goals and link, and nothing else.
    #[test]
    fn homework_lists_each_exercise_with_its_goals_and_link() {
        let lessons = crate::lesson::built_in();
        let lesson = lessons
            .iter()
            .find(|l| l.id == "the-core")
            .expect("lesson 0");
        let md = homework(lesson, "https://host/app/");
        let k = lesson
            .steps
            .iter()
            .position(Step::is_exercise)
            .expect("an exercise");
        assert!(md.starts_with("# Homework: Lesson 0"), "{md}");
        assert!(
            md.contains(&format!("## {}", lesson.steps[k].title)),
            "{md}"
        );
        assert!(
            md.contains(&format!(
                "<https://host/app/#lesson?id=the-core&step={}>",
                k + 1
            )),
            "{md}"
        );
        assert!(
            md.contains("- the leader ends within 0.001 of x* = 1.5"),
            "{md}"
        );
        assert_eq!(md.matches("\n## ").count(), 1, "only the exercises: {md}");
    }
}
