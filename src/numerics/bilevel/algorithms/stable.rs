//! STABLE (Chen et al. 2022; lecture 004, Algorithm 5): a hypergradient leader step, then one follower
//! step with a correction term that anticipates how y* moves with x:
//!   x⁺ = x − η_x (∇ₓf − ∇²ₓᵧg (∇²ᵧᵧg)⁻¹ ∇ᵧf),
//!   y⁺ = y − η_y ∇ᵧg − (∇²ᵧᵧg)⁻¹ ∇²ᵧₓg (x⁺ − x),        all at (x, y).
//! Cost: 1 inner step + two IHVPs.

use super::{
    Run,
    double_loop::{ihvp_at, implicit_leader_step},
};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::ihvp::spec::IhvpSpec;

pub fn step<P: BilevelProblem + ?Sized>(
    problem: &P,
    run: &mut Run,
    outer_lr: f64,
    inner_lr: f64,
    ihvp: &IhvpSpec,
) {
    let (x, y) = (run.x.clone(), run.y.clone());
    let grad_y = problem.grad_y_g(&x, &y);
    implicit_leader_step(problem, run, outer_lr, ihvp, None);
    let moved = problem.jvp_yx_g(&x, &y, &(&run.x - &x));
    let correction = ihvp_at(problem, run, &x, &y, &moved, ihvp);
    run.y = &y - grad_y * inner_lr - correction;
    run.inner_iterations += 1;
}
