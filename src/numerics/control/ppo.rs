//! PPO (Schulman et al. 2017), the baseline of BLPO's Figure 3, as PureJaxRL's `ppo.py` runs it (the
//! skeleton the BLPO authors' code is built on): N environments × T steps per update, advantages by GAE(λ)
//! (Schulman et al. 2016) with episode ends (terminated or truncated) cutting the bootstrap, E epochs over
//! M shuffled minibatches, the clipped surrogate −min(ρA, clip(ρ, 1 ± ε)A) with A normalised per minibatch,
//! the clipped value loss ½·max((V − R)², (V_clip − R)²) weighted by c_v, an entropy bonus c_e·H, one Adam
//! (ε = 1e−5) over actor and critic with the gradient's global norm clipped, and a learning rate annealed
//! linearly to 0 over the run. Separate actor and critic networks (64 × 64, tanh).

use nalgebra::DVector;
use rand::SeedableRng as _;
use rand::seq::SliceRandom as _;
use serde::{Deserialize, Serialize};

use super::envs::{Actions, EnvBatch, EnvKind};
use super::mlp::Mlp;
use super::policy::Head;
use crate::numerics::random::SeededRng;

/// PureJaxRL's PPO defaults (`ppo.py`'s config; the BLPO authors' `nystrom_ppo.py` keeps them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PpoConfig {
    pub envs: usize,
    pub steps: usize,
    pub epochs: usize,
    pub minibatches: usize,
    pub lr: f64,
    pub anneal: bool,
    pub gamma: f64,
    pub gae_lambda: f64,
    pub clip: f64,
    pub entropy: f64,
    pub value: f64,
    pub max_grad_norm: f64,
    pub hidden: usize,
}

impl Default for PpoConfig {
    fn default() -> Self {
        Self {
            envs: 4,
            steps: 128,
            epochs: 4,
            minibatches: 4,
            lr: 2.5e-4,
            anneal: true,
            gamma: 0.99,
            gae_lambda: 0.95,
            clip: 0.2,
            entropy: 0.01,
            value: 0.5,
            max_grad_norm: 0.5,
            hidden: 64,
        }
    }
}

/// Adam (Kingma & Ba 2015) on a flat parameter vector.
#[derive(Clone, Debug)]
pub struct Adam {
    m: DVector<f64>,
    v: DVector<f64>,
    t: i32,
    pub eps: f64,
}

impl Adam {
    pub fn new(len: usize, eps: f64) -> Self {
        Self {
            m: DVector::zeros(len),
            v: DVector::zeros(len),
            t: 0,
            eps,
        }
    }

    /// Steps taken (optax's `count`).
    pub fn steps(&self) -> u64 {
        u64::try_from(self.t).unwrap_or(0)
    }

    /// p ← p − lr · m̂ / (√v̂ + ε) for gradient g (β₁ = 0.9, β₂ = 0.999).
    pub fn step(&mut self, p: &mut DVector<f64>, g: &DVector<f64>, lr: f64) {
        self.t += 1;
        self.m = &self.m * 0.9 + g * 0.1;
        self.v = &self.v * 0.999 + g.component_mul(g) * 0.001;
        let c1 = 1.0 - 0.9f64.powi(self.t);
        let c2 = 1.0 - 0.999f64.powi(self.t);
        for i in 0..p.len() {
            p[i] -= lr * (self.m[i] / c1) / ((self.v[i] / c2).sqrt() + self.eps);
        }
    }
}

/// The actor and the critic: networks, parameters (θ ends with log σ for a Gaussian head) and the head.
#[derive(Clone, Debug)]
pub struct Agent {
    /// How the actor's outputs make a policy (softmax logits, or a Gaussian mean).
    pub head: Head,
    /// The two networks' shapes.
    pub actor: Mlp,
    pub critic: Mlp,
    /// The actor's parameters θ (then log σ for a Gaussian head) and the critic's ω.
    pub theta: DVector<f64>,
    pub omega: DVector<f64>,
}

