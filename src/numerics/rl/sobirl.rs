//! Model-free SoBiRL and Stoc-SoBiRL (seed 001, "Model-free Soft BiRL", "Stochastic extension").
//!
//! For a leader's objective that is an expectation over the follower's trajectories,
//! f(x, π) = E_{d ~ ρ(d; π)}[l(d; x)], the log-probability trick and softmax temporal consistency
//! (log π*_sa = (Q*_sa − V*_s)/τ) give a hypergradient without P or matrix solves:
//!
//!   ∇φ(x) = E[∇ₓl(d; x)] + τ⁻¹ E[ l(d; x) Σ_i Σ_h ∇(Q*_{s_h a_h} − V*_{s_h})(x) ],
//!   ∇Q_sa = E[Σ_t γᵗ ∇r_{s_t a_t} | s₀ = s, a₀ = a],   ∇V_s = E[Σ_t γᵗ ∇r_{s_t a_t} | s₀ = s],
//!
//! each expectation under π. The estimator samples all of them: trajectories run from ρ and stop after
//! each step with probability 1 − γ, so the last pair is a draw from the discounted occupancy d^π (the
//! clip of [`Upper::Preferences`], and −r̄/(1 − γ) at it is an unbiased sample of the return); ∇Q and ∇V at
//! every visited pair come from independent rollouts (the slides' ξ and ζ) that stop the same way, so
//! Σ_t Φ_{s_t a_t} along one is an unbiased sample of Σ_t γᵗ E[Φ_{s_t a_t}]. (Every term is Φᵀ, or J(x)ᵀ for
//! a nonlinear reward model, times a vector over pairs: the estimator sums in pair space — visit counts
//! and clip indicators — and pulls the sum back to x once.)
//!
//! SoBiRL: N soft Bellman steps from the previous Q (the lower level solved approximately, warm-started),
//! then x ← x − β ∇̃φ(x, π) with M samples. Stoc-SoBiRL keeps the momentum
//! h_k = ∇̄φ(D_k; x_k, π_k) + (1 − µ)(h_{k−1} − ∇̄φ(D_k; x_{k−1}, π_{k−1})), the second term with the same
//! random numbers D_k (common random numbers: inverse-CDF draws from one seed), and steps x ← x − β h_k.

use nalgebra::DVector;
use rand::{Rng as _, SeedableRng as _};

use super::hypergradient::{BilevelRl, Upper};
use crate::numerics::logistic::{log_sigmoid, sigmoid};
use crate::numerics::random::{SeededRng, categorical as draw};

/// The per-trajectory loss l(d; x) of a trajectory objective.
#[derive(Clone, Copy, Debug)]
enum Loss<'a> {
    /// l = −r̄(clip)/(1 − γ): shaping with true τ = 0.
    Return(&'a DVector<f64>),
    /// Bradley–Terry on two clips with a sampled label.
    Preferences(&'a DVector<f64>),
}

/// Whether the model-free estimator applies to this objective, and if not, why.
pub fn model_free_check(upper: &Upper) -> Result<(), String> {
    loss(upper).map(|_| ())
}

fn loss(upper: &Upper) -> Result<Loss<'_>, String> {
    match upper {
        Upper::Shaping {
            true_reward,
            true_tau,
            ..
        } if *true_tau == 0.0 => Ok(Loss::Return(true_reward)),
        Upper::Preferences { true_reward, .. } => Ok(Loss::Preferences(true_reward)),
        Upper::Shaping { .. } => Err(
            "model-free SoBiRL needs a trajectory objective: shaping with an entropy bonus in the true \
             value depends on π itself (set the true τ to 0)"
                .to_owned(),
        ),
        Upper::ExpertNll { .. } | Upper::Synthetic => Err(
            "model-free SoBiRL needs a trajectory objective (preferences, or the return under the true \
             reward); this leader's f is not an expectation over the follower's trajectories"
                .to_owned(),
        ),
    }
}

struct Sampler<'a> {
    problem: &'a BilevelRl,
    pi: &'a DVector<f64>,
}

