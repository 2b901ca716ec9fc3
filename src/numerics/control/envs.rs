//! The classic-control tasks of BLPO's Figure 3, exactly as gymnasium's reference implementations define
//! them (gymnax follows the same equations): CartPole-v1 (Barto, Sutton & Anderson 1983; explicit Euler),
//! Acrobot-v1 (Sutton 1996, the "book" dynamics; one RK4 step of 0.2 s, angles wrapped, speeds bounded) and
//! Pendulum-v1 (clipped torque and speed, semi-implicit Euler). Their constants, rewards, termination and
//! time limits (500, 500, 200 steps) are the references'. And Brax's `inverted_pendulum` and
//! `inverted_double_pendulum` (`brax.rs`: Fig. 3's continuous tasks; 1000 steps). Float64 throughout.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::sync::LazyLock;

use super::brax::Chain;

/// Brax's two cart-and-pole bodies, built once (`EnvKind::step` is the hot path of every rollout).
static SINGLE: LazyLock<Chain> = LazyLock::new(Chain::single);
static DOUBLE: LazyLock<Chain> = LazyLock::new(Chain::double);

/// Which task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvKind {
    Cartpole,
    Acrobot,
    Pendulum,
    InvertedPendulum,
    InvertedDoublePendulum,
}

/// The action space: n discrete actions, or one continuous action in [−bound, bound].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Actions {
    Discrete(usize),
    Continuous { bound: f64 },
}

/// What one step returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub reward: f64,
    /// The task ended (the pole fell, the acrobot swung up); Pendulum never terminates.
    pub terminated: bool,
}

impl EnvKind {
    pub const ALL: [Self; 5] = [
        Self::Cartpole,
        Self::Acrobot,
        Self::Pendulum,
        Self::InvertedPendulum,
        Self::InvertedDoublePendulum,
    ];

