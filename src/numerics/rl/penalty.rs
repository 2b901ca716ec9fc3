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
//!
//! CBSO's sampled estimates (seed 003, Algorithm 1 with Eq. 15 and 17–18: batch B, horizon H): with
//! `Sampling`, the occupancy m^π in ∇ₓh and the expected cost J_c(π) that decides the budget's active
//! piece are estimated from B trajectories of H steps from ρ under π,
//!   m̂ = (1/B) Σ_b Σ_{t<H} γᵗ e_{s_t a_t},   Ĵ_c = cᵀm̂,
//! unbiased for the H-step truncations (bias ≤ γᴴ/(1 − γ) per unit of |c|). The policy steps stay
//! model-based (N soft Bellman steps, the natural policy-gradient step with exact Q).
//!
//! The reference CBSO is measured against is the constrained follower's optimum π*_c(x) (`Budget::
//! constrained_optimum`) and φ_c(x) = f(x, π*_c(x)) with its gradient (`Budget::constrained_hypergradient`).

use nalgebra::DVector;
use rand::SeedableRng as _;

use super::hypergradient::BilevelRl;
use super::mdp::{SoftMdp, SoftSolution, SoftSolver, ValueIteration};
use crate::numerics::random::{SeededRng, categorical};

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
    ) -> Option<(SoftSolution, f64)> {
        let mut solve = ConstrainedSolve::new(r.clone());
        loop {
            if let Some(optimum) = solve.advance(mdp, self, usize::MAX) {
                return optimum;
            }
        }
    }
}

/// [`Budget::constrained_optimum`] a piece at a time (so that a view can spread it over frames): the
/// free follower π*(r), then λ bracketed by doubling from 1 (warm-starting each solve from the last Q),
/// then bisection on J_c(π*(r − λc)) = b until the bracket is within 1e-12 relative (100 rounds at most).
#[derive(Clone, Debug)]
pub struct ConstrainedSolve {
    r: DVector<f64>,
    stage: Stage,
}

#[derive(Clone, Debug)]
enum Stage {
    /// π*(r), by soft policy then value iteration.
    Free(SoftSolver),
    /// Solving at λ = hi, with λ* ∈ [lo, hi] if this one keeps the budget.
    Bracket {
        lo: f64,
        hi: f64,
        at: ValueIteration,
    },
    /// Round `round` of the bisection: solving at λ = (lo + hi)/2; `at_hi` keeps the budget.
    Bisect {
        lo: f64,
        hi: f64,
        at_hi: SoftSolution,
        round: usize,
        at: ValueIteration,
    },
}

impl ConstrainedSolve {
    pub fn new(r: DVector<f64>) -> Self {
        let q0 = DVector::zeros(r.len());
        Self {
            stage: Stage::Free(SoftSolver::new(r.clone(), q0)),
            r,
        }
    }

    /// One piece (up to `sweeps` value-iteration sweeps, or a policy evaluation); `Some` with the
    /// outcome of [`Budget::constrained_optimum`] once found.
    pub fn advance(
        &mut self,
        mdp: &SoftMdp,
        budget: &Budget,
        sweeps: usize,
    ) -> Option<Option<(SoftSolution, f64)>> {
        let Self { r, stage } = self;
        let solve_at = |lambda: f64, q0: &DVector<f64>| {
            ValueIteration::new(&*r - &budget.cost * lambda, q0.clone(), 1e-12, 100_000)
        };
        let cost = |sol: &SoftSolution| budget.expected_cost(mdp, &sol.pi);
        match stage {
            Stage::Free(solver) => {
                let free = solver.advance(mdp, sweeps, 1e-13)?;
                if cost(&free) <= budget.budget {
                    return Some(Some((free, 0.0)));
                }
                *stage = Stage::Bracket {
                    lo: 0.0,
                    hi: 1.0,
                    at: solve_at(1.0, &free.q),
                };
            }
            Stage::Bracket { lo, hi, at } => {
                let at_hi = at.advance(mdp, sweeps)?;
                if cost(&at_hi) > budget.budget {
                    *lo = *hi;
                    *hi *= 2.0;
                    if *hi > 1e6 {
                        return Some(None);
                    }
                    *at = solve_at(*hi, &at_hi.q);
                } else {
                    let (lo, hi) = (*lo, *hi);
                    *stage = Stage::Bisect {
                        lo,
                        hi,
                        at: solve_at(0.5 * (lo + hi), &at_hi.q),
                        at_hi,
                        round: 0,
                    };
                }
            }
            Stage::Bisect {
                lo,
                hi,
                at_hi,
                round,
                at,
            } => {
                let sol = at.advance(mdp, sweeps)?;
                let mid = 0.5 * (*lo + *hi);
                if cost(&sol) > budget.budget {
                    *lo = mid;
                } else {
                    *hi = mid;
                    *at_hi = sol;
                }
                *round += 1;
                if *hi - *lo <= 1e-12 * hi.max(1.0) || *round >= 100 {
                    return Some(Some((at_hi.clone(), *hi)));
                }
                *at = solve_at(0.5 * (*lo + *hi), &at_hi.q);
            }
        }
        None
    }
}

