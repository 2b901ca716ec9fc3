//! The soft-MDP bilevel RL view's state (issue 7): the gridworld, γ, τ, the leader (inverse RL from
//! expert demonstrations, or reward shaping against the hidden true reward), the step sizes of M-SoBiRL,
//! exact hypergradient descent and the alternating baseline, and the cell-editing tool. One serde struct
//! with defaults (URL hash), and the problem it builds.

use nalgebra::DVector;
use rand::{Rng as _, SeedableRng as _};
use serde::{Deserialize, Serialize};

use super::query::{Preset, Validate, check_f64, check_usize};
use crate::numerics::random::SeededRng;
use crate::numerics::rl::gridworld::{Gridworld, state_features};
use crate::numerics::rl::hypergradient::{BilevelRl, Upper};
use crate::numerics::rl::mdp::SoftMdp;

/// The leader's objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leader {
    /// Negative log-likelihood of demonstrations drawn from the expert (π* of the hidden true reward).
    InverseRl,
    /// The soft value of the follower's policy under the hidden true reward.
    Shaping,
}

/// What a click on the editor grid does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    Wall,
    Goal,
    Trap,
    Start,
}

/// Everything a shared link restores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SoftRlState {
    pub grid: Gridworld,
    pub gamma: f64,
    pub tau: f64,
    pub leader: Leader,
    /// Expert trajectories and their length (inverse RL).
    pub demos: usize,
    pub horizon: usize,
    pub seed: u64,
    pub l2: f64,
    /// Outer step β (all three runs), M-SoBiRL's w step ξ (its w-iteration contracts for
    /// ξ < 2/λ_max(AᵀA); λ_max ≤ (1 + γ)², so ξ < 2/(1 + γ)² is always safe) and Bellman steps N per
    /// outer step.
    pub beta: f64,
    pub xi: f64,
    pub bellman_steps: usize,
    pub steps_per_frame: usize,
    pub stop_at: usize,
    /// The run whose grids are drawn (0 M-SoBiRL, 1 exact, 2 alternating).
    pub shown: usize,
    pub tool: Tool,
}

impl Default for SoftRlState {
    fn default() -> Self {
        Self {
            grid: Gridworld::default(),
            gamma: 0.6,
            tau: 0.3,
            leader: Leader::InverseRl,
            demos: 20,
            horizon: 12,
            seed: 0,
            l2: 0.01,
            beta: 0.3,
            xi: 1.0,
            bellman_steps: 20,
            steps_per_frame: 1,
            stop_at: 300,
            shown: 0,
            tool: Tool::Wall,
        }
    }
}

/// Slider ranges.
pub mod range {
    /// The view steps three exact solves per frame on the CPU: it takes grids up to 12 × 12 until its
    /// time-sliced / GPU path lands (the numerics and the CLI take up to 32 × 32).
    pub const SIDE: (usize, usize) = (2, 12);
    pub const GAMMA: (f64, f64) = (0.0, 0.99);
    pub const TAU: (f64, f64) = (0.01, 10.0);
    pub const DEMOS: (usize, usize) = (1, 500);
    pub const HORIZON: (usize, usize) = (1, 200);
    pub const L2: (f64, f64) = (0.0, 10.0);
    pub const STEP: (f64, f64) = (1e-4, 10.0);
    pub const BELLMAN: (usize, usize) = (1, 500);
    pub const STEPS_PER_FRAME: (usize, usize) = (1, 100);
    pub const STOP_AT: (usize, usize) = (1, 5000);
}

impl SoftRlState {
    pub fn mdp(&self) -> Result<SoftMdp, String> {
        self.grid
            .mdp(self.gamma, self.tau)
            .map_err(|e| format!("`grid.{e}"))
    }

    /// `demos` trajectories of `horizon` steps from the start cell under the expert's policy (π* of the
    /// true reward), drawn with `seed`: their (state, action) pairs.
    pub fn demonstrations(&self, mdp: &SoftMdp) -> Vec<(usize, usize)> {
        let expert = mdp.solve(&self.grid.true_reward()).pi;
        let mut rng = SeededRng::seed_from_u64(self.seed);
        let start = self.grid.index(self.grid.start);
        let draw = |weights: &mut dyn Iterator<Item = f64>, rng: &mut SeededRng| {
            let u: f64 = rng.random_range(0.0..1.0);
            let mut acc = 0.0;
            let mut last = 0;
            for (k, w) in weights.enumerate() {
                acc += w;
                last = k;
                if u < acc {
                    return k;
                }
            }
            last
        };
        let mut pairs = Vec::with_capacity(self.demos * self.horizon);
        for _ in 0..self.demos {
            let mut s = start;
            for _ in 0..self.horizon {
                let a = draw(
                    &mut (0..mdp.actions).map(|a| expert[s * mdp.actions + a]),
                    &mut rng,
                );
                pairs.push((s, a));
                let row = s * mdp.actions + a;
                s = draw(&mut (0..mdp.states).map(|t| mdp.p[(row, t)]), &mut rng);
            }
        }
        pairs
    }

