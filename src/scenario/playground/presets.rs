//! The playground's presets: the lectures' and papers' pictures, each a whole state.

use super::{AlgoKind, Method, PlaygroundState, ProblemKind, QuadraticData, run};
use crate::scenario::query::Preset;

/// The presets.
pub const PRESETS: [Preset<PlaygroundState>; 4] = [
    Preset {
        name: "Nash ≠ Stackelberg",
        hint: "the 1-D toy: simultaneous and alternating play go to the Nash point (1, 1), the exact \
               hypergradient (α = 0) and unrolling to the Stackelberg point (1.5, 1.5)",
        state: PlaygroundState::default,
    },
    Preset {
        name: "Ill-conditioned inner problem: CG vs Nyström",
        hint: "LancBiO's synthetic problem, inner Hessian with κ = 100 (so β < 2/κ): double loop with \
               exact, CG (5 steps) and Nyström (rank 5) IHVPs, and LancBiO",
        state: || PlaygroundState {
            problem: ProblemKind::Lancbio,
            condition: 100.0,
            runs: [
                run(AlgoKind::DoubleLoop, Method::Exact),
                run(AlgoKind::DoubleLoop, Method::Cg),
                run(AlgoKind::DoubleLoop, Method::Nystrom),
                run(AlgoKind::Lancbio, Method::Exact),
            ],
            rank: 5,
            alpha: 0.01,
            start: [1.0, 0.0],
            outer_lr: 0.05,
            inner_lr: 0.015,
            inner_steps: 50,
            ..PlaygroundState::default()
        },
    },
    Preset {
        name: "Unrolling depth vs exact",
        hint: "ridge HPO with 2 features: unrolled (K = 3), alternating (ignores y*'s dependence), the \
               exact hypergradient and TTSA",
        state: || PlaygroundState {
            problem: ProblemKind::RidgeHpo,
            runs: [
                run(AlgoKind::Unrolled, Method::Exact),
                run(AlgoKind::Alternating, Method::Exact),
                run(AlgoKind::DoubleLoop, Method::Exact),
                run(AlgoKind::Ttsa, Method::Cg),
            ],
            inner_steps: 3,
            start: [1.0, 0.0],
            outer_lr: 0.05,
            inner_lr: 0.5,
            ..PlaygroundState::default()
        },
    },
    Preset {
        name: "Noisy oracles: TTSA, momentum, STABLE, BSA",
        hint: "a 3 × 3 quadratic with Gaussian gradient and HVP noise σ = 0.3, 8 seeds each, the \
               10-term Neumann IHVP; curves against oracle calls. At equal cost (3000 calls) plain TTSA \
               and BSA end lower than momentum (two evaluations per step) and STABLE (two IHVPs) — \
               the lecture's case for momentum and STABLE does not show on this problem",
        state: noisy_quadratic,
    },
];

/// The "Noisy oracles" preset (its claim: `tests::at_equal_oracle_cost_plain_ttsa_is_not_beaten`).
pub(super) fn noisy_quadratic() -> PlaygroundState {
    let eye = |k: f64| vec![vec![k, 0.0, 0.0], vec![0.0, k, 0.0], vec![0.0, 0.0, k]];
    PlaygroundState {
        problem: ProblemKind::Quadratic,
        quadratic: QuadraticData {
            a_mat: eye(1.0),
            b_mat: eye(0.2),
            e_mat: eye(0.5),
            a: vec![0.5, -0.5, 0.0],
            c: vec![1.0, 1.0, 1.0],
            h_mat: vec![
                vec![1.0, 0.0, 0.0],
                vec![0.0, 2.0, 0.0],
                vec![0.0, 0.0, 4.0],
            ],
            c_mat: vec![
                vec![1.0, 0.0, 0.5],
                vec![0.0, 1.0, 0.0],
                vec![0.3, 0.0, 1.0],
            ],
            d: vec![1.0, -1.0, 0.5],
        },
        condition: 1.0,
        runs: [
            run(AlgoKind::Ttsa, Method::Neumann),
            run(AlgoKind::Momentum, Method::Neumann),
            run(AlgoKind::Stable, Method::Neumann),
            run(AlgoKind::Bsa, Method::Neumann),
        ],
        outer_lr: 0.05,
        inner_lr: 0.2,
        inner_steps: 5,
        iters: 10,
        neumann_step: 0.2,
        eta: 0.5,
        start: [0.5, 0.0],
        stochastic: true,
        sigma: 0.3,
        batch: 1,
        seeds: 8,
        steps_per_frame: 10,
        ..PlaygroundState::default()
    }
}
