//! Batched matrix–vector products, the kernel of the start-up self-check (and of batched HVPs with
//! explicit Hessians).

use crate::gpu::job::{Encoded, Kernel, Storage, f32s_from_bytes};
use crate::gpu::runtime::KernelSpec;

uniform_params! {
    batch: u32,
    rows: u32,
    cols: u32,
    _pad: u32,
}

/// `batch` row-major `rows × cols` matrices and `batch` vectors of length `cols`.
#[derive(Clone, Debug, PartialEq)]
pub struct MatvecBatch {
    pub batch: u32,
    pub rows: u32,
    pub cols: u32,
    pub matrices: Vec<f32>,
    pub vectors: Vec<f32>,
}

impl MatvecBatch {
    /// Checks that the buffers match the shape (and that indices fit the kernel's u32 arithmetic).
    pub fn validate(&self) -> Result<(), String> {
        let (b, r, c) = (
            u64::from(self.batch),
            u64::from(self.rows),
            u64::from(self.cols),
        );
        let entries = b * r * c;
        if entries > u64::from(u32::MAX) {
            return Err(format!(
                "{b}×{r}×{c} entries exceed the kernel's 32-bit indexing"
            ));
        }
        if self.matrices.len() as u64 != entries {
            return Err(format!(
                "matrices: expected {entries} entries, got {}",
                self.matrices.len()
            ));
        }
        if self.vectors.len() as u64 != b * c {
            return Err(format!(
                "vectors: expected {} entries, got {}",
                b * c,
                self.vectors.len()
            ));
        }
        Ok(())
    }
}

/// The batched matrix–vector kernel (`batched_matvec.wgsl`).
pub struct BatchedMatvec;

impl Kernel for BatchedMatvec {
    type Input = MatvecBatch;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = kernel_spec!("batched_matvec");

    /// CPU twin. Invalid shapes give an empty result (the GPU path refuses them in `encode`).
    fn cpu(input: &MatvecBatch) -> Vec<f32> {
        if input.validate().is_err() {
            return Vec::new();
        }
        let (rows, cols) = (input.rows as usize, input.cols as usize);
        let mut out = Vec::with_capacity(input.batch as usize * rows);
        for b in 0..input.batch as usize {
            let x = &input.vectors[b * cols..(b + 1) * cols];
            for i in 0..rows {
                let row = &input.matrices[(b * rows + i) * cols..(b * rows + i + 1) * cols];
                let mut acc = 0.0f32;
                for j in 0..cols {
                    acc += row[j] * x[j];
                }
                out.push(acc);
            }
        }
        out
    }

    fn encode(input: &MatvecBatch) -> Result<Encoded, String> {
        input.validate()?;
        let outputs = input.batch * input.rows;
        if outputs == 0 {
            return Err("empty batch".to_owned());
        }
        let params = Params {
            batch: input.batch,
            rows: input.rows,
            cols: input.cols,
            _pad: 0,
        };
        Ok(Encoded {
            params: bytemuck::bytes_of(&params).to_vec(),
            inputs: vec![
                Storage::Owned(bytemuck::cast_slice(&input.matrices).to_vec()),
                Storage::Owned(bytemuck::cast_slice(&input.vectors).to_vec()),
            ],
            output_bytes: u64::from(outputs) * 4,
            invocations: outputs,
        })
    }

    fn decode(input: &MatvecBatch, bytes: &[u8]) -> Result<Vec<f32>, String> {
        f32s_from_bytes(bytes, (input.batch * input.rows) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_twin_matches_f64_reference() {
        let batch = MatvecBatch {
            batch: 2,
            rows: 2,
            cols: 3,
            matrices: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -1.0, 0.5, 0.0, 2.0, 2.0, 2.0],
            vectors: vec![1.0, 1.0, 1.0, 2.0, -4.0, 0.25],
        };
        let out = BatchedMatvec::cpu(&batch);
        assert_eq!(out, vec![6.0, 15.0, -4.0, -3.5]);
    }

    #[test]
    fn bad_shapes_are_refused_with_a_message() {
        let batch = MatvecBatch {
            batch: 2,
            rows: 2,
            cols: 2,
            matrices: vec![0.0; 7],
            vectors: vec![0.0; 4],
        };
        let err = BatchedMatvec::encode(&batch).err().unwrap_or_default();
        assert!(err.contains("matrices: expected 8 entries, got 7"), "{err}");
        assert!(BatchedMatvec::cpu(&batch).is_empty());
    }
}
