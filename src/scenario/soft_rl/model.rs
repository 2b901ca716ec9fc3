//! The bilevel RL view's runs built from its state, as a [`Stepped`] model (no egui, no clock).

use nalgebra::DVector;

use super::SoftRlState;
use crate::numerics::rl::lockstep::{RlLockstep, Settings, Stepping};
use crate::numerics::stepped::{Stepped, Work};
use crate::scenario::query::Validate as _;

/// The runs of one state.
pub struct Model {
    /// The key's algorithm settings.
    pub settings: Settings,
    pub lock: RlLockstep,
    /// Slot number of each run.
    pub slots: Vec<usize>,
}

impl Model {
    /// The runs of `state`; `expert` is its expert's policy where it needs one and it is solved already
    /// (`None` solves it here).
    pub fn new(state: &SoftRlState, expert: Option<&DVector<f64>>) -> Result<Self, String> {
        state.validate()?;
        let problem = state.problem_with_expert(expert)?;
        let chosen = state.algorithms();
        let algorithms: Vec<_> = chosen.iter().map(|(_, a)| *a).collect();
        let lock = RlLockstep::new(
            problem,
            state.budget(),
            &algorithms,
            &state.x0(),
            &state.settings(),
        );
        Ok(Self {
            settings: state.settings(),
            lock,
            slots: chosen.iter().map(|(k, _)| *k).collect(),
        })
    }
}

impl Stepped for Model {
    fn steps(&self) -> usize {
        self.lock.step
    }

    fn work(&mut self, target: usize) -> Work {
        Stepping {
            lock: &mut self.lock,
            settings: &self.settings,
        }
        .work(target)
    }
}
