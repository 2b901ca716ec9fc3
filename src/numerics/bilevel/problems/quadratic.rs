//! The quadratic bilevel problem (issue 3):
//!   f(x, y) = ½ yᵀAy + xᵀBy + aᵀx + cᵀy + ½ xᵀEx + f₀,
//!   g(x, y) = ½ yᵀHy − yᵀ(Cx + d) + ½ xᵀG x,        H SPD,
//! with x ∈ ℝⁿ, y ∈ ℝᵐ, A m×m, B n×m, E n×n, C m×n. (f₀ and G only shift values: they let the 1-D
//! teaching problems be written exactly.) Closed forms: y*(x) = Sx + s with S = H⁻¹C, s = H⁻¹d;
//! Φ(x) = ½ xᵀPx + qᵀx + const with P = SᵀAS + BS + SᵀBᵀ + E, q = SᵀAs + Bs + a + Sᵀc; x* = −P⁻¹q.

use nalgebra::{DMatrix, DVector};

use crate::numerics::bilevel::BilevelProblem;

/// See the module docs. Matrices are stored symmetrized where the formulas assume symmetry.
#[derive(Clone, Debug, PartialEq)]
pub struct Quadratic {
    /// f's ½ yᵀAy (m × m, symmetric).
    pub a_mat: DMatrix<f64>,
    /// f's xᵀBy (n × m).
    pub b_mat: DMatrix<f64>,
    /// f's ½ xᵀEx (n × n, symmetric).
    pub e_mat: DMatrix<f64>,
    /// f's linear terms aᵀx + cᵀy and its constant f₀.
    pub a: DVector<f64>,
    pub c: DVector<f64>,
    pub f0: f64,
    /// g's ½ yᵀHy (m × m, SPD).
    pub h_mat: DMatrix<f64>,
    /// g's −yᵀ(Cx + d): C m × n, d ∈ ℝᵐ.
    pub c_mat: DMatrix<f64>,
    pub d: DVector<f64>,
    /// g's ½ xᵀGx (n × n; it moves no y*).
    pub g_mat: DMatrix<f64>,
}

fn sym(m: &DMatrix<f64>) -> DMatrix<f64> {
    (m + m.transpose()) * 0.5
}

/// What a quadratic problem is given by, named as in the module docs (f's A, B, E, a, c; g's H, C, d).
#[derive(Clone, Debug, PartialEq)]
pub struct Parts {
    /// f's A, B, E (symmetrized by [`Quadratic::new`]) and its a, c.
    pub a_mat: DMatrix<f64>,
    pub b_mat: DMatrix<f64>,
    pub e_mat: DMatrix<f64>,
    pub a: DVector<f64>,
    pub c: DVector<f64>,
    /// g's H (symmetrized; it must be SPD), C and d.
    pub h_mat: DMatrix<f64>,
    pub c_mat: DMatrix<f64>,
    pub d: DVector<f64>,
}

impl Quadratic {
    /// Checks shapes and that H is SPD; errors name the field (`A`, `B`, …) and the expected shape.
    pub fn new(parts: Parts) -> Result<Self, String> {
        let Parts {
            a_mat,
            b_mat,
            e_mat,
            a,
            c,
            h_mat,
            c_mat,
            d,
        } = parts;
        let n = a.len();
        let m = c.len();
        let shape = |name: &str, mat: &DMatrix<f64>, r: usize, k: usize| {
            if mat.shape() == (r, k) {
                Ok(())
            } else {
                Err(format!(
                    "{name}: must be {r}×{k}, got {}×{}",
                    mat.nrows(),
                    mat.ncols()
                ))
            }
        };
        shape("A", &a_mat, m, m)?;
        shape("B", &b_mat, n, m)?;
        shape("E", &e_mat, n, n)?;
        shape("H", &h_mat, m, m)?;
        shape("C", &c_mat, m, n)?;
        if d.len() != m {
            return Err(format!("d: must have {m} entries, got {}", d.len()));
        }
        if sym(&h_mat).cholesky().is_none() {
            return Err("H: must be symmetric positive definite".to_owned());
        }
        Ok(Self {
            a_mat: sym(&a_mat),
            b_mat,
            e_mat: sym(&e_mat),
            a,
            c,
            f0: 0.0,
            h_mat: sym(&h_mat),
            c_mat,
            d,
            g_mat: DMatrix::zeros(n, n),
        })
    }

