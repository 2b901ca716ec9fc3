//! The Control view's learners built from its state, as a [`Stepped`] model (no egui; the clock that times
//! the updates is passed in): trained in this thread's frames, a unit at a time, or by a [`Pool`] of
//! workers whose updates it records in the same order — the same numbers, bit for bit (issue 40).

use std::collections::VecDeque;

use super::ControlLabState;
use super::jobs::{Command, Pool, jobs, split};
use crate::numerics::control::blpo::Form;
use crate::numerics::control::learner::{LearnerSpec, Name};
use crate::numerics::control::lockstep::{Learners, Seeds, updates_done};
use crate::numerics::control::wire::Update;
use crate::numerics::stepped::{Stepped, Work};
use crate::scenario::control_record::{ControlRecord, LearnerRecord};
use crate::scenario::query::Validate as _;

/// The learners of one state, in lockstep.
pub struct Model {
    /// The slot of each learner switched on.
    pub slots: Vec<usize>,
    pub runs: Vec<Seeds>,
    /// Seconds from any origin: the learners' wall time per update.
    clock: fn() -> f64,
    /// The workers training the learners; none: this thread's frames do.
    remote: Option<Remote>,
    /// When each learner finished each update, by the clock (progress: updates per second, time left).
    finished_at: Vec<Vec<f64>>,
    /// The update the run stops at.
    stop_at: usize,
}

/// The page's side of training in workers: each job's updates received and not yet recorded,
/// and how far the workers were told to train.
struct Remote {
    pool: Box<dyn Pool>,
    queues: Vec<VecDeque<Update>>,
    /// The workers that were given jobs (a pool larger than the jobs has idle ones: they are told nothing).
    started: usize,
    asked: usize,
    /// Why a worker failed (the view then trains in its frames instead).
    failed: Option<String>,
}

impl Model {
    pub fn new(state: &ControlLabState, clock: fn() -> f64) -> Result<Self, String> {
        state.validate()?;
        let seeds = state.seed_list();
        let chosen = state.chosen();
        Ok(Self {
            slots: chosen.iter().map(|(k, _)| *k).collect(),
            runs: chosen
                .iter()
                .map(|(_, a)| Seeds::new(state.env, a, &state.ppo, &seeds, state.total_steps()))
                .collect(),
            clock,
            remote: None,
            finished_at: vec![Vec::new(); chosen.len()],
            stop_at: state.stop_at,
        })
    }

    /// The learners of `state`, trained by `pool`'s workers: each is sent its share of the jobs.
    pub fn remote(
        state: &ControlLabState,
        clock: fn() -> f64,
        mut pool: Box<dyn Pool>,
    ) -> Result<Self, String> {
        let mut model = Self::new(state, clock)?;
        let groups = split(state, pool.workers());
        let started = groups.len();
        for (w, ids) in groups.into_iter().enumerate() {
            let start = Command::Start {
                state: Box::new(state.clone()),
                jobs: ids,
            };
            pool.send(
                w,
                &serde_json::to_string(&start).map_err(|e| e.to_string())?,
            );
        }
        model.remote = Some(Remote {
            pool,
            queues: vec![VecDeque::new(); jobs(state).len()],
            started,
            asked: 0,
            failed: None,
        });
        Ok(model)
    }

    /// What trains the learners, as the page names it (none: this page's frames).
    pub fn trainer(&self) -> Option<String> {
        self.remote.as_ref().map(|r| r.pool.name())
    }

    /// Why a worker failed, if one did.
    pub fn failure(&self) -> Option<&str> {
        self.remote.as_ref().and_then(|r| r.failed.as_deref())
    }

    /// Learner `i`'s updates per second over its last ten updates, and the seconds to the run's end at
    /// that rate (none before two updates, or once it stopped).
    pub fn progress(&self, i: usize) -> Option<(f64, f64)> {
        let at = self.finished_at.get(i)?;
        let run = self.runs.get(i)?;
        let recent = &at[at.len().saturating_sub(11)..];
        let (&first, &last) = (recent.first()?, recent.last()?);
        if recent.len() < 2 || last <= first || !run.active() || run.updates() >= self.stop_at {
            return None;
        }
        let rate = (recent.len() - 1) as f64 / (last - first);
        Some((rate, (self.stop_at - run.updates()) as f64 / rate))
    }

