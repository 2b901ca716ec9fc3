//! Gradient dynamics of Zheng et al.'s one-step actor–critic game (seeds README; BLPO Figure 1), in the
//! game's own (maximizing-actor) form. f₁(θ, w) = θw (actor, maximizes), f₂(θ, w) = (θw + θ²/5)² (critic,
//! minimizes); ∂θf₁ = w, ∂wf₁ = θ, ∂wf₂ = 2θ(θw + θ²/5), ∂²wwf₂ = 2θ², ∂²θwf₂ = 4θw + 1.2θ².
//! - simultaneous: θ ← θ + δ₁ w,  w ← w − δ₂ ∂wf₂   (two-timescale play: δ₂ > δ₁);
//! - Stackelberg:  θ ← θ + δ₁ [w − ∂²θwf₂ / (∂²wwf₂ + λ) · ∂wf₁], critic step as above.
//!   With λ = 0 the implicit term θ²(4w + 1.2θ)/(2θ²) is evaluated in its cancelled form 2w + 0.6θ, which is
//!   exact for θ ≠ 0 and its continuous extension at θ = 0 (where ∂²wwf₂ vanishes).
//!
//! With `critic_steps` K = 1 both players step from the same iterate (Zheng's notebook); with K > 1 the
//! critic first takes K warm-started steps at the current θ and the actor's step uses that critic (BLPO).

use serde::{Deserialize, Serialize};

/// Which leader update.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dynamics {
    Simultaneous,
    Stackelberg,
}

/// The parameters of one panel's dynamics.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GameParams {
    pub dynamics: Dynamics,
    /// Ridge λ ≥ 0 on ∂²wwf₂ (Stackelberg only).
    pub reg: f64,
    pub actor_lr: f64,
    pub critic_lr: f64,
    /// K ≥ 1 critic steps per actor step.
    pub critic_steps: usize,
}

/// ∂wf₂ = 2θ(θw + θ²/5).
pub fn critic_gradient(theta: f64, w: f64) -> f64 {
    2.0 * theta * (theta * w + theta * theta / 5.0)
}

/// ∂²θwf₂ / (∂²wwf₂ + λ) · ∂wf₁ = θ²(4w + 1.2θ) / (2θ² + λ), guarded at θ = λ = 0.
pub fn implicit_term(theta: f64, w: f64, reg: f64) -> f64 {
    let denom = 2.0 * theta * theta + reg;
    if reg == 0.0 || denom == 0.0 {
        2.0 * w + 0.6 * theta
    } else {
        theta * theta * (4.0 * w + 1.2 * theta) / denom
    }
}

/// The actor's ascent direction at (θ, w).
pub fn actor_direction(theta: f64, w: f64, p: &GameParams) -> f64 {
    match p.dynamics {
        Dynamics::Simultaneous => w,
        Dynamics::Stackelberg => w - implicit_term(theta, w, p.reg),
    }
}

/// One actor step (with its K critic steps).
pub fn step(theta: f64, w: f64, p: &GameParams) -> (f64, f64) {
    if p.critic_steps <= 1 {
        let d = actor_direction(theta, w, p);
        (
            theta + p.actor_lr * d,
            w - p.critic_lr * critic_gradient(theta, w),
        )
    } else {
        let mut w = w;
        for _ in 0..p.critic_steps {
            w -= p.critic_lr * critic_gradient(theta, w);
        }
        (theta + p.actor_lr * actor_direction(theta, w, p), w)
    }
}

/// The critic's best response w*(θ) = −θ/5.
pub fn best_response(theta: f64) -> f64 {
    -theta / 5.0
}

/// A recorded trajectory: states every `record_every` steps (step 0 included), sign changes of θ, and
/// the step at which it diverged, if it did.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub theta: Vec<f64>,
    pub w: Vec<f64>,
    pub theta_sign_changes: usize,
    pub diverged_at: Option<usize>,
}

