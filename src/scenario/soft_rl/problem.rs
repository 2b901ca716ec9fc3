//! The problem, the runs' settings and the start a soft-RL state builds: the MDP, the true reward and cost,
//! the demonstrations, the leader's objective.

use nalgebra::{DMatrix, DVector};
use rand::{Rng as _, SeedableRng as _};

use super::{DemoSource, Env, Leader, SoftRlState};
use crate::numerics::random::{SeededRng, categorical, gaussian};
use crate::numerics::rl::gridworld::MOVES;
use crate::numerics::rl::hypergradient::{BilevelRl, PREFERENCE_PAIRS, Upper};
use crate::numerics::rl::lockstep::{RlAlgorithm, Settings};
use crate::numerics::rl::mdp::SoftMdp;
use crate::numerics::rl::penalty::Budget;
use crate::numerics::rl::reward::RewardModel;

impl SoftRlState {
    pub fn mdp(&self) -> Result<SoftMdp, String> {
        match self.env {
            Env::Gridworld => self
                .grid
                .mdp(self.gamma, self.tau)
                .map_err(|e| format!("`grid.{e}")),
            Env::Random => Ok(SoftMdp::random_mdp(
                self.random.states,
                self.random.actions,
                (self.gamma, self.tau),
                self.random.seed,
                self.random.sparse,
            )),
        }
    }

    /// The hidden true reward per state–action pair: the gridworld's (goal +1, trap −1, step −0.02), or
    /// seeded standard normals for a random MDP.
    pub fn true_reward(&self) -> DVector<f64> {
        match self.env {
            Env::Gridworld => self.grid.true_reward(),
            Env::Random => self.per_pair(0x7275, gaussian),
        }
    }

    /// The constraint's cost: 1 per step in the gridworld's cost cells, or seeded uniforms in [0, 1).
    pub fn cost(&self) -> DVector<f64> {
        match self.env {
            Env::Gridworld => self.grid.cost(),
            Env::Random => self.per_pair(0x636f, |rng| rng.random_range(0.0..1.0)),
        }
    }

    /// One seeded draw per state–action pair of the random MDP (`salt` keeps the draws apart).
    fn per_pair(&self, salt: u64, mut draw: impl FnMut(&mut SeededRng) -> f64) -> DVector<f64> {
        let mut rng = SeededRng::seed_from_u64(self.random.seed ^ salt);
        DVector::from_fn(self.random.states * self.random.actions, |_, _| {
            draw(&mut rng)
        })
    }

    /// `demos` trajectories of `horizon` steps from ρ under the expert's policy (π* of the true reward),
    /// drawn with `seed`: their (state, action) pairs.
    pub fn demonstrations(&self, mdp: &SoftMdp) -> Vec<(usize, usize)> {
        self.demonstrations_of(mdp, &mdp.solve(&self.true_reward()).pi)
    }

    /// [`Self::demonstrations`] under an expert policy already solved (`expert`, π* of the true reward).
    fn demonstrations_of(&self, mdp: &SoftMdp, expert: &DVector<f64>) -> Vec<(usize, usize)> {
        let mut rng = SeededRng::seed_from_u64(self.seed);
        let mut pairs = Vec::with_capacity(self.demos * self.horizon);
        for _ in 0..self.demos {
            let mut s = categorical(mdp.rho.iter().copied().enumerate(), &mut rng);
            for _ in 0..self.horizon {
                let a = categorical(
                    (0..mdp.actions).map(|a| (a, expert[s * mdp.actions + a])),
                    &mut rng,
                );
                pairs.push((s, a));
                s = categorical(mdp.row(s * mdp.actions + a).iter().copied(), &mut rng);
            }
        }
        pairs
    }

    /// The bilevel problem: on a gridworld one reward coordinate per cell (r_sa = x_s); on a random MDP
    /// r = τ·x, one coordinate per pair.
    pub fn problem(&self) -> Result<BilevelRl, String> {
        self.problem_with_expert(None)
    }

    /// Whether the problem's demonstrations are drawn from the expert's policy (inverse RL, demonstrations
    /// not drawn by hand): building it solves the MDP for the true reward first ([`Self::demonstrations`]),
    /// which a view spreads over frames and hands to [`Self::problem_with_expert`].
    pub fn needs_expert(&self) -> bool {
        self.leader == Leader::InverseRl
            && !(self.env == Env::Gridworld && self.demos_from == DemoSource::Drawn)
    }