    /// The reference's name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Cartpole => "CartPole-v1",
            Self::Acrobot => "Acrobot-v1",
            Self::Pendulum => "Pendulum-v1",
            Self::InvertedPendulum => "inverted_pendulum (Brax)",
            Self::InvertedDoublePendulum => "inverted_double_pendulum (Brax)",
        }
    }

    /// The lowest and highest return an episode can have: CartPole 1 per step (at least one step),
    /// Acrobot −1 per step until the goal, Pendulum at worst π² + 0.1·8² + 0.001·2² per step.
    pub fn return_range(self) -> (f64, f64) {
        let steps = self.time_limit() as f64;
        match self {
            Self::Cartpole | Self::InvertedPendulum => (1.0, steps),
            Self::Acrobot => (-steps, 0.0),
            Self::Pendulum => {
                let worst = PI * PI
                    + 0.1 * pendulum::MAX_SPEED * pendulum::MAX_SPEED
                    + 0.001 * pendulum::MAX_TORQUE * pendulum::MAX_TORQUE;
                (-worst * steps, 0.0)
            }
            // At most 10 − (1.2 − 2)² a step (the tip is at most 1.2 high); no lower bound (the cart and
            // the speeds are unbounded in the penalties).
            Self::InvertedDoublePendulum => (f64::NEG_INFINITY, (10.0 - 0.64) * steps),
        }
    }

    /// Entries of the internal state: (x, ẋ, θ, θ̇), (θ₁, θ₂, θ̇₁, θ̇₂), (θ, θ̇), and Brax's q then q̇.
    pub fn state_len(self) -> usize {
        match self {
            Self::Cartpole | Self::Acrobot | Self::InvertedPendulum => 4,
            Self::Pendulum => 2,
            Self::InvertedDoublePendulum => 6,
        }
    }

    /// The Brax tasks' cart and poles, built once.
    pub fn chain(self) -> Option<&'static Chain> {
        match self {
            Self::InvertedPendulum => Some(&SINGLE),
            Self::InvertedDoublePendulum => Some(&DOUBLE),
            _ => None,
        }
    }

    /// Entries of the observation the policy sees.
    pub fn obs_len(self) -> usize {
        match self {
            Self::Cartpole | Self::InvertedPendulum => 4,
            Self::Acrobot => 6,
            Self::Pendulum => 3,
            Self::InvertedDoublePendulum => 8,
        }
    }

    pub fn actions(self) -> Actions {
        match self {
            Self::Cartpole => Actions::Discrete(2),
            Self::Acrobot => Actions::Discrete(3),
            Self::Pendulum => Actions::Continuous {
                bound: pendulum::MAX_TORQUE,
            },
            Self::InvertedPendulum | Self::InvertedDoublePendulum => {
                Actions::Continuous { bound: 1.0 }
            }
        }
    }

    /// The time limit (an episode is truncated after this many steps).
    pub fn time_limit(self) -> usize {
        match self {
            Self::Cartpole | Self::Acrobot => 500,
            Self::Pendulum => 200,
            Self::InvertedPendulum | Self::InvertedDoublePendulum => 1000,
        }
    }

    /// A start state as the reference draws it: CartPole and Acrobot every entry uniform in ±0.05 and
    /// ±0.1, Pendulum θ uniform in ±π and θ̇ in ±1; Brax's single pendulum q and q̇ uniform in ±0.01,
    /// its double pendulum q uniform in ±0.01 and q̇ normal with σ = 0.01.
    pub fn reset<R: Rng + ?Sized>(self, rng: &mut R) -> Vec<f64> {
        match self {
            Self::Cartpole => (0..4).map(|_| rng.random_range(-0.05..0.05)).collect(),
            Self::Acrobot => (0..4).map(|_| rng.random_range(-0.1..0.1)).collect(),
            Self::Pendulum => vec![rng.random_range(-PI..PI), rng.random_range(-1.0..1.0)],
            Self::InvertedPendulum => (0..4).map(|_| rng.random_range(-0.01..0.01)).collect(),
            Self::InvertedDoublePendulum => (0..6)
                .map(|k| {
                    if k < 3 {
                        rng.random_range(-0.01..0.01)
                    } else {
                        0.01 * crate::numerics::random::gaussian(rng)
                    }
                })
                .collect(),
        }
    }

    /// The observation of a state.
    pub fn observe(self, s: &[f64]) -> Vec<f64> {
        match self {
            Self::Cartpole | Self::InvertedPendulum => s.to_vec(),
            Self::Acrobot => vec![s[0].cos(), s[0].sin(), s[1].cos(), s[1].sin(), s[2], s[3]],
            Self::Pendulum => vec![s[0].cos(), s[0].sin(), s[1]],
            Self::InvertedDoublePendulum => vec![
                s[0],
                s[1].sin(),
                s[2].sin(),
                s[1].cos(),
                s[2].cos(),
                s[3].clamp(-10.0, 10.0),
                s[4].clamp(-10.0, 10.0),
                s[5].clamp(-10.0, 10.0),
            ],
        }
    }

    /// One step from state `s` (updated in place). `action` is the action's index for the discrete tasks,
    /// the torque for Pendulum, and a ∈ [−1, 1] for Brax's tasks.
    pub fn step(self, s: &mut [f64], action: f64) -> Step {
        match self {
            Self::Cartpole => cartpole::step(s, action as usize),
            Self::Acrobot => acrobot::step(s, action as usize),
            Self::Pendulum => pendulum::step(s, action),
            Self::InvertedPendulum => {
                let chain = &*SINGLE;
                // `inverted_pendulum.py`'s step: (a + 1)·(max − min)/2 + min into the ctrl range.
                let (lo, hi) = chain.ctrl;
                chain.control_step(s, (action + 1.0) * (hi - lo) * 0.5 + lo);
                Step {
                    reward: 1.0,
                    terminated: s[1].abs() > 0.2,
                }
            }
            Self::InvertedDoublePendulum => {
                let chain = &*DOUBLE;
                chain.control_step(s, action);
                let (_, [x, y]) = chain.points(&s[..3]);
                let done = y <= 1.0;
                let penalty =
                    0.01 * x * x + (y - 2.0).powi(2) + 1e-3 * s[4] * s[4] + 5e-3 * s[5] * s[5];
                Step {
                    reward: if done { 0.0 } else { 10.0 } - penalty,
                    terminated: done,
                }
            }
        }
    }
}

