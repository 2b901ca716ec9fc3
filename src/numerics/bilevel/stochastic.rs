//! Stochastic oracles (lecture 004, "Stochastic variant": ∇ₓf, ∇ᵧf, ∇ᵧg, ∇²ᵧᵧg, ∇²ₓᵧg "replace with
//! stochastic estimates"): [`Stochastic`] wraps an exact problem and answers every derivative from a fresh
//! sample ξ, counting the calls — stochastic gradients and second-order products — as the cost axis.
//!
//! A sample ξ is itself a [`BilevelProblem`] (what [`BilevelProblem::draw`] returns), so an algorithm that
//! needs the same ξ at two points (the recursive-momentum and STABLE estimators) evaluates one sample twice:
//! - problems with data (ridge HPO, hyper-cleaning) draw `batch` real training and validation samples with
//!   replacement ([`BilevelProblem::minibatch`]): every derivative of the sample is an unbiased estimate of
//!   the full-data one, since the losses are means;
//! - every other problem gets a seeded Gaussian perturbation: noise vectors for the four gradients and
//!   noise matrices E_yy (symmetric: (E + Eᵀ)/√2, off-diagonal entries N(0, σ²/batch), diagonal twice that
//!   variance) and E_xy (entries N(0, σ²/batch)) for the second-order products, all fixed for the sample: ∇ᵧg(ξ) = ∇ᵧg + e_y, ∇²ᵧᵧg(ξ)·v = ∇²ᵧᵧg·v + E_yy v, ∇²ₓᵧg(ξ)·v = ∇²ₓᵧg·v + E_xy v.
//!
//! f and g themselves (for plots and metrics) and the closed forms y*, x* stay exact.

use std::cell::{Cell, RefCell};

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng as _;
use serde::{Deserialize, Serialize};

use super::BilevelProblem;
use crate::numerics::random::{SeededRng, gaussian};

/// The noise model: `"noise": {"sigma", "batch", "seed"}` on the CLI's `bilevel` kind.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// Per-entry standard deviation of one sample's gradient and Hessian noise (Gaussian model; unused on
    /// problems with data, whose noise is the minibatch's).
    pub sigma: f64,
    /// Samples averaged per oracle call: σ/√batch, or `batch` data points.
    #[serde(default = "crate::int::<1>")]
    pub batch: usize,
    #[serde(default)]
    pub seed: u64,
}

impl Noise {
    /// Checks the fields; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        if !self.sigma.is_finite() || !(0.0..=100.0).contains(&self.sigma) {
            return Err(format!("sigma: must be in 0..=100, got {}", self.sigma));
        }
        if !(1..=100_000).contains(&self.batch) {
            return Err(format!("batch: must be in 1..=100000, got {}", self.batch));
        }
        Ok(())
    }

    /// The Gaussian model's per-entry standard deviation for one call.
    pub fn std(&self) -> f64 {
        self.sigma / (self.batch as f64).sqrt()
    }

    /// The same model with its stream shifted to seed `seed + k` (run k of a band of seeds).
    pub fn with_seed_offset(self, k: u64) -> Self {
        Self {
            seed: self.seed.wrapping_add(k),
            ..self
        }
    }
}

/// Oracle calls so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Oracles {
    /// Stochastic gradients (∇ₓf, ∇ᵧf, ∇ₓg, ∇ᵧg, each one call).
    pub gradients: usize,
    /// Stochastic second-order products (∇²ᵧᵧg·v, ∇²ₓᵧg·v, ∇²ᵧₓg·u).
    pub hvps: usize,
}

impl Oracles {
    /// All calls: the cost axis of the stochastic comparisons.
    pub fn total(&self) -> usize {
        self.gradients + self.hvps
    }
}

/// An exact problem behind stochastic oracles (see the module docs).
pub struct Stochastic<'a> {
    pub exact: &'a dyn BilevelProblem,
    pub noise: Noise,
    rng: RefCell<SeededRng>,
    counts: Cell<Oracles>,
}

impl std::fmt::Debug for Stochastic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stochastic")
            .field("noise", &self.noise)
            .field("counts", &self.counts.get())
            .finish_non_exhaustive()
    }
}

impl<'a> Stochastic<'a> {
    pub fn new(exact: &'a dyn BilevelProblem, noise: Noise) -> Self {
        Self::resume(exact, noise, Self::start(noise))
    }

