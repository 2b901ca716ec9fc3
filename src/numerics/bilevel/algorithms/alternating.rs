//! Alternating play: K inner steps on y (warm-started), then x⁺ = x − η_x ∇ₓf(x, y⁺) with no implicit term.
//! It ignores how y* moves with x, so it stops where ∇ₓf(x, y*(x)) = 0 rather than ∇Φ(x) = 0.
//! Cost: K inner steps, 0 HVPs.

use super::spec::{Params, inner_steps};
use super::{Algorithm, Run};
use crate::numerics::bilevel::BilevelProblem;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternating {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub inner_steps: usize,
}

impl Params for Alternating {
    fn validate(&self, _m: usize) -> Result<(), String> {
        inner_steps(self.inner_steps)
    }
}

impl Algorithm for Alternating {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        run.inner_steps(problem, self.inner_lr, self.inner_steps);
        let gx = problem.grad_x_f(&run.x, &run.y);
        run.x -= &gx * self.outer_lr;
        run.hypergradient = gx;
    }
}
