//! The grid editor of the bilevel RL view's state: the click tools (wall, goal, trap, start, cost) and the
//! drawn demonstration path.

use super::{DemoSource, MOVES, SoftRlState, Tool, range};

impl SoftRlState {
    /// Applies the tool at cell (row, col): toggles a wall, goal, trap or cost cell, moves the start, or
    /// extends the drawn path (restarting it at the start when the cell is not next to its end).
    pub fn edit(&mut self, cell: [usize; 2]) {
        if self.tool == Tool::Draw {
            let next_to =
                |a: [usize; 2], b: [usize; 2]| a[0].abs_diff(b[0]) + a[1].abs_diff(b[1]) == 1;
            match self.drawn.last() {
                Some(&end) if next_to(end, cell) && self.drawn.len() < range::DRAWN => {
                    self.drawn.push(cell);
                }
                _ if next_to(self.grid.start, cell) => self.drawn = vec![self.grid.start, cell],
                _ => self.drawn = vec![cell],
            }
            self.demos_from = DemoSource::Drawn;
            return;
        }
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
            Tool::Cost => {
                if !g.walls.contains(&cell) {
                    toggle(&mut g.costs);
                }
            }
            _ if cell == g.start => {}
            Tool::Wall => {
                clear(&mut g.goals);
                clear(&mut g.traps);
                clear(&mut g.costs);
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
            Tool::Draw => {}
        }
    }

    /// The drawn path as (state, action) pairs: the move from each cell to the next.
    pub fn drawn_pairs(&self) -> Vec<(usize, usize)> {
        self.drawn
            .windows(2)
            .filter_map(|w| {
                let (dr, dc) = (
                    w[1][0] as i64 - w[0][0] as i64,
                    w[1][1] as i64 - w[0][1] as i64,
                );
                let a = MOVES.iter().position(|m| (m.0, m.1) == (dr, dc))?;
                Some((self.grid.index(w[0]), a))
            })
            .collect()
    }
}
