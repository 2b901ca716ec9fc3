//! Truncated Neumann series v = η Σ_{j<k} (I − η(H + αI))ʲ b (lecture 004, "Details: Neumann Series
//! Approximation"). Converges iff the spectral radius ρ(I − η(H + αI)) < 1, i.e. 0 < η < 2/λ_max for SPD H.
//! ρ is estimated by power iteration on I − η(H + αI) (no dense eigendecomposition), and divergence is
//! reported. Cost: k − 1 HVPs, plus `RADIUS_STEPS` when the radius check is on.

use nalgebra::DVector;

use super::{HessianOperator, IhvpResult, Shifted};

/// Power-iteration steps of the spectral-radius estimate.
pub const RADIUS_STEPS: usize = 30;

/// Neumann-series IHVP with `terms` = k terms and step η. With `check_radius`, estimates ρ(I − ηA)
/// first (costing [`RADIUS_STEPS`] HVPs, included in the count) and warns when it is ≥ 1.
pub fn neumann<H: HessianOperator + ?Sized>(
    h: &H,
    b: &DVector<f64>,
    alpha: f64,
    terms: usize,
    step: f64,
    check_radius: bool,
) -> IhvpResult {
    let op = Shifted::new(h, alpha);
    let mut warnings = Vec::new();
    if check_radius {
        let rho = spectral_radius(&op, step);
        if rho >= 1.0 {
            warnings.push(format!(
                "Neumann series diverges: spectral radius of I − η(H + αI) ≈ {rho:.3} ≥ 1 (η = {step}); take η < 2/λ_max"
            ));
        }
    }
    let mut term = b.clone();
    let mut sum = DVector::zeros(b.len());
    let mut residual_norms = Vec::with_capacity(terms);
    for j in 0..terms {
        if j > 0 {
            term = &term - op.apply(&term) * step;
        }
        sum += &term;
        let v = &sum * step;
        residual_norms.push(op.residual_norm(b, &v));
    }
    if let (Some(first), Some(last)) = (residual_norms.first(), residual_norms.last())
        && (!last.is_finite() || (terms > 2 && last > first))
        && warnings.is_empty()
    {
        warnings.push(format!(
            "Neumann series residual grew from {first:.3e} to {last:.3e}: diverging"
        ));
    }
    IhvpResult {
        v: sum * step,
        iterations: terms,
        hvp_count: op.hvps(),
        residual_norms,
        warnings,
    }
}

/// ρ(I − ηA) by power iteration from a fixed, deterministic start vector.
fn spectral_radius<H: HessianOperator + ?Sized>(op: &Shifted<'_, H>, step: f64) -> f64 {
    let p = op.dim();
    // Irrational-frequency start: not orthogonal to any particular eigenvector in practice.
    let mut x = DVector::from_fn(p, |i, _| {
        1.0 + 0.5 * ((i as f64 + 1.0) * 1.618_033_988_75).sin()
    });
    x /= x.norm();
    let mut rho = 0.0;
    for _ in 0..RADIUS_STEPS {
        let y = &x - op.apply(&x) * step;
        rho = y.norm();
        if rho == 0.0 || !rho.is_finite() {
            break;
        }
        x = y / rho;
    }
    rho
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn converges_to_the_exact_solve_for_small_steps() {
        let (h, b) = system(8, 1.0, 10.0, 11);
        let alpha = 0.5;
        let step = 1.0 / (10.0 + alpha); // < 2/λ_max
        let r = neumann(&h, &b, alpha, 400, step, true);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let exact = reference(&h, &b, alpha);
        assert!((&r.v - &exact).norm() < 1e-10 * exact.norm());
        assert_eq!(r.hvp_count, RADIUS_STEPS + 399);
        // ‖(I − ηA)ᵏ b‖ is non-increasing for ‖I − ηA‖ < 1, up to rounding once it reaches ~1e-15.
        assert!(
            r.residual_norms
                .windows(2)
                .all(|w| w[1] <= w[0] * (1.0 + 1e-9) + 1e-13)
        );
    }

    #[test]
    fn partial_sums_match_the_series_definition() {
        let (h, b) = system(4, 1.0, 2.0, 1);
        let (alpha, eta) = (0.1, 0.3);
        let a = &h + nalgebra::DMatrix::identity(4, 4) * alpha;
        let m = nalgebra::DMatrix::identity(4, 4) - &a * eta;
        let mut expected = DVector::zeros(4);
        let mut power = nalgebra::DMatrix::identity(4, 4);
        for _ in 0..5 {
            expected += &power * &b * eta;
            power = &m * power;
        }
        let r = neumann(&h, &b, alpha, 5, eta, false);
        assert!((&r.v - expected).norm() < 1e-13);
        assert_eq!(r.hvp_count, 4);
    }

    #[test]
    fn too_large_a_step_is_reported_as_diverging() {
        let (h, b) = system(8, 1.0, 10.0, 13);
        let r = neumann(&h, &b, 0.0, 50, 0.25, true); // 2/λ_max = 0.2
        assert!(
            r.warnings.iter().any(|w| w.contains("diverges")),
            "{:?}",
            r.warnings
        );
        let r = neumann(&h, &b, 0.0, 50, 0.25, false);
        assert!(
            r.warnings.iter().any(|w| w.contains("diverging")),
            "{:?}",
            r.warnings
        );
    }
}
