//! The Control view's learners trained off the page's frames (issue 40): every (learner, seed) pair is a
//! job — its own networks, environments and random stream — so jobs train anywhere, in any order, and
//! the page records their updates in the order its own frames would have (`Model`'s remote mode). A
//! [`Pool`] carries text commands to its workers (Web Workers in the browser, threads natively) and
//! brings back each finished update as numbers (`numerics::control::wire`). Nothing here reads a clock
//! of its own or knows egui.

use serde::{Deserialize, Serialize};

use super::{ControlLabState, Model};
use crate::numerics::control::learner::{Learner, LearnerSpec};
use crate::numerics::control::wire::Update;

/// A learner's seed: `run` indexes the learners switched on (`ControlLabState::chosen`), `seed` its seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    pub run: usize,
    pub seed: usize,
}

/// Every job of a state, learner after learner (a job's number is its place here).
pub fn jobs(state: &ControlLabState) -> Vec<Job> {
    (0..state.chosen().len())
        .flat_map(|run| (0..state.seeds).map(move |seed| Job { run, seed }))
        .collect()
}

/// What the page tells a worker (as JSON text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Build these jobs' learners from the state, as the page builds them (`Model::new`).
    Start {
        state: Box<ControlLabState>,
        jobs: Vec<usize>,
    },
    /// Train every job to this many updates, posting each update as it finishes.
    Until { updates: usize },
}

/// An update's rough cost relative to PPO's (measured natively, `bench-control cartpole`: PPO 0.026 s,
/// BLPO 0.44 s per update): each critic step and each IHVP solve costs about PPO's whole update.
fn cost(spec: &LearnerSpec) -> f64 {
    match spec {
        LearnerSpec::Ppo => 1.0,
        LearnerSpec::Nested(c) => 2.0 + 4.0 * c.critic_steps as f64,
        LearnerSpec::Blpo(c) => 6.0 + 4.0 * c.critic_steps as f64 + c.rank as f64,
        LearnerSpec::BlpoCg(c) => 6.0 + 4.0 * c.critic_steps as f64 + c.cg_iters as f64,
    }
}

/// The jobs split over at most `workers` workers: the costliest first, each onto the least loaded
/// worker (so two seeds of a learner go to two workers). Workers left without a job are dropped.
pub fn split(state: &ControlLabState, workers: usize) -> Vec<Vec<usize>> {
    let chosen = state.chosen();
    let all = jobs(state);
    let costs: Vec<f64> = all.iter().map(|j| cost(&chosen[j.run].1)).collect();
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]).then(a.cmp(&b)));
    let mut groups: Vec<(f64, Vec<usize>)> =
        vec![(0.0, Vec::new()); workers.clamp(1, all.len().max(1))];
    for k in order {
        if let Some(g) = groups.iter_mut().min_by(|a, b| a.0.total_cmp(&b.0)) {
            g.0 += costs[k];
            g.1.push(k);
        }
    }
    groups
        .into_iter()
        .filter(|g| !g.1.is_empty())
        .map(|(_, mut g)| {
            g.sort_unstable();
            g
        })
        .collect()
}

/// One of a worker's jobs.
struct Mine {
    id: usize,
    /// Seed 0's parameters go with its updates (the page animates seed 0).
    first_seed: bool,
    learner: Learner,
    updates: usize,
}

/// A worker's side: its jobs' learners and the updates each has finished.
pub struct Trainer {
    jobs: Vec<Mine>,
    /// Seconds from any origin (the worker's clock): each update's work time.
    clock: fn() -> f64,
}

impl Trainer {
    /// The jobs' learners, built as the page builds them (a state it refused is refused here too).
    pub fn start(
        state: &ControlLabState,
        ids: &[usize],
        clock: fn() -> f64,
    ) -> Result<Self, String> {
        let mut model = Model::new(state, clock)?;
        let all = jobs(state);
        let mut mine = Vec::new();
        for &id in ids {
            let job = all
                .get(id)
                .ok_or_else(|| format!("jobs: job {id} is not one of the state's {}", all.len()))?;
            mine.push(Mine {
                id,
                first_seed: job.seed == 0,
                learner: model.runs[job.run].learners[job.seed].clone(),
                updates: 0,
            });
        }
        model.runs.clear();
        Ok(Self { jobs: mine, clock })
    }

