//! Nyström-preconditioned conjugate gradient (Frangella, Tropp, Udell, SIAM J. Matrix Anal. Appl. 2023,
//! Algorithms 2.1 and 5.1; BLPO Sec. 6 uses the Nyström method this way). A randomized rank-ℓ Nyström
//! approximation Ĥ = U Λ̂ Uᵀ of the PSD Hessian gives the preconditioner
//!   P⁻¹ = (λ̂_ℓ + α) U (Λ̂ + αI)⁻¹ Uᵀ + (I − UUᵀ)
//! for A = H + αI, and PCG runs on A. Cost: ℓ HVPs for the sketch + one per iteration.

use nalgebra::{DMatrix, DVector};
use rand::Rng;

use super::{HessianOperator, IhvpResult, Shifted};
use crate::numerics::random::gaussian;

/// r ↦ P⁻¹ r.
type Preconditioner = Box<dyn Fn(&DVector<f64>) -> DVector<f64>>;

/// The randomized Nyström approximation (U, Λ̂) of a PSD operator (FTU 2023, Algorithm 2.1).
/// `None` when H is not PSD enough for the stabilized Cholesky.
pub fn randomized_nystrom<H: HessianOperator + ?Sized, R: Rng + ?Sized>(
    op: &Shifted<'_, H>,
    sketch: usize,
    rng: &mut R,
) -> Option<(DMatrix<f64>, DVector<f64>)> {
    let p = op.dim();
    let l = sketch.min(p).max(1);
    let omega = DMatrix::from_fn(p, l, |_, _| gaussian(rng)).qr().q();
    // Y = H Ω, one HVP per column (the ridge is not part of the sketch).
    let cols: Vec<DVector<f64>> = (0..l)
        .map(|j| {
            let c = omega.column(j).into_owned();
            op.apply(&c) - &c * op.alpha
        })
        .collect();
    let y = DMatrix::from_columns(&cols);
    let nu = (p as f64).sqrt() * f64::EPSILON * y.norm();
    let y_nu = &y + &omega * nu;
    let core = omega.transpose() * &y_nu;
    let chol = ((&core + core.transpose()) * 0.5).cholesky()?;
    // B = Y_ν C⁻¹ with C = Lᵀ upper: solve L Bᵀ = Y_νᵀ.
    let bt = chol.l().solve_lower_triangular(&y_nu.transpose())?;
    let svd = crate::numerics::linalg::svd(bt.transpose(), true, false)?;
    let u = svd.u?;
    let lambda = svd.singular_values.map(|s| (s * s - nu).max(0.0));
    Some((u, lambda))
}

/// Nyström-PCG IHVP: sketch size ℓ = `rank`, at most `iters` iterations, relative tolerance `tol`.
pub fn nystrom_pcg<H: HessianOperator + ?Sized, R: Rng + ?Sized>(
    h: &H,
    b: &DVector<f64>,
    alpha: f64,
    rank: usize,
    iters: usize,
    tol: f64,
    rng: &mut R,
) -> IhvpResult {
    let op = Shifted::new(h, alpha);
    let mut warnings = Vec::new();
    let precondition: Preconditioner = if let Some((u, lambda)) = randomized_nystrom(&op, rank, rng)
    {
        let lambda_l = lambda.iter().copied().fold(f64::INFINITY, f64::min);
        let scale = DVector::from_iterator(
            lambda.len(),
            lambda.iter().map(|l| (lambda_l + alpha) / (l + alpha)),
        );
        Box::new(move |r: &DVector<f64>| {
            let coeff = u.transpose() * r;
            r - &u * &coeff + &u * coeff.component_mul(&scale)
        })
    } else {
        warnings.push("Hessian is not positive semidefinite: Nyström preconditioner unavailable, plain CG used".to_owned());
        Box::new(|r: &DVector<f64>| r.clone())
    };
    super::cg::preconditioned_cg(
        &op,
        b,
        iters,
        tol,
        &precondition,
        "Nyström-PCG",
        super::cg::Guard::Curvature,
        warnings,
    )
}

#[cfg(test)]
mod tests {
    use super::super::cg::cg;
    use super::super::testing::*;
    use super::*;
    use rand::{SeedableRng as _, rngs::SmallRng};

    /// PSD with a fast-decaying spectrum: 1000, 500, 250, … — hard for CG with a small ridge.
    fn decaying(p: usize, seed: u64) -> DMatrix<f64> {
        let base = spd(p, 1.0, 2.0, seed);
        let q = base.symmetric_eigen().eigenvectors;
        let d = DVector::from_fn(p, |i, _| 1000.0 * 0.5f64.powi(i as i32));
        &q * DMatrix::from_diagonal(&d) * q.transpose()
    }

    #[test]
    fn sketch_of_full_rank_reproduces_the_matrix() {
        let h = spd(8, 0.5, 3.0, 61);
        let op = Shifted::new(&h, 0.0);
        let mut rng = SmallRng::seed_from_u64(2);
        let (u, lambda) = randomized_nystrom(&op, 8, &mut rng).unwrap();
        let approx = &u * DMatrix::from_diagonal(&lambda) * u.transpose();
        assert!((approx - &h).norm() < 1e-8 * h.norm());
    }

    #[test]
    fn converges_to_the_exact_solve_faster_than_cg() {
        let h = decaying(30, 62);
        let b = vector(30, 63);
        let alpha = 1e-3;
        let mut rng = SmallRng::seed_from_u64(5);
        let pcg = nystrom_pcg(&h, &b, alpha, 20, 200, 1e-10, &mut rng);
        let plain = cg(
            &h,
            &b,
            alpha,
            200,
            1e-10,
            super::super::cg::Guard::Curvature,
        );
        let exact = reference(&h, &b, alpha);
        assert!(
            (&pcg.v - &exact).norm() < 1e-7 * exact.norm(),
            "{:?}",
            pcg.warnings
        );
        assert!(
            pcg.iterations < plain.iterations,
            "PCG {} vs CG {}",
            pcg.iterations,
            plain.iterations
        );
        assert_eq!(pcg.hvp_count, 20 + pcg.iterations);
    }
}
