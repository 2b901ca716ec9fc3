//! The pieces of BLPO's hypergradient on a minibatch (seed 000, Eq. 8–13, Corollary 5.4), as
//! `blpo.rs` assembles them: the actor's loss J(θ, ω) with advantages from the current critic and both its
//! gradients, the critic loss's Hessian as an operator for the IHVP, and the product-form mixed term.

use nalgebra::DVector;

use super::mlp::CriticLoss;
use super::ppo::{Agent, PpoConfig, Rollout, gae};
use crate::numerics::ihvp::HessianOperator;

/// The critic loss's Hessian as an operator (exact HVPs by the R-operator).
pub struct CriticHessian<'a> {
    pub loss: CriticLoss<'a>,
    pub at: &'a DVector<f64>,
}

impl HessianOperator for CriticHessian<'_> {
    fn dim(&self) -> usize {
        self.at.len()
    }

    fn hvp(&self, v: &DVector<f64>) -> DVector<f64> {
        self.loss.hvp(self.at.as_slice(), v.as_slice())
    }
}

/// One minibatch: the rollout indices of one environment's trajectory (in time order) and its
/// bootstrap observation.
pub struct Minibatch<'a> {
    pub r: &'a Rollout,
    pub index: Vec<usize>,
    pub last_obs: &'a [f64],
}

/// The actor's loss J on a minibatch with advantages from critic `omega`, and its gradients: ∇_θ J,
/// ∇_ω J (through the advantages) and the normalised advantages.
#[derive(Clone, Debug)]
pub struct ActorLoss {
    pub value: f64,
    pub grad_theta: DVector<f64>,
    pub grad_omega: DVector<f64>,
    pub advantages: Vec<f64>,
}

