//! The bilevel RL view's presets: the three (inverse RL on a 5 × 5 grid, reward shaping, the
//! authors' random MDP) and RLHF preferences, the CBSO budget, a 12 × 12 maze and a 32 × 32 grid.

use super::{Env, Leader, RandomSpec, SoftRlState, slot};
use crate::numerics::rl::gridworld::Gridworld;
use crate::numerics::rl::lockstep::RlAlgorithm;
use crate::scenario::query::Preset;

/// The presets.
pub const PRESETS: [Preset<SoftRlState>; 9] = [
    Preset {
        name: "Inverse RL on a 5×5 grid",
        hint: "recover a reward from 20 expert trajectories (γ = 0.6): M-SoBiRL tracks exact hypergradient \
               descent, the partial hypergradient drifts off",
        state: SoftRlState::default,
    },
    Preset {
        name: "Reward shaping",
        hint: "choose a reward whose soft-optimal policy earns the most under the hidden true reward; \
               model-free SoBiRL estimates the same hypergradient from sampled trajectories",
        state: || SoftRlState {
            leader: Leader::Shaping,
            beta: 2.0,
            runs: [
                slot(true, RlAlgorithm::MSobirl),
                slot(true, RlAlgorithm::Exact),
                slot(true, RlAlgorithm::Sobirl),
                slot(true, RlAlgorithm::Pbrl),
            ],
            ..SoftRlState::default()
        },
    },
    Preset {
        name: "RLHF: preferences",
        hint: "learn a reward from Bradley–Terry labels on pairs of the follower's own clips; SoBiRL and \
               Stoc-SoBiRL use samples only",
        state: || SoftRlState {
            leader: Leader::Preferences,
            beta: 1.0,
            gamma: 0.8,
            runs: [
                slot(true, RlAlgorithm::Sobirl),
                slot(true, RlAlgorithm::Exact),
                slot(true, RlAlgorithm::StocSobirl),
                slot(true, RlAlgorithm::Partial),
            ],
            ..SoftRlState::default()
        },
    },
    Preset {
        name: "Constrained: a cost budget (CBSO)",
        hint: "the short way along the top row costs 1 per step; CBSO keeps the follower's expected cost \
               under the budget, the unconstrained runs spend more",
        state: || SoftRlState {
            leader: Leader::Shaping,
            gamma: 0.8,
            beta: 0.2,
            grid: Gridworld {
                costs: vec![[0, 0], [0, 1], [0, 2], [0, 3]],
                ..Gridworld::default()
            },
            constraint: true,
            budget: 0.3,
            runs: [
                slot(true, RlAlgorithm::Cbso),
                slot(true, RlAlgorithm::Exact),
                slot(true, RlAlgorithm::Pbrl),
                slot(false, RlAlgorithm::MSobirl),
            ],
            ..SoftRlState::default()
        },
    },
    Preset {
        name: "The authors' random MDP: S = 10, A = 5, γ = 0.5, τ = 0.01",
        hint: "M-SoBiRL's synthetic test (seeds README): f = ½‖x‖² + ½‖π‖², ξ = 0.5, β = 8e-3; r = τx",
        state: || SoftRlState {
            stop_at: 400,
            steps_per_frame: 5,
            runs: [
                slot(true, RlAlgorithm::MSobirl),
                slot(true, RlAlgorithm::Exact),
                slot(true, RlAlgorithm::Partial),
                slot(false, RlAlgorithm::Pbrl),
            ],
            ..authors_synthetic()
        },
    },
    Preset {
        name: "A 12×12 maze",
        hint: "a larger grid with a wall across the middle; inverse RL from 40 trajectories",
        state: || SoftRlState {
            grid: Gridworld {
                rows: 12,
                cols: 12,
                slip: 0.1,
                walls: (0..9).map(|c| [6, c]).collect(),
                goals: vec![[0, 11]],
                traps: vec![[3, 5]],
                start: [11, 0],
                costs: Vec::new(),
            },
            demos: 40,
            horizon: 40,
            gamma: 0.9,
            xi: 0.4,
            beta: 0.2,
            bellman_steps: 40,
            ..SoftRlState::default()
        },
    },
    Preset {
        name: "A 32×32 grid",
        hint: "1024 states, inverse RL from 30 expert trajectories around a long wall (γ = 0.98, τ = 0.02): \
               sparse solves keep each step in milliseconds",
        state: || SoftRlState {
            grid: Gridworld {
                rows: 32,
                cols: 32,
                slip: 0.1,
                walls: (0..24).map(|c| [16, c]).collect(),
                goals: vec![[0, 31]],
                traps: vec![[8, 20], [24, 8]],
                start: [31, 0],
                costs: Vec::new(),
            },
            demos: 30,
            horizon: 100,
            gamma: 0.98,
            tau: 0.02,
            beta: 0.01,
            xi: 0.4,
            bellman_steps: 20,
            l2: 0.001,
            ..SoftRlState::default()
        },
    },
    Preset {
        name: "Baselines: PARL, HPGD, DRLHF",
        hint: "preferences again, with the slides' baselines beside exact descent: PARL (AID with N \
               Bellman steps and the exact linear solve), HPGD (the follower solved each step, SGD on \
               the sampled hypergradient) and DRLHF (leader steps on the preference loss alone)",
        state: || SoftRlState {
            leader: Leader::Preferences,
            beta: 0.3,
            gamma: 0.8,
            runs: [
                slot(true, RlAlgorithm::Exact),
                slot(true, RlAlgorithm::Parl),
                slot(true, RlAlgorithm::Hpgd),
                slot(true, RlAlgorithm::Drlhf),
            ],
            ..SoftRlState::default()
        },
    },
    Preset {
        name: "M-SoBiRL on the authors' quadratic reward, x in 100 dimensions",
        hint: "r_sa = c_sa·(x·Mx) as their code draws it, f = ½‖x‖² + ½‖π‖², β = 8e-3, ξ = 0.5, N = 10: exact \
               descent reaches φ* = S/(2A) = 1 at x = 0; M-SoBiRL from its cold start (Q = 0, w = 0) is \
               kicked out to ‖x‖ ≈ 1e20 within 200 steps and only decays at the rate 1 − β afterwards",
        state: || SoftRlState {
            random: RandomSpec {
                quadratic: true,
                ..RandomSpec::default()
            },
            stop_at: 3000,
            steps_per_frame: 20,
            runs: [
                slot(true, RlAlgorithm::MSobirl),
                slot(true, RlAlgorithm::Exact),
                slot(false, RlAlgorithm::Partial),
                slot(false, RlAlgorithm::Pbrl),
            ],
            ..authors_synthetic()
        },
    },
];

/// M-SoBiRL's synthetic test as the authors' code sets it (seeds README): a random MDP, S = 10, A = 5,
/// γ = 0.5, τ = 0.01, f = ½‖x‖² + ½‖π‖², β = 8e-3, ξ = 0.5, N = 10.
fn authors_synthetic() -> SoftRlState {
    SoftRlState {
        env: Env::Random,
        leader: Leader::Synthetic,
        gamma: 0.5,
        tau: 0.01,
        beta: 8e-3,
        xi: 0.5,
        bellman_steps: 10,
        ..SoftRlState::default()
    }
}
