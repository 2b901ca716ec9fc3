//! `"kind": "control"`: one of BLPO Figure 3's learners trained on a classic-control task, one run per seed
//! (issue 16). Prints each update's environment steps, the mean return of the last 20 finished episodes per
//! seed and the hypergradient's pieces, the final mean returns and the wall time.

use serde::Deserialize;
use serde_json::{Value, json};
use web_time::Instant;

use super::json::num;
use crate::numerics::control::envs::EnvKind;
use crate::numerics::control::learner::{Algorithm, Learner};
use crate::numerics::control::ppo::PpoConfig;

/// Most environment steps one run may ask for.
pub const MAX_STEPS: usize = 20_000_000;
/// Episodes the mean return is taken over.
pub const WINDOW: usize = 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlScenario {
    pub env: EnvKind,
    pub algorithm: Algorithm,
    #[serde(default)]
    pub ppo: PpoConfig,
    pub seeds: Vec<u64>,
    pub total_steps: usize,
}

/// Mean of the last [`WINDOW`] values (NaN when there are none).
fn recent_mean(returns: &[f64]) -> f64 {
    let tail = &returns[returns.len().saturating_sub(WINDOW)..];
    tail.iter().sum::<f64>() / tail.len() as f64
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
        let p = &self.ppo;
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
            ("max_grad_norm", p.max_grad_norm),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("ppo.{name}: must be a finite number > 0, got {v}"));
            }
        }
        Ok(())
    }

    pub fn run(&self) -> Value {
        let began = Instant::now();
        let mut learners: Vec<Learner> = self
            .seeds
            .iter()
            .map(|&s| {
                Learner::new(
                    self.env,
                    &self.algorithm,
                    self.ppo.clone(),
                    s,
                    self.total_steps,
                )
            })
            .collect();
        let mut returns: Vec<Vec<f64>> = vec![Vec::new(); learners.len()];
        let mut updates = Vec::new();
        while learners
            .first()
            .is_some_and(|l| l.steps() < self.total_steps)
        {
            let reports: Vec<_> = learners.iter_mut().map(Learner::update).collect();
            for (r, rep) in returns.iter_mut().zip(&reports) {
                r.extend(&rep.finished);
            }
            let mean = |f: &dyn Fn(&crate::numerics::control::blpo::Terms) -> f64| {
                let v: Vec<f64> = reports
                    .iter()
                    .filter_map(|r| r.terms.as_ref().map(f))
                    .collect();
                (!v.is_empty()).then(|| num(v.iter().sum::<f64>() / v.len() as f64))
            };
            updates.push(json!({
                "steps": reports.first().map_or(0, |r| r.steps),
                "mean_return": returns.iter().map(|r| num(recent_mean(r))).collect::<Vec<_>>(),
                "actor_loss": num(reports.iter().map(|r| r.actor_loss).sum::<f64>() / reports.len() as f64),
                "cosine": mean(&|t| t.cosine),
                "correction_ratio": mean(&|t| t.correction_ratio),
                "critic_loss": mean(&|t| t.critic_loss),
                "ihvp_error": mean(&|t| t.ihvp_error),
                "top_eigenvalue": mean(&|t| t.top_eigenvalue),
                "condition": mean(&|t| t.condition),
                "indefinite": mean(&|t| t.indefinite),
                "clip_rate": num(reports.iter().map(|r| r.clip_rate).sum::<f64>() / reports.len() as f64),
            }));
        }
        json!({
            "kind": "control",
            "env": self.env,
            "algorithm": self.algorithm.label(),
            "updates": updates,
            "final_mean_return": returns.iter().map(|r| num(recent_mean(r))).collect::<Vec<_>>(),
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
