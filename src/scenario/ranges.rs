//! The limits of every view's knobs, one module a view: the sliders' ranges and what `Validate` accepts from a
//! link, a document or a preset (each state module re-exports its own as `range`).

/// The Stackelberg game.
pub mod stackelberg {
    pub const LR: (f64, f64) = (1e-4, 2.0);
    pub const TIMESCALE_RATIO: (f64, f64) = (1.0, 100.0);
    pub const REG: (f64, f64) = (0.0, 1.0);
    pub const CRITIC_STEPS: (usize, usize) = (1, 100);
    pub const STEPS_PER_FRAME: (usize, usize) = (1, 5000);
    pub const HORIZON: (usize, usize) = (1, 1_000_000);
    pub const MAP_STEPS: (usize, usize) = (1, 10_000);
    pub const MAP_SIZE: (usize, usize) = (16, 512);
    pub const ENTROPY: (f64, f64) = (0.0, 2.0);
    pub const SAMPLES: (usize, usize) = (1, 1000);
    pub const WINDOW: f64 = 100.0;
}

/// The playground.
pub mod playground {
    pub const FEATURES: (usize, usize) = (1, 8);
    pub const SAMPLES: (usize, usize) = (4, 200);
    pub const TASKS: (usize, usize) = (1, 12);
    pub const DIM: (usize, usize) = (1, 50);
    pub const CONDITION: (f64, f64) = (1.0, 1e6);
    pub const LR: (f64, f64) = (1e-5, 10.0);
    pub const INNER_STEPS: (usize, usize) = (1, 200);
    pub const ALPHA: (f64, f64) = (0.0, 100.0);
    pub const ITERS: (usize, usize) = (1, 200);
    pub const STEP: (f64, f64) = (1e-4, 2.0);
    pub const CLIP: (f64, f64) = (0.0, 100.0);
    pub const DECAY: (f64, f64) = (0.0, 1.0);
    pub const ETA: (f64, f64) = (0.0, 0.99);
    pub const RHO: (f64, f64) = (0.01, 1e4);
    pub const PENALTY_A: (f64, f64) = (0.0, 10.0);
    pub const RADIUS: (f64, f64) = (0.0, 100.0);
    pub const TAU: (f64, f64) = (0.0, 1.0);
    pub const SIGMA: (f64, f64) = (0.0, 10.0);
    pub const BATCH: (usize, usize) = (1, 200);
    pub const SEEDS: (usize, usize) = (1, 32);
    pub const START: (f64, f64) = (-10.0, 10.0);
    pub const STEPS_PER_FRAME: (usize, usize) = (1, 1000);
    pub const STOP_AT: (usize, usize) = (1, 20_000);
}

/// The IHVP lab.
pub mod ihvp_lab {
    pub const SIZE: (usize, usize) = (1, 1000);
    pub const INPUTS: (usize, usize) = (1, 8);
    pub const HIDDEN: (usize, usize) = (1, 24);
    pub const DIM: (usize, usize) = (2, 128);
    pub const CONDITION: (f64, f64) = (1.0, 1e8);
    pub const ALPHA: (f64, f64) = (1e-4, 100.0);
    pub const ITERS: (usize, usize) = (1, 200);
    pub const STEP: (f64, f64) = (1e-4, 2.0);
}

/// Bilevel RL.
pub mod soft_rl {
    pub const SIDE: (usize, usize) = (2, 32);
    pub const STATES: (usize, usize) = (2, 200);
    pub const ACTIONS: (usize, usize) = (2, 10);
    /// The quadratic reward's dimension of x.
    pub const DIM: (usize, usize) = (1, 200);
    pub const GAMMA: (f64, f64) = (0.0, 0.99);
    pub const TAU: (f64, f64) = (0.01, 10.0);
    pub const DEMOS: (usize, usize) = (1, 500);
    pub const HORIZON: (usize, usize) = (1, 200);
    pub const L2: (f64, f64) = (0.0, 10.0);
    pub const STEP: (f64, f64) = (1e-4, 10.0);
    pub const BELLMAN: (usize, usize) = (1, 500);
    pub const SAMPLES: (usize, usize) = (1, 1000);
    pub const LEADER_STEPS: (usize, usize) = (1, 100);
    pub const MOMENTUM: (f64, f64) = (0.01, 1.0);
    pub const LAMBDA: (f64, f64) = (0.1, 1000.0);
    pub const BUDGET: (f64, f64) = (0.0, 100.0);
    pub const COST_WEIGHT: (f64, f64) = (0.0, 100.0);
    pub const CBSO_BATCH: (usize, usize) = (0, 4096);
    pub const CBSO_HORIZON: (usize, usize) = (1, 500);
    pub const STEPS_PER_FRAME: (usize, usize) = (1, 100);
    pub const STOP_AT: (usize, usize) = (1, 5000);
    /// Longest hand-drawn path.
    pub const DRAWN: usize = 400;
}

/// The Control tab.
pub mod control_lab {
    pub const SEEDS: (usize, usize) = (1, 16);
    pub const STOP_AT: (usize, usize) = (1, 5000);
    pub const ENVS: (usize, usize) = (1, 16);
    pub const ROLLOUT: (usize, usize) = (8, 512);
    pub const EPOCHS: (usize, usize) = (1, 16);
    pub const MINIBATCHES: (usize, usize) = (1, 16);
    pub const HIDDEN: (usize, usize) = (4, 128);
    pub const ACTOR_LR: (f64, f64) = (1e-5, 1e-1);
    pub const CRITIC_LR: (f64, f64) = (1e-5, 1e-1);
    pub const ENTROPY: (f64, f64) = (0.0, 0.1);
    pub const CRITIC_STEPS: (usize, usize) = (1, 50);
    pub const RANK: (usize, usize) = (1, 64);
    pub const RHO: (f64, f64) = (1e-3, 1e4);
    pub const BOUND: (f64, f64) = (0.0, 10.0);
    pub const CG_ITERS: (usize, usize) = (1, 200);
}
