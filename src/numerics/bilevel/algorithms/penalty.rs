//! Value-function penalty (lecture 004, Eq. 25–29): replace the lower-level constraint by
//!   min_{x, y} f(x, y) + ρ · max{0, g(x, y) − ν̃(x)},   ν̃(x) = min_z g(x, z) + (a₁/2)‖z‖² + a₂,
//! with ν̃ tracked by K warm-started gradient steps on z. By the envelope theorem
//!   ∇ₓ = ∇ₓf + ρ(∇ₓg(x, y) − ∇ₓg(x, z)),  ∇ᵧ = ∇ᵧf + ρ ∇ᵧg(x, y)   (penalty active),
//! and x, y take one joint gradient step. First-order only: 0 HVPs.

use nalgebra::DVector;

use super::spec::{Params, inner_steps, nonneg, positive};
use super::{Algorithm, Run};
use crate::numerics::bilevel::BilevelProblem;

/// The penalty method, with its value-function iterate z.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Penalty {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub inner_steps: usize,
    pub rho: f64,
    /// ν̃'s regularization (a₁/2)‖z‖² + a₂.
    #[serde(default)]
    pub a1: f64,
    #[serde(default)]
    pub a2: f64,
    /// z, started at the first step's y.
    #[serde(skip)]
    pub z: Option<DVector<f64>>,
}

/// ν̃(x) = min_z g(x, z) + (a₁/2)‖z‖² + a₂ (lecture Eq. 26), tracked by `steps` warm-started gradient
/// steps on z at x; returns ν̃'s value at the new z. Shared by the penalty and its primal–dual form.
pub(crate) fn track_value_function(
    problem: &dyn BilevelProblem,
    run: &mut Run,
    z: &mut DVector<f64>,
    (a1, a2): (f64, f64),
    lr: f64,
    steps: usize,
) -> f64 {
    for _ in 0..steps {
        let grad = problem.grad_y_g(&run.x, z) + &*z * a1;
        *z -= grad * lr;
    }
    run.inner_iterations += steps;
    problem.g(&run.x, z) + 0.5 * a1 * z.norm_squared() + a2
}

impl Params for Penalty {
    fn validate(&self, _m: usize) -> Result<(), String> {
        positive("rho", self.rho)?;
        inner_steps(self.inner_steps)?;
        nonneg("a1", self.a1)?;
        nonneg("a2", self.a2)
    }
}

impl Algorithm for Penalty {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        let z = self.z.get_or_insert_with(|| run.y.clone());
        let value = track_value_function(
            problem,
            run,
            z,
            (self.a1, self.a2),
            self.inner_lr,
            self.inner_steps,
        );
        let active = problem.g(&run.x, &run.y) - value > 0.0;
        let mut gx = problem.grad_x_f(&run.x, &run.y);
        let mut gy = problem.grad_y_f(&run.x, &run.y);
        if active {
            gx += (problem.grad_x_g(&run.x, &run.y) - problem.grad_x_g(&run.x, z)) * self.rho;
            gy += problem.grad_y_g(&run.x, &run.y) * self.rho;
        }
        run.x -= &gx * self.outer_lr;
        run.y -= gy * self.outer_lr;
        run.hypergradient = gx;
    }
}
