//! Φ(x) of ridge-regression HPO over a grid of the leader's first two coordinates (issue 6, the
//! playground's landscape), the inner problem solved exactly at every grid point (`ridge_landscape.wgsl`).
//! The CPU twin below follows the kernel's f32 arithmetic; the float64 reference is
//! `numerics::bilevel::phi` on the same problem.

use nalgebra::{DMatrix, DVector};

use crate::gpu::job::{Encoded, Kernel, f32s_from_bytes};
use crate::gpu::runtime::KernelSpec;
use crate::numerics::bilevel::problems::ridge::RidgeHpo;

/// Largest number of features the kernel's private arrays hold.
pub const MAX_FEATURES: usize = 8;
/// Largest grid side.
pub const MAX_SIDE: u32 = 1024;

/// A landscape request: the problem's Gram data in f32, the base x (coordinates 2.. stay there), the
/// window [a0, a1] × [b0, b1] of (x₀, x₁), and the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapeRequest {
    pub m: u32,
    pub nx: u32,
    pub ny: u32,
    /// G (m·m), r (m), V (m·m), s (m), base x (m), c, a0, a1, b0, b1 — the kernel's data buffer.
    pub data: Vec<f32>,
}

impl LandscapeRequest {
    /// The request for `problem` around `base` over `window`, nx × ny cells.
    pub fn new(
        problem: &RidgeHpo,
        base: &DVector<f64>,
        window: [f64; 4],
        nx: u32,
        ny: u32,
    ) -> Self {
        let n = problem.train_x.nrows() as f64;
        let nv = problem.val_x.nrows() as f64;
        let g: DMatrix<f64> = problem.train_x.transpose() * &problem.train_x / n;
        let r: DVector<f64> = problem.train_x.transpose() * &problem.train_t / n;
        let v: DMatrix<f64> = problem.val_x.transpose() * &problem.val_x / nv;
        let s: DVector<f64> = problem.val_x.transpose() * &problem.val_t / nv;
        let c = problem.val_t.norm_squared() / (2.0 * nv);
        let row_major =
            |m: &DMatrix<f64>| m.transpose().iter().map(|&x| x as f32).collect::<Vec<_>>();
        let mut data = row_major(&g);
        data.extend(r.iter().map(|&x| x as f32));
        data.extend(row_major(&v));
        data.extend(s.iter().map(|&x| x as f32));
        data.extend(base.iter().map(|&x| x as f32));
        data.push(c as f32);
        data.extend(window.iter().map(|&x| x as f32));
        Self {
            m: r.len() as u32,
            nx,
            ny,
            data,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        let m = self.m as usize;
        if !(1..=MAX_FEATURES).contains(&m) {
            return Err(format!("features: must be in 1..={MAX_FEATURES}, got {m}"));
        }
        if !(1..=MAX_SIDE).contains(&self.nx) || !(1..=MAX_SIDE).contains(&self.ny) {
            return Err(format!(
                "grid: each side must be in 1..={MAX_SIDE}, got {}×{}",
                self.nx, self.ny
            ));
        }
        let want = 2 * m * m + 3 * m + 5;
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
pub struct RidgeLandscape;

/// The twin of one cell: exactly the kernel's operations in f32.
fn cell(req: &LandscapeRequest, ix: u32, iy: u32) -> f32 {
    let m = req.m as usize;
    let d = &req.data;
    let (o_r, o_v) = (m * m, m * m + m);
    let (o_s, o_x) = (o_v + m * m, o_v + m * m + m);
    let o_c = o_x + m;
    let (c, a0, a1, b0, b1) = (d[o_c], d[o_c + 1], d[o_c + 2], d[o_c + 3], d[o_c + 4]);
    let t = (ix as f32 + 0.5) / req.nx as f32;
    let u = (iy as f32 + 0.5) / req.ny as f32;
    let mut x = [0.0f32; 8];
    x[..m].copy_from_slice(&d[o_x..o_x + m]);
    x[0] = a0 + (a1 - a0) * t;
    if m > 1 {
        x[1] = b1 - (b1 - b0) * u;
    }
    let mut l = [0.0f32; 64];
    for i in 0..m {
        for j in 0..=i {
            let mut sum = d[i * m + j];
            if i == j {
                sum += 2.0 * x[i] * x[i];
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
    let mut w = [0.0f32; 8];
    for i in 0..m {
        let mut sum = d[o_r + i];
        for k in 0..i {
            sum -= l[i * 8 + k] * w[k];
        }
        w[i] = sum / l[i * 8 + i];
    }
    for step in 0..m {
        let i = m - 1 - step;
        let mut sum = w[i];
        for k in i + 1..m {
            sum -= l[k * 8 + i] * w[k];
        }
        w[i] = sum / l[i * 8 + i];
    }
    let mut phi = c;
    for i in 0..m {
        let mut vw = 0.0f32;
        for j in 0..m {
            vw += d[o_v + i * m + j] * w[j];
        }
        phi += w[i] * (0.5 * vw - d[o_s + i]);
    }
    phi
}

impl Kernel for RidgeLandscape {
    type Input = LandscapeRequest;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = KernelSpec {
        name: "ridge_landscape",
        wgsl: include_str!("ridge_landscape.wgsl"),
        entry_point: "main",
    };

    fn cpu(req: &LandscapeRequest) -> Vec<f32> {
        crate::gpu::job::cpu_by_parts::<Self>(req).unwrap_or_default()
    }

    fn cpu_parts(req: &LandscapeRequest) -> usize {
        if req.validate().is_err() {
            0
        } else {
            (req.ny as usize).div_ceil(req.rows_per_part())
        }
    }

    fn cpu_part(req: &LandscapeRequest, part: usize, acc: &mut Option<Vec<f32>>) {
        let out = acc.get_or_insert_with(|| Vec::with_capacity((req.nx * req.ny) as usize));
        let rows = req.rows_per_part();
        for iy in part * rows..((part + 1) * rows).min(req.ny as usize) {
            for ix in 0..req.nx {
                out.push(cell(req, ix, iy as u32));
            }
        }
    }

    fn encode(req: &LandscapeRequest) -> Result<Encoded, String> {
        req.validate()?;
        let params = [req.m, req.nx, req.ny, 0];
        Ok(Encoded {
            params: bytemuck::cast_slice(&params).to_vec(),
            inputs: vec![bytemuck::cast_slice(&req.data).to_vec()],
            output_bytes: u64::from(req.nx * req.ny) * 4,
            invocations: req.nx * req.ny,
        })
    }

    fn decode(req: &LandscapeRequest, bytes: &[u8]) -> Result<Vec<f32>, String> {
        f32s_from_bytes(bytes, (req.nx * req.ny) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::phi;

    #[test]
    fn the_twin_matches_the_float64_phi_and_bad_requests_are_named() {
        let problem = RidgeHpo::synthetic(3, 40, 0.5, 2);
        let base = DVector::from_element(3, 0.3);
        let window = [-1.0, 2.0, 0.1, 1.5];
        let req = LandscapeRequest::new(&problem, &base, window, 7, 5);
        let out = RidgeLandscape::cpu(&req);
        assert_eq!(out.len(), 35);
        for (k, &v) in out.iter().enumerate() {
            let (ix, iy) = (k % 7, k / 7);
            let mut x = base.clone();
            x[0] = -1.0 + 3.0 * (ix as f64 + 0.5) / 7.0;
            x[1] = 1.5 - 1.4 * (iy as f64 + 0.5) / 5.0;
            let want = phi(&problem, &x).unwrap_or(f64::NAN);
            assert!(
                (f64::from(v) - want).abs() < 1e-5 * want.abs().max(1.0),
                "cell {k}: {v} vs {want}"
            );
        }
        let bad = LandscapeRequest {
            nx: 0,
            ..req.clone()
        };
        assert!(
            RidgeLandscape::encode(&bad)
                .err()
                .unwrap_or_default()
                .contains("grid")
        );
        let big = RidgeHpo::synthetic(9, 40, 0.5, 2);
        let req9 = LandscapeRequest::new(&big, &DVector::zeros(9), window, 4, 4);
        assert!(
            req9.validate()
                .err()
                .unwrap_or_default()
                .contains("features")
        );
    }
}
