//! The bilevel RL algorithms a run can be ([`RlAlgorithm`]): their names in files and links, labels and
//! one line on each step's rule; and the step sizes and sample counts they run with ([`Settings`]).
//! `lockstep` runs them.

use serde::{Deserialize, Serialize};

use super::hypergradient::Upper;
use super::sobirl::model_free_check;

/// The algorithms of seed 001's comparison (and CBSO of seed 003).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RlAlgorithm {
    MSobirl,
    Sobirl,
    StocSobirl,
    Exact,
    Parl,
    Hpgd,
    Drlhf,
    /// Links from before the DRLHF rule existed called this run `alternating`.
    #[serde(rename = "partial_hypergradient", alias = "alternating")]
    Partial,
    Pbrl,
    Cbso,
}

impl RlAlgorithm {
    pub const ALL: [RlAlgorithm; 10] = [
        RlAlgorithm::MSobirl,
        RlAlgorithm::Sobirl,
        RlAlgorithm::StocSobirl,
        RlAlgorithm::Exact,
        RlAlgorithm::Parl,
        RlAlgorithm::Hpgd,
        RlAlgorithm::Drlhf,
        RlAlgorithm::Partial,
        RlAlgorithm::Pbrl,
        RlAlgorithm::Cbso,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RlAlgorithm::MSobirl => "M-SoBiRL",
            RlAlgorithm::Sobirl => "SoBiRL (model-free)",
            RlAlgorithm::StocSobirl => "Stoc-SoBiRL",
            RlAlgorithm::Exact => "exact hypergradient",
            RlAlgorithm::Parl => "PARL",
            RlAlgorithm::Hpgd => "HPGD",
            RlAlgorithm::Drlhf => "DRLHF",
            RlAlgorithm::Partial => "partial hypergradient",
            RlAlgorithm::Pbrl => "penalty (PBRL)",
            RlAlgorithm::Cbso => "constrained (CBSO)",
        }
    }

    /// What one step does, for tooltips.
    pub fn rule(self) -> &'static str {
        match self {
            RlAlgorithm::MSobirl => {
                "one w step (ξ), x ← x − β·(estimated ∇φ)(x, π, w), N soft Bellman steps: model-based, first-order"
            }
            RlAlgorithm::Sobirl => {
                "N soft Bellman steps, then x ← x − β∇̃φ from M sampled trajectories (no P, no solves)"
            }
            RlAlgorithm::StocSobirl => {
                "SoBiRL with momentum h = g_k + (1 − µ)(h − g(same samples; x_(k−1), π_(k−1))), g the sampled ∇φ"
            }
            RlAlgorithm::Exact => "the follower solved to 1e-13, x ← x − β∇φ(x): the reference",
            RlAlgorithm::Parl => {
                "N soft Bellman steps, then x ← x − β·(the hypergradient at π_N, with an exact solve against (I − γP_π) transposed): AID, \
                 first- and second-order (Chakraborty et al. 2024)"
            }
            RlAlgorithm::Hpgd => {
                "the follower solved to 1e-10, then SGD on the sampled hypergradient from M trajectories \
                 (Thoma et al. 2024)"
            }
            RlAlgorithm::Drlhf => {
                "M steps x ← x − β∇_x f(x, π) on the upper loss alone, then N soft Bellman steps \
                 (Christiano et al. 2017)"
            }
            RlAlgorithm::Partial => {
                "N soft Bellman steps, then x ← x − β(∇_x f + τ⁻¹Φ^T diag(π)∇_πf): the direct part only, \
                 ignoring how V* moves with x"
            }
            RlAlgorithm::Pbrl => {
                "value-gap penalty λ(h(x, π_θ) − min h): a leader's policy copy by natural policy gradient (ξ_π)"
            }
            RlAlgorithm::Cbso => {
                "PBRL with the cost budget in the follower's objective (exact penalty λ_c)"
            }
        }
    }
}

/// The step sizes and sample counts of all runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub beta: f64,
    pub xi: f64,
    pub bellman_steps: usize,
    pub samples: usize,
    pub momentum: f64,
    pub lambda: f64,
    pub policy_lr: f64,
    pub seed: u64,
    /// DRLHF's M: leader steps per outer step.
    pub leader_steps: usize,
    /// CBSO's sampled estimates: B trajectories of H steps each (`penalty::Sampling`); B = 0: exact.
    pub cbso_batch: usize,
    pub cbso_horizon: usize,
    /// M-SoBiRL's w₀: N(0, I) drawn from this seed (the authors' `w = torch.randn(S, 1)`), or 0.
    pub w0_seed: Option<u64>,
}

/// Whether `algorithm` moves x on the objective `upper` (with or without a cost budget); if not, one line
/// naming the algorithm and the objectives it takes. No pair runs with x standing still (a test loops
/// over all of them).
pub fn refusal(algorithm: RlAlgorithm, upper: &Upper, budget: bool) -> Result<(), String> {
    let name = algorithm.name();
    match algorithm {
        RlAlgorithm::Sobirl | RlAlgorithm::StocSobirl | RlAlgorithm::Hpgd => model_free_check(upper)
            .map_err(|why| {
                format!(
                    "{name} takes trajectory objectives only — preferences, or shaping with true τ = 0 — not {}: {why}",
                    upper.label()
                )
            }),
        RlAlgorithm::Drlhf => match upper {
            Upper::ExpertNll { l2, .. } | Upper::Shaping { l2, .. } if *l2 == 0.0 => Err(format!(
                "{name} takes preferences and the synthetic objective, and {} only with an ℓ₂ term: its \
                 leader follows ∇ₓf alone, and there f depends on x only through π",
                upper.label()
            )),
            _ => Ok(()),
        },
        RlAlgorithm::Cbso if !budget => Err(format!(
            "{name} takes every objective, with a cost budget: switch the constraint on"
        )),
        _ => Ok(()),
    }
}
