//! Bilevel RL on a soft MDP (seed 001, "Model-based Soft BiRL"): the leader picks x, the reward is
//! r(x) = Φ x (features Φ, (S·A) × n), the follower plays π*(x), the entropy-regularized optimum; the
//! leader minimizes φ(x) = f(x, π*(x)). The exact (model-based, dense) hypergradient:
//!
//!   ∇φ(x) = ∇ₓf + τ⁻¹ Φᵀ diag(π*) g − τ⁻¹ (Π Φ)ᵀ (I − γP_π*)⁻ᵀ Uᵀ diag(π*) g,     g = ∇_π f(x, π*),
//!
//! from ∇π* = τ⁻¹ diag(π*)(Φ − U ∇V*) and ∇V* = (I − γP_π*)⁻¹ Π Φ (differentiating φ(x, V*) = V*:
//! ∇ₓφ = Π Φ, ∇ᵥφ = γP_π*). Here U = E − γP with E[(s, a), s] = 1 — the linear map with
//! (U V)_sa = V_s − γ Σ_s' P_sas' V_s', so that log π*_sa = (r_sa + γ(PV*)_sa − V*_s)/τ = (r_sa − (UV*)_sa)/τ.
//! (The slides' U is this map; with E alone the γP∇V* term of ∇π* would be lost, and finite differences
//! of φ disagree — see the tests.)
//!
//! For a nonlinear reward model (`reward.rs`) the same formula holds with Φ replaced by the Jacobian
//! J(x) = ∂r/∂x, since π* depends on x only through r; every Φᵀ below is `RewardModel::pull_back`.

use nalgebra::DVector;

use super::mdp::{SoftMdp, SoftSolution};
use super::reward::RewardModel;
use crate::numerics::logistic::{log_sigmoid, sigmoid};

/// The leader's objective f(x, π), each with an optional (l2/2)‖x‖².
#[derive(Clone, Debug, PartialEq)]
pub enum Upper {
    /// Inverse RL: f = −(1/N) Σ log π(a|s) over demonstrated (s, a) pairs.
    ExpertNll { demos: Vec<(usize, usize)>, l2: f64 },
    /// Reward shaping: f = −ρᵀ V̄^π, the soft value of π under a "true" reward and temperature (with
    /// `true_tau` = 0, the plain discounted return — a trajectory expectation, so model-free SoBiRL applies).
    Shaping {
        true_reward: DVector<f64>,
        true_tau: f64,
        l2: f64,
    },
    /// RLHF-style preferences (seed 001, "RL from human feedback"): two clips (s, a) drawn independently
    /// from the follower's discounted occupancy d^π, a label y ~ Bernoulli(σ(r̄_1 − r̄_2)) from the hidden
    /// true reward r̄ (Bradley–Terry), and the reward model r(x)'s logistic loss
    /// l = −y log σ(r_1 − r_2) − (1 − y) log σ(r_2 − r_1). In expectation
    /// f = Σ_ij d_i d_j L_ij(x),  L_ij = −p_ij log σ(Δ_ij) − (1 − p_ij) log σ(−Δ_ij),
    /// Δ_ij = r_i(x) − r_j(x), p_ij = σ(r̄_i − r̄_j).
    Preferences { true_reward: DVector<f64>, l2: f64 },
    /// The authors' synthetic objective f = ½‖x‖² + ½‖π‖².
    Synthetic,
}

/// Largest S·A the preference objective takes: it sums over all (S·A)² pairs of clips.
pub const PREFERENCE_PAIRS: usize = 1024;

