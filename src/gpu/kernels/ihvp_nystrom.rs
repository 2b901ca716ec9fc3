//! Batched Nyström IHVPs over N explicit Hessians (p ≤ 128, q ≤ 32), one workgroup per instance
//! (`ihvp_nystrom.wgsl`) — the Woodbury half of the IHVP lab's GPU batch (issue 5). Variants `paper` and
//! `damped` of `numerics::ihvp::nystrom` (the pseudo-inverse variant needs an eigendecomposition and runs
//! on the CPU). The columns are chosen on the CPU (uniform or ∝ diag², seeded) and passed in.

use super::hessian_batch::{HessianBatch, decode_solutions};
use crate::gpu::job::{Encoded, Kernel, Storage};
use crate::gpu::runtime::KernelSpec;

uniform_params! {
    n: u32,
    p: u32,
    q: u32,
    damped: u32,
    alpha: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
}

/// Largest rank the kernel's workgroup memory holds.
pub const MAX_RANK: u32 = 32;

/// A batch of Hessians, N × q column indices, one ridge α > 0.
#[derive(Clone, Debug, PartialEq)]
pub struct NystromBatch {
    pub alpha: f32,
    pub damped: bool,
    pub rank: u32,
    pub columns: Vec<u32>,
    pub batch: HessianBatch,
}

impl NystromBatch {
    pub fn validate(&self) -> Result<(), String> {
        self.batch.validate()?;
        let dim = self.batch.dim;
        if !(1..=MAX_RANK.min(dim)).contains(&self.rank) {
            return Err(format!(
                "rank: must be in 1..={}, got {}",
                MAX_RANK.min(dim),
                self.rank
            ));
        }
        let n = self.batch.count();
        if self.columns.len() != n * self.rank as usize || self.columns.iter().any(|&c| c >= dim) {
            return Err(format!(
                "columns: expected {} indices below {dim}",
                n * self.rank as usize
            ));
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(format!(
                "alpha: the Nyström IHVP needs α > 0, got {}",
                self.alpha
            ));
        }
        Ok(())
    }
}

/// The kernel.
pub struct IhvpNystrom;

fn solve_one(input: &NystromBatch, h: &[f32], b: &[f32], cols: &[u32]) -> Vec<f32> {
    let p = b.len();
    let q = cols.len();
    let w = q + 1;
    let cols: Vec<usize> = cols.iter().map(|&c| c as usize).collect();
    let mut s = vec![0.0f32; q * w];
    for (e, slot) in s.iter_mut().enumerate() {
        let (i, k) = (e / w, e % w);
        let row_i = &h[cols[i] * p..(cols[i] + 1) * p];
        let mut acc = 0.0f32;
        if k < q {
            let row_k = &h[cols[k] * p..(cols[k] + 1) * p];
            for j in 0..p {
                acc += row_i[j] * row_k[j];
            }
            let mut core = row_i[cols[k]];
            if input.damped && i == k {
                core += 1.0;
            }
            *slot = core + acc / input.alpha;
        } else {
            for j in 0..p {
                acc += row_i[j] * b[j];
            }
            *slot = acc;
        }
    }
    let mut singular = false;
    for c in 0..q {
        let (mut pivot, mut best) = (c, s[c * w + c].abs());
        for r in c + 1..q {
            if s[r * w + c].abs() > best {
                best = s[r * w + c].abs();
                pivot = r;
            }
        }
        singular |= best == 0.0;
        if pivot != c {
            for k in c..w {
                s.swap(c * w + k, pivot * w + k);
            }
        }
        for r in c + 1..q {
            let f = s[r * w + c] / s[c * w + c];
            for k in c..w {
                s[r * w + k] -= f * s[c * w + k];
            }
        }
    }
    if singular {
        return vec![f32::NAN; p];
    }
    let mut z = vec![0.0f32; q];
    for i in (0..q).rev() {
        let mut acc = s[i * w + q];
        for k in i + 1..q {
            acc -= s[i * w + k] * z[k];
        }
        z[i] = acc / s[i * w + i];
    }
    let a2 = input.alpha * input.alpha;
    (0..p)
        .map(|j| {
            let mut acc = 0.0f32;
            for i in 0..q {
                acc += h[j * p + cols[i]] * z[i];
            }
            b[j] / input.alpha - acc / a2
        })
        .collect()
}

