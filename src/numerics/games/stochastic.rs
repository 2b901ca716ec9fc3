//! The stochastic variant of the one-step actor–critic game (Zheng et al.'s notebook, seeds README): a
//! tanh-squashed Gaussian actor a = tanh(u), u ~ N(μ, 1), with parameter μ (the θ of the deterministic
//! game), entropy weight β, linear critic Q_w(a) = w·a and reward r(a) = −a².
//!
//! - Actor (leader) maximizes f₁(μ, w) = E[Q_w(a)] + β·H(π_μ);
//! - critic (follower) minimizes f₂(μ, w) = E[(Q_w(a) − r(a))²] = E[(w a + a²)²].
//!
//! With the reparameterization u = μ + ε, ε ~ N(0, 1), −log π_μ(a) = ε²/2 + log√(2π) + log(1 − a²), so
//! per sample (a = tanh(μ + ε), ∂a/∂μ = 1 − a²):
//! ∂μf₁ ≈ w(1 − a²) − 2βa,  ∂wf₁ ≈ a,  ∂wf₂ ≈ 2a(wa + a²),  ∂²wwf₂ ≈ 2a²,  ∂²μwf₂ ≈ (4wa + 6a²)(1 − a²),
//! averaged over the samples of one step. (0, 0) is still the equilibrium: at μ = 0 the action is
//! symmetric, so E[a] = E[a³] = 0.

use rand::Rng;

use super::actor_critic::Derivatives;
use crate::numerics::random::gaussian;

/// The stochastic actor's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StochasticActor {
    /// Entropy weight β (0.2 in the notebook).
    pub entropy: f64,
    /// Sampled actions per gradient estimate (3 in the notebook).
    pub samples: usize,
}

/// The per-sample derivatives for the noise draw ε (exact derivatives of the reparameterized sample
/// objectives; their mean over ε ~ N(0, 1) is the true derivative).
pub fn sample_derivatives(mu: f64, w: f64, entropy: f64, eps: f64) -> Derivatives {
    let a = (mu + eps).tanh();
    let da = 1.0 - a * a;
    Derivatives {
        d_theta_f1: w * da - 2.0 * entropy * a,
        d_w_f1: a,
        d_w_f2: 2.0 * a * (w * a + a * a),
        d_ww_f2: 2.0 * a * a,
        d_theta_w_f2: (4.0 * w * a + 6.0 * a * a) * da,
        cancelled_implicit: None,
    }
}

