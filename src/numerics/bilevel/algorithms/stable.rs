//! STABLE (Chen et al. 2022; lecture 004, Algorithms 5–6): a hypergradient leader step projected onto Θ,
//! then one follower step with a correction term that anticipates how y* moves with x:
//!   x⁺ = P_Θ(x − η_x (∇ₓf − H_xy H_yy⁻¹ ∇ᵧf)),
//!   y⁺ = y − η_y ∇ᵧg − H_yy⁻¹ H_xyᵀ (x⁺ − x),        all at (x, y).
//! Without `tau`, H_yy⁻¹ b is each step's own IHVP (the chosen method) and H_xy the sampled product.
//! With `tau` = τ (the lecture's "variance-reduced stochastic estimate" of ∇²ᵧᵧg and ∇²ₓᵧg), the two
//! Hessians are carried as matrices by the recursive estimator of Chen et al.:
//!   H_k = (1 − τ)(H_{k−1} − ∇²g(x_{k−1}, y_{k−1}; ξ_k)) + ∇²g(x_k, y_k; ξ_k),
//! both evaluations on the same sample ξ_k, H_yy's eigenvalues kept ≥ max(α, 10⁻⁸) (their projection onto
//! μI ⪯ H), and solved exactly; every derivative of a step uses its one sample ξ_k. With exact oracles the
//! estimator is exact at every step (H_k = ∇²g(x_k, y_k)) and STABLE with τ equals STABLE without it and
//! the exact IHVP. Cost: 1 inner step + two IHVPs, or with τ, 2(m + m) second-order products (m + m at
//! the first step).

use nalgebra::{DMatrix, DVector};

use super::spec::{Params, ihvp, positive};
use super::{
    Algorithm, Run,
    double_loop::{ihvp_at, implicit_leader_step},
    project,
};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::ihvp::spec::IhvpSpec;

/// The carried Hessian estimates and the point they were last updated at.
#[derive(Clone, Debug)]
pub struct Estimates {
    pub h_yy: DMatrix<f64>,
    pub h_xy: DMatrix<f64>,
    x: DVector<f64>,
    y: DVector<f64>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stable {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub ihvp: IhvpSpec,
    /// P_Θ as for TTSA: Θ = {‖x‖ ≤ radius} (none when absent).
    #[serde(default)]
    pub radius: Option<f64>,
    /// The variance-reduced Hessian estimates' weight τ ∈ (0, 1] (none: every step's own IHVP).
    #[serde(default)]
    pub tau: Option<f64>,
    #[serde(skip)]
    pub estimates: Option<Estimates>,
}

/// ∇²ᵧᵧg (m × m) and ∇²ₓᵧg (n × m) at (x, y) from 2m products of `problem`.
fn hessians(
    problem: &dyn BilevelProblem,
    x: &DVector<f64>,
    y: &DVector<f64>,
) -> (DMatrix<f64>, DMatrix<f64>) {
    let (n, m) = problem.dims();
    let mut yy = DMatrix::zeros(m, m);
    let mut xy = DMatrix::zeros(n, m);
    for j in 0..m {
        let e = DVector::from_fn(m, |i, _| f64::from(u8::from(i == j)));
        yy.set_column(j, &problem.hvp_yy_g(x, y, &e));
        xy.set_column(j, &problem.jvp_xy_g(x, y, &e));
    }
    (yy, xy)
}

/// (H + H^T)/2 with its eigenvalues raised to `floor`, inverted (a non-finite H: NaN, so the run is
/// shown as diverged).
fn projected_inverse(h: &DMatrix<f64>, floor: f64) -> DMatrix<f64> {
    let Some(eig) = crate::numerics::linalg::symmetric_eigen((h + h.transpose()) * 0.5) else {
        return DMatrix::from_element(h.nrows(), h.ncols(), f64::NAN);
    };
    let inv = eig.eigenvalues.map(|l| 1.0 / l.max(floor));
    &eig.eigenvectors * DMatrix::from_diagonal(&inv) * eig.eigenvectors.transpose()
}

impl Stable {
    fn variance_reduced(&mut self, problem: &dyn BilevelProblem, run: &mut Run, tau: f64) {
        let (x, y) = (run.x.clone(), run.y.clone());
        let sample = problem.draw();
        let s: &dyn BilevelProblem = sample.as_deref().unwrap_or(problem);
        let m = problem.dims().1;
        let (yy_now, xy_now) = hessians(s, &x, &y);
        run.hvp_count += 2 * m;
        let (h_yy, h_xy) = match self.estimates.take() {
            None => (yy_now, xy_now),
            Some(prev) => {
                let (yy_then, xy_then) = hessians(s, &prev.x, &prev.y);
                run.hvp_count += 2 * m;
                (
                    (prev.h_yy - yy_then) * (1.0 - tau) + yy_now,
                    (prev.h_xy - xy_then) * (1.0 - tau) + xy_now,
                )
            }
        };
        let inverse = projected_inverse(&h_yy, self.ihvp.alpha().max(1e-8));
        let direction = s.grad_x_f(&x, &y) - &h_xy * (&inverse * s.grad_y_f(&x, &y));
        run.x = &x - &direction * self.outer_lr;
        project(&mut run.x, self.radius);
        let correction = &inverse * (h_xy.transpose() * (&run.x - &x));
        run.y = &y - s.grad_y_g(&x, &y) * self.inner_lr - correction;
        run.hypergradient = direction;
        run.inner_iterations += 1;
        self.estimates = Some(Estimates { h_yy, h_xy, x, y });
    }
}

impl Params for Stable {
    fn validate(&self, m: usize) -> Result<(), String> {
        if let Some(r) = self.radius {
            positive("radius", r)?;
        }
        if let Some(t) = self.tau
            && !(t > 0.0 && t <= 1.0)
        {
            return Err(format!("tau: must be in (0, 1], got {t}"));
        }
        ihvp(&self.ihvp, m)
    }
}

impl Algorithm for Stable {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        if let Some(tau) = self.tau {
            self.variance_reduced(problem, run, tau);
            return;
        }
        let (x, y) = (run.x.clone(), run.y.clone());
        let grad_y = problem.grad_y_g(&x, &y);
        implicit_leader_step(problem, run, self.outer_lr, &self.ihvp, None);
        project(&mut run.x, self.radius);
        let moved = problem.jvp_yx_g(&x, &y, &(&run.x - &x));
        let correction = ihvp_at(problem, run, &x, &y, &moved, &self.ihvp);
        run.y = &y - grad_y * self.inner_lr - correction;
        run.inner_iterations += 1;
    }
}
