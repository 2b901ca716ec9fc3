//! The leader's reward model r(x), one reward per state–action pair (row s·A + a), and its Jacobian's
//! transpose J(x)ᵀ — all the hypergradient needs of it (π* depends on x only through r, so every
//! formula of `hypergradient.rs` holds with Φ replaced by J(x) = ∂r/∂x).
//!
//! - `Linear`: r(x) = Φx (seed 001's slides), J = Φ.
//! - `PerState`: r_sa(x) = x_s, Φ = the state indicator ((S·A) × S, the inverse-RL reward of the
//!   gridworld) without storing it: on a 32 × 32 grid Φ would be 4096 × 1024 dense.
//! - `Quadratic`: r_sa(x) = c_sa · xᵀMx, the reward of M-SoBiRL's synthetic test in the authors' code
//!   (c_sa = U_sa·U_s with U uniform on [0, 1), M a standard Gaussian n × n matrix, x ∈ ℝ¹⁰⁰);
//!   ∂r_sa/∂x = c_sa (M + Mᵀ) x, so J(x)ᵀv = (cᵀv) (M + Mᵀ) x.

use nalgebra::{DMatrix, DVector};
use rand::{Rng as _, SeedableRng as _};

use crate::numerics::random::{SeededRng, gaussian};

#[derive(Clone, Debug, PartialEq)]
pub enum RewardModel {
    /// r(x) = Φx, Φ of shape (S·A) × n.
    Linear(DMatrix<f64>),
    /// r_sa(x) = x_s over S states of `actions` actions each.
    PerState { states: usize, actions: usize },
    /// r_sa(x) = c_sa · xᵀMx; `c` over pairs, `m` n × n.
    Quadratic { c: DVector<f64>, m: DMatrix<f64> },
}

impl RewardModel {
    /// The authors' synthetic reward for `pairs` = S·A pairs of `actions` actions and x ∈ ℝⁿ, seeded:
    /// c_sa = U_sa·U_s (one U_s per state, one U_sa per pair), M_ij standard Gaussian.
    pub fn authors_quadratic(states: usize, actions: usize, n: usize, seed: u64) -> Self {
        let mut rng = SeededRng::seed_from_u64(seed);
        let u_s: Vec<f64> = (0..states).map(|_| rng.random_range(0.0..1.0)).collect();
        let c = DVector::from_fn(states * actions, |i, _| {
            rng.random_range(0.0..1.0) * u_s[i / actions]
        });
        let m = DMatrix::from_fn(n, n, |_, _| gaussian(&mut rng));
        Self::Quadratic { c, m }
    }

    /// n, the leader's dimension.
    pub fn dim(&self) -> usize {
        match self {
            Self::Linear(phi) => phi.ncols(),
            Self::PerState { states, .. } => *states,
            Self::Quadratic { m, .. } => m.ncols(),
        }
    }

    /// S·A, the number of rewards.
    pub fn pairs(&self) -> usize {
        match self {
            Self::Linear(phi) => phi.nrows(),
            Self::PerState { states, actions } => states * actions,
            Self::Quadratic { c, .. } => c.len(),
        }
    }

    /// r(x).
    pub fn at(&self, x: &DVector<f64>) -> DVector<f64> {
        match self {
            Self::Linear(phi) => phi * x,
            Self::PerState { states, actions } => {
                DVector::from_fn(states * actions, |i, _| x[i / actions])
            }
            Self::Quadratic { c, m } => c * x.dot(&(m * x)),
        }
    }

    /// J(x)ᵀ v for v over pairs: how a change of the rewards by v pulls back to x.
    pub fn pull_back(&self, x: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        match self {
            Self::Linear(phi) => phi.tr_mul(v),
            Self::PerState { states, actions } => {
                DVector::from_fn(*states, |s, _| v.rows(s * actions, *actions).sum())
            }
            Self::Quadratic { c, m } => (m * x + m.tr_mul(x)) * c.dot(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pull_back_is_the_transposed_jacobian_by_central_differences() {
        let mut rng = SeededRng::seed_from_u64(4);
        let models = [
            RewardModel::Linear(DMatrix::from_fn(6, 3, |_, _| gaussian(&mut rng))),
            RewardModel::authors_quadratic(3, 2, 4, 7),
            RewardModel::PerState {
                states: 3,
                actions: 2,
            },
        ];
        for model in models {
            let n = model.dim();
            let x = DVector::from_fn(n, |_, _| gaussian(&mut rng));
            let v = DVector::from_fn(model.pairs(), |_, _| gaussian(&mut rng));
            let h = 1e-6;
            let fd = DVector::from_fn(n, |i, _| {
                let (mut p, mut q) = (x.clone(), x.clone());
                p[i] += h;
                q[i] -= h;
                (model.at(&p) - model.at(&q)).dot(&v) / (2.0 * h)
            });
            let exact = model.pull_back(&x, &v);
            assert!(
                (&exact - &fd).norm() < 1e-7 * fd.norm().max(1.0),
                "{model:?}: {exact} vs {fd}"
            );
        }
    }

    #[test]
    fn the_per_state_reward_is_the_state_indicator_features() {
        let x = DVector::from_fn(4, |i, _| i as f64 - 1.5);
        let indicator = DMatrix::from_fn(12, 4, |i, s| if i / 3 == s { 1.0 } else { 0.0 });
        let model = RewardModel::PerState {
            states: 4,
            actions: 3,
        };
        assert_eq!(model.at(&x), &indicator * &x);
        let v = DVector::from_fn(12, |i, _| (i * i) as f64);
        assert_eq!(model.pull_back(&x, &v), indicator.tr_mul(&v));
    }

    #[test]
    fn the_authors_coefficients_are_products_of_two_uniforms_and_m_is_gaussian() {
        let RewardModel::Quadratic { c, m } = RewardModel::authors_quadratic(10, 5, 100, 0) else {
            unreachable!()
        };
        assert_eq!((c.len(), m.nrows(), m.ncols()), (50, 100, 100));
        assert!(c.iter().all(|&v| (0.0..1.0).contains(&v)));
        // E[U_sa U_s] = 1/4; with 50 draws the mean is within a few standard errors (sd ≈ 0.22).
        assert!((c.mean() - 0.25).abs() < 0.1, "mean {}", c.mean());
        // M is standard Gaussian: mean ≈ 0, variance ≈ 1 over 10⁴ entries.
        let var = m.iter().map(|v| v * v).sum::<f64>() / 1e4;
        assert!(
            m.mean().abs() < 0.05 && (var - 1.0).abs() < 0.05,
            "{} {var}",
            m.mean()
        );
    }
}
