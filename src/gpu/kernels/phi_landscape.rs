//! Φ(x) = f(x, y*(x)) over a grid of the leader's first two coordinates (issue 6, the playground's
//! landscape) for problems whose inner solution solves a linear system and whose outer objective is
//! quadratic — ridge-regression HPO and the quadratic problem — with the inner system solved (Cholesky) at
//! every grid point (`phi_landscape.wgsl` has the formulas). The CPU twin below follows the kernel's f32
//! arithmetic; the float64 reference is `numerics::bilevel::phi` on the same problem.

use nalgebra::{DMatrix, DVector};

use crate::gpu::job::{Encoded, Kernel, Storage, f32s_from_bytes};
use crate::gpu::runtime::KernelSpec;
use crate::numerics::bilevel::problems::quadratic::Quadratic;
use crate::numerics::bilevel::problems::ridge::RidgeHpo;

uniform_params! {
    n: u32,
    m: u32,
    nx: u32,
    ny: u32,
    o_r: u32,
    o_c: u32,
    o_v: u32,
    o_s: u32,
    o_b: u32,
    o_a: u32,
    o_e: u32,
    o_x: u32,
    o_k: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

/// Largest dimension of x and of y the kernel's private arrays hold.
pub const MAX_DIM: usize = 8;
/// Largest grid side.
pub const MAX_SIDE: u32 = 1024;
/// The kernel's mark for cells where A(x) is not positive definite (`NOT_PD` in the WGSL).
const NOT_PD: f32 = 3e38;

/// The problem in the kernel's form (float64; see the WGSL header):
/// A(x) = H₀ + 2·mask·diag(x²), y* = A⁻¹(r₀ + Cx), Φ = ½y*ᵀVy* + sᵀy* + xᵀBy* + aᵀx + ½xᵀEx + c₀.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearInner {
    pub h0: DMatrix<f64>,
    pub ridge_mask: bool,
    pub r0: DVector<f64>,
    pub c: DMatrix<f64>,
    pub v: DMatrix<f64>,
    pub s: DVector<f64>,
    pub b: DMatrix<f64>,
    pub a: DVector<f64>,
    pub e: DMatrix<f64>,
    pub c0: f64,
}

impl LinearInner {
    /// Ridge HPO: H₀ = XᵀX/N, penalties 2 diag(x²), r₀ = Xᵀt/N; Φ the validation loss.
    pub fn ridge(p: &RidgeHpo) -> Self {
        let n = p.data.train_x.nrows() as f64;
        let nv = p.data.val_x.nrows() as f64;
        let m = p.data.train_x.ncols();
        Self {
            h0: p.data.train_x.transpose() * &p.data.train_x / n,
            ridge_mask: true,
            r0: p.data.train_x.transpose() * &p.data.train_y / n,
            c: DMatrix::zeros(m, m),
            v: p.data.val_x.transpose() * &p.data.val_x / nv,
            s: -(p.data.val_x.transpose() * &p.data.val_y) / nv,
            b: DMatrix::zeros(m, m),
            a: DVector::zeros(m),
            e: DMatrix::zeros(m, m),
            c0: p.data.val_y.norm_squared() / (2.0 * nv),
        }
    }

    /// The quadratic problem: y* = H⁻¹(Cx + d), Φ = f(x, y*) with f's own matrices.
    pub fn quadratic(q: &Quadratic) -> Self {
        Self {
            h0: q.h_mat.clone(),
            ridge_mask: false,
            r0: q.d.clone(),
            c: q.c_mat.clone(),
            v: q.a_mat.clone(),
            s: q.c.clone(),
            b: q.b_mat.clone(),
            a: q.a.clone(),
            e: q.e_mat.clone(),
            c0: q.f0,
        }
    }
}

/// A landscape request: the problem's data in f32 (the kernel's buffer), dimensions and grid.
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapeRequest {
    pub n: u32,
    pub m: u32,
    pub nx: u32,
    pub ny: u32,
    pub data: Vec<f32>,
}

