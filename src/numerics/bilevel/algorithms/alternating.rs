//! Alternating play: K inner steps on y (warm-started), then x⁺ = x − η_x ∇ₓf(x, y⁺) with no implicit term.
//! It ignores how y* moves with x, so it stops where ∇ₓf(x, y*(x)) = 0 rather than ∇Φ(x) = 0.
//! Cost: K inner steps, 0 HVPs.

use super::Run;
use crate::numerics::bilevel::BilevelProblem;

pub fn step<P: BilevelProblem + ?Sized>(
    problem: &P,
    run: &mut Run,
    outer_lr: f64,
    inner_lr: f64,
    inner_steps: usize,
) {
    run.inner_steps(problem, inner_lr, inner_steps);
    let gx = problem.grad_x_f(&run.x, &run.y);
    run.x -= &gx * outer_lr;
    run.hypergradient = gx;
}
