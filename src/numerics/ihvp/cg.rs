//! Conjugate gradient on (H + αI) v = b from v₀ = 0 (lecture 004, "Details: Conjugate Gradient",
//! Algorithm 7; Hestenes–Stiefel). Stops at `iters` iterations or when ‖r‖ ≤ tol·‖b‖. Detects non-positive
//! curvature dᵀ(H + αI)d ≤ 0 and stops there with a warning instead of silently continuing.
//! Cost: one HVP per iteration.

use nalgebra::DVector;

use super::{HessianOperator, IhvpResult, Shifted};

/// CG IHVP. `tol` is relative to ‖b‖ (0 runs all `iters`).
pub fn cg<H: HessianOperator + ?Sized>(
    h: &H,
    b: &DVector<f64>,
    alpha: f64,
    iters: usize,
    tol: f64,
) -> IhvpResult {
    let op = Shifted::new(h, alpha);
    let mut warnings = Vec::new();
    let (v, iterations, residual_norms) =
        preconditioned_cg(&op, b, iters, tol, &|r| r.clone(), "CG", &mut warnings);
    IhvpResult {
        v,
        iterations,
        hvp_count: op.hvps(),
        residual_norms,
        warnings,
    }
}

/// Preconditioned CG from 0 on (H + αI) v = b with r ↦ P⁻¹r (the identity gives plain CG). Returns v, the
/// iterations taken and ‖r‖ after each; stops with a warning on non-positive curvature.
pub(crate) fn preconditioned_cg<H: HessianOperator + ?Sized>(
    op: &Shifted<'_, H>,
    b: &DVector<f64>,
    iters: usize,
    tol: f64,
    precondition: &dyn Fn(&DVector<f64>) -> DVector<f64>,
    name: &str,
    warnings: &mut Vec<String>,
) -> (DVector<f64>, usize, Vec<f64>) {
    let mut v = DVector::zeros(b.len());
    let mut r = b.clone();
    let mut z = precondition(&r);
    let mut d = z.clone();
    let mut rz = r.dot(&z);
    let b_norm = b.norm();
    let mut residual_norms = Vec::with_capacity(iters.min(1024));
    let mut iterations = 0;
    while iterations < iters && r.norm() > tol * b_norm && r.norm() > 0.0 {
        let ad = op.apply(&d);
        let curvature = d.dot(&ad);
        if curvature <= 0.0 || !curvature.is_finite() {
            warnings.push(format!(
                "non-positive curvature dᵀ(H + αI)d = {curvature:.3e} at iteration {}: H + αI is not positive definite, {name} stopped",
                iterations + 1
            ));
            break;
        }
        let step = rz / curvature;
        v.axpy(step, &d, 1.0);
        r.axpy(-step, &ad, 1.0);
        z = precondition(&r);
        let rz_next = r.dot(&z);
        d = &z + &d * (rz_next / rz);
        rz = rz_next;
        iterations += 1;
        residual_norms.push(r.norm());
    }
    (v, iterations, residual_norms)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use nalgebra::DMatrix;

    #[test]
    fn p_iterations_solve_well_conditioned_spd_systems() {
        for seed in 0..5 {
            let p = 12;
            let h = spd(p, 1.0, 10.0, seed);
            let b = vector(p, seed + 100);
            let r = cg(&h, &b, 0.5, p, 0.0);
            let exact = reference(&h, &b, 0.5);
            assert!((&r.v - &exact).norm() < 1e-10 * exact.norm(), "seed {seed}");
            assert_eq!(r.hvp_count, r.iterations);
        }
    }

    #[test]
    fn recorded_residuals_are_true_residuals() {
        let h = spd(10, 0.1, 3.0, 9);
        let b = vector(10, 10);
        for k in 1..6 {
            let r = cg(&h, &b, 0.2, k, 0.0);
            let true_res = (&b - (&h * &r.v + &r.v * 0.2)).norm();
            assert!((r.residual_norms[k - 1] - true_res).abs() < 1e-10);
        }
    }

    #[test]
    fn tolerance_stops_early() {
        let h = DMatrix::<f64>::identity(20, 20) * 2.0;
        let b = vector(20, 1);
        let r = cg(&h, &b, 0.0, 50, 1e-8);
        assert_eq!(r.iterations, 1);
    }

    #[test]
    fn indefinite_curvature_is_reported() {
        let h = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, -3.0, 2.0]));
        let b = DVector::from_vec(vec![0.0, 1.0, 0.0]);
        let r = cg(&h, &b, 0.5, 10, 0.0);
        assert!(
            r.warnings[0].contains("non-positive curvature"),
            "{:?}",
            r.warnings
        );
        assert_eq!(r.iterations, 0);
    }
}
