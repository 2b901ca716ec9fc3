//! Typed kernels with CPU twins, and jobs that deliver a result from whichever backend ran.

pub use super::device::Storage;
use web_time::Instant;

use super::runtime::{ComputeRuntime, GpuError, GpuJob, KernelSpec};
use crate::budget::work_until;

/// A compute kernel and its CPU twin. The twin has the same input and output types; it is the fallback
/// where WebGPU is missing and the reference the GPU is tested against.
pub trait Kernel {
    type Input: 'static;
    type Output: 'static + Default;
    const SPEC: KernelSpec;

    /// The CPU twin: same arithmetic (f32, same summation order) as the WGSL kernel; by default its parts
    /// in order (an input without parts gives the empty output).
    fn cpu(input: &Self::Input) -> Self::Output {
        cpu_by_parts::<Self>(input).unwrap_or_default()
    }

    /// How many parts the twin splits into (e.g. grid rows), so a [`Job`] can time-slice it across frames;
    /// running every part in order must give [`Kernel::cpu`]'s result.
    fn cpu_parts(_input: &Self::Input) -> usize {
        1
    }

    /// Runs part `part` of the twin into `acc` (`None` before the first part).
    fn cpu_part(input: &Self::Input, _part: usize, acc: &mut Option<Self::Output>) {
        *acc = Some(Self::cpu(input));
    }

    /// Buffers for [`ComputeRuntime::dispatch`]; `Err` for inputs the kernel cannot take.
    fn encode(input: &Self::Input) -> Result<Encoded, String>;

    /// Turns the output buffer into the typed result.
    fn decode(input: &Self::Input, bytes: &[u8]) -> Result<Self::Output, String>;
}

/// The whole twin by its parts, in order: the `cpu` of every kernel that splits its twin.
pub fn cpu_by_parts<K: Kernel + ?Sized>(input: &K::Input) -> Option<K::Output> {
    let mut acc = None;
    for part in 0..K::cpu_parts(input) {
        K::cpu_part(input, part, &mut acc);
    }
    acc
}

/// Bytes and sizes of one dispatch.
pub struct Encoded {
    pub params: Vec<u8>,
    pub inputs: Vec<Storage>,
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

/// A kernel run: in flight on the GPU, or on the CPU twin time-sliced across polls. Poll it once per
/// frame.
pub struct Job<K: Kernel> {
    input: Option<K::Input>,
    gpu: Option<GpuJob>,
    cpu: Option<CpuWork<K>>,
}

/// The twin's progress: next part, parts done so far, and why it runs on the CPU.
struct CpuWork<K: Kernel> {
    input: K::Input,
    next: usize,
    parts: usize,
    acc: Option<K::Output>,
    gpu_error: Option<GpuError>,
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
                runtime.dispatch(
                    &K::SPEC,
                    &enc.params,
                    &enc.inputs,
                    enc.output_bytes,
                    enc.invocations,
                )
            });
        match dispatched {
            Ok(gpu) => Self {
                input: Some(input),
                gpu: Some(gpu),
                cpu: None,
            },
            Err(e) => {
                runtime.report_error(&e);
                Self::finished_on_cpu(input, Some(e))
            }
        }
    }

    /// Runs on the CPU twin (time-sliced by [`Job::poll`]).
    pub fn cpu(input: K::Input) -> Self {
        Self::finished_on_cpu(input, None)
    }

    fn finished_on_cpu(input: K::Input, gpu_error: Option<GpuError>) -> Self {
        Self {
            cpu: Some(CpuWork {
                parts: K::cpu_parts(&input),
                input,
                next: 0,
                acc: None,
                gpu_error,
            }),
            input: None,
            gpu: None,
        }
    }

    /// Non-blocking: on the GPU it checks the readback; on the CPU it runs twin parts until `deadline`, the
    /// frame's share (`budget`; always at least one part). Returns the result once; a GPU failure is
    /// reported to the runtime and answered by the twin.
    pub fn poll(
        &mut self,
        runtime: &mut ComputeRuntime,
        deadline: Instant,
    ) -> Option<Computed<K::Output>> {
        if let Some(work) = self.cpu.as_mut() {
            if work.next < work.parts
                && work_until(deadline, || {
                    K::cpu_part(&work.input, work.next, &mut work.acc);
                    work.next += 1;
                    work.next < work.parts
                })
            {
                return None;
            }
            let work = self.cpu.take()?;
            let value = match work.acc {
                Some(v) => v,
                None => K::cpu(&work.input),
            };
            return Some(Computed {
                value,
                ran_on: Ran::Cpu,
                gpu_error: work.gpu_error,
            });
        }
        let bytes = self.gpu.as_mut()?.poll()?;
        self.gpu = None;
        let input = self.input.take()?;
        let decoded = bytes.and_then(|b| K::decode(&input, &b).map_err(GpuError::Dispatch));
        match decoded {
            Ok(value) => Some(Computed {
                value,
                ran_on: Ran::Gpu,
                gpu_error: None,
            }),
            Err(e) => {
                runtime.report_error(&e);
                *self = Self::finished_on_cpu(input, Some(e));
                self.poll(runtime, deadline)
            }
        }
    }

    /// Share of the work done, 0..=1 (the GPU reports only 0 until its result arrives).
    pub fn progress(&self) -> f32 {
        match &self.cpu {
            Some(w) if w.parts > 0 => w.next as f32 / w.parts as f32,
            _ => 0.0,
        }
    }

    /// True until the result has been taken.
    pub fn is_pending(&self) -> bool {
        self.cpu.is_some() || self.gpu.is_some()
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