/// J(θ, ω) = (1/n) Σ −min(ρA, clip(ρ)A) − c_e·H with A = normalise(GAE(V_ω)), and both gradients.
pub fn actor_loss(agent: &Agent, mb: &Minibatch<'_>, cfg: &PpoConfig) -> ActorLoss {
    let n = mb.index.len();
    let nf = n.max(1) as f64;
    let omega = agent.omega.as_slice();
    // Advantages of this trajectory from the current critic.
    let values: Vec<f64> = mb
        .index
        .iter()
        .map(|&k| agent.value(&mb.r.obs[k]))
        .collect();
    let last = agent.value(mb.last_obs);
    let traj = Rollout {
        rewards: mb.index.iter().map(|&k| mb.r.rewards[k]).collect(),
        dones: mb.index.iter().map(|&k| mb.r.dones[k]).collect(),
        ..Rollout::default()
    };
    let (raw, _) = gae(&traj, &values, &[last], 1, cfg.gamma, cfg.gae_lambda);
    let mean = raw.iter().sum::<f64>() / nf;
    let std = (raw.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / nf).sqrt();
    let adv: Vec<f64> = raw.iter().map(|a| (a - mean) / (std + 1e-8)).collect();
    let log_std = agent.log_std();
    let theta = agent.theta.as_slice();
    let mut g_theta = vec![0.0; agent.theta.len()];
    let mut d_adv = vec![0.0; n];
    let mut value = 0.0;
    for (j, &k) in mb.index.iter().enumerate() {
        let x = &mb.r.obs[k];
        let f = agent.actor.forward(theta, x);
        let e = agent.head.eval(&f.out, log_std, mb.r.actions[k]);
        let ratio = (e.logp - mb.r.logp[k]).exp();
        let (unclipped, bounded) = (
            ratio * adv[j],
            ratio.clamp(1.0 - cfg.clip, 1.0 + cfg.clip) * adv[j],
        );
        value += (-unclipped.min(bounded) - cfg.entropy * e.entropy) / nf;
        let active = unclipped <= bounded;
        let dlogp = if active { -ratio * adv[j] / nf } else { 0.0 };
        d_adv[j] = if active {
            -ratio / nf
        } else {
            -ratio.clamp(1.0 - cfg.clip, 1.0 + cfg.clip) / nf
        };
        let d_out: Vec<f64> = (0..f.out.len())
            .map(|o| dlogp * e.dlogp[o] - cfg.entropy * e.dentropy[o] / nf)
            .collect();
        agent.actor.backward(theta, x, &f, &d_out, &mut g_theta);
        if agent.head == super::policy::Head::Gaussian {
            let last = g_theta.len() - 1;
            g_theta[last] += dlogp * e.dlogp_logstd - cfg.entropy * e.dentropy_logstd / nf;
        }
    }
    // Back through the normalisation zᵢ = (aᵢ − μ)/(σ + ε): ∂J/∂aᵢ = (gᵢ − ḡ)/(σ + ε) − zᵢ·mean(g z)/σ.
    let s = std + 1e-8;
    let g_mean = d_adv.iter().sum::<f64>() / nf;
    let gz = d_adv.iter().zip(&adv).map(|(g, z)| g * z).sum::<f64>() / nf;
    let d_raw: Vec<f64> = (0..n)
        .map(|i| (d_adv[i] - g_mean) / s - adv[i] * gz / std.max(f64::MIN_POSITIVE))
        .collect();
    // Back through GAE: G_t = ∂J/∂δ_t = g_t + γλ(1 − d_{t−1}) G_{t−1}; δ_t = r_t + γ(1 − d_t)V_{t+1} − V_t.
    let (gamma, lambda) = (cfg.gamma, cfg.gae_lambda);
    let mut d_values = vec![0.0; n + 1];
    let mut carry = 0.0;
    for t in 0..n {
        let keep_prev = if t > 0 && !traj.dones[t - 1] {
            1.0
        } else {
            0.0
        };
        carry = d_raw[t] + gamma * lambda * keep_prev * carry;
        d_values[t] -= carry;
        let keep = if traj.dones[t] { 0.0 } else { 1.0 };
        d_values[t + 1] += gamma * keep * carry;
    }
    let mut g_omega = vec![0.0; agent.omega.len()];
    for (t, &k) in mb.index.iter().enumerate() {
        let x = &mb.r.obs[k];
        let f = agent.critic.forward(omega, x);
        agent
            .critic
            .backward(omega, x, &f, &[d_values[t]], &mut g_omega);
    }
    let f = agent.critic.forward(omega, mb.last_obs);
    agent
        .critic
        .backward(omega, mb.last_obs, &f, &[d_values[n]], &mut g_omega);
    ActorLoss {
        value,
        grad_theta: DVector::from_vec(g_theta),
        grad_omega: DVector::from_vec(g_omega),
        advantages: adv,
    }
}

/// ∇_θω L · v̂ in Corollary 5.4's product form: ∇_θ of (2/n) Σᵢ ρᵢ(θ) Aᵢ (∇_ω V(sᵢ)·v̂), that is
/// (2/n) Σᵢ Aᵢ (∇_ω V(sᵢ)·v̂) ρᵢ ∇_θ log π(aᵢ|sᵢ).
pub fn mixed_term(
    agent: &Agent,
    mb: &Minibatch<'_>,
    advantages: &[f64],
    v: &DVector<f64>,
) -> DVector<f64> {
    let nf = mb.index.len().max(1) as f64;
    let log_std = agent.log_std();
    let theta = agent.theta.as_slice();
    let mut g = vec![0.0; agent.theta.len()];
    for (j, &k) in mb.index.iter().enumerate() {
        let x = &mb.r.obs[k];
        let (_, rv) = agent
            .critic
            .r_forward(agent.omega.as_slice(), v.as_slice(), x);
        let f = agent.actor.forward(theta, x);
        let e = agent.head.eval(&f.out, log_std, mb.r.actions[k]);
        let ratio = (e.logp - mb.r.logp[k]).exp();
        let w = 2.0 * advantages[j] * rv.out[0] * ratio / nf;
        let d_out: Vec<f64> = e.dlogp.iter().map(|d| w * d).collect();
        agent.actor.backward(theta, x, &f, &d_out, &mut g);
        if agent.head == super::policy::Head::Gaussian {
            let last = g.len() - 1;
            g[last] += w * e.dlogp_logstd;
        }
    }
    DVector::from_vec(g)
}
