//! Double-loop approximate implicit differentiation (BA / AID-BiO, lecture 004; with the Nyström IHVP this
//! is BLPO Algorithm 1): K warm-started inner steps z ← z − η_y ∇ᵧg(x, z), then
//!   x⁺ = x − η_x (∇ₓf − ∇²ₓᵧg · v̂),  v̂ ≈ (∇²ᵧᵧg + αI)⁻¹ ∇ᵧf from any IHVP method,
//! optionally with BLPO's clipping of the implicit correction. Cost: K inner steps + the IHVP's HVPs.

use super::spec::{Params, ihvp, inner_steps, positive};
use super::{Algorithm, Run};
use crate::numerics::bilevel::{BilevelProblem, InnerHessian, hypergradient_with};
use crate::numerics::ihvp::{clip_correction, spec::IhvpSpec};

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoubleLoop {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub inner_steps: usize,
    pub ihvp: IhvpSpec,
    /// BLPO Sec. 6 clipping bound (‖correction‖ ≤ clip · ‖∇ₓf‖), off when absent.
    #[serde(default)]
    pub clip: Option<f64>,
}

impl Params for DoubleLoop {
    fn validate(&self, m: usize) -> Result<(), String> {
        inner_steps(self.inner_steps)?;
        if let Some(c) = self.clip {
            positive("clip", c)?;
        }
        ihvp(&self.ihvp, m)
    }
}

impl Algorithm for DoubleLoop {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        run.inner_steps(problem, self.inner_lr, self.inner_steps);
        implicit_leader_step(problem, run, self.outer_lr, &self.ihvp, self.clip);
    }
}

/// x ← x − η_x (∇ₓf − ∇²ₓᵧg v̂) at the current (x, y); shared by the hypergradient algorithms.
pub(crate) fn implicit_leader_step<P: BilevelProblem + ?Sized>(
    problem: &P,
    run: &mut Run,
    outer_lr: f64,
    ihvp: &IhvpSpec,
    clip: Option<f64>,
) {
    let b = problem.grad_y_f(&run.x, &run.y);
    let (x, y) = (run.x.clone(), run.y.clone());
    let v = ihvp_at(problem, run, &x, &y, &b, ihvp);
    let (mut direction, direct, correction) = hypergradient_with(problem, &run.x, &run.y, &v);
    if let Some(bound) = clip {
        let (clipped, was_clipped) = clip_correction(&correction, &direct, bound);
        if was_clipped {
            run.warnings
                .push(format!("implicit correction clipped to {bound}·‖∇ₓf‖"));
            direction = &direct - clipped;
        }
    }
    run.x -= &direction * outer_lr;
    run.hypergradient = direction;
}

/// v̂ ≈ (∇²ᵧᵧg(x, y) + αI)⁻¹ b with the chosen method, as the run's next draw (fresh Nyström columns per
/// call, or the same ones: [`IhvpSpec::drawn`]); HVPs and warnings go to the run. A method that cannot run
/// (bad parameters) gives v̂ = 0 — the implicit term is dropped — and says so.
pub(crate) fn ihvp_at<P: BilevelProblem + ?Sized>(
    problem: &P,
    run: &mut Run,
    x: &nalgebra::DVector<f64>,
    y: &nalgebra::DVector<f64>,
    b: &nalgebra::DVector<f64>,
    ihvp: &IhvpSpec,
) -> nalgebra::DVector<f64> {
    let call = run.ihvp_calls;
    run.ihvp_calls += 1;
    match ihvp.drawn(call).solve(&InnerHessian { problem, x, y }, b) {
        Ok(r) => {
            run.hvp_count += r.hvp_count;
            run.warnings.extend(r.warnings);
            r.v
        }
        Err(e) => {
            run.warnings
                .push(format!("IHVP failed: {e}; implicit term dropped"));
            b * 0.0
        }
    }
}
