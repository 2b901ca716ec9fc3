//! Several algorithm runs on one problem from one start, stepped in lockstep (issue 6, the bilevel
//! playground), each with the history a teaching view plots: the iterates (x_k, y_k) and, per step,
//! Φ(x_k) − Φ*, ‖∇Φ(x_k)‖, ‖y_k − y*(x_k)‖, the relative error of the direction the run used against the
//! exact hypergradient ∇Φ at the same x (IFT with y*(x), BLPO Eq. 5–9), the HVPs spent so far and, on
//! stochastic oracles ([`Noise`]: each run its own seed, so a band of seeds is a band of runs), the
//! oracle calls so far. The metrics are always measured on the exact problem.

use crate::numerics::stepped::{Stepped, Work};
use nalgebra::DVector;

use super::algorithms::{Algorithm, AlgorithmSpec, Run, Status};
use super::stochastic::{Noise, Oracles, Stochastic};
use super::{BilevelProblem, exact_hypergradient, solve_inner};
use crate::numerics::random::SeededRng;

/// One step's numbers (NaN where undefined, e.g. Φ* unknown).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    /// Φ(x_k) = f(x_k, y*(x_k)).
    pub phi: f64,
    /// ‖∇Φ(x_k)‖ (exact hypergradient).
    pub grad_norm: f64,
    /// ‖y_k − y*(x_k)‖.
    pub inner_error: f64,
    /// ‖d_{k−1} − ∇Φ(x_{k−1})‖ / ‖∇Φ(x_{k−1})‖ for the direction d the run used to reach x_k.
    pub direction_error: f64,
    /// HVPs (and other second-order products) spent up to step k.
    pub hvps: usize,
    /// Stochastic oracle calls (gradients and second-order products) up to step k; 0 on exact oracles.
    pub oracles: usize,
}

/// y*(x): closed form, else Newton warm-started from `guess`.
pub fn best_response<P: BilevelProblem + ?Sized>(
    problem: &P,
    x: &DVector<f64>,
    guess: &DVector<f64>,
) -> Option<DVector<f64>> {
    problem
        .y_star(x)
        .or_else(|| solve_inner(problem, x, guess, 1e-12, 100))
}

/// One run with its history.
#[derive(Debug)]
pub struct Tracked {
    pub spec: AlgorithmSpec,
    /// The algorithm the spec builds, with its state.
    algorithm: Box<dyn Algorithm>,
    pub run: Run,
    /// (x_k, y_k) for k = 0..=step.
    pub xs: Vec<DVector<f64>>,
    pub ys: Vec<DVector<f64>>,
    pub metrics: Vec<Metrics>,
    /// ∇Φ at the current x (for the next step's direction error).
    exact_grad: DVector<f64>,
    /// The run's stochastic oracles and where their stream stands (exact oracles: none).
    noise: Option<(Noise, (SeededRng, Oracles))>,
}

impl Tracked {
    pub fn new<P: BilevelProblem + ?Sized>(
        problem: &P,
        spec: AlgorithmSpec,
        noise: Option<Noise>,
        x0: &DVector<f64>,
        y0: &DVector<f64>,
    ) -> Self {
        let run = Run::new(x0.clone(), y0.clone());
        let mut t = Self {
            algorithm: spec.build(),
            spec,
            exact_grad: DVector::zeros(x0.len()),
            xs: vec![x0.clone()],
            ys: vec![y0.clone()],
            metrics: Vec::new(),
            run,
            noise: noise.map(|n| (n, Stochastic::start(n))),
        };
        let m = t.measure(problem, f64::NAN);
        t.metrics.push(m);
        t
    }

    /// The numbers at the current iterate; stores ∇Φ(x) for the next step.
    fn measure<P: BilevelProblem + ?Sized>(
        &mut self,
        problem: &P,
        direction_error: f64,
    ) -> Metrics {
        let x = &self.run.x;
        let Some(y_star) = best_response(problem, x, &self.run.y) else {
            return Metrics {
                phi: f64::NAN,
                grad_norm: f64::NAN,
                inner_error: f64::NAN,
                direction_error,
                hvps: self.run.hvp_count,
                oracles: self.oracles(),
            };
        };
        let (grad, _) = exact_hypergradient(problem, x, &y_star);
        let m = Metrics {
            phi: problem.f(x, &y_star),
            grad_norm: grad.norm(),
            inner_error: (&self.run.y - &y_star).norm(),
            direction_error,
            hvps: self.run.hvp_count,
            oracles: self.oracles(),
        };
        self.exact_grad = grad;
        m
    }

