//! Batched Lanczos IHVPs over N explicit Hessians (p ≤ 128, k ≤ 64 steps), one workgroup per instance, in
//! two passes so no Krylov basis is stored (`ihvp_lanczos.wgsl`). The float64 reference is
//! `numerics::ihvp::lanczos` without reorthogonalization; the twin below follows the kernel's arithmetic.

use super::hessian_batch::{HessianBatch, decode_solutions, shifted_matvec, tree_dot as dot};
use crate::gpu::job::{Encoded, Kernel};
use crate::gpu::runtime::KernelSpec;

uniform_params! {
    n: u32,
    p: u32,
    steps: u32,
    _pad: u32,
    alpha: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
}

/// Most Lanczos steps the kernel's workgroup memory holds.
pub const MAX_STEPS: u32 = 64;

/// A batch of Hessians and k Lanczos steps on H + αI.
#[derive(Clone, Debug, PartialEq)]
pub struct LanczosBatch {
    pub alpha: f32,
    pub steps: u32,
    pub batch: HessianBatch,
}

impl LanczosBatch {
    pub fn validate(&self) -> Result<(), String> {
        self.batch.validate()?;
        if !(1..=MAX_STEPS).contains(&self.steps) {
            return Err(format!(
                "steps: must be in 1..={MAX_STEPS}, got {}",
                self.steps
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
        let mut w = vec![0.0f32; p];
        shifted_matvec(self.h, self.alpha, &self.q_cur, &mut w);
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
        y.fill(0.0);
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

/// The CPU twin (by parts, one per instance) gives N × p solutions (NaN rows where T_m had a zero pivot); an invalid batch an empty result.
impl Kernel for IhvpLanczos {
    type Input = LanczosBatch;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = kernel_spec!("ihvp_lanczos", super::TREE_SUM, super::KRYLOV);

    fn cpu_parts(input: &LanczosBatch) -> usize {
        input.validate().map_or(0, |()| input.batch.count())
    }

    fn cpu_part(input: &LanczosBatch, i: usize, acc: &mut Option<Vec<f32>>) {
        let out = acc.get_or_insert_with(|| Vec::with_capacity(input.batch.rhs.len()));
        let (h, b) = input.batch.instance(i);
        out.extend(solve_one(input.alpha, input.steps as usize, h, b));
    }

    fn encode(input: &LanczosBatch) -> Result<Encoded, String> {
        input.validate()?;
        let params = Params {
            n: input.batch.count() as u32,
            p: input.batch.dim,
            steps: input.steps,
            _pad: 0,
            alpha: input.alpha,
            _pad0: 0.0,
            _pad1: 0.0,
            _pad2: 0.0,
        };
        Ok(input.batch.encoded(bytemuck::bytes_of(&params), Vec::new()))
    }

    fn decode(input: &LanczosBatch, bytes: &[u8]) -> Result<Vec<f32>, String> {
        decode_solutions(bytes, input.batch.rhs.len())
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
                batch: HessianBatch::one(&h, &b),
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
            batch: HessianBatch::new(2, vec![3.0, 0.0, 0.0, 5.0], vec![2.0, 0.0]),
        };
        assert_eq!(IhvpLanczos::cpu(&input), vec![0.5, 0.0]);
        let bad = LanczosBatch {
            steps: 65,
            ..input.clone()
        };
        assert!(bad.validate().is_err_and(|e| e.contains("steps")));
        let mut bad = input;
        bad.batch.dim = 3;
        assert!(IhvpLanczos::encode(&bad).is_err());
    }
}
