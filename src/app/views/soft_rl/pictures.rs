//! The shown run's four pictures — the learned reward with π* as arrows, the soft value V*, the occupancy
//! of π*, the hidden true reward (the editor) — on a gridworld, or as state × action maps on a random MDP.
//! The view draws them in a row; a stage draws each as a part (`reward`, `value`, `occupancy`, `truth`).

use super::grids;
use crate::app::Look;
use crate::numerics::rl::gridworld::Gridworld;

/// The pictures' numbers, computed once a frame (`SoftRlView::pictures`).
pub enum Pictures {
    Grid {
        grid: Gridworld,
        drawn: Vec<[usize; 2]>,
        reward: Vec<f64>,
        pi: Vec<f64>,
        value: Vec<f64>,
        occupancy: Vec<f64>,
        truth: Vec<f64>,
    },
    /// A random MDP's learned reward, π*, occupancy and true reward, each ordered s·A + a.
    Matrices { actions: usize, maps: [Vec<f64>; 4] },
}

impl Pictures {
    /// Picture `k` (0 reward, 1 value or π*, 2 occupancy, 3 truth) `side` points wide; the clicked cell.
    pub fn ui(&self, ui: &mut egui::Ui, k: usize, side: f32, look: Look) -> Option<[usize; 2]> {
        match self {
            Self::Grid {
                grid,
                drawn,
                reward,
                pi,
                value,
                occupancy,
                truth,
            } => {
                let picture = match k {
                    0 => grids::Picture {
                        title: "learned reward r(x) and π*(x)",
                        values: reward,
                        pi: Some(pi.as_slice()),
                        path: &[],
                    },
                    1 => grids::Picture {
                        title: "soft value V*(x)",
                        values: value,
                        pi: None,
                        path: &[],
                    },
                    2 => grids::Picture {
                        title: "occupancy of π*(x)",
                        values: occupancy,
                        pi: None,
                        path: &[],
                    },
                    _ => grids::Picture {
                        title: "hidden true reward (click to edit)",
                        values: truth,
                        pi: None,
                        path: drawn,
                    },
                };
                grids::grid_ui(ui, grid, &picture, side, look)
            }
            Self::Matrices { actions, maps } => {
                let titles = [
                    "learned reward r(x)",
                    "π*(x)",
                    "occupancy of π*(x)",
                    "hidden true reward",
                ];
                let k = k.min(3);
                grids::matrix_ui(ui, titles[k], &maps[k], *actions, side);
                None
            }
        }
    }

    /// How to read the pictures.
    pub fn caption(&self) -> &'static str {
        match self {
            Self::Grid { .. } => {
                "Arrows: the follower's policy, length ∝ π(a|s) (on small cells one arrow, the \
                 expected move). ◎ goal (+1, absorbing), × trap (−1, absorbing), ● start, ▢ cost cell (1 \
                 per step), white line: the drawn demonstration; each other step costs 0.02. Colors: \
                 viridis from each grid's smallest to largest value."
            }
            Self::Matrices { .. } => {
                "Rows: states, columns: actions. Colors: viridis from each map's smallest to largest value."
            }
        }
    }
}
