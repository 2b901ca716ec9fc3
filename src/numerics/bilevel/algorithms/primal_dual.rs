//! The value-function method's primal–dual form (Sow et al. 2022; lecture 004, Eq. 29):
//!   max_{ρ ≥ 0} min_{x, y} L(x, y, ρ) = f(x, y) + ρ (g(x, y) − ν̃(x)),
//!   ν̃(x) = min_z g(x, z) + (a₁/2)‖z‖² + a₂         (Eq. 26, tracked by K warm-started steps on z),
//! by gradient descent on (x, y) and projected ascent on the multiplier:
//!   x⁺ = x − η (∇ₓf + ρ(∇ₓg(x, y) − ∇ₓg(x, z))),   y⁺ = y − η (∇ᵧf + ρ ∇ᵧg(x, y)),
//!   ρ⁺ = max{0, ρ + η_ρ (g(x, y) − ν̃(x))}.
//! Unlike the penalty method (`penalty.rs`, a fixed ρ and max{0, ·}), ρ adapts: it grows while y violates
//! g ≤ ν̃ and shrinks once the slack a₂ > 0 makes the constraint strictly feasible (with a₁ = a₂ = 0 the
//! constraint can only be violated or tight, so ρ never falls). First-order only: 0 HVPs.

use nalgebra::DVector;

use super::penalty::track_value_function;
use super::spec::{Params, inner_steps, nonneg, positive};
use super::{Algorithm, Run};
use crate::numerics::bilevel::BilevelProblem;

/// The primal–dual method with its multiplier and value-function iterate.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimalDual {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub inner_steps: usize,
    /// ρ: the multiplier, from its start here.
    pub rho: f64,
    /// The multiplier's step η_ρ.
    pub dual_lr: f64,
    #[serde(default)]
    pub a1: f64,
    #[serde(default)]
    pub a2: f64,
    /// z, started at the first step's y.
    #[serde(skip)]
    pub z: Option<DVector<f64>>,
}

impl Params for PrimalDual {
    fn validate(&self, _m: usize) -> Result<(), String> {
        nonneg("rho", self.rho)?;
        positive("dual_lr", self.dual_lr)?;
        inner_steps(self.inner_steps)?;
        nonneg("a1", self.a1)?;
        nonneg("a2", self.a2)
    }
}

impl Algorithm for PrimalDual {
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
        let violation = problem.g(&run.x, &run.y) - value;
        let gx = problem.grad_x_f(&run.x, &run.y)
            + (problem.grad_x_g(&run.x, &run.y) - problem.grad_x_g(&run.x, z)) * self.rho;
        let gy = problem.grad_y_f(&run.x, &run.y) + problem.grad_y_g(&run.x, &run.y) * self.rho;
        run.x -= &gx * self.outer_lr;
        run.y -= gy * self.outer_lr;
        self.rho = (self.rho + self.dual_lr * violation).max(0.0);
        run.hypergradient = gx;
    }
}
