//! `"kind": "soft_mdp"`: bilevel RL on a tabular soft MDP (issue 7). The MDP (explicit transitions, a
//! gridworld, or a seeded random MDP), γ, τ, ρ, reward features, the leader's objective and a point x →
//! V*, Q*, π* (rows s·A + a), φ(x), the exact hypergradient and the soft Bellman residual; with an
//! `algorithm` and `steps`, also the iterates of M-SoBiRL.

use nalgebra::{DMatrix, DVector};
use serde::Deserialize;
use serde_json::{Value, json};

use super::json::{matrix, num, vec, vector};
use crate::numerics::rl::gridworld::{Gridworld, state_features};
use crate::numerics::rl::hypergradient::{BilevelRl, Upper};
use crate::numerics::rl::m_sobirl::MSoBiRl;
use crate::numerics::rl::mdp::SoftMdp;

/// Largest number of states × actions the CLI takes.
pub const MAX_PAIRS: usize = 32 * 32 * 4;

/// Where the MDP comes from.
#[derive(Debug, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum MdpSpec {
    Explicit {
        states: usize,
        actions: usize,
        transitions: Vec<Vec<f64>>,
    },
    Gridworld {
        gridworld: Gridworld,
    },
    Random {
        random: RandomMdp,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomMdp {
    pub states: usize,
    pub actions: usize,
    #[serde(default)]
    pub seed: u64,
}

/// r(x) = Φx: given rows, or a named map.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardSpec {
    pub features: FeatureSpec,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum FeatureSpec {
    Named(FeatureName),
    Given(Vec<Vec<f64>>),
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureName {
    /// One coordinate per state: r_sa = x_s.
    State,
    /// One coordinate per state–action pair: r_sa = x_sa.
    StateAction,
}

/// The leader's objective.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum UpperSpec {
    ExpertNll {
        demos: Vec<[usize; 2]>,
        #[serde(default)]
        l2: f64,
    },
    Shaping {
        true_reward: Vec<f64>,
        true_tau: Option<f64>,
        #[serde(default)]
        l2: f64,
    },
    Synthetic {},
}

/// M-SoBiRL's parameters.
#[derive(Debug, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum AlgorithmSpec {
    MSobirl {
        outer_lr: f64,
        w_lr: f64,
        bellman_steps: usize,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftMdpScenario {
    pub mdp: MdpSpec,
    pub gamma: f64,
    pub tau: f64,
    #[serde(default)]
    pub initial: Option<Vec<f64>>,
    pub reward: RewardSpec,
    pub upper: UpperSpec,
    pub x: Vec<f64>,
    #[serde(default)]
    pub algorithm: Option<AlgorithmSpec>,
    #[serde(default)]
    pub steps: usize,
}

impl SoftMdpScenario {
    /// The problem, checked; errors name the field.
    pub fn problem(&self) -> Result<BilevelRl, String> {
        let mut mdp = match &self.mdp {
            MdpSpec::Explicit {
                states,
                actions,
                transitions,
            } => {
                let p = matrix(transitions, "mdp.transitions")?;
                let rho = DVector::from_element(*states, 1.0 / (*states).max(1) as f64);
                SoftMdp::new(*states, *actions, p, self.gamma, self.tau, rho)
                    .map_err(|e| format!("mdp.{e}"))?
            }
            MdpSpec::Gridworld { gridworld } => gridworld
                .mdp(self.gamma, self.tau)
                .map_err(|e| format!("mdp.gridworld.{e}"))?,
            MdpSpec::Random { random } => {
                if random.states == 0
                    || random.actions == 0
                    || random.states * random.actions > MAX_PAIRS
                {
                    return Err(format!(
                        "mdp.random: states × actions must be in 1..={MAX_PAIRS}"
                    ));
                }
                let m = SoftMdp::random(
                    random.states,
                    random.actions,
                    self.gamma,
                    self.tau,
                    random.seed,
                );
                SoftMdp::new(m.states, m.actions, m.p, self.gamma, self.tau, m.rho)
                    .map_err(|e| format!("mdp.{e}"))?
            }
        };
        let pairs = mdp.states * mdp.actions;
        if pairs > MAX_PAIRS {
            return Err(format!(
                "mdp: at most {MAX_PAIRS} state–action pairs, got {pairs}"
            ));
        }
        if let Some(rho) = &self.initial {
            let rho = vector(rho, "initial")?;
            mdp = SoftMdp::new(mdp.states, mdp.actions, mdp.p, mdp.gamma, mdp.tau, rho)?;
        }
        let features = match &self.reward.features {
            FeatureSpec::Named(FeatureName::State) => state_features(mdp.states, mdp.actions),
            FeatureSpec::Named(FeatureName::StateAction) => DMatrix::identity(pairs, pairs),
            FeatureSpec::Given(rows) => {
                let f = matrix(rows, "reward.features")?;
                if f.nrows() != pairs {
                    return Err(format!(
                        "reward.features: must have S·A = {pairs} rows (row s·A + a), got {}",
                        f.nrows()
                    ));
                }
                f
            }
        };
        if self.x.len() != features.ncols() {
            return Err(format!(
                "x: must have {} entries (one per feature), got {}",
                features.ncols(),
                self.x.len()
            ));
        }
        vector(&self.x, "x")?;
        let upper = match &self.upper {
            UpperSpec::ExpertNll { demos, l2 } => {
                if let Some((i, d)) = demos
                    .iter()
                    .enumerate()
                    .find(|(_, [s, a])| *s >= mdp.states || *a >= mdp.actions)
                {
                    return Err(format!(
                        "upper.demos[{i}]: ({}, {}) is not a (state, action) of this MDP",
                        d[0], d[1]
                    ));
                }
                if demos.is_empty() {
                    return Err("upper.demos: give at least one (state, action) pair".to_owned());
                }
                Upper::ExpertNll {
                    demos: demos.iter().map(|[s, a]| (*s, *a)).collect(),
                    l2: *l2,
                }
            }
            UpperSpec::Shaping {
                true_reward,
                true_tau,
                l2,
            } => {
                if true_reward.len() != pairs {
                    return Err(format!(
                        "upper.true_reward: must have S·A = {pairs} entries, got {}",
                        true_reward.len()
                    ));
                }
                let true_tau = true_tau.unwrap_or(self.tau);
                if !(true_tau.is_finite() && true_tau > 0.0) {
                    return Err(format!("upper.true_tau: must be > 0, got {true_tau}"));
                }
                Upper::Shaping {
                    true_reward: vector(true_reward, "upper.true_reward")?,
                    true_tau,
                    l2: *l2,
                }
            }
            UpperSpec::Synthetic {} => Upper::Synthetic,
        };
        Ok(BilevelRl {
            mdp,
            features,
            upper,
        })
    }

    pub fn validate(&self) -> Result<(), String> {
        self.problem()?;
        if let Some(AlgorithmSpec::MSobirl {
            outer_lr,
            w_lr,
            bellman_steps,
        }) = &self.algorithm
        {
            for (name, v) in [("algorithm.outer_lr", outer_lr), ("algorithm.w_lr", w_lr)] {
                if !(v.is_finite() && *v > 0.0) {
                    return Err(format!("{name}: must be a finite number > 0, got {v}"));
                }
            }
            if !(1..=10_000).contains(bellman_steps) {
                return Err(format!(
                    "algorithm.bellman_steps: must be in 1..=10000, got {bellman_steps}"
                ));
            }
        }
        if self.steps > 100_000 {
            return Err(format!("steps: must be in 0..=100000, got {}", self.steps));
        }
        Ok(())
    }

    pub fn run(&self) -> Value {
        let problem = match self.problem() {
            Ok(p) => p,
            Err(e) => return json!({ "error": e }),
        };
        let x = DVector::from_column_slice(&self.x);
        let (grad, sol) = problem.hypergradient(&x);
        let mut out = json!({
            "V": vec(&sol.v),
            "Q": vec(&sol.q),
            "pi": vec(&sol.pi),
            "phi": num(problem.f(&x, &sol.pi)),
            "hypergradient": vec(&grad),
            "residual": num(sol.residual),
        });
        if let Some(AlgorithmSpec::MSobirl {
            outer_lr,
            w_lr,
            bellman_steps,
        }) = &self.algorithm
        {
            let mut alg = MSoBiRl::new(&problem, x.clone());
            let mut xs = vec![vec(&alg.x)];
            let mut phis = vec![num(problem.phi(&alg.x))];
            for _ in 0..self.steps {
                alg.step(&problem, *outer_lr, *w_lr, *bellman_steps);
                xs.push(vec(&alg.x));
                phis.push(num(problem.phi(&alg.x)));
            }
            out["iterates"] = json!({ "x": xs, "phi": phis });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, run};

    #[test]
    fn a_gridworld_scenario_runs_and_bad_fields_are_named() {
        let text = r#"{"kind": "soft_mdp", "mdp": {"gridworld": {"rows": 3, "cols": 3, "slip": 0.1,
            "walls": [], "goals": [[0, 2]], "traps": [], "start": [2, 0]}},
            "gamma": 0.9, "tau": 0.5, "reward": {"features": "state"},
            "upper": {"kind": "expert_nll", "demos": [[6, 0], [3, 0], [0, 1]], "l2": 0.01},
            "x": [0, 0, 0, 0, 0, 0, 0, 0, 0],
            "algorithm": {"name": "m_sobirl", "outer_lr": 0.1, "w_lr": 0.5, "bellman_steps": 10},
            "steps": 50}"#;
        let out = run(&parse(text).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(out["V"].as_array().map(Vec::len), Some(9));
        assert_eq!(out["pi"].as_array().map(Vec::len), Some(36));
        let phis = out["iterates"]["phi"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let (first, last) = (
            phis.first().and_then(|v| v.as_f64()).unwrap_or(f64::NAN),
            phis.last().and_then(|v| v.as_f64()).unwrap_or(f64::NAN),
        );
        assert_eq!(phis.len(), 51);
        assert!(
            last < first,
            "M-SoBiRL lowers the demos' NLL: {first} → {last}"
        );
        let bad = text.replace("[0, 1]]", "[0, 7]]");
        let e = parse(&bad).err().unwrap_or_default();
        assert!(e.starts_with("upper.demos[2]"), "{e}");
        let bad = text.replace("\"gamma\": 0.9", "\"gamma\": 1.5");
        let e = parse(&bad).err().unwrap_or_default();
        assert!(e.contains("gamma"), "{e}");
        let bad = text.replace("[0, 0, 0, 0, 0, 0, 0, 0, 0]", "[0, 0]");
        let e = parse(&bad).err().unwrap_or_default();
        assert!(e.starts_with("x: must have 9"), "{e}");
    }
}