impl Budget {
    /// φ_c(x) = f(x, π*_c(x)) and ∇φ_c(x), with π*_c and λ*. π*_c = π*(r̃), r̃ = r(x) − λ*(x)c; where the
    /// budget binds, J_c(π*(r̃)) = b defines λ*(x), so with u = ∇_r̃ f(x, π*(r̃)) and k = ∇_r̃ J_c(π*(r̃))
    /// (both `BilevelRl::through_policy`), kᵀ(J − c∇λ*ᵀ) = 0 gives ∇λ* = Jᵀk/(kᵀc) and
    ///   ∇φ_c = ∇ₓf + Jᵀ(u − k (cᵀu)/(kᵀc));
    /// where it does not bind (λ* = 0), ∇φ_c = ∇ₓf + Jᵀu, the unconstrained hypergradient.
    pub fn constrained_hypergradient(
        &self,
        problem: &BilevelRl,
        x: &DVector<f64>,
    ) -> Option<(f64, DVector<f64>, SoftSolution, f64)> {
        let (sol, lambda) = self.constrained_optimum(&problem.mdp, &problem.reward(x))?;
        Some(self.constrained_hypergradient_at(problem, x, sol, lambda))
    }

    /// [`Self::constrained_hypergradient`] from the constrained optimum (π*_c(x), λ*) at x, found already
    /// (by [`ConstrainedSolve`] spread over frames).
    pub fn constrained_hypergradient_at(
        &self,
        problem: &BilevelRl,
        x: &DVector<f64>,
        sol: SoftSolution,
        lambda: f64,
    ) -> (f64, DVector<f64>, SoftSolution, f64) {
        let mdp = &problem.mdp;
        let (gx, gpi) = problem.f_gradients(x, &sol.pi);
        let mut u = problem.through_policy(&sol.pi, &gpi, None);
        if lambda > 0.0 {
            let gc = mdp.policy_value_gradient(&sol.pi, &self.cost, 0.0).1;
            let k = problem.through_policy(&sol.pi, &gc, None);
            u -= &k * (self.cost.dot(&u) / k.dot(&self.cost));
        }
        let grad = gx + problem.pull_back(x, &u);
        (problem.f(x, &sol.pi), grad, sol, lambda)
    }
}

/// CBSO's sampling: B trajectories of H steps per estimate, from a seeded stream.
#[derive(Clone, Debug)]
pub struct Sampling {
    pub batch: usize,
    pub horizon: usize,
    rng: SeededRng,
}

impl Sampling {
    pub fn new(batch: usize, horizon: usize, seed: u64) -> Self {
        Self {
            batch,
            horizon,
            rng: SeededRng::seed_from_u64(seed),
        }
    }

    /// m̂ = (1/B) Σ_b Σ_{t<H} γᵗ e_{s_t a_t} over B trajectories of π from ρ (module docs).
    pub fn occupancy(&mut self, mdp: &SoftMdp, pi: &DVector<f64>) -> DVector<f64> {
        let a = mdp.actions;
        let mut m = DVector::zeros(pi.len());
        let weight = 1.0 / self.batch.max(1) as f64;
        for _ in 0..self.batch.max(1) {
            let mut s = categorical(mdp.rho.iter().copied().enumerate(), &mut self.rng);
            let mut discount = weight;
            for _ in 0..self.horizon {
                let k = categorical((0..a).map(|j| (j, pi[s * a + j])), &mut self.rng);
                m[s * a + k] += discount;
                discount *= mdp.gamma;
                s = categorical(mdp.row(s * a + k).iter().copied(), &mut self.rng);
            }
        }
        m
    }
}

