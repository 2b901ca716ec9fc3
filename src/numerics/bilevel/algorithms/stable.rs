//! STABLE (Chen et al. 2022; lecture 004, Algorithm 5): a hypergradient leader step, then one follower
//! step with a correction term that anticipates how y* moves with x:
//!   x⁺ = x − η_x (∇ₓf − ∇²ₓᵧg (∇²ᵧᵧg)⁻¹ ∇ᵧf),
//!   y⁺ = y − η_y ∇ᵧg − (∇²ᵧᵧg)⁻¹ ∇²ᵧₓg (x⁺ − x),        all at (x, y).
//! Cost: 1 inner step + two IHVPs.

use super::{
    Algorithm, Run,
    double_loop::{ihvp_at, implicit_leader_step},
};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::ihvp::spec::IhvpSpec;

#[derive(Clone, Debug)]
pub struct Stable {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub ihvp: IhvpSpec,
}

impl Algorithm for Stable {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        let (x, y) = (run.x.clone(), run.y.clone());
        let grad_y = problem.grad_y_g(&x, &y);
        implicit_leader_step(problem, run, self.outer_lr, &self.ihvp, None);
        let moved = problem.jvp_yx_g(&x, &y, &(&run.x - &x));
        let correction = ihvp_at(problem, run, &x, &y, &moved, &self.ihvp);
        run.y = &y - grad_y * self.inner_lr - correction;
        run.inner_iterations += 1;
    }
}
