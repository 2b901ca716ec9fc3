//! Bilevel algorithms as steppers: [`Run::step`] performs one outer iteration, so a view can run k steps
//! per frame and a CLI can run them all. Each algorithm lives in its own file.
//! A non-finite or exploding iterate ends the run with status "diverged at step k" — never a panic.

pub mod alternating;
pub mod double_loop;
pub mod lancbio;
pub mod momentum;
pub mod penalty;
pub mod simultaneous;
pub mod spec;
pub mod stable;
pub mod ttsa;
pub mod unrolled;

pub use spec::AlgorithmSpec;

use nalgebra::DVector;

use super::BilevelProblem;
use crate::numerics::ihvp::lancbio::LancBio;

/// Iterates beyond this norm count as diverged.
pub const DIVERGENCE_NORM: f64 = 1e12;

/// What some algorithms carry between steps.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    pub momentum: momentum::MomentumState,
    /// The penalty method's value-function iterate z.
    pub penalty_z: Option<DVector<f64>>,
    pub lancbio: Option<LancBio>,
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
    /// Warnings of the last step (IHVP problems, clipping).
    pub warnings: Vec<String>,
    pub memory: Memory,
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
            warnings: Vec::new(),
            memory: Memory::default(),
        }
    }

    /// One outer iteration of `spec` on `problem`; does nothing once diverged.
    pub fn step<P: BilevelProblem + ?Sized>(&mut self, problem: &P, spec: &AlgorithmSpec) {
        if self.status != Status::Ok {
            return;
        }
        self.warnings.clear();
        let k = self.step;
        match spec {
            AlgorithmSpec::Simultaneous { outer_lr, inner_lr } => {
                simultaneous::step(problem, self, *outer_lr, *inner_lr)
            }
            AlgorithmSpec::Alternating {
                outer_lr,
                inner_lr,
                inner_steps,
            } => alternating::step(problem, self, *outer_lr, *inner_lr, *inner_steps),
            AlgorithmSpec::DoubleLoop {
                outer_lr,
                inner_lr,
                inner_steps,
                ihvp,
                clip,
            } => double_loop::step(
                problem,
                self,
                *outer_lr,
                *inner_lr,
                *inner_steps,
                ihvp,
                *clip,
            ),
            AlgorithmSpec::Ttsa {
                outer_lr,
                inner_lr,
                ihvp,
                outer_decay,
                inner_decay,
            } => {
                let decay = |lr: f64, p: f64| lr / ((k + 1) as f64).powf(p);
                ttsa::step(
                    problem,
                    self,
                    decay(*outer_lr, *outer_decay),
                    decay(*inner_lr, *inner_decay),
                    ihvp,
                )
            }
            AlgorithmSpec::Stable {
                outer_lr,
                inner_lr,
                ihvp,
            } => stable::step(problem, self, *outer_lr, *inner_lr, ihvp),
            AlgorithmSpec::Momentum {
                outer_lr,
                inner_lr,
                ihvp,
                eta_upper,
                eta_lower,
            } => {
                let mut state = std::mem::take(&mut self.memory.momentum);
                momentum::step(
                    problem, self, &mut state, *outer_lr, *inner_lr, *eta_upper, *eta_lower, ihvp,
                );
                self.memory.momentum = state;
            }
            AlgorithmSpec::Unrolled {
                outer_lr,
                inner_lr,
                inner_steps,
                mode,
            } => unrolled::step(problem, self, *outer_lr, *inner_lr, *inner_steps, *mode),
            AlgorithmSpec::Penalty {
                outer_lr,
                inner_lr,
                inner_steps,
                rho,
                a1,
                a2,
            } => {
                let mut z = self
                    .memory
                    .penalty_z
                    .take()
                    .unwrap_or_else(|| self.y.clone());
                penalty::step(
                    problem,
                    self,
                    &mut z,
                    *outer_lr,
                    *inner_lr,
                    *inner_steps,
                    *rho,
                    (*a1, *a2),
                );
                self.memory.penalty_z = Some(z);
            }
            AlgorithmSpec::Lancbio {
                outer_lr,
                inner_lr,
                inner_steps,
                alpha,
                restart_every,
            } => {
                let mut state = self
                    .memory
                    .lancbio
                    .take()
                    .unwrap_or_else(|| LancBio::new(self.y.len(), *restart_every));
                lancbio::step(
                    problem,
                    self,
                    &mut state,
                    *outer_lr,
                    *inner_lr,
                    *inner_steps,
                    *alpha,
                );
                self.memory.lancbio = Some(state);
            }
        }
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
