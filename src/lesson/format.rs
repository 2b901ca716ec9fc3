//! The lesson file format: plain text a lecturer writes by hand, read line by line so every error names
//! its line and field. Documented in `docs/lessons.md`; the built-in lessons in `assets/lessons/` are
//! examples.
//!
//! ```text
//! # Leader and follower: Nash ≠ Stackelberg      ← the lesson's title
//! id: nash-vs-stackelberg                         ← header fields, before the first step
//! summary: Where do the two kinds of play end, and why?
//! minutes: 10
//!
//! ## Two players, one plane                       ← a step
//! view: #playground?problem.name=toy              ← the live view, any view's link
//! run: 2000                                       ← optional: play the view to step 2000
//! focus: picture                                  ← optional: ring a published control
//! parts: plane phi-curve                          ← optional: the figure parts the stage shows
//! controls: play outer-lr                         ← optional: the controls beside them
//!
//! Text, in paragraphs, with **bold**, *italic* and "- " bullets.
//!
//! ? Where will simultaneous play end?             ← optional question, 2–4 answers, one marked [x]
//! - [x] at the Nash point (1, 1)
//! - [ ] at the Stackelberg point (1.5, 1.5)
//! > Shown after the run: why.
//!
//! try: Drag the outer step size up.               ← optional prompts, any number
//! claim: runs.0.x.0 = 1 ± 1e-3 | simultaneous play ends at x = 1
//! invariant: runs.0.status == ok | and never diverges   ← optional: true before and after the run
//!
//! ## Exercise: make it converge                   ← a step with `goal:` lines is an exercise
//! view: #playground?outer_lr=9
//! goal: runs.0.status == ok | the run converges   ← checked live on the student's own view
//! solution: #playground?outer_lr=0.5              ← a state that reaches the goals (`lesson check`)
//! ```

pub use super::model::{Lesson, LessonError, MAX_STEPS, Question, Step, StepLines};
use super::model::{error, field, nonempty};
use super::step_builder::StepBuilder;

impl Lesson {
    /// Parses a lesson file. The first error stops it, naming the line and the field.
    pub fn parse(text: &str) -> Result<Self, LessonError> {
        crate::scenario::check_size(text, "lesson file").map_err(|e| error(1, "file", e))?;
        let mut title = None;
        let mut id = None;
        let mut summary = String::new();
        let mut minutes = None;
        let mut steps: Vec<StepBuilder> = Vec::new();
        let mut last = 0;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            last = n;
            let line = raw.trim_end();
            if let Some(rest) = line.strip_prefix("## ") {
                if title.is_none() {
                    return Err(error(
                        n,
                        "title",
                        "the lesson needs a `# title` line before its first step",
                    ));
                }
                if let Some(step) = steps.last_mut() {
                    step.finish()?;
                }
                if steps.len() == MAX_STEPS {
                    return Err(error(n, "step", format!("at most {MAX_STEPS} steps")));
                }
                steps.push(StepBuilder::new(n, rest.trim()));
                continue;
            }
            if let Some(step) = steps.last_mut() {
                step.line(n, line)?;
                continue;
            }
            // The header: the title, then `key: value` fields.
            if let Some(rest) = line.strip_prefix("# ") {
                if title.is_some() {
                    return Err(error(n, "title", "a second `# title` line"));
                }
                title = Some(nonempty(n, "title", rest)?);
            } else if line.trim().is_empty() {
            } else if let Some((key, value)) = field(line) {
                match key {
                    "id" => id = Some(lesson_id(n, value)?),
                    "summary" => summary = value.to_owned(),
                    "minutes" => {
                        minutes = Some(
                            value
                                .parse::<u32>()
                                .ok()
                                .filter(|m| (1..=240).contains(m))
                                .ok_or_else(|| {
                                    error(
                                        n,
                                        "minutes",
                                        format!(
                                            "a whole number of minutes in 1..=240, got `{value}`"
                                        ),
                                    )
                                })?,
                        );
                    }
                    other => {
                        return Err(error(
                            n,
                            "header",
                            format!(
                                "unknown field `{other}` (allowed before the first step: id, summary, minutes)"
                            ),
                        ));
                    }
                }
            } else {
                return Err(error(
                    n,
                    "header",
                    format!(
                        "expected `# title`, `id:`, `summary:`, `minutes:` or a `## step`, got `{line}`"
                    ),
                ));
            }
        }
        let title = title.ok_or_else(|| error(1, "title", "the lesson has no `# title` line"))?;
        let id = id.ok_or_else(|| error(1, "id", "the lesson has no `id:` line"))?;
        if let Some(step) = steps.last_mut() {
            step.finish()?;
        }
        if steps.is_empty() {
            return Err(error(last.max(1), "step", "the lesson has no `## step`"));
        }
        Ok(Self {
            id,
            title,
            summary,
            minutes: minutes.unwrap_or(10),
            steps: steps.into_iter().map(StepBuilder::build).collect(),
        })
    }

    /// The lesson as a file that [`Lesson::parse`] reads back to the same lesson.
    pub fn to_text(&self) -> String {
        let mut out = format!("# {}\nid: {}\n", self.title, self.id);
        if !self.summary.is_empty() {
            out += &format!("summary: {}\n", self.summary);
        }
        out += &format!("minutes: {}\n", self.minutes);
        for step in &self.steps {
            out += &format!("\n## {}\nview: {}\n", step.title, step.view);
            if let Some(run) = step.run {
                out += &format!("run: {run}\n");
            }
            if let Some(focus) = &step.focus {
                out += &format!("focus: {focus}\n");
            }
            for (key, ids) in [("parts", &step.parts), ("controls", &step.controls)] {
                if !ids.is_empty() {
                    out += &format!("{key}: {}\n", ids.join(" "));
                }
            }
            if !step.text.is_empty() {
                out += &format!("\n{}\n", step.text);
            }
            if let Some(q) = &step.question {
                out += &format!("\n? {}\n", q.prompt);
                for (i, answer) in q.answers.iter().enumerate() {
                    let mark = if i == q.correct { 'x' } else { ' ' };
                    out += &format!("- [{mark}] {answer}\n");
                }
                for line in q.explanation.lines() {
                    out += &format!("> {line}\n");
                }
            }
            if !step.tries.is_empty() || !step.claims.is_empty() || step.is_exercise() {
                out.push('\n');
            }
            for t in &step.tries {
                out += &format!("try: {t}\n");
            }
            for c in &step.claims {
                let key = if c.invariant { "invariant" } else { "claim" };
                out += &format!("{key}: {c}\n");
            }
            for g in &step.goals {
                out += &format!("goal: {g}\n");
            }
            if let Some(solution) = &step.solution {
                out += &format!("solution: {solution}\n");
            }
        }
        out
    }
}

fn lesson_id(n: usize, value: &str) -> Result<String, LessonError> {
    if !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(value.to_owned())
    } else {
        Err(error(
            n,
            "id",
            format!("lowercase letters, digits and `-`, at most 64, got `{value}`"),
        ))
    }
}
