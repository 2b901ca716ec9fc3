//! Lanczos / Krylov IHVP: k steps of the Lanczos process on A = H + αI from q₁ = b/‖b‖ build an orthonormal
//! basis Q_k of the Krylov subspace K_k(A, b) and the tridiagonal T_k = Q_kᵀ A Q_k; then
//! v_k = Q_k T_k⁻¹ Q_kᵀ b = ‖b‖ Q_k T_k⁻¹ e₁ (LancBiO poster 002, "Geometric interpretation of AID": the
//! minimizer of ½vᵀAv − bᵀv over K_k). For SPD A, v_k equals the k-th CG iterate in exact arithmetic.
//! Optional full reorthogonalization guards against the loss of orthogonality [Paige'80].
//! Cost: one HVP per step.

use nalgebra::{DMatrix, DVector};

use super::{HessianOperator, IhvpResult, Shifted};

/// An orthonormal Krylov basis and the tridiagonal projection, grown one step at a time.
#[derive(Clone, Debug, Default)]
pub struct Krylov {
    pub basis: Vec<DVector<f64>>,
    pub alphas: Vec<f64>,
    /// β₂, β₃, …: `betas[j]` couples q_{j+1} and q_{j+2} (0-based: basis[j] and basis[j+1]).
    pub betas: Vec<f64>,
}

impl Krylov {
    /// Starts from the direction of `start` (must be nonzero).
    pub fn new(start: &DVector<f64>) -> Self {
        Self {
            basis: vec![start / start.norm()],
            alphas: Vec::new(),
            betas: Vec::new(),
        }
    }

    /// One Lanczos step with the operator `apply` (which may change between steps, as in LancBiO).
    /// Returns false when the subspace became invariant (β ≈ 0): no new direction was added.
    pub fn step(
        &mut self,
        apply: impl Fn(&DVector<f64>) -> DVector<f64>,
        reorthogonalize: bool,
    ) -> bool {
        let j = self.alphas.len();
        let Some(q) = self.basis.get(j).cloned() else {
            return false;
        };
        let mut u = apply(&q);
        if j > 0 {
            u.axpy(-self.betas[j - 1], &self.basis[j - 1], 1.0);
        }
        let alpha = q.dot(&u);
        u.axpy(-alpha, &q, 1.0);
        if reorthogonalize {
            for _ in 0..2 {
                for qi in &self.basis {
                    let c = qi.dot(&u);
                    u.axpy(-c, qi, 1.0);
                }
            }
        }
        self.alphas.push(alpha);
        let beta = u.norm();
        let scale = alpha
            .abs()
            .max(self.betas.last().copied().unwrap_or(0.0))
            .max(1.0);
        if beta <= 1e-13 * scale || !beta.is_finite() {
            return false;
        }
        self.betas.push(beta);
        self.basis.push(u / beta);
        true
    }

    /// The square tridiagonal T_k (k = steps taken).
    pub fn tridiagonal(&self) -> DMatrix<f64> {
        let k = self.alphas.len();
        DMatrix::from_fn(k, k, |i, j| {
            if i == j {
                self.alphas[i]
            } else if i + 1 == j || j + 1 == i {
                self.betas[i.min(j)]
            } else {
                0.0
            }
        })
    }

    /// The (k+1)×k tridiagonal T̄_k with A Q_k = Q_{k+1} T̄_k (rows for every basis vector present).
    pub fn extended_tridiagonal(&self) -> DMatrix<f64> {
        let k = self.alphas.len();
        let rows = self.basis.len().max(k);
        DMatrix::from_fn(rows, k, |i, j| {
            if i == j {
                self.alphas[i]
            } else if i == j + 1 || j == i + 1 {
                self.betas.get(i.min(j)).copied().unwrap_or(0.0)
            } else {
                0.0
            }
        })
    }

    /// Q_k y (the first `y.len()` basis vectors).
    pub fn combine(&self, y: &DVector<f64>) -> DVector<f64> {
        let mut v = DVector::zeros(self.basis[0].len());
        for (q, c) in self.basis.iter().zip(y.iter()) {
            v.axpy(*c, q, 1.0);
        }
        v
    }
}

