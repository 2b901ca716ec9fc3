//! BLPO's nested critic (`blpo.rs`, step 1 of Algorithm 2) as each form writes it: its Adam step on the
//! MSE to the GAE targets and its learning-rate schedule; the minibatch (one environment's trajectory),
//! its loss's Hessian (the IHVP's operator, Eq. 9) and how CG stops on it.

use super::hypergradient::{CriticHessian, Form};
use super::mlp::CriticLoss;
use super::ppo::{Adam, Agent, Rollout, clip_norm};
use crate::numerics::ihvp::cg::Guard;

/// What a nested critic step reads of its learner's settings.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    pub form: Form,
    /// The critic's base learning rate.
    pub lr: f64,
    pub anneal: bool,
    /// Minibatches per update (environments × epochs) and updates in the run.
    pub minibatches: usize,
    pub updates: usize,
    pub max_grad_norm: f64,
}

/// One nested critic step on the MSE to the GAE targets: in the authors' code's form on the minibatch
/// (environment `env` of `envs`, as `dis_nystrom_ppo.py`'s `critic_target_loss(critic_state.params,
/// traj_batch, targets)` reads it inside `_update_minbatch`, where `traj_batch` is the minibatch), with
/// plain Adam and, when annealing, its `critic_linear_schedule`; in the other forms on the whole
/// rollout, the gradient clipped to the global norm.
pub fn step(
    agent: &mut Agent,
    adam: &mut Adam,
    s: &Schedule,
    (r, targets): (&Rollout, &[f64]),
    (envs, env): (usize, usize),
) {
    let authors = !s.form.ppo_actor();
    let (obs, mb_targets) = if authors {
        let (_, obs, t) = minibatch(r, targets, envs, env);
        (obs, t)
    } else {
        (r.obs.clone(), targets.to_vec())
    };
    let loss = CriticLoss {
        net: agent.critic,
        inputs: &obs,
        targets: &mb_targets,
    };
    let mut g = loss.gradient(agent.omega.as_slice());
    if !authors {
        clip_norm(&mut g, s.max_grad_norm);
    }
    let lr = s.lr * frac(adam, s);
    adam.step(&mut agent.omega, &g, lr);
}

/// The critic's learning-rate factor. Annealed in the authors' code's form as its
/// `critic_linear_schedule(count)` = 1 − (count // (minibatches · epochs)) / updates, where `count`
/// counts the critic optimiser's steps — K_ω of them per minibatch, so the factor reaches 0 after
/// 1/K_ω of the run and then turns negative (the file's own arithmetic, kept; `main.py` runs with
/// `ANNEAL_LR` False). In the other forms the critic's rate is constant.
pub fn frac(adam: &Adam, s: &Schedule) -> f64 {
    if s.form.ppo_actor() || !s.anneal {
        return 1.0;
    }
    let done = adam.steps() / s.minibatches.max(1) as u64;
    1.0 - done as f64 / s.updates as f64
}

/// CG's relative tolerance and guard: in the authors' code's form `dis_CG_ppo.py`'s
/// `jax.scipy.sparse.linalg.cg(hvp, v, maxiter=20, tol=1e-10)` on H + λI (here ρ), which runs on through
/// negative curvature; in the others all `cg_iters` iterations, stopping at negative curvature.
pub(super) fn cg_stops(form: Form) -> (f64, Guard) {
    if form.ppo_actor() {
        (0.0, Guard::Curvature)
    } else {
        (1e-10, Guard::None)
    }
}

/// Environment `env`'s trajectory in a rollout of `n` environments (the authors' minibatch): its indices,
/// observations and targets.
pub(super) fn minibatch(
    r: &Rollout,
    targets: &[f64],
    n: usize,
    env: usize,
) -> (Vec<usize>, Vec<Vec<f64>>, Vec<f64>) {
    let index: Vec<usize> = (0..r.rewards.len() / n).map(|t| t * n + env).collect();
    let obs = index.iter().map(|&k| r.obs[k].clone()).collect();
    let t = index.iter().map(|&k| targets[k]).collect();
    (index, obs, t)
}

/// The Hessian of the minibatch's critic loss at the agent's critic ω (the IHVP's operator, Eq. 9).
pub(super) fn minibatch_hessian<'a>(
    agent: &'a Agent,
    inputs: &'a [Vec<f64>],
    targets: &'a [f64],
) -> CriticHessian<'a> {
    CriticHessian {
        loss: CriticLoss {
            net: agent.critic,
            inputs,
            targets,
        },
        at: &agent.omega,
    }
}