impl Sampler<'_> {
    fn action(&self, s: usize, rng: &mut SeededRng) -> usize {
        let a = self.problem.mdp.actions;
        draw((0..a).map(|k| (k, self.pi[s * a + k])), rng)
    }

    fn next(&self, s: usize, a: usize, rng: &mut SeededRng) -> usize {
        let mdp = &self.problem.mdp;
        draw(mdp.row(s * mdp.actions + a).iter().copied(), rng)
    }

    fn stops(&self, rng: &mut SeededRng) -> bool {
        rng.random_range(0.0..1.0) >= self.problem.mdp.gamma
    }

    /// A trajectory from ρ that stops after each step with probability 1 − γ: its (s, a) pairs.
    fn trajectory(&self, rng: &mut SeededRng) -> Vec<(usize, usize)> {
        let mdp = &self.problem.mdp;
        let mut s = draw(mdp.rho.iter().copied().enumerate(), rng);
        let mut pairs = Vec::new();
        loop {
            let a = self.action(s, rng);
            pairs.push((s, a));
            if self.stops(rng) {
                return pairs;
            }
            s = self.next(s, a, rng);
        }
    }

    /// Σ_t e_{s_t a_t} along one rollout from (s, a) (or from s with a₀ ~ π), whose pull-back is an
    /// unbiased sample of ∇Q_sa (∇V_s): added into `out` (over pairs) with weight `w`.
    fn rollout_into(
        &self,
        mut s: usize,
        first: Option<usize>,
        w: f64,
        out: &mut DVector<f64>,
        rng: &mut SeededRng,
    ) {
        let a_count = self.problem.mdp.actions;
        let mut a = first.unwrap_or_else(|| self.action(s, rng));
        loop {
            out[s * a_count + a] += w;
            if self.stops(rng) {
                return;
            }
            s = self.next(s, a, rng);
            a = self.action(s, rng);
        }
    }

    /// Σ_h ∇̃(Q − V)_{s_h a_h} over a trajectory (in pair space), each term from two independent rollouts.
    fn score(&self, pairs: &[(usize, usize)], rng: &mut SeededRng) -> DVector<f64> {
        let mut out = DVector::zeros(self.problem.reward_model.pairs());
        for &(s, a) in pairs {
            self.rollout_into(s, Some(a), 1.0, &mut out, rng);
            self.rollout_into(s, None, -1.0, &mut out, rng);
        }
        out
    }

    /// One sample's (∂l/∂r, l, Σ_i Σ_h ∇̃(Q − V)), both vectors in pair space: ∇̃φ's sample is
    /// J(x)ᵀ(∂l/∂r + τ⁻¹ l · score).
    fn sample(
        &self,
        loss: Loss<'_>,
        r: &DVector<f64>,
        rng: &mut SeededRng,
    ) -> (DVector<f64>, f64, DVector<f64>) {
        let mdp = &self.problem.mdp;
        let pairs = self.problem.reward_model.pairs();
        let a = mdp.actions;
        let index = |pairs: &[(usize, usize)]| pairs.last().map_or(0, |&(s, k)| s * a + k);
        match loss {
            Loss::Return(truth) => {
                let d = self.trajectory(rng);
                let l = -truth[index(&d)] / (1.0 - mdp.gamma);
                (DVector::zeros(pairs), l, self.score(&d, rng))
            }
            Loss::Preferences(truth) => {
                let (d1, d2) = (self.trajectory(rng), self.trajectory(rng));
                let (i, j) = (index(&d1), index(&d2));
                let y = if rng.random_range(0.0..1.0) < sigmoid(truth[i] - truth[j]) {
                    1.0
                } else {
                    0.0
                };
                let delta = r[i] - r[j];
                let l = -(y * log_sigmoid(delta) + (1.0 - y) * log_sigmoid(-delta));
                let mut direct = DVector::zeros(pairs);
                direct[i] += sigmoid(delta) - y;
                direct[j] -= sigmoid(delta) - y;
                let score = self.score(&d1, rng) + self.score(&d2, rng);
                (direct, l, score)
            }
        }
    }
}

