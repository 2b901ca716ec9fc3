//! Bilevel RL algorithms run side by side from one x₀ on one problem (the view's four runs, the CLI's
//! iterates): each run's per-step numbers against the exact follower π*(x_k) — φ(x_k), ‖∇φ(x_k)‖, the
//! relative error of the direction it stepped along, the lower-level residual
//! max_s ‖π_k(·|s) − π*(x_k)(·|s)‖₁, and with a cost budget the violation max(0, J_c(π_k) − b) — and the
//! step at which it stopped being finite. Work is cut into one run's step at a time, so a caller can
//! time-slice it.

use crate::numerics::stepped::{Stepped, Work};
use nalgebra::DVector;

pub use super::algorithm::{RlAlgorithm, Settings, refusal};
use super::baselines::{Baseline, Rule, Steps};
use super::hypergradient::BilevelRl;
use super::m_sobirl::MSoBiRl;
use super::mdp::{SoftSolution, SoftSolver};
use super::penalty::{Budget, ConstrainedSolve, Penalty, Sampling};
use super::sobirl::SoBiRl;

/// One step's numbers of a run (NaN where they do not apply).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub phi: f64,
    pub grad_norm: f64,
    pub estimate_error: f64,
    pub residual: f64,
    pub violation: f64,
    /// CBSO's run with a budget: φ_c(x_k) = f(x_k, π*_c(x_k)) and max_s ‖π_k(·|s) − π*_c(x_k)(·|s)‖₁,
    /// against the constrained follower's optimum (`Budget::constrained_optimum`); NaN otherwise.
    pub constrained_phi: f64,
    pub constrained_residual: f64,
    /// ‖∇φ_c(x_k)‖ (`Budget::constrained_hypergradient`), CBSO's run only.
    pub constrained_grad_norm: f64,
}

