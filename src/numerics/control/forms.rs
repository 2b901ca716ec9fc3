//! BLPO's mixed term ∇_θω L · v̂ in its three written forms (issue 36; `shared/seeds/README.md`, "BLPO
//! Algorithm 2 as the authors' code runs it"), each the θ-gradient of the JVP along v̂ of a surrogate S(θ, ω)
//! on one minibatch (one environment's T-step trajectory, its steps t, targets R_t fixed at the rollout):
//!
//! - [`Form::AuthorsCode`]: `dis_nystrom_ppo.py`'s `leader_f2_loss`, `2 * -jnp.mean(jnp.dot(ratio * A,
//!   targets - values))`: S = −2·Σ_t ρ_t A_t(ω)(R_t − V_ω(s_t)) — `jnp.dot` makes it a sum over the
//!   minibatch, and A is GAE from the current critic inside it, so ω moves A as well as V;
//! - [`Form::Paper`]: Corollary 5.4 of seed 000 as printed, ∇_θ L̂ = (1/MT)·Σ_t (R_t − V_ω(s_t))·(1/(T−t))·
//!   Σ_{k≥0} ∇_θ log π(a_{t+k}|s_{t+k}) A_{t+k}, A held fixed (the paper's biased estimator: the same
//!   trajectory gives the inner and the outer A). A minibatch's trajectory is cut at episode ends, each piece
//!   one of the M trajectories, so a tail never runs into the next episode; 1/(MT) is 1/n over its n steps;
//! - [`Form::NormalisedMean`]: S = −2·mean_t(ρ_t Â_t (R_t − V_ω(s_t))) with J's normalised advantages Â held
//!   fixed — a per-step mean where the code sums, and A frozen where the code differentiates it (this app's
//!   form before issue 36).

use nalgebra::DVector;

use super::hypergradient::{ActorLoss, Form, Minibatch, trajectory};
use super::ppo::{Agent, PpoConfig, gae};

