//! A learner trained on several seeds in lockstep, one unit of work at a time (BLPO Figure 3's
//! presentation: each seed's recent mean return, their mean and a 95% band; Figure 4's wall time per
//! update). The Control view keeps up to four of these side by side; the CLI's `control` kind runs one.
//! The control tasks' twin of `bilevel::lockstep` and `rl::lockstep`. It reads no clock: the caller passes
//! one (seconds from any origin), and the wall time per update is what that clock says.

use super::blpo::Terms;
use super::envs::EnvKind;
use super::learner::{Learner, LearnerSpec, Report};
use super::ppo::PpoConfig;
use crate::numerics::stepped::{Stepped, Work};

/// Episodes a seed's recent mean return is taken over.
pub const WINDOW: usize = 20;

/// Mean of the last [`WINDOW`] values (NaN when there are none).
pub fn recent_mean(returns: &[f64]) -> f64 {
    let tail = &returns[returns.len().saturating_sub(WINDOW)..];
    tail.iter().sum::<f64>() / tail.len() as f64
}

/// Student's t quantile t₀.₉₇₅ for 1 ..= 30 degrees of freedom (beyond: the normal 1.96).
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The mean of the finite values and the half-width of its 95% confidence interval,
/// t₀.₉₇₅(n − 1) · s / √n (NaN with fewer than two values).
pub fn mean_band(values: &[f64]) -> (f64, f64) {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN);
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = T975.get(n - 2).copied().unwrap_or(1.96);
    (mean, t * (var / n as f64).sqrt())
}

/// One update of every seed.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Environment steps per seed after the update.
    pub steps: usize,
    /// Each seed's mean return over its last [`WINDOW`] finished episodes (NaN before the first).
    pub mean_return: Vec<f64>,
    /// The seeds' mean actor loss.
    pub actor_loss: f64,
    /// The hypergradient's pieces, averaged over minibatches and seeds (BLPO and its ablations).
    pub terms: Option<Terms>,
    /// The share of minibatches whose correction the clip bound cut, averaged over seeds.
    pub clip_rate: f64,
    /// Wall time of the update, per seed (s).
    pub seconds: f64,
}

impl Record {
    /// A piece of the hypergradient (NaN for PPO).
    pub fn term(&self, f: fn(&Terms) -> f64) -> f64 {
        self.terms.as_ref().map_or(f64::NAN, f)
    }
}

/// One learner on several seeds.
#[derive(Clone, Debug)]
pub struct Seeds {
    pub algorithm: LearnerSpec,
    pub learners: Vec<Learner>,
    /// Each seed's finished episodes' returns.
    pub returns: Vec<Vec<f64>>,
    /// Each seed's report of the update in progress, once it has finished it.
    reports: Vec<Option<Report>>,
    /// Work time of the update in progress, all seeds.
    seconds: f64,
    pub history: Vec<Record>,
    /// Seed 0's last minibatch of the last update (BLPO and its ablations).
    pub last: Option<Terms>,
    /// The update after which a parameter stopped being finite.
    pub diverged: Option<usize>,
    /// Whether every seed's parameters were finite after its last reported update.
    finite: bool,
}

impl Seeds {
    /// `total_steps` sets the annealing of the actor's learning rate.
    pub fn new(
        env: EnvKind,
        algorithm: &LearnerSpec,
        ppo: &PpoConfig,
        seeds: &[u64],
        total_steps: usize,
    ) -> Self {
        Self {
            algorithm: algorithm.clone(),
            learners: seeds
                .iter()
                .map(|&s| Learner::new(env, algorithm, ppo.clone(), s, total_steps))
                .collect(),
            returns: vec![Vec::new(); seeds.len()],
            reports: vec![None; seeds.len()],
            seconds: 0.0,
            history: Vec::new(),
            last: None,
            diverged: None,
            finite: true,
        }
    }

    /// A learner's run recorded elsewhere (`scenario::control_record`): its updates, no networks to train
    /// or animate.
    pub fn recorded(algorithm: LearnerSpec, history: Vec<Record>, diverged: Option<usize>) -> Self {
        let seeds = history.first().map_or(0, |r| r.mean_return.len());
        Self {
            algorithm,
            learners: Vec::new(),
            returns: vec![Vec::new(); seeds],
            reports: Vec::new(),
            seconds: 0.0,
            history,
            last: None,
            diverged,
            finite: diverged.is_none(),
        }
    }

    /// Updates every seed has finished.
    pub fn updates(&self) -> usize {
        self.history.len()
    }

    pub fn active(&self) -> bool {
        self.diverged.is_none()
    }

    /// One unit of work (a rollout, a critic step, a minibatch step) of the first seed still in the
    /// current update, timed by `clock` (seconds); true when that completed the update of every seed.
    pub fn work(&mut self, clock: &dyn Fn() -> f64) -> bool {
        let Some(i) = self.reports.iter().position(Option::is_none) else {
            return false;
        };
        let began = clock();
        let report = self.learners[i].work();
        self.seconds += clock() - began;
        let Some(report) = report else {
            return false;
        };
        let finite = self.learners[i].finite();
        self.report(i, report, 0.0, finite)
    }

    /// Seed `i`'s finished update, which took `seconds` beyond what [`Self::work`] timed, and whether its
    /// parameters are still finite; true when that completed the update of every seed. Seeds may report
    /// in any order (threads, workers): the record is the same.
    pub fn report(&mut self, i: usize, report: Report, seconds: f64, finite: bool) -> bool {
        self.seconds += seconds;
        self.finite &= finite;
        self.returns[i].extend(&report.finished);
        self.reports[i] = Some(report);
        if self.reports.iter().any(Option::is_none) {
            return false;
        }
        self.finish_update();
        true
    }

