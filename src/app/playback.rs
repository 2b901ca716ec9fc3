//! Playback, the same in every view that steps a run: Play / Pause, Step, Restart, a link's `step=k`
//! (the run rebuilt and replayed to step k), a settings change (the run rebuilt and replayed to the
//! step it was at) and the frame's share of work (`ViewCtx::deadline`, `budget`). A view owns a
//! [`Playback`] and a model that implements [`Stepped`] (`numerics::stepped`: no clock, no egui); its link is its state plus `step`
//! ([`link_query`], [`parse_link`]).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use web_time::Instant;

use crate::app::format;
use crate::app::stage::Controls;
use crate::app::widgets::{RunAction, run_controls_ui};
use crate::budget::work_until;
pub use crate::numerics::stepped::{Stepped, Work};
use crate::scenario::document::Document;
use crate::scenario::query::{Validate, from_query, to_query};

/// How soon a frame looks again at work going on elsewhere (Web Workers), when nothing else asks for one:
/// a worker wakes the page with each update it sends, so this only keeps "the run ends in …" counting
/// down. Seldom, because every frame drawn in software takes a share of the cores the workers train on.
const WAITING: std::time::Duration = std::time::Duration::from_millis(500);

/// Play / pause, the step to reach, and a link's pending step.
#[derive(Clone, Debug, Default)]
pub struct Playback {
    pub playing: bool,
    /// The step the run should reach: Play advances it, Step sets it one ahead, a link sets it.
    target: usize,
    /// Set by a link: rebuild the run and replay it to this step.
    replay: Option<usize>,
    /// The last frame found the work going on elsewhere (`Work::Waiting`): the spinner turns quietly.
    elsewhere: bool,
}

impl Playback {
    /// After opening a link: paused, the run to be rebuilt and replayed to `step` (0 without one).
    pub fn open_at(&mut self, step: Option<usize>) {
        self.playing = false;
        self.replay = Some(step.unwrap_or(0));
    }

    /// The step the run is heading for.
    pub fn target(&self) -> usize {
        self.target
    }

    /// Whether the run must be rebuilt from step 0 before this frame's work (Restart, or a link); sets
    /// the step to replay to. A view rebuilds its run also when its settings changed, keeping the target,
    /// so the new run is replayed to the step the old one was at.
    pub fn restart(&mut self, action: RunAction) -> bool {
        if action == RunAction::Reset {
            self.replay = None;
            self.target = 0;
            return true;
        }
        match self.replay.take() {
            Some(step) => {
                self.target = step;
                true
            }
            None => false,
        }
    }

    /// Moves the target (Step: one ahead; playing: `per_frame` ahead, up to `last`, where playing
    /// stops) and works towards it until it is reached or `deadline` passes (after one unit of work at
    /// least); asks for the next frame while anything is left.
    pub fn advance(
        &mut self,
        ctx: &egui::Context,
        action: RunAction,
        run: &mut dyn Stepped,
        per_frame: usize,
        last: usize,
        deadline: Instant,
    ) {
        if action == RunAction::Step {
            self.target = run.steps() + 1;
        }
        if self.playing {
            self.target = (self.target.max(run.steps()) + per_frame).min(last.max(run.steps()));
            if self.target >= last {
                self.playing = false;
            }
        }
        let target = self.target;
        let (mut stuck, mut waiting) = (false, false);
        let left = work_until(deadline, || match run.work(target) {
            Work::Busy => true,
            Work::Done => false,
            Work::Stuck => {
                stuck = true;
                false
            }
            Work::Waiting => {
                waiting = true;
                false
            }
        });
        if stuck {
            self.target = run.steps();
            self.playing = false;
        }
        self.elsewhere = waiting;
        if waiting {
            // The workers wake the page when an update arrives; this is the fallback.
            ctx.request_repaint_after(WAITING);
        } else if self.playing || left {
            ctx.request_repaint();
        }
    }

    /// Play / Step / Restart (those `c` shows) and "step k of N" (with a spinner while the run catches up
    /// with its target); returns what was asked for this frame.
    pub fn controls_ui(
        &mut self,
        ui: &mut egui::Ui,
        c: &mut Controls<'_>,
        steps: usize,
        last: usize,
    ) -> RunAction {
        if !c.shows_any(&Controls::RUN) {
            return run_controls_ui(ui, &mut self.playing, c);
        }
        let (busy, elsewhere) = (steps < self.target, self.elsewhere);
        let progress = |ui: &mut egui::Ui| {
            ui.label(format!(
                "step {} of {}",
                format::count(steps),
                format::count(last)
            ));
            if busy && elsewhere {
                crate::app::widgets::quiet_spinner(ui);
            } else if busy {
                ui.spinner();
            }
        };
        if c.full() {
            let action = run_controls_ui(ui, &mut self.playing, c);
            progress(ui);
            return action;
        }
        // On a stage: the buttons on a line, the progress under them.
        c.group(ui, |ui, c| {
            let action = ui
                .horizontal(|ui| run_controls_ui(ui, &mut self.playing, c))
                .inner;
            ui.horizontal(progress);
            action
        })
    }

