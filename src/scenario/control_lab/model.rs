//! The Control view's learners built from its state, as a [`Stepped`] model (no egui; the clock that times
//! the updates is passed in).

use super::ControlLabState;
use crate::numerics::control::blpo::Form;
use crate::numerics::control::learner::{LearnerSpec, Name};
use crate::numerics::control::lockstep::{Learners, Seeds, updates_done};
use crate::numerics::stepped::{Stepped, Work};
use crate::scenario::control_record::{ControlRecord, LearnerRecord};
use crate::scenario::query::Validate as _;

/// The learners of one state, in lockstep.
pub struct Model {
    /// The slot of each learner switched on.
    pub slots: Vec<usize>,
    pub runs: Vec<Seeds>,
    /// Seconds from any origin: the learners' wall time per update.
    clock: fn() -> f64,
}

impl Model {
    pub fn new(state: &ControlLabState, clock: fn() -> f64) -> Result<Self, String> {
        state.validate()?;
        let seeds = state.seed_list();
        let chosen = state.chosen();
        Ok(Self {
            slots: chosen.iter().map(|(k, _)| *k).collect(),
            runs: chosen
                .iter()
                .map(|(_, a)| Seeds::new(state.env, a, &state.ppo, &seeds, state.total_steps()))
                .collect(),
            clock,
        })
    }

    /// A recorded run's learners (nothing to train): each in its learner's slot (its colour) when in the
    /// authors' code's form, the others after the four.
    pub fn recorded(record: &ControlRecord) -> Self {
        let slot = |a: &LearnerSpec| match a.blpo().map(|c| c.form) {
            Some(f) if f != Form::AuthorsCode => 4,
            _ => Name::ALL.iter().position(|&n| n == a.name()).unwrap_or(4),
        };
        Self {
            slots: record.learners.iter().map(|l| slot(&l.algorithm)).collect(),
            runs: record.learners.iter().map(LearnerRecord::seeds).collect(),
            clock: || 0.0,
        }
    }

    /// The learner in slot `slot`, if it is on.
    pub fn learner(&self, slot: usize) -> Option<&Seeds> {
        self.slots
            .iter()
            .position(|&k| k == slot)
            .map(|i| &self.runs[i])
    }
}

impl Stepped for Model {
    fn steps(&self) -> usize {
        updates_done(&self.runs)
    }

    /// One unit of the learner furthest behind, timed by the model's clock.
    fn work(&mut self, target: usize) -> Work {
        Learners {
            runs: &mut self.runs,
            clock: &self.clock,
        }
        .work(target)
    }
}
