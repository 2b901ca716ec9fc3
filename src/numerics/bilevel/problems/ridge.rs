//! Ridge-regression hyperparameter optimization with per-feature penalties (lecture 004, Eq. 4):
//!   g(x, w) = (1/2N) ‖X w − t‖² + ‖x ⊙ w‖²       (training loss + penalty; x = per-feature strengths)
//!   f(x, w) = (1/2N_v) ‖X_v w − t_v‖²             (validation loss)
//! on a small seeded synthetic set where only half of the features matter.
//! y*(x) = (XᵀX/N + 2 diag(x²))⁻¹ Xᵀt/N in closed form.

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng as _;

use crate::numerics::random::SeededRng;

use super::data::{Split, regression};
use crate::numerics::bilevel::BilevelProblem;

/// See the module docs (X, t: `data`'s training set; X_v, t_v: its validation set). `features` = n = m.
#[derive(Clone, Debug, PartialEq)]
pub struct RidgeHpo {
    pub data: Split,
}

impl RidgeHpo {
    /// `features` penalties, `samples` training and validation samples each, label noise `noise`.
    pub fn synthetic(features: usize, samples: usize, noise: f64, seed: u64) -> Self {
        let mut rng = SeededRng::seed_from_u64(seed);
        let data = Split::drawn(|| regression(samples, features, noise, &mut rng));
        Self { data }
    }

    fn n_train(&self) -> f64 {
        self.data.n_train()
    }
    fn n_val(&self) -> f64 {
        self.data.n_val()
    }
}

impl BilevelProblem for RidgeHpo {
    fn dims(&self) -> (usize, usize) {
        (self.data.train_x.ncols(), self.data.train_x.ncols())
    }
    fn minibatch(&self, batch: usize, rng: &mut SeededRng) -> Option<Box<dyn BilevelProblem>> {
        Some(Box::new(Self {
            data: self.data.minibatch(batch, rng),
        }))
    }
    fn f(&self, _x: &DVector<f64>, w: &DVector<f64>) -> f64 {
        (&self.data.val_x * w - &self.data.val_y).norm_squared() / (2.0 * self.n_val())
    }
    fn g(&self, x: &DVector<f64>, w: &DVector<f64>) -> f64 {
        (&self.data.train_x * w - &self.data.train_y).norm_squared() / (2.0 * self.n_train())
            + x.component_mul(w).norm_squared()
    }
    fn grad_x_f(&self, x: &DVector<f64>, _w: &DVector<f64>) -> DVector<f64> {
        DVector::zeros(x.len())
    }
    fn grad_y_f(&self, _x: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        self.data.val_x.transpose() * (&self.data.val_x * w - &self.data.val_y) / self.n_val()
    }
    /// ∂/∂xᵢ = 2 xᵢ wᵢ².
    fn grad_x_g(&self, x: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        x.component_mul(&w.component_mul(w)) * 2.0
    }
    fn grad_y_g(&self, x: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        self.data.train_x.transpose() * (&self.data.train_x * w - &self.data.train_y)
            / self.n_train()
            + x.component_mul(x).component_mul(w) * 2.0
    }
    fn hvp_yy_g(&self, x: &DVector<f64>, _w: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        self.data.train_x.transpose() * (&self.data.train_x * v) / self.n_train()
            + x.component_mul(x).component_mul(v) * 2.0
    }
    /// ∇ₓ(∇ᵧg · v) = 4 x ⊙ w ⊙ v.
    fn jvp_xy_g(&self, x: &DVector<f64>, w: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        x.component_mul(w).component_mul(v) * 4.0
    }
    fn jvp_yx_g(&self, x: &DVector<f64>, w: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        x.component_mul(w).component_mul(u) * 4.0
    }
    fn y_star(&self, x: &DVector<f64>) -> Option<DVector<f64>> {
        let h = self.data.train_x.transpose() * &self.data.train_x / self.n_train()
            + DMatrix::from_diagonal(&(x.component_mul(x) * 2.0));
        h.cholesky().map(|c| {
            c.solve(&(self.data.train_x.transpose() * &self.data.train_y / self.n_train()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::checks;
    use crate::numerics::ihvp::testing::vector;

    #[test]
    fn derivatives_and_hypergradient_match_finite_differences() {
        for seed in 0..5 {
            let p = RidgeHpo::synthetic(2 + seed as usize, 30, 0.5, seed);
            checks::at_seeded_point(&p, seed);
            let x = vector(p.dims().0, seed + 1);
            let y = p.y_star(&x).unwrap();
            assert!(p.grad_y_g(&x, &y).norm() < 1e-10);
        }
    }
}