impl Agent {
    /// PureJaxRL's initialisation: orthogonal, actor output gain 0.01, critic output gain 1, log σ = 0.
    pub fn new(env: EnvKind, hidden: usize, rng: &mut SeededRng) -> Self {
        let head = match env.actions() {
            Actions::Discrete(n) => Head::Categorical(n),
            Actions::Continuous { .. } => Head::Gaussian,
        };
        let actor = Mlp {
            inputs: env.obs_len(),
            hidden,
            outputs: head.outputs(),
        };
        let critic = Mlp {
            inputs: env.obs_len(),
            hidden,
            outputs: 1,
        };
        let mut theta = actor.init(0.01, rng).as_slice().to_vec();
        if head == Head::Gaussian {
            theta.push(0.0);
        }
        Self {
            head,
            actor,
            critic,
            theta: DVector::from_vec(theta),
            omega: critic.init(1.0, rng),
        }
    }

    /// log σ (0 for a categorical head).
    pub fn log_std(&self) -> f64 {
        match self.head {
            Head::Gaussian => self.theta[self.theta.len() - 1],
            Head::Categorical(_) => 0.0,
        }
    }

    /// The actor's outputs at an observation.
    pub fn policy_out(&self, obs: &[f64]) -> Vec<f64> {
        self.actor.forward(self.theta.as_slice(), obs).out
    }

    /// V_ω(obs).
    pub fn value(&self, obs: &[f64]) -> f64 {
        self.critic.forward(self.omega.as_slice(), obs).out[0]
    }
}

/// One rollout: T steps of N environments, flattened step-major (index t·N + i).
#[derive(Clone, Debug, Default)]
pub struct Rollout {
    /// Step-major, one entry per step of every environment: the observation, the action taken, its
    /// log-probability and the critic's value at the time, and the reward it got.
    pub obs: Vec<Vec<f64>>,
    pub actions: Vec<f64>,
    pub logp: Vec<f64>,
    pub values: Vec<f64>,
    pub rewards: Vec<f64>,
    /// The episode ended at this step (terminated or truncated): no bootstrap past it.
    pub dones: Vec<bool>,
    /// V of each environment's observation after the last step.
    pub last_values: Vec<f64>,
    /// Returns of the episodes that finished during the rollout.
    pub finished: Vec<f64>,
}

/// Runs the agent's stochastic policy for `steps` steps of every environment.
pub fn collect(agent: &Agent, envs: &mut EnvBatch, steps: usize, rng: &mut SeededRng) -> Rollout {
    let mut r = Rollout::default();
    let log_std = agent.log_std();
    for _ in 0..steps {
        let obs = envs.observations();
        let mut actions = Vec::with_capacity(obs.len());
        for o in &obs {
            let out = agent.policy_out(o);
            let a = agent.head.sample(&out, log_std, rng);
            r.logp.push(agent.head.eval(&out, log_std, a).logp);
            r.values.push(agent.value(o));
            actions.push(a);
        }
        for s in envs.step(&actions) {
            r.rewards.push(s.reward);
            r.dones.push(s.done);
        }
        r.actions.extend(actions);
        r.obs.extend(obs);
    }
    r.last_values = envs.observations().iter().map(|o| agent.value(o)).collect();
    r.finished = envs.take_finished();
    r
}

/// GAE(λ) advantages and the value targets A + V, over a step-major rollout of `n` environments:
/// δ_t = r_t + γ V_{t+1} (1 − d_t) − V_t, A_t = δ_t + γλ (1 − d_t) A_{t+1}.
pub fn gae(
    r: &Rollout,
    values: &[f64],
    last_values: &[f64],
    n: usize,
    gamma: f64,
    lambda: f64,
) -> (Vec<f64>, Vec<f64>) {
    let len = r.rewards.len();
    let mut adv = vec![0.0; len];
    let mut next_adv = vec![0.0; n];
    let mut next_value = last_values.to_vec();
    for t in (0..len / n).rev() {
        for i in 0..n {
            let k = t * n + i;
            let keep = if r.dones[k] { 0.0 } else { 1.0 };
            let delta = r.rewards[k] + gamma * next_value[i] * keep - values[k];
            adv[k] = delta + gamma * lambda * keep * next_adv[i];
            next_adv[i] = adv[k];
            next_value[i] = values[k];
        }
    }
    let targets = adv.iter().zip(values).map(|(a, v)| a + v).collect();
    (adv, targets)
}

/// Scales `g` to norm at most `max` (`max` ≤ 0: leaves it; the authors' PPO baseline runs unclipped).
pub fn clip_norm(g: &mut DVector<f64>, max: f64) {
    let norm = g.norm();
    if max > 0.0 && norm > max {
        *g *= max / norm;
    }
}