/// The model-free hypergradient estimate ∇̃φ(x, π) from `samples` trajectories (pairs, for preferences)
/// drawn with `seed`, plus the regularizer's l2·x. With M ≥ 2 samples each score is weighted by l minus
/// the mean l of the other M − 1 (a leave-one-out baseline: independent of that sample and E[score] = 0,
/// so the estimate stays unbiased; not in the slides, it only cuts the variance). Errors say why the
/// objective does not allow the estimator.
pub fn model_free_hypergradient(
    problem: &BilevelRl,
    x: &DVector<f64>,
    pi: &DVector<f64>,
    samples: usize,
    seed: u64,
) -> Result<DVector<f64>, String> {
    let loss = loss(&problem.upper)?;
    let sampler = Sampler { problem, pi };
    let r = problem.reward(x);
    let mut rng = SeededRng::seed_from_u64(seed);
    let m = samples.max(1);
    let draws: Vec<_> = (0..m).map(|_| sampler.sample(loss, &r, &mut rng)).collect();
    let sum_l: f64 = draws.iter().map(|d| d.1).sum();
    let mut total = DVector::zeros(problem.reward_model.pairs());
    for (direct, l, score) in &draws {
        let baseline = if m > 1 {
            (sum_l - l) / (m - 1) as f64
        } else {
            0.0
        };
        total += direct + score * ((l - baseline) / problem.mdp.tau);
    }
    Ok(problem.pull_back(x, &(total / m as f64)) + x * problem.upper.l2())
}