impl LandscapeRequest {
    /// The request for `problem` around `base` (coordinates 2.. stay there) over `window` =
    /// [a0, a1] × [b0, b1] of (x₀, x₁), nx × ny cells.
    pub fn new(
        problem: &LinearInner,
        base: &DVector<f64>,
        window: [f64; 4],
        nx: u32,
        ny: u32,
    ) -> Self {
        let row_major =
            |m: &DMatrix<f64>| m.transpose().iter().map(|&x| x as f32).collect::<Vec<_>>();
        let vec = |v: &DVector<f64>| v.iter().map(|&x| x as f32).collect::<Vec<_>>();
        let mut data = row_major(&problem.h0);
        data.extend(vec(&problem.r0));
        data.extend(row_major(&problem.c));
        data.extend(row_major(&problem.v));
        data.extend(vec(&problem.s));
        data.extend(row_major(&problem.b));
        data.extend(vec(&problem.a));
        data.extend(row_major(&problem.e));
        data.extend(vec(base));
        data.push(if problem.ridge_mask { 1.0 } else { 0.0 });
        data.push(problem.c0 as f32);
        data.extend(window.iter().map(|&x| x as f32));
        Self {
            n: base.len() as u32,
            m: problem.r0.len() as u32,
            nx,
            ny,
            data,
        }
    }