    /// Notes the time of every update finished since `before` (each learner's updates then).
    fn stamp(&mut self, before: &[usize]) {
        let now = (self.clock)();
        for ((run, at), &was) in self.runs.iter().zip(&mut self.finished_at).zip(before) {
            at.extend(std::iter::repeat_n(now, run.updates() - was));
        }
    }

    /// Takes in what the workers sent and records every update all of a learner's seeds have finished, in
    /// seed order (as [`Seeds::work`] records it); seed 0's parameters become the animated agent's.
    fn collect(&mut self, target: usize) -> Work {
        let Some(remote) = self.remote.as_mut() else {
            return Work::Stuck;
        };
        if remote.failed.is_some() {
            return Work::Stuck;
        }
        if target > remote.asked {
            let until =
                serde_json::to_string(&Command::Until { updates: target }).unwrap_or_default();
            for w in 0..remote.started {
                remote.pool.send(w, &until);
            }
            remote.asked = target;
        }
        for message in remote.pool.receive() {
            match message.and_then(|m| Update::decode(&m)) {
                Ok(u) if u.job < remote.queues.len() => remote.queues[u.job].push_back(u),
                Ok(u) => {
                    remote.failed =
                        Some(format!("a worker sent job {}, not one of the run's", u.job));
                }
                Err(e) => remote.failed = Some(e),
            }
        }
        let seeds = self.runs.first().map_or(0, |r| r.returns.len());
        for (r, run) in self.runs.iter_mut().enumerate() {
            let queues = &mut remote.queues[r * seeds..(r + 1) * seeds];
            while run.active() && queues.iter().all(|q| !q.is_empty()) {
                for (s, q) in queues.iter_mut().enumerate() {
                    let Some(u) = q.pop_front() else { continue };
                    if let (Some((theta, omega)), Some(learner)) =
                        (u.agent, run.learners.first_mut())
                    {
                        learner.set_parameters(theta, omega);
                    }
                    run.report(s, u.report, u.seconds, u.finite);
                }
            }
            if !run.active() {
                queues.iter_mut().for_each(VecDeque::clear);
            }
        }
        if remote.failed.is_some() || self.runs.iter().all(|r| !r.active()) {
            Work::Stuck
        } else if updates_done(&self.runs) >= target {
            Work::Done
        } else {
            Work::Waiting
        }
    }

    /// A recorded run's learners (nothing to train): each in its learner's slot (its colour) when in the
    /// authors' code's form, the others after the four.
    pub fn recorded(record: &ControlRecord) -> Self {
        let slot = |a: &LearnerSpec| match a.blpo().map(|c| c.form) {
            Some(f) if f != Form::AuthorsCode => 4,
            _ => Name::ALL.iter().position(|&n| n == a.name()).unwrap_or(4),
        };
        Self {
            slots: record.learners.iter().map(|l| slot(&l.algorithm)).collect(),
            runs: record.learners.iter().map(LearnerRecord::seeds).collect(),
            clock: || 0.0,
            remote: None,
            finished_at: vec![Vec::new(); record.learners.len()],
            stop_at: 0,
        }
    }

    /// The learner in slot `slot`, if it is on.
    pub fn learner(&self, slot: usize) -> Option<&Seeds> {
        self.slots
            .iter()
            .position(|&k| k == slot)
            .map(|i| &self.runs[i])
    }
}

impl Stepped for Model {
    fn steps(&self) -> usize {
        updates_done(&self.runs)
    }

    /// One unit of the learner furthest behind, timed by the model's clock; with workers, what they sent.
    fn work(&mut self, target: usize) -> Work {
        let before: Vec<usize> = self.runs.iter().map(Seeds::updates).collect();
        let work = if self.remote.is_some() {
            self.collect(target)
        } else {
            Learners {
                runs: &mut self.runs,
                clock: &self.clock,
            }
            .work(target)
        };
        self.stamp(&before);
        work
    }
}
