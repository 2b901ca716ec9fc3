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

use super::claim::Claim;

/// A lesson: a title and ordered steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub minutes: u32,
    pub steps: Vec<Step>,
}

/// One step: a live view in a given state, its narrative, and what it asks and claims.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    pub title: String,
    /// The view's link, `#view?k=v&…` (checked against the view when the lesson is checked).
    pub view: String,
    /// Play the view to this step when the step runs (views with a `step` in their link).
    pub run: Option<u64>,
    /// The id of a published control or region to ring.
    pub focus: Option<String>,
    /// Paragraphs and bullets, as written (blank lines separate paragraphs).
    pub text: String,
    pub question: Option<Question>,
    pub tries: Vec<String>,
    pub claims: Vec<Claim>,
    /// An exercise's goals: claims the student's own view is checked against, live. A step with goals is
    /// an exercise.
    pub goals: Vec<Claim>,
    /// An exercise's solution: a link of the step's view that reaches every goal (`lesson check` plays it).
    pub solution: Option<String>,
    /// Where the step's parts stand in the file (1-based), for messages.
    pub lines: StepLines,
}

impl Step {
    /// A step with goals: the student changes the view until they hold.
    pub fn is_exercise(&self) -> bool {
        !self.goals.is_empty()
    }
}

/// The lines of a step's heading, its `view:`, each `claim:` and `goal:`, and its `solution:`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepLines {
    pub heading: usize,
    pub view: usize,
    pub claims: Vec<usize>,
    pub goals: Vec<usize>,
    pub solution: usize,
}

/// A question put to the class before the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub prompt: String,
    pub answers: Vec<String>,
    pub correct: usize,
    pub explanation: String,
}

/// A malformed lesson file: the line (1-based) and the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonError {
    pub line: usize,
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for LessonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, `{}`: {}", self.line, self.field, self.message)
    }
}

impl std::error::Error for LessonError {}

fn error(line: usize, field: &'static str, message: impl Into<String>) -> LessonError {
    LessonError {
        line,
        field,
        message: message.into(),
    }
}

/// The most steps a lesson may have, and the most answers a question.
pub const MAX_STEPS: usize = 50;
const ANSWERS: (usize, usize) = (2, 4);

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

/// `key: value` where key is a lowercase word; `None` for other lines.
fn field(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase())).then(|| (key, value.trim()))
}

fn nonempty(n: usize, name: &'static str, value: &str) -> Result<String, LessonError> {
    let value = value.trim();
    if value.is_empty() {
        Err(error(n, name, "empty"))
    } else {
        Ok(value.to_owned())
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

/// A step as its lines are read.
struct StepBuilder {
    step: Step,
    text: Vec<String>,
    /// The question's line while it is open (its answers and explanation may follow).
    question_line: Option<usize>,
    answers: Vec<(String, bool)>,
    explanation: Vec<String>,
}

impl StepBuilder {
    fn new(line: usize, title: &str) -> Self {
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

    fn line(&mut self, n: usize, line: &str) -> Result<(), LessonError> {
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
                    let anchor = crate::scenario::anchor::Anchor::parse(value)
                        .map_err(|e| error(n, "view", e))?;
                    if anchor.view.is_empty() {
                        return Err(error(
                            n,
                            "view",
                            "write the view's link, e.g. `#stackelberg?reg=0.04`",
                        ));
                    }
                    self.step.view = anchor.to_hash();
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
                    let anchor = crate::scenario::anchor::Anchor::parse(value)
                        .map_err(|e| error(n, "solution", e))?;
                    self.step.solution = Some(anchor.to_hash());
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

    fn finish(&mut self) -> Result<(), LessonError> {
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

    fn build(self) -> Step {
        let mut step = self.step;
        let lines: Vec<&str> = self.text.iter().map(String::as_str).collect();
        step.text = lines.join("\n").trim().to_owned();
        step
    }
}
