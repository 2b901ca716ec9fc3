//! Typed kernels with CPU twins, and jobs that deliver a result from whichever backend ran.

use super::runtime::{ComputeRuntime, GpuError, GpuJob, KernelSpec};

/// A compute kernel and its CPU twin. The twin has the same input and output types; it is the fallback
/// where WebGPU is missing and the reference the GPU is tested against.
pub trait Kernel {
    type Input: 'static;
    type Output: 'static;
    const SPEC: KernelSpec;

    /// The CPU twin: same arithmetic (f32, same summation order) as the WGSL kernel.
    fn cpu(input: &Self::Input) -> Self::Output;

    /// Buffers for [`ComputeRuntime::dispatch`]; `Err` for inputs the kernel cannot take.
    fn encode(input: &Self::Input) -> Result<Encoded, String>;

    /// Turns the output buffer into the typed result.
    fn decode(input: &Self::Input, bytes: &[u8]) -> Result<Self::Output, String>;
}

/// Bytes and sizes of one dispatch.
pub struct Encoded {
    pub params: Vec<u8>,
    pub inputs: Vec<Vec<u8>>,
    pub output_bytes: u64,
    pub invocations: u32,
}

/// Where a result was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ran {
    Gpu,
    Cpu,
}

/// A finished job: the value, where it ran, and the GPU error that sent it to the CPU, if any.
pub struct Computed<T> {
    pub value: T,
    pub ran_on: Ran,
    pub gpu_error: Option<GpuError>,
}

/// A kernel run: in flight on the GPU, or already finished on the CPU. Poll it once per frame.
pub struct Job<K: Kernel> {
    input: Option<K::Input>,
    gpu: Option<GpuJob>,
    done: Option<Computed<K::Output>>,
}

impl<K: Kernel> Job<K> {
    /// Runs on the GPU when the runtime has one, else on the CPU twin right away. A dispatch that cannot
    /// start (too large, failed kernel) runs on the twin too, and the error is kept for display.
    pub fn start(runtime: &mut ComputeRuntime, input: K::Input) -> Self {
        if !runtime.has_gpu() {
            return Self::finished_on_cpu(input, None);
        }
        let dispatched = K::encode(&input)
            .map_err(GpuError::Dispatch)
            .and_then(|enc| {
                let inputs: Vec<&[u8]> = enc.inputs.iter().map(Vec::as_slice).collect();
                runtime.dispatch(
                    &K::SPEC,
                    &enc.params,
                    &inputs,
                    enc.output_bytes,
                    enc.invocations,
                )
            });
        match dispatched {
            Ok(gpu) => Self {
                input: Some(input),
                gpu: Some(gpu),
                done: None,
            },
            Err(e) => {
                runtime.report_error(&e);
                Self::finished_on_cpu(input, Some(e))
            }
        }
    }

    /// Runs the CPU twin now.
    pub fn cpu(input: K::Input) -> Self {
        Self::finished_on_cpu(input, None)
    }

    fn finished_on_cpu(input: K::Input, gpu_error: Option<GpuError>) -> Self {
        Self {
            done: Some(Computed {
                value: K::cpu(&input),
                ran_on: Ran::Cpu,
                gpu_error,
            }),
            input: None,
            gpu: None,
        }
    }

    /// Non-blocking. Returns the result once; a GPU failure is reported to the runtime and answered by
    /// the CPU twin.
    pub fn poll(&mut self, runtime: &mut ComputeRuntime) -> Option<Computed<K::Output>> {
        if let Some(done) = self.done.take() {
            return Some(done);
        }
        let bytes = self.gpu.as_mut()?.poll()?;
        self.gpu = None;
        let input = self.input.take()?;
        let decoded = bytes.and_then(|b| K::decode(&input, &b).map_err(GpuError::Dispatch));
        Some(match decoded {
            Ok(value) => Computed {
                value,
                ran_on: Ran::Gpu,
                gpu_error: None,
            },
            Err(e) => {
                runtime.report_error(&e);
                Computed {
                    value: K::cpu(&input),
                    ran_on: Ran::Cpu,
                    gpu_error: Some(e),
                }
            }
        })
    }

    /// True until the result has been taken.
    pub fn is_pending(&self) -> bool {
        self.done.is_some() || self.gpu.is_some()
    }
}

/// Decodes little-endian f32s.
pub fn f32s_from_bytes(bytes: &[u8], expected: usize) -> Result<Vec<f32>, String> {
    if bytes.len() != expected * 4 {
        return Err(format!(
            "expected {} bytes, got {}",
            expected * 4,
            bytes.len()
        ));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}
