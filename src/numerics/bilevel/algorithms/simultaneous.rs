//! Simultaneous gradient play (lecture 004; BLPO Fig. 1 "simultaneous"): both players step from the same
//! iterate, x⁺ = x − η_x ∇ₓf(x, y), y⁺ = y − η_y ∇ᵧg(x, y). Converges to a Nash point, not the
//! Stackelberg one, and cycles on the actor–critic game. Cost: 1 inner step, 0 HVPs.

use super::spec::Params;
use super::{Algorithm, Run};
use crate::numerics::bilevel::BilevelProblem;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simultaneous {
    pub outer_lr: f64,
    pub inner_lr: f64,
}

impl Params for Simultaneous {}

impl Algorithm for Simultaneous {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        step(problem, run, self.outer_lr, self.inner_lr);
    }
}

fn step(problem: &dyn BilevelProblem, run: &mut Run, outer_lr: f64, inner_lr: f64) {
    let gx = problem.grad_x_f(&run.x, &run.y);
    let gy = problem.grad_y_g(&run.x, &run.y);
    run.x -= &gx * outer_lr;
    run.y -= gy * inner_lr;
    run.hypergradient = gx;
    run.inner_iterations += 1;
}