    /// The kernel's uniform block: the sizes, and where each part of `data` starts (`o_r`: r₀, `o_c`: C,
    /// `o_v`: V, `o_s`: s, `o_b`: B, `o_a`: a, `o_e`: E, `o_x`: the base x, `o_k`: mask, c₀ and the window;
    /// H₀ at 0) — the layout `new` writes, which the kernel and its twin read.
    fn params(&self) -> Params {
        let (n, m) = (self.n, self.m);
        // The parts' lengths in `new`'s order: H₀, r₀, C, V, s, B, a, E, the base x.
        let lengths = [m * m, m, m * n, m * m, m, n * m, n, n * n, n];
        let mut o = [0; 9];
        let mut start = 0;
        for (k, len) in lengths.into_iter().enumerate() {
            start += len;
            o[k] = start;
        }
        Params {
            n,
            m,
            nx: self.nx,
            ny: self.ny,
            o_r: o[0],
            o_c: o[1],
            o_v: o[2],
            o_s: o[3],
            o_b: o[4],
            o_a: o[5],
            o_e: o[6],
            o_x: o[7],
            o_k: o[8],
            _pad0: 0,
            _pad1: 0,
            _pad2: 0,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        let (n, m) = (self.n as usize, self.m as usize);
        if !(1..=MAX_DIM).contains(&n) || !(1..=MAX_DIM).contains(&m) {
            return Err(format!(
                "dimensions: x and y must each have 1..={MAX_DIM} entries, got {n} and {m}"
            ));
        }
        if !(1..=MAX_SIDE).contains(&self.nx) || !(1..=MAX_SIDE).contains(&self.ny) {
            return Err(format!(
                "grid: each side must be in 1..={MAX_SIDE}, got {}×{}",
                self.nx, self.ny
            ));
        }
        let want = 2 * m * m + 2 * m + 2 * m * n + 2 * n + n * n + 6;
        if self.data.len() != want {
            return Err(format!(
                "data: expected {want} numbers, got {}",
                self.data.len()
            ));
        }
        Ok(())
    }

    /// Grid rows per part of the CPU twin.
    fn rows_per_part(&self) -> usize {
        (4096 / self.nx.max(1) as usize).max(1)
    }
}

/// The kernel.
pub struct PhiLandscape;

/// The twin of one cell: exactly the kernel's operations in f32.
fn cell(req: &LandscapeRequest, o: &Params, ix: u32, iy: u32) -> f32 {
    let (n, m) = (req.n as usize, req.m as usize);
    let d = &req.data;
    let at = |offset: u32| offset as usize;
    let (o_r, o_c, o_v, o_s) = (at(o.o_r), at(o.o_c), at(o.o_v), at(o.o_s));
    let (o_b, o_a, o_e, o_x, o_k) = (at(o.o_b), at(o.o_a), at(o.o_e), at(o.o_x), at(o.o_k));
    let (mask, c0) = (d[o_k], d[o_k + 1]);
    let (a0, a1, b0, b1) = (d[o_k + 2], d[o_k + 3], d[o_k + 4], d[o_k + 5]);
    let t = (ix as f32 + 0.5) / req.nx as f32;
    let u = (iy as f32 + 0.5) / req.ny as f32;
    let mut x = [0.0f32; 8];
    x[..n].copy_from_slice(&d[o_x..o_x + n]);
    x[0] = a0 + (a1 - a0) * t;
    if n > 1 {
        x[1] = b1 - (b1 - b0) * u;
    }
    let mut l = [0.0f32; 64];
    for i in 0..m {
        for j in 0..=i {
            let mut sum = d[i * m + j];
            if i == j {
                sum += mask * 2.0 * x[i] * x[i];
            }
            for k in 0..j {
                sum -= l[i * 8 + k] * l[j * 8 + k];
            }
            if i == j {
                // Not positive, or NaN: A is not positive definite here (the kernel writes NaN too).
                if sum.is_nan() || sum <= 0.0 {
                    return f32::NAN;
                }
                l[i * 8 + i] = sum.sqrt();
            } else {
                l[i * 8 + j] = sum / l[j * 8 + j];
            }
        }
    }
    let mut y = [0.0f32; 8];
    for i in 0..m {
        let mut sum = d[o_r + i];
        for k in 0..n {
            sum += d[o_c + i * n + k] * x[k];
        }
        for k in 0..i {
            sum -= l[i * 8 + k] * y[k];
        }
        y[i] = sum / l[i * 8 + i];
    }
    for step in 0..m {
        let i = m - 1 - step;
        let mut sum = y[i];
        for k in i + 1..m {
            sum -= l[k * 8 + i] * y[k];
        }
        y[i] = sum / l[i * 8 + i];
    }
    let mut phi = c0;
    for i in 0..m {
        let mut vy = 0.0f32;
        for j in 0..m {
            vy += d[o_v + i * m + j] * y[j];
        }
        phi += y[i] * (0.5 * vy + d[o_s + i]);
    }
    for i in 0..n {
        let mut by = 0.0f32;
        for j in 0..m {
            by += d[o_b + i * m + j] * y[j];
        }
        let mut ex = 0.0f32;
        for j in 0..n {
            ex += d[o_e + i * n + j] * x[j];
        }
        phi += x[i] * (by + d[o_a + i] + 0.5 * ex);
    }
    phi
}

impl Kernel for PhiLandscape {
    type Input = LandscapeRequest;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = kernel_spec!("phi_landscape");

    fn cpu_parts(req: &LandscapeRequest) -> usize {
        req.validate()
            .map_or(0, |()| (req.ny as usize).div_ceil(req.rows_per_part()))
    }

    fn cpu_part(req: &LandscapeRequest, part: usize, acc: &mut Option<Vec<f32>>) {
        let out = acc.get_or_insert_with(|| Vec::with_capacity((req.nx * req.ny) as usize));
        let (rows, params) = (req.rows_per_part(), req.params());
        for iy in part * rows..((part + 1) * rows).min(req.ny as usize) {
            for ix in 0..req.nx {
                out.push(cell(req, &params, ix, iy as u32));
            }
        }
    }

    fn encode(req: &LandscapeRequest) -> Result<Encoded, String> {
        req.validate()?;
        Ok(Encoded {
            params: bytemuck::bytes_of(&req.params()).to_vec(),
            inputs: vec![Storage::Owned(bytemuck::cast_slice(&req.data).to_vec())],
            output_bytes: u64::from(req.nx * req.ny) * 4,
            invocations: req.nx * req.ny,
        })
    }

