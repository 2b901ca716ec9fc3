//! Tabular soft (entropy-regularized) MDPs (seed 001, "Soft value function and Q-value function"):
//! S states, A actions, transitions P ((S·A) × S, row s·A + a), discount γ, temperature τ, initial
//! distribution ρ. Vectors over state–action pairs are ordered s·A + a.
//!
//! Soft Bellman operator  T(Q)(s, a) = r_sa + γ Σ_s' P_sas' · τ log Σ_a' exp(Q(s', a')/τ),
//! softmax temporal consistency  V*_s = τ log Σ_a exp(Q*_sa/τ),  π*_sa = exp((Q*_sa − V*_s)/τ),
//! soft value of a policy  V^π = (I − γP_π)⁻¹ (r_π + τ H(π)),  r_π(s) = Σ_a π_sa r_sa,
//! H(π)(s) = −Σ_a π_sa log π_sa,  P_π(s, s') = Σ_a π_sa P_sas'.

use nalgebra::{DMatrix, DVector};

use crate::numerics::banded::Banded;

/// A soft MDP. P is kept as the non-zeros of its rows: a gridworld row has at most 5, so the Bellman
/// operator and policy evaluation on a 32 × 32 grid cost O(S·A) per sweep, not O(S²·A), and the MDP
/// itself takes kilobytes, not the 32 MB of a dense 4096 × 1024 P.
#[derive(Clone, Debug, PartialEq)]
pub struct SoftMdp {
    pub states: usize,
    pub actions: usize,
    pub gamma: f64,
    pub tau: f64,
    /// Initial distribution over states.
    pub rho: DVector<f64>,
    /// Row s·A + a of P as (next state, probability), the non-zeros only.
    rows: Vec<Vec<(usize, f64)>>,
    /// The largest |s − t| over P_sat > 0: (I − γP_π) lies inside this band for every π.
    bandwidth: usize,
}

/// The entropy-regularized optimum for one reward: V*, Q*, π* and how soft value iteration got there.
#[derive(Clone, Debug, PartialEq)]
pub struct SoftSolution {
    /// V* per state; Q* and π* per state–action pair.
    pub v: DVector<f64>,
    pub q: DVector<f64>,
    pub pi: DVector<f64>,
    /// Soft Bellman sweeps taken.
    pub iterations: usize,
    /// ‖T(Q) − Q‖∞ at the returned Q.
    pub residual: f64,
}

/// How (I − γP_π) z = b is solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicySolve {
    /// LU inside P's band, without pivoting (the matrix is strictly diagonally dominant by rows, by
    /// 1 − γ): exact, S·w² work for bandwidth w.
    Banded,
    /// z = b + γP_π z, a γ-contraction in ‖·‖∞, to 1e-14 relative: ln(1e-16)/ln(γ) sweeps of the
    /// sparse rows, for MDPs whose band is too wide.
    FixedPoint,
}

/// The most entries a band may hold before the fixed point is used instead (32 MB).
const MAX_BAND_ENTRIES: usize = 1 << 22;

