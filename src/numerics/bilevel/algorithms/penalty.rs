//! Value-function penalty (lecture 004, Eq. 25–29): replace the lower-level constraint by
//!   min_{x, y} f(x, y) + ρ · max{0, g(x, y) − ν̃(x)},   ν̃(x) = min_z g(x, z) + (a₁/2)‖z‖² + a₂,
//! with ν̃ tracked by K warm-started gradient steps on z. By the envelope theorem
//!   ∇ₓ = ∇ₓf + ρ(∇ₓg(x, y) − ∇ₓg(x, z)),  ∇ᵧ = ∇ᵧf + ρ ∇ᵧg(x, y)   (penalty active),
//! and x, y take one joint gradient step. First-order only: 0 HVPs.

use nalgebra::DVector;

use super::Run;
use crate::numerics::bilevel::BilevelProblem;

#[allow(clippy::too_many_arguments)]
pub fn step<P: BilevelProblem + ?Sized>(
    problem: &P,
    run: &mut Run,
    z: &mut DVector<f64>,
    outer_lr: f64,
    inner_lr: f64,
    inner_steps: usize,
    rho: f64,
    (a1, a2): (f64, f64),
) {
    for _ in 0..inner_steps {
        let grad = problem.grad_y_g(&run.x, z) + &*z * a1;
        *z -= grad * inner_lr;
    }
    run.inner_iterations += inner_steps;
    let value = problem.g(&run.x, z) + 0.5 * a1 * z.norm_squared() + a2;
    let active = problem.g(&run.x, &run.y) - value > 0.0;
    let mut gx = problem.grad_x_f(&run.x, &run.y);
    let mut gy = problem.grad_y_f(&run.x, &run.y);
    if active {
        gx += (problem.grad_x_g(&run.x, &run.y) - problem.grad_x_g(&run.x, z)) * rho;
        gy += problem.grad_y_g(&run.x, &run.y) * rho;
    }
    run.x -= &gx * outer_lr;
    run.y -= gy * outer_lr;
    run.hypergradient = gx;
}
