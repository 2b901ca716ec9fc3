//! A lesson step read line by line (`format.rs` reads the file and hands each step's lines here): the
//! view, run, focus, question, prompts, claims and an exercise's goals and solution, each error naming its
//! line and field.

use super::claim::Claim;
use super::model::{ANSWERS, LessonError, Question, Step, StepLines, error, field, nonempty};

/// A view's link on line `n` (`view:`, `solution:`), as the app writes links.
fn link(n: usize, field: &'static str, value: &str) -> Result<String, LessonError> {
    let anchor = crate::scenario::anchor::Anchor::parse(value).map_err(|e| error(n, field, e))?;
    if anchor.view.is_empty() {
        return Err(error(
            n,
            field,
            "write the view's link, e.g. `#stackelberg?reg=0.04`",
        ));
    }
    Ok(anchor.to_hash())
}

/// A step as its lines are read.
pub(super) struct StepBuilder {
    step: Step,
    text: Vec<String>,
    /// The question's line while it is open (its answers and explanation may follow).
    question_line: Option<usize>,
    answers: Vec<(String, bool)>,
    explanation: Vec<String>,
}

impl StepBuilder {
    pub(super) fn new(line: usize, title: &str) -> Self {
        Self {
            step: Step {
                title: title.to_owned(),
                lines: StepLines {
                    heading: line,
                    ..StepLines::default()
                },
                ..Step::default()
            },
            text: Vec::new(),
            question_line: None,
            answers: Vec::new(),
            explanation: Vec::new(),
        }
    }

    pub(super) fn line(&mut self, n: usize, line: &str) -> Result<(), LessonError> {
        if self.step.title.is_empty() {
            return Err(error(
                self.step.lines.heading,
                "step",
                "a step needs a title after `## `",
            ));
        }
        if let Some(prompt) = line.strip_prefix("? ") {
            if self.step.question.is_some() || self.question_line.is_some() {
                return Err(error(n, "question", "one question per step"));
            }
            self.question_line = Some(n);
            self.step.question = Some(Question {
                prompt: nonempty(n, "question", prompt)?,
                answers: Vec::new(),
                correct: 0,
                explanation: String::new(),
            });
            return Ok(());
        }
        if let Some(rest) = line.strip_prefix("- [") {
            if self.question_line.is_none() {
                return Err(error(
                    n,
                    "answer",
                    "an answer `- [ ]` outside a question (start one with `? `)",
                ));
            }
            let (mark, answer) = rest.split_once("] ").ok_or_else(|| {
                error(n, "answer", "write answers as `- [x] text` or `- [ ] text`")
            })?;
            let correct = match mark {
                "x" | "X" => true,
                " " => false,
                _ => {
                    return Err(error(
                        n,
                        "answer",
                        format!("the mark is `x` or a space, got `{mark}`"),
                    ));
                }
            };
            self.answers.push((nonempty(n, "answer", answer)?, correct));
            return Ok(());
        }
        if let Some(rest) = line.strip_prefix('>') {
            if self.question_line.is_none() {
                return Err(error(
                    n,
                    "explanation",
                    "an explanation `>` outside a question",
                ));
            }
            self.explanation.push(rest.trim().to_owned());
            return Ok(());
        }
        if let Some((key, value)) = field(line) {
            match key {
                "view" => {
                    if !self.step.view.is_empty() {
                        return Err(error(n, "view", "one view per step"));
                    }
                    self.step.view = link(n, "view", value)?;
                    self.step.lines.view = n;
                }
                "run" => {
                    let run = value
                        .parse::<u64>()
                        .ok()
                        .filter(|r| (1..=1_000_000).contains(r));
                    self.step.run = Some(run.ok_or_else(|| {
                        error(
                            n,
                            "run",
                            format!(
                                "the step to play to, a whole number in 1..=1000000, got `{value}`"
                            ),
                        )
                    })?);
                }
                "focus" => self.step.focus = Some(nonempty(n, "focus", value)?),
                "parts" => self.step.parts = ids(n, "parts", value, &self.step.parts)?,
                "controls" => self.step.controls = ids(n, "controls", value, &self.step.controls)?,
                "try" => self.step.tries.push(nonempty(n, "try", value)?),
                "claim" | "invariant" => {
                    let field = if key == "claim" { "claim" } else { "invariant" };
                    let mut claim = Claim::parse(value).map_err(|e| error(n, field, e))?;
                    claim.invariant = key == "invariant";
                    self.step.claims.push(claim);
                    self.step.lines.claims.push(n);
                }
                "goal" => {
                    let goal = Claim::parse(value).map_err(|e| error(n, "goal", e))?;
                    self.step.goals.push(goal);
                    self.step.lines.goals.push(n);
                }
                "solution" => {
                    if self.step.solution.is_some() {
                        return Err(error(n, "solution", "one solution per exercise"));
                    }
                    self.step.solution = Some(link(n, "solution", value)?);
                    self.step.lines.solution = n;
                }
                // Any other `word:` line is text ("Note: …").
                _ => return self.text_line(n, line),
            }
            return Ok(());
        }
        self.text_line(n, line)
    }