/// max_s ‖π(·|s) − π'(·|s)‖₁.
fn policy_distance(pi: &DVector<f64>, other: &DVector<f64>, actions: usize) -> f64 {
    pi.as_slice()
        .chunks(actions)
        .zip(other.as_slice().chunks(actions))
        .map(|(a, b)| a.iter().zip(b).map(|(p, q)| (p - q).abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

enum Runner {
    MSobirl(MSoBiRl),
    Sobirl(SoBiRl),
    Exact(DVector<f64>),
    Baseline(Baseline),
    Penalty(Penalty),
}

/// One algorithm's run.
pub struct RlRun {
    pub algorithm: RlAlgorithm,
    runner: Runner,
    pub history: Vec<Point>,
    /// The step at which the iterate stopped being finite.
    pub diverged: Option<usize>,
    /// Why the run cannot go (e.g. SoBiRL on an objective that is not a trajectory expectation).
    pub unavailable: Option<String>,
    /// π*(x_k) and friends at the current iterate, and ∇φ(x_k).
    pub follower: Option<SoftSolution>,
    grad: Option<DVector<f64>>,
}

impl RlRun {
    pub fn x(&self) -> &DVector<f64> {
        match &self.runner {
            Runner::MSobirl(r) => &r.x,
            Runner::Sobirl(r) => &r.x,
            Runner::Exact(x) => x,
            Runner::Baseline(r) => &r.x,
            Runner::Penalty(r) => &r.x,
        }
    }

    /// The policy the run carries (its follower's), or π*(x) for exact descent.
    pub fn policy(&self) -> Option<&DVector<f64>> {
        match &self.runner {
            Runner::MSobirl(r) => Some(&r.pi),
            Runner::Sobirl(r) => Some(&r.pi),
            Runner::Exact(_) => self.follower.as_ref().map(|f| &f.pi),
            Runner::Baseline(r) => Some(&r.pi),
            Runner::Penalty(r) => Some(&r.pi),
        }
    }

    /// ∇φ at the current iterate (once recorded).
    pub fn grad(&self) -> Option<&DVector<f64>> {
        self.grad.as_ref()
    }

    /// Whether the run steps.
    pub fn active(&self) -> bool {
        self.diverged.is_none() && self.unavailable.is_none()
    }
}

/// Runs on one problem.
pub struct RlLockstep {
    pub problem: BilevelRl,
    pub budget: Option<Budget>,
    pub runs: Vec<RlRun>,
    /// Outer steps every active run has taken.
    pub step: usize,
    /// The next run to step in the current round.
    cursor: usize,
    /// Runs whose starting point is recorded (the first calls of `work` do these).
    started: usize,
    /// A follower solve in progress, resumed by the next unit of work.
    pending: Option<Pending>,
}

/// Soft Bellman sweeps per unit of work: 64 on small MDPs, fewer as they grow (a sweep of a 32 × 32 grid
/// touches 4096 pairs; 4 sweeps take well under a millisecond).
fn sweeps_per_unit(pairs: usize) -> usize {
    (16_384 / pairs.max(1)).clamp(1, 64)
}

/// Run k's record, waiting for its follower's solve (and CBSO's for the constrained reference).
struct Pending {
    k: usize,
    direction: Option<DVector<f64>>,
    x: DVector<f64>,
    solving: Solving,
}

enum Solving {
    /// π*(x_k), the follower's solve.
    Follower(SoftSolver),
    /// CBSO's run with a budget, after the follower's solve (`sol`, with ∇φ when known): the constrained
    /// optimum π*_c(x_k) its numbers are measured against.
    Constrained {
        sol: SoftSolution,
        grad: Option<DVector<f64>>,
        solve: Box<ConstrainedSolve>,
    },
}

impl RlLockstep {
    pub fn new(
        problem: BilevelRl,
        budget: Option<Budget>,
        algorithms: &[RlAlgorithm],
        x0: &DVector<f64>,
        settings: &Settings,
    ) -> Self {
        let runs = algorithms
            .iter()
            .map(|&algorithm| {
                let x = x0.clone();
                let runner = match algorithm {
                    RlAlgorithm::MSobirl => {
                        Runner::MSobirl(MSoBiRl::new(&problem, x, settings.w0_seed))
                    }
                    RlAlgorithm::Sobirl => {
                        Runner::Sobirl(SoBiRl::new(&problem, x, 1.0, settings.seed))
                    }
                    RlAlgorithm::StocSobirl => {
                        Runner::Sobirl(SoBiRl::new(&problem, x, settings.momentum, settings.seed))
                    }
                    RlAlgorithm::Exact => Runner::Exact(x),
                    RlAlgorithm::Parl => Runner::Baseline(Baseline::new(&problem, Rule::Parl, x)),
                    RlAlgorithm::Hpgd => Runner::Baseline(Baseline::new(&problem, Rule::Hpgd, x)),
                    RlAlgorithm::Drlhf => Runner::Baseline(Baseline::new(&problem, Rule::Drlhf, x)),
                    RlAlgorithm::Partial => {
                        Runner::Baseline(Baseline::new(&problem, Rule::Partial, x))
                    }
                    RlAlgorithm::Pbrl => Runner::Penalty(Penalty::new(&problem, x)),
                    RlAlgorithm::Cbso => {
                        let mut p = Penalty::new(&problem, x);
                        p.sampling = (settings.cbso_batch > 0).then(|| {
                            Sampling::new(settings.cbso_batch, settings.cbso_horizon, settings.seed)
                        });
                        Runner::Penalty(p)
                    }
                };
                let unavailable = refusal(algorithm, &problem.upper, budget.is_some()).err();
                RlRun {
                    algorithm,
                    runner,
                    history: Vec::new(),
                    diverged: None,
                    unavailable,
                    follower: None,
                    grad: None,
                }
            })
            .collect();
        Self {
            problem,
            budget,
            runs,
            step: 0,
            cursor: 0,
            started: 0,
            pending: None,
        }
    }

    /// One unit of work: the starting points first, then one run's step, each record's follower solve
    /// spread over units of at most 64 sweeps; returns true when the round (one outer step of every
    /// active run) is complete.
    pub fn work(&mut self, s: &Settings) -> bool {
        if self.start_one() {
            return false;
        }
        if let Some(p) = self.pending.take() {
            self.resume(p);
        } else {
            while self.cursor < self.runs.len() && !self.runs[self.cursor].active() {
                self.cursor += 1;
            }
            if self.cursor < self.runs.len() {
                let k = self.cursor;
                let direction = self.step_run(k, s);
                self.begin_record(k, direction);
                self.cursor += 1;
            }
        }
        if self.pending.is_none() && self.cursor >= self.runs.len() {
            self.cursor = 0;
            self.step += 1;
            return true;
        }
        false
    }

    /// One whole outer step of every run (after recording the starting points if not yet done).
    pub fn round(&mut self, s: &Settings) {
        while !self.work(s) {}
    }

    /// One unit of the starting points' work; false once they are all recorded.
    pub fn start_one(&mut self) -> bool {
        if self.started >= self.runs.len() {
            return false;
        }
        match self.pending.take() {
            Some(p) => self.resume(p),
            None => self.begin_record(self.started, None),
        }
        self.started < self.runs.len()
    }

    /// Steps run k; returns the direction it stepped along when it is an estimate of ∇φ(x_k).
    fn step_run(&mut self, k: usize, s: &Settings) -> Option<DVector<f64>> {
        let problem = &self.problem;
        let budget = self.budget.as_ref();
        let run = &mut self.runs[k];
        match &mut run.runner {
            Runner::MSobirl(r) => {
                r.step(problem, s.beta, s.xi, s.bellman_steps);
                Some(r.estimate.clone())
            }
            Runner::Sobirl(r) => match r.step(problem, s.beta, s.bellman_steps, s.samples) {
                Ok(()) => Some(r.estimate.clone()),
                Err(why) => {
                    run.unavailable = Some(why);
                    None
                }
            },
            Runner::Exact(x) => {
                if let Some(g) = &run.grad {
                    *x -= g * s.beta;
                }
                None
            }
            Runner::Baseline(r) => {
                let steps = Steps {
                    beta: s.beta,
                    bellman_steps: s.bellman_steps,
                    leader_steps: s.leader_steps,
                    samples: s.samples,
                    seed: s.seed,
                };
                match r.step(problem, &steps) {
                    Ok(estimate) => estimate,
                    Err(why) => {
                        run.unavailable = Some(why);
                        None
                    }
                }
            }
            Runner::Penalty(r) => {
                let b = if run.algorithm == RlAlgorithm::Cbso {
                    budget
                } else {
                    None
                };
                r.step(problem, b, s.lambda, s.beta, s.policy_lr, s.bellman_steps);
                None
            }
        }
    }

    /// Starts run k's record at its x: a diverged iterate is recorded at once, a starting point another
    /// run already solved (all start at x₀) is shared, else the follower solve begins, warm-started from
    /// the run's last Q. `direction` was computed at the previous x, whose ∇φ is the run's cached grad.
    fn begin_record(&mut self, k: usize, direction: Option<DVector<f64>>) {
        let step = self.runs[k].history.len();
        let x = self.runs[k].x().clone();
        if x.iter().any(|v| !v.is_finite()) {
            let run = &mut self.runs[k];
            run.diverged.get_or_insert(step);
            run.history.push(Point {
                phi: f64::NAN,
                grad_norm: f64::NAN,
                estimate_error: f64::NAN,
                residual: f64::NAN,
                violation: f64::NAN,
                constrained_phi: f64::NAN,
                constrained_residual: f64::NAN,
                constrained_grad_norm: f64::NAN,
            });
            self.done_record(step);
            return;
        }
        let shared = (direction.is_none() && step == 0)
            .then(|| {
                self.runs[..k]
                    .iter()
                    .find(|r| r.history.len() == 1 && r.x() == &x)
                    .and_then(|r| Some((r.follower.clone()?, r.grad.clone()?)))
            })
            .flatten();
        if let Some((sol, grad)) = shared {
            self.solved(k, direction, x, sol, Some(grad));
            return;
        }
        let problem = &self.problem;
        let q = match &self.runs[k].follower {
            Some(f) => f.q.clone(),
            None => DVector::zeros(problem.mdp.states * problem.mdp.actions),
        };
        let pending = Pending {
            k,
            direction,
            solving: Solving::Follower(SoftSolver::new(problem.reward(&x), q)),
            x,
        };
        self.resume(pending);
    }

    /// One piece of a pending solve (a policy evaluation, or up to [`sweeps_per_unit`] soft Bellman
    /// sweeps: the follower's [`SoftSolver`] to ‖T(Q) − Q‖∞ ≤ 1e-12, then CBSO's [`ConstrainedSolve`]);
    /// finishes the record when done, else keeps it pending.
    fn resume(&mut self, mut p: Pending) {
        let mdp = &self.problem.mdp;
        let sweeps = sweeps_per_unit(mdp.states * mdp.actions);
        match &mut p.solving {
            Solving::Follower(solver) => match solver.advance(mdp, sweeps, 1e-12) {
                Some(sol) => self.solved(p.k, p.direction, p.x, sol, None),
                None => self.pending = Some(p),
            },
            Solving::Constrained { solve, .. } => {
                let constrained = match &self.budget {
                    Some(budget) => {
                        let Some(optimum) = solve.advance(mdp, budget, sweeps) else {
                            self.pending = Some(p);
                            return;
                        };
                        optimum.map(|(c, lambda)| {
                            budget.constrained_hypergradient_at(&self.problem, &p.x, c, lambda)
                        })
                    }
                    None => None,
                };
                if let Solving::Constrained { sol, grad, .. } = p.solving {
                    self.finish_record(p.k, p.direction, &p.x, sol, grad, constrained);
                }
            }
        }
    }

    /// Run k's follower is solved at x: the record is finished, or for CBSO's run with a budget its
    /// constrained reference is solved next, in units of its own.
    fn solved(
        &mut self,
        k: usize,
        direction: Option<DVector<f64>>,
        x: DVector<f64>,
        sol: SoftSolution,
        grad: Option<DVector<f64>>,
    ) {
        if self.budget.is_some() && self.runs[k].algorithm == RlAlgorithm::Cbso {
            self.pending = Some(Pending {
                k,
                direction,
                solving: Solving::Constrained {
                    sol,
                    grad,
                    solve: Box::new(ConstrainedSolve::new(self.problem.reward(&x))),
                },
                x,
            });
        } else {
            self.finish_record(k, direction, &x, sol, grad, None);
        }
    }

    /// A record is complete: a starting point counts as started.
    fn done_record(&mut self, step: usize) {
        if step == 0 && self.started < self.runs.len() {
            self.started += 1;
        }
    }

    /// Records run k's numbers at x from the follower's solution (and ∇φ when already known), and CBSO's
    /// against the constrained reference (φ_c, ∇φ_c, π*_c, λ*: `Budget::constrained_hypergradient`).
    fn finish_record(
        &mut self,
        k: usize,
        direction: Option<DVector<f64>>,
        x: &DVector<f64>,
        sol: SoftSolution,
        grad: Option<DVector<f64>>,
        constrained: Option<(f64, DVector<f64>, SoftSolution, f64)>,
    ) {
        let step = self.runs[k].history.len();
        let problem = &self.problem;
        let grad = grad.unwrap_or_else(|| problem.hypergradient_at(x, &sol.pi, None));
        let x = x.clone();
        let phi = problem.f(&x, &sol.pi);
        let run = &self.runs[k];
        let estimate_error = match (&direction, &run.grad) {
            (Some(d), Some(g)) => (d - g).norm() / g.norm().max(1e-300),
            _ => f64::NAN,
        };
        let pi = match &run.runner {
            Runner::Exact(_) => &sol.pi,
            _ => run.policy().unwrap_or(&sol.pi),
        };
        let a = problem.mdp.actions;
        let residual = policy_distance(pi, &sol.pi, a);
        let violation = self
            .budget
            .as_ref()
            .map_or(f64::NAN, |b| b.violation(&problem.mdp, pi));
        let (constrained_phi, constrained_residual, constrained_grad_norm) = constrained
            .map_or((f64::NAN, f64::NAN, f64::NAN), |(phi_c, g_c, c, _)| {
                (phi_c, policy_distance(pi, &c.pi, a), g_c.norm())
            });
        let point = Point {
            phi,
            grad_norm: grad.norm(),
            estimate_error,
            residual,
            violation,
            constrained_phi,
            constrained_residual,
            constrained_grad_norm,
        };
        let run = &mut self.runs[k];
        if !(phi.is_finite() && point.grad_norm.is_finite()) {
            run.diverged.get_or_insert(step);
        }
        run.history.push(point);
        run.follower = Some(sol);
        run.grad = Some(grad);
        self.done_record(step);
    }
}

/// The runs with the settings they step by, as a [`Stepped`] model.
pub struct Stepping<'a> {
    pub lock: &'a mut RlLockstep,
    pub settings: &'a Settings,
}

impl Stepped for Stepping<'_> {
    fn steps(&self) -> usize {
        self.lock.step
    }

    /// The starting points' records first (whatever the target), then slices of the runs' steps.
    fn work(&mut self, target: usize) -> Work {
        if self.lock.start_one() {
            Work::Busy
        } else if self.lock.step < target {
            self.lock.work(self.settings);
            Work::Busy
        } else {
            Work::Done
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rl::baselines::ExactHgd;
    use crate::numerics::rl::gridworld::Gridworld;
    use crate::numerics::rl::hypergradient::Upper;
    use crate::numerics::rl::tests_fixtures::{on_grid, shaping};

    pub(super) fn settings() -> Settings {
        Settings {
            beta: 0.2,
            xi: 0.5,
            bellman_steps: 10,
            samples: 16,
            momentum: 0.3,
            lambda: 10.0,
            policy_lr: 0.3,
            seed: 1,
            leader_steps: 1,
            cbso_batch: 0,
            cbso_horizon: 50,
            w0_seed: None,
        }
    }

    #[test]
    fn the_exact_run_is_exact_descent_and_every_algorithm_records_each_step() {
        let problem = shaping();
        let x0 = DVector::zeros(25);
        let budget = Budget {
            cost: DVector::from_element(100, 0.1),
            budget: 0.3,
            weight: 2.0,
        };
        let mut lock = RlLockstep::new(
            problem.clone(),
            Some(budget),
            &RlAlgorithm::ALL,
            &x0,
            &settings(),
        );
        let mut reference = ExactHgd::new(x0);
        for _ in 0..20 {
            lock.round(&settings());
            reference.step(&problem, 0.2);
        }
        let exact = &lock.runs[3];
        assert_eq!(exact.algorithm, RlAlgorithm::Exact);
        assert!((exact.x() - &reference.x).amax() < 1e-9);
        for run in &lock.runs {
            assert_eq!(run.history.len(), 21, "{}", run.algorithm.name());
            assert!(
                run.active(),
                "{}: {:?}",
                run.algorithm.name(),
                run.unavailable
            );
            let last = run.history[20];
            assert!(last.phi.is_finite() && last.violation >= 0.0);
        }
        assert!(lock.runs[0].history[20].estimate_error.is_finite());
        assert!(exact.history[20].residual < 1e-9);
    }

    #[test]
    fn model_free_runs_on_a_non_trajectory_objective_say_why_and_diverging_runs_are_caught() {
        let upper = Upper::ExpertNll {
            demos: vec![(20, 0), (15, 0)],
            l2: 0.0,
        };
        let problem = on_grid(&Gridworld::default(), 0.8, 0.3, upper);
        let s = Settings {
            beta: 1e300,
            ..settings()
        };
        let mut lock = RlLockstep::new(
            problem,
            None,
            &[RlAlgorithm::Sobirl, RlAlgorithm::Cbso, RlAlgorithm::Exact],
            &DVector::zeros(25),
            &s,
        );
        for _ in 0..5 {
            lock.round(&s);
        }
        assert!(
            lock.runs[0]
                .unavailable
                .as_deref()
                .unwrap_or("")
                .contains("trajectory")
        );
        assert!(
            lock.runs[1]
                .unavailable
                .as_deref()
                .unwrap_or("")
                .contains("budget")
        );
        assert!(lock.runs[2].diverged.is_some(), "β = 1e300 must diverge");
    }
}

/// Every algorithm × objective pair (ℓ₂ = 0, so nothing moves x but the upper objective through the
/// algorithm's own rule) either moves x within three steps or is refused, and a refusal names the
/// algorithm and what it takes.
#[cfg(test)]
mod pairs {
    use super::*;
    use crate::numerics::rl::gridworld::Gridworld;
    use crate::numerics::rl::hypergradient::Upper;
    use crate::numerics::rl::tests_fixtures::{expert_demos, on_grid};

    #[test]
    fn every_algorithm_moves_x_on_each_objective_or_is_refused() {
        let g = Gridworld::default();
        let uppers = [
            Upper::ExpertNll {
                demos: expert_demos(&g),
                l2: 0.0,
            },
            Upper::Shaping {
                true_reward: g.true_reward(),
                true_tau: 0.0,
                l2: 0.0,
            },
            Upper::Shaping {
                true_reward: g.true_reward(),
                true_tau: 0.3,
                l2: 0.0,
            },
            Upper::Preferences {
                true_reward: g.true_reward(),
                l2: 0.0,
            },
            Upper::Synthetic,
        ];
        let s = Settings {
            beta: 0.1,
            samples: 256,
            ..super::tests::settings()
        };
        let x0 = DVector::from_fn(25, |i, _| 0.1 * (i as f64).sin());
        let mut refused = 0;
        for upper in uppers {
            let label = upper.label();
            for budget in [false, true] {
                let problem = on_grid(&g, 0.8, 0.3, upper.clone());
                let b = budget.then(|| Budget {
                    cost: DVector::from_element(100, 0.1),
                    budget: 0.5,
                    weight: 5.0,
                });
                let mut lock = RlLockstep::new(problem, b, &RlAlgorithm::ALL, &x0, &s);
                for _ in 0..3 {
                    lock.round(&s);
                }
                for r in &lock.runs {
                    let moved = (r.x() - &x0).norm();
                    match &r.unavailable {
                        Some(why) => {
                            refused += 1;
                            assert!(
                                why.starts_with(r.algorithm.name()) && why.contains(" takes "),
                                "{why}"
                            );
                            assert_eq!(moved, 0.0);
                        }
                        None => assert!(
                            moved > 1e-6,
                            "{:?} on {label}: x moved {moved:e}",
                            r.algorithm
                        ),
                    }
                }
            }
        }
        // SoBiRL, Stoc-SoBiRL, HPGD on three objectives, DRLHF on three (expert NLL, both shapings; ℓ₂ = 0),
        // CBSO without a budget on all five.
        assert_eq!(refused, 2 * (3 * 3 + 3) + 5);
    }
}
