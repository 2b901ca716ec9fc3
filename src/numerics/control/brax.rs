//! Brax's `inverted_pendulum` and `inverted_double_pendulum`, the continuous tasks of BLPO's Figure 3
//! (issue 36): a cart on a rail (slide joint x) carrying a chain of one or two capsule poles (hinges about
//! the y axis, angle 0 upright), pushed by one motor on the slider.
//!
//! From Brax (google/brax, `brax/envs/assets/inverted_pendulum.xml`, `inverted_double_pendulum.xml`,
//! `brax/envs/inverted_pendulum.py`, `inverted_double_pendulum.py`):
//! - bodies as MJCF capsules with density 1000 (`inertiafromgeom`): the cart r = 0.1, half-length 0.1
//!   (10.47 kg); the single pole r = 0.049 from its hinge to 0.6 (5.02 kg); the double pendulum's poles
//!   r = 0.045, 0.6 long each (4.20 kg);
//! - joint damping 1 (single) and 0.05 (double), armature 0; gravity 9.81;
//! - the motor: gear 100 with ctrlrange ±3, the action a ∈ [−1, 1] mapped to (a + 1)·3 − 3 (single;
//!   `step` rescales to the ctrl range), gear 500 with ctrlrange ±1, a used as it is (double); the control
//!   is clipped to its range (`ctrllimited`);
//! - the control step `opt.timestep` × `n_frames`: 0.02 × 2 = 0.04 s and 0.01 × 2 = 0.02 s;
//! - single: reward 1 every step, done when |hinge angle| > 0.2; observation (q, q̇); reset q, q̇ uniform
//!   in ±0.01;
//! - double: the tip 0.6 along the second pole at (x, y); reward (1 − done)·10 − (0.01x² + (y − 2)²) −
//!   (1e-3 q̇₁² + 5e-3 q̇₂²), done when y ≤ 1; observation (x, sin q₁, sin q₂, cos q₁, cos q₂,
//!   clip(q̇, ±10)); reset q uniform in ±0.01, q̇ normal with σ = 0.01;
//! - episodes of at most 1000 steps (Brax's training wrapper).
//!
//! Where this differs from Brax's own pipeline: the dynamics are Lagrange's equations of the ideal chain,
//! M(q)q̈ + c(q, q̇) + g(q) = τ − Dq̇, integrated by RK4 at `opt.timestep` (Brax's generalized backend
//! uses its own integrator); the joint ranges (slider ±1, single hinge ±90°) and their limit constraints
//! are not modelled, nor contacts (every geom has contype 0, so there are none to model), nor the double
//! pendulum's 1e-5 sideways gravity.

use nalgebra::{DMatrix, DVector};

/// Gravity (m/s²).
pub const GRAVITY: f64 = 9.81;
/// MJCF's default density (kg/m³).
const DENSITY: f64 = 1000.0;

/// A capsule of radius `r` and cylinder half-length `h`: its mass and its moment of inertia about its
/// centre across its axis (MuJoCo's `mjCGeom` inertia: the cylinder, plus two hemispheres moved out).
pub fn capsule(r: f64, h: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    let height = 2.0 * h;
    let cylinder = DENSITY * PI * r * r * height;
    let sphere = DENSITY * 4.0 / 3.0 * PI * r * r * r;
    let across = cylinder * (3.0 * r * r + height * height) / 12.0
        + 2.0 * sphere * r * r / 5.0
        + sphere * height * (3.0 * r + 2.0 * height) / 8.0;
    (cylinder + sphere, across)
}

/// One pole: its mass, its length to the next joint, its centre of mass from its hinge, and its inertia
/// about the centre of mass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    pub mass: f64,
    pub length: f64,
    pub com: f64,
    pub inertia: f64,
}

/// A cart and its chain of poles, as one of the two tasks builds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub cart: f64,
    pub links: Vec<Link>,
    /// Viscous damping of every joint (N·s/m, N·m·s).
    pub damping: f64,
    /// The motor: gear and control range.
    pub gear: f64,
    pub ctrl: (f64, f64),
    /// Integrator step and steps per control step.
    pub timestep: f64,
    pub frames: usize,
}

impl Chain {
    /// `inverted_pendulum.xml`.
    pub fn single() -> Self {
        let (pole, inertia) = capsule(0.049, 0.3);
        Self {
            cart: capsule(0.1, 0.1).0,
            links: vec![Link {
                mass: pole,
                length: 0.6,
                com: 0.3,
                inertia,
            }],
            damping: 1.0,
            gear: 100.0,
            ctrl: (-3.0, 3.0),
            timestep: 0.02,
            frames: 2,
        }
    }

