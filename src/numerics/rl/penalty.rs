//! Penalty methods: PBRL (Shen et al., named in seed 001's baselines) and its constrained form CBSO
//! (seed 003, Saxena & Aggarwal, after Kwon et al.'s penalty reformulation).
//!
//! With the follower's objective h(x, π) = −ρᵀV^π_{r(x),τ} (+ λ_c max(0, J_c(π) − b) for a cost budget
//! J_c(π) = ρᵀV^π_{c,0} ≤ b, the constraint handled by an exact penalty), the bilevel problem becomes
//!
//!   min_{x, θ} f(x, π_θ) + λ (h(x, π_θ) − min_θ' h(x, π_θ')),
//!
//! a value-gap penalty: λ → ∞ recovers the bilevel solution, a finite λ is off by O(1/λ). Per step:
//! - θ' (the follower alone) takes N soft Bellman steps on the penalized reward r(x) − λ_c 1[J_c(π_θ') > b] c,
//!   the subgradient of the budget's penalty (Clarke: the indicator picks the active piece);
//! - θ (the leader's copy, softmax logits) takes one natural policy-gradient step with step ξ on f/λ + h;
//! - x ← x − β (∇ₓf(x, π_θ) + λ (∇ₓh(x, π_θ) − ∇ₓh(x, π_θ'))),  ∇ₓh(x, π) = −Φᵀ m^π,
//!   m^π_sa = μ_s π_sa the unnormalized discounted occupancy (V^π is linear in r).
//!
//! Without a budget this is PBRL; with one, CBSO.

use nalgebra::DVector;

use super::hypergradient::BilevelRl;
use super::mdp::SoftMdp;

/// A cost per state–action pair and a budget on its expected discounted total J_c(π) = ρᵀV^π_c.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub cost: DVector<f64>,
    pub budget: f64,
    /// λ_c, the weight of max(0, J_c − b) in the follower's objective.
    pub weight: f64,
}

impl Budget {
    /// J_c(π).
    pub fn expected_cost(&self, mdp: &SoftMdp, pi: &DVector<f64>) -> f64 {
        mdp.rho.dot(&mdp.policy_value(pi, &self.cost, 0.0))
    }

    /// max(0, J_c(π) − b).
    pub fn violation(&self, mdp: &SoftMdp, pi: &DVector<f64>) -> f64 {
        (self.expected_cost(mdp, pi) - self.budget).max(0.0)
    }

    /// The constrained follower's optimum π*_c(r) = argmax_π V^π_{r,τ}(ρ) s.t. J_c(π) ≤ b, the reference
    /// CBSO is measured against (not the unconstrained π*). In occupancy measures the soft objective is
    /// concave and the budget linear, so strong duality holds: π*_c is the soft-optimal policy of the
    /// Lagrangian reward r − λ*c, with λ* = 0 when π*(r) keeps the budget and otherwise the root of
    /// J_c(π*(r − λc)) = b (J_c falls as λ grows), found by bracketing and bisection. Returns the solution
    /// and λ*; `None` when no λ ≤ 10⁶ brings J_c under b (the budget is infeasible).
    pub fn constrained_optimum(
        &self,
        mdp: &SoftMdp,
        r: &DVector<f64>,
    ) -> Option<(super::mdp::SoftSolution, f64)> {
        let solve = |lambda: f64, q0: &DVector<f64>| {
            mdp.solve_from(&(r - &self.cost * lambda), q0, 1e-12, 100_000)
        };
        let free = mdp.solve(r);
        if self.expected_cost(mdp, &free.pi) <= self.budget {
            return Some((free, 0.0));
        }
        let (mut lo, mut hi) = (0.0, 1.0);
        let mut at_hi = solve(hi, &free.q);
        while self.expected_cost(mdp, &at_hi.pi) > self.budget {
            lo = hi;
            hi *= 2.0;
            if hi > 1e6 {
                return None;
            }
            at_hi = solve(hi, &at_hi.q);
        }
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            let at = solve(mid, &at_hi.q);
            if self.expected_cost(mdp, &at.pi) > self.budget {
                lo = mid;
            } else {
                hi = mid;
                at_hi = at;
            }
            if hi - lo <= 1e-12 * hi.max(1.0) {
                break;
            }
        }
        Some((at_hi, hi))
    }
}

