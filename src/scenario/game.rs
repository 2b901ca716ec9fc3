//! `"kind": "game"`: the one-step actor–critic game's dynamics (BLPO Fig. 1), states every `record_every`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::json::num;
use crate::numerics::games::actor_critic::{Dynamics, GameParams, simulate};

/// Most steps one scenario may ask for.
pub const MAX_STEPS: usize = 10_000_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GameScenario {
    pub dynamics: Dynamics,
    #[serde(default)]
    pub reg: f64,
    pub actor_lr: f64,
    pub critic_lr: f64,
    #[serde(default = "crate::int::<1>")]
    pub critic_steps: usize,
    pub start: [f64; 2],
    pub steps: usize,
    #[serde(default = "crate::int::<1>")]
    pub record_every: usize,
}

impl GameScenario {
    fn params(&self) -> GameParams {
        GameParams {
            dynamics: self.dynamics,
            reg: self.reg,
            actor_lr: self.actor_lr,
            critic_lr: self.critic_lr,
            critic_steps: self.critic_steps,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [("actor_lr", self.actor_lr), ("critic_lr", self.critic_lr)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{name}: must be a finite number > 0, got {v}"));
            }
        }
        if !(self.reg.is_finite() && self.reg >= 0.0) {
            return Err(format!(
                "reg: must be a finite number ≥ 0, got {}",
                self.reg
            ));
        }
        if !(1..=1000).contains(&self.critic_steps) {
            return Err(format!(
                "critic_steps: must be in 1..=1000, got {}",
                self.critic_steps
            ));
        }
        if let Some(i) = self.start.iter().position(|v| !v.is_finite()) {
            return Err(format!("start[{i}]: must be finite, got {}", self.start[i]));
        }
        if self.steps > MAX_STEPS {
            return Err(format!(
                "steps: must be in 0..={MAX_STEPS}, got {}",
                self.steps
            ));
        }
        if !(1..=MAX_STEPS).contains(&self.record_every) {
            return Err(format!(
                "record_every: must be in 1..={MAX_STEPS}, got {}",
                self.record_every
            ));
        }
        Ok(())
    }

    pub fn run(&self) -> Value {
        let t = simulate(
            (self.start[0], self.start[1]),
            &self.params(),
            self.steps,
            self.record_every,
        );
        let distance: Vec<Value> = t
            .theta
            .iter()
            .zip(&t.w)
            .map(|(a, b)| num(a.hypot(*b)))
            .collect();
        json!({
            "theta": t.theta.iter().map(|&v| num(v)).collect::<Vec<_>>(),
            "w": t.w.iter().map(|&v| num(v)).collect::<Vec<_>>(),
            "distance": distance,
            "theta_sign_changes": t.theta_sign_changes,
            "status": t.diverged_at.map_or_else(|| "ok".to_owned(), |k| format!("diverged at step {k}")),
        })
    }
}
