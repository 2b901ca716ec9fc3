//! Bilevel algorithms as steppers: each is a type in its own file that owns its parameters and state and
//! implements [`Algorithm`]; [`AlgorithmSpec`] (the scenario form) builds it, and [`Run::step`] performs one
//! outer iteration, so a view can run k steps per frame and a CLI can run them all.
//! A non-finite or exploding iterate ends the run with status "diverged at step k" — never a panic.

pub mod alternating;
pub mod double_loop;
pub mod kind;
pub mod lancbio;
pub mod momentum;
pub mod penalty;
pub mod primal_dual;
pub mod simultaneous;
pub mod spec;
pub mod stable;
pub mod ttsa;
pub mod unrolled;

pub use spec::AlgorithmSpec;

use nalgebra::DVector;

use super::BilevelProblem;

/// P_Θ of TTSA and STABLE (lecture 004, Algorithms 4–5): x projected onto the ball ‖x‖ ≤ `radius`.
pub(crate) fn project(x: &mut DVector<f64>, radius: Option<f64>) {
    if let Some(r) = radius {
        let norm = x.norm();
        if norm > r {
            *x *= r / norm;
        }
    }
}

/// Iterates beyond this norm count as diverged.
pub const DIVERGENCE_NORM: f64 = 1e12;

/// One bilevel algorithm, owning its parameters and whatever it carries between steps (argmin's solver
/// shape): built from its [`AlgorithmSpec`], stepped by [`Run::step`], which does the bookkeeping.
pub trait Algorithm: std::fmt::Debug {
    /// One outer iteration from the run's iterate (`run.step` outer steps taken so far).
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run);
}

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Diverged { step: usize },
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ok => write!(f, "ok"),
            Self::Diverged { step } => write!(f, "diverged at step {step}"),
        }
    }
}

/// The state of one algorithm run: iterate, the last hypergradient estimate, work spent, status.
#[derive(Clone, Debug)]
pub struct Run {
    pub x: DVector<f64>,
    pub y: DVector<f64>,
    /// Outer steps taken.
    pub step: usize,
    pub status: Status,
    /// The direction the leader used in the last step (hypergradient estimate or ∇ₓf).
    pub hypergradient: DVector<f64>,
    /// Totals over the run.
    pub inner_iterations: usize,
    pub hvp_count: usize,
    /// IHVP solves so far: call k of a randomized method uses its draw k ([`IhvpSpec::drawn`]).
    ///
    /// [`IhvpSpec::drawn`]: crate::numerics::ihvp::spec::IhvpSpec::drawn
    pub ihvp_calls: u64,
    /// Warnings of the last step (IHVP problems, clipping).
    pub warnings: Vec<String>,
}

impl Run {
    pub fn new(x0: DVector<f64>, y0: DVector<f64>) -> Self {
        let n = x0.len();
        Self {
            x: x0,
            y: y0,
            step: 0,
            status: Status::Ok,
            hypergradient: DVector::zeros(n),
            inner_iterations: 0,
            hvp_count: 0,
            ihvp_calls: 0,
            warnings: Vec::new(),
        }
    }

    /// One outer iteration of `algorithm` on `problem`; does nothing once diverged.
    pub fn step(&mut self, problem: &dyn BilevelProblem, algorithm: &mut dyn Algorithm) {
        if self.status != Status::Ok {
            return;
        }
        self.warnings.clear();
        algorithm.step(problem, self);
        self.step += 1;
        let finite =
            |v: &DVector<f64>| v.iter().all(|c| c.is_finite()) && v.norm() < DIVERGENCE_NORM;
        if !finite(&self.x) || !finite(&self.y) || !self.hypergradient.iter().all(|c| c.is_finite())
        {
            self.status = Status::Diverged { step: self.step };
        }
    }

    /// `steps` gradient steps on the follower from the current y (warm start): y ← y − η ∇ᵧg(x, y).
    pub(crate) fn inner_steps<P: BilevelProblem + ?Sized>(
        &mut self,
        problem: &P,
        lr: f64,
        steps: usize,
    ) {
        for _ in 0..steps {
            let grad = problem.grad_y_g(&self.x, &self.y);
            self.y -= grad * lr;
            if !self.y.iter().all(|c| c.is_finite()) {
                break;
            }
        }
        self.inner_iterations += steps;
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_stochastic;