    /// A frame of a view whose model is built from its state: rebuilt (`Built::rebuild_if`) on Restart, a
    /// link or `stale` (its `run` half changed, as the view found it this frame) and replayed to the step it
    /// was at, then played as [`Self::advance`] plays, `frame` = (steps per frame, last step). Says whether it
    /// was rebuilt (the view then drops what it drew from the old model).
    pub fn play<S: Document, M: Stepped>(
        &mut self,
        (ctx, action, deadline): (&egui::Context, RunAction, Instant),
        run: &mut Built<M>,
        (state, stale): (&S, bool),
        build: impl FnOnce(&S) -> Result<M, String>,
        (per_frame, last): (usize, usize),
    ) -> bool {
        let rebuilt = self.restart(action) || stale;
        run.rebuild_if(state, rebuilt, build);
        self.advance(ctx, action, &mut run.model, per_frame, last, deadline);
        rebuilt
    }

    /// The step a link records: the one the paused run is at or heading for (a link's, before its
    /// first frame); none while playing, so the address is not rewritten every frame, nor at step 0.
    pub fn link_step(&self) -> Option<usize> {
        let step = self.replay.unwrap_or(self.target);
        (!self.playing && step > 0).then_some(step)
    }
}

/// A view's model and the `run` half of the state it was built from (`Document::run_key`): a model (or
/// its error) is rebuilt when that half changes, never for a change in `show`, and a state that failed to
/// build is not rebuilt every frame.
pub struct Built<M> {
    key: Value,
    pub model: Result<M, String>,
}

impl<M> Built<M> {
    pub fn new<S: Document>(state: &S, build: impl FnOnce(&S) -> Result<M, String>) -> Self {
        Self {
            key: state.run_key(),
            model: build(state),
        }
    }

    /// Whether `state`'s `run` half is not the one the model was built from.
    pub fn stale<S: Document>(&self, state: &S) -> bool {
        self.key != state.run_key()
    }

    /// Rebuilds the model from `state` when `rebuild` (Restart, a link, or [`Self::stale`] as the caller
    /// found it: the `run` half is read once a frame); says whether it did.
    pub fn rebuild_if<S: Document>(
        &mut self,
        state: &S,
        rebuild: bool,
        build: impl FnOnce(&S) -> Result<M, String>,
    ) -> bool {
        if rebuild {
            *self = Self::new(state, build);
        }
        rebuild
    }
}

/// A stepping view's link: its state's parameters, and `step=k` when paused after k steps.
pub fn link_query(state: &impl Serialize, step: Option<usize>) -> Vec<(String, String)> {
    let mut query = to_query(state);
    if let Some(step) = step {
        query.push(("step".to_owned(), step.to_string()));
    }
    query
}

/// Reads a stepping view's link: its state, and the step (at most `last(&state)`, named `name` in the
/// message) it replays to. Errors name the field.
pub fn parse_link<S: Serialize + DeserializeOwned + Default + Validate>(
    query: &[(String, String)],
    last: impl Fn(&S) -> usize,
    name: &str,
) -> Result<(S, Option<usize>), String> {
    let (steps, rest): (Vec<_>, Vec<_>) = query.iter().cloned().partition(|(k, _)| k == "step");
    let state: S = from_query(&rest)?;
    let Some((_, text)) = steps.last() else {
        return Ok((state, None));
    };
    let last = last(&state);
    match text.parse::<usize>() {
        Ok(k) if k <= last => Ok((state, Some(k))),
        _ => Err(format!(
            "URL parameter `step`: must be an integer in 0..={last} ({name}), got `{text}`"
        )),
    }
}

