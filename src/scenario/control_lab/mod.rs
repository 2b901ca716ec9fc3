//! The Control view's state (issue 16): the task, up to four learners (any of BLPO Figure 3's four, each
//! with its own BLPO settings), the seeds they train on, PPO's shared settings, and where to stop. One
//! serde struct with defaults (URL hash, the view's document `"kind": "control_lab"`).

use serde::{Deserialize, Serialize};

pub mod jobs;
mod model;
#[cfg(not(target_arch = "wasm32"))]
pub mod threads;

pub use model::Model;

use super::control::validate_ppo;
use super::query::{Validate, check_usize};
use crate::numerics::control::blpo::BlpoConfig;
use crate::numerics::control::envs::EnvKind;
use crate::numerics::control::learner::{LearnerSpec, Name};
use crate::numerics::control::ppo::PpoConfig;

/// One of the four learners.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearnerSlot {
    pub on: bool,
    pub name: Name,
    /// Its settings beyond PPO's (unused by PPO).
    pub blpo: BlpoConfig,
}

impl Default for LearnerSlot {
    fn default() -> Self {
        slot(true, Name::Ppo)
    }
}

/// A learner with BLPO's default settings.
pub fn slot(on: bool, name: Name) -> LearnerSlot {
    LearnerSlot {
        on,
        name,
        blpo: BlpoConfig::default(),
    }
}

impl LearnerSlot {
    pub fn algorithm(&self) -> LearnerSpec {
        self.name.with(self.blpo.clone())
    }
}

/// Everything a shared link restores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ControlLabState {
    pub env: EnvKind,
    pub learners: [LearnerSlot; 4],
    /// Seeds per learner: `seed`, `seed + 1`, … (the same seeds for every learner).
    pub seeds: usize,
    pub seed: u64,
    /// PPO's settings, shared by every learner (rollout, epochs, actor step, entropy, networks).
    pub ppo: PpoConfig,
    /// The learner whose agent is animated and whose update is explained.
    pub shown: usize,
    /// Updates to train (the actor's learning rate anneals to 0 there).
    pub stop_at: usize,
    /// A recorded run to show instead of training (`assets/records/<record>.json`; empty: train live).
    pub record: String,
}

impl Default for ControlLabState {
    fn default() -> Self {
        Self {
            env: EnvKind::Cartpole,
            learners: [
                slot(true, Name::Ppo),
                slot(true, Name::Blpo),
                slot(false, Name::BlpoCg),
                slot(false, Name::Nested),
            ],
            seeds: 2,
            seed: 0,
            ppo: PpoConfig::default(),
            shown: 1,
            stop_at: 200,
            record: String::new(),
        }
    }
}

pub use crate::scenario::ranges::control_lab as range;

impl ControlLabState {
    /// The learners switched on, with their slot numbers.
    pub fn chosen(&self) -> Vec<(usize, LearnerSpec)> {
        self.learners
            .iter()
            .enumerate()
            .filter(|(_, s)| s.on)
            .map(|(k, s)| (k, s.algorithm()))
            .collect()
    }

    /// The seeds every learner trains on.
    pub fn seed_list(&self) -> Vec<u64> {
        (0..self.seeds as u64)
            .map(|i| self.seed.wrapping_add(i))
            .collect()
    }

    /// Environment steps per seed at `stop_at`.
    pub fn total_steps(&self) -> usize {
        self.stop_at * self.ppo.envs * self.ppo.steps
    }
}

/// `field: why` (the CLI's form) as the links' `` `prefix.field`: why ``.
fn quoted(prefix: &str, e: &str) -> String {
    match e.split_once(": ") {
        Some((field, why)) => format!("`{prefix}{field}`: {why}"),
        None => e.to_owned(),
    }
}

/// `show`: the learner shown and the recorded run shown (`stop_at` is `run`: PPO's learning rate anneals
/// over it).
impl crate::scenario::document::Document for ControlLabState {
    const KIND: &'static str = "control_lab";
    const ANCHOR: &'static str = "control";
    const SHOW: &'static [&'static str] = &["shown", "record"];

    /// The `run` half with the learners that are off reduced to `{"on": false}`: their settings change
    /// no run.
    fn run_key(&self) -> serde_json::Value {
        let mut key = self.clone();
        for l in &mut key.learners {
            if !l.on {
                *l = LearnerSlot {
                    on: false,
                    ..LearnerSlot::default()
                };
            }
        }
        crate::scenario::document::run_half(&key, Self::SHOW)
    }
}

impl Validate for ControlLabState {
    fn validate(&self) -> Result<(), String> {
        check_usize("seeds", self.seeds, range::SEEDS)?;
        check_usize("stop_at", self.stop_at, range::STOP_AT)?;
        check_usize("shown", self.shown, (0, 3))?;
        let name_ok = self.record.len() <= 64
            && self
                .record
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            return Err(format!(
                "`record`: a recorded run's name (lowercase letters, digits and '-'), got {:?}",
                self.record
            ));
        }
        validate_ppo(&self.ppo).map_err(|e| quoted("", &e))?;
        for (k, s) in self.learners.iter().enumerate() {
            s.algorithm().validate().map_err(|e| {
                quoted(&format!("learners.{k}."), &e.replace("algorithm.", "blpo."))
            })?;
        }
        Ok(())
    }
}

crate::scenario::presets::presets!(ControlLabState, "control_lab");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::query::from_query;

    #[test]
    fn presets_round_trip_and_bad_links_name_the_field() {
        let q = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        let bad = |k: &str, v: &str| {
            from_query::<ControlLabState>(&q(k, v))
                .and_then(|s| s.validate().map(|()| s))
                .expect_err(k)
        };
        for (key, value, names) in [
            ("seeds", "40", "`seeds`: must be in 1..=16"),
            (
                "learners.1.blpo.rank",
                "0",
                "`learners.1.blpo.rank`: must be in 1..=256",
            ),
            ("ppo.envs", "0", "`ppo.envs`: must be in 1..=64"),
            ("learners.2.name", "sac", "`learners.2.name`"),
        ] {
            let e = bad(key, value);
            assert!(e.contains(names), "{e}");
        }
        let s = from_query::<ControlLabState>(&q("learners.3.name", "blpo_cg")).expect("valid");
        assert_eq!(s.learners[3].algorithm().name(), Name::BlpoCg);
    }
}