    /// Picks up where [`Self::state`] left off (a view steps a run a few steps per frame and keeps only
    /// the state between frames).
    pub fn resume(
        exact: &'a dyn BilevelProblem,
        noise: Noise,
        state: (SeededRng, Oracles),
    ) -> Self {
        Self {
            exact,
            noise,
            rng: RefCell::new(state.0),
            counts: Cell::new(state.1),
        }
    }

    /// The stream's position and the counts, for [`Self::resume`].
    pub fn state(&self) -> (SeededRng, Oracles) {
        (self.rng.borrow().clone(), self.counts.get())
    }

    /// A fresh stream's state for `noise` (no calls yet).
    pub fn start(noise: Noise) -> (SeededRng, Oracles) {
        (SeededRng::seed_from_u64(noise.seed), Oracles::default())
    }

    /// Oracle calls so far (a call on a [`BilevelProblem::draw`]n sample counts too).
    pub fn counts(&self) -> Oracles {
        self.counts.get()
    }

    fn count(&self, gradients: usize, hvps: usize) {
        let mut c = self.counts.get();
        c.gradients += gradients;
        c.hvps += hvps;
        self.counts.set(c);
    }

    /// One sample ξ: a minibatch of the problem's data, or a Gaussian perturbation.
    fn sample(&self) -> Box<dyn BilevelProblem + '_> {
        let mut rng = self.rng.borrow_mut();
        if let Some(batch) = self.exact.minibatch(self.noise.batch, &mut rng) {
            return Box::new(Counted {
                inner: Sampled::Data(batch),
                owner: self,
            });
        }
        let (n, m) = self.exact.dims();
        let s = self.noise.std();
        let vec = |k: usize, rng: &mut SeededRng| DVector::from_fn(k, |_, _| s * gaussian(rng));
        let mut yy = DMatrix::from_fn(m, m, |_, _| s * gaussian(&mut rng));
        yy = (&yy + yy.transpose()) * std::f64::consts::FRAC_1_SQRT_2;
        let gaussian_sample = GaussianSample {
            exact: self.exact,
            fx: vec(n, &mut rng),
            fy: vec(m, &mut rng),
            gx: vec(n, &mut rng),
            gy: vec(m, &mut rng),
            yy,
            xy: DMatrix::from_fn(n, m, |_, _| s * gaussian(&mut rng)),
        };
        Box::new(Counted {
            inner: Sampled::Gaussian(Box::new(gaussian_sample)),
            owner: self,
        })
    }
}

/// The Gaussian model's sample: the exact derivatives plus fixed noise.
struct GaussianSample<'a> {
    exact: &'a dyn BilevelProblem,
    fx: DVector<f64>,
    fy: DVector<f64>,
    gx: DVector<f64>,
    gy: DVector<f64>,
    yy: DMatrix<f64>,
    xy: DMatrix<f64>,
}

enum Sampled<'a> {
    Data(Box<dyn BilevelProblem>),
    Gaussian(Box<GaussianSample<'a>>),
}

/// A sample whose calls count against its oracle.
struct Counted<'a> {
    inner: Sampled<'a>,
    owner: &'a Stochastic<'a>,
}

macro_rules! delegate {
    ($self:ident, $data:ident => $on_data:expr, $g:ident => $on_gauss:expr) => {
        match &$self.inner {
            Sampled::Data($data) => $on_data,
            Sampled::Gaussian($g) => $on_gauss,
        }
    };
}

