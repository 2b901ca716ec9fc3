//! Small dense linear-algebra references in float64, and nalgebra's iterative decompositions behind an
//! iteration cap and a finiteness check.

use nalgebra::{DMatrix, DVector, Dyn, SVD, SymmetricEigen};

/// `out[b, i] = Σ_j A[b, i, j] · x[b, j]` for `batch` row-major `rows × cols` matrices, in float64.
/// The reference the f32 batched matrix–vector kernel and its CPU twin are measured against.
/// Cost: `batch · rows · cols` multiply–adds. Returns `None` when the slices do not match the shape.
pub fn batched_matvec(
    batch: usize,
    rows: usize,
    cols: usize,
    matrices: &[f64],
    vectors: &[f64],
) -> Option<Vec<f64>> {
    let entries = batch.checked_mul(rows)?.checked_mul(cols)?;
    if matrices.len() != entries || vectors.len() != batch.checked_mul(cols)? {
        return None;
    }
    let mut out = Vec::with_capacity(batch * rows);
    for b in 0..batch {
        let x = &vectors[b * cols..(b + 1) * cols];
        for i in 0..rows {
            let row = &matrices[(b * rows + i) * cols..(b * rows + i + 1) * cols];
            out.push(row.iter().zip(x).map(|(a, x)| a * x).sum());
        }
    }
    Some(out)
}

/// Largest entrywise error `|a − b| / max(1, |b|)`: absolute for small entries, relative for large ones.
/// `None` when lengths differ; any non-finite entry gives infinity.
pub fn max_scaled_error(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() {
        return None;
    }
    Some(a.iter().zip(b).fold(0.0f64, |worst, (a, b)| {
        let e = (a - b).abs() / b.abs().max(1.0);
        if e.is_nan() {
            f64::INFINITY
        } else {
            worst.max(e)
        }
    }))
}

/// The most QR sweeps the eigen- and singular-value solvers below may take for an n × n matrix: nalgebra's
/// own entry points (`symmetric_eigen`, `svd`, `pseudo_inverse`) iterate until convergence, which on
/// non-finite input never comes (issue 18's hang: a diverged training run's Hessian froze the CLI and the
/// tab). Convergence takes a few sweeps per eigenvalue; this leaves a wide margin.
fn sweep_cap(n: usize) -> usize {
    1000 + 100 * n
}

fn finite(m: &DMatrix<f64>) -> bool {
    m.iter().all(|v| v.is_finite())
}

/// The symmetric eigendecomposition of `m`, or `None` when `m` has a non-finite entry or the solver does
/// not converge within its sweep cap.
pub fn symmetric_eigen(m: DMatrix<f64>) -> Option<SymmetricEigen<f64, Dyn>> {
    if !finite(&m) {
        return None;
    }
    let cap = sweep_cap(m.nrows());
    SymmetricEigen::try_new(m, f64::EPSILON, cap)
}

/// The eigenvalues of the symmetric `m` (unordered), as `symmetric_eigen`.
pub fn symmetric_eigenvalues(m: DMatrix<f64>) -> Option<DVector<f64>> {
    symmetric_eigen(m).map(|e| e.eigenvalues)
}

/// The SVD of `m`, as `symmetric_eigen`.
pub fn svd(m: DMatrix<f64>, u: bool, v: bool) -> Option<SVD<f64, Dyn, Dyn>> {
    if !finite(&m) {
        return None;
    }
    let cap = sweep_cap(m.nrows().max(m.ncols()));
    SVD::try_new(m, u, v, f64::EPSILON, cap)
}

/// The pseudo-inverse of `m` with singular values ≤ `eps` dropped, as `symmetric_eigen`.
pub fn pseudo_inverse(m: DMatrix<f64>, eps: f64) -> Option<DMatrix<f64>> {
    svd(m, true, true)?.pseudo_inverse(eps).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matvec_by_hand() {
        let out = batched_matvec(1, 2, 2, &[1.0, 2.0, 3.0, 4.0], &[1.0, -1.0]);
        assert_eq!(out, Some(vec![-1.0, -1.0]));
        assert_eq!(batched_matvec(1, 2, 2, &[1.0], &[1.0, -1.0]), None);
    }

    #[test]
    fn scaled_error_is_relative_for_large_entries_and_flags_nan() {
        assert_eq!(max_scaled_error(&[100.0, 0.5], &[101.0, 0.25]), Some(0.25));
        assert_eq!(max_scaled_error(&[1000.0], &[1010.0]), Some(10.0 / 1010.0));
        assert_eq!(max_scaled_error(&[f64::NAN], &[1.0]), Some(f64::INFINITY));
        assert_eq!(max_scaled_error(&[1.0], &[]), None);
    }

    /// Non-finite input is refused at once (nalgebra's own solvers would loop for ever on it); finite
    /// input gets the usual answers.
    #[test]
    fn the_capped_solvers_refuse_non_finite_input_and_solve_finite_input() {
        let mut bad = DMatrix::from_fn(6, 6, |i, j| (i + j) as f64);
        bad[(2, 3)] = f64::NAN;
        assert!(symmetric_eigen(bad.clone()).is_none());
        assert!(svd(bad.clone(), true, true).is_none());
        bad[(2, 3)] = f64::INFINITY;
        assert!(pseudo_inverse(bad, 1e-12).is_none());
        let a = DMatrix::from_fn(5, 5, |i, j| 1.0 / (1.0 + i as f64 + j as f64));
        let e = symmetric_eigen(a.clone()).unwrap_or_else(|| panic!("Hilbert 5×5"));
        let back =
            &e.eigenvectors * DMatrix::from_diagonal(&e.eigenvalues) * e.eigenvectors.transpose();
        assert!((back - &a).norm() < 1e-13);
        let pinv = pseudo_inverse(a.clone(), 1e-14).unwrap_or_else(|| panic!("invertible"));
        assert!((&a * pinv - DMatrix::identity(5, 5)).norm() < 1e-8);
    }
}
