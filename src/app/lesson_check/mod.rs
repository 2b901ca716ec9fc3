//! Plays a lesson's steps headless and checks their claims: the step's view is built exactly as the app
//! builds it (the same `View`, the same link, the CPU twins for GPU work), driven frame by frame through
//! an egui context without a window until its report holds still, and each claim is read off that
//! report. So a lesson can only claim what the app shows. Used by `bilevel-lab lesson check` and the
//! tests of the built-in lessons. The views are opened by the `OpenView` the caller passes (the app's
//! `views::by_anchor`), so this module, which the lesson view uses, does not import the list of views that
//! holds the lesson view.

use std::time::Duration;

use serde_json::Value;
use web_time::Instant;

use crate::app::headless::{Headless, StepPlayer};
use crate::app::view::{OpenView, View, ViewReport};
use crate::lesson::claim::{Claim, Outcome};
use crate::lesson::format::{Lesson, LessonError, Step};
use crate::scenario::anchor::Anchor;

/// How long one step may play before the check gives up on it.
pub const STEP_LIMIT: Duration = Duration::from_secs(300);

/// One step's outcome: its claims, or why it could not be played.
#[derive(Clone, Debug)]
pub struct StepCheck {
    pub index: usize,
    pub title: String,
    pub line: usize,
    pub frames: u64,
    pub seconds: f64,
    pub error: Option<String>,
    pub claims: Vec<(Claim, Outcome)>,
    /// An exercise's goals on its solution, each with its value at the step's start.
    pub goals: Vec<(Claim, Outcome)>,
}

impl StepCheck {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.claims.iter().chain(&self.goals).all(|(_, o)| o.passed)
    }
}

/// An exercise's goals against its start (the step's link, played) and its solution (played): each goal
/// must hold on the solution, and not all of them may hold at the start — or the exercise asks nothing.
pub fn check_goals(
    goals: &[Claim],
    start: &Value,
    solution: &Value,
) -> (Vec<(Claim, Outcome)>, Option<String>) {
    let mut solved = true;
    let outcomes: Vec<(Claim, Outcome)> = goals
        .iter()
        .map(|g| {
            let at_start = g.check(start);
            solved &= at_start.passed;
            let mut end = g.check(solution);
            end.start = Some(at_start.measured);
            (g.clone(), end)
        })
        .collect();
    let error = solved.then(|| {
        "the exercise is solved at its start: the step's own link already reaches every goal"
            .to_owned()
    });
    (outcomes, error)
}

/// The step a solution link plays: the exercise's step with the solution as its view and no run.
fn solution_step(step: &Step) -> Option<Step> {
    Some(Step {
        view: step.solution.clone()?,
        run: None,
        ..step.clone()
    })
}

/// The open step's players: the step's own link, then (an exercise) its solution.
struct Playing {
    player: StepPlayer,
    started: Instant,
    /// The claims' start: the step's view at step 0, one frame.
    start: Value,
    /// An exercise's step link, played: set when its solution is being played.
    played: Option<ViewReport>,
}

/// The anchor of lesson mode, which a step cannot show.
pub const LESSON_ANCHOR: &str = "lesson";

/// The view a step's link names, with the link (and the step's run) applied.
pub fn open_view(step: &Step, open: OpenView) -> Result<Box<dyn View>, String> {
    let anchor = Anchor::parse(&step.view)?;
    if anchor.view == LESSON_ANCHOR {
        return Err("a step shows a view, not another lesson".to_owned());
    }
    let mut view = open(&anchor.view)?;
    view.apply_query(&run_query(step, &anchor))?;
    match view.staging() {
        Some(staging) => staging
            .check_parts(&step.parts)
            .map_err(|e| format!("`parts`: {e}"))?,
        None if !step.parts.is_empty() || !step.controls.is_empty() => {
            return Err(format!(
                "`parts`: the view `{}` has no figure parts to stage",
                anchor.view
            ));
        }
        None => {}
    }
    Ok(view)
}

