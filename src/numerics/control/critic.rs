//! BLPO's nested critic (`blpo.rs`, step 1 of Algorithm 2) as each form writes it: its Adam step on the
//! MSE to the GAE targets and its learning-rate schedule; the minibatch (one environment's trajectory),
//! its loss's Hessian (the IHVP's operator, Eq. 9) and how CG stops on it.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::hypergradient::{CriticHessian, Form};
use super::mlp::CriticLoss;
use super::ppo::{Adam, Agent, Rollout, clip_norm};
use crate::numerics::ihvp::HessianOperator;
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

/// Which IHVP BLPO's actor step uses (`"ihvp"` on `blpo`; BLPO-CG is CG).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ihvp {
    /// Nyström with the damped core (Algorithm 1).
    #[default]
    Nystrom,
    /// Fig. 4's variant, the authors' `nystrom_preconditioned_cg.py`: CG on H + λI with λ = 1/ρ
    /// (`lambda_reg = 1.0 / config["nystrom_rho"]`), preconditioned by the damped Nyström inverse
    /// ([`NystromInverse`]), at most `cg_iters` iterations to `tol=1e-10` (the file: `maxiter=10`).
    NystromPcg,
}

/// The damped Nyström approximation of (H + ρI)⁻¹ from the Hessian's rows at fixed indices K, as an
/// operator (the authors' `nystrom_hvp(v)`): v ↦ v/ρ − Cᵀ(W + CCᵀ/ρ + I)⁻¹Cv/ρ², C = H[K, :] (q × p),
/// W = C[:, K]. Built once per actor step (q Hessian–vector products), applied once per CG iteration.
#[derive(Clone, Debug)]
pub struct NystromInverse {
    rows: DMatrix<f64>,
    core: nalgebra::LU<f64, nalgebra::Dyn, nalgebra::Dyn>,
    rho: f64,
}

impl NystromInverse {
    pub fn new<H: HessianOperator + ?Sized>(op: &H, columns: &[usize], rho: f64) -> Self {
        let cols: Vec<DVector<f64>> = columns.iter().map(|&j| op.column(j)).collect();
        let rows = DMatrix::from_columns(&cols).transpose();
        let q = columns.len();
        let w = DMatrix::from_fn(q, q, |i, k| rows[(i, columns[k])]);
        let system = w + &rows * rows.transpose() / rho + DMatrix::identity(q, q);
        Self {
            core: system.lu(),
            rows,
            rho,
        }
    }

    /// Hessian–vector products spent building it.
    pub fn hvps(&self) -> usize {
        self.rows.nrows()
    }

    pub fn apply(&self, v: &DVector<f64>) -> DVector<f64> {
        let cv = &self.rows * v;
        let z = self
            .core
            .solve(&cv)
            .unwrap_or_else(|| DVector::zeros(cv.len()));
        v / self.rho - self.rows.transpose() * z / (self.rho * self.rho)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::Shifted;
    use crate::numerics::ihvp::cg::{CgRun, cg};
    use crate::numerics::ihvp::nystrom::{ColumnSampling, NystromVariant, nystrom};

    /// The preconditioner applied to b is the damped Nyström IHVP of `ihvp::nystrom` on the same columns
    /// (an independent implementation), and Nyström-preconditioned CG on H + I/ρ converges to CG's own
    /// solve of that system.
    #[test]
    fn the_authors_preconditioned_cg_is_cg_with_their_nystrom_inverse() {
        let (b, r, targets, _) = crate::numerics::control::blpo::tests::small();
        let (_, obs, t) = minibatch(&r, &targets, 2, 0);
        let op = minibatch_hessian(&b.agent, &obs, &t);
        let rhs = DVector::from_fn(b.agent.omega.len(), |i, _| (i as f64 * 0.7).sin());
        let columns = [3, 17, 40, 41, 9];
        let inverse = NystromInverse::new(&op, &columns, 50.0);
        let reference = nystrom(
            &op,
            &rhs,
            50.0,
            5,
            &ColumnSampling::Given(columns.to_vec()),
            NystromVariant::Damped,
            &mut <crate::numerics::random::SeededRng as rand::SeedableRng>::seed_from_u64(0),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let applied = inverse.apply(&rhs);
        assert!(
            (&applied - &reference.v).norm() < 1e-12 * reference.v.norm(),
            "{applied} vs {}",
            reference.v
        );
        let exact = cg(&op, &rhs, 1.0 / 50.0, 2000, 1e-14, Guard::None);
        let mut run = CgRun::new(&rhs, 300, 1e-12, Guard::None, &|v| inverse.apply(v));
        while !run.advance(&Shifted::new(&op, 1.0 / 50.0), 10, &|v| inverse.apply(v)) {}
        let (v, _, _) = run.finish("PCG", &mut Vec::new());
        assert!(
            (&v - &exact.v).norm() < 1e-6 * exact.v.norm(),
            "{:e}",
            (&v - &exact.v).norm() / exact.v.norm()
        );
    }

    /// A BLPO update with Fig. 4's variant: every actor step spends the q columns and at most `cg_iters`
    /// CG iterations, and its IHVP is a number.
    #[test]
    fn blpo_updates_with_the_preconditioned_cg() {
        let (mut b, ..) = crate::numerics::control::blpo::tests::small();
        b.cfg.ihvp = Ihvp::NystromPcg;
        b.cfg.cg_iters = 10;
        let stats = b.update();
        let t = &stats.terms;
        // An update's HVPs in all (2 environments × 4 epochs = 8 actor steps).
        assert!(
            t.hvps >= 8 * b.cfg.rank && t.hvps <= 8 * (b.cfg.rank + 10),
            "{t:?}"
        );
        assert!(t.ihvp_norm.is_finite() && t.ihvp_norm > 0.0, "{t:?}");
    }
}