    /// `inverted_double_pendulum.xml`.
    pub fn double() -> Self {
        let (pole, inertia) = capsule(0.045, 0.3);
        let link = Link {
            mass: pole,
            length: 0.6,
            com: 0.3,
            inertia,
        };
        Self {
            cart: capsule(0.1, 0.1).0,
            links: vec![link, link],
            damping: 0.05,
            gear: 500.0,
            ctrl: (-1.0, 1.0),
            timestep: 0.01,
            frames: 2,
        }
    }

    /// Degrees of freedom: the cart, then each hinge.
    pub fn dofs(&self) -> usize {
        1 + self.links.len()
    }

    /// For each pole: its absolute angle φᵢ = q₁ + … + qᵢ, and the Jacobian of its centre of mass
    /// (x and height rows) with respect to (x, q₁, …).
    fn kinematics(&self, q: &[f64]) -> Vec<(f64, [Vec<f64>; 2])> {
        let n = self.dofs();
        let mut out = Vec::with_capacity(self.links.len());
        let mut phi = 0.0;
        // ∂(x, height)/∂q of the current pole's hinge.
        let mut base = [vec![0.0; n], vec![0.0; n]];
        base[0][0] = 1.0;
        for (i, link) in self.links.iter().enumerate() {
            phi += q[1 + i];
            let (sin, cos) = phi.sin_cos();
            // A point a along the pole: (x, h) += a·(sin φ, cos φ), and φ depends on q₁ … qᵢ₊₁.
            let along = |a: f64, jac: &[Vec<f64>; 2]| {
                let [mut dx, mut dh] = jac.clone();
                for (x, h) in dx[1..=1 + i].iter_mut().zip(&mut dh[1..=1 + i]) {
                    *x += a * cos;
                    *h -= a * sin;
                }
                [dx, dh]
            };
            out.push((phi, along(link.com, &base)));
            base = along(link.length, &base);
        }
        out
    }

    /// Positions (x, height) of each pole's centre of mass and of the chain's tip.
    pub fn points(&self, q: &[f64]) -> (Vec<[f64; 2]>, [f64; 2]) {
        let (mut x, mut h, mut phi) = (q[0], 0.0, 0.0);
        let mut coms = Vec::new();
        for (i, link) in self.links.iter().enumerate() {
            phi += q[1 + i];
            coms.push([x + link.com * phi.sin(), h + link.com * phi.cos()]);
            x += link.length * phi.sin();
            h += link.length * phi.cos();
        }
        (coms, [x, h])
    }

    /// Lagrange's equations M(q)q̈ = τ − c(q, q̇) − g(q) − Dq̇ solved for q̈, with the cart pushed by `force`.
    /// M = m₀e₀e₀ᵀ + Σᵢ (mᵢJᵢᵀJᵢ + Iᵢ wᵢwᵢᵀ) (Jᵢ the centre of mass's Jacobian, wᵢ the pole's angular
    /// rate's: ones at q₁ … qᵢ); c = Σᵢ mᵢJᵢᵀ(J̇ᵢq̇), the velocity-product terms; g = −Σᵢ mᵢ g Jᵢᵀ(0, −1)·(−1).
    pub fn accelerations(&self, q: &[f64], qd: &[f64], force: f64) -> DVector<f64> {
        let n = self.dofs();
        let mut m = DMatrix::zeros(n, n);
        m[(0, 0)] = self.cart;
        let mut rhs = DVector::from_fn(n, |k, _| -self.damping * qd[k]);
        rhs[0] += force;
        let kin = self.kinematics(q);
        for (i, (link, (_, jac))) in self.links.iter().zip(&kin).enumerate() {
            let j = DMatrix::from_fn(2, n, |r, c| jac[r][c]);
            let w = DVector::from_fn(n, |k, _| if (1..=1 + i).contains(&k) { 1.0 } else { 0.0 });
            m += j.transpose() * &j * link.mass + &w * w.transpose() * link.inertia;
            // J̇q̇ of a point a along pole i: Σ over the poles up to it of −aₖ φ̇ₖ² (sin φₖ, cos φₖ).
            let mut jdot_qd = [0.0, 0.0];
            let mut phi_dot = 0.0;
            for k in 0..=i {
                phi_dot += qd[1 + k];
                let a = if k == i {
                    link.com
                } else {
                    self.links[k].length
                };
                let (sin, cos) = kin[k].0.sin_cos();
                jdot_qd[0] -= a * phi_dot * phi_dot * sin;
                jdot_qd[1] -= a * phi_dot * phi_dot * cos;
            }
            for k in 0..n {
                rhs[k] -= link.mass * (jac[0][k] * jdot_qd[0] + jac[1][k] * jdot_qd[1]);
                rhs[k] -= link.mass * GRAVITY * jac[1][k];
            }
        }
        m.lu().solve(&rhs).unwrap_or_else(|| DVector::zeros(n))
    }

