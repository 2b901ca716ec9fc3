//! The Stackelberg view's runs (BLPO Fig. 1): for each panel (an update rule of the one-step
//! actor–critic game) and each start point a [`Walker`] of the game's dynamics, stepped in lockstep,
//! with a thinned history for drawing and export. The games' twin of `bilevel::lockstep` and
//! `rl::lockstep`.

use crate::numerics::stepped::{Stepped, Work};
use rand::SeedableRng as _;

use crate::numerics::games::actor_critic::{
    Derivatives, GameParams, StepTerms, Walker, step_terms,
};
use crate::numerics::games::stochastic::StochasticActor;
use crate::numerics::random::SeededRng;

/// Most points a history keeps; past that, every other point is dropped and the stride doubles.
pub const MAX_POINTS: usize = 4096;

/// States at steps 0, every, 2·every, … (`every` doubles as the run grows).
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    pub every: usize,
    /// (step, θ, w).
    pub points: Vec<(usize, f64, f64)>,
}

impl History {
    fn new(start: (f64, f64)) -> Self {
        Self {
            every: 1,
            points: vec![(0, start.0, start.1)],
        }
    }

    fn record(&mut self, step: usize, theta: f64, w: f64) {
        if !step.is_multiple_of(self.every) {
            return;
        }
        self.points.push((step, theta, w));
        if self.points.len() > MAX_POINTS {
            self.every *= 2;
            let every = self.every;
            self.points.retain(|(k, _, _)| k.is_multiple_of(every));
        }
    }
}

/// One trajectory: its walker, its sample stream (stochastic actor), its history.
#[derive(Clone, Debug)]
pub struct Track {
    pub walker: Walker,
    rng: SeededRng,
    pub history: History,
}

/// What the runs depend on (one game per panel, the stochastic actor, the seed, the start points): a
/// change restarts (and replays) them. Built from the view's state by `StackelbergState::game_key`.
#[derive(Clone, Debug, PartialEq)]
pub struct RunKey {
    pub params: Vec<GameParams>,
    pub actor: Option<StochasticActor>,
    pub seed: u64,
    pub starts: Vec<(f64, f64)>,
}

/// Every panel's tracks, all at the same step.
pub struct Runs {
    pub key: RunKey,
    /// tracks[panel][start]; start 0 is the main start point.
    pub tracks: Vec<Vec<Track>>,
    pub step: usize,
}

/// The sample stream of start point `i`: the same in every panel (common random numbers), so panels
/// differ only by their dynamics.
fn stream(seed: u64, i: usize) -> SeededRng {
    SeededRng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03))
}

impl Runs {
    pub fn new(key: RunKey) -> Self {
        let tracks = key
            .params
            .iter()
            .map(|_| {
                key.starts
                    .iter()
                    .enumerate()
                    .map(|(i, &s)| Track {
                        walker: Walker::new(s),
                        rng: stream(key.seed, i),
                        history: History::new(s),
                    })
                    .collect()
            })
            .collect();
        Self {
            key,
            tracks,
            step: 0,
        }
    }

    /// One step of every track (diverged tracks stay where they stopped).
    pub fn step_once(&mut self) {
        self.step += 1;
        let actor = self.key.actor;
        for (params, tracks) in self.key.params.iter().zip(&mut self.tracks) {
            for track in tracks.iter_mut() {
                if track.walker.diverged_at.is_some() {
                    continue;
                }
                let next = advance(track, params, actor.as_ref()).next;
                track.walker.accept(next);
                let w = &track.walker;
                track.history.record(self.step, w.theta, w.w);
                if w.diverged_at.is_some() {
                    track.history.points.push((self.step, w.theta, w.w));
                }
            }
        }
    }

    /// The terms of the next step of `panel`'s main track, without taking it (the stochastic actor's
    /// samples are the ones the step will draw).
    pub fn explain(&self, panel: usize) -> Option<StepTerms> {
        let params = self.key.params.get(panel)?;
        let mut track = self.tracks.get(panel)?.first()?.clone();
        Some(advance(&mut track, params, self.key.actor.as_ref()))
    }

    /// The main track of a panel.
    pub fn main(&self, panel: usize) -> Option<&Track> {
        self.tracks.get(panel)?.first()
    }
}

fn advance(track: &mut Track, params: &GameParams, actor: Option<&StochasticActor>) -> StepTerms {
    let (theta, w) = (track.walker.theta, track.walker.w);
    match actor {
        None => step_terms(theta, w, params, Derivatives::exact),
        Some(a) => step_terms(theta, w, params, |t, v| a.estimate(t, v, &mut track.rng)),
    }
}

/// The runs stepped a chunk of steps per unit of work.
pub struct Chunked<'a> {
    pub runs: &'a mut Runs,
    pub chunk: usize,
}

impl Stepped for Chunked<'_> {
    fn steps(&self) -> usize {
        self.runs.step
    }

    fn work(&mut self, target: usize) -> Work {
        if self.runs.step >= target {
            return Work::Done;
        }
        for _ in 0..(target - self.runs.step).min(self.chunk) {
            self.runs.step_once();
        }
        Work::Busy
    }
}
