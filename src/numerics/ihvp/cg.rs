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
    let name = match guard {
        Guard::Curvature => "CG",
        Guard::None => "CG without the guard",
    };
    preconditioned_cg(&op, b, iters, tol, &|r| r.clone(), name, guard, Vec::new())
}

/// Preconditioned CG from 0 on (H + αI) v = b with r ↦ P⁻¹r (the identity gives plain CG), after the
/// `warnings` already found. Returns v, the iterations taken and ‖r‖ after each; stops with a warning on non-positive curvature (with the guard),
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
    mut warnings: Vec<String>,
) -> IhvpResult {
    let mut run = CgRun::new(b, iters, tol, guard, precondition);
    while !run.advance(op, usize::MAX, precondition) {}
    let (v, iterations, residual_norms) = run.finish(name, &mut warnings);
    IhvpResult {
        v,
        iterations,
        hvp_count: op.hvps(),
        residual_norms,
        warnings,
    }
}

/// [`preconditioned_cg`] in progress, resumable a few iterations at a time (so a view can spread one
/// solve over frames); the same iterations in the same order, so a solve in pieces is the one-call solve.
#[derive(Clone, Debug)]
pub struct CgRun {
    v: DVector<f64>,
    r: DVector<f64>,
    d: DVector<f64>,
    rz: f64,
    b_norm: f64,
    iters: usize,
    tol: f64,
    guard: Guard,
    iterations: usize,
    residual_norms: Vec<f64>,
    first_negative: Option<usize>,
    /// The non-positive (or non-finite) curvature it stopped at, and at which iteration.
    stopped_at: Option<(f64, usize)>,
    hvps: usize,
}

impl CgRun {
    pub fn new(
        b: &DVector<f64>,
        iters: usize,
        tol: f64,
        guard: Guard,
        precondition: &dyn Fn(&DVector<f64>) -> DVector<f64>,
    ) -> Self {
        let z = precondition(b);
        Self {
            v: DVector::zeros(b.len()),
            r: b.clone(),
            rz: b.dot(&z),
            d: z,
            b_norm: b.norm(),
            iters,
            tol,
            guard,
            iterations: 0,
            residual_norms: Vec::with_capacity(iters.min(1024)),
            first_negative: None,
            stopped_at: None,
            hvps: 0,
        }
    }

    /// Up to `steps` more iterations (one HVP each); whether the solve is over.
    pub fn advance<H: HessianOperator + ?Sized>(
        &mut self,
        op: &Shifted<'_, H>,
        steps: usize,
        precondition: &dyn Fn(&DVector<f64>) -> DVector<f64>,
    ) -> bool {
        for _ in 0..steps {
            if self.done() {
                break;
            }
            let ad = op.apply(&self.d);
            self.hvps += 1;
            let curvature = self.d.dot(&ad);
            let stop = match self.guard {
                Guard::Curvature => curvature <= 0.0 || !curvature.is_finite(),
                Guard::None => curvature == 0.0 || !curvature.is_finite(),
            };
            if stop {
                self.stopped_at = Some((curvature, self.iterations + 1));
                break;
            }
            if curvature < 0.0 && self.first_negative.is_none() {
                self.first_negative = Some(self.iterations + 1);
            }
            let step = self.rz / curvature;
            self.v.axpy(step, &self.d, 1.0);
            self.r.axpy(-step, &ad, 1.0);
            let z = precondition(&self.r);
            let rz_next = self.r.dot(&z);
            self.d = &z + &self.d * (rz_next / self.rz);
            self.rz = rz_next;
            self.iterations += 1;
            self.residual_norms.push(self.r.norm());
        }
        self.done()
    }

    /// `iters` taken, stopped at a curvature, or the residual within the tolerance, zero or not a number.
    fn done(&self) -> bool {
        let r = self.r.norm();
        self.stopped_at.is_some()
            || self.iterations >= self.iters
            || !(r > self.tol * self.b_norm && r > 0.0)
    }

    /// HVPs spent so far (the one that found a non-positive curvature included).
    pub fn hvps(&self) -> usize {
        self.hvps
    }

    /// v, the iterations taken and ‖r‖ after each; the warnings (named `name`) added to `warnings`.
    pub fn finish(self, name: &str, warnings: &mut Vec<String>) -> (DVector<f64>, usize, Vec<f64>) {
        if let Some((curvature, at)) = self.stopped_at {
            warnings.push(format!(
                "non-positive curvature d·(H + αI)d = {curvature:.3e} at iteration {at}: H + αI is not positive definite, {name} stopped"
            ));
        }
        if let Some(k) = self.first_negative {
            warnings.push(format!(
                "negative curvature from iteration {k} on: H + αI is not positive definite, {name} stepped through it"
            ));
        }
        (self.v, self.iterations, self.residual_norms)
    }
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
        let (h, b) = system(10, 0.1, 3.0, 9);
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

    #[test]
    fn cg_in_pieces_is_the_one_call_solve_bit_for_bit() {
        let spd = spd(12, 0.5, 3.0, 7);
        let indefinite = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, -3.0, 2.0, 0.5]));
        // (H, b, iterations at most, tolerance, guard): all iterations, a tolerance, a curvature stop,
        // stepping through negative curvature.
        let cases = [
            (&spd, vector(12, 8), 12, 0.0, Guard::Curvature),
            (&spd, vector(12, 9), 40, 1e-9, Guard::Curvature),
            (&indefinite, vector(4, 10), 10, 0.0, Guard::Curvature),
            (&indefinite, vector(4, 11), 4, 0.0, Guard::None),
        ];
        let identity = |r: &DVector<f64>| r.clone();
        for (case, (h, b, iters, tol, guard)) in cases.into_iter().enumerate() {
            let whole = cg(h, &b, 0.5, iters, tol, guard);
            for piece in [1, 3, 7] {
                let op = Shifted::new(h, 0.5);
                let mut run = CgRun::new(&b, iters, tol, guard, &identity);
                let mut calls = 0;
                while !run.advance(&op, piece, &identity) {
                    calls += 1;
                    assert!(
                        calls <= iters,
                        "case {case}: pieces of {piece} never finish"
                    );
                }
                let hvps = run.hvps();
                let name = if guard == Guard::Curvature {
                    "CG"
                } else {
                    "CG without the guard"
                };
                let mut warnings = Vec::new();
                let (v, iterations, residual_norms) = run.finish(name, &mut warnings);
                assert_eq!(v, whole.v, "case {case}, pieces of {piece}");
                assert_eq!(
                    (iterations, hvps, &residual_norms, &warnings),
                    (
                        whole.iterations,
                        whole.hvp_count,
                        &whole.residual_norms,
                        &whole.warnings
                    ),
                    "case {case}, pieces of {piece}"
                );
            }
        }
    }
}