/// (x − mean) / (std + 1e−8), as PureJaxRL normalises a minibatch's advantages.
pub fn normalise(x: &[f64]) -> Vec<f64> {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let std = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    x.iter().map(|v| (v - mean) / (std + 1e-8)).collect()
}

/// The PPO losses of one minibatch and their gradients (∇_θ of the actor's part, ∇_ω of the critic's).
#[derive(Clone, Debug)]
pub struct Losses {
    pub actor: f64,
    pub value: f64,
    pub entropy: f64,
    pub grad_theta: DVector<f64>,
    pub grad_omega: DVector<f64>,
    /// Share of samples whose ratio left [1 − ε, 1 + ε].
    pub clipped: f64,
}

/// The PPO loss −min(ρA, clip(ρ)A) + c_v·½ max((V − R)², (V_clip − R)²) − c_e·H over `batch`, with A
/// normalised over the minibatch, and its gradients.
pub fn ppo_losses(
    agent: &Agent,
    r: &Rollout,
    adv: &[f64],
    targets: &[f64],
    batch: &[usize],
    cfg: &PpoConfig,
) -> Losses {
    let n = batch.len().max(1) as f64;
    let a_norm = normalise(&batch.iter().map(|&k| adv[k]).collect::<Vec<_>>());
    let log_std = agent.log_std();
    let mut g_theta = vec![0.0; agent.theta.len()];
    let mut g_omega = vec![0.0; agent.omega.len()];
    let (mut actor, mut value, mut entropy, mut clipped) = (0.0, 0.0, 0.0, 0.0);
    let theta = agent.theta.as_slice();
    for (j, &k) in batch.iter().enumerate() {
        let x = &r.obs[k];
        let f = agent.actor.forward(theta, x);
        let e = agent.head.eval(&f.out, log_std, r.actions[k]);
        let ratio = (e.logp - r.logp[k]).exp();
        let a = a_norm[j];
        let unclipped = ratio * a;
        let bounded = ratio.clamp(1.0 - cfg.clip, 1.0 + cfg.clip) * a;
        actor -= unclipped.min(bounded) / n;
        entropy += e.entropy / n;
        if (ratio - 1.0).abs() > cfg.clip {
            clipped += 1.0 / n;
        }
        // d(−min)/d log π = −ρA where the unclipped term is the smaller (the clipped one is flat).
        let dlogp = if unclipped <= bounded {
            -ratio * a / n
        } else {
            0.0
        };
        let d_out: Vec<f64> = (0..f.out.len())
            .map(|o| dlogp * e.dlogp[o] - cfg.entropy * e.dentropy[o] / n)
            .collect();
        agent.actor.backward(theta, x, &f, &d_out, &mut g_theta);
        if agent.head == Head::Gaussian {
            let last = g_theta.len() - 1;
            g_theta[last] += dlogp * e.dlogp_logstd - cfg.entropy * e.dentropy_logstd / n;
        }
        // The clipped value loss.
        let fc = agent.critic.forward(agent.omega.as_slice(), x);
        let v = fc.out[0];
        let old = r.values[k];
        let v_clip = old + (v - old).clamp(-cfg.clip, cfg.clip);
        let (l1, l2) = ((v - targets[k]).powi(2), (v_clip - targets[k]).powi(2));
        value += 0.5 * l1.max(l2) / n;
        let dv = if l1 >= l2 {
            v - targets[k]
        } else if (v - old).abs() < cfg.clip {
            v_clip - targets[k]
        } else {
            0.0
        };
        agent.critic.backward(
            agent.omega.as_slice(),
            x,
            &fc,
            &[cfg.value * dv / n],
            &mut g_omega,
        );
    }
    Losses {
        actor,
        value,
        entropy,
        grad_theta: DVector::from_vec(g_theta),
        grad_omega: DVector::from_vec(g_omega),
        clipped,
    }
}

/// What one update did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UpdateStats {
    /// Environment steps so far.
    pub steps: usize,
    /// Returns of the episodes that finished during this update's rollout.
    pub finished: Vec<f64>,
    pub actor_loss: f64,
    pub value_loss: f64,
    pub entropy: f64,
    pub clip_fraction: f64,
}

