//! Inverse-Hessian–vector products: v ≈ (H + αI)⁻¹ b, from Hessian-vector products (matrix-free) or a
//! dense H. One file per method; every method reports v̂, iterations, HVP count and residual history
//! ‖b − (H + αI) v̂ₖ‖ so views and tests can compare them on equal terms.
//!
//! The IHVP is the costly part of the implicit hypergradient ∇Φ = ∇ₓf − ∇²ₓᵧg · (∇²ᵧᵧg)⁻¹ ∇ᵧf
//! (BLPO Eq. 5–9; lecture 004, AID-BiO).

pub mod cg;
pub mod closeup;
pub mod exact;
pub mod lancbio;
pub mod lanczos;
pub mod neumann;
pub mod neumann_stochastic;
pub mod nystrom;
pub mod nystrom_pcg;
pub mod spec;
pub mod study;
pub mod study_run;
pub mod sweep;

use nalgebra::{DMatrix, DVector};

/// A symmetric operator given by its products: the Hessian ∇²ᵧᵧg as a black box.
pub trait HessianOperator {
    /// The dimension p.
    fn dim(&self) -> usize;
    /// H · v.
    fn hvp(&self, v: &DVector<f64>) -> DVector<f64>;
    /// Column j of H (one HVP with eⱼ unless the operator stores H).
    fn column(&self, j: usize) -> DVector<f64> {
        let mut e = DVector::zeros(self.dim());
        e[j] = 1.0;
        self.hvp(&e)
    }
    /// diag(H) (p HVPs unless the operator stores H), for column sampling ∝ squared diagonal.
    fn diagonal(&self) -> (DVector<f64>, usize) {
        let p = self.dim();
        (
            DVector::from_iterator(p, (0..p).map(|j| self.column(j)[j])),
            p,
        )
    }
    /// The dense matrix, if the operator has one (exact solves use it; else p HVPs build it).
    fn dense(&self) -> Option<&DMatrix<f64>> {
        None
    }
}

/// H as a dense symmetric matrix: its p columns (p HVPs unless H is stored), symmetrized, since HVPs from
/// formulas can carry rounding asymmetry.
pub fn dense_symmetric<H: HessianOperator + ?Sized>(h: &H) -> DMatrix<f64> {
    let columns: Vec<DVector<f64>> = (0..h.dim()).map(|j| h.column(j)).collect();
    let m = DMatrix::from_columns(&columns);
    (&m + m.transpose()) * 0.5
}

impl HessianOperator for DMatrix<f64> {
    fn dim(&self) -> usize {
        self.nrows()
    }
    fn hvp(&self, v: &DVector<f64>) -> DVector<f64> {
        self * v
    }
    fn column(&self, j: usize) -> DVector<f64> {
        self.column(j).into_owned()
    }
    fn diagonal(&self) -> (DVector<f64>, usize) {
        (self.diagonal(), 0)
    }
    fn dense(&self) -> Option<&DMatrix<f64>> {
        Some(self)
    }
}

/// Counts HVPs and applies the ridge: A = H + αI.
pub struct Shifted<'a, H: HessianOperator + ?Sized> {
    pub h: &'a H,
    pub alpha: f64,
    hvps: std::cell::Cell<usize>,
}

impl<'a, H: HessianOperator + ?Sized> Shifted<'a, H> {
    pub fn new(h: &'a H, alpha: f64) -> Self {
        Self {
            h,
            alpha,
            hvps: std::cell::Cell::new(0),
        }
    }
    /// (H + αI) v, counted as one HVP.
    pub fn apply(&self, v: &DVector<f64>) -> DVector<f64> {
        self.hvps.set(self.hvps.get() + 1);
        self.h.hvp(v) + v * self.alpha
    }
    /// Column j of H (not shifted), counted as one HVP unless H is stored.
    pub fn column(&self, j: usize) -> DVector<f64> {
        if self.h.dense().is_none() {
            self.hvps.set(self.hvps.get() + 1);
        }
        self.h.column(j)
    }
    /// Adds HVPs spent elsewhere (e.g. a diagonal estimate).
    pub fn charge(&self, n: usize) {
        self.hvps.set(self.hvps.get() + n);
    }
    pub fn hvps(&self) -> usize {
        self.hvps.get()
    }
    pub fn dim(&self) -> usize {
        self.h.dim()
    }
    /// ‖b − (H + αI) v‖ without counting it as work of the method (diagnostics only).
    pub fn residual_norm(&self, b: &DVector<f64>, v: &DVector<f64>) -> f64 {
        (b - (self.h.hvp(v) + v * self.alpha)).norm()
    }
}

