//! `"kind": "control"`: BLPO Figure 3's learners trained on a control task, each on every seed (issue 16),
//! on the machine's cores (issue 36: [`parallel`]). Prints the run's record ([`ControlRecord`]): each
//! update's environment steps, each seed's mean return over its last 20 finished episodes and the
//! hypergradient's pieces, the final mean returns and the wall time. A progress bar on stderr when stderr
//! is a terminal.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use web_time::{Instant, SystemTime, UNIX_EPOCH};

use super::control_record::{ControlRecord, KIND, LearnerRecord, VERSION, date, machine};
use crate::numerics::control::envs::EnvKind;
use crate::numerics::control::learner::LearnerSpec;
use crate::numerics::control::lockstep::Seeds;
use crate::numerics::control::parallel::{self, Progress};
use crate::numerics::control::ppo::PpoConfig;

/// Most environment steps one run may ask for.
pub const MAX_STEPS: usize = 20_000_000;
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlScenario {
    pub env: EnvKind,
    /// One learner, or a list of them (each on every seed).
    #[serde(deserialize_with = "one_or_many")]
    pub algorithm: Vec<LearnerSpec>,
    #[serde(default)]
    pub ppo: PpoConfig,
    pub seeds: Vec<u64>,
    pub total_steps: usize,
}

/// A learner object, or an array of them (an error names the entry: `[1]: …`).
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LearnerSpec>, D::Error> {
    use serde::de::Error as _;
    match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                serde_json::from_value(v).map_err(|e| D::Error::custom(format!("[{i}]: {e}")))
            })
            .collect(),
        one => serde_json::from_value(one)
            .map(|a| vec![a])
            .map_err(D::Error::custom),
    }
}

/// PPO's shared settings' ranges (the CLI's `ppo` and the Control view's); errors name the field.
pub fn validate_ppo(p: &PpoConfig) -> Result<(), String> {
    for (name, v, max) in [
        ("envs", p.envs, 64),
        ("steps", p.steps, 4096),
        ("epochs", p.epochs, 64),
        ("minibatches", p.minibatches, 64),
        ("hidden", p.hidden, 256),
    ] {
        if !(1..=max).contains(&v) {
            return Err(format!("ppo.{name}: must be in 1..={max}, got {v}"));
        }
    }
    for (name, v) in [
        ("lr", p.lr),
        ("gamma", p.gamma),
        ("gae_lambda", p.gae_lambda),
        ("clip", p.clip),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("ppo.{name}: must be a finite number > 0, got {v}"));
        }
    }
    for (name, v) in [
        ("entropy", p.entropy),
        ("value", p.value),
        ("max_grad_norm", p.max_grad_norm),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(format!(
                "ppo.{name}: must be a finite number ≥ 0 (max_grad_norm 0: no clipping), got {v}"
            ));
        }
    }
    Ok(())
}