/// CartPole-v1: a pole hinged on a cart pushed left or right with 10 N.
pub mod cartpole {
    use super::Step;

    pub const GRAVITY: f64 = 9.8;
    pub const MASS_CART: f64 = 1.0;
    pub const MASS_POLE: f64 = 0.1;
    pub const TOTAL_MASS: f64 = MASS_CART + MASS_POLE;
    /// Half the pole's length.
    pub const LENGTH: f64 = 0.5;
    pub const POLE_MASS_LENGTH: f64 = MASS_POLE * LENGTH;
    pub const FORCE: f64 = 10.0;
    pub const TAU: f64 = 0.02;
    /// The pole falls past 12°; the cart leaves past ±2.4.
    pub const THETA_LIMIT: f64 = 12.0 * 2.0 * std::f64::consts::PI / 360.0;
    pub const X_LIMIT: f64 = 2.4;

    /// The accelerations (ẍ, θ̈) under force `force`.
    pub fn accelerations(s: &[f64], force: f64) -> (f64, f64) {
        let (theta, theta_dot) = (s[2], s[3]);
        let (sin, cos) = theta.sin_cos();
        let temp = (force + POLE_MASS_LENGTH * theta_dot * theta_dot * sin) / TOTAL_MASS;
        let theta_acc = (GRAVITY * sin - cos * temp)
            / (LENGTH * (4.0 / 3.0 - MASS_POLE * cos * cos / TOTAL_MASS));
        let x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS;
        (x_acc, theta_acc)
    }

    /// Action 1 pushes right, 0 left; explicit Euler with τ = 0.02 s; reward 1 every step, the
    /// terminating one included.
    pub fn step(s: &mut [f64], action: usize) -> Step {
        let force = if action == 1 { FORCE } else { -FORCE };
        let (x_acc, theta_acc) = accelerations(s, force);
        s[0] += TAU * s[1];
        s[1] += TAU * x_acc;
        s[2] += TAU * s[3];
        s[3] += TAU * theta_acc;
        Step {
            reward: 1.0,
            terminated: s[0].abs() > X_LIMIT || s[2].abs() > THETA_LIMIT,
        }
    }
}

/// Acrobot-v1: two links, torque −1, 0 or +1 on the joint between them; swing the tip above the bar.
pub mod acrobot {
    use super::Step;
    use std::f64::consts::PI;

    pub const DT: f64 = 0.2;
    pub const LINK_LENGTH_1: f64 = 1.0;
    pub const LINK_MASS_1: f64 = 1.0;
    pub const LINK_MASS_2: f64 = 1.0;
    pub const LINK_COM_1: f64 = 0.5;
    pub const LINK_COM_2: f64 = 0.5;
    pub const LINK_MOI: f64 = 1.0;
    pub const MAX_VEL_1: f64 = 4.0 * PI;
    pub const MAX_VEL_2: f64 = 9.0 * PI;
    pub const TORQUES: [f64; 3] = [-1.0, 0.0, 1.0];
    const G: f64 = 9.8;

