//! Pruning / sparse training (lecture 004, Eq. 8): the leader sets a mask θ on the weights of a linear
//! model, the follower trains the weights φ under the mask with a ridge ρ, and the leader is scored on
//! held-out data:
//!   g(θ, φ) = (1/2N) ‖X(θ ⊙ φ) − y‖² + (ρ/2)‖φ‖²,    f(θ, φ) = (1/2N_v) ‖V(θ ⊙ φ) − v‖².
//! Only the first half of the features matter (the regression set of `data.rs`); a mask that closes the
//! others generalizes better. y*(θ) in closed form: φ* = (D A D + ρI)⁻¹ D Xᵀy/N, D = diag(θ), A = XᵀX/N.

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng as _;

use super::data::{Split, regression};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::random::SeededRng;

/// See the module docs: n = m = features.
#[derive(Clone, Debug, PartialEq)]
pub struct Pruning {
    /// X, y and X_v, y_v.
    pub data: Split,
    pub rho: f64,
}

impl Pruning {
    /// `features` features (half of them irrelevant), `samples` training and validation samples each,
    /// label noise `noise`.
    pub fn synthetic(features: usize, samples: usize, noise: f64, rho: f64, seed: u64) -> Self {
        let mut rng = SeededRng::seed_from_u64(seed);
        let data = Split::drawn(|| regression(samples, features, noise, &mut rng));
        Self { data, rho }
    }

    fn n(&self) -> f64 {
        self.data.n_train()
    }
    fn n_val(&self) -> f64 {
        self.data.n_val()
    }
    /// X_vᵀ(X_v w − y_v)/N_v for w = θ ⊙ φ.
    fn val_residual_grad(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        let d = &self.data;
        d.val_x
            .tr_mul(&(&d.val_x * th.component_mul(phi) - &d.val_y))
            / self.n_val()
    }
    /// Xᵀ(X w − y)/N for w = θ ⊙ φ.
    fn train_residual_grad(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        let w = th.component_mul(phi);
        self.data
            .train_x
            .tr_mul(&(&self.data.train_x * w - &self.data.train_y))
            / self.n()
    }
    /// A u = Xᵀ X u / N.
    fn gram(&self, u: &DVector<f64>) -> DVector<f64> {
        self.data.train_x.tr_mul(&(&self.data.train_x * u)) / self.n()
    }
}

impl BilevelProblem for Pruning {
    fn dims(&self) -> (usize, usize) {
        (self.data.train_x.ncols(), self.data.train_x.ncols())
    }
    fn f(&self, th: &DVector<f64>, phi: &DVector<f64>) -> f64 {
        (&self.data.val_x * th.component_mul(phi) - &self.data.val_y).norm_squared()
            / (2.0 * self.n_val())
    }
    fn g(&self, th: &DVector<f64>, phi: &DVector<f64>) -> f64 {
        (&self.data.train_x * th.component_mul(phi) - &self.data.train_y).norm_squared()
            / (2.0 * self.n())
            + 0.5 * self.rho * phi.norm_squared()
    }
    fn grad_x_f(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        phi.component_mul(&self.val_residual_grad(th, phi))
    }
    fn grad_y_f(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        th.component_mul(&self.val_residual_grad(th, phi))
    }
    fn grad_x_g(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        phi.component_mul(&self.train_residual_grad(th, phi))
    }
    fn grad_y_g(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        th.component_mul(&self.train_residual_grad(th, phi)) + phi * self.rho
    }
    /// θ ⊙ A(θ ⊙ v) + ρv.
    fn hvp_yy_g(&self, th: &DVector<f64>, _phi: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        th.component_mul(&self.gram(&th.component_mul(v))) + v * self.rho
    }
    /// v ⊙ c + φ ⊙ A(θ ⊙ v), c = Xᵀ(Xw − y)/N.
    fn jvp_xy_g(&self, th: &DVector<f64>, phi: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        v.component_mul(&self.train_residual_grad(th, phi))
            + phi.component_mul(&self.gram(&th.component_mul(v)))
    }
    /// u ⊙ c + θ ⊙ A(φ ⊙ u).
    fn jvp_yx_g(&self, th: &DVector<f64>, phi: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        u.component_mul(&self.train_residual_grad(th, phi))
            + th.component_mul(&self.gram(&phi.component_mul(u)))
    }
    fn y_star(&self, th: &DVector<f64>) -> Option<DVector<f64>> {
        let m = th.len();
        let d = DMatrix::from_diagonal(th);
        let a = self.data.train_x.tr_mul(&self.data.train_x) / self.n();
        let lhs = &d * a * &d + DMatrix::identity(m, m) * self.rho;
        let rhs = &d * self.data.train_x.tr_mul(&self.data.train_y) / self.n();
        lhs.cholesky().map(|c| c.solve(&rhs))
    }
    /// `batch` training and validation rows with replacement (the losses are means: unbiased).
    fn minibatch(&self, batch: usize, rng: &mut SeededRng) -> Option<Box<dyn BilevelProblem>> {
        Some(Box::new(Self {
            data: self.data.minibatch(batch, rng),
            rho: self.rho,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::checks;
    use crate::numerics::bilevel::phi;

    #[test]
    fn derivatives_closed_form_and_hypergradient_match_finite_differences() {
        let make = |seed| Pruning::synthetic(4, 30, 0.5, 0.1, seed);
        checks::closed_form_on_seeds(make, &[0.9, -0.3, 0.5, 1.2]);
    }

    #[test]
    fn closing_the_irrelevant_features_generalizes_better() {
        // 4 features, the last two irrelevant; few noisy samples: the mask (1, 1, 0, 0) beats all-open.
        let p = Pruning::synthetic(4, 12, 2.0, 0.01, 3);
        let open = phi(&p, &DVector::from_element(4, 1.0)).unwrap_or(f64::NAN);
        let pruned = phi(&p, &DVector::from_vec(vec![1.0, 1.0, 0.0, 0.0])).unwrap_or(f64::NAN);
        assert!(pruned < open, "{pruned} vs {open}");
    }
}