/// PBRL / CBSO state.
#[derive(Clone, Debug)]
pub struct Penalty {
    /// The leader's reward parameters.
    pub x: DVector<f64>,
    /// The follower's Q (θ'), and its policy.
    pub q: DVector<f64>,
    pub pi: DVector<f64>,
    /// The leader's copy: logits θ and π_θ.
    pub logits: DVector<f64>,
    pub pi_leader: DVector<f64>,
    /// Outer steps taken.
    pub step: usize,
    /// CBSO's sampled estimates (module docs); `None`: exact occupancies and costs.
    pub sampling: Option<Sampling>,
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
            sampling: None,
        }
    }

    /// m^π (exact), or its estimate m̂ when sampling.
    fn occupancy(&mut self, mdp: &SoftMdp, pi: &DVector<f64>) -> DVector<f64> {
        match &mut self.sampling {
            Some(s) => s.occupancy(mdp, pi),
            None => Self::exact_occupancy(mdp, pi),
        }
    }

    /// m^π_sa = μ_s π_sa, μ = (I − γP_πᵀ)⁻¹ρ.
    fn exact_occupancy(mdp: &SoftMdp, pi: &DVector<f64>) -> DVector<f64> {
        let mu = mdp.visitation(pi);
        DVector::from_fn(pi.len(), |i, _| mu[i / mdp.actions] * pi[i])
    }

    /// The budget when its penalty's active piece is picked at π: J_c(π) > b, with J_c = cᵀm^π exact
    /// or estimated from `m` (Eq. 15's Clarke subgradient takes the active piece).
    fn active<'b>(budget: Option<&'b Budget>, m: &DVector<f64>) -> Option<&'b Budget> {
        budget.filter(|b| b.cost.dot(m) > b.budget)
    }

    /// ∇_π h(x, π) for the follower's objective (with the budget's subgradient when `active` is given).
    fn follower_gradient(
        problem: &BilevelRl,
        r: &DVector<f64>,
        pi: &DVector<f64>,
        active: Option<&Budget>,
    ) -> DVector<f64> {
        let mdp = &problem.mdp;
        let mut g = -mdp.policy_value_gradient(pi, r, mdp.tau).1;
        if let Some(b) = active {
            g += mdp.policy_value_gradient(pi, &b.cost, 0.0).1 * b.weight;
        }
        g
    }

    /// −J(x)ᵀ m^π = ∇ₓh(x, π) (−Φᵀ m^π for a linear reward), m^π_sa = μ_s π_sa.
    fn x_gradient_of_h(problem: &BilevelRl, x: &DVector<f64>, m: &DVector<f64>) -> DVector<f64> {
        -problem.pull_back(x, m)
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
        // Exact: the active piece is re-decided at every sweep's π; sampled: once per step, from m̂.
        let sampled_active = match (&self.sampling, budget) {
            (Some(_), Some(_)) => {
                let m = self.occupancy(mdp, &self.pi.clone());
                Some(Self::active(budget, &m))
            }
            _ => None,
        };
        for _ in 0..bellman_steps {
            let active = match sampled_active {
                Some(a) => a,
                None if budget.is_some() => {
                    let m = self.occupancy(mdp, &self.pi.clone());
                    Self::active(budget, &m)
                }
                None => None,
            };
            let reward = match active {
                Some(b) => &r - &b.cost * b.weight,
                None => r.clone(),
            };
            self.q = mdp.bellman(&reward, &self.q);
            self.pi = mdp.policy(&self.q);
        }
        let m_leader = self.occupancy(mdp, &self.pi_leader.clone());
        let m_follower = self.occupancy(mdp, &self.pi.clone());
        let (gx_f, gpi_f) = problem.f_gradients(&self.x, &self.pi_leader);
        let active = Self::active(budget, &m_leader);
        let g_pi = gpi_f / lambda + Self::follower_gradient(problem, &r, &self.pi_leader, active);
        let g_x = gx_f
            + (Self::x_gradient_of_h(problem, &self.x, &m_leader)
                - Self::x_gradient_of_h(problem, &self.x, &m_follower))
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
    use crate::numerics::rl::gridworld::Gridworld;
    use crate::numerics::rl::hypergradient::Upper;
    use crate::numerics::rl::reward::RewardModel;
    use nalgebra::DMatrix;

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
        let m = Penalty::new(&problem, x.clone()).occupancy(&problem.mdp, &pi);
        let gx = Penalty::x_gradient_of_h(&problem, &x, &m);
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
        (
            crate::numerics::rl::tests_fixtures::shaping(),
            Gridworld::default(),
        )
    }

    /// Cost 1 per step in the top row (the short way to the goal), and a budget of half what the follower
    /// π*(x) spends there: (the budget, π*(x), its cost).
    fn half_of_the_free_cost(problem: &BilevelRl, x: &DVector<f64>) -> (Budget, DVector<f64>, f64) {
        let cost = DVector::from_fn(100, |i, _| if i / 4 < 4 { 1.0 } else { 0.0 });
        let free = problem.follower(x).pi;
        let mut budget = Budget {
            cost,
            budget: 0.0,
            weight: 5.0,
        };
        let spent = budget.expected_cost(&problem.mdp, &free);
        budget.budget = 0.5 * spent;
        (budget, free, spent)
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

        let (budget, free, spent) = half_of_the_free_cost(&problem, &exact.x);
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

    /// The constrained optimum found a few sweeps at a time (as a view spreads it over frames) is the one
    /// found in one call, bit for bit, where the budget binds, where it does not, and where no λ ≤ 10⁶
    /// keeps it; and the value iteration it runs, in pieces, is `solve_from`'s.
    #[test]
    fn the_constrained_optimum_in_pieces_is_the_one_in_one_call() {
        let mdp = SoftMdp::random(6, 3, 0.9, 0.3, 4);
        let r = DVector::from_fn(18, |i, _| ((i * 7) % 5) as f64 / 4.0);
        let cost = DVector::from_fn(18, |i, _| (i % 3) as f64);
        let spent = mdp
            .rho
            .dot(&mdp.policy_value(&mdp.solve(&r).pi, &cost, 0.0));
        for (share, outcome) in [(0.6, "binds"), (2.0, "free"), (-1.0, "infeasible")] {
            let budget = Budget {
                cost: cost.clone(),
                budget: share * spent,
                weight: 1.0,
            };
            let whole = budget.constrained_optimum(&mdp, &r);
            let mut solve = ConstrainedSolve::new(r.clone());
            let mut pieces = 0;
            let sliced = loop {
                pieces += 1;
                if let Some(optimum) = solve.advance(&mdp, &budget, 3) {
                    break optimum;
                }
            };
            let key = |o: &Option<(SoftSolution, f64)>| {
                o.as_ref()
                    .map(|(s, l)| (s.q.clone(), s.pi.clone(), s.iterations, s.residual, *l))
            };
            assert_eq!(key(&sliced), key(&whole), "{outcome}");
            match outcome {
                "binds" => assert!(whole.as_ref().is_some_and(|w| w.1 > 0.0) && pieces > 100),
                "free" => assert_eq!(whole.map(|w| w.1), Some(0.0)),
                _ => assert!(whole.is_none()),
            }
        }
        let q0 = DVector::from_element(18, 0.5);
        let whole = mdp.solve_from(&r, &q0, 1e-12, 100_000);
        let mut sweeps = ValueIteration::new(r.clone(), q0, 1e-12, 100_000);
        let sliced = loop {
            if let Some(s) = sweeps.advance(&mdp, 7) {
                break s;
            }
        };
        assert_eq!((sliced.q, sliced.iterations), (whole.q, whole.iterations));
    }

    /// ∇φ_c against central differences of φ_c(x) = f(x, π*_c(x)) (each φ_c by bisection on λ*), where the
    /// budget binds (λ* > 0, the ∇λ* term matters) and where it does not (λ* = 0: the plain hypergradient).
    #[test]
    fn the_constrained_hypergradient_matches_finite_differences() {
        let mdp = SoftMdp::random(4, 2, 0.7, 0.4, 8);
        let mut rng = SeededRng::seed_from_u64(9);
        let problem = BilevelRl {
            reward_model: RewardModel::Linear(DMatrix::from_fn(8, 3, |_, _| gaussian(&mut rng))),
            mdp,
            upper: Upper::Preferences {
                true_reward: DVector::from_fn(8, |_, _| gaussian(&mut rng)),
                l2: 0.1,
            },
        };
        let x = DVector::from_fn(3, |_, _| gaussian(&mut rng));
        let cost = DVector::from_fn(8, |i, _| (i % 3) as f64);
        let spent = Budget {
            cost: cost.clone(),
            budget: 0.0,
            weight: 0.0,
        }
        .expected_cost(&problem.mdp, &problem.follower(&x).pi);
        for (share, binds) in [(0.7, true), (2.0, false)] {
            let budget = Budget {
                cost: cost.clone(),
                budget: share * spent,
                weight: 1.0,
            };
            let phi_c = |x: &DVector<f64>| {
                budget
                    .constrained_hypergradient(&problem, x)
                    .map_or(f64::NAN, |(phi, ..)| phi)
            };
            let (phi, grad, _, lambda) = budget
                .constrained_hypergradient(&problem, &x)
                .unwrap_or_else(|| panic!("feasible"));
            assert_eq!(lambda > 0.0, binds, "λ* = {lambda}");
            assert!((phi - phi_c(&x)).abs() < 1e-14);
            let h = 1e-5;
            let fd = DVector::from_fn(3, |i, _| {
                let (mut p, mut q) = (x.clone(), x.clone());
                p[i] += h;
                q[i] -= h;
                (phi_c(&p) - phi_c(&q)) / (2.0 * h)
            });
            let rel = (&grad - &fd).norm() / fd.norm();
            assert!(
                rel < 1e-5,
                "binds {binds}: {grad} vs FD {fd} (rel {rel:.1e})"
            );
            if binds {
                let (free, _) = problem.hypergradient(&x);
                assert!(
                    (&free - &fd).norm() > 1e-2 * fd.norm(),
                    "the budget changes ∇φ"
                );
            }
        }
    }

    /// m̂ from B trajectories of H steps is unbiased for the H-step truncation Σ_{t<H} γᵗ d_t (d_t the
    /// pair distribution at step t, propagated exactly), and the truncation is within γᴴ/(1 − γ) of m^π.
    #[test]
    fn the_sampled_occupancy_is_unbiased_for_its_truncation() {
        use crate::numerics::random::testing::assert_unbiased;
        let mdp = SoftMdp::random(3, 2, 0.6, 0.5, 4);
        let pi = mdp.policy(&DVector::from_vec(vec![0.3, -0.2, 1.0, 0.1, -0.5, 0.4]));
        let horizon = 6;
        let mut truncated = DVector::zeros(6);
        let mut state = mdp.rho.clone();
        for t in 0..horizon {
            let d = DVector::from_fn(6, |i, _| state[i / 2] * pi[i]);
            truncated += &d * mdp.gamma.powi(t as i32);
            state = mdp.p_pi_transpose_times(&pi, &state);
        }
        let mut sampling = Sampling::new(4, horizon, 3);
        let draws: Vec<_> = (0..4000).map(|_| sampling.occupancy(&mdp, &pi)).collect();
        assert_unbiased(&draws, &truncated, 0.0, "m̂");
        let exact = Penalty::exact_occupancy(&mdp, &pi);
        let gap = (&exact - &truncated).sum();
        assert!(gap > 0.0 && gap <= mdp.gamma.powi(horizon as i32) / (1.0 - mdp.gamma) + 1e-12);
    }

    /// CBSO with sampled estimates (B = 512 trajectories of H = 40 steps per estimate) on the grid whose
    /// budget exact descent's follower breaks twice over: it keeps the budget and ends within 0.02 in φ of
    /// exact CBSO; with B = 16 (H = 30) it ends ~0.8 above (the estimated active piece flips from step to
    /// step).
    #[test]
    fn cbso_with_sampled_estimates_keeps_the_budget_and_tracks_exact_cbso() {
        let (problem, _) = shaping();
        let mut exact = ExactHgd::new(DVector::zeros(25));
        for _ in 0..100 {
            exact.step(&problem, 0.5);
        }
        let (budget, ..) = half_of_the_free_cost(&problem, &exact.x);
        let mut sampled = Penalty::new(&problem, DVector::zeros(25));
        sampled.sampling = Some(Sampling::new(512, 40, 7));
        let mut reference = Penalty::new(&problem, DVector::zeros(25));
        let mut late = 0.0;
        for k in 0..300 {
            sampled.step(&problem, Some(&budget), 10.0, 0.2, 0.3, 10);
            reference.step(&problem, Some(&budget), 10.0, 0.2, 0.3, 10);
            if k >= 250 {
                late += budget.violation(&problem.mdp, &sampled.pi) / 50.0;
            }
        }
        let (phi, phi_ref) = (problem.phi(&sampled.x), problem.phi(&reference.x));
        assert!(late < 0.05, "mean violation over the last 50 steps: {late}");
        assert!(
            (phi - phi_ref).abs() < 0.02,
            "φ sampled {phi} vs exact CBSO {phi_ref}"
        );
        let mut small = Penalty::new(&problem, DVector::zeros(25));
        small.sampling = Some(Sampling::new(16, 30, 7));
        for _ in 0..300 {
            small.step(&problem, Some(&budget), 10.0, 0.2, 0.3, 10);
        }
        let phi_small = problem.phi(&small.x);
        assert!(
            phi_small - phi_ref > 0.3,
            "B = 16: φ {phi_small} vs exact CBSO {phi_ref}"
        );
    }
}
