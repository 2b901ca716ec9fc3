//! `"kind": "control"`: one of BLPO Figure 3's learners trained on a classic-control task, one run per seed
//! (issue 16). Prints each update's environment steps, the mean return of the last 20 finished episodes per
//! seed and the hypergradient's pieces, the final mean returns and the wall time.

use serde::Deserialize;
use serde_json::{Value, json};
use web_time::Instant;

use super::json::num;
use crate::numerics::control::blpo::Terms;
use crate::numerics::control::envs::EnvKind;
use crate::numerics::control::learner::LearnerSpec;
use crate::numerics::control::lockstep::Seeds;
use crate::numerics::control::ppo::PpoConfig;

/// Most environment steps one run may ask for.
pub const MAX_STEPS: usize = 20_000_000;
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlScenario {
    pub env: EnvKind,
    pub algorithm: LearnerSpec,
    #[serde(default)]
    pub ppo: PpoConfig,
    pub seeds: Vec<u64>,
    pub total_steps: usize,
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
        self.algorithm.validate()?;
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

    pub fn run(&self) -> Value {
        let began = Instant::now();
        let mut seeds = Seeds::new(
            self.env,
            &self.algorithm,
            &self.ppo,
            &self.seeds,
            self.total_steps,
        );
        while seeds
            .learners
            .first()
            .is_some_and(|l| l.steps() < self.total_steps)
        {
            seeds.update(&|| began.elapsed().as_secs_f64());
        }
        let updates: Vec<Value> = seeds
            .history
            .iter()
            .map(|r| {
                let term = |f: fn(&Terms) -> f64| r.terms.as_ref().map(|t| num(f(t)));
                json!({
                    "steps": r.steps,
                    "mean_return": r.mean_return.iter().map(|&v| num(v)).collect::<Vec<_>>(),
                    "actor_loss": num(r.actor_loss),
                    "cosine": term(|t| t.cosine),
                    "correction_ratio": term(|t| t.correction_ratio),
                    "critic_loss": term(|t| t.critic_loss),
                    "ihvp_error": term(|t| t.ihvp_error),
                    "top_eigenvalue": term(|t| t.top_eigenvalue),
                    "condition": term(|t| t.condition),
                    "indefinite": term(|t| t.indefinite),
                    "clip_rate": num(r.clip_rate),
                })
            })
            .collect();
        json!({
            "kind": "control",
            "env": self.env,
            "algorithm": self.algorithm.label(),
            "updates": updates,
            "final_mean_return": seeds.final_mean_return().into_iter().map(num).collect::<Vec<_>>(),
            "wall_seconds": began.elapsed().as_secs_f64(),
        })
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
        assert_eq!(out["updates"].as_array().map(Vec::len), Some(2), "{out}");
        assert_eq!(out["updates"][1]["steps"], 64);
        assert_eq!(out["final_mean_return"].as_array().map(Vec::len), Some(2));
        assert!(out["updates"][0]["cosine"].is_number());
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
