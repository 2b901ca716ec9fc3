//! `"kind": "soft_mdp"`: bilevel RL on a tabular soft MDP (issue 7). The MDP (explicit transitions, a
//! gridworld, or a seeded random MDP), γ, τ, ρ, reward features, the leader's objective and a point x →
//! V*, Q*, π* (rows s·A + a), φ(x), the exact hypergradient and the soft Bellman residual; with an
//! `algorithm` (any of M-SoBiRL, SoBiRL, Stoc-SoBiRL, exact descent, alternating, PBRL, CBSO) and
//! `steps`, also the iterates; with a `budget`, the expected cost and each step's violation.

use nalgebra::{DMatrix, DVector};
use serde::Deserialize;

mod run;

use super::json::{matrix, vector};
use crate::numerics::rl::gridworld::Gridworld;
use crate::numerics::rl::hypergradient::{BilevelRl, Upper};
use crate::numerics::rl::lockstep::{RlAlgorithm, refusal};
use crate::numerics::rl::mdp::SoftMdp;
use crate::numerics::rl::penalty::Budget;
use crate::numerics::rl::reward::RewardModel;

/// Largest number of states × actions the CLI takes.
pub const MAX_PAIRS: usize = 32 * 32 * 4;

/// Largest dimension of x for the quadratic reward (M is n × n).
pub const MAX_QUADRATIC_DIM: usize = 1000;

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
    /// Each pair's successors as the authors' `RandMDP` draws them (1 ..= S − 1 of them).
    #[serde(default)]
    pub sparse: bool,
}

/// The reward model: r(x) = Φx (`features`: given rows, or a named map), or M-SoBiRL's synthetic
/// r_sa = c_sa·xᵀMx (`quadratic`, drawn as in the authors' code; `numerics::rl::reward`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardSpec {
    pub features: Option<FeatureSpec>,
    pub quadratic: Option<QuadraticSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuadraticSpec {
    /// n, the dimension of x (the authors: 100).
    pub dim: usize,
    #[serde(default)]
    pub seed: u64,
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
    /// Bradley–Terry preferences between two clips drawn from the follower's occupancy, labelled by
    /// `true_reward` (on-policy pairs: a fixed set of labelled pairs would not depend on π at all).
    Preferences {
        true_reward: Vec<f64>,
        #[serde(default)]
        l2: f64,
    },
    Synthetic {},
}

/// An algorithm and its parameters (defaults as in the view).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RlAlgorithmSpec {
    pub name: RlAlgorithm,
    pub outer_lr: f64,
    #[serde(default = "default_w_lr")]
    pub w_lr: f64,
    #[serde(default = "crate::int::<10>")]
    pub bellman_steps: usize,
    #[serde(default = "crate::int::<32>")]
    pub samples: usize,
    #[serde(default = "default_momentum")]
    pub momentum: f64,
    #[serde(default = "default_lambda")]
    pub lambda: f64,
    #[serde(default = "default_policy_lr")]
    pub policy_lr: f64,
    #[serde(default)]
    pub seed: u64,
    /// DRLHF's M leader steps per outer step.
    #[serde(default = "crate::int::<1>")]
    pub leader_steps: usize,
    /// CBSO's sampled estimates: `batch` trajectories of `horizon` steps per estimate (0: exact).
    #[serde(default)]
    pub batch: usize,
    #[serde(default = "crate::int::<50>")]
    pub horizon: usize,
    /// M-SoBiRL's w₀ ~ N(0, I) from this seed, as the authors' code starts it (absent: w₀ = 0).
    #[serde(default)]
    pub w0_seed: Option<u64>,
}

serde_defaults! {
    default_w_lr: f64 = 0.5;
    default_momentum: f64 = 0.3;
    default_lambda: f64 = 10.0;
    default_policy_lr: f64 = 0.3;
}

/// A cost per state–action pair and a budget on its expected discounted total (CBSO).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    pub cost: Vec<f64>,
    pub budget: f64,
    #[serde(default = "default_cost_weight")]
    pub weight: f64,
}