/// What every IHVP method returns.
#[derive(Clone, Debug, PartialEq)]
pub struct IhvpResult {
    pub v: DVector<f64>,
    pub iterations: usize,
    pub hvp_count: usize,
    /// ‖b − (H + αI) v̂ₖ‖ after each iteration (one entry for direct methods).
    pub residual_norms: Vec<f64>,
    /// Things the user must know: indefinite systems, divergence, non-positive curvature.
    pub warnings: Vec<String>,
}

/// v = b / α (Lorraine et al.'s identity approximation, the α ≫ L limit of every method). Zero HVPs.
pub fn identity<H: HessianOperator + ?Sized>(h: &H, b: &DVector<f64>, alpha: f64) -> IhvpResult {
    let op = Shifted::new(h, alpha);
    let mut warnings = Vec::new();
    if alpha <= 0.0 {
        warnings.push(format!("identity IHVP needs α > 0, got {alpha}"));
    }
    let v = b / alpha;
    IhvpResult {
        residual_norms: vec![op.residual_norm(b, &v)],
        v,
        iterations: 0,
        hvp_count: 0,
        warnings,
    }
}

/// BLPO Sec. 6 clipping heuristic: scales the implicit correction so that ‖correction‖ ≤
/// bound · ‖direct gradient‖. Returns the (possibly scaled) correction and whether it was clipped.
pub fn clip_correction(
    correction: &DVector<f64>,
    direct: &DVector<f64>,
    bound: f64,
) -> (DVector<f64>, bool) {
    let limit = bound * direct.norm();
    let norm = correction.norm();
    if norm > limit && norm > 0.0 {
        (correction * (limit / norm), true)
    } else {
        (correction.clone(), false)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use nalgebra::{DMatrix, DVector};
    use rand::{Rng as _, SeedableRng as _, rngs::SmallRng};

    /// A random SPD matrix with eigenvalues spread over [lo, hi] (Q diag Qᵀ with a random orthogonal Q).
    pub fn spd(p: usize, lo: f64, hi: f64, seed: u64) -> DMatrix<f64> {
        let mut rng = SmallRng::seed_from_u64(seed);
        let g = DMatrix::from_fn(p, p, |_, _| rng.random_range(-1.0..1.0));
        let q = g.qr().q();
        let d = DVector::from_fn(p, |i, _| {
            if p == 1 {
                hi
            } else {
                lo + (hi - lo) * i as f64 / (p - 1) as f64
            }
        });
        &q * DMatrix::from_diagonal(&d) * q.transpose()
    }

    /// A test system: H = spd(p, lo, hi, seed) and b = vector(p, seed + 1).
    pub fn system(p: usize, lo: f64, hi: f64, seed: u64) -> (DMatrix<f64>, DVector<f64>) {
        (spd(p, lo, hi, seed), vector(p, seed + 1))
    }

    pub fn vector(p: usize, seed: u64) -> DVector<f64> {
        let mut rng = SmallRng::seed_from_u64(seed);
        DVector::from_fn(p, |_, _| rng.random_range(-1.0..1.0))
    }

    /// The exact (H + αI)⁻¹ b by LU, independent of the methods under test.
    pub fn reference(h: &DMatrix<f64>, b: &DVector<f64>, alpha: f64) -> DVector<f64> {
        let a = h + DMatrix::identity(h.nrows(), h.nrows()) * alpha;
        a.lu()
            .solve(b)
            .unwrap_or_else(|| DVector::from_element(b.len(), f64::NAN))
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn identity_is_b_over_alpha() {
        let (h, b) = system(4, 1.0, 2.0, 1);
        let r = identity(&h, &b, 4.0);
        assert_eq!(r.v, &b / 4.0);
        assert_eq!(r.hvp_count, 0);
        assert!((r.residual_norms[0] - (&b - (&h * &r.v + &r.v * 4.0)).norm()).abs() < 1e-14);
    }

    #[test]
    fn clipping_bounds_the_correction() {
        let direct = DVector::from_vec(vec![3.0, 4.0]);
        let big = DVector::from_vec(vec![10.0, 0.0]);
        let (c, clipped) = clip_correction(&big, &direct, 0.5);
        assert!(clipped);
        assert!((c.norm() - 2.5).abs() < 1e-12);
        let (c, clipped) = clip_correction(&DVector::from_vec(vec![1.0, 0.0]), &direct, 0.5);
        assert!(!clipped && c[0] == 1.0);
    }
}
