//! Bilevel momentum (Khanduri et al. 2021; lecture 004, Eq. 21–22): recursive momentum on both levels,
//!   h_l ← (1 − η_l) ∇ᵧg(x_k, y_k; ξ_k) + η_l (h_l + ∇ᵧg(x_k, y_k; ξ_k) − ∇ᵧg(x_{k−1}, y_{k−1}; ξ_k)),
//!   h_u ← (1 − η_u) ∇̄f(x_k, y_k; ξ_k) + η_u (h_u + ∇̄f(x_k, y_k; ξ_k) − ∇̄f(x_{k−1}, y_{k−1}; ξ_k)),
//! then y⁺ = y − β h_l, x⁺ = x − α h_u, with ∇̄f the IHVP hypergradient estimate. The correction term
//! evaluates the *same* sample ξ_k at the current and the previous point (a STORM-type estimator: its
//! variance shrinks as the iterates settle), which costs a second evaluation per step on a stochastic
//! problem. With exact oracles the correction telescopes and the method coincides with single-loop AID
//! (a test pins it; the previous step's values are reused, no second evaluation); it differs once
//! gradients are stochastic. Cost: 1 inner step + one IHVP, twice that per step on stochastic oracles.

use nalgebra::DVector;

use super::spec::{Params, ihvp};
use super::{Algorithm, Run, double_loop::ihvp_at};
use crate::numerics::bilevel::{BilevelProblem, hypergradient_with};
use crate::numerics::ihvp::spec::IhvpSpec;

/// Momentum buffers, the previous point and (exact oracles) its directions.
#[derive(Clone, Debug, Default)]
pub struct MomentumState {
    pub h_lower: Option<DVector<f64>>,
    pub h_upper: Option<DVector<f64>>,
    prev_point: Option<(DVector<f64>, DVector<f64>)>,
    prev_lower: Option<DVector<f64>>,
    prev_upper: Option<DVector<f64>>,
}

/// h ← (1 − η) now + η (h + now − prev), or now at the first step.
fn recurse(
    h: &mut Option<DVector<f64>>,
    now: &DVector<f64>,
    prev: Option<DVector<f64>>,
    eta: f64,
) -> DVector<f64> {
    let next = match (h.as_ref(), prev) {
        (Some(h), Some(p)) => now * (1.0 - eta) + (h + now - p) * eta,
        _ => now.clone(),
    };
    *h = Some(next.clone());
    next
}

/// Momentum on both levels, with its buffers.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Momentum {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub ihvp: IhvpSpec,
    /// Momentum weights η_u, η_l in [0, 1).
    #[serde(default = "half")]
    pub eta_upper: f64,
    #[serde(default = "half")]
    pub eta_lower: f64,
    #[serde(skip)]
    pub state: MomentumState,
}

serde_defaults! {
    half: f64 = 0.5;
}

/// (∇ᵧg, ∇̄f) at (x, y) from the oracles of `s`.
fn directions(
    s: &dyn BilevelProblem,
    run: &mut Run,
    ihvp: &IhvpSpec,
    x: &DVector<f64>,
    y: &DVector<f64>,
) -> (DVector<f64>, DVector<f64>) {
    let b = s.grad_y_f(x, y);
    let v = ihvp_at(s, run, x, y, &b, ihvp);
    (s.grad_y_g(x, y), hypergradient_with(s, x, y, &v).0)
}

impl Params for Momentum {
    fn validate(&self, m: usize) -> Result<(), String> {
        for (name, eta) in [("eta_upper", self.eta_upper), ("eta_lower", self.eta_lower)] {
            if !(0.0..1.0).contains(&eta) {
                return Err(format!("{name}: must be in [0, 1), got {eta}"));
            }
        }
        ihvp(&self.ihvp, m)
    }
}

impl Algorithm for Momentum {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        let (x, y) = (run.x.clone(), run.y.clone());
        let sample = problem.draw();
        let s: &dyn BilevelProblem = sample.as_deref().unwrap_or(problem);
        let (lower_now, upper_now) = directions(s, run, &self.ihvp, &x, &y);
        let state = &mut self.state;
        let (lower_prev, upper_prev) = match (&sample, state.prev_point.take()) {
            // The same sample at the previous point.
            (Some(_), Some((xp, yp))) => {
                let (l, u) = directions(s, run, &self.ihvp, &xp, &yp);
                (Some(l), Some(u))
            }
            _ => (state.prev_lower.take(), state.prev_upper.take()),
        };
        let h_l = recurse(&mut state.h_lower, &lower_now, lower_prev, self.eta_lower);
        let h_u = recurse(&mut state.h_upper, &upper_now, upper_prev, self.eta_upper);
        state.prev_point = Some((x, y));
        state.prev_lower = Some(lower_now);
        state.prev_upper = Some(upper_now);
        run.y -= h_l * self.inner_lr;
        run.x -= &h_u * self.outer_lr;
        run.hypergradient = h_u;
        run.inner_iterations += 1;
    }
}
