//! What the IHVP kernels (`ihvp_iterative`, `ihvp_lanczos`, `ihvp_nystrom`) share: a batch of explicit
//! Hessians in f32 with its checks, the twins' dot product summed as the kernels sum it, and the decoding of
//! solutions (an instance the kernel marked singular reads back as NaN).

use std::sync::Arc;

use crate::gpu::job::{Encoded, Storage, f32s_from_bytes};

/// Largest Hessian the kernels' workgroup memory holds (two rows per thread).
pub const MAX_DIM: u32 = 128;
/// Threads per workgroup; one workgroup per instance.
pub const THREADS: usize = 64;
/// What a kernel writes for an instance whose small dense solve met a zero pivot.
pub const SINGULAR: f32 = 3.0e38;

/// N row-major p × p Hessians and N right-hand sides.
#[derive(Clone, Debug, PartialEq)]
pub struct HessianBatch {
    pub dim: u32,
    /// Shared, so that one upload serves every kernel given the batch ([`Storage::Shared`]).
    pub hessians: Arc<[f32]>,
    pub rhs: Arc<[f32]>,
}

impl HessianBatch {
    /// A batch of `dim` × `dim` Hessians (row-major, one after another) and their right-hand sides.
    pub fn new(dim: u32, hessians: Vec<f32>, rhs: Vec<f32>) -> Self {
        Self {
            dim,
            hessians: hessians.into(),
            rhs: rhs.into(),
        }
    }

    /// Instances in the batch.
    pub fn count(&self) -> usize {
        self.rhs.len() / (self.dim.max(1) as usize)
    }

    /// Shapes, the kernels' size limit and the dispatch limit; errors name the field.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_DIM).contains(&self.dim) {
            return Err(format!("dim: must be in 1..={MAX_DIM}, got {}", self.dim));
        }
        let (p, n) = (self.dim as usize, self.count());
        if n == 0 || self.rhs.len() != n * p {
            return Err(format!(
                "rhs: expected a positive multiple of {p} entries, got {}",
                self.rhs.len()
            ));
        }
        if self.hessians.len() != n * p * p {
            return Err(format!(
                "hessians: expected {} entries, got {}",
                n * p * p,
                self.hessians.len()
            ));
        }
        if n > 65_535 * THREADS {
            return Err(format!(
                "{n} instances: at most {} per dispatch",
                65_535 * THREADS
            ));
        }
        Ok(())
    }

    /// Hessian and right-hand side of instance `i`.
    pub fn instance(&self, i: usize) -> (&[f32], &[f32]) {
        let p = self.dim as usize;
        (
            &self.hessians[i * p * p..(i + 1) * p * p],
            &self.rhs[i * p..(i + 1) * p],
        )
    }

    /// The storage buffers: Hessians, then right-hand sides, each uploaded once per device however many
    /// kernels run on the batch.
    pub fn buffers(&self) -> Vec<Storage> {
        vec![
            Storage::Shared(Arc::clone(&self.hessians)),
            Storage::Shared(Arc::clone(&self.rhs)),
        ]
    }

    /// Invocations for one workgroup per instance.
    pub fn invocations(&self) -> u32 {
        (self.count() * THREADS) as u32
    }

    /// The dispatch of a kernel that reads this batch (then `extra` inputs) and writes one solution per
    /// right-hand side.
    pub fn encoded(&self, params: &[u8], extra: Vec<Storage>) -> Encoded {
        let mut inputs = self.buffers();
        inputs.extend(extra);
        Encoded {
            params: params.to_vec(),
            inputs,
            output_bytes: self.rhs.len() as u64 * 4,
            invocations: self.invocations(),
        }
    }

    /// One float64 Hessian and right-hand side as a batch of one, in f32 (tests and references).
    pub fn one(h: &nalgebra::DMatrix<f64>, b: &nalgebra::DVector<f64>) -> Self {
        Self::new(
            h.nrows() as u32,
            h.transpose().iter().map(|&v| v as f32).collect(),
            b.iter().map(|&v| v as f32).collect(),
        )
    }
}

/// Σ a[i]·b[i] as the kernels sum it: 64 per-thread partials (row t, then row t + 64), then a fixed tree.
pub fn tree_dot(a: &[f32], b: &[f32]) -> f32 {
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

/// out = (H + αI)·d for a row-major p × p H, each row summed in order (as the kernels do).
pub fn shifted_matvec(h: &[f32], alpha: f32, d: &[f32], out: &mut [f32]) {
    let p = d.len();
    for (i, o) in out.iter_mut().enumerate().take(p) {
        let mut acc = 0.0f32;
        for (hij, dj) in h[i * p..(i + 1) * p].iter().zip(d) {
            acc += hij * dj;
        }
        *o = acc + alpha * d[i];
    }
}

/// The N × p solutions from the output buffer, [`SINGULAR`] entries as NaN.
pub fn decode_solutions(bytes: &[u8], len: usize) -> Result<Vec<f32>, String> {
    let mut v = f32s_from_bytes(bytes, len)?;
    for x in &mut v {
        if *x == SINGULAR {
            *x = f32::NAN;
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_checked_and_dots_sum_by_the_tree() {
        let batch = HessianBatch::new(2, vec![1.0; 8], vec![1.0; 4]);
        assert_eq!((batch.validate(), batch.count()), (Ok(()), 2));
        assert_eq!(batch.instance(1).1, &[1.0, 1.0]);
        let bad = HessianBatch {
            hessians: vec![1.0; 7].into(),
            ..batch.clone()
        };
        assert!(bad.validate().is_err_and(|e| e.contains("hessians")));
        let a: Vec<f32> = (0..100).map(|i| i as f32).collect();
        assert_eq!(
            tree_dot(&a, &a),
            (0..100).map(|i| (i * i) as f32).sum::<f32>()
        );
        let bytes: Vec<u8> = [1.0f32, SINGULAR]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let v = decode_solutions(&bytes, 2).unwrap_or_default();
        assert!(v[0] == 1.0 && v[1].is_nan());
    }
}
