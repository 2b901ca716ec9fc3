//! Batched Lanczos IHVPs over N explicit Hessians (p ≤ 128, k ≤ 64 steps), one workgroup per instance, in
//! two passes so no Krylov basis is stored (`ihvp_lanczos.wgsl`). The float64 reference is
//! `numerics::ihvp::lanczos` without reorthogonalization; the twin below follows the kernel's arithmetic.

use crate::gpu::job::{Encoded, Kernel, cpu_by_parts, f32s_from_bytes};
use crate::gpu::runtime::KernelSpec;

const THREADS: usize = 64;
/// Largest Hessian and step count the kernel's workgroup memory holds.
pub const MAX_DIM: u32 = 128;
pub const MAX_STEPS: u32 = 64;
const SINGULAR: f32 = 3.0e38;

/// N row-major p × p Hessians and N right-hand sides, k Lanczos steps on H + αI.
#[derive(Clone, Debug, PartialEq)]
pub struct LanczosBatch {
    pub alpha: f32,
    pub steps: u32,
    pub dim: u32,
    pub hessians: Vec<f32>,
    pub rhs: Vec<f32>,
}

impl LanczosBatch {
    pub fn count(&self) -> usize {
        self.rhs.len() / (self.dim.max(1) as usize)
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_DIM).contains(&self.dim) {
            return Err(format!("dim: must be in 1..={MAX_DIM}, got {}", self.dim));
        }
        if !(1..=MAX_STEPS).contains(&self.steps) {
            return Err(format!(
                "steps: must be in 1..={MAX_STEPS}, got {}",
                self.steps
            ));
        }
        let (p, n) = (self.dim as usize, self.count());
        if n == 0 || self.rhs.len() != n * p || self.hessians.len() != n * p * p {
            return Err(format!(
                "hessians/rhs: shapes do not match {n} instances of dimension {p}"
            ));
        }
        if n > 65_535 * 64 {
            return Err(format!(
                "{n} instances: at most {} per dispatch",
                65_535 * 64
            ));
        }
        if !self.alpha.is_finite() {
            return Err(format!("alpha: must be finite, got {}", self.alpha));
        }
        Ok(())
    }
}

/// The kernel.
pub struct IhvpLanczos;

/// Σ a[i]·b[i] as the kernel sums it (64 per-thread partials, then a tree).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut red = [0.0f32; THREADS];
    for (t, slot) in red.iter_mut().enumerate() {
        for i in [t, t + THREADS] {
            if i < a.len() {
                *slot += a[i] * b[i];
            }
        }
    }
    let mut stride = THREADS / 2;
    while stride > 0 {
        for t in 0..stride {
            red[t] += red[t + stride];
        }
        stride /= 2;
    }
    red[0]
}

/// The three-term recurrence, shared by both passes: w = A q_cur − αⱼ q_cur − β_{j−1} q_prev, then the
/// pair shifts to (q_cur, w/βⱼ). With `measure`, αⱼ and βⱼ are computed first.
struct Recurrence<'a> {
    h: &'a [f32],
    alpha: f32,
    q_prev: Vec<f32>,
    q_cur: Vec<f32>,
}

impl Recurrence<'_> {
    fn advance(&mut self, j: usize, alphas: &mut [f32], betas: &mut [f32], measure: bool) {
        let p = self.q_cur.len();
        let mut w: Vec<f32> = (0..p)
            .map(|i| {
                let mut acc = 0.0f32;
                for k in 0..p {
                    acc += self.h[i * p + k] * self.q_cur[k];
                }
                acc + self.alpha * self.q_cur[i]
            })
            .collect();
        if measure {
            alphas[j] = dot(&self.q_cur, &w);
        }
        let b_prev = if j > 0 { betas[j - 1] } else { 0.0 };
        for ((wi, q), q_prev) in w.iter_mut().zip(&self.q_cur).zip(&self.q_prev) {
            *wi = *wi - alphas[j] * q - b_prev * q_prev;
        }
        if measure {
            betas[j] = dot(&w, &w).sqrt();
        }
        let b = betas[j];
        self.q_prev = std::mem::take(&mut self.q_cur);
        self.q_cur = w
            .iter()
            .map(|v| if b > 0.0 { v / b } else { 0.0 })
            .collect();
    }
}