    /// Stochastic oracle calls so far.
    pub fn oracles(&self) -> usize {
        self.noise.as_ref().map_or(0, |(_, (_, c))| c.total())
    }

    /// One outer step and its metrics; nothing once diverged.
    pub fn step(&mut self, problem: &dyn BilevelProblem) {
        if self.run.status != Status::Ok {
            return;
        }
        match self.noise.take() {
            None => self.run.step(problem, self.algorithm.as_mut()),
            Some((noise, state)) => {
                let oracle = Stochastic::resume(problem, noise, state);
                self.run.step(&oracle, self.algorithm.as_mut());
                self.noise = Some((noise, oracle.state()));
            }
        }
        if self.run.status != Status::Ok {
            return;
        }
        let exact = &self.exact_grad;
        let direction_error =
            (&self.run.hypergradient - exact).norm() / exact.norm().max(f64::MIN_POSITIVE);
        let m = self.measure(problem, direction_error);
        self.metrics.push(m);
        self.xs.push(self.run.x.clone());
        self.ys.push(self.run.y.clone());
    }
}

/// Runs stepped together: a whole round at a time ([`Lockstep::step`]), or a run at a time
/// ([`Lockstep::step_one`], so that a frame's share of work can end between two runs of a round; the runs
/// are independent, so the order changes no number).
pub struct Lockstep {
    pub problem: Box<dyn BilevelProblem>,
    pub runs: Vec<Tracked>,
    /// The next run of a round in progress (0: none in progress), and the step count when it began.
    next: usize,
    round_began_at: usize,
}

impl Lockstep {
    /// Runs of `specs`, each on exact oracles or its own stochastic ones.
    pub fn new(
        problem: Box<dyn BilevelProblem>,
        specs: Vec<(AlgorithmSpec, Option<Noise>)>,
        x0: &DVector<f64>,
        y0: &DVector<f64>,
    ) -> Self {
        let runs = specs
            .into_iter()
            .map(|(s, noise)| Tracked::new(problem.as_ref(), s, noise, x0, y0))
            .collect();
        Self {
            problem,
            runs,
            next: 0,
            round_began_at: 0,
        }
    }

    /// Steps taken (the same for every run still going); during a round, the count it began at.
    pub fn step_count(&self) -> usize {
        if self.mid_round() {
            self.round_began_at
        } else {
            self.runs.iter().map(|r| r.run.step).max().unwrap_or(0)
        }
    }

    /// Whether a round is in progress (some runs are a step ahead of the others).
    pub fn mid_round(&self) -> bool {
        self.next > 0
    }

    /// One step of every run (or of every run left in the round in progress).
    pub fn step(&mut self) {
        while !self.step_one() {}
    }

    /// One step of the round's next run; true when that ended the round.
    pub fn step_one(&mut self) -> bool {
        if self.next == 0 {
            self.round_began_at = self.step_count();
        }
        if let Some(r) = self.runs.get_mut(self.next) {
            r.step(self.problem.as_ref());
        }
        self.next += 1;
        if self.next >= self.runs.len() {
            self.next = 0;
        }
        self.next == 0
    }

    /// Φ* = Φ(x*) where the problem knows x*.
    pub fn phi_star(&self) -> Option<f64> {
        let x = self.problem.x_star()?;
        let (_, m) = self.problem.dims();
        let y = best_response(self.problem.as_ref(), &x, &DVector::zeros(m))?;
        Some(self.problem.f(&x, &y))
    }
}

impl Stepped for Lockstep {
    fn steps(&self) -> usize {
        self.step_count()
    }