impl SoftMdp {
    /// From a dense P ((S·A) × S, row s·A + a). Checks shapes, that rows of P and ρ are distributions (to
    /// 1e-9), γ ∈ [0, 1), τ > 0; errors name the field.
    pub fn new(
        states: usize,
        actions: usize,
        p: DMatrix<f64>,
        gamma: f64,
        tau: f64,
        rho: DVector<f64>,
    ) -> Result<Self, String> {
        if p.shape() != (states * actions, states) {
            return Err(format!(
                "transitions: must be {}×{states} (row s·A + a), got {}×{}",
                states * actions,
                p.nrows(),
                p.ncols()
            ));
        }
        let rows = p
            .row_iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|&(_, v)| *v != 0.0)
                    .map(|(t, v)| (t, *v))
                    .collect()
            })
            .collect();
        Self::from_rows(states, actions, rows, gamma, tau, rho)
    }

    /// From the non-zeros of each row of P, (next state, probability), rows ordered s·A + a; the checks
    /// of [`SoftMdp::new`]. Each row is kept sorted by next state, repeated states merged, so that the
    /// same P gives the same rows however it was written (sampling walks a row in order).
    pub fn from_rows(
        states: usize,
        actions: usize,
        mut rows: Vec<Vec<(usize, f64)>>,
        gamma: f64,
        tau: f64,
        rho: DVector<f64>,
    ) -> Result<Self, String> {
        for row in &mut rows {
            row.sort_by_key(|&(t, _)| t);
            row.dedup_by(|(t, p), (kept_t, kept_p)| {
                let same = t == kept_t;
                if same {
                    *kept_p += *p;
                }
                same
            });
            row.retain(|&(_, p)| p != 0.0);
        }
        if states == 0 || actions == 0 {
            return Err(format!(
                "states, actions: must be ≥ 1, got {states} and {actions}"
            ));
        }
        if rows.len() != states * actions {
            return Err(format!(
                "transitions: must have {} rows (s·A + a), got {}",
                states * actions,
                rows.len()
            ));
        }
        for (i, row) in rows.iter().enumerate() {
            let sum: f64 = row.iter().map(|(_, v)| v).sum();
            if row
                .iter()
                .any(|&(t, v)| t >= states || !v.is_finite() || v < 0.0)
                || (sum - 1.0).abs() > 1e-9
            {
                return Err(format!(
                    "transitions[{i}]: must be non-negative over {states} states and sum to 1, sums to {sum}"
                ));
            }
        }
        if !(gamma.is_finite() && (0.0..1.0).contains(&gamma)) {
            return Err(format!("gamma: must be in [0, 1), got {gamma}"));
        }
        if !(tau.is_finite() && tau > 0.0) {
            return Err(format!("tau: must be a finite number > 0, got {tau}"));
        }
        let bandwidth = rows
            .iter()
            .enumerate()
            .flat_map(|(i, row)| row.iter().map(move |&(t, _)| t.abs_diff(i / actions)))
            .max()
            .unwrap_or(0);
        Self {
            states,
            actions,
            gamma,
            tau,
            rho: DVector::zeros(0),
            rows,
            bandwidth,
        }
        .with_initial(rho)
    }

    /// The same MDP from another initial distribution (checked: `initial` names it).
    pub fn with_initial(mut self, rho: DVector<f64>) -> Result<Self, String> {
        if rho.len() != self.states
            || rho.iter().any(|v| !v.is_finite() || *v < 0.0)
            || (rho.sum() - 1.0).abs() > 1e-9
        {
            return Err(format!(
                "initial: must be {} non-negative numbers summing to 1",
                self.states
            ));
        }
        self.rho = rho;
        Ok(self)
    }

    /// P as a dense (S·A) × S matrix (for small MDPs and tests).
    pub fn transitions(&self) -> DMatrix<f64> {
        let mut p = DMatrix::zeros(self.rows.len(), self.states);
        for (i, row) in self.rows.iter().enumerate() {
            for &(t, v) in row {
                p[(i, t)] += v;
            }
        }
        p
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

    /// The cheaper exact way to solve (I − γP_π) z = b here: the band when S·w² is below the fixed
    /// point's sweeps × non-zeros (a 32 × 32 grid at γ = 0.98: 1M against 30M), else the fixed point.
    pub fn policy_solve(&self) -> PolicySolve {
        let sweeps = self.fixed_point_sweeps();
        let nonzeros: usize = self.rows.iter().map(Vec::len).sum();
        let band = self
            .states
            .saturating_mul(self.bandwidth.saturating_mul(self.bandwidth).max(1));
        let entries = Banded::stored(self.states, self.bandwidth, self.bandwidth);
        if entries <= MAX_BAND_ENTRIES && band <= sweeps.saturating_mul(nonzeros) {
            PolicySolve::Banded
        } else {
            PolicySolve::FixedPoint
        }
    }

    /// Solves (I − γP_π) z = b, or (I − γP_π)ᵀ z = b with `transpose`, the way [`SoftMdp::policy_solve`]
    /// picks. NaN where the system is singular or the input non-finite.
    pub fn solve_policy(
        &self,
        pi: &DVector<f64>,
        b: &DVector<f64>,
        transpose: bool,
    ) -> DVector<f64> {
        self.solve_policy_by(self.policy_solve(), pi, b, transpose)
    }

    /// [`SoftMdp::solve_policy`] by the given method.
    pub fn solve_policy_by(
        &self,
        method: PolicySolve,
        pi: &DVector<f64>,
        b: &DVector<f64>,
        transpose: bool,
    ) -> DVector<f64> {
        match method {
            PolicySolve::Banded => {
                let w = self.bandwidth;
                let mut m = Banded::zeros(self.states, w, w);
                for s in 0..self.states {
                    m.add(s, s, 1.0);
                    for a in 0..self.actions {
                        let i = s * self.actions + a;
                        for &(t, p) in &self.rows[i] {
                            let (row, col) = if transpose { (t, s) } else { (s, t) };
                            m.add(row, col, -self.gamma * pi[i] * p);
                        }
                    }
                }
                m.solve(b)
                    .unwrap_or_else(|| DVector::from_element(self.states, f64::NAN))
            }
            PolicySolve::FixedPoint => self.fixed_point(pi, b, transpose),
        }
    }

    /// The fixed point's sweep cap: γᵏ ≤ 1e-16 (one sweep when γ = 0).
    fn fixed_point_sweeps(&self) -> usize {
        if self.gamma > 0.0 {
            ((1e-16f64).ln() / self.gamma.ln()).ceil() as usize + 2
        } else {
            1
        }
    }

    /// z = b + γP_π z (or P_πᵀ) from z = b, to 1e-14 relative change (‖γP_π‖∞ = γ, so it converges like
    /// γᵏ; the cap is γᵏ ≤ 1e-16).
    fn fixed_point(&self, pi: &DVector<f64>, b: &DVector<f64>, transpose: bool) -> DVector<f64> {
        let apply = |z: &DVector<f64>| {
            if transpose {
                self.p_pi_transpose_times(pi, z)
            } else {
                self.p_pi_times(pi, z)
            }
        };
        let mut z = b.clone();
        for _ in 0..self.fixed_point_sweeps() {
            let next = b + apply(&z) * self.gamma;
            let change = (&next - &z).amax();
            z = next;
            if change <= 1e-14 * z.amax().max(1e-300) || !change.is_finite() {
                break;
            }
        }
        z
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
        let mut sweeps = ValueIteration::new(r.clone(), q0.clone(), tol, max_iter);
        loop {
            if let Some(solution) = sweeps.advance(self, usize::MAX) {
                return solution;
            }
        }
    }

    /// The fixed point of the soft Bellman operator to ‖T(Q) − Q‖∞ ≤ 1e-13 from Q = 0, by [`SoftSolver`].
    pub fn solve(&self, r: &DVector<f64>) -> SoftSolution {
        let mut solver = SoftSolver::new(r.clone(), DVector::zeros(self.states * self.actions));
        loop {
            if let Some(solution) = solver.advance(self, usize::MAX, 1e-13) {
                return solution;
            }
        }
    }

    /// P_π (S × S).
    pub fn transition_under(&self, pi: &DVector<f64>) -> DMatrix<f64> {
        let a = self.actions;
        let mut m = DMatrix::zeros(self.states, self.states);
        for (i, row) in self.rows.iter().enumerate() {
            for &(t, p) in row {
                m[(i / a, t)] += pi[i] * p;
            }
        }
        m
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

mod solver;
pub use solver::{SoftSolver, ValueIteration};

mod random;
#[cfg(test)]
mod tests;
