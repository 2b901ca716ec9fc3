//! Gradient unrolling (lecture 004, "Gradient Unrolling"): K inner steps y_{k+1} = y_k − η ∇ᵧg(x, y_k) from
//! y₀ (the current y, held fixed in x: truncated back-propagation), then the exact derivative of
//! F(x) = f(x, y_K(x)):
//! - forward mode: Z_{k+1} = Z_k − η(∇²ᵧᵧg Z_k + ∇²ᵧₓg), Z₀ = 0, ∇F = ∇ₓf + Z_Kᵀ ∇ᵧf (n JVPs per step);
//! - reverse mode: λ_K = ∇ᵧf(x, y_K); for k = K−1…0: ∇F −= η ∇²ₓᵧg(x, y_k) λ_{k+1},
//!   λ_k = λ_{k+1} − η ∇²ᵧᵧg(x, y_k) λ_{k+1} (2 products per step, K iterates stored).
//!
//! Both give the same number; they differ in cost (forward ∝ n, reverse ∝ memory K).

use nalgebra::{DMatrix, DVector};

use super::spec::Params;
use super::{Algorithm, Run};
use crate::numerics::bilevel::BilevelProblem;

/// Which automatic-differentiation mode differentiates the unrolled loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Forward,
    Reverse,
}

/// ∇F(x) for K unrolled steps from y0; also returns y_K and the number of second-order products.
pub fn unrolled_gradient<P: BilevelProblem + ?Sized>(
    problem: &P,
    x: &DVector<f64>,
    y0: &DVector<f64>,
    lr: f64,
    steps: usize,
    mode: Mode,
) -> (DVector<f64>, DVector<f64>, usize) {
    let (n, m) = problem.dims();
    let mut ys = vec![y0.clone()];
    let mut products = 0;
    let mut z = DMatrix::<f64>::zeros(m, n);
    for _ in 0..steps {
        let y = ys[ys.len() - 1].clone();
        if mode == Mode::Forward {
            let mut next = z.clone();
            for j in 0..n {
                let mut e = DVector::zeros(n);
                e[j] = 1.0;
                let col = z.column(j).into_owned();
                let d = problem.hvp_yy_g(x, &y, &col) + problem.jvp_yx_g(x, &y, &e);
                next.set_column(j, &(col - d * lr));
            }
            products += 2 * n;
            z = next;
        }
        let grad = problem.grad_y_g(x, &y);
        ys.push(&y - grad * lr);
    }
    let y_k = ys[ys.len() - 1].clone();
    let mut grad = problem.grad_x_f(x, &y_k);
    let fy = problem.grad_y_f(x, &y_k);
    match mode {
        Mode::Forward => grad += z.transpose() * fy,
        Mode::Reverse => {
            let mut lambda = fy;
            for y in ys[..steps].iter().rev() {
                grad -= problem.jvp_xy_g(x, y, &lambda) * lr;
                lambda = &lambda - problem.hvp_yy_g(x, y, &lambda) * lr;
                products += 2;
            }
        }
    }
    (grad, y_k, products)
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unrolled {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub inner_steps: usize,
    pub mode: Mode,
}

impl Params for Unrolled {
    fn validate(&self, _m: usize) -> Result<(), String> {
        if self.inner_steps > 10_000 {
            return Err(format!(
                "inner_steps: must be in 0..=10000, got {}",
                self.inner_steps
            ));
        }
        Ok(())
    }
}

impl Algorithm for Unrolled {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        let (grad, y_k, products) = unrolled_gradient(
            problem,
            &run.x,
            &run.y,
            self.inner_lr,
            self.inner_steps,
            self.mode,
        );
        run.y = y_k;
        run.inner_iterations += self.inner_steps;
        run.hvp_count += products;
        run.x -= &grad * self.outer_lr;
        run.hypergradient = grad;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::problems::{LancBioSynthetic, Quadratic};
    use crate::numerics::bilevel::{exact_hypergradient, solve_inner};
    use crate::numerics::ihvp::testing::vector;

    #[test]
    fn forward_equals_reverse_equals_finite_differences_of_the_unrolled_map() {
        let p = LancBioSynthetic::new(4, 5.0, 0.1, 3);
        let x = vector(4, 1);
        let y0 = vector(4, 2);
        let (fwd, _, _) = unrolled_gradient(&p, &x, &y0, 0.1, 7, Mode::Forward);
        let (rev, _, _) = unrolled_gradient(&p, &x, &y0, 0.1, 7, Mode::Reverse);
        assert!((&fwd - &rev).norm() < 1e-12 * fwd.norm().max(1.0));
        let unrolled_f = |x: &DVector<f64>| {
            let mut y = y0.clone();
            for _ in 0..7 {
                y = &y - p.grad_y_g(x, &y) * 0.1;
            }
            p.f(x, &y)
        };
        let h = 1e-6;
        let fd = DVector::from_fn(4, |i, _| {
            let (mut a, mut b) = (x.clone(), x.clone());
            a[i] += h;
            b[i] -= h;
            (unrolled_f(&a) - unrolled_f(&b)) / (2.0 * h)
        });
        assert!((&rev - fd).norm() < 1e-7, "{rev}");
    }

    #[test]
    fn many_steps_from_y_star_approach_the_exact_hypergradient() {
        let q = Quadratic::stackelberg_vs_nash();
        let x = DVector::from_element(1, 0.3);
        let y = solve_inner(&q, &x, &DVector::zeros(1), 1e-14, 50).unwrap();
        let (exact, _) = exact_hypergradient(&q, &x, &y);
        let (rev, _, _) = unrolled_gradient(&q, &x, &y, 0.2, 200, Mode::Reverse);
        assert!((&rev - &exact).norm() < 1e-10, "{rev} vs {exact}");
    }
}
