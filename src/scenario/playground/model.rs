//! The playground's runs built from its state, as a [`Stepped`] model (no egui, no clock): the view plays
//! it within the frame's budget, `bilevel-lab run` and lesson checks to the end.

use nalgebra::DVector;

use super::PlaygroundState;
use crate::numerics::bilevel::lockstep::{Lockstep, Tracked};
use crate::numerics::stepped::{Stepped, Work};
use crate::scenario::query::Validate as _;

/// The lockstep runs of a state (only the runs switched on, each on `seeds` seeds: `index` maps a run
/// back to its slot 0..4, `seed` to its seed 0..seeds).
pub struct Model {
    pub lock: Lockstep,
    pub index: Vec<usize>,
    pub seed: Vec<usize>,
    pub seeds: usize,
}

impl Model {
    /// The position of slot `slot`'s seed-0 run (the one the explain and draw panels look at).
    pub fn first_of(&self, slot: usize) -> Option<usize> {
        self.index.iter().position(|&i| i == slot)
    }

    /// The runs of slot `slot` (all its seeds).
    pub fn of_slot(&self, slot: usize) -> impl Iterator<Item = &Tracked> {
        self.index
            .iter()
            .zip(&self.lock.runs)
            .filter(move |(i, _)| **i == slot)
            .map(|(_, t)| t)
    }

    /// The slots switched on, in order.
    pub fn slots(&self) -> Vec<usize> {
        let mut s = self.index.clone();
        s.dedup();
        s
    }
}

impl Model {
    pub fn new(state: &PlaygroundState) -> Result<Self, String> {
        state.validate()?;
        let problem = state.build_problem()?;
        let (n, m) = problem.dims();
        let seeds = state.seed_count();
        let (index, seed): (Vec<usize>, Vec<usize>) = (0..4)
            .filter(|&i| state.runs[i].on)
            .flat_map(|i| (0..seeds).map(move |k| (i, k)))
            .unzip();
        let specs = index
            .iter()
            .zip(&seed)
            .map(|(&i, &k)| (state.algorithm(&state.runs[i], m), state.noise(k)))
            .collect();
        let x0 = DVector::from_element(n, state.start[0]);
        let y0 = DVector::from_element(m, state.start[1]);
        Ok(Self {
            lock: Lockstep::new(problem, specs, &x0, &y0),
            index,
            seed,
            seeds,
        })
    }
}

impl Stepped for Model {
    fn steps(&self) -> usize {
        self.lock.step_count()
    }

    fn work(&mut self, target: usize) -> Work {
        self.lock.work(target)
    }
}