/// A PPO learner on N environments of one task.
#[derive(Clone, Debug)]
pub struct Ppo {
    pub cfg: PpoConfig,
    pub agent: Agent,
    pub envs: EnvBatch,
    adam: Adam,
    rng: SeededRng,
    /// Updates done, and planned (for the learning-rate schedule).
    pub updates: usize,
    pub total_updates: usize,
    pending: Option<Pending>,
}

impl Ppo {
    /// A learner seeded by `seed`, planned for `total_steps` environment steps.
    pub fn new(env: EnvKind, cfg: PpoConfig, seed: u64, total_steps: usize) -> Self {
        let mut rng = SeededRng::seed_from_u64(seed);
        let agent = Agent::new(env, cfg.hidden, &mut rng);
        let adam = Adam::new(agent.theta.len() + agent.omega.len(), 1e-5);
        Self {
            envs: EnvBatch::new(env, cfg.envs, seed.wrapping_add(1)),
            total_updates: (total_steps / (cfg.envs * cfg.steps).max(1)).max(1),
            cfg,
            agent,
            adam,
            rng,
            updates: 0,
            pending: None,
        }
    }

    /// Environment steps taken.
    pub fn steps(&self) -> usize {
        self.updates * self.cfg.envs * self.cfg.steps
    }

    /// The learning rate of the current update (linear anneal: lr · (1 − updates / total)).
    pub fn lr(&self) -> f64 {
        if self.cfg.anneal {
            self.cfg.lr * (1.0 - self.updates as f64 / self.total_updates as f64).max(0.0)
        } else {
            self.cfg.lr
        }
    }

    /// One update: a rollout, GAE, then E epochs of M shuffled minibatches.
    pub fn update(&mut self) -> UpdateStats {
        loop {
            if let Some(stats) = self.work() {
                return stats;
            }
        }
    }

    /// One unit of an update — the rollout, or one minibatch step — so a view can spread an update over
    /// frames; returns the update's statistics when it completes. Calling it until it returns is
    /// [`Ppo::update`].
    pub fn work(&mut self) -> Option<UpdateStats> {
        let Some(mut w) = self.pending.take() else {
            let cfg = &self.cfg;
            let r = collect(&self.agent, &mut self.envs, cfg.steps, &mut self.rng);
            let (adv, targets) = gae(
                &r,
                &r.values,
                &r.last_values,
                cfg.envs,
                cfg.gamma,
                cfg.gae_lambda,
            );
            self.pending = Some(Pending {
                order: (0..r.rewards.len()).collect(),
                r,
                adv,
                targets,
                unit: 0,
                stats: UpdateStats::default(),
            });
            return None;
        };
        let cfg = self.cfg.clone();
        let per_epoch = cfg.minibatches.max(1);
        let size = (w.order.len() / per_epoch).max(1);
        if w.unit.is_multiple_of(per_epoch) {
            w.order.shuffle(&mut self.rng);
        }
        let k = w.unit % per_epoch;
        let batch = &w.order[(k * size).min(w.order.len())..((k + 1) * size).min(w.order.len())];
        let l = ppo_losses(&self.agent, &w.r, &w.adv, &w.targets, batch, &cfg);
        let (nt, no) = (self.agent.theta.len(), self.agent.omega.len());
        let mut g = DVector::zeros(nt + no);
        g.rows_mut(0, nt).copy_from(&l.grad_theta);
        g.rows_mut(nt, no).copy_from(&l.grad_omega);
        clip_norm(&mut g, cfg.max_grad_norm);
        let mut p = DVector::zeros(nt + no);
        p.rows_mut(0, nt).copy_from(&self.agent.theta);
        p.rows_mut(nt, no).copy_from(&self.agent.omega);
        self.adam.step(&mut p, &g, self.lr());
        self.agent.theta.copy_from(&p.rows(0, nt));
        self.agent.omega.copy_from(&p.rows(nt, no));
        w.stats.actor_loss += l.actor;
        w.stats.value_loss += l.value;
        w.stats.entropy += l.entropy;
        w.stats.clip_fraction += l.clipped;
        w.unit += 1;
        if w.unit < cfg.epochs * per_epoch {
            self.pending = Some(w);
            return None;
        }
        self.updates += 1;
        let count = w.unit as f64;
        let mut stats = w.stats;
        stats.actor_loss /= count;
        stats.value_loss /= count;
        stats.entropy /= count;
        stats.clip_fraction /= count;
        stats.steps = self.steps();
        stats.finished = w.r.finished;
        Some(stats)
    }
}