serde_defaults! {
    default_cost_weight: f64 = 5.0;
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
    pub algorithm: Option<RlAlgorithmSpec>,
    #[serde(default)]
    pub budget: Option<BudgetSpec>,
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
                let m = SoftMdp::random_mdp(
                    random.states,
                    random.actions,
                    (self.gamma, self.tau),
                    random.seed,
                    random.sparse,
                );
                SoftMdp::new(
                    m.states,
                    m.actions,
                    m.transitions(),
                    self.gamma,
                    self.tau,
                    m.rho,
                )
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
            mdp = mdp.with_initial(rho)?;
        }
        let reward_model = match (&self.reward.features, &self.reward.quadratic) {
            (Some(_), Some(_)) | (None, None) => {
                return Err("reward: give either `features` (r = Φx) or `quadratic` \
                            (r_sa = c_sa·(x·Mx))"
                    .to_owned());
            }
            (None, Some(q)) => {
                if !(1..=MAX_QUADRATIC_DIM).contains(&q.dim) {
                    return Err(format!(
                        "reward.quadratic.dim: must be in 1..={MAX_QUADRATIC_DIM}, got {}",
                        q.dim
                    ));
                }
                RewardModel::authors_quadratic(mdp.states, mdp.actions, q.dim, q.seed)
            }
            (Some(features), None) => match features {
                FeatureSpec::Named(FeatureName::State) => RewardModel::PerState {
                    states: mdp.states,
                    actions: mdp.actions,
                },
                FeatureSpec::Named(FeatureName::StateAction) => {
                    RewardModel::Linear(DMatrix::identity(pairs, pairs))
                }
                FeatureSpec::Given(rows) => {
                    let f = matrix(rows, "reward.features")?;
                    if f.nrows() != pairs {
                        return Err(format!(
                            "reward.features: must have S·A = {pairs} rows (row s·A + a), got {}",
                            f.nrows()
                        ));
                    }
                    RewardModel::Linear(f)
                }
            },
        };
        if self.x.len() != reward_model.dim() {
            return Err(format!(
                "x: must have {} entries (the reward model's dimension), got {}",
                reward_model.dim(),
                self.x.len()
            ));
        }
        vector(&self.x, "x")?;
        let upper = match &self.upper {
            UpperSpec::ExpertNll { demos, l2 } => {
                if let Some((i, [s, a])) = demos
                    .iter()
                    .enumerate()
                    .find(|(_, [s, a])| *s >= mdp.states || *a >= mdp.actions)
                {
                    return Err(format!(
                        "upper.demos[{i}]: ({s}, {a}) is not a (state, action) of this MDP"
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
                if !(true_tau.is_finite() && true_tau >= 0.0) {
                    return Err(format!(
                        "upper.true_tau: must be ≥ 0 (0: the plain return), got {true_tau}"
                    ));
                }
                Upper::Shaping {
                    true_reward: vector(true_reward, "upper.true_reward")?,
                    true_tau,
                    l2: *l2,
                }
            }
            UpperSpec::Preferences { true_reward, l2 } => {
                if true_reward.len() != pairs {
                    return Err(format!(
                        "upper.true_reward: must have S·A = {pairs} entries, got {}",
                        true_reward.len()
                    ));
                }
                Upper::Preferences {
                    true_reward: vector(true_reward, "upper.true_reward")?,
                    l2: *l2,
                }
            }
            UpperSpec::Synthetic {} => Upper::Synthetic,
        };
        let problem = BilevelRl {
            mdp,
            reward_model,
            upper,
        };
        problem.check()?;
        Ok(problem)
    }

    /// The cost budget, checked against the MDP's size.
    fn budget(&self, pairs: usize) -> Result<Option<Budget>, String> {
        let Some(b) = &self.budget else {
            return Ok(None);
        };
        if b.cost.len() != pairs {
            return Err(format!(
                "budget.cost: must have S·A = {pairs} entries, got {}",
                b.cost.len()
            ));
        }
        for (name, v) in [("budget.budget", b.budget), ("budget.weight", b.weight)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("{name}: must be a finite number ≥ 0, got {v}"));
            }
        }
        Ok(Some(Budget {
            cost: vector(&b.cost, "budget.cost")?,
            budget: b.budget,
            weight: b.weight,
        }))
    }

    pub fn validate(&self) -> Result<(), String> {
        let problem = self.problem()?;
        self.budget(problem.mdp.states * problem.mdp.actions)?;
        if let Some(a) = &self.algorithm {
            for (name, v) in [
                ("algorithm.outer_lr", a.outer_lr),
                ("algorithm.w_lr", a.w_lr),
                ("algorithm.lambda", a.lambda),
                ("algorithm.policy_lr", a.policy_lr),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    return Err(format!("{name}: must be a finite number > 0, got {v}"));
                }
            }
            if !(1..=1000).contains(&a.leader_steps) {
                return Err(format!(
                    "algorithm.leader_steps: must be in 1..=1000, got {}",
                    a.leader_steps
                ));
            }
            if a.batch > 100_000 || !(1..=10_000).contains(&a.horizon) {
                return Err(format!(
                    "algorithm.batch, algorithm.horizon: batch in 0..=100000 (0: exact), horizon in \
                     1..=10000, got {} and {}",
                    a.batch, a.horizon
                ));
            }
            if !(a.momentum.is_finite() && a.momentum > 0.0 && a.momentum <= 1.0) {
                return Err(format!(
                    "algorithm.momentum: must be in (0, 1], got {}",
                    a.momentum
                ));
            }
            if !(1..=10_000).contains(&a.bellman_steps) {
                return Err(format!(
                    "algorithm.bellman_steps: must be in 1..=10000, got {}",
                    a.bellman_steps
                ));
            }
            if !(1..=100_000).contains(&a.samples) {
                return Err(format!(
                    "algorithm.samples: must be in 1..=100000, got {}",
                    a.samples
                ));
            }
            refusal(a.name, &problem.upper, self.budget.is_some())
                .map_err(|e| format!("algorithm.name: {e}"))?;
            if a.name == RlAlgorithm::Cbso && self.budget.is_none() {
                return Err("budget: CBSO needs a cost budget".to_owned());
            }
        }
        if self.steps > 100_000 {
            return Err(format!("steps: must be in 0..=100000, got {}", self.steps));
        }
        Ok(())
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

    #[test]
    fn preferences_with_sobirl_and_a_budget_with_cbso_run_from_the_cli() {
        let text = r#"{"kind": "soft_mdp", "mdp": {"random": {"states": 4, "actions": 2, "seed": 3}},
            "gamma": 0.7, "tau": 0.5, "reward": {"features": "state_action"},
            "upper": {"kind": "preferences", "true_reward": [1, -1, 0.5, 0, -0.5, 2, 0, 1], "l2": 0.01},
            "x": [0, 0, 0, 0, 0, 0, 0, 0],
            "algorithm": {"name": "sobirl", "outer_lr": 0.2, "samples": 64, "bellman_steps": 5},
            "steps": 60}"#;
        let out = run(&parse(text).unwrap_or_else(|e| panic!("{e}")));
        let phi = out["iterates"]["phi"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(phi.len(), 61);
        let (first, last) = (
            phi[0].as_f64().unwrap_or(f64::NAN),
            phi[60].as_f64().unwrap_or(f64::NAN),
        );
        assert!(last < first, "SoBiRL on preferences: φ {first} → {last}");

        let cbso = r#"{"kind": "soft_mdp", "mdp": {"gridworld": {"rows": 3, "cols": 3, "slip": 0.1,
            "walls": [], "goals": [[0, 2]], "traps": [], "start": [2, 0]}},
            "gamma": 0.8, "tau": 0.3, "reward": {"features": "state"},
            "upper": {"kind": "shaping", "true_reward": [-0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02,
              -0.02, 1, 1, 1, 1, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02,
              -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02, -0.02],
              "true_tau": 0},
            "x": [0, 0, 0, 0, 0, 0, 0, 0, 0],
            "budget": {"cost": [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
              0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "budget": 0.05, "weight": 5},
            "algorithm": {"name": "cbso", "outer_lr": 0.2},
            "steps": 100}"#;
        let out = run(&parse(cbso).unwrap_or_else(|e| panic!("{e}")));
        let v = out["iterates"]["violation"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(v.len(), 101);
        assert!(v[100].as_f64().unwrap_or(f64::NAN) < 1e-3, "{:?}", &v[90..]);
        assert!(out["expected_cost"].as_f64().is_some());
        // The constrained follower's optimum at x: the budget binds (λ* > 0, J_c = b); CBSO's follower
        // ends nearer to it than to the unconstrained π*, but not at it (0.60 vs 1.40 in max_s ‖·‖₁).
        let c = &out["constrained"];
        assert!(c["lambda"].as_f64().is_some_and(|l| l > 0.0), "{c}");
        assert!(
            c["expected_cost"]
                .as_f64()
                .is_some_and(|j| (j - 0.05).abs() < 1e-9),
            "{c}"
        );
        let last = |k: &str| out["iterates"][k][100].as_f64().unwrap_or(f64::NAN);
        assert!(
            last("constrained_residual") < last("lower_residual")
                && last("constrained_residual") > 0.1,
            "{} vs {}",
            last("constrained_residual"),
            last("lower_residual")
        );

        assert!(
            c["hypergradient"].as_array().is_some_and(|g| g.len() == 9),
            "∇φ_c at x: {c}"
        );
        let norms = out["iterates"]["constrained_grad_norm"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(norms.len() == 101 && norms.iter().all(|v| v.as_f64().is_some()));
        let sampled = cbso.replace(
            r#""outer_lr": 0.2}"#,
            r#""outer_lr": 0.2, "batch": 64, "horizon": 30}"#,
        );
        let out_sampled = run(&parse(&sampled).unwrap_or_else(|e| panic!("{e}")));
        assert_ne!(
            out_sampled["iterates"]["phi"], out["iterates"]["phi"],
            "the sampled estimates change the run"
        );
        let e = parse(&sampled.replace(r#""horizon": 30"#, r#""horizon": 0"#))
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("algorithm.batch, algorithm.horizon"), "{e}");
        let e = parse(&cbso.replace("\"budget\": 0.05", "\"budget\": -1"))
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("budget.budget"), "{e}");
        let e = parse(&text.replace("\"preferences\"", "\"synthetic\"").replace(
            ", \"true_reward\": [1, -1, 0.5, 0, -0.5, 2, 0, 1], \"l2\": 0.01",
            "",
        ))
        .err()
        .unwrap_or_default();
        assert!(e.starts_with("algorithm.name"), "{e}");
    }

    /// M-SoBiRL's synthetic setting from the authors' code: x ∈ ℝ¹⁰⁰, r_sa = c_sa·xᵀMx.
    #[test]
    fn the_quadratic_reward_model_runs_from_the_cli_and_its_fields_are_checked() {
        let xs: Vec<String> = (0..100)
            .map(|i| format!("{}", (i % 7) as f64 * 0.1 - 0.3))
            .collect();
        let text = format!(
            r#"{{"kind": "soft_mdp", "mdp": {{"random": {{"states": 10, "actions": 5, "seed": 0}}}},
            "gamma": 0.5, "tau": 0.01, "reward": {{"quadratic": {{"dim": 100, "seed": 0}}}},
            "upper": {{"kind": "synthetic"}}, "x": [{}],
            "algorithm": {{"name": "m_sobirl", "outer_lr": 0.008, "w_lr": 0.5, "bellman_steps": 10}},
            "steps": 20}}"#,
            xs.join(", ")
        );
        let out = run(&parse(&text).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(
            out["hypergradient"].as_array().map(Vec::len),
            Some(100),
            "{out}"
        );
        assert_eq!(out["iterates"]["phi"].as_array().map(Vec::len), Some(21));
        let both = text.replace(
            r#""reward": {"quadratic""#,
            r#""reward": {"features": "state_action", "quadratic""#,
        );
        let e = parse(&both).err().unwrap_or_default();
        assert!(e.starts_with("reward: give either"), "{e}");
        // HPGD samples trajectories: refused on the synthetic objective, in one line naming what it takes.
        let e = parse(&text.replace(r#""name": "m_sobirl""#, r#""name": "hpgd""#))
            .err()
            .unwrap_or_default();
        assert!(
            e.starts_with("algorithm.name: HPGD takes trajectory objectives only"),
            "{e}"
        );
        let e = parse(&text.replace(r#""dim": 100"#, r#""dim": 0"#))
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("reward.quadratic.dim"), "{e}");
        let e = parse(&text.replace(r#""dim": 100"#, r#""dim": 99"#))
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("x: must have 99"), "{e}");
    }

    /// The new baselines by name from the CLI; `alternating` (the name before DRLHF's own rule) reads as
    /// the partial hypergradient and gives its numbers.
    #[test]
    fn parl_hpgd_drlhf_and_the_renamed_partial_hypergradient_run_from_the_cli() {
        let scenario = |name: &str| {
            format!(
                r#"{{"kind": "soft_mdp", "mdp": {{"random": {{"states": 4, "actions": 2, "seed": 3}}}},
                "gamma": 0.7, "tau": 0.5, "reward": {{"features": "state_action"}},
                "upper": {{"kind": "preferences", "true_reward": [1, -1, 0.5, 0, -0.5, 2, 0, 1], "l2": 0.01}},
                "x": [0, 0, 0, 0, 0, 0, 0, 0],
                "algorithm": {{"name": "{name}", "outer_lr": 0.2, "samples": 16, "leader_steps": 2}},
                "steps": 20}}"#
            )
        };
        let phi = |name: &str| {
            let out = run(&parse(&scenario(name)).unwrap_or_else(|e| panic!("{name}: {e}")));
            out["iterates"]["phi"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        };
        for name in ["parl", "hpgd", "drlhf", "partial_hypergradient"] {
            let p = phi(name);
            assert_eq!(p.len(), 21, "{name}");
            assert!(
                p.iter().all(|v| v.as_f64().is_some_and(f64::is_finite)),
                "{name}"
            );
        }
        assert_eq!(phi("alternating"), phi("partial_hypergradient"));
        assert_ne!(phi("drlhf"), phi("partial_hypergradient"));
        let e = parse(&scenario("drlhf").replace("\"leader_steps\": 2", "\"leader_steps\": 0"))
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("algorithm.leader_steps"), "{e}");
    }
}