impl ControlScenario {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=8).contains(&self.algorithm.len()) {
            return Err(format!(
                "algorithm: give one learner or a list of 1..=8, got {}",
                self.algorithm.len()
            ));
        }
        for (i, a) in self.algorithm.iter().enumerate() {
            a.validate().map_err(|e| match self.algorithm.len() {
                1 => e,
                _ => e.replacen("algorithm.", &format!("algorithm[{i}]."), 1),
            })?;
        }
        if !(1..=32).contains(&self.seeds.len()) {
            return Err(format!(
                "seeds: give 1..=32 seeds, got {}",
                self.seeds.len()
            ));
        }
        if !(1..=MAX_STEPS).contains(&self.total_steps) {
            return Err(format!(
                "total_steps: must be in 1..={MAX_STEPS}, got {}",
                self.total_steps
            ));
        }
        validate_ppo(&self.ppo)
    }

    /// Trains every learner on every seed on [`parallel::threads`] threads and records the run.
    pub fn run(&self) -> Value {
        self.record(parallel::threads())
    }

    /// The run on `threads` threads (1: in this thread), as its record.
    pub fn record(&self, threads: usize) -> Value {
        let began = Instant::now();
        let mut runs: Vec<Seeds> = self
            .algorithm
            .iter()
            .map(|a| Seeds::new(self.env, a, &self.ppo, &self.seeds, self.total_steps))
            .collect();
        let per_update = self.ppo.envs * self.ppo.steps;
        let updates = self.total_steps.div_ceil(per_update.max(1));
        let labels: Vec<String> = self.algorithm.iter().map(LearnerSpec::display).collect();
        let progress = crate::progress::Bar::new(
            updates * runs.len() * self.seeds.len(),
            &labels,
            self.seeds.len(),
        );
        parallel::train(
            &mut runs,
            self.total_steps,
            threads,
            &|| began.elapsed().as_secs_f64(),
            &|p: Progress| progress.update(p),
        );
        progress.finish();
        let record = ControlRecord {
            kind: KIND.to_owned(),
            version: VERSION,
            machine: machine(),
            date: date(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
            ),
            env: self.env,
            ppo: self.ppo.clone(),
            seeds: self.seeds.clone(),
            total_steps: self.total_steps,
            threads,
            wall_seconds: began.elapsed().as_secs_f64(),
            learners: runs.iter().map(LearnerRecord::of).collect(),
        };
        serde_json::to_value(record).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, run};

    #[test]
    fn trains_each_seed_and_names_bad_fields() {
        let text = r#"{"kind": "control", "env": "cartpole", "algorithm": {"name": "nested", "critic_steps": 1},
            "ppo": {"hidden": 8, "steps": 16, "envs": 2}, "seeds": [0, 1], "total_steps": 64}"#;
        let out = run(&parse(text).expect("valid"));
        let learner = &out["learners"][0];
        assert_eq!(
            learner["updates"]["steps"],
            serde_json::json!([32, 64]),
            "{out}"
        );
        assert_eq!(
            learner["updates"]["mean_return"][1]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        assert_eq!(
            learner["final_mean_return"].as_array().map(Vec::len),
            Some(2)
        );
        assert!(learner["updates"]["terms"]["cosine"][0].is_number());
        assert_eq!(learner["algorithm"]["form"], "authors_code");
        // The record reads back, and its history is the run's to six digits.
        let record = super::ControlRecord::parse(&out.to_string()).expect("a record");
        assert_eq!(record.learners[0].history().len(), 2);
        // Two learners in one run, each on both seeds; a bad entry is named by its place.
        let two = text.replace(
            r#"{"name": "nested", "critic_steps": 1}"#,
            r#"[{"name": "ppo"}, {"name": "blpo", "form": "paper", "critic_steps": 1, "rank": 2}]"#,
        );
        let out = run(&parse(&two).expect("valid"));
        assert_eq!(out["learners"].as_array().map(Vec::len), Some(2));
        assert!(
            out["learners"][0]["updates"].get("terms").is_none(),
            "PPO has no terms"
        );
        assert_eq!(out["learners"][1]["algorithm"]["form"], "paper");
        let bad = two.replace(r#""rank": 2"#, r#""rank": 0"#);
        let e = parse(&bad).expect_err("rank 0");
        assert!(e.starts_with("algorithm[1].rank"), "{e}");
        for (bad, field) in [
            (
                r#"{"kind": "control", "env": "cartpole", "algorithm": {"name": "sac"}, "seeds": [0], "total_steps": 10}"#,
                "algorithm",
            ),
            (
                r#"{"kind": "control", "env": "cartpole", "algorithm": {"name": "blpo", "rank": 0}, "seeds": [0], "total_steps": 10}"#,
                "algorithm.rank",
            ),
            (
                r#"{"kind": "control", "env": "cartpole", "algorithm": {"name": "ppo"}, "seeds": [], "total_steps": 10}"#,
                "seeds",
            ),
            (
                r#"{"kind": "control", "env": "cartpole", "algorithm": {"name": "blpo", "bogus": 1}, "seeds": [0], "total_steps": 10}"#,
                "algorithm",
            ),
        ] {
            let e = parse(bad).expect_err(bad);
            assert!(e.starts_with(field), "{e}");
        }
    }
}