/// The CPU twin (by parts, one per instance) gives N × p solutions (NaN rows for singular instances); an invalid batch an empty result.
impl Kernel for IhvpNystrom {
    type Input = NystromBatch;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = kernel_spec!("ihvp_nystrom");

    fn cpu_parts(input: &NystromBatch) -> usize {
        input.validate().map_or(0, |()| input.batch.count())
    }

    fn cpu_part(input: &NystromBatch, i: usize, acc: &mut Option<Vec<f32>>) {
        let q = input.rank as usize;
        let out = acc.get_or_insert_with(|| Vec::with_capacity(input.batch.rhs.len()));
        let (h, b) = input.batch.instance(i);
        out.extend(solve_one(input, h, b, &input.columns[i * q..(i + 1) * q]));
    }

    fn encode(input: &NystromBatch) -> Result<Encoded, String> {
        input.validate()?;
        let params = Params {
            n: input.batch.count() as u32,
            p: input.batch.dim,
            q: input.rank,
            damped: u32::from(input.damped),
            alpha: input.alpha,
            _pad0: 0.0,
            _pad1: 0.0,
            _pad2: 0.0,
        };
        Ok(input.batch.encoded(
            bytemuck::bytes_of(&params),
            vec![Storage::Owned(
                bytemuck::cast_slice(&input.columns).to_vec(),
            )],
        ))
    }

    fn decode(input: &NystromBatch, bytes: &[u8]) -> Result<Vec<f32>, String> {
        decode_solutions(bytes, input.batch.rhs.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::nystrom::{ColumnSampling, NystromVariant, nystrom};
    use crate::numerics::ihvp::testing::{spd, vector};
    use crate::numerics::random::SeededRng;
    use rand::SeedableRng as _;

    #[test]
    fn twin_matches_the_float64_method() {
        for (p, q) in [(6, 3), (49, 10), (128, 32)] {
            for (damped, variant) in [
                (false, NystromVariant::Paper),
                (true, NystromVariant::Damped),
            ] {
                let h = spd(p, 0.5, 4.0, p as u64);
                let b = vector(p, 7);
                let cols: Vec<usize> = (0..q).map(|i| (i * 7 + 1) % p).collect();
                let mut uniq = cols.clone();
                uniq.sort_unstable();
                uniq.dedup();
                let q = uniq.len();
                let want = nystrom(
                    &h,
                    &b,
                    2.0,
                    q,
                    &ColumnSampling::Given(uniq.clone()),
                    variant,
                    &mut SeededRng::seed_from_u64(0),
                )
                .map(|r| r.v)
                .unwrap_or_else(|e| panic!("{e}"));
                let input = NystromBatch {
                    alpha: 2.0,
                    damped,
                    rank: q as u32,
                    columns: uniq.iter().map(|&c| c as u32).collect(),
                    batch: HessianBatch::one(&h, &b),
                };
                let got = IhvpNystrom::cpu(&input);
                let err = (0..p)
                    .map(|i| (f64::from(got[i]) - want[i]).abs())
                    .fold(0.0, f64::max);
                assert!(
                    err < 1e-4 * want.amax().max(1.0),
                    "p = {p}, q = {q}, damped = {damped}: {err}"
                );
            }
        }
    }

    #[test]
    fn a_singular_core_gives_nan_and_bad_batches_are_refused() {
        // H = 0, paper variant: S = 0, singular.
        let input = NystromBatch {
            alpha: 1.0,
            damped: false,
            rank: 2,
            columns: vec![0, 2],
            batch: HessianBatch::new(3, vec![0.0; 9], vec![1.0, 2.0, 3.0]),
        };
        assert!(IhvpNystrom::cpu(&input).iter().all(|v| v.is_nan()));
        let damped = NystromBatch {
            damped: true,
            ..input.clone()
        };
        assert_eq!(
            IhvpNystrom::cpu(&damped),
            vec![1.0, 2.0, 3.0],
            "b/α when H = 0"
        );
        let bad = NystromBatch {
            columns: vec![0, 3],
            ..input.clone()
        };
        assert!(bad.validate().is_err_and(|e| e.contains("columns")));
        let bad = NystromBatch {
            alpha: 0.0,
            ..input
        };
        assert!(IhvpNystrom::encode(&bad).is_err());
    }
}
