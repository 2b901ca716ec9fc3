//! LancBiO's synthetic problem (Yang, Gao, Yuan, ICLR 2025; seeds README):
//!   f(x, y) = 0.1·cos(xᵀ(c ⊙ y)) + ½‖d ⊙ x − y‖²,
//!   g(x, y) = γ·Σᵢ sin(xᵢ + yᵢ) + log Σᵢ exp(xᵢ yᵢ) + ½ yᵀ diag(c_y) y + ½ yᵀ G y,
//! with G SPD of a chosen condition number κ (eigenvalues in [1, κ]) and γ < 1, so that g is strongly
//! convex in y (the log-sum-exp term is convex, γ sin is bounded by γ in curvature).

use nalgebra::{DMatrix, DVector};
use rand::{Rng as _, SeedableRng as _};

use crate::numerics::random::SeededRng;

use super::data::gaussian;
use crate::numerics::bilevel::BilevelProblem;

/// See the module docs. x, y ∈ ℝⁿ.
#[derive(Clone, Debug, PartialEq)]
pub struct LancBioSynthetic {
    /// f's c (inside the cosine) and d (in ‖d ⊙ x − y‖²).
    pub c: DVector<f64>,
    pub d: DVector<f64>,
    /// g's diagonal c_y and SPD G (eigenvalues in [1, κ]).
    pub c_y: DVector<f64>,
    pub g_mat: DMatrix<f64>,
    /// g's γ < 1 on Σ sin(xᵢ + yᵢ).
    pub gamma: f64,
}

impl LancBioSynthetic {
    /// Dimension n, condition number κ ≥ 1 of G, γ ∈ [0, 1), seeded.
    pub fn new(dim: usize, condition: f64, gamma: f64, seed: u64) -> Self {
        let mut rng = SeededRng::seed_from_u64(seed);
        let q = DMatrix::from_fn(dim, dim, |_, _| gaussian(&mut rng))
            .qr()
            .q();
        let eig = DVector::from_fn(dim, |i, _| {
            if dim == 1 {
                1.0
            } else {
                condition.powf(i as f64 / (dim - 1) as f64)
            }
        });
        let g_mat = &q * DMatrix::from_diagonal(&eig) * q.transpose();
        let mut uniform = |lo: f64, hi: f64| DVector::from_fn(dim, |_, _| rng.random_range(lo..hi));
        Self {
            c: uniform(-1.0, 1.0),
            d: uniform(0.5, 1.5),
            c_y: uniform(0.0, 1.0),
            g_mat: (&g_mat + g_mat.transpose()) * 0.5,
            gamma,
        }
    }

    fn s(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        x.dot(&self.c.component_mul(y))
    }

    /// softmax(x ⊙ y), stable.
    fn softmax(x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        let z = x.component_mul(y);
        let max = z.max();
        let e = z.map(|v| (v - max).exp());
        let total = e.sum();
        e / total
    }

    fn sin_xy(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        (x + y).map(f64::sin)
    }
}

impl BilevelProblem for LancBioSynthetic {
    fn dims(&self) -> (usize, usize) {
        (self.c.len(), self.c.len())
    }
    fn f(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        0.1 * self.s(x, y).cos() + 0.5 * (self.d.component_mul(x) - y).norm_squared()
    }
    fn g(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        let z = x.component_mul(y);
        let max = z.max();
        let lse = max + z.map(|v| (v - max).exp()).sum().ln();
        self.gamma * self.sin_xy(x, y).sum()
            + lse
            + 0.5 * y.dot(&self.c_y.component_mul(y))
            + 0.5 * y.dot(&(&self.g_mat * y))
    }
    fn grad_x_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.c.component_mul(y) * (-0.1 * self.s(x, y).sin())
            + self.d.component_mul(&(self.d.component_mul(x) - y))
    }
    fn grad_y_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.c.component_mul(x) * (-0.1 * self.s(x, y).sin()) - (self.d.component_mul(x) - y)
    }
    fn grad_x_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        (x + y).map(f64::cos) * self.gamma + Self::softmax(x, y).component_mul(y)
    }
    fn grad_y_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        (x + y).map(f64::cos) * self.gamma
            + Self::softmax(x, y).component_mul(x)
            + self.c_y.component_mul(y)
            + &self.g_mat * y
    }
    /// −γ sin(x+y) ⊙ v + diag(x)(diag(p) − ppᵀ)diag(x) v + c_y ⊙ v + G v.
    fn hvp_yy_g(&self, x: &DVector<f64>, y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let p = Self::softmax(x, y);
        let xv = x.component_mul(v);
        let soft = x.component_mul(&(p.component_mul(&xv) - &p * p.dot(&xv)));
        -self.sin_xy(x, y).component_mul(v) * self.gamma
            + soft
            + self.c_y.component_mul(v)
            + &self.g_mat * v
    }
    /// −γ sin(x+y) ⊙ v + p ⊙ v + y ⊙ p ⊙ (x ⊙ v − pᵀ(x ⊙ v)).
    fn jvp_xy_g(&self, x: &DVector<f64>, y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let p = Self::softmax(x, y);
        let xv = x.component_mul(v);
        let centered = xv.add_scalar(-p.dot(&xv));
        -self.sin_xy(x, y).component_mul(v) * self.gamma
            + p.component_mul(v)
            + y.component_mul(&p).component_mul(&centered)
    }
    /// −γ sin(x+y) ⊙ u + p ⊙ u + x ⊙ p ⊙ (y ⊙ u − pᵀ(y ⊙ u)).
    fn jvp_yx_g(&self, x: &DVector<f64>, y: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        let p = Self::softmax(x, y);
        let yu = y.component_mul(u);
        let centered = yu.add_scalar(-p.dot(&yu));
        -self.sin_xy(x, y).component_mul(u) * self.gamma
            + p.component_mul(u)
            + x.component_mul(&p).component_mul(&centered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::checks;

    #[test]
    fn derivatives_and_hypergradient_match_finite_differences() {
        checks::on_seeds(5, |seed| {
            LancBioSynthetic::new(3 + seed as usize, 10.0, 0.1, seed)
        });
    }

    #[test]
    fn g_has_the_chosen_conditioning() {
        let p = LancBioSynthetic::new(6, 100.0, 0.1, 1);
        let eig = p.g_mat.clone().symmetric_eigen().eigenvalues;
        let (lo, hi) = (eig.min(), eig.max());
        assert!((hi / lo - 100.0).abs() < 1e-8, "{}", hi / lo);
    }
}