    /// The kernel marks cells where A(x) is not positive definite with 3e38 (WGSL has no NaN constant);
    /// here they become NaN, as in the twin.
    fn decode(req: &LandscapeRequest, bytes: &[u8]) -> Result<Vec<f32>, String> {
        let mut out = f32s_from_bytes(bytes, (req.nx * req.ny) as usize)?;
        for v in &mut out {
            if *v >= NOT_PD {
                *v = f32::NAN;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::{BilevelProblem, phi};

    /// Every cell of the twin against the float64 Φ of the same problem.
    fn check_against_phi(problem: &dyn BilevelProblem, inner: &LinearInner, base: DVector<f64>) {
        let window = [-1.0, 2.0, 0.1, 1.5];
        let req = LandscapeRequest::new(inner, &base, window, 7, 5);
        assert_eq!(req.validate(), Ok(()));
        let out = PhiLandscape::cpu(&req);
        assert_eq!(out.len(), 35);
        for (k, &v) in out.iter().enumerate() {
            let (ix, iy) = (k % 7, k / 7);
            let mut x = base.clone();
            x[0] = -1.0 + 3.0 * (ix as f64 + 0.5) / 7.0;
            x[1] = 1.5 - 1.4 * (iy as f64 + 0.5) / 5.0;
            let want = phi(problem, &x).unwrap_or(f64::NAN);
            assert!(
                (f64::from(v) - want).abs() < 1e-5 * want.abs().max(1.0),
                "cell {k}: {v} vs {want}"
            );
        }
    }

    #[test]
    fn the_twin_matches_the_float64_phi_of_ridge_and_quadratic_problems() {
        let ridge = RidgeHpo::synthetic(3, 40, 0.5, 2);
        check_against_phi(
            &ridge,
            &LinearInner::ridge(&ridge),
            DVector::from_element(3, 0.3),
        );
        let m2 = |a: [f64; 4]| DMatrix::from_row_slice(2, 2, &a);
        let v2 = |a: [f64; 2]| DVector::from_vec(a.to_vec());
        let quad = Quadratic::new(crate::numerics::bilevel::problems::Parts {
            a_mat: m2([1.0, 0.2, 0.2, 1.5]),
            b_mat: m2([0.3, 0.0, -0.1, 0.2]),
            e_mat: m2([0.2, 0.0, 0.0, 0.4]),
            a: v2([0.1, -0.2]),
            c: v2([-1.0, -1.0]),
            h_mat: m2([2.0, 1.0, 1.0, 2.0]),
            c_mat: m2([1.0, 0.5, -0.5, 1.0]),
            d: v2([0.3, 0.0]),
        })
        .unwrap_or_else(|e| panic!("{e}"));
        check_against_phi(&quad, &LinearInner::quadratic(&quad), DVector::zeros(2));
    }

    #[test]
    fn bad_requests_are_named() {
        let ridge = RidgeHpo::synthetic(2, 40, 0.5, 2);
        let req = LandscapeRequest::new(
            &LinearInner::ridge(&ridge),
            &DVector::zeros(2),
            [0.0, 1.0, 0.0, 1.0],
            4,
            4,
        );
        let bad = LandscapeRequest {
            nx: 0,
            ..req.clone()
        };
        assert!(
            PhiLandscape::encode(&bad)
                .err()
                .unwrap_or_default()
                .contains("grid")
        );
        let big = RidgeHpo::synthetic(9, 40, 0.5, 2);
        let req9 = LandscapeRequest::new(
            &LinearInner::ridge(&big),
            &DVector::zeros(9),
            [0.0, 1.0, 0.0, 1.0],
            4,
            4,
        );
        assert!(
            req9.validate()
                .err()
                .unwrap_or_default()
                .contains("dimensions")
        );
    }
}