    /// Trains every job to `updates`, one update of each job in turn (so the page completes its updates
    /// in order), handing each to `post`; stops early when `post` says so (the page left).
    fn until(&mut self, updates: usize, post: &mut dyn FnMut(Update) -> bool) {
        loop {
            let Some(job) = self
                .jobs
                .iter_mut()
                .filter(|j| j.updates < updates)
                .min_by_key(|j| j.updates)
            else {
                return;
            };
            let began = (self.clock)();
            let report = job.learner.update();
            let seconds = (self.clock)() - began;
            job.updates += 1;
            let agent = job.learner.agent();
            let update = Update {
                job: job.id,
                report,
                seconds,
                finite: job.learner.finite(),
                agent: job
                    .first_seed
                    .then(|| (agent.theta.clone(), agent.omega.clone())),
            };
            if !post(update) {
                return;
            }
        }
    }
}

/// A worker's handling of one command (`slot` holds its trainer between commands); an error names what
/// was wrong with the command.
pub fn serve(
    slot: &mut Option<Trainer>,
    text: &str,
    clock: fn() -> f64,
    post: &mut dyn FnMut(Update) -> bool,
) -> Result<(), String> {
    let command: Command =
        serde_json::from_str(text).map_err(|e| format!("a training worker's command: {e}"))?;
    match command {
        Command::Start { state, jobs } => {
            *slot = Some(Trainer::start(&state, &jobs, clock)?);
            Ok(())
        }
        Command::Until { updates } => {
            let trainer = slot
                .as_mut()
                .ok_or("a training worker was told to train before it was started")?;
            trainer.until(updates, post);
            Ok(())
        }
    }
}

/// The page's end of its workers: commands out, finished updates (or a worker's failure) back.
pub trait Pool {
    /// How many workers there are.
    fn workers(&self) -> usize;
    /// Sends worker `w` a command (JSON text of a [`Command`]).
    fn send(&mut self, w: usize, command: &str);
    /// What arrived since the last call: updates as numbers, or why a worker failed.
    fn receive(&mut self) -> Vec<Result<Vec<f64>, String>>;
    /// What trains, as the page names it ("2 Web Workers").
    fn name(&self) -> String;
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::numerics::stepped::{Stepped as _, Work};
    use crate::scenario::query::from_query;

    /// Four small learners on two seeds (PPO, BLPO with the Hessian diagnosed, BLPO-CG, nesting alone).
    pub(crate) fn small() -> ControlLabState {
        let link = "stop_at=4&ppo.hidden=8&ppo.steps=16&learners.1.blpo.critic_steps=2&learners.1.blpo.rank=3\
                    &learners.1.blpo.diagnose=true&learners.2.on=true&learners.2.blpo.critic_steps=2\
                    &learners.3.on=true&learners.3.blpo.critic_steps=2";
        let query: Vec<(String, String)> = link
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        from_query(&query).expect("a valid link")
    }

    /// Costly learners' seeds are spread first: with two workers each gets one seed of every learner.
    #[test]
    fn the_split_balances_the_learners_seeds() {
        let state = small();
        assert_eq!(jobs(&state).len(), 8);
        assert_eq!(split(&state, 2), vec![vec![0, 2, 4, 6], vec![1, 3, 5, 7]]);
        assert_eq!(split(&state, 20).len(), 8);
        assert_eq!(split(&state, 0), vec![(0..8).collect::<Vec<_>>()]);
    }

    /// A command a worker cannot follow comes back as the worker's failure, naming what was wrong, and the
    /// model stops waiting.
    #[test]
    fn a_failing_worker_is_reported() {
        let mut slot = None;
        let mut post = |_: Update| true;
        assert!(
            serve(&mut slot, r#"{"until": {"updates": 1}}"#, || 0.0, &mut post)
                .is_err_and(|e| e.contains("before it was started"))
        );
        assert!(
            serve(&mut slot, r#"{"until": {}}"#, || 0.0, &mut post)
                .is_err_and(|e| e.contains("updates"))
        );
        let mut state = small();
        state.stop_at = 0;
        let start = serde_json::to_string(&Command::Start {
            state: Box::new(state),
            jobs: vec![0],
        })
        .expect("serializes");
        assert!(serve(&mut slot, &start, || 0.0, &mut post).is_err_and(|e| e.contains("stop_at")));
        struct Broken;
        impl Pool for Broken {
            fn workers(&self) -> usize {
                1
            }
            fn send(&mut self, _: usize, _: &str) {}
            fn receive(&mut self) -> Vec<Result<Vec<f64>, String>> {
                vec![Ok(vec![1.0, 2.0])]
            }
            fn name(&self) -> String {
                "broken".to_owned()
            }
        }
        let mut model = Model::remote(&small(), || 0.0, Box::new(Broken)).expect("builds");
        assert_eq!(model.work(1), Work::Stuck);
        assert!(
            model.failure().is_some_and(|e| e.contains("`finite`")),
            "{:?}",
            model.failure()
        );
    }
}
