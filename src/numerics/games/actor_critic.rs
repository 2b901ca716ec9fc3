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

/// The derivatives one step uses, at one iterate: exact (this file) or sampled
/// ([`super::stochastic`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Derivatives {
    /// ∂θf₁, the actor's direct gradient.
    pub d_theta_f1: f64,
    /// ∂wf₁, how the actor's objective moves with the critic.
    pub d_w_f1: f64,
    /// ∂wf₂, the critic's gradient.
    pub d_w_f2: f64,
    /// ∂²wwf₂, the critic's curvature (2θ² in the deterministic game: zero at θ = 0).
    pub d_ww_f2: f64,
    /// ∂²θwf₂, the mixed second derivative.
    pub d_theta_w_f2: f64,
    /// The implicit term at λ = 0 in closed, cancelled form where one exists (2w + 0.6θ).
    pub cancelled_implicit: Option<f64>,
}

impl Derivatives {
    /// The exact derivatives of the deterministic game at (θ, w) (seeds README).
    pub fn exact(theta: f64, w: f64) -> Self {
        Self {
            d_theta_f1: w,
            d_w_f1: theta,
            d_w_f2: critic_gradient(theta, w),
            d_ww_f2: 2.0 * theta * theta,
            d_theta_w_f2: 4.0 * theta * w + 1.2 * theta * theta,
            cancelled_implicit: Some(2.0 * w + 0.6 * theta),
        }
    }

    /// The implicit correction ∂²θwf₂ (∂²wwf₂ + λ)⁻¹ ∂wf₁ (BLPO Eq. 5–6 in one dimension). At λ = 0 the
    /// cancelled form is used where there is one; a vanishing denominator without one gives 0 (no
    /// curvature, no correction).
    pub fn implicit(&self, reg: f64) -> f64 {
        let denom = self.d_ww_f2 + reg;
        match self.cancelled_implicit {
            Some(c) if reg == 0.0 || denom == 0.0 => c,
            _ if denom <= 0.0 => 0.0,
            _ => self.d_theta_w_f2 / denom * self.d_w_f1,
        }
    }
}

/// ∂²θwf₂ / (∂²wwf₂ + λ) · ∂wf₁ = θ²(4w + 1.2θ) / (2θ² + λ), guarded at θ = λ = 0.
pub fn implicit_term(theta: f64, w: f64, reg: f64) -> f64 {
    Derivatives::exact(theta, w).implicit(reg)
}

/// The actor's ascent direction at (θ, w).
pub fn actor_direction(theta: f64, w: f64, p: &GameParams) -> f64 {
    match p.dynamics {
        Dynamics::Simultaneous => w,
        Dynamics::Stackelberg => w - implicit_term(theta, w, p.reg),
    }
}

/// Every term of one actor step (for "explain this step").
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepTerms {
    /// The iterate the step starts from.
    pub start: (f64, f64),
    /// The critic the actor's step sees: w itself (K = 1) or w after K warm-started critic steps.
    pub critic_seen: f64,
    /// The derivatives at (θ, critic_seen).
    pub at: Derivatives,
    /// ∂wf₂ of the first critic step (at the start iterate).
    pub first_critic_gradient: f64,
    /// The implicit correction (0 for simultaneous play).
    pub implicit: f64,
    /// ∂θf₁ − implicit: the direction the actor steps along.
    pub actor_direction: f64,
    /// The iterate after the step.
    pub next: (f64, f64),
}

/// One actor step with its K critic steps, the derivatives coming from `derivatives(θ, w)` (exact or
/// sampled: the stochastic game draws fresh samples per call).
pub fn step_terms(
    theta: f64,
    w: f64,
    p: &GameParams,
    mut derivatives: impl FnMut(f64, f64) -> Derivatives,
) -> StepTerms {
    let (at, first_critic_gradient, critic_seen, w_next) = if p.critic_steps <= 1 {
        let at = derivatives(theta, w);
        (at, at.d_w_f2, w, w - p.critic_lr * at.d_w_f2)
    } else {
        let mut v = w;
        let mut first = None;
        for _ in 0..p.critic_steps {
            let g = derivatives(theta, v).d_w_f2;
            first.get_or_insert(g);
            v -= p.critic_lr * g;
        }
        (derivatives(theta, v), first.unwrap_or(0.0), v, v)
    };
    let implicit = match p.dynamics {
        Dynamics::Simultaneous => 0.0,
        Dynamics::Stackelberg => at.implicit(p.reg),
    };
    let actor_direction = at.d_theta_f1 - implicit;
    StepTerms {
        start: (theta, w),
        critic_seen,
        at,
        first_critic_gradient,
        implicit,
        actor_direction,
        next: (theta + p.actor_lr * actor_direction, w_next),
    }
}

