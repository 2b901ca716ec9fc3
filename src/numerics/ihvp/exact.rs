//! The exact solve v = (H + αI)⁻¹ b: Cholesky when H + αI is positive definite, otherwise a symmetric
//! eigendecomposition (pseudo-inverse on numerically zero eigenvalues), and the result says so.
//! Cost: p HVPs to form H when it is not stored, then O(p³) flops.

use nalgebra::{DMatrix, DVector};

use super::{HessianOperator, IhvpResult, Shifted};

/// Exact IHVP. The reference every other method is measured against.
pub fn exact<H: HessianOperator + ?Sized>(h: &H, b: &DVector<f64>, alpha: f64) -> IhvpResult {
    let op = Shifted::new(h, alpha);
    let p = op.dim();
    let built;
    let dense = if let Some(m) = h.dense() {
        m
    } else {
        built = DMatrix::from_columns(&(0..p).map(|j| op.column(j)).collect::<Vec<_>>());
        &built
    };
    // Symmetrize: HVPs from autodiff-free formulas can carry rounding asymmetry.
    let a = (dense + dense.transpose()) * 0.5 + DMatrix::identity(p, p) * alpha;
    let mut warnings = Vec::new();
    let v = if let Some(chol) = a.clone().cholesky() {
        chol.solve(b)
    } else if let Some(eig) = crate::numerics::linalg::symmetric_eigen(a) {
        let scale = eig
            .eigenvalues
            .iter()
            .fold(0.0f64, |m, l| m.max(l.abs()))
            .max(f64::MIN_POSITIVE);
        let tol = scale * p as f64 * f64::EPSILON;
        let lambda_min = eig
            .eigenvalues
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let singular = eig.eigenvalues.iter().filter(|l| l.abs() <= tol).count();
        warnings.push(format!(
            "H + αI is not positive definite (smallest eigenvalue {lambda_min:.3e}); solved by eigendecomposition{}",
            if singular > 0 { format!(", {singular} zero eigenvalue(s) pseudo-inverted") } else { String::new() }
        ));
        let coeffs = eig.eigenvectors.transpose() * b;
        let scaled = DVector::from_iterator(
            p,
            coeffs
                .iter()
                .zip(eig.eigenvalues.iter())
                .map(|(c, l)| if l.abs() <= tol { 0.0 } else { c / l }),
        );
        &eig.eigenvectors * scaled
    } else {
        warnings.push("H + αI has a non-finite entry: no solve".to_owned());
        DVector::from_element(p, f64::NAN)
    };
    IhvpResult {
        residual_norms: vec![op.residual_norm(b, &v)],
        v,
        iterations: 1,
        hvp_count: op.hvps(),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn matches_lu_on_spd_and_says_nothing() {
        let (h, b) = system(8, 0.5, 5.0, 3);
        let r = exact(&h, &b, 0.1);
        assert!((&r.v - reference(&h, &b, 0.1)).norm() < 1e-12);
        assert!(r.warnings.is_empty());
        assert_eq!(r.hvp_count, 0);
        assert!(r.residual_norms[0] < 1e-12);
    }

    #[test]
    fn indefinite_systems_are_solved_and_reported() {
        let h = spd(6, 1.0, 3.0, 5) - DMatrix::identity(6, 6) * 2.0; // eigenvalues in [−1, 1]
        let b = vector(6, 6);
        let r = exact(&h, &b, 0.05);
        assert!(
            r.warnings[0].contains("not positive definite"),
            "{:?}",
            r.warnings
        );
        assert!((&r.v - reference(&h, &b, 0.05)).norm() < 1e-9);
    }

    /// A matrix-free operator: only products are available.
    struct Products(DMatrix<f64>);
    impl HessianOperator for Products {
        fn dim(&self) -> usize {
            self.0.nrows()
        }
        fn hvp(&self, v: &DVector<f64>) -> DVector<f64> {
            &self.0 * v
        }
    }

    #[test]
    fn matrix_free_operators_cost_p_hvps() {
        let (h, b) = system(5, 1.0, 2.0, 7);
        let r = exact(&Products(h.clone()), &b, 0.3);
        assert_eq!(r.hvp_count, 5);
        assert!((&r.v - reference(&h, &b, 0.3)).norm() < 1e-12);
    }
}