/// PBRL / CBSO state.
#[derive(Clone, Debug)]
pub struct Penalty {
    pub x: DVector<f64>,
    /// The follower's Q (θ'), and its policy.
    pub q: DVector<f64>,
    pub pi: DVector<f64>,
    /// The leader's copy: logits θ and π_θ.
    pub logits: DVector<f64>,
    pub pi_leader: DVector<f64>,
    pub step: usize,
}

impl Penalty {
    pub fn new(problem: &BilevelRl, x0: DVector<f64>) -> Self {
        let n = problem.mdp.states * problem.mdp.actions;
        let zeros = DVector::zeros(n);
        let uniform = problem.mdp.policy(&zeros);
        Self {
            x: x0,
            q: zeros.clone(),
            pi: uniform.clone(),
            logits: zeros,
            pi_leader: uniform,
            step: 0,
        }
    }

    /// ∇_π h(x, π) for the follower's objective (with the budget's subgradient where it is violated).
    fn follower_gradient(
        problem: &BilevelRl,
        r: &DVector<f64>,
        pi: &DVector<f64>,
        budget: Option<&Budget>,
    ) -> DVector<f64> {
        let mdp = &problem.mdp;
        let mut g = -mdp.policy_value_gradient(pi, r, mdp.tau).1;
        if let Some(b) = budget
            && b.violation(mdp, pi) > 0.0
        {
            g += mdp.policy_value_gradient(pi, &b.cost, 0.0).1 * b.weight;
        }
        g
    }

    /// −J(x)ᵀ m^π = ∇ₓh(x, π) (−Φᵀ m^π for a linear reward).
    fn x_gradient_of_h(problem: &BilevelRl, x: &DVector<f64>, pi: &DVector<f64>) -> DVector<f64> {
        let mdp = &problem.mdp;
        let mu = mdp.visitation(pi);
        let m = DVector::from_fn(pi.len(), |i, _| mu[i / mdp.actions] * pi[i]);
        -problem.pull_back(x, &m)
    }

