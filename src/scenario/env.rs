//! `"kind": "env"`: a classic-control task stepped from a given internal state by given actions (issue 16):
//! CartPole (x, ẋ, θ, θ̇) with actions 0/1, Acrobot (θ₁, θ₂, θ̇₁, θ̇₂) with actions 0/1/2, Pendulum (θ, θ̇)
//! with torques, Brax's inverted_pendulum (x, θ, ẋ, θ̇) and inverted_double_pendulum (x, θ₁, θ₂, ẋ, θ̇₁,
//! θ̇₂) with actions in [−1, 1] (qpos then qvel). Stops after the first terminated step; prints every state (the start included), the
//! rewards and the termination flags.

use serde::Deserialize;
use serde_json::{Value, json};

use super::json::num;
use crate::numerics::control::envs::{Actions, EnvKind};

/// Most actions one scenario may apply.
pub const MAX_ACTIONS: usize = 100_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvScenario {
    pub env: EnvKind,
    pub state: Vec<f64>,
    pub actions: Vec<f64>,
}

impl EnvScenario {
    pub fn validate(&self) -> Result<(), String> {
        let len = self.env.state_len();
        if self.state.len() != len {
            return Err(format!(
                "state: {} takes {len} numbers, got {}",
                self.env.label(),
                self.state.len()
            ));
        }
        if let Some(i) = self.state.iter().position(|v| !v.is_finite()) {
            return Err(format!("state[{i}]: must be a finite number"));
        }
        if self.actions.len() > MAX_ACTIONS {
            return Err(format!(
                "actions: at most {MAX_ACTIONS}, got {}",
                self.actions.len()
            ));
        }
        for (i, &a) in self.actions.iter().enumerate() {
            let ok = match self.env.actions() {
                Actions::Discrete(n) => a >= 0.0 && a.fract() == 0.0 && a < n as f64,
                Actions::Continuous { .. } => a.is_finite(),
            };
            if !ok {
                return Err(match self.env.actions() {
                    Actions::Discrete(n) => {
                        format!("actions[{i}]: must be an integer in 0..{n}, got {a}")
                    }
                    Actions::Continuous { .. } => {
                        format!("actions[{i}]: must be a finite number, got {a}")
                    }
                });
            }
        }
        Ok(())
    }

    pub fn run(&self) -> Value {
        let mut s = self.state.clone();
        let mut states = vec![s.iter().map(|&v| num(v)).collect::<Vec<_>>()];
        let (mut rewards, mut terminated) = (Vec::new(), Vec::new());
        for &a in &self.actions {
            let step = self.env.step(&mut s, a);
            states.push(s.iter().map(|&v| num(v)).collect());
            rewards.push(num(step.reward));
            terminated.push(step.terminated);
            if step.terminated {
                break;
            }
        }
        json!({"kind": "env", "env": self.env, "states": states, "rewards": rewards, "terminated": terminated})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, parse, run};

    #[test]
    fn steps_until_the_first_termination_and_names_bad_fields() {
        let text = r#"{"kind": "env", "env": "cartpole", "state": [0, 0, 0.2, 0.5], "actions": [1, 1, 1, 1, 1, 1, 1, 1]}"#;
        let scenario = parse(text).expect("valid");
        assert!(matches!(scenario, Scenario::Env(_)));
        let out = run(&scenario);
        let n = out["rewards"].as_array().map_or(0, Vec::len);
        assert!(n < 8 && out["terminated"][n - 1] == true, "{out}");
        assert_eq!(out["states"].as_array().map(Vec::len), Some(n + 1));
        for (bad, field) in [
            (
                r#"{"kind": "env", "env": "acrobot", "state": [0, 0], "actions": []}"#,
                "state:",
            ),
            (
                r#"{"kind": "env", "env": "acrobot", "state": [0, 0, 0, 0], "actions": [3]}"#,
                "actions[0]",
            ),
            (
                r#"{"kind": "env", "env": "pong", "state": [], "actions": []}"#,
                "env",
            ),
        ] {
            let e = parse(bad).expect_err(bad);
            assert!(e.starts_with(field), "{e}");
        }
        let pendulum =
            r#"{"kind": "env", "env": "pendulum", "state": [3.14, 0], "actions": [2, -2, 0.5]}"#;
        let out = run(&parse(pendulum).expect("valid"));
        assert_eq!(out["terminated"], json!([false, false, false]));
        // Brax's pendulums, qpos then qvel: pushed hard one way the pole falls the other and the run ends.
        for (env, state) in [
            ("inverted_pendulum", "[0, 0, 0, 0]"),
            ("inverted_double_pendulum", "[0, 0, 0, 0, 0, 0]"),
        ] {
            let text = format!(
                r#"{{"kind": "env", "env": "{env}", "state": {state}, "actions": [{}]}}"#,
                vec!["1"; 200].join(", ")
            );
            let out = run(&parse(&text).unwrap_or_else(|e| panic!("{env}: {e}")));
            let n = out["rewards"].as_array().map_or(0, Vec::len);
            assert!(n < 200 && out["terminated"][n - 1] == true, "{env}: {out}");
            assert!(
                out["states"][n][1].as_f64().is_some_and(|q| q < 0.0),
                "{env}: falls back"
            );
        }
    }
}
