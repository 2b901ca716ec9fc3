//! Learners and seeds trained on the machine's cores (issue 36): every (learner, seed) pair is an
//! independent job — its own networks, environments and random stream — so jobs run on threads in any
//! order and their updates are then recorded in the order a one-thread run records them. The records
//! equal a one-thread run's bit for bit (the test below); only the wall times differ.
//!
//! It reads no clock of its own: the caller passes one (seconds from any origin), as `lockstep` does.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::learner::{Learner, Report};
use super::lockstep::{Seeds, recent_mean};

/// One job's finished update, as the observer sees it (a progress display).
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// The learner's index in the runs.
    pub learner: usize,
    pub seed: usize,
    /// Updates this job has finished.
    pub updates: usize,
    /// The seed's mean return over its last finished episodes (NaN before the first).
    pub mean_return: f64,
}

/// One job's run: its learner and, per update, the report, its wall time and whether the parameters
/// were finite after it.
type Trained = (Learner, Vec<(Report, f64, bool)>);

/// Trains every learner of `runs` on each of its seeds until `total_steps` environment steps, on at
/// most `threads` threads (1: in this thread), telling `observe` of each finished update; then records
/// every update in each [`Seeds`] as if trained in lockstep.
pub fn train(
    runs: &mut [Seeds],
    total_steps: usize,
    threads: usize,
    clock: &(dyn Fn() -> f64 + Sync),
    observe: &(dyn Fn(Progress) + Sync),
) {
    let jobs: Vec<(usize, usize)> = runs
        .iter()
        .enumerate()
        .flat_map(|(l, r)| (0..r.learners.len()).map(move |s| (l, s)))
        .collect();
    let learners: Vec<Mutex<Option<Learner>>> = runs
        .iter_mut()
        .flat_map(|r| std::mem::take(&mut r.learners))
        .map(|l| Mutex::new(Some(l)))
        .collect();
    let done: Vec<Mutex<Option<Trained>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let worker = || {
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(learner, seed)) = jobs.get(k) else {
                return;
            };
            let Some(mut l) = learners[k].lock().ok().and_then(|mut m| m.take()) else {
                return;
            };
            let mut reports = Vec::new();
            let mut returns = Vec::new();
            while l.steps() < total_steps {
                let began = clock();
                let report = l.update();
                let seconds = clock() - began;
                returns.extend(&report.finished);
                reports.push((report, seconds, l.finite()));
                observe(Progress {
                    learner,
                    seed,
                    updates: reports.len(),
                    mean_return: recent_mean(&returns),
                });
            }
            if let Ok(mut slot) = done[k].lock() {
                *slot = Some((l, reports));
            }
        }
    };
    let threads = threads.clamp(1, jobs.len().max(1));
    if threads == 1 {
        worker();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(worker);
            }
        });
    }
    let mut trained: Vec<Option<Trained>> = done
        .into_iter()
        .map(|m| m.into_inner().ok().flatten())
        .collect();
    for (l, run) in runs.iter_mut().enumerate() {
        let mine: Vec<Trained> = jobs
            .iter()
            .zip(trained.iter_mut())
            .filter(|((learner, _), _)| *learner == l)
            .filter_map(|(_, t)| t.take())
            .collect();
        let updates = mine.iter().map(|(_, r)| r.len()).min().unwrap_or(0);
        let mut reports: Vec<std::vec::IntoIter<(Report, f64, bool)>> = Vec::new();
        for (learner, r) in mine {
            run.learners.push(learner);
            reports.push(r.into_iter());
        }
        for _ in 0..updates {
            for (i, seed) in reports.iter_mut().enumerate() {
                if let Some((report, seconds, finite)) = seed.next() {
                    run.report(i, report, seconds, finite);
                }
            }
        }
    }
}

/// The threads a run may use: `BILEVEL_LAB_THREADS` when set to a positive number, else every core
/// (one in the browser, where threads are workers: issue 40).
pub fn threads() -> usize {
    if cfg!(target_arch = "wasm32") {
        return 1;
    }
    std::env::var("BILEVEL_LAB_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::control::blpo::BlpoConfig;
    use crate::numerics::control::envs::EnvKind;
    use crate::numerics::control::learner::LearnerSpec;

    /// Two learners × three seeds on three threads record exactly what one thread records, which is what
    /// the lockstep loop records; every update is observed once.
    #[test]
    fn threads_record_what_one_thread_records_bit_for_bit() {
        let ppo = crate::numerics::control::lockstep::tests::tiny_ppo();
        let specs = [
            LearnerSpec::Ppo,
            LearnerSpec::Blpo(BlpoConfig {
                critic_steps: 2,
                rank: 3,
                ..BlpoConfig::default()
            }),
        ];
        let fresh = || -> Vec<Seeds> {
            specs
                .iter()
                .map(|a| Seeds::new(EnvKind::Cartpole, a, &ppo, &[0, 1, 2], 48))
                .collect()
        };
        let seen = AtomicUsize::new(0);
        let observe = |_: Progress| {
            seen.fetch_add(1, Ordering::Relaxed);
        };
        let mut one = fresh();
        train(&mut one, 48, 1, &|| 0.0, &observe);
        let mut three = fresh();
        train(&mut three, 48, 3, &|| 0.0, &observe);
        assert_eq!(seen.load(Ordering::Relaxed), 2 * 2 * 3 * 3);
        let mut lockstep = fresh();
        for run in &mut lockstep {
            for _ in 0..3 {
                run.update(&|| 0.0);
            }
        }
        // Debug prints each float's shortest round trip (NaN as NaN): equal text, equal bits.
        let text = |s: &Seeds| format!("{:?} {:?}", s.history, s.returns);
        for ((a, b), c) in one.iter().zip(&three).zip(&lockstep) {
            assert_eq!(text(a), text(b));
            assert_eq!(text(a), text(c));
            assert_eq!(a.history.len(), 3);
            for (x, y) in a.learners.iter().zip(&b.learners) {
                assert_eq!(x.agent().theta, y.agent().theta);
                assert_eq!(x.agent().omega, y.agent().omega);
            }
        }
    }
}
