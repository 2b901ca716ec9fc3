//! Stochastic Neumann IHVP, the estimator of BSA (Ghadimi & Wang 2018; lecture 004, "Hessian inverse with
//! stochastic Neumann approximation"):
//!   v̂ = η Q ∏_{i=1}^{p} (I − η(H_i + αI)) b,     p drawn uniformly from {0, …, Q − 1},
//! with each H_i an independent stochastic Hessian (one HVP each: on a stochastic problem every product
//! draws its own sample). Since E[Q·1{p = k}] = 1 for every k < Q, E[v̂] = η Σ_{k<Q} (I − η(H + αI))ᵏ b —
//! the deterministic Q-term Neumann series of `neumann.rs` — at p HVPs, (Q − 1)/2 on average, and with the
//! variance the factor Q brings. Converges (in expectation) for 0 < η < 2/λ_max(H + αI).

use nalgebra::DVector;
use rand::Rng;

use super::{HessianOperator, IhvpResult, Shifted};

/// One draw of the estimator with Q = `terms` and step η.
pub fn neumann_stochastic<H: HessianOperator + ?Sized, R: Rng + ?Sized>(
    h: &H,
    b: &DVector<f64>,
    alpha: f64,
    terms: usize,
    step: f64,
    rng: &mut R,
) -> IhvpResult {
    let op = Shifted::new(h, alpha);
    let depth = rng.random_range(0..terms.max(1));
    let mut v = b.clone();
    for _ in 0..depth {
        v = &v - op.apply(&v) * step;
    }
    let v = v * (step * terms as f64);
    let mut warnings = Vec::new();
    if !v.iter().all(|c| c.is_finite()) {
        warnings.push(format!(
            "stochastic Neumann product diverged at depth {depth}: take η < 2/λ_max(H + αI)"
        ));
    }
    IhvpResult {
        v,
        iterations: depth,
        hvp_count: op.hvps(),
        residual_norms: Vec::new(),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::super::neumann::neumann;
    use super::super::testing::*;
    use super::*;
    use crate::numerics::random::SeededRng;
    use rand::SeedableRng as _;

    #[test]
    fn the_estimate_is_unbiased_for_the_truncated_series() {
        let p = 6;
        let (h, b) = system(p, 0.5, 3.0, 2);
        let (alpha, terms, step) = (0.2, 8, 0.25);
        let series = neumann(&h, &b, alpha, terms, step, false).v;
        let mut rng = SeededRng::seed_from_u64(11);
        let draws: Vec<DVector<f64>> = (0..40_000)
            .map(|_| neumann_stochastic(&h, &b, alpha, terms, step, &mut rng).v)
            .collect();
        let se = crate::numerics::random::testing::assert_unbiased(&draws, &series, 0.0, "v̂");
        assert!(se.iter().all(|&e| e > 0.0), "the estimator is random");
        // The average cost is (Q − 1)/2 HVPs.
        let mut rng = SeededRng::seed_from_u64(12);
        let hvps: usize = (0..4000)
            .map(|_| neumann_stochastic(&h, &b, alpha, terms, step, &mut rng).hvp_count)
            .sum();
        let mean_hvps = hvps as f64 / 4000.0;
        assert!((mean_hvps - 3.5).abs() < 0.15, "{mean_hvps}");
    }

    #[test]
    fn one_term_is_eta_b() {
        let (h, b) = system(3, 1.0, 2.0, 1);
        let mut rng = SeededRng::seed_from_u64(0);
        let r = neumann_stochastic(&h, &b, 0.0, 1, 0.3, &mut rng);
        assert_eq!(r.hvp_count, 0);
        assert!((r.v - &b * 0.3).norm() < 1e-15);
    }
}
