//! Baselines beside M-SoBiRL (seed 001's comparison): exact hypergradient descent (the reference: the
//! follower solved to tolerance every step, x ← x − β∇φ(x)), and alternating reward/policy updates in the
//! style of DRLHF (N soft Bellman steps on the policy, then a reward step along ∇ₓf + τ⁻¹Φᵀdiag(π)∇_πf —
//! the direct part only: the leader ignores how V*, and through it π*, moves with x).

use nalgebra::DVector;

use super::hypergradient::BilevelRl;

/// Exact hypergradient descent.
#[derive(Clone, Debug)]
pub struct ExactHgd {
    pub x: DVector<f64>,
    pub step: usize,
}

impl ExactHgd {
    pub fn new(x0: DVector<f64>) -> Self {
        Self { x: x0, step: 0 }
    }

    /// x ← x − β ∇φ(x).
    pub fn step(&mut self, problem: &BilevelRl, beta: f64) {
        let (grad, _) = problem.hypergradient(&self.x);
        self.x -= grad * beta;
        self.step += 1;
    }
}

/// Alternating policy and reward updates.
#[derive(Clone, Debug)]
pub struct Alternating {
    pub x: DVector<f64>,
    pub q: DVector<f64>,
    pub pi: DVector<f64>,
    pub step: usize,
}

impl Alternating {
    pub fn new(problem: &BilevelRl, x0: DVector<f64>) -> Self {
        let mdp = &problem.mdp;
        let q = DVector::zeros(mdp.states * mdp.actions);
        Self {
            pi: mdp.policy(&q),
            q,
            x: x0,
            step: 0,
        }
    }

    /// N soft Bellman steps at the current reward, then x ← x − β(∇ₓf + τ⁻¹Φᵀdiag(π)∇_πf).
    pub fn step(&mut self, problem: &BilevelRl, beta: f64, bellman_steps: usize) {
        let r = problem.reward(&self.x);
        for _ in 0..bellman_steps {
            self.q = problem.mdp.bellman(&r, &self.q);
        }
        self.pi = problem.mdp.policy(&self.q);
        let (gx, gpi) = problem.f_gradients(&self.x, &self.pi);
        let direct = problem.features.tr_mul(&self.pi.component_mul(&gpi)) / problem.mdp.tau;
        self.x -= (gx + direct) * beta;
        self.step += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rl::gridworld::{Gridworld, state_features};
    use crate::numerics::rl::hypergradient::Upper;

    /// Inverse RL on the default 5×5 gridworld from the expert's most likely actions in 8 states.
    fn inverse_rl() -> BilevelRl {
        let g = Gridworld::default();
        let mdp = g.mdp(0.9, 0.3).unwrap_or_else(|e| panic!("{e}"));
        let expert = mdp.solve(&g.true_reward());
        let demos = [20usize, 15, 10, 5, 0, 1, 2, 3]
            .iter()
            .map(|&s| {
                let a = (0..4)
                    .max_by(|&i, &j| expert.pi[s * 4 + i].total_cmp(&expert.pi[s * 4 + j]))
                    .unwrap_or(0);
                (s, a)
            })
            .collect();
        BilevelRl {
            features: state_features(25, 4),
            mdp,
            upper: Upper::ExpertNll { demos, l2: 0.01 },
        }
    }

    #[test]
    fn exact_descent_finds_a_stationary_point_the_alternating_baseline_misses() {
        let problem = inverse_rl();
        let x0 = DVector::zeros(25);
        let phi0 = problem.phi(&x0);
        let mut exact = ExactHgd::new(x0.clone());
        let mut alt = Alternating::new(&problem, x0);
        let mut last = phi0;
        for _ in 0..150 {
            exact.step(&problem, 0.5);
            alt.step(&problem, 0.05, 30);
            let now = problem.phi(&exact.x);
            assert!(
                now <= last + 1e-12,
                "exact descent is monotone: {last} → {now}"
            );
            last = now;
        }
        let grad = |x: &DVector<f64>| problem.hypergradient(x).0.norm();
        let (g_exact, g_alt) = (grad(&exact.x), grad(&alt.x));
        assert!(last < 0.5 * phi0, "φ: {phi0} → {last}");
        assert!(g_exact < 1e-2, "‖∇φ‖ at the exact run's end: {g_exact:.1e}");
        assert!(
            g_alt > 10.0 * g_exact,
            "alternating stops where ‖∇φ‖ = {g_alt:.1e}"
        );
    }
}
