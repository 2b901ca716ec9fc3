//! Baselines beside M-SoBiRL (seed 001's comparison): exact hypergradient descent (the reference: the
//! follower solved to tolerance every step, x ← x − β∇φ(x)), and the baselines that track the follower
//! ([`Rule`]): the partial hypergradient, DRLHF, PARL and HPGD, each as the slides define it.

use nalgebra::DVector;

use super::hypergradient::BilevelRl;
use super::sobirl::{model_free_hypergradient, step_seed};

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

/// The follower-tracking baselines of seed 001's comparison, each one rule on the same state (x, the
/// follower's Q and π = softmax(Q/τ)):
/// - [`Rule::Partial`]: N soft Bellman steps, then x ← x − β(∇ₓf + τ⁻¹Φᵀdiag(π)∇_πf) — the direct part
///   of the hypergradient only (it ignores how V*, and through it π*, moves with x);
/// - [`Rule::Drlhf`] (Christiano et al. 2017, slides "Third visit to hyper-gradient"): M leader steps
///   x ← x − β∇ₓf(x, π) on the upper loss alone with π held, then N soft Bellman steps;
/// - [`Rule::Parl`] (Chakraborty et al. 2024, "AID-based", first- and second-order oracles): N soft
///   Bellman steps, then x ← x − β∇̂φ(x, π_N), the implicit hypergradient at the approximate follower with
///   its linear solve (I − γP_π)⁻ᵀ (a second-order oracle) done exactly;
/// - [`Rule::Hpgd`] (Thoma et al. 2024, "stochastic, first-order", O(log 1/ε) inner iterations): the
///   follower solved to 10⁻¹⁰ every outer step (warm-started soft value iteration), then plain SGD on the
///   model-free sampled hypergradient (SoBiRL's estimator, `sobirl.rs`) from M trajectories — no momentum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Partial,
    Drlhf,
    Parl,
    Hpgd,
}

/// What one step of a baseline uses.
#[derive(Clone, Copy, Debug)]
pub struct Steps {
    pub beta: f64,
    /// N: soft Bellman steps per outer step.
    pub bellman_steps: usize,
    /// DRLHF's M: leader steps per outer step.
    pub leader_steps: usize,
    /// HPGD's sampled trajectories per estimate, and the seed of its draws.
    pub samples: usize,
    pub seed: u64,
}

/// A baseline's state.
#[derive(Clone, Debug)]
pub struct Baseline {
    pub rule: Rule,
    pub x: DVector<f64>,
    pub q: DVector<f64>,
    pub pi: DVector<f64>,
    pub step: usize,
}

impl Baseline {
    pub fn new(problem: &BilevelRl, rule: Rule, x0: DVector<f64>) -> Self {
        let mdp = &problem.mdp;
        let q = DVector::zeros(mdp.states * mdp.actions);
        Self {
            rule,
            pi: mdp.policy(&q),
            q,
            x: x0,
            step: 0,
        }
    }

    fn bellman(&mut self, problem: &BilevelRl, steps: usize) {
        let r = problem.reward(&self.x);
        for _ in 0..steps {
            self.q = problem.mdp.bellman(&r, &self.q);
        }
        self.pi = problem.mdp.policy(&self.q);
    }

