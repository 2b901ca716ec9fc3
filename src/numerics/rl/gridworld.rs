//! Gridworlds as soft MDPs (issue 7's editor and presets): rows × cols cells, walls, goal and trap cells,
//! four moves (up, right, down, left) that slip to a random other move with probability `slip`; moving
//! into a wall or off the grid stays put; goal and trap cells are absorbing. State s = row·cols + col
//! (walls stay states, unreachable, so a cell index is its state). Also the feature maps of r(x) = Φx.

use nalgebra::DVector;

use super::mdp::SoftMdp;

/// The four moves, in action order.
pub const MOVES: [(i64, i64, &str); 4] = [
    (-1, 0, "up"),
    (0, 1, "right"),
    (1, 0, "down"),
    (0, -1, "left"),
];

/// A gridworld layout.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Gridworld {
    pub rows: usize,
    pub cols: usize,
    pub slip: f64,
    /// Cells (row, col).
    pub walls: Vec<[usize; 2]>,
    pub goals: Vec<[usize; 2]>,
    pub traps: Vec<[usize; 2]>,
    /// Start cell (ρ is its indicator).
    pub start: [usize; 2],
    /// Cells where every step costs 1 (the constraint's cost c(s, a) of CBSO, seed 003).
    pub costs: Vec<[usize; 2]>,
}

impl Default for Gridworld {
    fn default() -> Self {
        Self {
            rows: 5,
            cols: 5,
            slip: 0.1,
            walls: vec![[1, 1], [2, 1], [3, 3]],
            goals: vec![[0, 4]],
            traps: vec![[2, 3]],
            start: [4, 0],
            costs: Vec::new(),
        }
    }
}

/// Largest side the editor and the CLI take.
pub const MAX_SIDE: usize = 32;

impl Gridworld {
    pub fn index(&self, [r, c]: [usize; 2]) -> usize {
        r * self.cols + c
    }

    /// Checks the layout; errors name the field.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_SIDE).contains(&self.rows) || !(1..=MAX_SIDE).contains(&self.cols) {
            return Err(format!(
                "rows, cols: each must be in 1..={MAX_SIDE}, got {}×{}",
                self.rows, self.cols
            ));
        }
        if !(self.slip.is_finite() && (0.0..=1.0).contains(&self.slip)) {
            return Err(format!("slip: must be in 0..=1, got {}", self.slip));
        }
        for (name, cells) in [
            ("walls", &self.walls),
            ("goals", &self.goals),
            ("traps", &self.traps),
            ("costs", &self.costs),
        ] {
            if let Some((i, [r, c])) = cells
                .iter()
                .enumerate()
                .find(|(_, [r, c])| *r >= self.rows || *c >= self.cols)
            {
                return Err(format!("{name}[{i}]: ({r}, {c}) is off the grid"));
            }
        }
        if self.start[0] >= self.rows
            || self.start[1] >= self.cols
            || self.walls.contains(&self.start)
        {
            return Err("start: must be a free cell on the grid".to_owned());
        }
        Ok(())
    }

    fn blocked(&self, r: i64, c: i64) -> bool {
        r < 0
            || c < 0
            || r >= self.rows as i64
            || c >= self.cols as i64
            || self.walls.contains(&[r as usize, c as usize])
    }

    /// The soft MDP of this layout (4 actions).
    pub fn mdp(&self, gamma: f64, tau: f64) -> Result<SoftMdp, String> {
        self.validate()?;
        let (n, a) = (self.rows * self.cols, MOVES.len());
        let mut p: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n * a];
        for r in 0..self.rows {
            for c in 0..self.cols {
                let s = r * self.cols + c;
                let absorbing = self.goals.contains(&[r, c])
                    || self.traps.contains(&[r, c])
                    || self.walls.contains(&[r, c]);
                for (k, _) in MOVES.iter().enumerate() {
                    if absorbing {
                        p[s * a + k].push((s, 1.0));
                        continue;
                    }
                    for (j, (dr, dc, _)) in MOVES.iter().enumerate() {
                        let prob = if j == k {
                            1.0 - self.slip
                        } else {
                            self.slip / (a - 1) as f64
                        };
                        let (nr, nc) = (r as i64 + dr, c as i64 + dc);
                        let t = if self.blocked(nr, nc) {
                            s
                        } else {
                            nr as usize * self.cols + nc as usize
                        };
                        p[s * a + k].push((t, prob));
                    }
                }
            }
        }
        let mut rho = DVector::zeros(n);
        rho[self.index(self.start)] = 1.0;
        SoftMdp::from_rows(n, a, p, gamma, tau, rho)
    }

    /// A reward per state (reaching goal +1, trap −1, each step −0.02), as a state–action vector.
    pub fn true_reward(&self) -> DVector<f64> {
        let a = MOVES.len();
        DVector::from_fn(self.rows * self.cols * a, |i, _| {
            let s = i / a;
            let cell = [s / self.cols, s % self.cols];
            if self.goals.contains(&cell) {
                1.0
            } else if self.traps.contains(&cell) {
                -1.0
            } else {
                -0.02
            }
        })
    }
}