    /// [`Self::problem`] with the expert's policy (π* of [`Self::true_reward`] on [`Self::mdp`]) already
    /// solved where [`Self::needs_expert`]; `None` solves it here.
    pub fn problem_with_expert(&self, expert: Option<&DVector<f64>>) -> Result<BilevelRl, String> {
        let mdp = self.mdp()?;
        let truth = self.true_reward();
        let upper = match self.leader {
            Leader::InverseRl => {
                let demos = match (self.env, self.demos_from) {
                    (Env::Gridworld, DemoSource::Drawn) => {
                        let pairs = self.drawn_pairs();
                        if pairs.is_empty() {
                            return Err("`drawn`: draw a path of at least two neighbouring cells \
                                        (tool \"draw demo\", click from the start outwards)"
                                .to_owned());
                        }
                        pairs
                    }
                    _ => match expert {
                        Some(pi) => self.demonstrations_of(&mdp, pi),
                        None => self.demonstrations(&mdp),
                    },
                };
                Upper::ExpertNll { demos, l2: self.l2 }
            }
            Leader::Shaping => Upper::Shaping {
                true_reward: truth,
                true_tau: 0.0,
                l2: self.l2,
            },
            Leader::Preferences => Upper::Preferences {
                true_reward: truth,
                l2: self.l2,
            },
            Leader::Synthetic => Upper::Synthetic,
        };
        let reward_model = match self.env {
            Env::Gridworld => RewardModel::PerState {
                states: mdp.states,
                actions: mdp.actions,
            },
            Env::Random if self.random.quadratic => RewardModel::authors_quadratic(
                mdp.states,
                mdp.actions,
                self.random.dim,
                self.random.seed,
            ),
            Env::Random => RewardModel::Linear(
                DMatrix::identity(mdp.states * mdp.actions, mdp.states * mdp.actions) * self.tau,
            ),
        };
        let problem = BilevelRl {
            reward_model,
            mdp,
            upper,
        };
        problem.check().map_err(|e| {
            format!(
                "`leader`: {e} (preferences take grids up to {} cells)",
                PREFERENCE_PAIRS / MOVES.len()
            )
        })?;
        Ok(problem)
    }

    /// The cost budget when the constraint is on.
    pub fn budget(&self) -> Option<Budget> {
        self.constraint.then(|| Budget {
            cost: self.cost(),
            budget: self.budget,
            weight: self.cost_weight,
        })
    }

    pub fn settings(&self) -> Settings {
        Settings {
            beta: self.beta,
            xi: self.xi,
            bellman_steps: self.bellman_steps,
            samples: self.samples,
            momentum: self.momentum,
            lambda: self.lambda,
            policy_lr: self.policy_lr,
            seed: self.seed,
            leader_steps: self.leader_steps,
            cbso_batch: self.cbso_batch,
            cbso_horizon: self.cbso_horizon,
            // On a random MDP M-SoBiRL starts as the authors' code does, w₀ ~ N(0, I) (x₀ likewise: `x0`).
            w0_seed: (self.env == Env::Random).then_some(self.random.seed ^ 0x7730),
        }
    }

    /// The algorithms of the runs that are on, with their slot numbers.
    pub fn algorithms(&self) -> Vec<(usize, RlAlgorithm)> {
        self.runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.on)
            .map(|(k, r)| (k, r.algorithm))
            .collect()
    }

    /// x₀: 0 on a gridworld (every cell's reward 0); seeded standard normals on a random MDP (as the
    /// authors' code draws x₀ for the quadratic reward).
    pub fn x0(&self) -> DVector<f64> {
        match self.env {
            Env::Gridworld => DVector::zeros(self.grid.rows * self.grid.cols),
            Env::Random => {
                let mut rng = SeededRng::seed_from_u64(self.random.seed ^ 0x7830);
                let n = if self.random.quadratic {
                    self.random.dim
                } else {
                    self.random.states * self.random.actions
                };
                DVector::from_fn(n, |_, _| gaussian(&mut rng))
            }
        }
    }
}
