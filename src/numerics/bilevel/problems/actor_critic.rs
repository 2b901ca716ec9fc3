//! The one-step actor–critic game of Zheng et al. (AAAI 2022) behind BLPO Figure 1 (seeds README): one
//! state, the actor's action is its parameter θ, a linear critic Q_w(a) = w·a, reward r(a) = −a²/5.
//! The actor (leader) *maximizes* f₁(θ, w) = θ·w; the critic (follower) minimizes f₂(θ, w) = (θw + θ²/5)².
//!
//! Sign convention here: every problem is a minimization, so x = θ, y = w, f = −f₁ = −θw and g = f₂.
//! Then ∇Φ(θ) = ∇ₓf − ∇²ₓᵧg (∇²ᵧᵧg)⁻¹ ∇ᵧf is minus the actor's ascent direction:
//! the Stackelberg actor step θ ← θ + δ₁[w − (∂²θw f₂ / (∂²ww f₂ + λ)) ∂w f₁] is x ← x − δ₁ ∇Φ with ridge λ.
//! Best response w*(θ) = −θ/5 (θ ≠ 0); Φ(θ) = θ²/5; the unique equilibrium is (0, 0), where
//! ∂²ww f₂ = 2θ² vanishes (hence λ).

use nalgebra::DVector;

use crate::numerics::bilevel::BilevelProblem;

/// Zheng et al.'s one-step game as a bilevel problem (n = m = 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActorCriticGame;

fn one(v: f64) -> DVector<f64> {
    DVector::from_element(1, v)
}

impl ActorCriticGame {
    /// The critic's Bellman residual θw + θ²/5 (f₂ is its square).
    fn residual(theta: f64, w: f64) -> f64 {
        theta * w + theta * theta / 5.0
    }
}

impl BilevelProblem for ActorCriticGame {
    fn dims(&self) -> (usize, usize) {
        (1, 1)
    }
    fn f(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        -x[0] * y[0]
    }
    fn g(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        Self::residual(x[0], y[0]).powi(2)
    }
    fn grad_x_f(&self, _x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        one(-y[0])
    }
    fn grad_y_f(&self, x: &DVector<f64>, _y: &DVector<f64>) -> DVector<f64> {
        one(-x[0])
    }
    /// ∂θ f₂ = 2(θw + θ²/5)(w + 2θ/5).
    fn grad_x_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        let (t, w) = (x[0], y[0]);
        one(2.0 * Self::residual(t, w) * (w + 0.4 * t))
    }
    /// ∂w f₂ = 2θ(θw + θ²/5).
    fn grad_y_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        let (t, w) = (x[0], y[0]);
        one(2.0 * t * Self::residual(t, w))
    }
    /// ∂²ww f₂ = 2θ².
    fn hvp_yy_g(&self, x: &DVector<f64>, _y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        one(2.0 * x[0] * x[0] * v[0])
    }
    /// ∂²θw f₂ = 4θw + 1.2θ².
    fn jvp_xy_g(&self, x: &DVector<f64>, y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let (t, w) = (x[0], y[0]);
        one((4.0 * t * w + 1.2 * t * t) * v[0])
    }
    fn jvp_yx_g(&self, x: &DVector<f64>, y: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        self.jvp_xy_g(x, y, u)
    }
    fn y_star(&self, x: &DVector<f64>) -> Option<DVector<f64>> {
        (x[0] != 0.0).then(|| one(-x[0] / 5.0))
    }
    fn x_star(&self) -> Option<DVector<f64>> {
        Some(one(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::{checks, exact_hypergradient};

    #[test]
    fn derivatives_match_the_seed_and_finite_differences() {
        let g = ActorCriticGame;
        for (t, w) in [(-1.0, 1.0), (0.3, -0.7), (2.0, 0.1), (-0.05, 0.4)] {
            checks::derivatives(&g, &one(t), &one(w), &one(0.7), &one(-1.3));
            checks::hypergradient(&g, &one(t));
            // ∇Φ(θ) = 2θ/5 at the best response, and equals −(actor ascent direction) of the seed with λ = 0.
            let (grad, _) = exact_hypergradient(&g, &one(t), &one(-t / 5.0));
            assert!((grad[0] - 0.4 * t).abs() < 1e-12);
            let seed_direction = w - (4.0 * t * w + 1.2 * t * t) / (2.0 * t * t) * t;
            let (grad, _) = exact_hypergradient(&g, &one(t), &one(w));
            assert!(
                (grad[0] + seed_direction).abs() < 1e-12,
                "{} vs {}",
                grad[0],
                -seed_direction
            );
        }
    }
}
