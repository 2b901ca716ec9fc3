//! Conjugate gradient on (H + αI) v = b from v₀ = 0 (lecture 004, "Details: Conjugate Gradient",
//! Algorithm 7; Hestenes–Stiefel). Stops at `iters` iterations or when ‖r‖ ≤ tol·‖b‖. With the curvature
//! guard (the default) it detects non-positive curvature d·(H + αI)d ≤ 0 and stops there with a warning;
//! without it, it runs on as JAX's `jax.scipy.sparse.linalg.cg` and SciPy's `cg` do (they never test the
//! curvature), so on an indefinite H + αI a negative step can carry it far off — the CG blow-ups BLPO's
//! Figure 2 reports. Both stop on a zero or non-finite curvature (the step would divide by it).
//! Cost: one HVP per iteration.

use nalgebra::DVector;

use super::{HessianOperator, IhvpResult, Shifted};

/// Whether CG stops at non-positive curvature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// Stop where dᵀ(H + αI)d ≤ 0 (this app's default).
    Curvature,
    /// Run on through negative curvature (JAX's and SciPy's CG).
    None,
}

/// CG IHVP. `tol` is relative to ‖b‖ (0 runs all `iters`).
pub fn cg<H: HessianOperator + ?Sized>(
    h: &H,
    b: &DVector<f64>,
    alpha: f64,
    iters: usize,
    tol: f64,
    guard: Guard,
) -> IhvpResult {
    let op = Shifted::new(h, alpha);
    let mut warnings = Vec::new();
    let name = match guard {
        Guard::Curvature => "CG",
        Guard::None => "CG without the guard",
    };
    let (v, iterations, residual_norms) = preconditioned_cg(
        &op,
        b,
        iters,
        tol,
        &|r| r.clone(),
        name,
        guard,
        &mut warnings,
    );
    IhvpResult {
        v,
        iterations,
        hvp_count: op.hvps(),
        residual_norms,
        warnings,
    }
}

/// Preconditioned CG from 0 on (H + αI) v = b with r ↦ P⁻¹r (the identity gives plain CG). Returns v, the
/// iterations taken and ‖r‖ after each; stops with a warning on non-positive curvature (with the guard),
/// on zero or non-finite curvature (always), and notes negative curvature it stepped through (without).
#[expect(
    clippy::too_many_arguments,
    reason = "the operator, the system, the stopping rule and the preconditioner are each needed"
)]
pub(crate) fn preconditioned_cg<H: HessianOperator + ?Sized>(
    op: &Shifted<'_, H>,
    b: &DVector<f64>,
    iters: usize,
    tol: f64,
    precondition: &dyn Fn(&DVector<f64>) -> DVector<f64>,
    name: &str,
    guard: Guard,
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
    let mut first_negative = None;
    while iterations < iters && r.norm() > tol * b_norm && r.norm() > 0.0 {
        let ad = op.apply(&d);
        let curvature = d.dot(&ad);
        let stop = match guard {
            Guard::Curvature => curvature <= 0.0 || !curvature.is_finite(),
            Guard::None => curvature == 0.0 || !curvature.is_finite(),
        };
        if stop {
            warnings.push(format!(
                "non-positive curvature d·(H + αI)d = {curvature:.3e} at iteration {}: H + αI is not positive definite, {name} stopped",
                iterations + 1
            ));
            break;
        }
        if curvature < 0.0 && first_negative.is_none() {
            first_negative = Some(iterations + 1);
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
    if let Some(k) = first_negative {
        warnings.push(format!(
            "negative curvature from iteration {k} on: H + αI is not positive definite, {name} stepped through it"
        ));
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
            let r = cg(&h, &b, 0.5, p, 0.0, Guard::Curvature);
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
            let r = cg(&h, &b, 0.2, k, 0.0, Guard::Curvature);
            let true_res = (&b - (&h * &r.v + &r.v * 0.2)).norm();
            assert!((r.residual_norms[k - 1] - true_res).abs() < 1e-10);
        }
    }

    #[test]
    fn tolerance_stops_early() {
        let h = DMatrix::<f64>::identity(20, 20) * 2.0;
        let b = vector(20, 1);
        let r = cg(&h, &b, 0.0, 50, 1e-8, Guard::Curvature);
        assert_eq!(r.iterations, 1);
    }

    #[test]
    fn indefinite_curvature_is_reported() {
        let h = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, -3.0, 2.0]));
        let b = DVector::from_vec(vec![0.0, 1.0, 0.0]);
        let r = cg(&h, &b, 0.5, 10, 0.0, Guard::Curvature);
        assert!(
            r.warnings[0].contains("non-positive curvature"),
            "{:?}",
            r.warnings
        );
        assert_eq!(r.iterations, 0);
    }

    #[test]
    fn without_the_guard_cg_runs_on_and_still_solves_indefinite_systems() {
        // H + αI = diag(1.5, −2.5, 2.5): b mixes the three directions, so the first direction has
        // negative curvature. Guarded CG stops at once; unguarded CG is a Krylov method on a nonsingular
        // symmetric system and reaches the exact solution in 3 steps (unless a breakdown hits zero).
        let h = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, -3.0, 2.0]));
        let b = DVector::from_vec(vec![0.2, 1.0, 0.3]);
        let guarded = cg(&h, &b, 0.5, 10, 0.0, Guard::Curvature);
        assert_eq!(guarded.iterations, 0);
        let free = cg(&h, &b, 0.5, 3, 0.0, Guard::None);
        let exact = DVector::from_vec(vec![0.2 / 1.5, -1.0 / 2.5, 0.3 / 2.5]);
        assert!((&free.v - &exact).norm() < 1e-12, "{}", free.v);
        assert!(
            free.warnings.iter().any(|w| w.contains("stepped through")),
            "{:?}",
            free.warnings
        );
        // On a positive definite system both are the same iteration.
        let spd = spd(9, 0.5, 3.0, 4);
        let b = vector(9, 5);
        let (a, c) = (
            cg(&spd, &b, 0.1, 6, 0.0, Guard::Curvature),
            cg(&spd, &b, 0.1, 6, 0.0, Guard::None),
        );
        assert_eq!(a.v, c.v);
        assert!(c.warnings.is_empty());
    }
}
