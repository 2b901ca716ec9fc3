//! The live runs behind the Stackelberg view: for each panel and each start point a
//! [`Walker`] of the game's dynamics (`numerics::games`), stepped in lockstep, with a thinned history for
//! drawing and export (CSV, JSON). No drawing here.

use rand::SeedableRng as _;

use crate::app::widgets::export;
use crate::numerics::games::actor_critic::{
    Derivatives, GameParams, StepTerms, Walker, step_terms,
};
use crate::numerics::games::stochastic::StochasticActor;
use crate::numerics::random::SeededRng;
use crate::scenario::json::num;
use crate::scenario::stackelberg::StackelbergState;

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

/// What the runs depend on: a change restarts (and replays) them.
#[derive(Clone, Debug, PartialEq)]
pub struct RunKey {
    pub params: Vec<GameParams>,
    pub actor: Option<StochasticActor>,
    pub seed: u64,
    pub starts: Vec<(f64, f64)>,
}

impl RunKey {
    pub fn of(state: &StackelbergState) -> Self {
        Self {
            params: state.panels.iter().map(|p| state.params(p)).collect(),
            actor: state.actor(),
            seed: state.seed,
            starts: state.starts(),
        }
    }
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

impl Runs {
    /// Every recorded state as CSV: panel, start, step, θ, w.
    pub fn csv(&self) -> String {
        let rows = self.tracks.iter().enumerate().flat_map(|(p, tracks)| {
            tracks.iter().enumerate().flat_map(move |(s, track)| {
                track.history.points.iter().map(move |&(k, t, w)| {
                    vec![
                        p.to_string(),
                        s.to_string(),
                        k.to_string(),
                        t.to_string(),
                        w.to_string(),
                    ]
                })
            })
        });
        export::csv(&["panel", "start", "step", "theta", "w"], rows)
    }

    /// Every trajectory as JSON (non-finite numbers as strings): the `result` of the view's document.
    pub fn json(&self) -> serde_json::Value {
        let tracks: Vec<serde_json::Value> = self
            .tracks
            .iter()
            .map(|tracks| {
                tracks
                    .iter()
                    .map(|t| {
                        let h = &t.history.points;
                        serde_json::json!({
                            "step": h.iter().map(|p| p.0).collect::<Vec<_>>(),
                            "theta": h.iter().map(|p| num(p.1)).collect::<Vec<_>>(),
                            "w": h.iter().map(|p| num(p.2)).collect::<Vec<_>>(),
                            "theta_sign_changes": t.walker.theta_sign_changes,
                            "status": t.walker.diverged_at
                                .map_or_else(|| "ok".to_owned(), |k| format!("diverged at step {k}")),
                        })
                    })
                    .collect()
            })
            .collect();
        serde_json::json!({ "step": self.step, "panels": tracks })
    }
}

fn advance(track: &mut Track, params: &GameParams, actor: Option<&StochasticActor>) -> StepTerms {
    let (theta, w) = (track.walker.theta, track.walker.w);
    match actor {
        None => step_terms(theta, w, params, Derivatives::exact),
        Some(a) => step_terms(theta, w, params, |t, v| a.estimate(t, v, &mut track.rng)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::games::actor_critic::simulate;

    #[test]
    fn lockstep_runs_equal_the_recorded_simulation_and_thin_their_history() {
        let state = StackelbergState {
            extra_starts: vec![[0.5, -0.5]],
            ..StackelbergState::default()
        };
        let mut runs = Runs::new(RunKey::of(&state));
        let steps = 3 * MAX_POINTS + 7;
        for _ in 0..steps {
            runs.step_once();
        }
        for (panel, spec) in state.panels.iter().enumerate() {
            for (i, start) in state.starts().into_iter().enumerate() {
                let want = simulate(start, &state.params(spec), steps, steps);
                let track = &runs.tracks[panel][i];
                assert_eq!(
                    (track.walker.theta, track.walker.w),
                    (want.theta[1], want.w[1])
                );
                assert_eq!(track.walker.theta_sign_changes, want.theta_sign_changes);
                let h = &track.history;
                assert!(h.points.len() <= MAX_POINTS && h.every == 4, "{}", h.every);
                assert!(h.points.iter().all(|(k, _, _)| k % h.every == 0));
                let probe = simulate(start, &state.params(spec), 4096, 4096);
                let at = h.points.iter().find(|p| p.0 == 4096).map(|p| (p.1, p.2));
                assert_eq!(at, Some((probe.theta[1], probe.w[1])));
            }
        }
    }

    #[test]
    fn explaining_a_step_does_not_take_it_and_predicts_it() {
        let state = StackelbergState {
            stochastic: true,
            ..StackelbergState::default()
        };
        let mut runs = Runs::new(RunKey::of(&state));
        runs.step_once();
        let terms = runs.explain(2).map(|t| t.next);
        assert_eq!(runs.step, 1);
        runs.step_once();
        let w = &runs.tracks[2][0].walker;
        assert_eq!(terms, Some((w.theta, w.w)));
    }

    #[test]
    fn exports_hold_every_recorded_state() {
        let state = StackelbergState::default();
        let mut runs = Runs::new(RunKey::of(&state));
        for _ in 0..10 {
            runs.step_once();
        }
        let csv = runs.csv();
        assert!(csv.starts_with("panel,start,step,theta,w\n"));
        assert_eq!(csv.lines().count(), 1 + 4 * 11);
        let doc = runs.json();
        assert_eq!(doc["step"], 10);
        assert_eq!(doc["panels"][3][0]["theta_sign_changes"], 0);
        assert_eq!(
            doc["panels"][0][0]["theta"].as_array().map(Vec::len),
            Some(11)
        );
    }
}