    /// One whole update of every seed, timed by `clock` (seconds).
    pub fn update(&mut self, clock: &dyn Fn() -> f64) {
        while !self.work(clock) {}
    }

    fn finish_update(&mut self) {
        let reports: Vec<Report> = self.reports.iter_mut().filter_map(Option::take).collect();
        let n = reports.len() as f64;
        let terms: Vec<Terms> = reports.iter().filter_map(|r| r.terms.clone()).collect();
        self.last = reports.first().and_then(|r| r.last.clone());
        self.history.push(Record {
            steps: reports.first().map_or(0, |r| r.steps),
            mean_return: self.returns.iter().map(|r| recent_mean(r)).collect(),
            actor_loss: reports.iter().map(|r| r.actor_loss).sum::<f64>() / n,
            terms: (!terms.is_empty()).then(|| Terms::average(&terms)),
            clip_rate: reports.iter().map(|r| r.clip_rate).sum::<f64>() / n,
            seconds: self.seconds / n,
        });
        self.seconds = 0.0;
        if !self.finite && self.diverged.is_none() {
            self.diverged = Some(self.history.len());
        }
    }

    /// Each seed's mean return now (NaN before its first finished episode).
    pub fn final_mean_return(&self) -> Vec<f64> {
        self.returns.iter().map(|r| recent_mean(r)).collect()
    }

    /// Mean wall time per update (s).
    pub fn seconds_per_update(&self) -> f64 {
        self.history.iter().map(|r| r.seconds).sum::<f64>() / self.history.len() as f64
    }
}

/// Learners side by side (each on its seeds), timed by the caller's clock (seconds), as a [`Stepped`]
/// model: a step is an update of every learner still training.
pub struct Learners<'a> {
    pub runs: &'a mut [Seeds],
    pub clock: &'a dyn Fn() -> f64,
}

/// Updates every learner still training has finished (with none training, the most any has).
pub fn updates_done(runs: &[Seeds]) -> usize {
    runs.iter()
        .filter(|r| r.active())
        .map(Seeds::updates)
        .min()
        .unwrap_or_else(|| runs.iter().map(Seeds::updates).max().unwrap_or(0))
}

impl Stepped for Learners<'_> {
    fn steps(&self) -> usize {
        updates_done(self.runs)
    }

    /// One unit of the learner furthest behind.
    fn work(&mut self, target: usize) -> Work {
        let behind = self
            .runs
            .iter_mut()
            .filter(|r| r.active())
            .min_by_key(|r| r.updates());
        match behind {
            None => Work::Stuck,
            Some(r) if r.updates() >= target => Work::Done,
            Some(r) => {
                r.work(self.clock);
                Work::Busy
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn the_band_is_students_t_interval() {
        // n = 4: mean 2.5, s² = 5/3, t₀.₉₇₅(3) = 3.182.
        let (m, h) = mean_band(&[1.0, 2.0, 3.0, 4.0, f64::NAN]);
        assert_eq!(m, 2.5);
        assert!(
            (h - 3.182 * (5.0 / 3.0 / 4.0f64).sqrt()).abs() < 1e-12,
            "{h}"
        );
        assert!(mean_band(&[7.0]).1.is_nan() && mean_band(&[7.0]).0 == 7.0);
        assert!(mean_band(&[]).0.is_nan());
        assert_eq!(
            recent_mean(
                &[0.0; 30]
                    .iter()
                    .chain(&[1.0; 20])
                    .copied()
                    .collect::<Vec<_>>()
            ),
            1.0
        );
    }

    /// PPO's settings shrunk for tests: 4 units, 2 environments × 8 steps, 2 epochs of 2 minibatches.
    pub(crate) fn tiny_ppo() -> PpoConfig {
        PpoConfig {
            hidden: 4,
            envs: 2,
            steps: 8,
            epochs: 2,
            minibatches: 2,
            ..PpoConfig::default()
        }
    }

    /// Seeds in lockstep give what each seed's learner gives alone, whatever the interleaving.
    #[test]
    fn lockstep_seeds_match_solo_runs() {
        let ppo = tiny_ppo();
        let algorithm = LearnerSpec::Nested(super::super::blpo::BlpoConfig {
            critic_steps: 2,
            ..Default::default()
        });
        let mut both = Seeds::new(EnvKind::Cartpole, &algorithm, &ppo, &[3, 4], 64);
        for _ in 0..3 {
            both.update(&|| 0.0);
        }
        assert_eq!((both.updates(), both.history[2].steps), (3, 48));
        for (i, seed) in [3, 4].into_iter().enumerate() {
            let mut solo = Learner::new(EnvKind::Cartpole, &algorithm, ppo.clone(), seed, 64);
            for _ in 0..3 {
                solo.update();
            }
            assert_eq!(solo.agent().theta, both.learners[i].agent().theta);
        }
        assert!(both.active() && both.last.is_some());
    }

    /// A learner whose parameters stop being finite is marked diverged after that update (and updating
    /// it further does not panic).
    #[test]
    fn non_finite_parameters_mark_the_learner_diverged() {
        let ppo = PpoConfig {
            hidden: 4,
            envs: 2,
            steps: 8,
            ..PpoConfig::default()
        };
        let mut seeds = Seeds::new(EnvKind::Acrobot, &LearnerSpec::Ppo, &ppo, &[0, 1], 64);
        seeds.update(&|| 0.0);
        assert!(seeds.active());
        if let Learner::Ppo(p) = &mut seeds.learners[1] {
            p.agent.theta[0] = f64::NAN;
        }
        seeds.update(&|| 0.0);
        assert_eq!(seeds.diverged, Some(2));
        seeds.update(&|| 0.0);
        assert_eq!(seeds.updates(), 3);
    }
}