fn solve_one(alpha: f32, steps: usize, h: &[f32], b: &[f32]) -> Vec<f32> {
    let p = b.len();
    let norm = dot(b, b).sqrt();
    let start: Vec<f32> = b
        .iter()
        .map(|v| if norm > 0.0 { v / norm } else { 0.0 })
        .collect();
    let (mut alphas, mut betas) = (vec![0.0f32; steps], vec![0.0f32; steps]);
    let mut rec = Recurrence {
        h,
        alpha,
        q_prev: vec![0.0; p],
        q_cur: start.clone(),
    };
    let mut size = steps;
    for j in 0..steps {
        rec.advance(j, &mut alphas, &mut betas, true);
        if betas[j] == 0.0 && size == steps {
            size = j + 1;
        }
    }
    let m = size;
    let (mut c, mut y) = (vec![0.0f32; m], vec![0.0f32; m]);
    let mut singular = false;
    let mut denom = alphas[0];
    singular |= denom == 0.0;
    c[0] = betas[0] / denom;
    y[0] = norm / denom;
    for j in 1..m {
        denom = alphas[j] - betas[j - 1] * c[j - 1];
        singular |= denom == 0.0;
        c[j] = betas[j] / denom;
        y[j] = (0.0 - betas[j - 1] * y[j - 1]) / denom;
    }
    for j in (0..m.saturating_sub(1)).rev() {
        y[j] -= c[j] * y[j + 1];
    }
    if norm == 0.0 {
        y.iter_mut().for_each(|v| *v = 0.0);
    }
    if singular {
        return vec![f32::NAN; p];
    }
    let mut x = vec![0.0f32; p];
    let mut rec = Recurrence {
        h,
        alpha,
        q_prev: vec![0.0; p],
        q_cur: start,
    };
    for j in 0..steps {
        let coef = y.get(j).copied().unwrap_or(0.0);
        for (xi, q) in x.iter_mut().zip(&rec.q_cur) {
            *xi += coef * q;
        }
        rec.advance(j, &mut alphas, &mut betas, false);
    }
    x
}

impl Kernel for IhvpLanczos {
    type Input = LanczosBatch;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = KernelSpec {
        name: "ihvp_lanczos",
        wgsl: include_str!("ihvp_lanczos.wgsl"),
        entry_point: "main",
    };

    /// CPU twin: N × p solutions (NaN rows where T_m had a zero pivot). Invalid batches give an empty result.
    fn cpu(input: &LanczosBatch) -> Vec<f32> {
        cpu_by_parts::<Self>(input).unwrap_or_default()
    }

    fn cpu_parts(input: &LanczosBatch) -> usize {
        if input.validate().is_err() {
            0
        } else {
            input.count()
        }
    }

    fn cpu_part(input: &LanczosBatch, i: usize, acc: &mut Option<Vec<f32>>) {
        let p = input.dim as usize;
        let out = acc.get_or_insert_with(|| Vec::with_capacity(input.rhs.len()));
        out.extend(solve_one(
            input.alpha,
            input.steps as usize,
            &input.hessians[i * p * p..(i + 1) * p * p],
            &input.rhs[i * p..(i + 1) * p],
        ));
    }

    fn encode(input: &LanczosBatch) -> Result<Encoded, String> {
        input.validate()?;
        let n = input.count() as u32;
        let mut params = Vec::with_capacity(32);
        for u in [n, input.dim, input.steps, 0] {
            params.extend_from_slice(&u.to_le_bytes());
        }
        for f in [input.alpha, 0.0, 0.0, 0.0] {
            params.extend_from_slice(&f.to_le_bytes());
        }
        Ok(Encoded {
            params,
            inputs: vec![
                bytemuck::cast_slice(&input.hessians).to_vec(),
                bytemuck::cast_slice(&input.rhs).to_vec(),
            ],
            output_bytes: input.rhs.len() as u64 * 4,
            invocations: n * THREADS as u32,
        })
    }

    fn decode(input: &LanczosBatch, bytes: &[u8]) -> Result<Vec<f32>, String> {
        let mut v = f32s_from_bytes(bytes, input.rhs.len())?;
        for x in &mut v {
            if *x == SINGULAR {
                *x = f32::NAN;
            }
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::lanczos::lanczos;
    use crate::numerics::ihvp::testing::{spd, vector};

    #[test]
    fn twin_matches_the_float64_method() {
        for (p, k) in [(5, 3), (5, 5), (49, 12), (128, 30)] {
            let h = spd(p, 0.5, 4.0, p as u64 + 1);
            let b = vector(p, 3);
            let want = lanczos(&h, &b, 0.3, k, false).v;
            let input = LanczosBatch {
                alpha: 0.3,
                steps: k as u32,
                dim: p as u32,
                hessians: h.transpose().iter().map(|&v| v as f32).collect(),
                rhs: b.iter().map(|&v| v as f32).collect(),
            };
            let got = IhvpLanczos::cpu(&input);
            let err = (0..p)
                .map(|i| (f64::from(got[i]) - want[i]).abs())
                .fold(0.0, f64::max);
            assert!(err < 1e-4 * want.amax().max(1.0), "p = {p}, k = {k}: {err}");
        }
    }

    #[test]
    fn invariant_subspaces_and_bad_batches() {
        // b is an eigenvector: the subspace is invariant after one step, v = b/(λ + α) exactly.
        let input = LanczosBatch {
            alpha: 1.0,
            steps: 4,
            dim: 2,
            hessians: vec![3.0, 0.0, 0.0, 5.0],
            rhs: vec![2.0, 0.0],
        };
        assert_eq!(IhvpLanczos::cpu(&input), vec![0.5, 0.0]);
        let bad = LanczosBatch {
            steps: 65,
            ..input.clone()
        };
        assert!(bad.validate().is_err_and(|e| e.contains("steps")));
        let bad = LanczosBatch { dim: 3, ..input };
        assert!(IhvpLanczos::encode(&bad).is_err());
    }
}
