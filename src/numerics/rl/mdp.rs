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
    /// The non-zeros of each row of P, (next state, probability): a gridworld row has at most 5, so the
    /// Bellman operator and policy evaluation on a 32 × 32 grid cost O(S·A) per sweep, not O(S²·A).
    rows: Vec<Vec<(usize, f64)>>,
}

/// Above this many states, policy-evaluation systems are solved by fixed-point iteration on the sparse
/// rows of P (a γ-contraction) instead of a dense LU.
const DENSE_STATES: usize = 128;

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
        Ok(Self::assemble(states, actions, p, gamma, tau, rho))
    }

    fn assemble(
        states: usize,
        actions: usize,
        p: DMatrix<f64>,
        gamma: f64,
        tau: f64,
        rho: DVector<f64>,
    ) -> Self {
        let rows = (0..p.nrows())
            .map(|i| {
                (0..p.ncols())
                    .filter(|&t| p[(i, t)] != 0.0)
                    .map(|t| (t, p[(i, t)]))
                    .collect()
            })
            .collect();
        Self {
            states,
            actions,
            p,
            gamma,
            tau,
            rho,
            rows,
        }
    }

    /// The non-zeros (next state, probability) of row s·A + a of P.
    pub fn row(&self, i: usize) -> &[(usize, f64)] {
        &self.rows[i]
    }

    /// P v ((S·A) vector), on the sparse rows.
    pub fn p_times(&self, v: &DVector<f64>) -> DVector<f64> {
        DVector::from_iterator(
            self.rows.len(),
            self.rows
                .iter()
                .map(|row| row.iter().map(|&(t, p)| p * v[t]).sum::<f64>()),
        )
    }

    /// P_π v (S vector).
    pub fn p_pi_times(&self, pi: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let pv = self.p_times(v);
        DVector::from_fn(self.states, |s, _| {
            (0..self.actions)
                .map(|a| pi[s * self.actions + a] * pv[s * self.actions + a])
                .sum()
        })
    }

    /// P_πᵀ v (S vector).
    pub fn p_pi_transpose_times(&self, pi: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let mut out = DVector::zeros(self.states);
        for (i, row) in self.rows.iter().enumerate() {
            let w = pi[i] * v[i / self.actions];
            if w != 0.0 {
                for &(t, p) in row {
                    out[t] += w * p;
                }
            }
        }
        out
    }

    /// Solves (I − γP_π) z = b, or (I − γP_π)ᵀ z = b with `transpose`: a dense LU for small S, else the
    /// fixed point z = b + γP_π z (‖γP_π‖∞ = γ, so it converges like γᵏ) to 1e-14 relative. NaN where
    /// the system is singular.
    pub fn solve_policy(
        &self,
        pi: &DVector<f64>,
        b: &DVector<f64>,
        transpose: bool,
    ) -> DVector<f64> {
        if self.states <= DENSE_STATES {
            let m = DMatrix::identity(self.states, self.states)
                - self.transition_under(pi) * self.gamma;
            let m = if transpose { m.transpose() } else { m };
            return m
                .lu()
                .solve(b)
                .unwrap_or_else(|| DVector::from_element(self.states, f64::NAN));
        }
        let apply = |z: &DVector<f64>| {
            if transpose {
                self.p_pi_transpose_times(pi, z)
            } else {
                self.p_pi_times(pi, z)
            }
        };
        // γ^k ≤ 1e-16 relative after k = ln(1e-16)/ln γ sweeps; a residual test stops earlier.
        let cap = if self.gamma > 0.0 {
            ((1e-16f64).ln() / self.gamma.ln()).ceil() as usize + 2
        } else {
            1
        };
        let mut z = b.clone();
        for _ in 0..cap {
            let next = b + apply(&z) * self.gamma;
            let change = (&next - &z).amax();
            z = next;
            if change <= 1e-14 * z.amax().max(1e-300) || !change.is_finite() {
                break;
            }
        }
        z
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
        Self::assemble(
            states,
            actions,
            p,
            gamma,
            tau,
            DVector::from_element(states, 1.0 / states as f64),
        )
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

    /// π_sa = softmax_a(θ_sa) per state (logits, no temperature).
    pub fn policy_from_logits(&self, logits: &DVector<f64>) -> DVector<f64> {
        let a = self.actions;
        DVector::from_fn(self.states * a, |i, _| {
            let s = i / a;
            let max = (0..a)
                .map(|k| logits[s * a + k])
                .fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = (0..a).map(|k| (logits[s * a + k] - max).exp()).sum();
            (logits[i] - max).exp() / total
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
        r + self.p_times(&self.soft_value(q)) * self.gamma
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

    /// The soft value of policy π under reward r and temperature τ:
    /// V^π = (I − γP_π)⁻¹ Σ_a π_sa (r_sa − τ log π_sa).
    pub fn policy_value(&self, pi: &DVector<f64>, r: &DVector<f64>, tau: f64) -> DVector<f64> {
        let per_pair = DVector::from_fn(pi.len(), |i, _| {
            let entropy = if pi[i] > 0.0 { tau * pi[i].ln() } else { 0.0 };
            r[i] - entropy
        });
        let rhs = self.average(pi, &per_pair);
        self.solve_policy(pi, &rhs, false)
    }

    /// (ρᵀV^π, ∂(ρᵀV^π)/∂π) for the soft value of π under reward r and temperature τ, π's entries taken
    /// as free coordinates: ∂/∂π_sa = μ_s (r_sa − τ log π_sa − τ + γ (P V^π)_sa), μ = (I − γP_πᵀ)⁻¹ρ
    /// (the policy-gradient theorem before the softmax chain rule). τ = 0 gives the plain return.
    pub fn policy_value_gradient(
        &self,
        pi: &DVector<f64>,
        r: &DVector<f64>,
        tau: f64,
    ) -> (f64, DVector<f64>) {
        let v = self.policy_value(pi, r, tau);
        let pv = self.p_times(&v);
        let mu = self.visitation(pi);
        let grad = DVector::from_fn(pi.len(), |i, _| {
            let entropy = if tau > 0.0 {
                tau * pi[i].ln() + tau
            } else {
                0.0
            };
            mu[i / self.actions] * (r[i] - entropy + self.gamma * pv[i])
        });
        (self.rho.dot(&v), grad)
    }

    /// The pull-back of a gradient g over the occupancy d(π) (d_sa = (1 − γ)μ_s π_sa) to π:
    /// ∂(gᵀd)/∂π_sa = μ_s ((1 − γ) g_sa + γ (P z)_sa),  z = (I − γP_π)⁻¹ h,  h_s = (1 − γ) Σ_a π_sa g_sa
    /// (from dμ = γ(I − γP_πᵀ)⁻¹ dP_πᵀ μ).
    pub fn occupancy_pullback(&self, pi: &DVector<f64>, g: &DVector<f64>) -> DVector<f64> {
        let mu = self.visitation(pi);
        let h = self.average(pi, g) * (1.0 - self.gamma);
        let pz = self.p_times(&self.solve_policy(pi, &h, false));
        DVector::from_fn(pi.len(), |i, _| {
            mu[i / self.actions] * ((1.0 - self.gamma) * g[i] + self.gamma * pz[i])
        })
    }

    /// (Π v)_s = Σ_a π_sa v_sa.
    pub fn average(&self, pi: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let a = self.actions;
        DVector::from_fn(self.states, |s, _| {
            (0..a).map(|k| pi[s * a + k] * v[s * a + k]).sum()
        })
    }

    /// The discounted state visitation μ = (I − γP_πᵀ)⁻¹ ρ (sums to 1/(1 − γ)).
    pub fn visitation(&self, pi: &DVector<f64>) -> DVector<f64> {
        self.solve_policy(pi, &self.rho, true)
    }

    /// The normalized discounted state–action occupancy d_sa = (1 − γ) μ_s π_sa with
    /// μ = (I − γP_πᵀ)⁻¹ ρ.
    pub fn occupancy(&self, pi: &DVector<f64>) -> DVector<f64> {
        let mu = self.visitation(pi);
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
    fn the_sparse_fixed_point_solves_agree_with_dense_lu_beyond_128_states() {
        let mdp = SoftMdp::random(150, 3, 0.9, 0.5, 4);
        let mut rng = SeededRng::seed_from_u64(5);
        let pi = mdp.policy(&DVector::from_fn(450, |_, _| rng.random_range(-1.0..1.0)));
        let b = DVector::from_fn(150, |_, _| rng.random_range(-1.0..1.0));
        let m = DMatrix::identity(150, 150) - mdp.transition_under(&pi) * 0.9;
        for transpose in [false, true] {
            let dense = if transpose { m.transpose() } else { m.clone() };
            let exact = dense.lu().solve(&b).unwrap_or_default();
            let z = mdp.solve_policy(&pi, &b, transpose);
            assert!(
                (&z - &exact).amax() < 1e-11 * exact.amax(),
                "transpose {transpose}: {:.1e}",
                (&z - &exact).amax()
            );
        }
        // The pull-back through the occupancy equals central differences of gᵀd(π).
        let g = DVector::from_fn(450, |_, _| rng.random_range(-1.0..1.0));
        let pull = mdp.occupancy_pullback(&pi, &g);
        for i in [0usize, 17, 448] {
            let (mut p, mut q) = (pi.clone(), pi.clone());
            p[i] += 1e-6;
            q[i] -= 1e-6;
            let fd = (g.dot(&mdp.occupancy(&p)) - g.dot(&mdp.occupancy(&q))) / 2e-6;
            assert!(
                (fd - pull[i]).abs() < 1e-7 * (1.0 + fd.abs()),
                "{i}: {fd} vs {}",
                pull[i]
            );
        }
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
