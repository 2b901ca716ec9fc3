//! The policy distributions on the actor network's outputs: categorical on logits (CartPole, Acrobot) and a
//! Gaussian with a learned, state-independent log standard deviation (Pendulum), as PureJaxRL's PPO has
//! them. Each gives a draw, log π(a), the entropy, and their derivatives with respect to the outputs (and
//! the log-std), which the learners chain into the network's backward pass.

use rand::Rng;

use crate::numerics::random::gaussian;

/// A policy head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Head {
    /// Softmax over `n` logits.
    Categorical(usize),
    /// N(μ, σ²) with μ the network's one output and log σ a parameter of its own.
    Gaussian,
}

/// log π(a), the entropy, and what they need downstream.
#[derive(Clone, Debug, PartialEq)]
pub struct Eval {
    pub logp: f64,
    pub entropy: f64,
    /// ∂ log π(a) / ∂outputs, and ∂/∂ log σ (Gaussian; 0 for categorical).
    pub dlogp: Vec<f64>,
    pub dlogp_logstd: f64,
    /// ∂ entropy / ∂outputs, and ∂/∂ log σ.
    pub dentropy: Vec<f64>,
    pub dentropy_logstd: f64,
}

/// log softmax of logits (max-shifted).
pub fn log_softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
    z.iter().map(|v| v - lse).collect()
}

impl Head {
    /// The network's outputs.
    pub fn outputs(self) -> usize {
        match self {
            Self::Categorical(n) => n,
            Self::Gaussian => 1,
        }
    }

    /// A draw: the action's index as a number, or the Gaussian's value (not clipped: the task clips).
    pub fn sample<R: Rng + ?Sized>(self, out: &[f64], log_std: f64, rng: &mut R) -> f64 {
        match self {
            Self::Categorical(_) => {
                let logp = log_softmax(out);
                crate::numerics::random::categorical(
                    logp.iter().enumerate().map(|(k, l)| (k, l.exp())),
                    rng,
                ) as f64
            }
            Self::Gaussian => out[0] + log_std.exp() * gaussian(rng),
        }
    }

    /// The most likely action (the greedy rollout).
    pub fn mode(self, out: &[f64]) -> f64 {
        match self {
            Self::Categorical(_) => {
                out.iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |best, (k, &v)| {
                        if v > best.1 { (k, v) } else { best }
                    })
                    .0 as f64
            }
            Self::Gaussian => out[0],
        }
    }

    /// log π(a), the entropy and their derivatives at outputs `out`.
    pub fn eval(self, out: &[f64], log_std: f64, action: f64) -> Eval {
        match self {
            Self::Categorical(n) => {
                let logp = log_softmax(out);
                let p: Vec<f64> = logp.iter().map(|l| l.exp()).collect();
                let a = (action as usize).min(n - 1);
                let entropy = -p.iter().zip(&logp).map(|(p, l)| p * l).sum::<f64>();
                Eval {
                    logp: logp[a],
                    entropy,
                    // ∂ log p_a / ∂z_k = [k = a] − p_k; ∂H/∂z_k = −p_k (log p_k + H).
                    dlogp: (0..n).map(|k| f64::from(u8::from(k == a)) - p[k]).collect(),
                    dlogp_logstd: 0.0,
                    dentropy: (0..n).map(|k| -p[k] * (logp[k] + entropy)).collect(),
                    dentropy_logstd: 0.0,
                }
            }
            Self::Gaussian => {
                let sigma = log_std.exp();
                let u = (action - out[0]) / sigma;
                Eval {
                    logp: -0.5 * u * u - log_std - 0.5 * (2.0 * std::f64::consts::PI).ln(),
                    entropy: 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln()
                        + log_std,
                    dlogp: vec![u / sigma],
                    dlogp_logstd: u * u - 1.0,
                    dentropy: vec![0.0],
                    dentropy_logstd: 1.0,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_probabilities_entropies_and_their_derivatives_match_differences() {
        let h = 1e-6;
        for (head, out, log_std, action) in [
            (Head::Categorical(3), vec![0.3, -1.2, 0.8], 0.0, 2.0),
            (Head::Gaussian, vec![0.4], -0.3, 1.1),
        ] {
            let e = head.eval(&out, log_std, action);
            for k in 0..out.len() {
                let (mut a, mut b) = (out.clone(), out.clone());
                a[k] += h;
                b[k] -= h;
                let (ea, eb) = (
                    head.eval(&a, log_std, action),
                    head.eval(&b, log_std, action),
                );
                assert!(((ea.logp - eb.logp) / (2.0 * h) - e.dlogp[k]).abs() < 1e-8);
                assert!(((ea.entropy - eb.entropy) / (2.0 * h) - e.dentropy[k]).abs() < 1e-8);
            }
            let (ea, eb) = (
                head.eval(&out, log_std + h, action),
                head.eval(&out, log_std - h, action),
            );
            assert!(((ea.logp - eb.logp) / (2.0 * h) - e.dlogp_logstd).abs() < 1e-8);
            assert!(((ea.entropy - eb.entropy) / (2.0 * h) - e.dentropy_logstd).abs() < 1e-8);
        }
        // A categorical's probabilities sum to one; the mode is the largest logit.
        let lp = log_softmax(&[1.0, 2.0, 3.0]);
        assert!((lp.iter().map(|l| l.exp()).sum::<f64>() - 1.0).abs() < 1e-15);
        assert_eq!(Head::Categorical(3).mode(&[1.0, 3.0, 2.0]), 1.0);
    }
}