    /// d/dt (θ₁, θ₂, θ̇₁, θ̇₂) under torque `a` (the "book" equations of Sutton & Barto).
    pub fn derivatives(s: [f64; 4], a: f64) -> [f64; 4] {
        let (m1, m2, l1, lc1, lc2, i1, i2) = (
            LINK_MASS_1,
            LINK_MASS_2,
            LINK_LENGTH_1,
            LINK_COM_1,
            LINK_COM_2,
            LINK_MOI,
            LINK_MOI,
        );
        let [theta1, theta2, dtheta1, dtheta2] = s;
        let d1 =
            m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2.0 * l1 * lc2 * theta2.cos()) + i1 + i2;
        let d2 = m2 * (lc2 * lc2 + l1 * lc2 * theta2.cos()) + i2;
        let phi2 = m2 * lc2 * G * (theta1 + theta2 - PI / 2.0).cos();
        let phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * theta2.sin()
            - 2.0 * m2 * l1 * lc2 * dtheta2 * dtheta1 * theta2.sin()
            + (m1 * lc1 + m2 * l1) * G * (theta1 - PI / 2.0).cos()
            + phi2;
        let ddtheta2 =
            (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * theta2.sin() - phi2)
                / (m2 * lc2 * lc2 + i2 - d2 * d2 / d1);
        let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
        [dtheta1, dtheta2, ddtheta1, ddtheta2]
    }

    /// One classical RK4 step of length `dt`.
    pub fn rk4(s: [f64; 4], a: f64, dt: f64) -> [f64; 4] {
        let add = |y: [f64; 4], k: [f64; 4], h: f64| std::array::from_fn(|i| y[i] + h * k[i]);
        let k1 = derivatives(s, a);
        let k2 = derivatives(add(s, k1, dt / 2.0), a);
        let k3 = derivatives(add(s, k2, dt / 2.0), a);
        let k4 = derivatives(add(s, k3, dt), a);
        std::array::from_fn(|i| s[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]))
    }

    /// x wrapped into [lo, hi] by whole periods, as the reference's `wrap` does.
    pub fn wrap(mut x: f64, lo: f64, hi: f64) -> f64 {
        let period = hi - lo;
        if !x.is_finite() {
            return x;
        }
        if (x - lo).abs() > 64.0 * period {
            // Far out (a diverged state): one remainder instead of a loop of up to 10³⁰⁰ subtractions.
            return lo + (x - lo).rem_euclid(period);
        }
        while x > hi {
            x -= period;
        }
        while x < lo {
            x += period;
        }
        x
    }

    /// The tip's height above the bar: −cos θ₁ − cos(θ₁ + θ₂); the task ends when it exceeds 1.
    pub fn height(s: &[f64]) -> f64 {
        -s[0].cos() - (s[1] + s[0]).cos()
    }

    /// The total mechanical energy (kinetic + potential, the bar at height 0): conserved by the
    /// dynamics without torque, up to the integrator's error.
    pub fn energy(s: &[f64]) -> f64 {
        let [t1, t2, w1, w2] = [s[0], s[1], s[2], s[3]];
        let (m1, m2, l1, lc1, lc2) = (
            LINK_MASS_1,
            LINK_MASS_2,
            LINK_LENGTH_1,
            LINK_COM_1,
            LINK_COM_2,
        );
        let kinetic = 0.5 * (m1 * lc1 * lc1 + LINK_MOI) * w1 * w1
            + 0.5
                * m2
                * (l1 * l1 * w1 * w1
                    + lc2 * lc2 * (w1 + w2) * (w1 + w2)
                    + 2.0 * l1 * lc2 * w1 * (w1 + w2) * t2.cos())
            + 0.5 * LINK_MOI * (w1 + w2) * (w1 + w2);
        let potential = -m1 * G * lc1 * t1.cos() - m2 * G * (l1 * t1.cos() + lc2 * (t1 + t2).cos());
        kinetic + potential
    }

    /// Torque `TORQUES[action]` for 0.2 s (one RK4 step), angles wrapped into [−π, π], speeds bounded;
    /// reward −1 until the tip is above the bar (then 0, and the task ends).
    pub fn step(s: &mut [f64], action: usize) -> Step {
        let torque = TORQUES[action.min(2)];
        let next = rk4([s[0], s[1], s[2], s[3]], torque, DT);
        s[0] = wrap(next[0], -PI, PI);
        s[1] = wrap(next[1], -PI, PI);
        s[2] = next[2].clamp(-MAX_VEL_1, MAX_VEL_1);
        s[3] = next[3].clamp(-MAX_VEL_2, MAX_VEL_2);
        let terminated = height(s) > 1.0;
        Step {
            reward: if terminated { 0.0 } else { -1.0 },
            terminated,
        }
    }
}

