//! The native app's [`Pool`]: its workers are threads, running what a Web Worker runs (`jobs::serve`) and
//! sending back the same numbers (issue 40).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use super::jobs::{Pool, Trainer, serve};

/// Threads, each with its commands' channel; their updates come back on one channel.
pub struct Threads {
    commands: Vec<Sender<String>>,
    inbox: Receiver<Result<Vec<f64>, String>>,
    /// Set when the page drops the pool: each thread stops after the update in progress.
    left: Arc<AtomicBool>,
}

impl Threads {
    /// `n` threads (at least one) timing updates by `clock`; `wake` is called after each message (the
    /// app asks for a frame).
    pub fn new(n: usize, clock: fn() -> f64, wake: Arc<dyn Fn() + Send + Sync>) -> Self {
        let (outbox, inbox) = channel();
        let left = Arc::new(AtomicBool::new(false));
        let commands = (0..n.max(1))
            .map(|_| {
                let (send, receive) = channel::<String>();
                let (outbox, left, wake) = (outbox.clone(), Arc::clone(&left), Arc::clone(&wake));
                std::thread::spawn(move || {
                    let mut trainer: Option<Trainer> = None;
                    for text in receive {
                        let mut post = |u: crate::numerics::control::wire::Update| {
                            let sent = outbox.send(Ok(u.encode())).is_ok();
                            wake();
                            sent && !left.load(Ordering::Relaxed)
                        };
                        if let Err(e) = serve(&mut trainer, &text, clock, &mut post) {
                            // The page may have left; nothing is waiting for the message then.
                            outbox.send(Err(e)).ok();
                            wake();
                        }
                    }
                });
                send
            })
            .collect();
        Self {
            commands,
            inbox,
            left,
        }
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        self.left.store(true, Ordering::Relaxed);
    }
}

impl Pool for Threads {
    fn workers(&self) -> usize {
        self.commands.len()
    }

    fn send(&mut self, w: usize, command: &str) {
        if let Some(c) = self.commands.get(w) {
            // A thread that stopped has nothing to train; its failure already came back.
            c.send(command.to_owned()).ok();
        }
    }

    fn receive(&mut self) -> Vec<Result<Vec<f64>, String>> {
        self.inbox.try_iter().collect()
    }

    fn name(&self) -> String {
        match self.commands.len() {
            1 => "1 thread".to_owned(),
            n => format!("{n} threads"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::numerics::stepped::{Stepped as _, Work};
    use crate::scenario::control_lab::Model;
    use crate::scenario::control_lab::jobs::tests::small;

    /// Plays a model to `target` updates as the app's frames do (waiting on the workers between frames).
    fn play(model: &mut Model, target: usize) {
        for _ in 0..200_000 {
            match model.work(target) {
                Work::Busy => {}
                Work::Waiting => std::thread::sleep(std::time::Duration::from_millis(1)),
                Work::Done | Work::Stuck => return,
            }
        }
        panic!("the workers never finished");
    }

    /// Every learner's records, returns and animated agent, as text (Debug prints each float's shortest
    /// round trip, NaN as NaN: equal text, equal bits).
    fn text(model: &Model) -> String {
        model
            .runs
            .iter()
            .map(|s| {
                let agent = s
                    .learners
                    .first()
                    .map(|l| (l.agent().theta.clone(), l.agent().omega.clone()));
                format!(
                    "{:?} {:?} {:?} {:?} {:?}",
                    s.history, s.returns, s.last, s.diverged, agent
                )
            })
            .collect()
    }

    /// Three threads record what the page's frames record, bit for bit — with the workers told one update
    /// at a time (Play) or the whole way at once (a link's `step=k`) — and the animated agent is seed 0's.
    #[test]
    fn workers_record_what_the_frames_record_bit_for_bit() {
        let state = small();
        let mut frames = Model::new(&state, || 0.0).expect("builds");
        play(&mut frames, 4);
        assert_eq!(frames.steps(), 4);
        for stepwise in [true, false] {
            let pool = Threads::new(3, || 0.0, Arc::new(|| {}));
            assert_eq!(pool.name(), "3 threads");
            let mut remote = Model::remote(&state, || 0.0, Box::new(pool)).expect("builds");
            if stepwise {
                for k in 1..=4 {
                    play(&mut remote, k);
                    assert_eq!(remote.steps(), k);
                }
            } else {
                play(&mut remote, 4);
            }
            assert_eq!(remote.trainer().as_deref(), Some("3 threads"));
            assert_eq!(remote.failure(), None);
            assert_eq!(text(&remote), text(&frames));
        }
    }
}