    /// One outer step; returns the direction when it estimates ∇φ (PARL, HPGD).
    pub fn step(&mut self, problem: &BilevelRl, s: &Steps) -> Result<Option<DVector<f64>>, String> {
        let estimate = match self.rule {
            Rule::Partial => {
                self.bellman(problem, s.bellman_steps);
                let (gx, gpi) = problem.f_gradients(&self.x, &self.pi);
                let direct =
                    problem.pull_back(&self.x, &self.pi.component_mul(&gpi)) / problem.mdp.tau;
                self.x -= (gx + direct) * s.beta;
                None
            }
            Rule::Drlhf => {
                for _ in 0..s.leader_steps {
                    let (gx, _) = problem.f_gradients(&self.x, &self.pi);
                    self.x -= gx * s.beta;
                }
                self.bellman(problem, s.bellman_steps);
                None
            }
            Rule::Parl => {
                self.bellman(problem, s.bellman_steps);
                let d = problem.hypergradient_at(&self.x, &self.pi, None);
                self.x -= &d * s.beta;
                Some(d)
            }
            Rule::Hpgd => {
                let r = problem.reward(&self.x);
                let solved = problem.mdp.solve_from(&r, &self.q, 1e-10, 100_000);
                self.q = solved.q;
                self.pi = solved.pi;
                let seed = step_seed(s.seed, self.step);
                let d = model_free_hypergradient(problem, &self.x, &self.pi, s.samples, seed)?;
                self.x -= &d * s.beta;
                Some(d)
            }
        };
        self.step += 1;
        Ok(estimate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rl::gridworld::Gridworld;
    use crate::numerics::rl::hypergradient::Upper;
    use crate::numerics::rl::tests_fixtures::{inverse_rl, on_grid, shaping};

    #[test]
    fn exact_descent_finds_a_stationary_point_the_partial_hypergradient_misses() {
        let problem = inverse_rl();
        let x0 = DVector::zeros(25);
        let phi0 = problem.phi(&x0);
        let mut exact = ExactHgd::new(x0.clone());
        let mut alt = Baseline::new(&problem, Rule::Partial, x0);
        let steps = Steps {
            beta: 0.05,
            bellman_steps: 30,
            leader_steps: 1,
            samples: 1,
            seed: 0,
        };
        let mut last = phi0;
        for _ in 0..150 {
            exact.step(&problem, 0.5);
            assert!(alt.step(&problem, &steps).is_ok_and(|d| d.is_none()));
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

    fn steps(bellman_steps: usize, samples: usize) -> Steps {
        Steps {
            beta: 0.2,
            bellman_steps,
            leader_steps: 1,
            samples,
            seed: 3,
        }
    }

    /// PARL with the follower converged is exact hypergradient descent (its direction is ∇φ(x)); with a
    /// few Bellman steps it is not.
    #[test]
    fn parl_with_a_converged_follower_is_exact_descent() {
        let problem = shaping();
        let x0 = DVector::zeros(25);
        let mut exact = ExactHgd::new(x0.clone());
        let mut parl = Baseline::new(&problem, Rule::Parl, x0.clone());
        let mut short = Baseline::new(&problem, Rule::Parl, x0);
        for _ in 0..10 {
            exact.step(&problem, 0.2);
            let d = parl.step(&problem, &steps(400, 1)).ok().flatten();
            assert!(d.is_some(), "PARL reports its estimate");
            assert!(short.step(&problem, &steps(2, 1)).is_ok());
        }
        assert!(
            (&parl.x - &exact.x).amax() < 1e-8,
            "{}",
            (&parl.x - &exact.x).amax()
        );
        assert!((&short.x - &exact.x).amax() > 1e-4);
    }

    /// HPGD averages to exact descent: over many sampled trajectories its first step's direction is ∇φ(x₀)
    /// within 4 standard errors per coordinate.
    #[test]
    fn hpgd_direction_is_unbiased_for_the_hypergradient() {
        let problem = shaping();
        let x0 = DVector::from_fn(25, |i, _| 0.1 * (i as f64).sin());
        let (grad, _) = problem.hypergradient(&x0);
        let draws: Vec<DVector<f64>> = (0..400)
            .map(|seed| {
                let mut h = Baseline::new(&problem, Rule::Hpgd, x0.clone());
                let s = Steps {
                    seed,
                    ..steps(1, 8)
                };
                h.step(&problem, &s)
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| DVector::zeros(25))
            })
            .collect();
        crate::numerics::random::testing::assert_unbiased(&draws, &grad, 1e-9, "HPGD's direction");
        // HPGD needs a trajectory objective, like SoBiRL.
        let irl = inverse_rl();
        let mut h = Baseline::new(&irl, Rule::Hpgd, DVector::zeros(25));
        assert!(h.step(&irl, &steps(1, 8)).is_err());
    }

    /// DRLHF's leader follows the upper loss alone: on preferences it settles where ∇ₓf(x, π) = 0 with π
    /// the follower's current policy, which is not a stationary point of φ; on inverse RL (f depends on x
    /// only through π) its leader never moves.
    #[test]
    fn drlhf_follows_the_upper_loss_alone() {
        let irl = inverse_rl();
        let mut d = Baseline::new(&irl, Rule::Drlhf, DVector::zeros(25));
        for _ in 0..5 {
            assert!(d.step(&irl, &steps(10, 1)).is_ok());
        }
        assert_eq!(d.x, DVector::zeros(25), "∇ₓf = 0 on inverse RL");
        let g = Gridworld::default();
        let upper = Upper::Preferences {
            true_reward: g.true_reward(),
            l2: 0.05,
        };
        let prefs = on_grid(&g, 0.8, 0.3, upper);
        let mut d = Baseline::new(&prefs, Rule::Drlhf, DVector::zeros(25));
        let s = Steps {
            leader_steps: 5,
            ..steps(20, 1)
        };
        for _ in 0..400 {
            assert!(d.step(&prefs, &s).is_ok());
        }
        let (gx, _) = prefs.f_gradients(&d.x, &d.pi);
        let (grad, _) = prefs.hypergradient(&d.x);
        assert!(gx.norm() < 1e-3, "‖∇ₓf‖ = {}", gx.norm());
        assert!(grad.norm() > 100.0 * gx.norm(), "‖∇φ‖ = {}", grad.norm());
    }
}