/// Pendulum-v1: swing up and hold a pendulum with a torque in [−2, 2].
pub mod pendulum {
    use super::Step;
    use std::f64::consts::PI;

    pub const MAX_SPEED: f64 = 8.0;
    pub const MAX_TORQUE: f64 = 2.0;
    pub const DT: f64 = 0.05;
    pub const G: f64 = 10.0;
    pub const M: f64 = 1.0;
    pub const L: f64 = 1.0;

    /// θ into [−π, π).
    pub fn angle_normalize(x: f64) -> f64 {
        (x + PI).rem_euclid(2.0 * PI) - PI
    }

    /// Torque u clipped to ±2; reward −(θ² + 0.1 θ̇² + 0.001 u²) with θ normalized, from the state before
    /// the step; θ̇ ← clip(θ̇ + (3g/(2l) sin θ + 3u/(ml²)) dt, ±8), then θ ← θ + θ̇ dt. Never terminates.
    pub fn step(s: &mut [f64], torque: f64) -> Step {
        let u = if torque.is_nan() {
            0.0
        } else {
            torque.clamp(-MAX_TORQUE, MAX_TORQUE)
        };
        let (th, thdot) = (s[0], s[1]);
        let cost = angle_normalize(th).powi(2) + 0.1 * thdot * thdot + 0.001 * u * u;
        let new_thdot = (thdot + (3.0 * G / (2.0 * L) * th.sin() + 3.0 / (M * L * L) * u) * DT)
            .clamp(-MAX_SPEED, MAX_SPEED);
        s[0] = th + new_thdot * DT;
        s[1] = new_thdot;
        Step {
            reward: -cost,
            terminated: false,
        }
    }
}

/// N copies of one task stepped together, each reset (from its own seeded stream) when it terminates or
/// reaches the time limit; finished episodes' returns are collected.
#[derive(Clone, Debug)]
pub struct EnvBatch {
    pub kind: EnvKind,
    pub states: Vec<Vec<f64>>,
    /// Steps and return of each copy's current episode.
    pub elapsed: Vec<usize>,
    pub returns: Vec<f64>,
    /// Returns of the episodes finished since the last [`EnvBatch::take_finished`].
    finished: Vec<f64>,
    rngs: Vec<crate::numerics::random::SeededRng>,
}

/// What one batch step gives each copy.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchStep {
    pub reward: f64,
    /// The episode ended by the task (no bootstrapping past it).
    pub terminated: bool,
    /// The episode ended, by the task or the time limit; the copy was reset.
    pub done: bool,
}