/// The step's view at its start, before its run: the link with `step=0` where the step plays to a step (its
/// `run:` or the link's own `step`), and the report of that view's first frame.
pub fn start_report(step: &Step, open: OpenView) -> Result<Value, String> {
    let anchor = Anchor::parse(&step.view)?;
    let mut query = anchor.query.clone();
    if step.run.is_some() || query.iter().any(|(k, _)| k == "step") {
        set_step(&mut query, 0);
    }
    let mut view = open(&anchor.view)?;
    view.apply_query(&query)?;
    let (report, _) = Headless::new(view).frame();
    Ok(Value::Object(report.values))
}

/// The link's query with the step's run as `step=N` (the views that replay to a step take it).
pub fn run_query(step: &Step, anchor: &Anchor) -> Vec<(String, String)> {
    let mut query = anchor.query.clone();
    if let Some(run) = step.run {
        set_step(&mut query, run);
    }
    query
}

/// A link's query playing to `step`: its own `step` replaced.
fn set_step(query: &mut Vec<(String, String)>, step: u64) {
    query.retain(|(k, _)| k != "step");
    query.push(("step".to_owned(), step.to_string()));
}

/// Reads a lesson file and validates it against the views (see [`validate`]): what opening a file does.
pub fn load(text: &str, open: OpenView) -> Result<Lesson, LessonError> {
    let lesson = Lesson::parse(text)?;
    validate(&lesson, open)?;
    Ok(lesson)
}

/// What a lesson can be checked for without playing it, one frame of each step's view: the view exists
/// and takes the link, the focus is one of its controls, and no claim indexes past a list the view
/// reports (`runs.5` where it reports four runs). The error names the line.
pub fn validate(lesson: &Lesson, open: OpenView) -> Result<(), LessonError> {
    lesson.steps.iter().try_for_each(|s| validate_step(s, open))
}

/// [`validate`] for the steps an edit changed: a step with the same link, focus and claims as a step of
/// `before` (validated when it was made) is not drawn again — an edit costs one frame of the new step's
/// view, not one of every step's.
pub fn validate_edit(before: &Lesson, lesson: &Lesson, open: OpenView) -> Result<(), LessonError> {
    let known = |s: &Step| {
        before
            .steps
            .iter()
            .any(|b| b.view == s.view && b.focus == s.focus && b.claims == s.claims)
    };
    lesson
        .steps
        .iter()
        .filter(|s| !known(s))
        .try_for_each(|s| validate_step(s, open))
}

/// A lesson file read and validated a step per call (a step's view drawn headless takes a frame's
/// worth of work), so that opening a file never stalls the app for the whole lesson.
pub struct Validation {
    lesson: Lesson,
    next: usize,
    open: OpenView,
}

impl Validation {
    /// Reads the file; its steps are validated by [`Validation::advance`].
    pub fn new(text: &str, open: OpenView) -> Result<Self, LessonError> {
        Ok(Self {
            lesson: Lesson::parse(text)?,
            next: 0,
            open,
        })
    }

    /// Validates the next step: `Ok(Some(lesson))` after the last.
    pub fn advance(&mut self) -> Result<Option<Lesson>, LessonError> {
        if let Some(step) = self.lesson.steps.get(self.next) {
            validate_step(step, self.open)?;
            self.next += 1;
        }
        Ok((self.next >= self.lesson.steps.len()).then(|| self.lesson.clone()))
    }
}

fn validate_step(step: &Step, open: OpenView) -> Result<(), LessonError> {
    let at = |line: usize, field: &'static str, message: String| LessonError {
        line,
        field,
        message,
    };
    let mut headless =
        Headless::new(open_view(step, open).map_err(|e| at(step.lines.view, "view", e))?);
    let (report, _) = headless.frame();
    if let Some(focus) = &step.focus
        && !report.controls.iter().any(|r| r.id == focus)
    {
        let ids: Vec<&str> = report.controls.iter().map(|r| r.id).collect();
        return Err(at(
            step.lines.heading,
            "focus",
            format!(
                "`{focus}` is not a control of this view (it has: {})",
                ids.join(", ")
            ),
        ));
    }
    let values = Value::Object(report.values);
    for (claim, &line) in step.claims.iter().zip(&step.lines.claims) {
        if let Some(message) = claim.index_past_end(&values) {
            return Err(at(line, "claim", message));
        }
    }
    Ok(())
}

