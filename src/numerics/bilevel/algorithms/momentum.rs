//! Bilevel momentum (Khanduri et al. 2021; lecture 004, Eq. 21): recursive momentum on both levels,
//!   h_l ← (1 − η_l) ∇ᵧg(x_k, y_k) + η_l (h_l + ∇ᵧg(x_k, y_k) − ∇ᵧg(x_{k−1}, y_{k−1})),
//!   h_u ← (1 − η_u) ∇̄f(x_k, y_k) + η_u (h_u + ∇̄f(x_k, y_k) − ∇̄f(x_{k−1}, y_{k−1})),
//! then y⁺ = y − β h_l, x⁺ = x − α h_u, with ∇̄f the IHVP hypergradient estimate. With exact (noise-free)
//! gradients the correction telescopes and the method coincides with single-loop AID; it differs once
//! gradients are stochastic or inexact. Cost: 1 inner step + one IHVP.

use nalgebra::DVector;

use super::{Algorithm, Run, double_loop::ihvp_at};
use crate::numerics::bilevel::{BilevelProblem, hypergradient_with};
use crate::numerics::ihvp::spec::IhvpSpec;

/// Momentum buffers and the previous gradients.
#[derive(Clone, Debug, Default)]
pub struct MomentumState {
    pub h_lower: Option<DVector<f64>>,
    pub h_upper: Option<DVector<f64>>,
    prev_lower: Option<DVector<f64>>,
    prev_upper: Option<DVector<f64>>,
}

fn recurse(
    h: &mut Option<DVector<f64>>,
    prev: &mut Option<DVector<f64>>,
    now: DVector<f64>,
    eta: f64,
) -> DVector<f64> {
    let next = match (h.as_ref(), prev.as_ref()) {
        (Some(h), Some(p)) => &now * (1.0 - eta) + (h + &now - p) * eta,
        _ => now.clone(),
    };
    *h = Some(next.clone());
    *prev = Some(now);
    next
}

/// Momentum on both levels, with its buffers.
#[derive(Clone, Debug)]
pub struct Momentum {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub ihvp: IhvpSpec,
    /// Momentum weights η_u, η_l in [0, 1).
    pub eta_upper: f64,
    pub eta_lower: f64,
    pub state: MomentumState,
}

impl Algorithm for Momentum {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        let (x, y) = (run.x.clone(), run.y.clone());
        let b = problem.grad_y_f(&x, &y);
        let v = ihvp_at(problem, run, &x, &y, &b, &self.ihvp);
        let upper_now = hypergradient_with(problem, &x, &y, &v).0;
        let lower_now = problem.grad_y_g(&x, &y);
        let state = &mut self.state;
        let h_l = recurse(
            &mut state.h_lower,
            &mut state.prev_lower,
            lower_now,
            self.eta_lower,
        );
        let h_u = recurse(
            &mut state.h_upper,
            &mut state.prev_upper,
            upper_now,
            self.eta_upper,
        );
        run.y -= h_l * self.inner_lr;
        run.x -= &h_u * self.outer_lr;
        run.hypergradient = h_u;
        run.inner_iterations += 1;
    }
}