impl EnvBatch {
    /// `n` copies, copy i seeded from (`seed`, i).
    pub fn new(kind: EnvKind, n: usize, seed: u64) -> Self {
        use rand::SeedableRng as _;
        let mut rngs: Vec<_> = (0..n as u64)
            .map(|i| {
                crate::numerics::random::SeededRng::seed_from_u64(
                    seed ^ (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                )
            })
            .collect();
        let states = rngs.iter_mut().map(|r| kind.reset(r)).collect();
        Self {
            kind,
            states,
            elapsed: vec![0; n],
            returns: vec![0.0; n],
            finished: Vec::new(),
            rngs,
        }
    }

    /// The observations of every copy.
    pub fn observations(&self) -> Vec<Vec<f64>> {
        self.states.iter().map(|s| self.kind.observe(s)).collect()
    }

    /// One step of every copy with its action; a copy whose episode ends is reset.
    pub fn step(&mut self, actions: &[f64]) -> Vec<BatchStep> {
        let limit = self.kind.time_limit();
        (0..self.states.len())
            .map(|i| {
                let step = self.kind.step(&mut self.states[i], actions[i]);
                self.elapsed[i] += 1;
                self.returns[i] += step.reward;
                let done = step.terminated || self.elapsed[i] >= limit;
                if done {
                    self.finished.push(self.returns[i]);
                    self.states[i] = self.kind.reset(&mut self.rngs[i]);
                    self.elapsed[i] = 0;
                    self.returns[i] = 0.0;
                }
                BatchStep {
                    reward: step.reward,
                    terminated: step.terminated,
                    done,
                }
            })
            .collect()
    }

    /// The returns of the episodes finished since the last call.
    pub fn take_finished(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.finished)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    #[test]
    fn cartpole_steps_by_the_published_equations_and_terminates_at_its_limits() {
        // One step by hand from (0, 0, 0.1, 0), pushing right (Barto et al.'s equations, τ = 0.02).
        let mut s = vec![0.0, 0.0, 0.1, 0.0];
        let (sin, cos) = 0.1f64.sin_cos();
        let temp = 10.0 / 1.1;
        let theta_acc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos * cos / 1.1));
        let x_acc = temp - 0.05 * theta_acc * cos / 1.1;
        let step = EnvKind::Cartpole.step(&mut s, 1.0);
        assert_eq!(s, vec![0.0, 0.02 * x_acc, 0.1, 0.02 * theta_acc]);
        assert_eq!(
            step,
            Step {
                reward: 1.0,
                terminated: false
            }
        );
        // Past 12° or ±2.4 the step terminates (and still pays 1).
        let mut tipped = vec![0.0, 0.0, 0.2094, 1.0];
        assert!(EnvKind::Cartpole.step(&mut tipped, 0.0).terminated);
        let mut gone = vec![2.399, 1.0, 0.0, 0.0];
        let step = EnvKind::Cartpole.step(&mut gone, 1.0);
        assert!(step.terminated && step.reward == 1.0);
        // Always pushing one way ends well inside the time limit.
        let mut s = vec![0.0; 4];
        let n = (1..=500)
            .find(|_| EnvKind::Cartpole.step(&mut s, 1.0).terminated)
            .unwrap_or(0);
        assert!((5..60).contains(&n), "{n}");
    }

    #[test]
    fn acrobot_conserves_energy_without_torque_and_wraps_its_angles() {
        // RK4 with dt = 0.2 on the frictionless links: the energy drifts by well under 1 % over 100 steps
        // from a swing well inside the speed bounds.
        let mut s = vec![0.8, -0.4, 0.0, 0.0];
        let e0 = acrobot::energy(&s);
        for _ in 0..100 {
            let step = EnvKind::Acrobot.step(&mut s, 1.0);
            assert_eq!(step.reward, -1.0);
            assert!(s[0].abs() <= PI && s[1].abs() <= PI);
        }
        let drift = (acrobot::energy(&s) - e0).abs() / e0.abs();
        assert!(drift < 1e-2, "relative energy drift {drift}");
        // Halving the step moves RK4's state by ~1/16 of the error: the integrator is fourth order.
        let s0 = [0.8, -0.4, 0.3, -0.2];
        let fine = (0..64).fold(s0, |s, _| acrobot::rk4(s, 1.0, 0.2 / 64.0));
        let e1 = (0..4)
            .map(|i| (acrobot::rk4(s0, 1.0, 0.2)[i] - fine[i]).abs())
            .sum::<f64>();
        let half = acrobot::rk4(acrobot::rk4(s0, 1.0, 0.1), 1.0, 0.1);
        let e2 = (0..4).map(|i| (half[i] - fine[i]).abs()).sum::<f64>();
        assert!(e1 / e2 > 12.0 && e1 / e2 < 20.0, "{}", e1 / e2);
        assert_eq!(acrobot::wrap(3.5, -PI, PI), 3.5 - 2.0 * PI);
        assert_eq!(acrobot::wrap(-7.0, -PI, PI), -7.0 + 2.0 * PI);
        // A diverged angle returns at once, inside the interval.
        let far = acrobot::wrap(1e300, -PI, PI);
        assert!((-PI..=PI).contains(&far), "{far}");
        // The tip above the bar ends the episode with reward 0; speeds are bounded.
        let mut up = vec![PI - 0.05, 0.0, 0.0, 0.0];
        assert_eq!(
            EnvKind::Acrobot.step(&mut up, 1.0),
            Step {
                reward: 0.0,
                terminated: true
            }
        );
        let mut fast = vec![0.0, 0.0, 100.0, -100.0];
        EnvKind::Acrobot.step(&mut fast, 1.0);
        assert!(fast[2] == acrobot::MAX_VEL_1 || fast[2] == -acrobot::MAX_VEL_1);
        assert!(fast[3].abs() <= acrobot::MAX_VEL_2);
    }

    #[test]
    fn pendulum_clips_torque_and_speed_and_pays_the_cost_before_the_step() {
        let mut s = vec![PI / 2.0, 1.0];
        let step = EnvKind::Pendulum.step(&mut s, 5.0);
        let thdot = 1.0 + (15.0 * (PI / 2.0).sin() + 3.0 * 2.0) * 0.05;
        assert_eq!(s, vec![PI / 2.0 + thdot * 0.05, thdot]);
        assert_eq!(step.reward, -((PI / 2.0).powi(2) + 0.1 + 0.004));
        assert!(!step.terminated);
        let mut spin = vec![0.0, 7.9];
        EnvKind::Pendulum.step(&mut spin, 2.0);
        assert_eq!(spin[1], 8.0);
        assert!((pendulum::angle_normalize(3.0 * PI) + PI).abs() < 1e-12);
    }

    #[test]
    fn a_batch_resets_ended_episodes_and_reports_their_returns() {
        let mut batch = EnvBatch::new(EnvKind::Cartpole, 3, 7);
        assert!(batch.states.iter().flatten().all(|v| v.abs() <= 0.05));
        let mut ended = 0;
        for _ in 0..200 {
            let steps = batch.step(&[1.0, 0.0, 1.0]);
            ended += steps.iter().filter(|s| s.done).count();
        }
        let finished = batch.take_finished();
        assert_eq!(finished.len(), ended);
        assert!(
            finished.iter().all(|r| (5.0..100.0).contains(r)),
            "{finished:?}"
        );
        // Pendulum is only ever truncated, after 200 steps.
        let mut pend = EnvBatch::new(EnvKind::Pendulum, 2, 1);
        for k in 1..=200 {
            let steps = pend.step(&[0.0, 0.0]);
            assert_eq!(steps.iter().all(|s| s.done), k == 200);
        }
        // The same seed gives the same starts; another seed others.
        let a = EnvBatch::new(EnvKind::Acrobot, 2, 3).states;
        assert_eq!(a, EnvBatch::new(EnvKind::Acrobot, 2, 3).states);
        assert_ne!(a, EnvBatch::new(EnvKind::Acrobot, 2, 4).states);
        let mut rng = crate::numerics::random::SeededRng::seed_from_u64(0);
        let p = EnvKind::Pendulum.reset(&mut rng);
        assert!(p[0].abs() <= PI && p[1].abs() <= 1.0);
    }

    /// Episodes of random actions (Pendulum's torques past the bound) end within the task's return range.
    #[test]
    fn random_episodes_stay_within_the_return_range() {
        let mut rng = crate::numerics::random::SeededRng::seed_from_u64(3);
        for kind in EnvKind::ALL {
            let (lo, hi) = kind.return_range();
            let mut batch = EnvBatch::new(kind, 4, 1);
            let mut finished = Vec::new();
            while finished.len() < 8 {
                let actions: Vec<f64> = (0..4)
                    .map(|_| match kind.actions() {
                        Actions::Discrete(n) => rng.random_range(0..n) as f64,
                        Actions::Continuous { bound } => {
                            rng.random_range(-3.0 * bound..3.0 * bound)
                        }
                    })
                    .collect();
                batch.step(&actions);
                finished.extend(batch.take_finished());
            }
            assert!(
                finished.iter().all(|r| (lo..=hi).contains(r)),
                "{kind:?}: {finished:?} vs [{lo}, {hi}]"
            );
        }
    }
}
