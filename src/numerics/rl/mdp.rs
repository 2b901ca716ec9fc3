//! Tabular soft (entropy-regularized) MDPs (seed 001, "Soft value function and Q-value function"):
//! S states, A actions, transitions P ((S·A) × S, row s·A + a), discount γ, temperature τ, initial
//! distribution ρ. Vectors over state–action pairs are ordered s·A + a.
//!
//! Soft Bellman operator  T(Q)(s, a) = r_sa + γ Σ_s' P_sas' · τ log Σ_a' exp(Q(s', a')/τ),
//! softmax temporal consistency  V*_s = τ log Σ_a exp(Q*_sa/τ),  π*_sa = exp((Q*_sa − V*_s)/τ),
//! soft value of a policy  V^π = (I − γP_π)⁻¹ (r_π + τ H(π)),  r_π(s) = Σ_a π_sa r_sa,
//! H(π)(s) = −Σ_a π_sa log π_sa,  P_π(s, s') = Σ_a π_sa P_sas'.

use nalgebra::{DMatrix, DVector};
use rand::{Rng as _, SeedableRng as _};

use crate::numerics::random::SeededRng;

/// A soft MDP.
#[derive(Clone, Debug, PartialEq)]
pub struct SoftMdp {
    pub states: usize,
    pub actions: usize,
    /// (S·A) × S, rows are distributions.
    pub p: DMatrix<f64>,
    pub gamma: f64,
    pub tau: f64,
    /// Initial distribution over states.
    pub rho: DVector<f64>,
}

/// The entropy-regularized optimum for one reward: V*, Q*, π* and how soft value iteration got there.
#[derive(Clone, Debug, PartialEq)]
pub struct SoftSolution {
    pub v: DVector<f64>,
    pub q: DVector<f64>,
    pub pi: DVector<f64>,
    pub iterations: usize,
    /// ‖T(Q) − Q‖∞ at the returned Q.
    pub residual: f64,
}

impl SoftMdp {
    /// Checks shapes, that rows of P and ρ are distributions (to 1e-9), γ ∈ [0, 1), τ > 0; errors name the
    /// field.
    pub fn new(
        states: usize,
        actions: usize,
        p: DMatrix<f64>,
        gamma: f64,
        tau: f64,
        rho: DVector<f64>,
    ) -> Result<Self, String> {
        if states == 0 || actions == 0 {
            return Err(format!(
                "states, actions: must be ≥ 1, got {states} and {actions}"
            ));
        }
        if p.shape() != (states * actions, states) {
            return Err(format!(
                "transitions: must be {}×{states} (row s·A + a), got {}×{}",
                states * actions,
                p.nrows(),
                p.ncols()
            ));
        }
        for (row, r) in p.row_iter().enumerate() {
            if r.iter().any(|v| !v.is_finite() || *v < 0.0) || (r.sum() - 1.0).abs() > 1e-9 {
                return Err(format!(
                    "transitions[{row}]: must be non-negative and sum to 1, sums to {}",
                    r.sum()
                ));
            }
        }
        if !(gamma.is_finite() && (0.0..1.0).contains(&gamma)) {
            return Err(format!("gamma: must be in [0, 1), got {gamma}"));
        }
        if !(tau.is_finite() && tau > 0.0) {
            return Err(format!("tau: must be a finite number > 0, got {tau}"));
        }
        if rho.len() != states
            || rho.iter().any(|v| !v.is_finite() || *v < 0.0)
            || (rho.sum() - 1.0).abs() > 1e-9
        {
            return Err(format!(
                "initial: must be {states} non-negative numbers summing to 1"
            ));
        }
        Ok(Self {
            states,
            actions,
            p,
            gamma,
            tau,
            rho,
        })
    }

    /// A random MDP (the authors' synthetic setting draws one): each row of P uniform in [0, 1) normalized,
    /// ρ uniform over states.
    pub fn random(states: usize, actions: usize, gamma: f64, tau: f64, seed: u64) -> Self {
        let mut rng = SeededRng::seed_from_u64(seed);
        let mut p = DMatrix::from_fn(states * actions, states, |_, _| {
            rng.random_range(0.0..1.0) + 1e-3
        });
        for mut row in p.row_iter_mut() {
            let total = row.sum();
            row /= total;
        }
        Self {
            states,
            actions,
            p,
            gamma,
            tau,
            rho: DVector::from_element(states, 1.0 / states as f64),
        }
    }

    /// V_s = τ log Σ_a exp(Q_sa/τ), computed stably.
    pub fn soft_value(&self, q: &DVector<f64>) -> DVector<f64> {
        let a = self.actions;
        DVector::from_fn(self.states, |s, _| {
            let row = q.rows(s * a, a);
            let max = row.max();
            max + self.tau
                * row
                    .iter()
                    .map(|v| ((v - max) / self.tau).exp())
                    .sum::<f64>()
                    .ln()
        })
    }

    /// π_sa = softmax_a(Q_sa/τ).
    pub fn policy(&self, q: &DVector<f64>) -> DVector<f64> {
        let v = self.soft_value(q);
        DVector::from_fn(self.states * self.actions, |i, _| {
            ((q[i] - v[i / self.actions]) / self.tau).exp()
        })
    }

    /// The soft Bellman operator T(Q) for reward r.
    pub fn bellman(&self, r: &DVector<f64>, q: &DVector<f64>) -> DVector<f64> {
        r + (&self.p * self.soft_value(q)) * self.gamma
    }