    fn text_line(&mut self, n: usize, line: &str) -> Result<(), LessonError> {
        self.close_question(n)?;
        self.text.push(line.to_owned());
        Ok(())
    }

    /// Ends an open question at the first line that is none of its parts.
    fn close_question(&mut self, n: usize) -> Result<(), LessonError> {
        let Some(at) = self.question_line.take() else {
            return Ok(());
        };
        let answers = std::mem::take(&mut self.answers);
        let marked: Vec<usize> = (0..answers.len()).filter(|&i| answers[i].1).collect();
        if !(ANSWERS.0..=ANSWERS.1).contains(&answers.len()) {
            return Err(error(
                at,
                "question",
                format!(
                    "{}–{} answers `- [ ] …` must follow, found {} before line {n}",
                    ANSWERS.0,
                    ANSWERS.1,
                    answers.len()
                ),
            ));
        }
        if marked.len() != 1 {
            return Err(error(
                at,
                "question",
                format!("mark exactly one answer `- [x]`, found {}", marked.len()),
            ));
        }
        if let Some(q) = &mut self.step.question {
            q.answers = answers.into_iter().map(|(a, _)| a).collect();
            q.correct = marked[0];
            q.explanation = std::mem::take(&mut self.explanation).join("\n");
        }
        Ok(())
    }

    pub(super) fn finish(&mut self) -> Result<(), LessonError> {
        self.close_question(self.step.lines.heading)?;
        if self.step.view.is_empty() {
            return Err(error(
                self.step.lines.heading,
                "view",
                format!("step `{}` has no `view:` line", self.step.title),
            ));
        }
        let heading = self.step.lines.heading;
        match (self.step.is_exercise(), &self.step.solution) {
            (true, None) => {
                return Err(error(
                    heading,
                    "solution",
                    "an exercise needs a `solution:` link that reaches its goals (`lesson check` plays it)",
                ));
            }
            (false, Some(_)) => {
                return Err(error(
                    self.step.lines.solution,
                    "solution",
                    "a `solution:` belongs to an exercise: add its `goal:` lines",
                ));
            }
            (true, Some(solution)) => {
                let view = |link: &str| link.split('?').next().unwrap_or_default().to_owned();
                if view(solution) != view(&self.step.view) {
                    return Err(error(
                        self.step.lines.solution,
                        "solution",
                        format!(
                            "the solution is a link of the step's view `{}`, got `{}`",
                            view(&self.step.view),
                            view(solution)
                        ),
                    ));
                }
            }
            (false, None) => {}
        }
        if self.step.claims.iter().all(|c| c.invariant)
            && let Some(&line) = self.step.lines.claims.first()
        {
            return Err(error(
                line,
                "invariant",
                "a step with invariants needs a `claim:` too: something its run changes",
            ));
        }
        Ok(())
    }

    pub(super) fn build(self) -> Step {
        let mut step = self.step;
        let lines: Vec<&str> = self.text.iter().map(String::as_str).collect();
        step.text = lines.join("\n").trim().to_owned();
        step
    }
}

/// A `parts:` or `controls:` line: ids (lower case, digits, `-`) separated by spaces, once per step.
fn ids(
    n: usize,
    field: &'static str,
    value: &str,
    before: &[String],
) -> Result<Vec<String>, LessonError> {
    if !before.is_empty() {
        return Err(error(n, field, format!("one `{field}:` line per step")));
    }
    let ids: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
    if ids.is_empty() {
        return Err(error(n, field, "name at least one id"));
    }
    if let Some(bad) = ids.iter().find(|id| {
        !id.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }) {
        return Err(error(
            n,
            field,
            format!("`{bad}` is not an id (lower-case letters, digits and `-`)"),
        ));
    }
    Ok(ids)
}
