//! Soft policy iteration, then soft value iteration, resumable a piece at a time: how [`SoftMdp`] finds
//! the fixed point of its soft Bellman operator (seed 001's T(Q); see `mdp.rs`).

use nalgebra::DVector;

use super::{SoftMdp, SoftSolution};

/// Policy evaluations a [`SoftSolver`] takes at most before value iteration finishes the job.
const POLICY_ITERATIONS: usize = 100;

/// The fixed point of the soft Bellman operator for one reward, found a piece at a time (so that a view
/// can spread it over frames): soft policy iteration from the policy of the starting Q — evaluate π
/// exactly (Q^π = r + γP V^π, V^π by [`SoftMdp::policy_value`]) and improve it to π = softmax(Q^π/τ) —
/// which gets close in a few evaluations where value iteration needs ln(ε)/ln(γ) sweeps (~1400 at
/// γ = 0.98), then soft value iteration from there to the tolerance, so the answer is value iteration's
/// own fixed point, certified by its residual.
#[derive(Clone, Debug)]
pub struct SoftSolver {
    r: DVector<f64>,
    q: DVector<f64>,
    /// Policy evaluations done; value iteration starts after [`POLICY_ITERATIONS`] or once Q holds still.
    evaluations: usize,
    /// The value iteration that finishes the job, from the last evaluation's Q.
    polish: Option<ValueIteration>,
}

impl SoftSolver {
    pub fn new(r: DVector<f64>, q0: DVector<f64>) -> Self {
        Self {
            r,
            q: q0,
            evaluations: 0,
            polish: None,
        }
    }

    /// Pieces done so far: policy evaluations and value-iteration sweeps (progress, for a view to show).
    pub fn pieces(&self) -> usize {
        self.evaluations + self.polish.as_ref().map_or(0, |v| v.iterations)
    }

    /// One policy evaluation, or (once polishing) up to `sweeps` value-iteration sweeps; the solution
    /// once ‖T(Q) − Q‖∞ ≤ `tol` (`iterations` counts the sweeps), or when the residual is not finite or
    /// 100 000 sweeps have not reached it (`tol`: the one given when polishing began).
    pub fn advance(&mut self, mdp: &SoftMdp, sweeps: usize, tol: f64) -> Option<SoftSolution> {
        if let Some(polish) = &mut self.polish {
            return polish.advance(mdp, sweeps);
        }
        let pi = mdp.policy(&self.q);
        let v = mdp.policy_value(&pi, &self.r, mdp.tau);
        let next = &self.r + mdp.p_times(&v) * mdp.gamma;
        self.evaluations += 1;
        let polish = if next.iter().all(|x| x.is_finite()) {
            let change = (&next - &self.q).amax();
            self.q = next;
            change <= 1e-12 * self.q.amax().max(1.0) || self.evaluations >= POLICY_ITERATIONS
        } else {
            // Evaluation failed (a singular system): value iteration from where Q was.
            true
        };
        if polish {
            self.polish = Some(ValueIteration::new(
                self.r.clone(),
                self.q.clone(),
                tol,
                100_000,
            ));
        }
        None
    }
}

/// Soft value iteration from a starting Q until ‖T(Q) − Q‖∞ ≤ `tol` (at most `max_iter` sweeps), a piece
/// at a time: [`SoftMdp::solve_from`] is this run to the end in one call.
#[derive(Clone, Debug)]
pub struct ValueIteration {
    r: DVector<f64>,
    q: DVector<f64>,
    tol: f64,
    max_iter: usize,
    iterations: usize,
    residual: f64,
}

impl ValueIteration {
    pub fn new(r: DVector<f64>, q0: DVector<f64>, tol: f64, max_iter: usize) -> Self {
        Self {
            r,
            q: q0,
            tol,
            max_iter,
            iterations: 0,
            residual: f64::INFINITY,
        }
    }

    /// Up to `sweeps` sweeps; the solution once the residual is within the tolerance or not finite, or
    /// after `max_iter` sweeps.
    pub fn advance(&mut self, mdp: &SoftMdp, sweeps: usize) -> Option<SoftSolution> {
        for _ in 0..sweeps {
            if self.done() {
                break;
            }
            let next = mdp.bellman(&self.r, &self.q);
            self.residual = (&next - &self.q).amax();
            self.q = next;
            self.iterations += 1;
        }
        self.done().then(|| SoftSolution {
            v: mdp.soft_value(&self.q),
            pi: mdp.policy(&self.q),
            q: self.q.clone(),
            iterations: self.iterations,
            residual: self.residual,
        })
    }

    /// `max_iter` sweeps taken, or the last one's residual within the tolerance or not finite.
    fn done(&self) -> bool {
        self.iterations >= self.max_iter
            || (self.iterations > 0 && (self.residual <= self.tol || !self.residual.is_finite()))
    }
}
