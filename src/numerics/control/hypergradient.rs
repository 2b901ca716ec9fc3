//! The pieces of BLPO's hypergradient on a minibatch (seed 000, Eq. 8–13, Corollary 5.4), as
//! `blpo.rs` assembles them: the actor's loss J(θ, ω) with advantages from the current critic and both its
//! gradients, and the critic loss's Hessian as an operator for the IHVP (the mixed term: `forms.rs`).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

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

/// How BLPO's actor objective J and its mixed term are written (the mixed terms: `forms.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// As the authors' code runs it: J without advantage normalisation or entropy bonus, the summed
    /// surrogate with A differentiated through GAE, the actor's Adam without gradient clipping; the nested
    /// critic steps on the minibatch, unclipped (the CLI's and the Control tab's default).
    #[default]
    AuthorsCode,
    /// Corollary 5.4 as printed (J as PPO's).
    Paper,
    /// The per-step mean with J's normalised advantages held fixed (J as PPO's).
    NormalisedMean,
}

impl Form {
    pub const ALL: [Self; 3] = [Self::AuthorsCode, Self::Paper, Self::NormalisedMean];

    /// The picker's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::AuthorsCode => "authors' code",
            Self::Paper => "paper (Cor. 5.4)",
            Self::NormalisedMean => "normalised mean",
        }
    }

    /// What the form computes, in one line.
    pub fn about(self) -> &'static str {
        match self {
            Self::AuthorsCode => {
                "dis_nystrom_ppo.py: −2·Σ_t ρA(ω)(R − V_ω), A through GAE; J without normalisation or entropy; no actor clipping"
            }
            Self::Paper => {
                "(1/T)·Σ_t (R_t − V_ω(s_t))·tail mean of ∇_θ log π·A, A fixed; J as PPO's"
            }
            Self::NormalisedMean => {
                "−2·mean_t ρÂ(R − V_ω), J's normalised Â held fixed; J as PPO's"
            }
        }
    }

    /// Whether J is PureJaxRL's (normalised advantages, entropy bonus, the actor's gradient clipped to the
    /// global norm) rather than the authors' code's.
    pub fn ppo_actor(self) -> bool {
        self != Self::AuthorsCode
    }
}

/// The minibatch's rewards and episode ends (what GAE reads besides the values).
pub fn trajectory(mb: &Minibatch<'_>) -> Rollout {
    Rollout {
        rewards: mb.index.iter().map(|&k| mb.r.rewards[k]).collect(),
        dones: mb.index.iter().map(|&k| mb.r.dones[k]).collect(),
        ..Rollout::default()
    }
}

/// The actor's loss J on a minibatch with advantages from critic `omega`, and its gradients: ∇_θ J,
/// ∇_ω J (through the advantages), the advantages J used and GAE's own (`raw_advantages`).
#[derive(Clone, Debug)]
pub struct ActorLoss {
    pub value: f64,
    pub grad_theta: DVector<f64>,
    pub grad_omega: DVector<f64>,
    pub advantages: Vec<f64>,
    pub raw_advantages: Vec<f64>,
}

/// J(θ, ω) = (1/n) Σ −min(ρA, clip(ρ)A) − c_e·H with A = normalise(GAE(V_ω)) (PureJaxRL's), or with A =
/// GAE(V_ω) and no entropy term (the authors' code, `Form::AuthorsCode`), and both gradients.
pub fn actor_loss(agent: &Agent, mb: &Minibatch<'_>, cfg: &PpoConfig, form: Form) -> ActorLoss {
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
    let traj = trajectory(mb);
    let (raw, _) = gae(&traj, &values, &[last], 1, cfg.gamma, cfg.gae_lambda);
    let normalising = form.ppo_actor();
    let entropy = if normalising { cfg.entropy } else { 0.0 };
    let mean = raw.iter().sum::<f64>() / nf;
    let std = (raw.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / nf).sqrt();
    let adv: Vec<f64> = if normalising {
        raw.iter().map(|a| (a - mean) / (std + 1e-8)).collect()
    } else {
        raw.clone()
    };
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
        value += (-unclipped.min(bounded) - entropy * e.entropy) / nf;
        let active = unclipped <= bounded;
        let dlogp = if active { -ratio * adv[j] / nf } else { 0.0 };
        d_adv[j] = if active {
            -ratio / nf
        } else {
            -ratio.clamp(1.0 - cfg.clip, 1.0 + cfg.clip) / nf
        };
        let d_out: Vec<f64> = (0..f.out.len())
            .map(|o| dlogp * e.dlogp[o] - entropy * e.dentropy[o] / nf)
            .collect();
        agent.actor.backward(theta, x, &f, &d_out, &mut g_theta);
        if agent.head == super::policy::Head::Gaussian {
            let last = g_theta.len() - 1;
            g_theta[last] += dlogp * e.dlogp_logstd - entropy * e.dentropy_logstd / nf;
        }
    }
    // Back through the normalisation zᵢ = (aᵢ − μ)/(σ + ε): ∂J/∂aᵢ = (gᵢ − ḡ)/(σ + ε) − zᵢ·mean(g z)/σ.
    let d_raw: Vec<f64> = if normalising {
        let s = std + 1e-8;
        let g_mean = d_adv.iter().sum::<f64>() / nf;
        let gz = d_adv.iter().zip(&adv).map(|(g, z)| g * z).sum::<f64>() / nf;
        (0..n)
            .map(|i| (d_adv[i] - g_mean) / s - adv[i] * gz / std.max(f64::MIN_POSITIVE))
            .collect()
    } else {
        d_adv
    };
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
        raw_advantages: raw,
    }
}