    /// Soft value iteration from `q0` until ‖T(Q) − Q‖∞ ≤ tol (at most `max_iter` sweeps); T is a
    /// γ-contraction in ‖·‖∞, so the error to Q* is at most residual·γ/(1 − γ).
    pub fn solve_from(
        &self,
        r: &DVector<f64>,
        q0: &DVector<f64>,
        tol: f64,
        max_iter: usize,
    ) -> SoftSolution {
        let mut q = q0.clone();
        let mut residual = f64::INFINITY;
        let mut iterations = 0;
        while iterations < max_iter {
            let next = self.bellman(r, &q);
            residual = (&next - &q).amax();
            q = next;
            iterations += 1;
            if residual <= tol || !residual.is_finite() {
                break;
            }
        }
        SoftSolution {
            v: self.soft_value(&q),
            pi: self.policy(&q),
            q,
            iterations,
            residual,
        }
    }

    /// Soft value iteration from Q = 0 to a tight tolerance (for references and tests).
    pub fn solve(&self, r: &DVector<f64>) -> SoftSolution {
        let zeros = DVector::zeros(self.states * self.actions);
        self.solve_from(r, &zeros, 1e-13, 100_000)
    }

    /// P_π (S × S).
    pub fn transition_under(&self, pi: &DVector<f64>) -> DMatrix<f64> {
        let a = self.actions;
        DMatrix::from_fn(self.states, self.states, |s, t| {
            (0..a).map(|k| pi[s * a + k] * self.p[(s * a + k, t)]).sum()
        })
    }

    /// Π (S × S·A): Π[s, s·A + a] = π_sa, so that (Π x)_s = Σ_a π_sa x_sa.
    pub fn averaging(&self, pi: &DVector<f64>) -> DMatrix<f64> {
        let a = self.actions;
        DMatrix::from_fn(self.states, self.states * a, |s, i| {
            if i / a == s { pi[i] } else { 0.0 }
        })
    }

    /// The soft value of policy π under reward r and temperature τ:
    /// V^π = (I − γP_π)⁻¹ Σ_a π_sa (r_sa − τ log π_sa).
    pub fn policy_value(&self, pi: &DVector<f64>, r: &DVector<f64>, tau: f64) -> DVector<f64> {
        let per_pair = DVector::from_fn(pi.len(), |i, _| {
            let entropy = if pi[i] > 0.0 { tau * pi[i].ln() } else { 0.0 };
            r[i] - entropy
        });
        let m =
            DMatrix::identity(self.states, self.states) - self.transition_under(pi) * self.gamma;
        let rhs = self.averaging(pi) * per_pair;
        m.lu()
            .solve(&rhs)
            .unwrap_or_else(|| DVector::from_element(self.states, f64::NAN))
    }

    /// The normalized discounted state–action occupancy d_sa = (1 − γ) μ_s π_sa with
    /// μ = (I − γP_πᵀ)⁻¹ ρ.
    pub fn occupancy(&self, pi: &DVector<f64>) -> DVector<f64> {
        let m = DMatrix::identity(self.states, self.states)
            - self.transition_under(pi).transpose() * self.gamma;
        let mu = m
            .lu()
            .solve(&self.rho)
            .unwrap_or_else(|| DVector::from_element(self.states, f64::NAN));
        DVector::from_fn(pi.len(), |i, _| {
            (1.0 - self.gamma) * mu[i / self.actions] * pi[i]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_value_iteration_reaches_the_consistency_equations() {
        let mdp = SoftMdp::random(6, 3, 0.8, 0.5, 1);
        let mut rng = SeededRng::seed_from_u64(2);
        let r = DVector::from_fn(18, |_, _| rng.random_range(-1.0..1.0));
        let sol = mdp.solve(&r);
        assert!(sol.residual <= 1e-13, "{}", sol.residual);
        // Q* = r + γ P V*, V* = τ log Σ exp(Q*/τ), π* = exp((Q* − V*)/τ) sums to 1 per state.
        let q = &r + &mdp.p * &sol.v * 0.8;
        assert!((&q - &sol.q).amax() < 1e-12);
        for s in 0..6 {
            let total: f64 = (0..3).map(|a| sol.pi[s * 3 + a]).sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
        // The soft value of π* under the same reward and τ is V* (π* is optimal for the soft objective).
        let v_pi = mdp.policy_value(&sol.pi, &r, 0.5);
        assert!((&v_pi - &sol.v).amax() < 1e-10, "{v_pi} vs {}", sol.v);
        // …and any other policy does worse at every state.
        let uniform = DVector::from_element(18, 1.0 / 3.0);
        let v_u = mdp.policy_value(&uniform, &r, 0.5);
        assert!(v_u.iter().zip(sol.v.iter()).all(|(u, o)| u <= &(o + 1e-12)));
        // Occupancy: a distribution over pairs.
        assert!((mdp.occupancy(&sol.pi).sum() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bad_mdps_are_named() {
        let p = DMatrix::from_element(2, 2, 0.5);
        let rho = DVector::from_element(2, 0.5);
        assert!(SoftMdp::new(2, 1, p.clone(), 0.9, 1.0, rho.clone()).is_ok());
        let e = SoftMdp::new(2, 1, p.clone(), 1.0, 1.0, rho.clone())
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("gamma"), "{e}");
        let mut bad = p.clone();
        bad[(1, 0)] = 0.7;
        let e = SoftMdp::new(2, 1, bad, 0.9, 1.0, rho.clone())
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("transitions[1]"), "{e}");
        let e = SoftMdp::new(2, 2, p, 0.9, 1.0, rho)
            .err()
            .unwrap_or_default();
        assert!(e.contains("4×2"), "{e}");
    }
}