    /// The bilevel problem: one reward coordinate per cell (r_sa = x_s).
    pub fn problem(&self) -> Result<BilevelRl, String> {
        let mdp = self.mdp()?;
        let upper = match self.leader {
            Leader::InverseRl => Upper::ExpertNll {
                demos: self.demonstrations(&mdp),
                l2: self.l2,
            },
            Leader::Shaping => Upper::Shaping {
                true_reward: self.grid.true_reward(),
                true_tau: self.tau,
                l2: self.l2,
            },
        };
        Ok(BilevelRl {
            features: state_features(mdp.states, mdp.actions),
            mdp,
            upper,
        })
    }

    /// Applies the tool at cell (row, col): toggles a wall, goal or trap there, or moves the start.
    pub fn edit(&mut self, cell: [usize; 2]) {
        let g = &mut self.grid;
        let clear = |list: &mut Vec<[usize; 2]>| list.retain(|c| *c != cell);
        let toggle = |list: &mut Vec<[usize; 2]>| {
            if list.contains(&cell) {
                list.retain(|c| *c != cell);
            } else {
                list.push(cell);
            }
        };
        match self.tool {
            Tool::Start => {
                if !g.walls.contains(&cell) {
                    g.start = cell;
                }
            }
            _ if cell == g.start => {}
            Tool::Wall => {
                clear(&mut g.goals);
                clear(&mut g.traps);
                toggle(&mut g.walls);
            }
            Tool::Goal => {
                clear(&mut g.walls);
                clear(&mut g.traps);
                toggle(&mut g.goals);
            }
            Tool::Trap => {
                clear(&mut g.walls);
                clear(&mut g.goals);
                toggle(&mut g.traps);
            }
        }
    }

    /// x₀ = 0 (every cell's reward 0).
    pub fn x0(&self) -> DVector<f64> {
        DVector::zeros(self.grid.rows * self.grid.cols)
    }
}

impl Validate for SoftRlState {
    fn validate(&self) -> Result<(), String> {
        check_usize("grid.rows", self.grid.rows, range::SIDE)?;
        check_usize("grid.cols", self.grid.cols, range::SIDE)?;
        check_f64("gamma", self.gamma, range::GAMMA)?;
        check_f64("tau", self.tau, range::TAU)?;
        check_usize("demos", self.demos, range::DEMOS)?;
        check_usize("horizon", self.horizon, range::HORIZON)?;
        check_f64("l2", self.l2, range::L2)?;
        check_f64("beta", self.beta, range::STEP)?;
        check_f64("xi", self.xi, range::STEP)?;
        check_usize("bellman_steps", self.bellman_steps, range::BELLMAN)?;
        check_usize(
            "steps_per_frame",
            self.steps_per_frame,
            range::STEPS_PER_FRAME,
        )?;
        check_usize("stop_at", self.stop_at, range::STOP_AT)?;
        check_usize("shown", self.shown, (0, 2))?;
        self.mdp().map(|_| ())
    }
}

/// The presets.
pub const PRESETS: [Preset<SoftRlState>; 3] = [
    Preset {
        name: "Inverse RL on a 5×5 grid",
        hint: "recover a reward from 20 expert trajectories (γ = 0.6): M-SoBiRL tracks exact hypergradient \
               descent, alternating updates drift off",
        state: SoftRlState::default,
    },
    Preset {
        name: "Reward shaping",
        hint: "choose a reward whose soft-optimal policy does well under the hidden true reward",
        state: || SoftRlState {
            leader: Leader::Shaping,
            beta: 2.0,
            ..SoftRlState::default()
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
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::query::{from_query, to_query};

    #[test]
    fn presets_are_valid_links_round_trip_and_the_editor_toggles_cells() {
        for preset in &PRESETS {
            let state = (preset.state)();
            assert_eq!(state.validate(), Ok(()), "{}", preset.name);
            assert_eq!(from_query(&to_query(&state)), Ok(state), "{}", preset.name);
        }
        let mut s = SoftRlState {
            tool: Tool::Goal,
            ..SoftRlState::default()
        };
        s.edit([1, 1]);
        assert!(s.grid.goals.contains(&[1, 1]) && !s.grid.walls.contains(&[1, 1]));
        s.edit([1, 1]);
        assert!(!s.grid.goals.contains(&[1, 1]));
        s.tool = Tool::Wall;
        s.edit(s.grid.start);
        assert!(
            !s.grid.walls.contains(&s.grid.start),
            "the start cell is never walled"
        );
        let e = from_query::<SoftRlState>(&[("gamma".to_owned(), "1.5".to_owned())])
            .err()
            .unwrap_or_default();
        assert!(e.contains("`gamma`"), "{e}");
        let mdp = s.mdp().unwrap_or_else(|e| panic!("{e}"));
        let demos = s.demonstrations(&mdp);
        assert_eq!(demos.len(), 20 * 12);
        assert_eq!(
            demos[0].0,
            s.grid.index(s.grid.start),
            "trajectories start at the start"
        );
        assert_eq!(s.demonstrations(&mdp), demos, "seeded");
    }
}