impl Upper {
    /// The objective's name in messages.
    pub fn label(&self) -> &'static str {
        match self {
            Upper::ExpertNll { .. } => "expert NLL (inverse RL)",
            Upper::Shaping { true_tau, .. } if *true_tau == 0.0 => "shaping",
            Upper::Shaping { .. } => "shaping with an entropy bonus (true τ > 0)",
            Upper::Preferences { .. } => "preferences",
            Upper::Synthetic => "the synthetic objective",
        }
    }

    pub fn l2(&self) -> f64 {
        match self {
            Upper::ExpertNll { l2, .. }
            | Upper::Shaping { l2, .. }
            | Upper::Preferences { l2, .. } => *l2,
            Upper::Synthetic => 1.0,
        }
    }

    /// f(x, π) given r = r(x).
    pub fn value(
        &self,
        mdp: &SoftMdp,
        x: &DVector<f64>,
        r: &DVector<f64>,
        pi: &DVector<f64>,
    ) -> f64 {
        let reg = 0.5 * self.l2() * x.norm_squared();
        reg + match self {
            Upper::ExpertNll { demos, .. } => {
                let n = demos.len().max(1) as f64;
                -demos
                    .iter()
                    .map(|&(s, a)| pi[s * mdp.actions + a].ln())
                    .sum::<f64>()
                    / n
            }
            Upper::Shaping {
                true_reward,
                true_tau,
                ..
            } => -mdp.rho.dot(&mdp.policy_value(pi, true_reward, *true_tau)),
            Upper::Preferences { true_reward, .. } => {
                let d = mdp.occupancy(pi);
                let (ld, _) = preference_sums(r, true_reward, &d);
                d.dot(&ld)
            }
            Upper::Synthetic => 0.5 * pi.norm_squared(),
        }
    }

    /// (∇ₓf through the regularizer, ∂f/∂r, ∇_π f), π's entries taken as free coordinates; the chain rule
    /// through r = Φx is the caller's ([`BilevelRl::f_gradients`]).
    pub fn gradients(
        &self,
        mdp: &SoftMdp,
        x: &DVector<f64>,
        r: &DVector<f64>,
        pi: &DVector<f64>,
    ) -> (DVector<f64>, DVector<f64>, DVector<f64>) {
        let gx = x * self.l2();
        let mut gr = DVector::zeros(pi.len());
        let gpi = match self {
            Upper::ExpertNll { demos, .. } => {
                let n = demos.len().max(1) as f64;
                let mut g = DVector::zeros(pi.len());
                for &(s, a) in demos {
                    let i = s * mdp.actions + a;
                    g[i] -= 1.0 / (n * pi[i]);
                }
                g
            }
            Upper::Shaping {
                true_reward,
                true_tau,
                ..
            } => -mdp.policy_value_gradient(pi, true_reward, *true_tau).1,
            Upper::Preferences { true_reward, .. } => {
                let d = mdp.occupancy(pi);
                let (ld, slope) = preference_sums(r, true_reward, &d);
                // ∂f/∂r_i = 2 d_i Σ_j d_j (σ(Δ_ij) − p_ij); ∂f/∂d = 2 L d, chained through d(π).
                gr = d.component_mul(&slope) * 2.0;
                mdp.occupancy_pullback(pi, &(ld * 2.0))
            }
            Upper::Synthetic => pi.clone(),
        };
        (gx, gr, gpi)
    }
}

/// (L d, Σ_j d_j (σ(Δ_ij) − p_ij)) for the preference objective, over all pairs.
fn preference_sums(
    r: &DVector<f64>,
    true_reward: &DVector<f64>,
    d: &DVector<f64>,
) -> (DVector<f64>, DVector<f64>) {
    let n = r.len();
    let mut ld = DVector::zeros(n);
    let mut slope = DVector::zeros(n);
    for i in 0..n {
        let (mut acc, mut acc_slope) = (0.0, 0.0);
        for j in 0..n {
            if d[j] == 0.0 {
                continue;
            }
            let delta = r[i] - r[j];
            let p = sigmoid(true_reward[i] - true_reward[j]);
            acc -= d[j] * (p * log_sigmoid(delta) + (1.0 - p) * log_sigmoid(-delta));
            acc_slope += d[j] * (sigmoid(delta) - p);
        }
        ld[i] = acc;
        slope[i] = acc_slope;
    }
    (ld, slope)
}

/// Uᵀ v for v over pairs: (Uᵀv)_s = Σ_a v_sa − γ Σ_(s',a') P_s'a's v_s'a' (sparse).
pub fn u_transpose_times(mdp: &SoftMdp, v: &DVector<f64>) -> DVector<f64> {
    let mut out = DVector::zeros(mdp.states);
    for (i, vi) in v.iter().enumerate() {
        out[i / mdp.actions] += vi;
        for &(t, p) in mdp.row(i) {
            out[t] -= mdp.gamma * p * vi;
        }
    }
    out
}