/// The state half of a view's [`View`] impl, the same in every view with a scenario kept in `self.state`:
/// `anchor` (the state's `Document::ANCHOR`), `title`, `reset` (back to `Default`), `state_json`, `staging`
/// (the module's `STAGING`: its figure parts, `app::stage`) and its link. `view_state!(State, last, "Title")` is for a view that steps a run through `self.playback`
/// (`app::playback`): the link is the state plus `step=k`, at most the state's field `last`.
/// `view_state!(links State, "Title")` gives `to_query` only, for a view whose `apply_query` does more than
/// set the state.
macro_rules! view_state {
    (@state $state:ty, $title:literal) => {
        fn anchor(&self) -> &'static str {
            <$state as $crate::scenario::document::Document>::ANCHOR
        }

        fn title(&self) -> &'static str {
            $title
        }

        fn reset(&mut self) {
            *self = Self::default();
        }

        fn state_json(&self) -> Option<serde_json::Value> {
            serde_json::to_value(&self.state).ok()
        }

        fn staging(&self) -> Option<&'static $crate::app::stage::Staging> {
            Some(&STAGING)
        }
    };
    (links $state:ty, $title:literal) => {
        $crate::app::playback::view_state!(@state $state, $title);

        fn to_query(&self) -> Vec<(String, String)> {
            $crate::scenario::query::to_query(&self.state)
        }
    };
    ($state:ty, $last:ident, $title:literal) => {
        $crate::app::playback::view_state!(@state $state, $title);

        fn to_query(&self) -> Vec<(String, String)> {
            $crate::app::playback::link_query(&self.state, self.playback.link_step())
        }

        fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
            let (state, step) =
                $crate::app::playback::parse_link(query, |s: &$state| s.$last, stringify!($last))?;
            self.state = state;
            self.playback.open_at(step);
            Ok(())
        }
    };
}
pub(crate) use view_state;

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of unit steps that diverges at `stuck_at`.
    struct Counter {
        step: usize,
        stuck_at: usize,
    }

    impl Stepped for Counter {
        fn steps(&self) -> usize {
            self.step
        }
        fn work(&mut self, target: usize) -> Work {
            if self.step >= target {
                Work::Done
            } else if self.step >= self.stuck_at {
                Work::Stuck
            } else {
                self.step += 1;
                Work::Busy
            }
        }
    }

    fn soon() -> Instant {
        Instant::now() + std::time::Duration::from_millis(50)
    }

    #[test]
    fn step_play_restart_and_links() {
        let ctx = egui::Context::default();
        let mut run = Counter {
            step: 0,
            stuck_at: 100,
        };
        let mut p = Playback::default();
        p.advance(&ctx, RunAction::Step, &mut run, 5, 50, soon());
        assert_eq!((run.step, p.playing), (1, false));
        p.playing = true;
        for _ in 0..20 {
            p.advance(&ctx, RunAction::None, &mut run, 5, 50, soon());
        }
        assert_eq!((run.step, p.playing, p.link_step()), (50, false, Some(50)));
        assert!(p.restart(RunAction::Reset) && p.target() == 0);
        p.open_at(Some(7));
        assert_eq!(p.link_step(), Some(7));
        assert!(p.restart(RunAction::None) && p.target() == 7 && !p.restart(RunAction::None));
        // Every run diverged: playback stops at the step where it stuck.
        let mut stuck = Counter {
            step: 0,
            stuck_at: 3,
        };
        p.playing = true;
        p.advance(&ctx, RunAction::None, &mut stuck, 10, 50, soon());
        assert_eq!((stuck.step, p.playing, p.target()), (3, false, 3));
    }

    /// A model is rebuilt when the `run` half changes, never for `show`; an off learner's settings are
    /// not part of Control's run.
    #[test]
    fn models_are_rebuilt_on_the_run_half_only() {
        use crate::scenario::{control_lab::ControlLabState, playground::PlaygroundState};
        let (ctx, mut p) = (egui::Context::default(), Playback::default());
        let build = |_: &PlaygroundState| {
            Ok(Counter {
                step: 0,
                stuck_at: 100,
            })
        };
        let mut state = PlaygroundState::default();
        let mut built = Built::new(&state, build);
        let mut play = |state: &PlaygroundState| {
            let stale = built.stale(state);
            let rebuilt = p.play(
                (&ctx, RunAction::None, soon()),
                &mut built,
                (state, stale),
                build,
                (1, 9),
            );
            (rebuilt, built.stale(state))
        };
        state.stop_at += 1;
        state.steps_per_frame += 1;
        assert_eq!(play(&state), (false, false));
        state.outer_lr *= 2.0;
        assert_eq!(play(&state), (true, false));
        let mut control = ControlLabState::default();
        let built = Built::new(&control, |_| Ok::<(), String>(()));
        let off = control.learners.iter().position(|l| !l.on).unwrap_or(3);
        control.learners[off].on = false;
        control.learners[off].blpo.rank += 1;
        control.shown = 1;
        assert!(!built.stale(&control));
        control.stop_at += 1;
        assert!(built.stale(&control));
    }
}
