//! Bilevel problems min_x Φ(x) = f(x, y*(x)), y*(x) = argmin_y g(x, y), and the implicit hypergradient
//!   ∇Φ(x) = ∇ₓf − ∇²ₓᵧg · (∇²ᵧᵧg)⁻¹ ∇ᵧf      (BLPO Eq. 5–9; poster 002, "Hyper-gradient computation").
//! Convention: ∇²ₓᵧg · v ∈ ℝⁿ is ∇ₓ(∇ᵧg · v) for v ∈ ℝᵐ; ∇²ᵧₓg · u ∈ ℝᵐ is its transpose applied to u ∈ ℝⁿ.

pub mod algorithms;
pub mod lockstep;
pub mod problems;
pub mod stochastic;

use nalgebra::DVector;

use crate::numerics::ihvp::{self, HessianOperator, IhvpResult};

/// A bilevel problem with exact first and second derivatives of both levels.
pub trait BilevelProblem {
    /// (n, m): dimensions of x (leader) and y (follower).
    fn dims(&self) -> (usize, usize);
    fn f(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64;
    fn g(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64;
    fn grad_x_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64>;
    fn grad_y_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64>;
    fn grad_x_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64>;
    fn grad_y_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64>;
    /// ∇²ᵧᵧg · v.
    fn hvp_yy_g(&self, x: &DVector<f64>, y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64>;
    /// ∇²ₓᵧg · v ∈ ℝⁿ for v ∈ ℝᵐ.
    fn jvp_xy_g(&self, x: &DVector<f64>, y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64>;
    /// ∇²ᵧₓg · u ∈ ℝᵐ for u ∈ ℝⁿ (the transpose of [`Self::jvp_xy_g`]).
    fn jvp_yx_g(&self, x: &DVector<f64>, y: &DVector<f64>, u: &DVector<f64>) -> DVector<f64>;
    /// y*(x) in closed form, where one exists.
    fn y_star(&self, _x: &DVector<f64>) -> Option<DVector<f64>> {
        None
    }
    /// The leader's optimum x* in closed form, where one exists.
    fn x_star(&self) -> Option<DVector<f64>> {
        None
    }
    /// The Nash point of simultaneous play (∇ₓf = 0 and ∇ᵧg = 0), where known in closed form.
    fn nash(&self) -> Option<(DVector<f64>, DVector<f64>)> {
        None
    }
    /// The same problem on `batch` of its data points drawn with replacement (training and validation
    /// sets each), for problems with data; its derivatives are unbiased estimates of these.
    fn minibatch(
        &self,
        _batch: usize,
        _rng: &mut crate::numerics::random::SeededRng,
    ) -> Option<Box<dyn BilevelProblem>> {
        None
    }
    /// One stochastic sample ξ of the oracles, to evaluate at several points ([`stochastic`]); `None`
    /// for exact oracles.
    fn draw(&self) -> Option<Box<dyn BilevelProblem + '_>> {
        None
    }
}

/// ∇²ᵧᵧg at a point, as an operator for the IHVP methods.
pub struct InnerHessian<'a, P: BilevelProblem + ?Sized> {
    pub problem: &'a P,
    pub x: &'a DVector<f64>,
    pub y: &'a DVector<f64>,
}

impl<P: BilevelProblem + ?Sized> HessianOperator for InnerHessian<'_, P> {
    fn dim(&self) -> usize {
        self.problem.dims().1
    }
    fn hvp(&self, v: &DVector<f64>) -> DVector<f64> {
        self.problem.hvp_yy_g(self.x, self.y, v)
    }
}

/// The hypergradient estimate at (x, y) with an IHVP v̂ ≈ (∇²ᵧᵧg + αI)⁻¹∇ᵧf: returns
/// (∇ₓf − ∇²ₓᵧg v̂, the direct part ∇ₓf, the implicit correction ∇²ₓᵧg v̂).
pub fn hypergradient_with<P: BilevelProblem + ?Sized>(
    problem: &P,
    x: &DVector<f64>,
    y: &DVector<f64>,
    v: &DVector<f64>,
) -> (DVector<f64>, DVector<f64>, DVector<f64>) {
    let direct = problem.grad_x_f(x, y);
    let correction = problem.jvp_xy_g(x, y, v);
    (&direct - &correction, direct, correction)
}

/// The hypergradient with the exact IHVP (α = 0), for references and tests.
pub fn exact_hypergradient<P: BilevelProblem + ?Sized>(
    problem: &P,
    x: &DVector<f64>,
    y: &DVector<f64>,
) -> (DVector<f64>, IhvpResult) {
    let b = problem.grad_y_f(x, y);
    let r = ihvp::exact::exact(&InnerHessian { problem, x, y }, &b, 0.0);
    (hypergradient_with(problem, x, y, &r.v).0, r)
}

/// Solves the inner problem by Newton's method from `y0` until ‖∇ᵧg‖ ≤ tol (at most `max_iter` steps),
/// with a backtracking guard on g. For references: y*(x) where no closed form exists.
pub fn solve_inner<P: BilevelProblem + ?Sized>(
    problem: &P,
    x: &DVector<f64>,
    y0: &DVector<f64>,
    tol: f64,
    max_iter: usize,
) -> Option<DVector<f64>> {
    let mut y = y0.clone();
    for _ in 0..max_iter {
        let grad = problem.grad_y_g(x, &y);
        if grad.norm() <= tol {
            return Some(y);
        }
        let step = ihvp::exact::exact(&InnerHessian { problem, x, y: &y }, &grad, 0.0).v;
        let g0 = problem.g(x, &y);
        let mut t = 1.0;
        loop {
            let trial = &y - &step * t;
            if problem.g(x, &trial) <= g0 + 1e-12 * g0.abs().max(1.0) || t < 1e-8 {
                y = trial;
                break;
            }
            t *= 0.5;
        }
        if !y.iter().all(|v| v.is_finite()) {
            return None;
        }
    }
    (problem.grad_y_g(x, &y).norm() <= tol * 1e3).then_some(y)
}

/// Φ(x) = f(x, y*(x)) with y* in closed form or solved to tolerance.
pub fn phi<P: BilevelProblem + ?Sized>(problem: &P, x: &DVector<f64>) -> Option<f64> {
    let y = problem
        .y_star(x)
        .or_else(|| solve_inner(problem, x, &DVector::zeros(problem.dims().1), 1e-12, 100))?;
    Some(problem.f(x, &y))
}

#[cfg(test)]
pub(crate) mod checks {
    //! Central finite differences of every derivative a problem provides (used by each problem's tests).
    use super::*;