impl StochasticActor {
    /// The mean of [`sample_derivatives`] over `samples` fresh draws from `rng`.
    pub fn estimate<R: Rng + ?Sized>(&self, mu: f64, w: f64, rng: &mut R) -> Derivatives {
        let n = self.samples.max(1);
        let mut sum = Derivatives {
            d_theta_f1: 0.0,
            d_w_f1: 0.0,
            d_w_f2: 0.0,
            d_ww_f2: 0.0,
            d_theta_w_f2: 0.0,
            cancelled_implicit: None,
        };
        for _ in 0..n {
            let d = sample_derivatives(mu, w, self.entropy, gaussian(rng));
            sum.d_theta_f1 += d.d_theta_f1;
            sum.d_w_f1 += d.d_w_f1;
            sum.d_w_f2 += d.d_w_f2;
            sum.d_ww_f2 += d.d_ww_f2;
            sum.d_theta_w_f2 += d.d_theta_w_f2;
        }
        let k = 1.0 / n as f64;
        Derivatives {
            d_theta_f1: sum.d_theta_f1 * k,
            d_w_f1: sum.d_w_f1 * k,
            d_w_f2: sum.d_w_f2 * k,
            d_ww_f2: sum.d_ww_f2 * k,
            d_theta_w_f2: sum.d_theta_w_f2 * k,
            cancelled_implicit: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::games::actor_critic::{Dynamics, GameParams, step_terms};
    use crate::numerics::random::SeededRng;
    use rand::SeedableRng as _;

    /// The per-sample objectives, written from the definitions (log π up to its μ-free constant).
    fn f1(mu: f64, w: f64, beta: f64, eps: f64) -> f64 {
        let a = (mu + eps).tanh();
        w * a + beta * (1.0 - a * a).ln()
    }
    fn f2(mu: f64, w: f64, eps: f64) -> f64 {
        let a = (mu + eps).tanh();
        (w * a + a * a).powi(2)
    }

    #[test]
    fn per_sample_derivatives_match_central_differences() {
        let h = 1e-5;
        for (mu, w, eps) in [(-1.0, 1.0, 0.3), (0.4, -0.2, -1.1), (0.0, 0.5, 2.0)] {
            let d = sample_derivatives(mu, w, 0.2, eps);
            let fd = |f: &dyn Fn(f64, f64) -> f64, dm: f64, dw: f64| {
                (f(mu + dm, w + dw) - f(mu - dm, w - dw)) / (2.0 * h)
            };
            let g1 = |m: f64, v: f64| f1(m, v, 0.2, eps);
            let g2 = |m: f64, v: f64| f2(m, v, eps);
            let dw_f2 = |m: f64, v: f64| sample_derivatives(m, v, 0.2, eps).d_w_f2;
            for (ours, theirs) in [
                (d.d_theta_f1, fd(&g1, h, 0.0)),
                (d.d_w_f1, fd(&g1, 0.0, h)),
                (d.d_w_f2, fd(&g2, 0.0, h)),
                (d.d_ww_f2, fd(&dw_f2, 0.0, h)),
                (d.d_theta_w_f2, fd(&dw_f2, h, 0.0)),
            ] {
                assert!((ours - theirs).abs() < 1e-7, "{ours} vs {theirs}");
            }
        }
    }

    /// E over ε ~ N(0, 1) by the trapezoid rule on [−12, 12].
    fn expect(f: impl Fn(f64) -> f64) -> f64 {
        let n = 24_000;
        let h = 24.0 / n as f64;
        (0..=n)
            .map(|i| {
                let e = -12.0 + i as f64 * h;
                let wgt = if i == 0 || i == n { 0.5 } else { 1.0 };
                wgt * f(e) * (-0.5 * e * e).exp()
            })
            .sum::<f64>()
            * h
            / (2.0 * std::f64::consts::PI).sqrt()
    }

    #[test]
    fn sample_means_estimate_the_derivatives_of_the_expected_objectives() {
        let (mu, w, beta, h) = (-0.6, 0.8, 0.2, 1e-4);
        let actor = StochasticActor {
            entropy: beta,
            samples: 400_000,
        };
        let est = actor.estimate(mu, w, &mut SeededRng::seed_from_u64(11));
        let d_mu_f1 =
            (expect(|e| f1(mu + h, w, beta, e)) - expect(|e| f1(mu - h, w, beta, e))) / (2.0 * h);
        let d_w_f2 = (expect(|e| f2(mu, w + h, e)) - expect(|e| f2(mu, w - h, e))) / (2.0 * h);
        // Sampling error ~ std/√n ≈ 1e-3 for these magnitudes; the tolerance is ~4σ.
        assert!(
            (est.d_theta_f1 - d_mu_f1).abs() < 4e-3,
            "{} vs {d_mu_f1}",
            est.d_theta_f1
        );
        assert!(
            (est.d_w_f2 - d_w_f2).abs() < 4e-3,
            "{} vs {d_w_f2}",
            est.d_w_f2
        );
        // Symmetry at μ = 0: (0, 0) is a rest point of the expected dynamics.
        assert!(expect(|e| sample_derivatives(0.0, 0.0, beta, e).d_theta_f1).abs() < 1e-12);
        assert!(expect(|e| sample_derivatives(0.0, 0.0, beta, e).d_w_f2).abs() < 1e-12);
    }

    #[test]
    fn a_seed_replays_the_same_steps() {
        let p = GameParams {
            dynamics: Dynamics::Stackelberg,
            reg: 0.04,
            actor_lr: 0.01,
            critic_lr: 0.01,
            critic_steps: 1,
        };
        let actor = StochasticActor {
            entropy: 0.2,
            samples: 3,
        };
        let run = |seed| {
            let mut rng = SeededRng::seed_from_u64(seed);
            let mut s = (-1.0, 1.0);
            for _ in 0..200 {
                s = step_terms(s.0, s.1, &p, |m, v| actor.estimate(m, v, &mut rng)).next;
            }
            s
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }
}