/// Plays every step of a lesson and checks its claims.
pub fn check(lesson: &Lesson, limit: Duration, open: OpenView) -> Vec<StepCheck> {
    let mut checker = LessonChecker::new(lesson.clone(), limit, open);
    while !checker.done() {
        checker.advance();
    }
    checker.steps
}

/// Checks a lesson one frame at a time (what [`check`] loops over, and what the app runs a frame of per
/// frame of its own).
pub struct LessonChecker {
    lesson: Lesson,
    limit: Duration,
    /// The steps checked so far.
    pub steps: Vec<StepCheck>,
    player: Option<Playing>,
    open: OpenView,
}

impl LessonChecker {
    pub fn new(lesson: Lesson, limit: Duration, open: OpenView) -> Self {
        Self {
            lesson,
            limit,
            steps: Vec::new(),
            player: None,
            open,
        }
    }

    pub fn done(&self) -> bool {
        self.steps.len() == self.lesson.steps.len()
    }

    /// The lesson being checked.
    pub fn lesson(&self) -> &Lesson {
        &self.lesson
    }

    /// Opens the next step or draws one frame of the open one; records the step once it has played.
    pub fn advance(&mut self) {
        self.advance_within(None);
    }

    /// [`Self::advance`] whose frame's sliced work stops at `deadline` (the app's frame's share).
    pub fn advance_within(&mut self, deadline: Option<Instant>) {
        let index = self.steps.len();
        let Some(step) = self.lesson.steps.get(index) else {
            return;
        };
        let mut out = StepCheck {
            index,
            title: step.title.clone(),
            line: step.lines.heading,
            frames: 0,
            seconds: 0.0,
            error: None,
            claims: Vec::new(),
            goals: Vec::new(),
        };
        if self.player.is_none() {
            let opened = start_report(step, self.open)
                .and_then(|start| Ok((StepPlayer::new(open_view(step, self.open)?), start)));
            match opened {
                Ok((player, start)) => {
                    self.player = Some(Playing {
                        player,
                        started: Instant::now(),
                        start,
                        played: None,
                    });
                }
                Err(e) => {
                    out.error = Some(e);
                    self.steps.push(out);
                    return;
                }
            }
        }
        let Some(playing) = self.player.as_mut() else {
            return;
        };
        let report = match playing.player.advance_within(self.limit, deadline) {
            Ok(None) => return,
            Ok(Some(report)) => Ok(report),
            Err(e) => Err(e),
        };
        out.frames = playing.player.frames();
        out.seconds = playing.started.elapsed().as_secs_f64();
        match (report, playing.played.take()) {
            // An exercise's own link has played: now its solution.
            (Ok(report), None) if step.is_exercise() => {
                match solution_step(step).map(|s| open_view(&s, self.open)) {
                    Some(Ok(view)) => {
                        playing.player = StepPlayer::new(view);
                        playing.played = Some(report);
                        return;
                    }
                    Some(Err(e)) => out.error = Some(format!("the solution: {e}")),
                    None => out.error = Some("an exercise without a solution".to_owned()),
                }
            }
            (Ok(report), played) => {
                let (step_report, solution) = match played {
                    Some(played) => (played, Some(report)),
                    None => (report, None),
                };
                let values = Value::Object(step_report.values);
                out.claims = step
                    .claims
                    .iter()
                    .map(|c| {
                        let start = c.check(&playing.start);
                        (c.clone(), c.check(&values).against_start(c, start))
                    })
                    .collect();
                if let Some(solution) = solution {
                    let (goals, error) =
                        check_goals(&step.goals, &values, &Value::Object(solution.values));
                    out.goals = goals;
                    out.error = error;
                }
            }
            (Err(e), played) => {
                let what = if played.is_some() {
                    "the solution: "
                } else {
                    ""
                };
                out.error = Some(format!("{what}{e}"));
            }
        }
        self.player = None;
        self.steps.push(out);
    }
}

pub mod grade;

#[cfg(test)]
mod tests;