    fn fd_grad(fun: impl Fn(&DVector<f64>) -> f64, at: &DVector<f64>, h: f64) -> DVector<f64> {
        DVector::from_fn(at.len(), |i, _| {
            let mut p = at.clone();
            let mut m = at.clone();
            p[i] += h;
            m[i] -= h;
            (fun(&p) - fun(&m)) / (2.0 * h)
        })
    }

    fn close(a: &DVector<f64>, b: &DVector<f64>, tol: f64, what: &str) {
        let scale = b.norm().max(1.0);
        assert!(
            (a - b).norm() <= tol * scale,
            "{what}: {a} vs finite differences {b}"
        );
    }

    /// Checks gradients, HVPs and mixed products at (x, y) against central differences, and that
    /// jvp_yx_g is the transpose of jvp_xy_g.
    pub fn derivatives<P: BilevelProblem>(
        p: &P,
        x: &DVector<f64>,
        y: &DVector<f64>,
        v: &DVector<f64>,
        u: &DVector<f64>,
    ) {
        let h = 1e-5;
        let tol = 1e-6;
        close(&p.grad_x_f(x, y), &fd_grad(|x| p.f(x, y), x, h), tol, "∇ₓf");
        close(&p.grad_y_f(x, y), &fd_grad(|y| p.f(x, y), y, h), tol, "∇ᵧf");
        close(&p.grad_x_g(x, y), &fd_grad(|x| p.g(x, y), x, h), tol, "∇ₓg");
        close(&p.grad_y_g(x, y), &fd_grad(|y| p.g(x, y), y, h), tol, "∇ᵧg");
        close(
            &p.hvp_yy_g(x, y, v),
            &fd_grad(|y| p.grad_y_g(x, y).dot(v), y, h),
            tol,
            "∇²ᵧᵧg·v",
        );
        close(
            &p.jvp_xy_g(x, y, v),
            &fd_grad(|x| p.grad_y_g(x, y).dot(v), x, h),
            tol,
            "∇²ₓᵧg·v",
        );
        close(
            &p.jvp_yx_g(x, y, u),
            &fd_grad(|y| p.grad_x_g(x, y).dot(u), y, h),
            tol,
            "∇²ᵧₓg·u",
        );
        let lhs = u.dot(&p.jvp_xy_g(x, y, v));
        let rhs = v.dot(&p.jvp_yx_g(x, y, u));
        assert!(
            (lhs - rhs).abs() <= 1e-10 * lhs.abs().max(1.0),
            "transpose: {lhs} vs {rhs}"
        );
    }

    /// [`derivatives`] and [`hypergradient`] at the seeded point x = vector(n, seed + 1), y = vector(m,
    /// seed + 2), with directions v = vector(m, seed + 3), u = vector(n, seed + 4).
    pub fn at_seeded_point<P: BilevelProblem>(p: &P, seed: u64) {
        use crate::numerics::ihvp::testing::vector;
        let (n, m) = p.dims();
        let x = vector(n, seed + 1);
        derivatives(
            p,
            &x,
            &vector(m, seed + 2),
            &vector(m, seed + 3),
            &vector(n, seed + 4),
        );
        hypergradient(p, &x);
    }

    /// [`at_seeded_point`] on the problems `make(seed)` for seeds 0..n.
    pub fn on_seeds<P: BilevelProblem>(n: u64, make: impl Fn(u64) -> P) {
        for seed in 0..n {
            at_seeded_point(&make(seed), seed);
        }
    }

    /// A problem's closed-form y* on seeds 0..3 ([`at_seeded_point`] for each, and ∇ᵧg(x, y*(x)) = 0 at
    /// `x`), for the problems `make(seed)` draws.
    pub fn closed_form_on_seeds<P: BilevelProblem>(make: impl Fn(u64) -> P, x: &[f64]) {
        let x = DVector::from_column_slice(x);
        for seed in 0..3 {
            let p = make(seed);
            at_seeded_point(&p, seed);
            let y = p.y_star(&x).unwrap_or_default();
            assert!(p.grad_y_g(&x, &y).norm() < 1e-12, "y* is stationary");
        }
    }

    /// The exact hypergradient at y*(x) against central differences of Φ.
    pub fn hypergradient<P: BilevelProblem>(p: &P, x: &DVector<f64>) {
        let y = p
            .y_star(x)
            .or_else(|| solve_inner(p, x, &DVector::zeros(p.dims().1), 1e-12, 100))
            .unwrap_or_else(|| panic!("inner problem solvable"));
        let (grad, _) = exact_hypergradient(p, x, &y);
        let fd = fd_grad(|x| phi(p, x).unwrap_or(f64::NAN), x, 1e-5);
        close(&grad, &fd, 1e-5, "∇Φ");
    }
}