/// The bilevel RL problem: an MDP, the reward model r(x) and the leader's objective.
#[derive(Clone, Debug, PartialEq)]
pub struct BilevelRl {
    pub mdp: SoftMdp,
    pub reward_model: RewardModel,
    pub upper: Upper,
}

impl BilevelRl {
    pub fn reward(&self, x: &DVector<f64>) -> DVector<f64> {
        self.reward_model.at(x)
    }

    /// J(x)ᵀ v (Φᵀv for a linear reward).
    pub fn pull_back(&self, x: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        self.reward_model.pull_back(x, v)
    }

    /// n, the leader's dimension.
    pub fn dim(&self) -> usize {
        self.reward_model.dim()
    }

    /// π*(x) and friends, by soft value iteration to a tight tolerance.
    pub fn follower(&self, x: &DVector<f64>) -> SoftSolution {
        self.mdp.solve(&self.reward(x))
    }

    /// f(x, π).
    pub fn f(&self, x: &DVector<f64>, pi: &DVector<f64>) -> f64 {
        self.upper.value(&self.mdp, x, &self.reward(x), pi)
    }

    /// (∇ₓf, ∇_π f) at (x, π), with ∇ₓf = l2·x + J(x)ᵀ ∂f/∂r.
    pub fn f_gradients(&self, x: &DVector<f64>, pi: &DVector<f64>) -> (DVector<f64>, DVector<f64>) {
        let (gx, gr, gpi) = self.upper.gradients(&self.mdp, x, &self.reward(x), pi);
        (gx + self.pull_back(x, &gr), gpi)
    }

    /// φ(x) = f(x, π*(x)).
    pub fn phi(&self, x: &DVector<f64>) -> f64 {
        self.f(x, &self.follower(x).pi)
    }

    /// f(x, softmax(Q/τ)): φ from a Q computed elsewhere (e.g. the GPU's batched soft value iteration).
    pub fn phi_from_q(&self, x: &DVector<f64>, q: &DVector<f64>) -> f64 {
        self.f(x, &self.mdp.policy(q))
    }

    /// Checks what the objective needs of the problem's size; the error names the field.
    pub fn check(&self) -> Result<(), String> {
        let pairs = self.mdp.states * self.mdp.actions;
        if matches!(self.upper, Upper::Preferences { .. }) && pairs > PREFERENCE_PAIRS {
            return Err(format!(
                "upper: the preference objective sums over all pairs of clips: at most \
                 {PREFERENCE_PAIRS} state–action pairs, got {pairs}"
            ));
        }
        Ok(())
    }

    /// The leader's points on a side × side grid over coordinates (i, j) of `base` in `window`
    /// [a0, a1] × [b0, b1] (row 0 on top), row-major — for φ landscapes.
    pub fn grid_points(
        base: &DVector<f64>,
        (i, j): (usize, usize),
        [a0, a1, b0, b1]: [f64; 4],
        side: usize,
    ) -> Vec<DVector<f64>> {
        (0..side * side)
            .map(|k| {
                let (c, r) = ((k % side) as f64, (k / side) as f64);
                let mut x = base.clone();
                x[i] = a0 + (a1 - a0) * (c + 0.5) / side as f64;
                x[j] = b1 - (b1 - b0) * (r + 0.5) / side as f64;
                x
            })
            .collect()
    }

    /// The exact hypergradient at x (module docs) with the follower's solution it used.
    pub fn hypergradient(&self, x: &DVector<f64>) -> (DVector<f64>, SoftSolution) {
        let sol = self.follower(x);
        let g = self.hypergradient_at(x, &sol.pi, None);
        (g, sol)
    }

    /// The hypergradient estimate at (x, π) (M-SoBiRL's ∇̂φ): with `w` given, w stands for
    /// (I − γP_π)⁻ᵀ Uᵀ diag(π) g; without, that solve is exact.
    pub fn hypergradient_at(
        &self,
        x: &DVector<f64>,
        pi: &DVector<f64>,
        w: Option<&DVector<f64>>,
    ) -> DVector<f64> {
        let (gx, gpi) = self.f_gradients(x, pi);
        gx + self.pull_back(x, &self.through_policy(pi, &gpi, w))
    }