/// Runs `steps` steps from `start`, recording every `record_every` (≥ 1) steps and the final state.
pub fn simulate(
    start: (f64, f64),
    p: &GameParams,
    steps: usize,
    record_every: usize,
) -> Trajectory {
    let every = record_every.max(1);
    let (mut theta, mut w) = start;
    let mut out = Trajectory {
        theta: vec![theta],
        w: vec![w],
        theta_sign_changes: 0,
        diverged_at: None,
    };
    for k in 1..=steps {
        let (t, v) = step(theta, w, p);
        if t.signum() != theta.signum() && theta != 0.0 && t != 0.0 {
            out.theta_sign_changes += 1;
        }
        (theta, w) = (t, v);
        if !(theta.is_finite() && w.is_finite()) || theta.abs().max(w.abs()) > 1e12 {
            out.diverged_at = Some(k);
            out.theta.push(theta);
            out.w.push(w);
            break;
        }
        if k % every == 0 || k == steps {
            out.theta.push(theta);
            out.w.push(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::BilevelProblem as _;
    use crate::numerics::bilevel::problems::ActorCriticGame;
    use nalgebra::DVector;

    fn preset(dynamics: Dynamics, reg: f64, critic_lr: f64) -> GameParams {
        GameParams {
            dynamics,
            reg,
            actor_lr: 0.01,
            critic_lr,
            critic_steps: 1,
        }
    }

    fn distance(t: &Trajectory) -> Vec<f64> {
        t.theta.iter().zip(&t.w).map(|(a, b)| a.hypot(*b)).collect()
    }

    #[test]
    fn derivatives_agree_with_the_bilevel_problem() {
        let g = ActorCriticGame;
        for (t, w) in [(-1.0, 1.0), (0.4, -0.3)] {
            let (x, y) = (DVector::from_element(1, t), DVector::from_element(1, w));
            assert!((critic_gradient(t, w) - g.grad_y_g(&x, &y)[0]).abs() < 1e-14);
            let (grad, _) = crate::numerics::bilevel::exact_hypergradient(&g, &x, &y);
            let p = preset(Dynamics::Stackelberg, 0.0, 0.01);
            assert!(
                (actor_direction(t, w, &p) + grad[0]).abs() < 1e-12,
                "ascent = −∇Φ estimate"
            );
            assert!((implicit_term(t, w, 1e-300) - implicit_term(t, w, 0.0)).abs() < 1e-9);
        }
        assert_eq!(implicit_term(0.0, 0.5, 0.0), 1.0);
    }

    #[test]
    fn zheng_preset_simultaneous_cycles_and_stackelberg_converges() {
        let steps = 50_000;
        let sim = simulate(
            (-1.0, 1.0),
            &preset(Dynamics::Simultaneous, 0.0, 0.01),
            steps,
            100,
        );
        assert!(sim.theta_sign_changes > 10, "{}", sim.theta_sign_changes);
        let d = distance(&sim);
        let rises = |d: &[f64]| d.windows(2).filter(|w| w[1] > w[0] * 1.01).count();
        assert!(
            rises(&d) >= 5,
            "distance should rise and fall, rose {} times",
            rises(&d)
        );
        let ttsa = simulate(
            (-1.0, 1.0),
            &preset(Dynamics::Simultaneous, 0.0, 0.05),
            steps,
            100,
        );
        assert!(ttsa.theta_sign_changes >= 2, "{}", ttsa.theta_sign_changes);
        let st = simulate(
            (-1.0, 1.0),
            &preset(Dynamics::Stackelberg, 0.0, 0.01),
            steps,
            100,
        );
        assert_eq!(st.theta_sign_changes, 0);
        let ds = distance(&st);
        assert!(
            ds.windows(2).all(|w| w[1] <= w[0]),
            "Stackelberg approaches (0, 0) steadily"
        );
        assert!(ds[ds.len() - 1] < 0.05 * ds[0], "{}", ds[ds.len() - 1]);
        assert!(
            ds[ds.len() - 1] < d[d.len() - 1],
            "ends closer than simultaneous play"
        );
        let reg = simulate(
            (-1.0, 1.0),
            &preset(Dynamics::Stackelberg, 0.04, 0.01),
            steps,
            100,
        );
        let dr = distance(&reg);
        eprintln!(
            "final distance: simultaneous {:.3e}, ttsa {:.3e}, stackelberg {:.3e}, λ=0.04 {:.3e}",
            d[d.len() - 1],
            distance(&ttsa).last().copied().unwrap_or(0.0),
            ds[ds.len() - 1],
            dr[dr.len() - 1]
        );
        assert!(
            dr[dr.len() - 1] * 3.0 < ds[ds.len() - 1],
            "{} vs {}",
            dr[dr.len() - 1],
            ds[ds.len() - 1]
        );
    }

    #[test]
    fn an_independent_loop_matches_the_recorded_states() {
        // The seed's update rules written out directly, as Zheng's notebook does.
        let (d1, d2, lam) = (0.01, 0.01, 0.04);
        let (mut t, mut w) = (-1.0f64, 1.0f64);
        for _ in 0..1000 {
            let df2 = 2.0 * t * (t * w + t * t / 5.0);
            let t_next = t + d1 * (w - (4.0 * t * w + 1.2 * t * t) / (2.0 * t * t + lam) * t);
            w -= d2 * df2;
            t = t_next;
        }
        let tr = simulate(
            (-1.0, 1.0),
            &preset(Dynamics::Stackelberg, lam, d2),
            1000,
            1000,
        );
        assert!((tr.theta[1] - t).abs() < 1e-12 && (tr.w[1] - w).abs() < 1e-12);
    }

    #[test]
    fn huge_steps_diverge_with_a_step_number() {
        let p = GameParams {
            dynamics: Dynamics::Simultaneous,
            reg: 0.0,
            actor_lr: 50.0,
            critic_lr: 50.0,
            critic_steps: 3,
        };
        let tr = simulate((-1.0, 1.0), &p, 1000, 10);
        assert!(tr.diverged_at.is_some_and(|k| k < 1000));
    }
}