/// An update in progress: its rollout, advantages and targets, the minibatch order, units done.
#[derive(Clone, Debug)]
struct Pending {
    r: Rollout,
    adv: Vec<f64>,
    targets: Vec<f64>,
    order: Vec<usize>,
    unit: usize,
    stats: UpdateStats,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn gae_matches_the_recursion_by_hand_and_stops_at_episode_ends() {
        // One environment, three steps, the second ends its episode.
        let r = Rollout {
            rewards: vec![1.0, 2.0, 3.0],
            dones: vec![false, true, false],
            ..Rollout::default()
        };
        let values = [0.5, 0.25, 1.0];
        let (g, l) = (0.9, 0.8);
        let (adv, targets) = gae(&r, &values, &[2.0], 1, g, l);
        let a2 = 3.0 + g * 2.0 - 1.0;
        let a1 = 2.0 - 0.25;
        let a0 = (1.0 + g * 0.25 - 0.5) + g * l * a1;
        assert_eq!(adv, vec![a0, a1, a2]);
        assert_eq!(targets, vec![a0 + 0.5, a1 + 0.25, a2 + 1.0]);
    }

    #[test]
    fn the_ppo_gradients_match_central_differences_of_the_losses() {
        for env in [EnvKind::Cartpole, EnvKind::Pendulum] {
            let cfg = PpoConfig {
                hidden: 6,
                envs: 2,
                steps: 5,
                ..PpoConfig::default()
            };
            let mut ppo = Ppo::new(env, cfg.clone(), 3, 1000);
            let r = collect(&ppo.agent, &mut ppo.envs, 5, &mut ppo.rng);
            let (adv, targets) = gae(&r, &r.values, &r.last_values, 2, 0.99, 0.95);
            // Move the parameters so ratios differ from 1 (some clipped) and values from the old ones.
            let mut agent = ppo.agent.clone();
            agent
                .theta
                .iter_mut()
                .enumerate()
                .for_each(|(i, t)| *t += 0.3 * ((i as f64).sin()));
            agent
                .omega
                .iter_mut()
                .enumerate()
                .for_each(|(i, w)| *w += 0.05 * ((i as f64).cos()));
            let batch: Vec<usize> = (0..10).collect();
            let l = ppo_losses(&agent, &r, &adv, &targets, &batch, &cfg);
            let total = |a: &Agent| {
                let l = ppo_losses(a, &r, &adv, &targets, &batch, &cfg);
                l.actor + cfg.value * l.value - cfg.entropy * l.entropy
            };
            let h = 1e-6;
            for k in 0..agent.theta.len() {
                let (mut a, mut b) = (agent.clone(), agent.clone());
                a.theta[k] += h;
                b.theta[k] -= h;
                let fd = (total(&a) - total(&b)) / (2.0 * h);
                assert!(
                    (fd - l.grad_theta[k]).abs() < 1e-6,
                    "{env:?} θ{k}: {fd} vs {}",
                    l.grad_theta[k]
                );
            }
            for k in 0..agent.omega.len() {
                let (mut a, mut b) = (agent.clone(), agent.clone());
                a.omega[k] += h;
                b.omega[k] -= h;
                let fd = (total(&a) - total(&b)) / (2.0 * h);
                assert!(
                    (fd - l.grad_omega[k]).abs() < 1e-6,
                    "{env:?} ω{k}: {fd} vs {}",
                    l.grad_omega[k]
                );
            }
        }
    }

    /// A CI-sized run: 24 updates (12 288 steps) of PureJaxRL's PPO raise CartPole's mean episode return
    /// well above the random policy's (~22).
    #[test]
    fn ppo_raises_cartpoles_return() {
        let mut ppo = Ppo::new(EnvKind::Cartpole, PpoConfig::default(), 0, 100_000);
        let mut early = Vec::new();
        let mut late = Vec::new();
        for u in 0..24 {
            let s = ppo.update();
            if u < 3 {
                early.extend(s.finished);
            } else if u >= 20 {
                late.extend(s.finished);
            }
        }
        assert_rises(&early, &late, 2.0);
    }

    /// The mean of the episodes' returns finished late is above `factor` times that of the early ones.
    pub(crate) fn assert_rises(early: &[f64], late: &[f64], factor: f64) {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        assert!(
            mean(late) > factor * mean(early),
            "{} → {}",
            mean(early),
            mean(late)
        );
    }
}