    /// ∇_r G(π*(r)) for a function G of the policy with gradient g = ∇_π G at π = π*(r), in pair space:
    /// τ⁻¹(diag(π) g − Πᵀ w), (Πᵀ w)_sa = π_sa w_s, w = (I − γP_π)⁻ᵀ Uᵀ diag(π) g (or the given w). The
    /// hypergradient is ∇ₓf + J(x)ᵀ of this with g = ∇_π f.
    pub fn through_policy(
        &self,
        pi: &DVector<f64>,
        gpi: &DVector<f64>,
        w: Option<&DVector<f64>>,
    ) -> DVector<f64> {
        let w = match w {
            Some(w) => w.clone(),
            None => self.w_exact(pi, gpi),
        };
        let a = self.mdp.actions;
        DVector::from_fn(pi.len(), |i, _| pi[i] * (gpi[i] - w[i / a])) / self.mdp.tau
    }

    /// b = Uᵀ diag(π) g, the right-hand side of the system A w = b, A = (I − γP_π)ᵀ, that M-SoBiRL's w
    /// tracks.
    pub fn w_rhs(&self, pi: &DVector<f64>, gpi: &DVector<f64>) -> DVector<f64> {
        u_transpose_times(&self.mdp, &pi.component_mul(gpi))
    }

    /// A w = (I − γP_π)ᵀ w.
    pub fn apply_a(&self, pi: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        w - self.mdp.p_pi_transpose_times(pi, w) * self.mdp.gamma
    }

    /// Aᵀ v = (I − γP_π) v.
    pub fn apply_a_transpose(&self, pi: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        v - self.mdp.p_pi_times(pi, v) * self.mdp.gamma
    }