/// The mixed term ∇_θω L · v in `form` on minibatch `mb` (its targets `targets`, J as `j` computed it).
pub fn mixed(
    form: Form,
    (agent, cfg): (&Agent, &PpoConfig),
    (mb, targets): (&Minibatch<'_>, &[f64]),
    j: &ActorLoss,
    v: &DVector<f64>,
) -> DVector<f64> {
    // V(s_t) and dV_t = ∇_ω V(s_t)·v, both from the R-operator's one forward pass; then the bootstrap state's.
    let omega = agent.omega.as_slice();
    let at = |x: &[f64]| {
        let (f, r) = agent.critic.r_forward(omega, v.as_slice(), x);
        (f.out[0], r.out[0])
    };
    let (values, mut d_values): (Vec<f64>, Vec<f64>) =
        mb.index.iter().map(|&k| at(&mb.r.obs[k])).unzip();
    match form {
        Form::NormalisedMean => {
            let n = mb.index.len().max(1) as f64;
            let a = &j.advantages;
            theta_gradient(agent, mb, |t, rho| 2.0 * a[t] * d_values[t] * rho / n)
        }
        Form::AuthorsCode => {
            d_values.push(at(mb.last_obs).1);
            // GAE is linear in the values once the rewards are taken out: dA = GAE of dδ_t = γ(1 − d_t)dV_{t+1} − dV_t.
            let mut traj = trajectory(mb);
            traj.rewards.iter_mut().for_each(|r| *r = 0.0);
            let (d_adv, _) = gae(
                &traj,
                &d_values[..mb.index.len()],
                &d_values[mb.index.len()..],
                1,
                cfg.gamma,
                cfg.gae_lambda,
            );
            let weights: Vec<f64> = (0..mb.index.len())
                .map(|t| {
                    let residual = targets[t] - values[t];
                    -2.0 * (d_adv[t] * residual - j.advantages[t] * d_values[t])
                })
                .collect();
            theta_gradient(agent, mb, |t, rho| weights[t] * rho)
        }
        Form::Paper => paper(agent, mb, &j.raw_advantages, &d_values),
    }
}

/// Corollary 5.4's mixed term: Σ_k ∇_θ log π_k A_k c_k with c_k = −(1/n)·Σ_{t ≤ k, same episode} dV_t/(T_t − t),
/// T_t the end of t's piece of trajectory.
fn paper(agent: &Agent, mb: &Minibatch<'_>, adv: &[f64], d_values: &[f64]) -> DVector<f64> {
    let n = mb.index.len();
    let nf = n.max(1) as f64;
    let dones = trajectory(mb).dones;
    // The end (exclusive) of each step's piece: the step after its episode's last, or n.
    let mut end = vec![n; n];
    for t in (0..n).rev() {
        if dones[t] {
            end[t] = t + 1;
        } else if t + 1 < n {
            end[t] = end[t + 1];
        }
    }
    let mut c = vec![0.0; n];
    let mut running = 0.0;
    for t in 0..n {
        if t > 0 && dones[t - 1] {
            running = 0.0;
        }
        running -= d_values[t] / (end[t] - t) as f64 / nf;
        c[t] = running;
    }
    theta_gradient(agent, mb, |t, _| adv[t] * c[t])
}

/// Σ_t w_t·∇_θ log π(a_t|s_t) with w_t = `weight(t, ρ_t)` (ρ_t·∇_θ log π_t = ∇_θ ρ_t).
fn theta_gradient(
    agent: &Agent,
    mb: &Minibatch<'_>,
    weight: impl Fn(usize, f64) -> f64,
) -> DVector<f64> {
    let log_std = agent.log_std();
    let theta = agent.theta.as_slice();
    let mut g = vec![0.0; agent.theta.len()];
    for (t, &k) in mb.index.iter().enumerate() {
        let x = &mb.r.obs[k];
        let f = agent.actor.forward(theta, x);
        let e = agent.head.eval(&f.out, log_std, mb.r.actions[k]);
        let rho = (e.logp - mb.r.logp[k]).exp();
        let w = weight(t, rho);
        let d_out: Vec<f64> = e.dlogp.iter().map(|d| w * d).collect();
        agent.actor.backward(theta, x, &f, &d_out, &mut g);
        if agent.head == super::policy::Head::Gaussian {
            let last = g.len() - 1;
            g[last] += w * e.dlogp_logstd;
        }
    }
    DVector::from_vec(g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::control::blpo::tests::small;
    use crate::numerics::control::hypergradient::actor_loss;
    use crate::numerics::random::{SeededRng, gaussian};
    use rand::SeedableRng as _;

    /// Each form's surrogate S(θ, ω) itself, written from the module docs' formulas (A held at `j`'s where
    /// the form holds it fixed, recomputed by GAE from ω where it does not).
    fn surrogate(
        (form, cfg): (Form, &PpoConfig),
        a: &Agent,
        mb: &Minibatch<'_>,
        targets: &[f64],
        j: &ActorLoss,
    ) -> f64 {
        let n = mb.index.len();
        let logp = |t: usize| {
            let k = mb.index[t];
            let out = a.policy_out(&mb.r.obs[k]);
            a.head.eval(&out, a.log_std(), mb.r.actions[k]).logp
        };
        let ratio = |t: usize| (logp(t) - mb.r.logp[mb.index[t]]).exp();
        let residual = |t: usize| targets[t] - a.value(&mb.r.obs[mb.index[t]]);
        match form {
            Form::NormalisedMean => {
                (0..n)
                    .map(|t| -2.0 * ratio(t) * j.advantages[t] * residual(t))
                    .sum::<f64>()
                    / n as f64
            }
            Form::AuthorsCode => {
                let values: Vec<f64> = mb.index.iter().map(|&k| a.value(&mb.r.obs[k])).collect();
                let last = a.value(mb.last_obs);
                let (adv, _) = gae(
                    &trajectory(mb),
                    &values,
                    &[last],
                    1,
                    cfg.gamma,
                    cfg.gae_lambda,
                );
                (0..n).map(|t| -2.0 * ratio(t) * adv[t] * residual(t)).sum()
            }
            Form::Paper => {
                let done = |t: usize| mb.r.dones[mb.index[t]];
                (0..n)
                    .map(|t| {
                        let end = (t..n).find(|&k| done(k)).map_or(n, |k| k + 1);
                        let tail: f64 =
                            (t..end).map(|k| logp(k) * j.raw_advantages[k]).sum::<f64>();
                        residual(t) * tail / (end - t) as f64
                    })
                    .sum::<f64>()
                    / n as f64
            }
        }
    }

    /// uᵀ·mixed(v) against a central second difference of each form's surrogate, on a minibatch with an
    /// episode end inside it.
    #[test]
    fn each_forms_mixed_term_matches_second_differences_of_its_surrogate() {
        let (b, mut r, targets, last) = small();
        // Environment 0's steps are 0, 2, …, 10: its third step ends an episode.
        r.dones[4] = true;
        let index: Vec<usize> = (0..6).map(|t| t * 2).collect();
        let mb_targets: Vec<f64> = index.iter().map(|&k| targets[k]).collect();
        let mb = Minibatch {
            r: &r,
            index,
            last_obs: &last[0],
        };
        let mut rng = SeededRng::seed_from_u64(9);
        let v = DVector::from_fn(b.agent.omega.len(), |_, _| gaussian(&mut rng));
        let u = DVector::from_fn(b.agent.theta.len(), |_, _| gaussian(&mut rng));
        for form in Form::ALL {
            let j = actor_loss(&b.agent, &mb, &b.ppo, form);
            let got = u.dot(&mixed(form, (&b.agent, &b.ppo), (&mb, &mb_targets), &j, &v));
            let s = |theta: &DVector<f64>, omega: &DVector<f64>| {
                let mut a = b.agent.clone();
                a.theta = theta.clone();
                a.omega = omega.clone();
                surrogate((form, &b.ppo), &a, &mb, &mb_targets, &j)
            };
            let (h, e) = (1e-4, 1e-4);
            let (t, w) = (&b.agent.theta, &b.agent.omega);
            let fd = (s(&(t + &u * h), &(w + &v * e))
                - s(&(t + &u * h), &(w - &v * e))
                - s(&(t - &u * h), &(w + &v * e))
                + s(&(t - &u * h), &(w - &v * e)))
                / (4.0 * h * e);
            assert!(
                got.abs() > 1e-8,
                "{form:?}: a zero mixed term checks nothing"
            );
            assert!(
                (fd - got).abs() < 1e-5 * got.abs().max(1.0),
                "{form:?}: {fd} vs {got}"
            );
        }
    }
}