/// A seed per (run seed, step): SplitMix64's finalizer, so consecutive steps draw unrelated streams.
pub(crate) fn step_seed(seed: u64, step: usize) -> u64 {
    let mut z = seed ^ (step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SoBiRL, or Stoc-SoBiRL with momentum weight µ < 1.
#[derive(Clone, Debug)]
pub struct SoBiRl {
    pub x: DVector<f64>,
    pub q: DVector<f64>,
    pub pi: DVector<f64>,
    pub step: usize,
    /// The direction of the last step (the estimate, or the momentum h).
    pub estimate: DVector<f64>,
    /// µ ∈ (0, 1]: 1 is plain SoBiRL.
    pub momentum: f64,
    seed: u64,
    previous: Option<(DVector<f64>, DVector<f64>)>,
}

impl SoBiRl {
    /// Starts at x₀ with Q = 0 (π uniform); `momentum` = 1 for SoBiRL, µ < 1 for Stoc-SoBiRL.
    pub fn new(problem: &BilevelRl, x0: DVector<f64>, momentum: f64, seed: u64) -> Self {
        let mdp = &problem.mdp;
        let q = DVector::zeros(mdp.states * mdp.actions);
        Self {
            pi: mdp.policy(&q),
            q,
            step: 0,
            estimate: DVector::zeros(x0.len()),
            x: x0,
            momentum,
            seed,
            previous: None,
        }
    }

    /// N soft Bellman steps at r(x_k) from the previous Q, then x ← x − β(estimate or momentum) with M
    /// samples.
    pub fn step(
        &mut self,
        problem: &BilevelRl,
        beta: f64,
        bellman_steps: usize,
        samples: usize,
    ) -> Result<(), String> {
        let r = problem.reward(&self.x);
        for _ in 0..bellman_steps {
            self.q = problem.mdp.bellman(&r, &self.q);
        }
        self.pi = problem.mdp.policy(&self.q);
        let seed = step_seed(self.seed, self.step);
        let now = model_free_hypergradient(problem, &self.x, &self.pi, samples, seed)?;
        self.estimate = match &self.previous {
            Some((x_prev, pi_prev)) if self.momentum < 1.0 => {
                let then = model_free_hypergradient(problem, x_prev, pi_prev, samples, seed)?;
                &now + (&self.estimate - then) * (1.0 - self.momentum)
            }
            _ => now,
        };
        self.previous = Some((self.x.clone(), self.pi.clone()));
        self.x -= &self.estimate * beta;
        self.step += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::random::gaussian;
    use crate::numerics::rl::mdp::SoftMdp;
    use crate::numerics::rl::reward::RewardModel;
    use nalgebra::DMatrix;

    fn problem(upper: Upper) -> (BilevelRl, DVector<f64>) {
        let mdp = SoftMdp::random(3, 2, 0.5, 0.7, 11);
        let mut rng = SeededRng::seed_from_u64(12);
        let features = DMatrix::from_fn(6, 3, |_, _| gaussian(&mut rng));
        let x = DVector::from_fn(3, |_, _| 0.5 * gaussian(&mut rng));
        (
            BilevelRl {
                mdp,
                reward_model: RewardModel::Linear(features),
                upper,
            },
            x,
        )
    }

    /// Per-coordinate mean and standard deviation of single-sample estimates.
    fn moments(
        problem: &BilevelRl,
        x: &DVector<f64>,
        pi: &DVector<f64>,
        n: usize,
    ) -> (DVector<f64>, DVector<f64>) {
        let draws: Vec<DVector<f64>> = (0..n)
            .map(|k| model_free_hypergradient(problem, x, pi, 4, k as u64).unwrap_or_default())
            .collect();
        let mean = draws.iter().fold(DVector::zeros(x.len()), |a, d| a + d) / n as f64;
        let var = draws.iter().fold(DVector::zeros(x.len()), |a, d| {
            a + (d - &mean).map(|v| v * v)
        }) / (n - 1) as f64;
        (mean, var.map(f64::sqrt))
    }

    #[test]
    fn the_model_free_estimate_is_unbiased_for_the_exact_hypergradient() {
        let mut rng = SeededRng::seed_from_u64(13);
        let truth = DVector::from_fn(6, |_, _| gaussian(&mut rng));
        for upper in [
            Upper::Preferences {
                true_reward: truth.clone(),
                l2: 0.1,
            },
            Upper::Shaping {
                true_reward: truth.clone(),
                true_tau: 0.0,
                l2: 0.0,
            },
        ] {
            let (problem, x) = problem(upper);
            let (exact, sol) = problem.hypergradient(&x);
            let n = 10_000;
            let (mean, sd) = moments(&problem, &x, &sol.pi, n);
            for i in 0..3 {
                let se = sd[i] / (n as f64).sqrt();
                assert!(
                    (mean[i] - exact[i]).abs() < 4.5 * se,
                    "{:?} coordinate {i}: mean {} vs exact {} (standard error {se:.1e})",
                    problem.upper,
                    mean[i],
                    exact[i]
                );
            }
            if let Upper::Shaping { .. } = problem.upper {
                // The test has power: here ∇ₓf = 0, the whole hypergradient is the score term, far
                // outside the band around 0.
                let off = (0..3).any(|i| exact[i].abs() > 10.0 * sd[i] / (n as f64).sqrt());
                assert!(off, "exact {exact} is within noise of 0");
            }
        }
        let (problem, x) = problem(Upper::Synthetic);
        let pi = problem.follower(&x).pi;
        assert!(model_free_hypergradient(&problem, &x, &pi, 1, 0).is_err());
    }

    #[test]
    fn sobirl_and_stoc_sobirl_close_most_of_the_gap_to_exact_descent_on_preferences() {
        let mut rng = SeededRng::seed_from_u64(14);
        let truth = DVector::from_fn(6, |_, _| 2.0 * gaussian(&mut rng));
        let (problem, _) = problem(Upper::Preferences {
            true_reward: truth,
            l2: 0.01,
        });
        let x0 = DVector::zeros(3);
        let phi0 = problem.phi(&x0);
        let mut exact = crate::numerics::rl::baselines::ExactHgd::new(x0.clone());
        for _ in 0..300 {
            exact.step(&problem, 0.3);
        }
        let best = problem.phi(&exact.x);
        for momentum in [1.0, 0.2] {
            let mut run = SoBiRl::new(&problem, x0.clone(), momentum, 5);
            let mut late = 0.0;
            for k in 0..400 {
                run.step(&problem, 0.1, 5, 32)
                    .unwrap_or_else(|e| panic!("{e}"));
                if k >= 300 {
                    late += problem.phi(&run.x) / 100.0;
                }
            }
            assert!(
                late - best < 0.05 * (phi0 - best),
                "µ = {momentum}: φ {phi0} → mean {late} over the last 100 steps; exact descent {best}"
            );
        }
    }
}
