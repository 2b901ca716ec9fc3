//! Two-timescale stochastic approximation (TTSA, Hong et al.; lecture 004): one follower step, then one
//! hypergradient leader step at the new y, with step sizes η_x/(k+1)^{p_x} and η_y/(k+1)^{p_y} (the follower
//! on the faster timescale). Cost: 1 inner step + the IHVP's HVPs.

use super::{Run, double_loop::implicit_leader_step};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::ihvp::spec::IhvpSpec;

pub fn step<P: BilevelProblem + ?Sized>(
    problem: &P,
    run: &mut Run,
    outer_lr: f64,
    inner_lr: f64,
    ihvp: &IhvpSpec,
) {
    run.inner_steps(problem, inner_lr, 1);
    implicit_leader_step(problem, run, outer_lr, ihvp, None);
}