    fn w_exact(&self, pi: &DVector<f64>, gpi: &DVector<f64>) -> DVector<f64> {
        self.mdp.solve_policy(pi, &self.w_rhs(pi, gpi), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::random::{SeededRng, gaussian};
    use nalgebra::DMatrix;
    use rand::SeedableRng as _;

    fn central_difference(problem: &BilevelRl, x: &DVector<f64>, h: f64) -> DVector<f64> {
        DVector::from_fn(x.len(), |i, _| {
            let (mut p, mut m) = (x.clone(), x.clone());
            p[i] += h;
            m[i] -= h;
            (problem.phi(&p) - problem.phi(&m)) / (2.0 * h)
        })
    }

    fn random_problem(upper: Upper, seed: u64) -> (BilevelRl, DVector<f64>) {
        let mdp = SoftMdp::random(5, 3, 0.8, 0.7, seed);
        let mut rng = SeededRng::seed_from_u64(seed + 100);
        let features = DMatrix::from_fn(15, 4, |_, _| gaussian(&mut rng));
        let x = DVector::from_fn(4, |_, _| 0.5 * gaussian(&mut rng));
        (
            BilevelRl {
                mdp,
                reward_model: RewardModel::Linear(features),
                upper,
            },
            x,
        )
    }

    fn check(upper: Upper, seed: u64) {
        let (problem, x) = random_problem(upper, seed);
        let (exact, _) = problem.hypergradient(&x);
        let fd = central_difference(&problem, &x, 1e-5);
        let rel = (&exact - &fd).norm() / fd.norm().max(1e-12);
        assert!(
            rel < 1e-6,
            "{:?}: exact {exact} vs FD {fd} (rel {rel:.1e})",
            problem.upper
        );
    }

    #[test]
    fn the_exact_hypergradient_matches_finite_differences_of_phi() {
        check(Upper::Synthetic, 1);
        check(
            Upper::ExpertNll {
                demos: vec![(0, 1), (1, 0), (2, 2), (4, 1), (4, 1)],
                l2: 0.1,
            },
            2,
        );
        let mut rng = SeededRng::seed_from_u64(9);
        check(
            Upper::Shaping {
                true_reward: DVector::from_fn(15, |_, _| gaussian(&mut rng)),
                true_tau: 0.3,
                l2: 0.0,
            },
            3,
        );
        let mut rng = SeededRng::seed_from_u64(10);
        check(
            Upper::Shaping {
                true_reward: DVector::from_fn(15, |_, _| gaussian(&mut rng)),
                true_tau: 0.0,
                l2: 0.2,
            },
            6,
        );
        check(
            Upper::Preferences {
                true_reward: DVector::from_fn(15, |_, _| gaussian(&mut rng)),
                l2: 0.05,
            },
            7,
        );
    }

    #[test]
    fn with_the_quadratic_reward_model_the_exact_hypergradient_matches_finite_differences() {
        // π* depends on x only through r, so Φ → J(x) everywhere (module docs); the preference objective
        // also has ∂f/∂r, pulled back through the same J(x)ᵀ.
        let mut rng = SeededRng::seed_from_u64(21);
        let truth = DVector::from_fn(15, |_, _| gaussian(&mut rng));
        for upper in [
            Upper::Synthetic,
            Upper::Preferences {
                true_reward: truth,
                l2: 0.1,
            },
        ] {
            let problem = BilevelRl {
                mdp: SoftMdp::random(5, 3, 0.8, 0.7, 3),
                reward_model: RewardModel::authors_quadratic(5, 3, 4, 5),
                upper,
            };
            let x = DVector::from_fn(4, |_, _| 0.5 * gaussian(&mut rng));
            let (exact, _) = problem.hypergradient(&x);
            let fd = central_difference(&problem, &x, 1e-5);
            let rel = (&exact - &fd).norm() / fd.norm().max(1e-12);
            assert!(
                rel < 1e-6,
                "{:?}: {exact} vs FD {fd} (rel {rel:.1e})",
                problem.upper
            );
        }
    }

    #[test]
    fn the_preference_objective_is_the_expected_bradley_terry_loss_of_two_sampled_clips() {
        // Enumerate the (S·A)² clip pairs and both labels directly: d_i d_j (p_ij l(y = 1) + …).
        let mut rng = SeededRng::seed_from_u64(3);
        let truth = DVector::from_fn(15, |_, _| gaussian(&mut rng));
        let (problem, x) = random_problem(
            Upper::Preferences {
                true_reward: truth.clone(),
                l2: 0.0,
            },
            8,
        );
        let pi = problem.follower(&x).pi;
        let d = problem.mdp.occupancy(&pi);
        let r = problem.reward(&x);
        let mut expected = 0.0;
        for i in 0..15 {
            for j in 0..15 {
                let p = 1.0 / (1.0 + (truth[j] - truth[i]).exp());
                let s = 1.0 / (1.0 + (r[j] - r[i]).exp());
                expected += d[i] * d[j] * -(p * s.ln() + (1.0 - p) * (1.0 - s).ln());
            }
        }
        assert!((problem.f(&x, &pi) - expected).abs() < 1e-12);
    }

    #[test]
    fn phi_from_the_follower_s_q_is_phi_and_grid_points_cover_the_window() {
        let (problem, x) = random_problem(Upper::Synthetic, 5);
        let q = problem.follower(&x).q;
        assert!((problem.phi_from_q(&x, &q) - problem.phi(&x)).abs() < 1e-14);
        let pts = BilevelRl::grid_points(&x, (0, 2), [-1.0, 1.0, 0.0, 2.0], 4);
        assert_eq!(pts.len(), 16);
        assert_eq!((pts[0][0], pts[0][2]), (-0.75, 1.75), "top left");
        assert_eq!((pts[15][0], pts[15][2]), (0.75, 0.25), "bottom right");
        assert_eq!(pts[5][1], x[1], "other coordinates stay");
    }

    #[test]
    fn with_e_alone_in_place_of_u_the_formula_misses_finite_differences() {
        // The γP∇V* term matters: replacing U = E − γP by E changes the hypergradient measurably.
        let (problem, x) = random_problem(Upper::Synthetic, 4);
        let sol = problem.follower(&x);
        let (_, gpi) = problem.f_gradients(&x, &sol.pi);
        let a = (DMatrix::identity(5, 5) - problem.mdp.transition_under(&sol.pi) * 0.8).transpose();
        let mut e = DMatrix::zeros(15, 5);
        for i in 0..15 {
            e[(i, i / 3)] = 1.0;
        }
        let b_e = e.transpose() * sol.pi.component_mul(&gpi);
        let w_e = a.lu().solve(&b_e).unwrap_or_default();
        let wrong = problem.hypergradient_at(&x, &sol.pi, Some(&w_e));
        let fd = central_difference(&problem, &x, 1e-5);
        let rel = (&wrong - &fd).norm() / fd.norm();
        assert!(rel > 1e-3, "E alone should be visibly off, rel {rel:.1e}");
    }
}