    /// The 1-D teaching problem f = (x − 1)² + (y − 2)², g = (y − x)²: y*(x) = x, the Stackelberg
    /// solution is x* = y* = 1.5 while simultaneous play (Nash) goes to x = y = 1.
    pub fn stackelberg_vs_nash() -> Self {
        let one = |v: f64| DMatrix::from_element(1, 1, v);
        let vec1 = |v: f64| DVector::from_element(1, v);
        Self {
            a_mat: one(2.0),
            b_mat: one(0.0),
            e_mat: one(2.0),
            a: vec1(-2.0),
            c: vec1(-4.0),
            f0: 5.0,
            h_mat: one(2.0),
            c_mat: one(2.0),
            d: vec1(0.0),
            g_mat: one(2.0),
        }
    }

    /// The Nash (simultaneous-play) point: ∇ₓf = 0 and ∇ᵧg = 0 together, if that system is regular.
    pub fn nash_point(&self) -> Option<(DVector<f64>, DVector<f64>)> {
        let (n, m) = self.dims();
        // [E  B; −C  H] [x; y] = [−a; d]
        let mut k = DMatrix::zeros(n + m, n + m);
        k.view_mut((0, 0), (n, n)).copy_from(&self.e_mat);
        k.view_mut((0, n), (n, m)).copy_from(&self.b_mat);
        k.view_mut((n, 0), (m, n)).copy_from(&(-&self.c_mat));
        k.view_mut((n, n), (m, m)).copy_from(&self.h_mat);
        let rhs = DVector::from_iterator(n + m, (-&self.a).iter().chain(self.d.iter()).copied());
        let z = k.lu().solve(&rhs)?;
        Some((z.rows(0, n).into_owned(), z.rows(n, m).into_owned()))
    }

    /// S = H⁻¹C and s = H⁻¹d, so that y*(x) = Sx + s.
    fn response(&self) -> Option<(DMatrix<f64>, DVector<f64>)> {
        let chol = self.h_mat.clone().cholesky()?;
        Some((chol.solve(&self.c_mat), chol.solve(&self.d)))
    }

    /// Φ's Hessian P and linear term q (module docs).
    pub fn phi_quadratic(&self) -> Option<(DMatrix<f64>, DVector<f64>)> {
        let (s_mat, s) = self.response()?;
        let p = s_mat.transpose() * &self.a_mat * &s_mat
            + &self.b_mat * &s_mat
            + s_mat.transpose() * self.b_mat.transpose()
            + &self.e_mat;
        let q = s_mat.transpose() * &self.a_mat * &s
            + &self.b_mat * &s
            + &self.a
            + s_mat.transpose() * &self.c;
        Some((p, q))
    }
}

