//! A run stepped a unit of work at a time, with no clock and no egui: what the app's playback drives
//! within a frame's budget, what `bilevel-lab run` and lesson checks play to the end, and what later work
//! (training in Web Workers, a classroom's followers) can step anywhere. Every lockstep of the numerics
//! implements it (`bilevel::lockstep::Lockstep`, `games::lockstep::Chunked`, `rl::lockstep::Stepping`,
//! `control::lockstep::Learners`).

/// What one unit of a model's work did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Did something; more may follow.
    Busy,
    /// Nothing left for this target.
    Done,
    /// Can't move (every run has diverged): playback stops where it is.
    Stuck,
    /// The work goes on elsewhere (Web Workers, threads): nothing to do in this frame; look again in the
    /// next.
    Waiting,
}

/// The run behind a view's pictures, stepped a unit at a time.
pub trait Stepped {
    /// Steps taken.
    fn steps(&self) -> usize;

    /// One unit of work towards `target` steps: a step, a slice of one, or a chunk of cheap steps (a
    /// unit should take well under a millisecond, so the frame budget holds).
    fn work(&mut self, target: usize) -> Work;
}

/// A run that failed to build (its settings were refused) does not move: playback stops.
impl<M: Stepped> Stepped for Result<M, String> {
    fn steps(&self) -> usize {
        self.as_ref().map_or(0, M::steps)
    }

    fn work(&mut self, target: usize) -> Work {
        match self {
            Ok(run) => run.work(target),
            Err(_) => Work::Stuck,
        }
    }
}
