//! Small dense linear-algebra references in float64.

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
}