    /// One step: penalty weight λ, outer step β, the leader's natural policy-gradient step ξ, N Bellman
    /// steps.
    pub fn step(
        &mut self,
        problem: &BilevelRl,
        budget: Option<&Budget>,
        lambda: f64,
        beta: f64,
        xi: f64,
        bellman_steps: usize,
    ) {
        let mdp = &problem.mdp;
        let r = problem.reward(&self.x);
        for _ in 0..bellman_steps {
            let reward = match budget {
                Some(b) if b.violation(mdp, &self.pi) > 0.0 => &r - &b.cost * b.weight,
                _ => r.clone(),
            };
            self.q = mdp.bellman(&reward, &self.q);
            self.pi = mdp.policy(&self.q);
        }
        let (gx_f, gpi_f) = problem.f_gradients(&self.x, &self.pi_leader);
        let g_pi = gpi_f / lambda + Self::follower_gradient(problem, &r, &self.pi_leader, budget);
        let g_x = gx_f
            + (Self::x_gradient_of_h(problem, &self.x, &self.pi_leader)
                - Self::x_gradient_of_h(problem, &self.x, &self.pi))
                * lambda;
        // A natural policy-gradient step: the softmax Fisher block of state s is μ_s (diag π − ππᵀ), so the
        // preconditioned step is g_sa/μ_s centered per state (μ floored at 1e-6 of its largest entry).
        let mu = mdp.visitation(&self.pi_leader);
        let floor = 1e-6 * mu.amax();
        let scaled = DVector::from_fn(g_pi.len(), |i, _| g_pi[i] / mu[i / mdp.actions].max(floor));
        let centered = DVector::from_fn(g_pi.len(), |i, _| {
            let s = i / mdp.actions;
            let mean: f64 = (0..mdp.actions)
                .map(|a| self.pi_leader[s * mdp.actions + a] * scaled[s * mdp.actions + a])
                .sum();
            scaled[i] - mean
        });
        self.logits -= centered * xi;
        self.pi_leader = mdp.policy_from_logits(&self.logits);
        self.x -= g_x * beta;
        self.step += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::random::{SeededRng, gaussian};
    use crate::numerics::rl::baselines::ExactHgd;
    use crate::numerics::rl::gridworld::{Gridworld, state_features};
    use crate::numerics::rl::hypergradient::Upper;
    use crate::numerics::rl::reward::RewardModel;
    use nalgebra::DMatrix;
    use rand::SeedableRng as _;

    /// ∂/∂θ of a function of π = softmax(θ) per state, from its gradient g in π:
    /// π_sa (g_sa − Σ_a' π_sa' g_sa').
    fn softmax_pullback(actions: usize, pi: &DVector<f64>, g: &DVector<f64>) -> DVector<f64> {
        DVector::from_fn(pi.len(), |i, _| {
            let s = i / actions;
            let mean: f64 = (0..actions)
                .map(|a| pi[s * actions + a] * g[s * actions + a])
                .sum();
            pi[i] * (g[i] - mean)
        })
    }

    #[test]
    fn the_pieces_match_finite_differences() {
        let mdp = SoftMdp::random(4, 3, 0.8, 0.5, 21);
        let mut rng = SeededRng::seed_from_u64(22);
        let features = DMatrix::from_fn(12, 3, |_, _| gaussian(&mut rng));
        let problem = BilevelRl {
            mdp,
            reward_model: RewardModel::Linear(features),
            upper: Upper::Synthetic,
        };
        let logits = DVector::from_fn(12, |_, _| gaussian(&mut rng));
        let x = DVector::from_fn(3, |_, _| gaussian(&mut rng));
        let h = |x: &DVector<f64>, logits: &DVector<f64>| {
            let pi = problem.mdp.policy_from_logits(logits);
            -problem
                .mdp
                .rho
                .dot(&problem.mdp.policy_value(&pi, &problem.reward(x), 0.5))
        };
        let pi = problem.mdp.policy_from_logits(&logits);
        let gx = Penalty::x_gradient_of_h(&problem, &x, &pi);
        let r = problem.reward(&x);
        let gtheta = softmax_pullback(3, &pi, &Penalty::follower_gradient(&problem, &r, &pi, None));
        let e = 1e-6;
        for i in 0..3 {
            let mut p = x.clone();
            p[i] += e;
            let mut m = x.clone();
            m[i] -= e;
            let fd = (h(&p, &logits) - h(&m, &logits)) / (2.0 * e);
            assert!((fd - gx[i]).abs() < 1e-7, "x {i}: {fd} vs {}", gx[i]);
        }
        for i in [0usize, 5, 11] {
            let mut p = logits.clone();
            p[i] += e;
            let mut m = logits.clone();
            m[i] -= e;
            let fd = (h(&x, &p) - h(&x, &m)) / (2.0 * e);
            assert!(
                (fd - gtheta[i]).abs() < 1e-7,
                "θ {i}: {fd} vs {}",
                gtheta[i]
            );
        }
    }

    /// Reward shaping on the default 5 × 5 grid.
    fn shaping() -> (BilevelRl, Gridworld) {
        let g = Gridworld::default();
        let mdp = g.mdp(0.8, 0.3).unwrap_or_else(|e| panic!("{e}"));
        let problem = BilevelRl {
            reward_model: RewardModel::Linear(state_features(25, 4)),
            mdp,
            upper: Upper::Shaping {
                true_reward: g.true_reward(),
                true_tau: 0.0,
                l2: 0.05,
            },
        };
        (problem, g)
    }

    #[test]
    fn pbrl_decreases_phi_and_cbso_keeps_the_follower_within_its_budget() {
        let (problem, _) = shaping();
        let x0 = DVector::zeros(25);
        let phi0 = problem.phi(&x0);
        let mut exact = ExactHgd::new(x0.clone());
        for _ in 0..100 {
            exact.step(&problem, 0.5);
        }
        let best = problem.phi(&exact.x);
        let mut pbrl = Penalty::new(&problem, x0.clone());
        for _ in 0..300 {
            pbrl.step(&problem, None, 10.0, 0.2, 0.3, 10);
        }
        let phi = problem.phi(&pbrl.x);
        assert!(
            phi0 - phi > 0.8 * (phi0 - best),
            "PBRL φ {phi0} → {phi}; exact descent {best}"
        );

        // Cost 1 per step in the top row (the short way to the goal); exact descent's follower takes it.
        let cost = DVector::from_fn(100, |i, _| if i / 4 < 4 { 1.0 } else { 0.0 });
        let free = problem.follower(&exact.x).pi;
        let spent = Budget {
            cost: cost.clone(),
            budget: 0.0,
            weight: 0.0,
        }
        .expected_cost(&problem.mdp, &free);
        let budget = Budget {
            cost,
            budget: 0.5 * spent,
            weight: 5.0,
        };
        let mut cbso = Penalty::new(&problem, x0);
        let mut late = 0.0;
        for k in 0..300 {
            cbso.step(&problem, Some(&budget), 10.0, 0.2, 0.3, 10);
            if k >= 250 {
                late += budget.violation(&problem.mdp, &cbso.pi) / 50.0;
            }
        }
        assert!(
            budget.violation(&problem.mdp, &free) > 0.1 && late < 1e-3,
            "budget {:.3}: exact descent's follower spends {spent:.3}, CBSO's {:.3}",
            budget.budget,
            budget.expected_cost(&problem.mdp, &cbso.pi)
        );
    }

    /// The constrained optimum against a brute-force search: on a 2-state, 2-action MDP a policy is two
    /// probabilities; over a 500 × 500 grid of them, the best soft value among the policies that keep
    /// the budget matches π*_c's (to the grid's resolution), and π*_c keeps the budget with equality.
    #[test]
    fn the_constrained_optimum_beats_every_feasible_policy_on_a_grid() {
        let mdp = SoftMdp::random(2, 2, 0.8, 0.3, 5);
        let r = DVector::from_vec(vec![1.0, 0.0, 0.2, 0.9]);
        let cost = DVector::from_vec(vec![1.0, 0.0, 0.0, 1.0]);
        let free = mdp.solve(&r);
        let budget = Budget {
            cost: cost.clone(),
            budget: 0.6 * mdp.rho.dot(&mdp.policy_value(&free.pi, &cost, 0.0)),
            weight: 1.0,
        };
        let (sol, lambda) = budget.constrained_optimum(&mdp, &r).expect("feasible");
        assert!(lambda > 0.0, "the budget binds");
        let j = budget.expected_cost(&mdp, &sol.pi);
        assert!(
            (j - budget.budget).abs() < 1e-9,
            "J_c = {j} vs b = {}",
            budget.budget
        );
        let value = |pi: &DVector<f64>| mdp.rho.dot(&mdp.policy_value(pi, &r, mdp.tau));
        let best = value(&sol.pi);
        let mut grid_best = f64::NEG_INFINITY;
        for i in 0..=500 {
            for k in 0..=500 {
                let (p, q) = (i as f64 / 500.0, k as f64 / 500.0);
                let pi = DVector::from_vec(vec![p, 1.0 - p, q, 1.0 - q]);
                if budget.expected_cost(&mdp, &pi) <= budget.budget {
                    grid_best = grid_best.max(value(&pi));
                }
            }
        }
        assert!(
            grid_best <= best + 1e-12,
            "a feasible grid policy beats π*_c: {grid_best} > {best}"
        );
        assert!(
            best - grid_best < 2e-3,
            "π*_c {best} vs the grid's best {grid_best}"
        );
        // A loose budget leaves the follower unconstrained (λ* = 0).
        let loose = Budget {
            budget: 10.0,
            ..budget
        };
        assert_eq!(
            loose.constrained_optimum(&mdp, &r).map(|(_, l)| l),
            Some(0.0)
        );
    }
}
