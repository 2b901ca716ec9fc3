//! What one minibatch's hypergradient was made of ([`Terms`]: the direct gradient, the IHVP, the
//! correction against the clip, the cosine of the direction followed), their means over an update, and the
//! optional diagnosis of the critic Hessian (Ritz values, condition, the IHVP's error against CG).

use nalgebra::DVector;
use serde::Serialize;

use super::hypergradient::CriticHessian;
use crate::numerics::ihvp::HessianOperator as _;
use crate::numerics::ihvp::cg::{Guard, cg};
use crate::numerics::ihvp::lanczos::Krylov;

/// What one minibatch's hypergradient was made of.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Terms {
    /// ‖∇_θ J‖, the direct gradient.
    pub grad_norm: f64,
    /// ‖∇_ω J‖, the right-hand side of the IHVP.
    pub grad_omega_norm: f64,
    /// ‖v̂‖, the IHVP.
    pub ihvp_norm: f64,
    /// ‖∇_θω L · v̂‖ / ‖∇_θ J‖ before the clip.
    pub correction_ratio: f64,
    /// cos(∇_θ J, the hypergradient actually followed).
    pub cosine: f64,
    pub clipped: bool,
    pub critic_loss: f64,
    pub hvps: usize,
    /// With `diagnose`: the critic Hessian's largest Ritz value and the condition of H + ρI from 30
    /// Lanczos steps (negative: H + ρI is indefinite), and ‖v̂ − v*‖/‖v*‖ against CG run to a 1e−12
    /// residual when H + ρI is positive definite (NaN when not measured).
    pub ihvp_error: f64,
    pub top_eigenvalue: f64,
    pub condition: f64,
    /// Over an update: the share of minibatches where H + ρI was indefinite (diagnosed ones only).
    pub indefinite: f64,
}

/// The mean of `f` over the items where it is a number (NaN when there are none).
pub(super) fn mean_of<T>(items: &[T], f: impl Fn(&T) -> f64) -> f64 {
    let values: Vec<f64> = items.iter().map(f).filter(|v| v.is_finite()).collect();
    values.iter().sum::<f64>() / values.len() as f64
}

impl Terms {
    /// Each field's mean over the items where it is a number (the clip: whether any bound).
    pub fn average(all: &[Self]) -> Self {
        Self {
            grad_norm: mean_of(all, |t| t.grad_norm),
            grad_omega_norm: mean_of(all, |t| t.grad_omega_norm),
            ihvp_norm: mean_of(all, |t| t.ihvp_norm),
            correction_ratio: mean_of(all, |t| t.correction_ratio),
            cosine: mean_of(all, |t| t.cosine),
            clipped: all.iter().any(|t| t.clipped),
            critic_loss: mean_of(all, |t| t.critic_loss),
            hvps: mean_of(all, |t| t.hvps as f64).round() as usize,
            ihvp_error: mean_of(all, |t| t.ihvp_error),
            top_eigenvalue: mean_of(all, |t| t.top_eigenvalue),
            condition: mean_of(all, |t| t.condition),
            indefinite: mean_of(all, |t| t.indefinite),
        }
    }

    /// An update's terms from its minibatches': [`Self::average`], but the HVPs summed, the condition
    /// over the positive definite ones only, and the share of indefinite ones beside it.
    pub fn mean(all: &[Self]) -> Self {
        let diagnosed: Vec<&Self> = all.iter().filter(|t| t.condition.is_finite()).collect();
        Self {
            hvps: all.iter().map(|t| t.hvps).sum(),
            condition: mean_of(&diagnosed, |t| {
                if t.condition > 0.0 {
                    t.condition
                } else {
                    f64::NAN
                }
            }),
            indefinite: mean_of(&diagnosed, |t| f64::from(u8::from(t.condition < 0.0))),
            ..Self::average(all)
        }
    }
}

/// The Hessian's extreme Ritz values from 30 Lanczos steps (full reorthogonalisation) started at b, the
/// condition of H + ρI, and — when H + ρI is positive definite, so CG converges to the solution — the
/// IHVP's error against CG run to a 1e−12 residual (500 iterations at most); NaN when indefinite.
pub(super) fn diagnose(
    op: &CriticHessian<'_>,
    b: &DVector<f64>,
    v: &DVector<f64>,
    rho: f64,
    terms: &mut Terms,
) {
    if b.norm() == 0.0 {
        return;
    }
    let mut krylov = Krylov::new(b);
    for _ in 0..30 {
        if !krylov.step(|x| op.hvp(x), true) {
            break;
        }
    }
    let Some(ritz) = crate::numerics::linalg::symmetric_eigenvalues(krylov.tridiagonal()) else {
        return;
    };
    let (lo, hi) = (ritz.min(), ritz.max());
    terms.top_eigenvalue = hi;
    terms.condition = (hi + rho) / (lo + rho);
    if lo + rho > 0.0 {
        let reference = cg(op, b, rho, 500, 1e-12, Guard::Curvature).v;
        terms.ihvp_error = (v - &reference).norm() / reference.norm().max(f64::MIN_POSITIVE);
    }
}