/// Lanczos IHVP with `iters` steps (fewer if the Krylov space becomes invariant: then v is exact).
pub fn lanczos<H: HessianOperator + ?Sized>(
    h: &H,
    b: &DVector<f64>,
    alpha: f64,
    iters: usize,
    reorthogonalize: bool,
) -> IhvpResult {
    let op = Shifted::new(h, alpha);
    let b_norm = b.norm();
    let mut warnings = Vec::new();
    let mut residual_norms = Vec::new();
    let mut v = DVector::zeros(b.len());
    if b_norm == 0.0 || iters == 0 {
        return IhvpResult {
            v,
            iterations: 0,
            hvp_count: 0,
            residual_norms,
            warnings,
        };
    }
    let mut krylov = Krylov::new(b);
    for _ in 0..iters {
        let grew = krylov.step(|x| op.apply(x), reorthogonalize);
        let k = krylov.alphas.len();
        let mut e1 = DVector::zeros(k);
        e1[0] = b_norm;
        match tridiagonal_solve(&krylov.alphas, &krylov.betas[..k - 1], e1) {
            Some(y) if y.iter().all(|c| c.is_finite()) => v = krylov.combine(&y),
            _ => {
                warnings.push(format!(
                    "T_{} is singular: A = H + αI is indefinite on the Krylov subspace; kept the previous iterate",
                    krylov.alphas.len()
                ));
                break;
            }
        }
        residual_norms.push(op.residual_norm(b, &v));
        if !grew {
            break;
        }
    }
    if !positive_definite(&krylov.alphas, &krylov.betas)
        && let Some(t_min) = crate::numerics::linalg::symmetric_eigenvalues(krylov.tridiagonal())
            .and_then(|e| e.iter().copied().reduce(f64::min))
        && t_min <= 0.0
    {
        warnings.push(format!(
            "T_k has eigenvalue {t_min:.3e} ≤ 0: H + αI is not positive definite"
        ));
    }
    IhvpResult {
        v,
        iterations: krylov.alphas.len(),
        hvp_count: op.hvps(),
        residual_norms,
        warnings,
    }
}

/// Solves T y = b for the symmetric tridiagonal T (diagonal `diag`, off-diagonal `off`) by Gaussian
/// elimination with partial pivoting in O(k) — LAPACK's `dgtsv` (the pivot rows leave one extra
/// super-diagonal). The same choices of pivot as a dense LU with partial pivoting (a column of T has one
/// entry below the diagonal), so the same iterate, without the O(k³) per Lanczos step. `None` at a zero
/// pivot (T singular).
fn tridiagonal_solve(diag: &[f64], off: &[f64], mut b: DVector<f64>) -> Option<DVector<f64>> {
    let n = diag.len();
    if n == 0 || off.len() + 1 != n || b.len() != n {
        return None;
    }
    let mut d = diag.to_vec();
    let sub = off;
    let mut sup = off.to_vec();
    // `second[i]`: the fill-in two to the right of the diagonal in row i after a swap.
    let mut second = vec![0.0; n.saturating_sub(2)];
    for i in 0..n - 1 {
        if d[i].abs() >= sub[i].abs() {
            if d[i] == 0.0 {
                return None;
            }
            let f = sub[i] / d[i];
            d[i + 1] -= f * sup[i];
            b[i + 1] -= f * b[i];
        } else {
            let f = d[i] / sub[i];
            d[i] = sub[i];
            let t = d[i + 1];
            d[i + 1] = sup[i] - f * t;
            if i + 2 < n {
                second[i] = sup[i + 1];
                sup[i + 1] *= -f;
            }
            sup[i] = t;
            let t = b[i];
            b[i] = b[i + 1];
            b[i + 1] = t - f * b[i + 1];
        }
    }
    if d[n - 1] == 0.0 {
        return None;
    }
    b[n - 1] /= d[n - 1];
    if n > 1 {
        b[n - 2] = (b[n - 2] - sup[n - 2] * b[n - 1]) / d[n - 2];
    }
    for i in (0..n.saturating_sub(2)).rev() {
        b[i] = (b[i] - sup[i] * b[i + 1] - second[i] * b[i + 2]) / d[i];
    }
    b.iter().all(|v| v.is_finite()).then_some(b)
}

