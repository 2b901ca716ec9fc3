//! Simultaneous gradient play (lecture 004; BLPO Fig. 1 "simultaneous"): both players step from the same
//! iterate, x⁺ = x − η_x ∇ₓf(x, y), y⁺ = y − η_y ∇ᵧg(x, y). Converges to a Nash point, not the
//! Stackelberg one, and cycles on the actor–critic game. Cost: 1 inner step, 0 HVPs.

use super::Run;
use crate::numerics::bilevel::BilevelProblem;

pub fn step<P: BilevelProblem + ?Sized>(problem: &P, run: &mut Run, outer_lr: f64, inner_lr: f64) {
    let gx = problem.grad_x_f(&run.x, &run.y);
    let gy = problem.grad_y_g(&run.x, &run.y);
    run.x -= &gx * outer_lr;
    run.y -= gy * inner_lr;
    run.hypergradient = gx;
    run.inner_iterations += 1;
}