    /// A unit is one run's step (32 runs of a noisy preset took a whole frame's share as one unit); a round
    /// begun is finished even past the target, so the runs stand at one step whenever the view is idle.
    fn work(&mut self, target: usize) -> Work {
        let before = self.step_count();
        if before >= target && !self.mid_round() {
            return Work::Done;
        }
        if self.step_one() && self.step_count() == before {
            // Every run has diverged: nothing moves any more.
            Work::Stuck
        } else {
            Work::Busy
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::algorithms::{
        double_loop::DoubleLoop, simultaneous::Simultaneous,
    };
    use crate::numerics::bilevel::problems::quadratic::Quadratic;
    use crate::numerics::ihvp::spec::IhvpSpec;

    #[test]
    fn on_the_toy_simultaneous_play_ends_at_nash_and_the_hypergradient_at_stackelberg() {
        let toy = Quadratic::stackelberg_vs_nash();
        let (nash_x, nash_y) = toy.nash_point().unwrap_or_default();
        let specs = vec![
            AlgorithmSpec::Simultaneous(Simultaneous {
                outer_lr: 0.05,
                inner_lr: 0.2,
            }),
            AlgorithmSpec::DoubleLoop(DoubleLoop {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 10,
                ihvp: IhvpSpec::Exact { alpha: 0.0 },
                clip: None,
            }),
        ];
        let one = |v: f64| DVector::from_element(1, v);
        let specs = specs.into_iter().map(|s| (s, None)).collect();
        let mut lock = Lockstep::new(Box::new(toy), specs, &one(-1.0), &one(2.0));
        for _ in 0..2000 {
            lock.step();
        }
        assert_eq!(lock.step_count(), 2000);
        // A run at a time gives the same runs, and counts a round once it ends.
        let mut by_run = Lockstep::new(
            Box::new(Quadratic::stackelberg_vs_nash()),
            lock.runs.iter().map(|t| (t.spec.clone(), None)).collect(),
            &one(-1.0),
            &one(2.0),
        );
        for round in 0..2000 {
            for k in 0..by_run.runs.len() {
                assert_eq!(by_run.step_count(), round);
                assert_eq!(by_run.step_one(), k + 1 == by_run.runs.len());
            }
        }
        assert!(!by_run.mid_round() && by_run.step_count() == 2000);
        for (a, b) in lock.runs.iter().zip(&by_run.runs) {
            assert_eq!(
                (&a.run.x, &a.run.y, a.metrics.len()),
                (&b.run.x, &b.run.y, b.metrics.len())
            );
        }
        let sim = &lock.runs[0].run;
        assert!((sim.x[0] - nash_x[0]).abs() < 1e-6 && (sim.y[0] - nash_y[0]).abs() < 1e-6);
        assert!((nash_x[0] - 1.0).abs() < 1e-12, "Nash at x = y = 1");
        let hyper = &lock.runs[1].run;
        assert!(
            (hyper.x[0] - 1.5).abs() < 1e-6,
            "Stackelberg x* = 1.5: {}",
            hyper.x[0]
        );
        // Metrics: Φ* = Φ(1.5) = 0.5; the exact run's direction is the exact hypergradient once y
        // has converged; simultaneous play's ∇ₓf is not (it ignores y*'s dependence on x).
        let phi_star = lock.phi_star().unwrap_or(f64::NAN);
        assert!((phi_star - 0.5).abs() < 1e-12);
        let last = |i: usize| lock.runs[i].metrics.last().copied();
        let h = last(1).map(|m| (m.phi - phi_star, m.direction_error));
        assert!(h.is_some_and(|(gap, e)| gap < 1e-10 && e < 1e-6), "{h:?}");
        let s = last(0).map(|m| (m.phi - phi_star, m.grad_norm));
        // At Nash x = 1: Φ(1) = 0 + 1 = 1, ∇Φ(1) = 2(1 − 1) + 2(1 − 2) = −2.
        assert!(
            s.is_some_and(|(gap, g)| (gap - 0.5).abs() < 1e-6 && (g - 2.0).abs() < 1e-5),
            "{s:?}"
        );
        assert_eq!(lock.runs[0].xs.len(), 2001);
    }

    #[test]
    fn a_diverging_run_stops_and_the_others_go_on() {
        let specs = vec![
            AlgorithmSpec::Simultaneous(Simultaneous {
                outer_lr: 50.0,
                inner_lr: 0.2,
            }),
            AlgorithmSpec::Simultaneous(Simultaneous {
                outer_lr: 0.05,
                inner_lr: 0.2,
            }),
        ];
        let one = |v: f64| DVector::from_element(1, v);
        let mut lock = Lockstep::new(
            Box::new(Quadratic::stackelberg_vs_nash()),
            specs.into_iter().map(|s| (s, None)).collect(),
            &one(-1.0),
            &one(2.0),
        );
        for _ in 0..200 {
            lock.step();
        }
        assert!(matches!(lock.runs[0].run.status, Status::Diverged { .. }));
        assert_eq!(lock.runs[1].run.step, 200);
        assert!(
            lock.runs[0]
                .metrics
                .iter()
                .all(|m| m.phi.is_finite() || m.phi.is_nan())
        );
    }
}
