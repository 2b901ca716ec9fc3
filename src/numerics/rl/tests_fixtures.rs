//! The bilevel RL problems the tests share: the default 5 × 5 gridworld under a leader.

use super::gridworld::Gridworld;
use super::hypergradient::{BilevelRl, Upper};
use super::reward::RewardModel;

/// A gridworld's MDP (discount γ, temperature τ) under `upper`, one reward per state.
pub fn on_grid(g: &Gridworld, gamma: f64, tau: f64, upper: Upper) -> BilevelRl {
    let mdp = g.mdp(gamma, tau).unwrap_or_else(|e| panic!("{e}"));
    BilevelRl {
        reward_model: RewardModel::PerState {
            states: mdp.states,
            actions: mdp.actions,
        },
        mdp,
        upper,
    }
}

/// Reward shaping on the default grid (γ = 0.8, τ = 0.3, ℓ₂ = 0.05).
pub fn shaping() -> BilevelRl {
    let g = Gridworld::default();
    let upper = Upper::Shaping {
        true_reward: g.true_reward(),
        true_tau: 0.0,
        l2: 0.05,
    };
    on_grid(&g, 0.8, 0.3, upper)
}

/// The expert's most likely action in states 20, 15, 10, 5, 0, 1, 2, 3 of the default grid (γ = 0.9,
/// τ = 0.3), as demonstrations.
pub fn expert_demos(g: &Gridworld) -> Vec<(usize, usize)> {
    let mdp = g.mdp(0.9, 0.3).unwrap_or_else(|e| panic!("{e}"));
    let expert = mdp.solve(&g.true_reward());
    [20usize, 15, 10, 5, 0, 1, 2, 3]
        .iter()
        .map(|&s| {
            let a = (0..4)
                .max_by(|&i, &j| expert.pi[s * 4 + i].total_cmp(&expert.pi[s * 4 + j]))
                .unwrap_or(0);
            (s, a)
        })
        .collect()
}

/// Inverse RL on the default grid (γ = 0.9, τ = 0.3) from [`expert_demos`], ℓ₂ = 0.01.
pub fn inverse_rl() -> BilevelRl {
    let g = Gridworld::default();
    let demos = expert_demos(&g);
    on_grid(&g, 0.9, 0.3, Upper::ExpertNll { demos, l2: 0.01 })
}