impl BilevelProblem for Counted<'_> {
    fn dims(&self) -> (usize, usize) {
        self.owner.exact.dims()
    }
    fn f(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        delegate!(self, d => d.f(x, y), g => g.exact.f(x, y))
    }
    fn g(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        delegate!(self, d => d.g(x, y), g => g.exact.g(x, y))
    }
    fn grad_x_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.owner.count(1, 0);
        delegate!(self, d => d.grad_x_f(x, y), g => g.exact.grad_x_f(x, y) + &g.fx)
    }
    fn grad_y_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.owner.count(1, 0);
        delegate!(self, d => d.grad_y_f(x, y), g => g.exact.grad_y_f(x, y) + &g.fy)
    }
    fn grad_x_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.owner.count(1, 0);
        delegate!(self, d => d.grad_x_g(x, y), g => g.exact.grad_x_g(x, y) + &g.gx)
    }
    fn grad_y_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.owner.count(1, 0);
        delegate!(self, d => d.grad_y_g(x, y), g => g.exact.grad_y_g(x, y) + &g.gy)
    }
    fn hvp_yy_g(&self, x: &DVector<f64>, y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        self.owner.count(0, 1);
        delegate!(self, d => d.hvp_yy_g(x, y, v), g => g.exact.hvp_yy_g(x, y, v) + &g.yy * v)
    }
    fn jvp_xy_g(&self, x: &DVector<f64>, y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        self.owner.count(0, 1);
        delegate!(self, d => d.jvp_xy_g(x, y, v), g => g.exact.jvp_xy_g(x, y, v) + &g.xy * v)
    }
    fn jvp_yx_g(&self, x: &DVector<f64>, y: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        self.owner.count(0, 1);
        delegate!(self, d => d.jvp_yx_g(x, y, u), g => g.exact.jvp_yx_g(x, y, u) + g.xy.transpose() * u)
    }
}

