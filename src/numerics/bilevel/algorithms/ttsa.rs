//! Two-timescale stochastic approximation (TTSA, Hong et al. 2023; lecture 004, Algorithm 4): one
//! follower step, then one hypergradient leader step at the new y, projected onto Θ:
//!   y_{k+1} = y_k − β_k ∇ᵧg(x_k, y_k),
//!   x_{k+1} = P_Θ(x_k − α_k (∇ₓf − ∇²ₓᵧg (∇²ᵧᵧg)⁻¹ ∇ᵧf)(x_k, y_{k+1})),
//! with step sizes α_k = η_x/(k+1)^{p_x}, β_k = η_y/(k+1)^{p_y} (the follower on the faster timescale:
//! α_k ≪ β_k and α_k/β_k → 0 when p_x > p_y) and Θ the ball ‖x‖ ≤ radius (no projection without one).
//! On a stochastic problem every derivative is a fresh sample. Cost: 1 inner step + the IHVP's HVPs.

use super::spec::{Params, ihvp, positive};
use super::{Algorithm, Run, double_loop::implicit_leader_step, project};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::ihvp::spec::IhvpSpec;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ttsa {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub ihvp: IhvpSpec,
    /// Step sizes η/(k+1)^p: p for the leader and the follower.
    #[serde(default)]
    pub outer_decay: f64,
    #[serde(default)]
    pub inner_decay: f64,
    /// P_Θ: the leader's iterate projected onto the ball Θ = {‖x‖ ≤ radius} (none when absent).
    #[serde(default)]
    pub radius: Option<f64>,
}

impl Params for Ttsa {
    fn validate(&self, m: usize) -> Result<(), String> {
        for (name, p) in [("outer_decay", self.outer_decay), ("inner_decay", self.inner_decay)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name}: must be in 0..=1, got {p}"));
            }
        }
        if let Some(r) = self.radius {
            positive("radius", r)?;
        }
        ihvp(&self.ihvp, m)
    }
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
        project(&mut run.x, self.radius);
    }
}