impl Gridworld {
    /// c(s, a) = 1 in cost cells, 0 elsewhere, as a state–action vector.
    pub fn cost(&self) -> DVector<f64> {
        let a = MOVES.len();
        DVector::from_fn(self.rows * self.cols * a, |i, _| {
            let s = i / a;
            if self.costs.contains(&[s / self.cols, s % self.cols]) {
                1.0
            } else {
                0.0
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rl::hypergradient::Upper;
    use crate::numerics::rl::tests_fixtures::{inverse_rl, on_grid};

    #[test]
    fn the_default_gridworld_is_a_valid_mdp_with_absorbing_goals() {
        let g = Gridworld::default();
        let mdp = g.mdp(0.9, 0.1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((mdp.states, mdp.actions), (25, 4));
        let p = mdp.transitions();
        let goal = g.index([0, 4]);
        for k in 0..4 {
            assert_eq!(p[(goal * 4 + k, goal)], 1.0);
        }
        // From the start, "up" moves up with probability 0.9 (+ slips).
        let start = g.index([4, 0]);
        assert!((p[(start * 4, g.index([3, 0]))] - 0.9).abs() < 1e-12);
        let bad = Gridworld {
            walls: vec![[7, 0]],
            ..Gridworld::default()
        };
        assert!(
            bad.validate()
                .err()
                .unwrap_or_default()
                .starts_with("walls[0]")
        );
    }

    #[test]
    fn the_exact_hypergradient_matches_finite_differences_on_a_gridworld() {
        // Demonstrations: the expert's most likely action in a few states.
        let problem = inverse_rl();
        let x = DVector::from_fn(25, |s, _| 0.1 * ((s * 3 % 7) as f64 - 3.0));
        let (exact, _) = problem.hypergradient(&x);
        let h = 1e-5;
        let fd = DVector::from_fn(25, |i, _| {
            let (mut p, mut m) = (x.clone(), x.clone());
            p[i] += h;
            m[i] -= h;
            (problem.phi(&p) - problem.phi(&m)) / (2.0 * h)
        });
        let rel = (&exact - &fd).norm() / fd.norm();
        assert!(rel < 1e-6, "rel {rel:.1e}");
    }

    #[test]
    fn on_a_32_by_32_grid_the_sparse_hypergradient_matches_a_directional_difference() {
        // S = 1024 > 128: every policy-evaluation solve takes the sparse fixed-point path.
        let g = Gridworld {
            rows: 32,
            cols: 32,
            walls: (0..28).map(|c| [16, c]).collect(),
            goals: vec![[0, 31]],
            traps: vec![[20, 10]],
            start: [31, 0],
            slip: 0.1,
            costs: Vec::new(),
        };
        let upper = Upper::Shaping {
            true_reward: g.true_reward(),
            true_tau: 0.0,
            l2: 0.01,
        };
        let problem = on_grid(&g, 0.9, 0.3, upper);
        let x = DVector::from_fn(1024, |s, _| 0.05 * ((s * 5 % 11) as f64 - 5.0));
        let v = DVector::from_fn(1024, |s, _| ((s * 7 % 13) as f64 - 6.0) / 6.0);
        let (exact, _) = problem.hypergradient(&x);
        let h = 1e-5;
        let fd = (problem.phi(&(&x + &v * h)) - problem.phi(&(&x - &v * h))) / (2.0 * h);
        let rel = (exact.dot(&v) - fd).abs() / fd.abs();
        assert!(rel < 1e-6, "∇φ·v {} vs {fd} (rel {rel:.1e})", exact.dot(&v));
    }
}