/// Whether the symmetric tridiagonal T is positive definite: every pivot of its LDLᵀ positive (by
/// Sylvester's law of inertia the pivots' signs are the eigenvalues' signs), O(k).
fn positive_definite(diag: &[f64], off: &[f64]) -> bool {
    let mut pivot = f64::INFINITY;
    for (i, &a) in diag.iter().enumerate() {
        let b = if i > 0 { off[i - 1] } else { 0.0 };
        pivot = a - if i > 0 { b * b / pivot } else { 0.0 };
        if pivot.is_nan() || pivot <= 0.0 {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::cg::cg;
    use super::super::testing::*;
    use super::*;

    /// The O(k) solve against nalgebra's dense LU on random symmetric tridiagonals, definite and not,
    /// and the inertia test against the smallest eigenvalue.
    #[test]
    fn the_tridiagonal_solve_and_definiteness_agree_with_dense_references() {
        use rand::{Rng as _, SeedableRng as _};
        let mut rng = crate::numerics::random::SeededRng::seed_from_u64(11);
        for n in [1usize, 2, 3, 7, 40] {
            for shift in [-1.0, 0.0, 3.0] {
                let diag: Vec<f64> = (0..n)
                    .map(|_| rng.random_range(-1.0..1.0) + shift)
                    .collect();
                let off: Vec<f64> = (1..n).map(|_| rng.random_range(-1.0..1.0)).collect();
                let t = DMatrix::from_fn(n, n, |i, j| {
                    if i == j {
                        diag[i]
                    } else if i.abs_diff(j) == 1 {
                        off[i.min(j)]
                    } else {
                        0.0
                    }
                });
                let b = DVector::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
                let dense = t.clone().lu().solve(&b).unwrap_or_default();
                let fast = tridiagonal_solve(&diag, &off, b).unwrap_or_default();
                assert!(
                    (&fast - &dense).amax() < 1e-9 * (1.0 + dense.amax()),
                    "n {n}, shift {shift}: {fast} vs {dense}"
                );
                let min = t.symmetric_eigenvalues().min();
                assert_eq!(
                    positive_definite(&diag, &off),
                    min > 0.0,
                    "n {n}, min {min}"
                );
            }
        }
    }

    #[test]
    fn p_steps_solve_spd_systems() {
        for reorth in [false, true] {
            let (h, b) = system(12, 1.0, 8.0, 41);
            let r = lanczos(&h, &b, 0.2, 12, reorth);
            let exact = reference(&h, &b, 0.2);
            assert!(
                (&r.v - &exact).norm() < 1e-10 * exact.norm(),
                "reorth {reorth}"
            );
        }
    }

    #[test]
    fn iterate_k_equals_cg_iterate_k() {
        let (h, b) = system(15, 0.5, 20.0, 43);
        for k in 1..=8 {
            let l = lanczos(&h, &b, 0.1, k, true);
            let c = cg(&h, &b, 0.1, k, 0.0, super::super::cg::Guard::Curvature);
            assert!((&l.v - &c.v).norm() < 1e-9 * c.v.norm(), "k = {k}");
            assert!((l.residual_norms[k - 1] - c.residual_norms[k - 1]).abs() < 1e-8);
        }
    }

    #[test]
    fn basis_is_orthonormal_and_projection_tridiagonal() {
        let (h, b) = system(10, 1.0, 5.0, 45);
        let a = &h + DMatrix::identity(10, 10) * 0.3;
        let mut k = Krylov::new(&b);
        for _ in 0..6 {
            k.step(|x| &a * x, true);
        }
        let q = DMatrix::from_columns(&k.basis[..6]);
        assert!((q.transpose() * &q - DMatrix::identity(6, 6)).norm() < 1e-12);
        assert!((q.transpose() * &a * &q - k.tridiagonal()).norm() < 1e-10);
        let q7 = DMatrix::from_columns(&k.basis);
        assert!((&a * &q - q7 * k.extended_tridiagonal()).norm() < 1e-10);
    }
}