impl BilevelProblem for Quadratic {
    fn dims(&self) -> (usize, usize) {
        (self.a.len(), self.c.len())
    }
    fn f(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        0.5 * y.dot(&(&self.a_mat * y))
            + x.dot(&(&self.b_mat * y))
            + self.a.dot(x)
            + self.c.dot(y)
            + 0.5 * x.dot(&(&self.e_mat * x))
            + self.f0
    }
    fn g(&self, x: &DVector<f64>, y: &DVector<f64>) -> f64 {
        0.5 * y.dot(&(&self.h_mat * y)) - y.dot(&(&self.c_mat * x + &self.d))
            + 0.5 * x.dot(&(&self.g_mat * x))
    }
    fn grad_x_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        &self.b_mat * y + &self.a + &self.e_mat * x
    }
    fn grad_y_f(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        &self.a_mat * y + self.b_mat.transpose() * x + &self.c
    }
    fn grad_x_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        -(self.c_mat.transpose() * y) + (&self.g_mat + self.g_mat.transpose()) * x * 0.5
    }
    fn grad_y_g(&self, x: &DVector<f64>, y: &DVector<f64>) -> DVector<f64> {
        &self.h_mat * y - &self.c_mat * x - &self.d
    }
    fn hvp_yy_g(&self, _x: &DVector<f64>, _y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        &self.h_mat * v
    }
    fn jvp_xy_g(&self, _x: &DVector<f64>, _y: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        -(self.c_mat.transpose() * v)
    }
    fn jvp_yx_g(&self, _x: &DVector<f64>, _y: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        -(&self.c_mat * u)
    }
    fn y_star(&self, x: &DVector<f64>) -> Option<DVector<f64>> {
        let (s_mat, s) = self.response()?;
        Some(s_mat * x + s)
    }
    fn x_star(&self) -> Option<DVector<f64>> {
        let (p, q) = self.phi_quadratic()?;
        Some(-p.cholesky()?.solve(&q))
    }
    fn nash(&self) -> Option<(DVector<f64>, DVector<f64>)> {
        self.nash_point()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::{checks, phi};
    use crate::numerics::ihvp::testing::{spd, vector};
    use rand::{Rng as _, SeedableRng as _, rngs::SmallRng};

    fn random(n: usize, m: usize, seed: u64) -> Quadratic {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut mat =
            |r: usize, c: usize| DMatrix::from_fn(r, c, |_, _| rng.random_range(-1.0..1.0));
        let (a_mat, b_mat, c_mat) = (mat(m, m), mat(n, m), mat(m, n));
        Quadratic::new(Parts {
            a_mat: spd(m, 0.5, 2.0, seed + 1) + sym(&a_mat) * 0.1,
            b_mat,
            e_mat: spd(n, 0.5, 1.5, seed + 2),
            a: vector(n, seed + 3),
            c: vector(m, seed + 4),
            h_mat: spd(m, 1.0, 4.0, seed + 5),
            c_mat,
            d: vector(m, seed + 6),
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn derivatives_match_finite_differences_at_random_points() {
        for seed in 0..10 {
            let (n, m) = (1 + seed as usize % 4, 1 + (seed as usize * 7) % 5);
            let q = random(n, m, seed);
            let mut q = q;
            q.g_mat = spd(n, 0.1, 1.0, seed + 9);
            checks::derivatives(
                &q,
                &vector(n, seed + 20),
                &vector(m, seed + 21),
                &vector(m, seed + 22),
                &vector(n, seed + 23),
            );
            checks::hypergradient(&q, &vector(n, seed + 30));
        }
    }

    #[test]
    fn closed_forms_agree_with_phi_and_its_gradient() {
        let q = random(3, 4, 77);
        let x = vector(3, 78);
        let y = q.y_star(&x).unwrap();
        assert!(q.grad_y_g(&x, &y).norm() < 1e-12);
        let x_star = q.x_star().unwrap_or_else(|| panic!("Φ convex"));
        let (grad, _) =
            crate::numerics::bilevel::exact_hypergradient(&q, &x_star, &q.y_star(&x_star).unwrap());
        assert!(grad.norm() < 1e-10, "∇Φ(x*) = {grad}");
        let (p, qv) = q.phi_quadratic().unwrap();
        let quad = |x: &DVector<f64>| 0.5 * x.dot(&(&p * x)) + qv.dot(x);
        let d1 = phi(&q, &x).unwrap() - quad(&x);
        let d2 = phi(&q, &x_star).unwrap() - quad(&x_star);
        assert!((d1 - d2).abs() < 1e-10, "Φ = quadratic + const");
    }

    #[test]
    fn teaching_problem_has_distinct_nash_and_stackelberg_points() {
        let q = Quadratic::stackelberg_vs_nash();
        let x = DVector::from_element(1, 0.3);
        let y = DVector::from_element(1, -0.7);
        assert!((q.f(&x, &y) - ((0.3f64 - 1.0).powi(2) + (-0.7f64 - 2.0).powi(2))).abs() < 1e-14);
        assert!((q.g(&x, &y) - (-0.7f64 - 0.3).powi(2)).abs() < 1e-14);
        assert!((q.x_star().unwrap()[0] - 1.5).abs() < 1e-14);
        let (xn, yn) = q.nash_point().unwrap();
        assert!((xn[0] - 1.0).abs() < 1e-14 && (yn[0] - 1.0).abs() < 1e-14);
    }

    #[test]
    fn shapes_and_definiteness_are_checked_by_name() {
        let e = Quadratic::new(Parts {
            a_mat: DMatrix::zeros(2, 2),
            b_mat: DMatrix::zeros(1, 3),
            e_mat: DMatrix::zeros(1, 1),
            a: DVector::zeros(1),
            c: DVector::zeros(2),
            h_mat: DMatrix::identity(2, 2),
            c_mat: DMatrix::zeros(2, 1),
            d: DVector::zeros(2),
        })
        .unwrap_err();
        assert_eq!(e, "B: must be 1×2, got 1×3");
        let e = Quadratic::new(Parts {
            a_mat: DMatrix::zeros(1, 1),
            b_mat: DMatrix::zeros(1, 1),
            e_mat: DMatrix::zeros(1, 1),
            a: DVector::zeros(1),
            c: DVector::zeros(1),
            h_mat: DMatrix::from_element(1, 1, -1.0),
            c_mat: DMatrix::zeros(1, 1),
            d: DVector::zeros(1),
        })
        .unwrap_err();
        assert!(e.starts_with("H:"));
    }
}
