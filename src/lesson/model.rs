//! A lesson's parts as the file format reads them (`format.rs`, `step_builder.rs`): the lesson, its steps,
//! questions and the error that names a line and a field.

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
    /// The figure parts the step's stage shows (`parts:`), and the controls (`controls:`); empty: the view's
    /// own stage's (`app::stage`).
    pub parts: Vec<String>,
    pub controls: Vec<String>,
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

pub(super) fn error(line: usize, field: &'static str, message: impl Into<String>) -> LessonError {
    LessonError {
        line,
        field,
        message: message.into(),
    }
}

/// The most steps a lesson may have, and the most answers a question.
pub const MAX_STEPS: usize = 50;
pub(super) const ANSWERS: (usize, usize) = (2, 4);

/// `key: value` where key is a lowercase word; `None` for other lines.
pub(super) fn field(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase())).then(|| (key, value.trim()))
}

pub(super) fn nonempty(n: usize, name: &'static str, value: &str) -> Result<String, LessonError> {
    let value = value.trim();
    if value.is_empty() {
        Err(error(n, name, "empty"))
    } else {
        Ok(value.to_owned())
    }
}
