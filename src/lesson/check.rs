//! Plays a lesson's steps headless and checks their claims: the step's view is built exactly as the app
//! builds it (the same `View`, the same link, the CPU twins for GPU work), driven frame by frame through
//! an egui context without a window until its report holds still, and each claim is read off that
//! report. So a lesson can only claim what the app shows. Used by `bilevel-lab lesson check` and the
//! tests of the built-in lessons.

use std::time::Duration;

use serde_json::Value;
use web_time::Instant;

use super::claim::{Claim, Outcome};
use super::format::{Lesson, LessonError, Step};
use crate::app::anchor::Anchor;
use crate::app::{Look, View, ViewCtx, ViewReport, views};
use crate::gpu::{ComputeRuntime, SelfCheck};

/// How long one step may play before the check gives up on it.
pub const STEP_LIMIT: Duration = Duration::from_secs(300);

/// A step has played when its view's report has been the same this many frames in a row and the view
/// asks for no further frame (it is idle) ...
const STILL_FRAMES: usize = 3;
/// ... or, for a view that keeps asking for frames without changing (a run that diverged before the
/// step it was to reach), this many.
const STUCK_FRAMES: usize = 300;

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
}

impl StepCheck {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.claims.iter().all(|(_, o)| o.passed)
    }
}

/// The anchor of lesson mode, which a step cannot show.
pub const LESSON_ANCHOR: &str = "lesson";

/// The view a step's link names, with the link (and the step's run) applied.
pub fn open_view(step: &Step) -> Result<Box<dyn View>, String> {
    let anchor = Anchor::parse(&step.view)?;
    if anchor.view == LESSON_ANCHOR {
        return Err("a step shows a view, not another lesson".to_owned());
    }
    let mut view = views::all()
        .into_iter()
        .find(|v| v.anchor() == anchor.view)
        .ok_or_else(|| {
            let known: Vec<&str> = views::all().iter().map(|v| v.anchor()).collect();
            format!(
                "unknown view `{}` (views: {})",
                anchor.view,
                known.join(", ")
            )
        })?;
    view.apply_query(&run_query(step, &anchor))?;
    Ok(view)
}

/// The link's query with the step's run as `step=N` (the views that replay to a step take it).
pub fn run_query(step: &Step, anchor: &Anchor) -> Vec<(String, String)> {
    let mut query = anchor.query.clone();
    if let Some(run) = step.run {
        query.retain(|(k, _)| k != "step");
        query.push(("step".to_owned(), run.to_string()));
    }
    query
}

/// A view driven headless, one frame per call, as the app drives it (CPU twins for GPU work).
pub struct Headless<V: View + ?Sized = dyn View> {
    pub view: Box<V>,
    ctx: egui::Context,
    runtime: ComputeRuntime,
    self_check: SelfCheck,
}

impl Headless {
    pub fn open(step: &Step) -> Result<Self, String> {
        Ok(Headless::new(open_view(step)?))
    }
}

impl<V: View + ?Sized> Headless<V> {
    /// Drives `view` headless.
    pub fn new(view: Box<V>) -> Self {
        let mut runtime = ComputeRuntime::cpu("headless lesson check");
        let self_check = SelfCheck::start_default(&mut runtime);
        Self {
            view,
            ctx: egui::Context::default(),
            runtime,
            self_check,
        }
    }

    /// Draws one frame at 1280 × 800 and returns what the view reported and whether it asked for
    /// another frame at once (it is still working).
    pub fn frame(&mut self) -> (ViewReport, bool) {
        self.frame_with(Vec::new()).0
    }

    /// [`Self::frame`] with input events (key presses in tests); also returns the link the view asked
    /// the shell to open, if any.
    pub fn frame_with(&mut self, events: Vec<egui::Event>) -> ((ViewReport, bool), Option<String>) {
        let mut report = ViewReport::default();
        let mut navigate = None;
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 800.0),
            )),
            events,
            ..Default::default()
        };
        let Self {
            view,
            ctx,
            runtime,
            self_check,
        } = self;
        let mut output = ctx.run_ui(input, |ui| {
            runtime.poll();
            let mut vctx = ViewCtx {
                runtime,
                self_check,
                look: Look {
                    dark: false,
                    projector: false,
                },
                report: &mut report,
                navigate: &mut navigate,
            };
            egui::CentralPanel::default().show(ui, |ui| view.ui(ui, &mut vctx));
        });
        // Nothing is painted headless: the font atlas updates are dropped on purpose.
        output.textures_delta.clear();
        let busy = output
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .is_some_and(|v| v.repaint_delay.is_zero());
        ((report, busy), navigate)
    }
}

