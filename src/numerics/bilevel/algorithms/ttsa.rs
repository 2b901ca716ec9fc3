//! Two-timescale stochastic approximation (TTSA, Hong et al.; lecture 004): one follower step, then one
//! hypergradient leader step at the new y, with step sizes η_x/(k+1)^{p_x} and η_y/(k+1)^{p_y} (the follower
//! on the faster timescale). Cost: 1 inner step + the IHVP's HVPs.

use super::{Algorithm, Run, double_loop::implicit_leader_step};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::ihvp::spec::IhvpSpec;

#[derive(Clone, Debug)]
pub struct Ttsa {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub ihvp: IhvpSpec,
    /// Step sizes η/(k+1)^p: p for the leader and the follower.
    pub outer_decay: f64,
    pub inner_decay: f64,
}

impl Algorithm for Ttsa {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        let decay = |lr: f64, p: f64| lr / ((run.step + 1) as f64).powf(p);
        let (outer_lr, inner_lr) = (
            decay(self.outer_lr, self.outer_decay),
            decay(self.inner_lr, self.inner_decay),
        );
        run.inner_steps(problem, inner_lr, 1);
        implicit_leader_step(problem, run, outer_lr, &self.ihvp, None);
    }
}