    /// Kinetic plus potential energy (J).
    pub fn energy(&self, q: &[f64], qd: &[f64]) -> f64 {
        let n = self.dofs();
        let qd_v = DVector::from_column_slice(&qd[..n]);
        let mut kinetic = 0.5 * self.cart * qd[0] * qd[0];
        let mut potential = 0.0;
        let kin = self.kinematics(q);
        let (coms, _) = self.points(q);
        let mut omega = 0.0;
        for (i, (link, (_, jac))) in self.links.iter().zip(&kin).enumerate() {
            omega += qd[1 + i];
            let v: Vec<f64> = (0..2)
                .map(|r| (0..n).map(|c| jac[r][c] * qd_v[c]).sum())
                .collect();
            kinetic +=
                0.5 * link.mass * (v[0] * v[0] + v[1] * v[1]) + 0.5 * link.inertia * omega * omega;
            potential += link.mass * GRAVITY * coms[i][1];
        }
        kinetic + potential
    }

    /// The state (q then q̇) after one integrator step `h` (RK4) under `force`.
    pub fn rk4(&self, s: &[f64], force: f64, h: f64) -> Vec<f64> {
        let n = self.dofs();
        let f = |s: &[f64]| -> Vec<f64> {
            let a = self.accelerations(&s[..n], &s[n..], force);
            s[n..].iter().copied().chain(a.iter().copied()).collect()
        };
        let add = |s: &[f64], k: &[f64], c: f64| -> Vec<f64> {
            s.iter().zip(k).map(|(x, d)| x + c * d).collect()
        };
        let k1 = f(s);
        let k2 = f(&add(s, &k1, h / 2.0));
        let k3 = f(&add(s, &k2, h / 2.0));
        let k4 = f(&add(s, &k3, h));
        (0..s.len())
            .map(|i| s[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]))
            .collect()
    }

    /// One control step: the control clipped to its range, the motor's force gear·ctrl held for
    /// `frames` integrator steps.
    pub fn control_step(&self, s: &mut [f64], ctrl: f64) {
        let ctrl = if ctrl.is_nan() {
            0.0
        } else {
            ctrl.clamp(self.ctrl.0, self.ctrl.1)
        };
        let force = self.gear * ctrl;
        let mut next = s.to_vec();
        for _ in 0..self.frames {
            next = self.rk4(&next, force, self.timestep);
        }
        s.copy_from_slice(&next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MJCF's capsule masses as Brax v1 wrote them out (10.471975 and 5.0185914 kg).
    #[test]
    fn the_bodies_weigh_what_brax_wrote() {
        assert!((capsule(0.1, 0.1).0 - 10.471_975).abs() < 1e-5);
        assert!((capsule(0.049, 0.3).0 - 5.018_591_4).abs() < 1e-5);
    }

    /// Without force or damping the energy is conserved: over 5 s of the poles falling and swinging, RK4's
    /// drift shrinks with the step as h⁴ (by more than 100× for a step 4× smaller, 256× ideally; a wrong
    /// mass matrix or Coriolis term would leave a drift that does not), under 1e-5 relative at h/4.
    #[test]
    fn energy_is_conserved_without_force_or_damping() {
        for (mut chain, start) in [
            (Chain::single(), vec![0.1, 0.5, 0.0, 0.3]),
            (Chain::double(), vec![0.0, 0.4, -0.7, 0.2, 0.0, 1.0]),
        ] {
            chain.damping = 0.0;
            let e0 = chain.energy(&start[..chain.dofs()], &start[chain.dofs()..]);
            let drift = |split: usize| {
                let mut c = chain.clone();
                c.timestep /= split as f64;
                c.frames *= split;
                let mut s = start.clone();
                let steps = (5.0 / (chain.timestep * chain.frames as f64)).round() as usize;
                for _ in 0..steps {
                    c.control_step(&mut s, 0.0);
                }
                assert!(s[1].abs() > 0.1, "it moved: {s:?}");
                (c.energy(&s[..c.dofs()], &s[c.dofs()..]) - e0).abs() / e0.abs().max(1.0)
            };
            let (coarse, fine) = (drift(1), drift(4));
            assert!(
                fine < 1e-5 && fine < coarse / 100.0,
                "drift {coarse:e} at h, {fine:e} at h/4"
            );
        }
    }

    /// Upright and at rest is an equilibrium: the state stays exactly put.
    #[test]
    fn upright_at_rest_stays_put() {
        for chain in [Chain::single(), Chain::double()] {
            let mut s = vec![0.0; 2 * chain.dofs()];
            for _ in 0..100 {
                chain.control_step(&mut s, 0.0);
            }
            assert!(s.iter().all(|&v| v == 0.0), "{s:?}");
        }
    }

    /// One cart–pole by hand: with the pole's hinge on the cart, centre of mass c from it and inertia I
    /// about it, M = [[m₀ + m, mc cos θ], [mc cos θ, I + mc²]] and the right-hand side
    /// (F + mc θ̇² sin θ − dẋ, mgc sin θ − dθ̇) (θ from upright, positive towards +x).
    #[test]
    fn one_cart_pole_step_by_hand() {
        let chain = Chain::single();
        let link = chain.links[0];
        let (q, qd, force): ([f64; 2], [f64; 2], f64) = ([0.2, 0.15], [-0.3, 0.8], 37.0);
        let (sin, cos) = q[1].sin_cos();
        let (m0, m, c) = (chain.cart, link.mass, link.com);
        let mass =
            nalgebra::Matrix2::new(m0 + m, m * c * cos, m * c * cos, link.inertia + m * c * c);
        let rhs = nalgebra::Vector2::new(
            force + m * c * qd[1] * qd[1] * sin - chain.damping * qd[0],
            m * GRAVITY * c * sin - chain.damping * qd[1],
        );
        let by_hand = mass.lu().solve(&rhs).unwrap_or_default();
        let general = chain.accelerations(&q, &qd, force);
        assert!(
            (general[0] - by_hand[0]).abs() < 1e-12 && (general[1] - by_hand[1]).abs() < 1e-12,
            "{general} vs {by_hand}"
        );
    }

    /// The two tasks' steps: the single pendulum pays 1 and ends past 0.2 rad, its action rescaled to the
    /// ctrl range ±3 and clipped (a = 1 and a = 2 push alike, 300 N); the double pendulum pays
    /// 10 − (1.2 − 2)² upright at rest and ends, paying only its penalties, once the tip is at most 1 high.
    #[test]
    fn the_tasks_reward_and_end_as_brax_writes_them() {
        use super::super::envs::EnvKind;
        let single = EnvKind::InvertedPendulum;
        let mut s = vec![0.0, 0.19, 0.0, 0.0];
        let step = single.step(&mut s, 0.0);
        assert_eq!(step.reward, 1.0);
        assert!(!step.terminated && s[1] > 0.19, "{s:?}");
        let mut fast = vec![0.0, 0.19, 0.0, 2.0];
        assert!(single.step(&mut fast, 0.0).terminated);
        let (mut one, mut two) = (vec![0.0; 4], vec![0.0; 4]);
        single.step(&mut one, 1.0);
        single.step(&mut two, 2.0);
        assert_eq!(one, two);
        let mut by_force = vec![0.0; 4];
        Chain::single().control_step(&mut by_force, 3.0);
        assert_eq!(one, by_force);
        assert!(one[2] > 0.0, "pushed right: {one:?}");
        let double = EnvKind::InvertedDoublePendulum;
        let mut up = vec![0.0; 6];
        let step = double.step(&mut up, 0.0);
        assert!(
            (step.reward - (10.0 - 0.64)).abs() < 1e-12 && !step.terminated,
            "{step:?}"
        );
        let mut bent = vec![0.0, 1.2, 0.0, 0.0, 0.0, 0.0];
        let step = double.step(&mut bent, 0.0);
        let (_, [x, y]) = Chain::double().points(&bent[..3]);
        assert!(step.terminated && y <= 1.0, "{y}");
        let penalty =
            0.01 * x * x + (y - 2.0).powi(2) + 1e-3 * bent[4] * bent[4] + 5e-3 * bent[5] * bent[5];
        assert!((step.reward + penalty).abs() < 1e-12, "{step:?}");
        assert_eq!(double.observe(&bent).len(), double.obs_len());
    }
}