/// One actor step (with its K critic steps) of the deterministic game.
pub fn step(theta: f64, w: f64, p: &GameParams) -> (f64, f64) {
    step_terms(theta, w, p, Derivatives::exact).next
}

/// The critic's best response w*(θ) = −θ/5.
pub fn best_response(theta: f64) -> f64 {
    -theta / 5.0
}

/// One trajectory being stepped: its iterate, step count, sign changes of θ, and the step at which it
/// diverged (left |θ|, |w| ≤ 1e12 or became NaN), after which it stays put.
#[derive(Clone, Debug, PartialEq)]
pub struct Walker {
    pub theta: f64,
    pub w: f64,
    pub steps: usize,
    pub theta_sign_changes: usize,
    pub diverged_at: Option<usize>,
}

impl Walker {
    pub fn new(start: (f64, f64)) -> Self {
        Self {
            theta: start.0,
            w: start.1,
            steps: 0,
            theta_sign_changes: 0,
            diverged_at: None,
        }
    }

    /// Takes one step to `next` (from [`step`] or [`step_terms`]); false once diverged.
    pub fn accept(&mut self, next: (f64, f64)) -> bool {
        if self.diverged_at.is_some() {
            return false;
        }
        let (t, v) = next;
        self.steps += 1;
        if t.signum() != self.theta.signum() && self.theta != 0.0 && t != 0.0 {
            self.theta_sign_changes += 1;
        }
        (self.theta, self.w) = (t, v);
        if !(t.is_finite() && v.is_finite()) || t.abs().max(v.abs()) > 1e12 {
            self.diverged_at = Some(self.steps);
            return false;
        }
        true
    }

    /// Distance to the equilibrium (0, 0).
    pub fn distance(&self) -> f64 {
        self.theta.hypot(self.w)
    }
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
    let mut walker = Walker::new(start);
    let (mut theta, mut w) = (vec![start.0], vec![start.1]);
    for k in 1..=steps {
        let ok = walker.accept(step(walker.theta, walker.w, p));
        if !ok || k % every == 0 || k == steps {
            theta.push(walker.theta);
            w.push(walker.w);
        }
        if !ok {
            break;
        }
    }
    Trajectory {
        theta,
        w,
        theta_sign_changes: walker.theta_sign_changes,
        diverged_at: walker.diverged_at,
    }
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
        assert!(
            !tr.theta
                .last()
                .is_some_and(|t| t.is_finite() && t.abs() < 1e12)
        );
    }

    #[test]
    fn step_terms_add_up_to_the_step() {
        for dynamics in [Dynamics::Simultaneous, Dynamics::Stackelberg] {
            for k in [1, 4] {
                let p = GameParams {
                    dynamics,
                    reg: 0.04,
                    actor_lr: 0.02,
                    critic_lr: 0.05,
                    critic_steps: k,
                };
                let t = step_terms(0.7, -0.3, &p, Derivatives::exact);
                let mut w = -0.3;
                for _ in 0..k {
                    w -= 0.05 * 2.0 * 0.7 * (0.7 * w + 0.49 / 5.0);
                }
                assert!((t.critic_seen - if k == 1 { -0.3 } else { w }).abs() < 1e-15);
                assert!((t.next.1 - w).abs() < 1e-15);
                let implicit = if dynamics == Dynamics::Simultaneous {
                    0.0
                } else {
                    0.49 * (4.0 * t.critic_seen + 0.84) / (0.98 + 0.04)
                };
                assert!((t.implicit - implicit).abs() < 1e-14, "{t:?}");
                assert!((t.next.0 - (0.7 + 0.02 * (t.critic_seen - implicit))).abs() < 1e-14);
            }
        }
    }
}