/// Plays one step frame by frame until the view's report holds still (see [`STILL_FRAMES`]): the CLI
/// loops over it, the app draws one of its frames per frame of its own ("Check this lesson").
pub struct StepPlayer {
    headless: Headless,
    last: Option<Value>,
    still: usize,
    frames: u64,
    started: Instant,
}

impl StepPlayer {
    pub fn open(step: &Step) -> Result<Self, String> {
        Ok(Self {
            headless: Headless::open(step)?,
            last: None,
            still: 0,
            frames: 0,
            started: Instant::now(),
        })
    }

    /// Draws one frame: `Ok(Some(report))` once the step has played, `Err` past `limit`.
    pub fn advance(&mut self, limit: Duration) -> Result<Option<ViewReport>, String> {
        let (report, busy) = self.headless.frame();
        self.frames += 1;
        let values = Value::Object(report.values.clone());
        self.still = if self.last.as_ref() == Some(&values) {
            self.still + 1
        } else {
            0
        };
        if (self.still >= STILL_FRAMES && !busy) || self.still >= STUCK_FRAMES {
            return Ok(Some(report));
        }
        self.last = Some(values);
        if self.started.elapsed() > limit {
            return Err(format!(
                "the view was still changing after {} s ({} frames)",
                limit.as_secs(),
                self.frames
            ));
        }
        Ok(None)
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }
}

/// Plays one step until the view's report holds still; returns the report and the frames drawn.
pub fn play(step: &Step, limit: Duration) -> Result<(ViewReport, u64), String> {
    let mut player = StepPlayer::open(step)?;
    loop {
        if let Some(report) = player.advance(limit)? {
            return Ok((report, player.frames()));
        }
    }
}

/// Reads a lesson file and validates it against the views (see [`validate`]): what opening a file does.
pub fn load(text: &str) -> Result<Lesson, LessonError> {
    let lesson = Lesson::parse(text)?;
    validate(&lesson)?;
    Ok(lesson)
}

/// What a lesson can be checked for without playing it, one frame of each step's view: the view exists
/// and takes the link, the focus is one of its controls, and no claim indexes past a list the view
/// reports (`runs.5` where it reports four runs). The error names the line.
pub fn validate(lesson: &Lesson) -> Result<(), LessonError> {
    for step in &lesson.steps {
        let at = |line: usize, field: &'static str, message: String| LessonError {
            line,
            field,
            message,
        };
        let mut headless = Headless::open(step).map_err(|e| at(step.lines.view, "view", e))?;
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
    }
    Ok(())
}

/// Plays every step of a lesson and checks its claims.
pub fn check(lesson: &Lesson, limit: Duration) -> Vec<StepCheck> {
    let mut checker = LessonChecker::new(lesson.clone(), limit);
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
    player: Option<(StepPlayer, Instant)>,
}

impl LessonChecker {
    pub fn new(lesson: Lesson, limit: Duration) -> Self {
        Self {
            lesson,
            limit,
            steps: Vec::new(),
            player: None,
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
        };
        if self.player.is_none() {
            match StepPlayer::open(step) {
                Ok(player) => self.player = Some((player, Instant::now())),
                Err(e) => {
                    out.error = Some(e);
                    self.steps.push(out);
                    return;
                }
            }
        }
        let Some((player, started)) = self.player.as_mut() else {
            return;
        };
        let played = match player.advance(self.limit) {
            Ok(None) => return,
            Ok(Some(report)) => Ok(report),
            Err(e) => Err(e),
        };
        out.frames = player.frames();
        out.seconds = started.elapsed().as_secs_f64();
        match played {
            Ok(report) => {
                let values = Value::Object(report.values);
                out.claims = step
                    .claims
                    .iter()
                    .map(|c| (c.clone(), c.check(&values)))
                    .collect();
            }
            Err(e) => out.error = Some(e),
        }
        self.player = None;
        self.steps.push(out);
    }
}