/// Every call draws a fresh sample; [`BilevelProblem::draw`] hands one out to evaluate at several points.
impl BilevelProblem for Stochastic<'_> {
    fn dims(&self) -> (usize, usize) {
        self.exact.dims()
    }
    fn f(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        self.exact.f(x, y)
    }
    fn g(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        self.exact.g(x, y)
    }
    fn grad_x_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.sample().grad_x_f(x, y)
    }
    fn grad_y_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.sample().grad_y_f(x, y)
    }
    fn grad_x_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.sample().grad_x_g(x, y)
    }
    fn grad_y_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        self.sample().grad_y_g(x, y)
    }
    fn hvp_yy_g(&self, x: &DVector<f64>, y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        self.sample().hvp_yy_g(x, y, v)
    }
    fn jvp_xy_g(&self, x: &DVector<f64>, y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        self.sample().jvp_xy_g(x, y, v)
    }
    fn jvp_yx_g(&self, x: &DVector<f64>, y: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        self.sample().jvp_yx_g(x, y, u)
    }
    fn y_star(&self, x: &DVector<f64>) -> Option<DVector<f64>> {
        self.exact.y_star(x)
    }
    fn x_star(&self) -> Option<DVector<f64>> {
        self.exact.x_star()
    }
    fn nash(&self) -> Option<(DVector<f64>, DVector<f64>)> {
        self.exact.nash()
    }
    fn draw(&self) -> Option<Box<dyn BilevelProblem + '_>> {
        Some(self.sample())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::problems::{HyperCleaning, LancBioSynthetic, RidgeHpo};
    use crate::numerics::ihvp::testing::vector;

    /// The mean of `draws` estimates is the exact value within 4 standard errors per component.
    fn unbiased(estimates: &[DVector<f64>], exact: &DVector<f64>, what: &str) {
        crate::numerics::random::testing::assert_unbiased(estimates, exact, 1e-12, what);
    }

    /// The estimates differ from the exact value (the oracle is stochastic at all).
    fn noisy(estimates: &[DVector<f64>], exact: &DVector<f64>, what: &str) {
        let spread = estimates.iter().map(|e| (e - exact).norm()).sum::<f64>();
        assert!(spread > 1e-6, "{what}: the estimates are noisy ({spread})");
    }

    fn check_unbiased(problem: &dyn BilevelProblem, noise: Noise) {
        let oracle = Stochastic::new(problem, noise);
        let (n, m) = problem.dims();
        let (x, y, v, u) = (vector(n, 1), vector(m, 2), vector(m, 3), vector(n, 4));
        let draws = 3000;
        let many = |f: &dyn Fn() -> DVector<f64>| (0..draws).map(|_| f()).collect::<Vec<_>>();
        let gy = many(&|| oracle.grad_y_g(&x, &y));
        unbiased(&gy, &problem.grad_y_g(&x, &y), "∇ᵧg");
        noisy(&gy, &problem.grad_y_g(&x, &y), "∇ᵧg");
        // (Ridge HPO's ∇ₓg = 2x ⊙ w² involves no data: exact even on a minibatch.)
        unbiased(
            &many(&|| oracle.grad_y_f(&x, &y)),
            &problem.grad_y_f(&x, &y),
            "∇ᵧf",
        );
        unbiased(
            &many(&|| oracle.grad_x_g(&x, &y)),
            &problem.grad_x_g(&x, &y),
            "∇ₓg",
        );
        let hv = many(&|| oracle.hvp_yy_g(&x, &y, &v));
        unbiased(&hv, &problem.hvp_yy_g(&x, &y, &v), "∇²ᵧᵧg·v");
        noisy(&hv, &problem.hvp_yy_g(&x, &y, &v), "∇²ᵧᵧg·v");
        unbiased(
            &many(&|| oracle.jvp_xy_g(&x, &y, &v)),
            &problem.jvp_xy_g(&x, &y, &v),
            "∇²ₓᵧg·v",
        );
        unbiased(
            &many(&|| oracle.jvp_yx_g(&x, &y, &u)),
            &problem.jvp_yx_g(&x, &y, &u),
            "∇²ᵧₓg·u",
        );
        assert_eq!(
            oracle.counts(),
            Oracles {
                gradients: 3 * draws,
                hvps: 3 * draws
            }
        );
    }

    #[test]
    fn every_stochastic_oracle_is_unbiased() {
        let noise = Noise {
            sigma: 0.5,
            batch: 4,
            seed: 1,
        };
        check_unbiased(&LancBioSynthetic::new(4, 10.0, 0.1, 0), noise);
        check_unbiased(&RidgeHpo::synthetic(3, 30, 0.1, 2), noise);
        check_unbiased(&HyperCleaning::synthetic(12, 2, 0.3, 0.1, 3), noise);
        // The variance falls as 1/batch (Gaussian model): batch 16 has a quarter of batch 1's.
        let p = LancBioSynthetic::new(4, 10.0, 0.1, 0);
        let spread = |batch| {
            let o = Stochastic::new(
                &p,
                Noise {
                    sigma: 1.0,
                    batch,
                    seed: 5,
                },
            );
            let (x, y) = (vector(p.dims().0, 1), vector(p.dims().1, 2));
            let exact = p.grad_y_g(&x, &y);
            (0..4000)
                .map(|_| (o.grad_y_g(&x, &y) - &exact).norm_squared())
                .sum::<f64>()
                / 4000.0
        };
        let ratio = spread(1) / spread(16);
        assert!((ratio - 16.0).abs() < 1.6, "{ratio}");
    }

    #[test]
    fn one_sample_is_one_function_at_every_point() {
        // The same ξ at two points: the difference of two evaluations is the exact difference (the
        // Gaussian model's noise is additive and fixed per sample) — what recursive momentum relies on.
        let p = LancBioSynthetic::new(4, 10.0, 0.1, 0);
        let o = Stochastic::new(
            &p,
            Noise {
                sigma: 1.0,
                batch: 1,
                seed: 9,
            },
        );
        let (n, m) = p.dims();
        let (x0, y0, x1, y1) = (vector(n, 1), vector(m, 2), vector(n, 3), vector(m, 4));
        let s = o.draw().expect("a stochastic problem draws samples");
        let diff = s.grad_y_g(&x1, &y1) - s.grad_y_g(&x0, &y0);
        let exact = p.grad_y_g(&x1, &y1) - p.grad_y_g(&x0, &y0);
        assert!((diff - exact).norm() < 1e-12);
        // Minibatches: one sample is one sub-dataset, the same at both points.
        let r = RidgeHpo::synthetic(3, 30, 0.1, 2);
        let o = Stochastic::new(
            &r,
            Noise {
                sigma: 0.0,
                batch: 5,
                seed: 9,
            },
        );
        let s = o.draw().expect("draws");
        let (x, y) = (vector(3, 1), vector(3, 2));
        assert_eq!(s.grad_y_g(&x, &y), s.grad_y_g(&x, &y));
        assert_ne!(s.grad_y_g(&x, &y), r.grad_y_g(&x, &y));
        assert!(p.draw().is_none(), "exact problems draw nothing");
    }

    #[test]
    fn bad_noise_names_the_field() {
        let bad = Noise {
            sigma: -1.0,
            batch: 1,
            seed: 0,
        };
        assert!(bad.validate().is_err_and(|e| e.starts_with("sigma")));
        let bad = Noise {
            sigma: 1.0,
            batch: 0,
            seed: 0,
        };
        assert!(bad.validate().is_err_and(|e| e.starts_with("batch")));
    }
}
