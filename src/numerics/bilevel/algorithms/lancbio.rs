//! LancBiO (Yang, Gao, Yuan, ICLR 2025; poster 002): the double loop whose IHVP is the dynamic Lanczos
//! process of [`crate::numerics::ihvp::lancbio::LancBio`], carried across outer iterations (one Lanczos step
//! per outer step, restarts every m steps, residual-minimization correction).
//! Cost: K inner steps + 2 HVPs per outer step.

use super::Run;
use crate::numerics::bilevel::{BilevelProblem, InnerHessian, hypergradient_with};
use crate::numerics::ihvp::lancbio::LancBio;

#[allow(clippy::too_many_arguments)]
pub fn step<P: BilevelProblem + ?Sized>(
    problem: &P,
    run: &mut Run,
    state: &mut LancBio,
    outer_lr: f64,
    inner_lr: f64,
    inner_steps: usize,
    alpha: f64,
) {
    run.inner_steps(problem, inner_lr, inner_steps);
    let b = problem.grad_y_f(&run.x, &run.y);
    let r = state.step(
        &InnerHessian {
            problem,
            x: &run.x,
            y: &run.y,
        },
        &b,
        alpha,
    );
    run.hvp_count += r.hvp_count;
    run.warnings.extend(r.warnings);
    let direction = hypergradient_with(problem, &run.x, &run.y, &r.v).0;
    run.x -= &direction * outer_lr;
    run.hypergradient = direction;
}
