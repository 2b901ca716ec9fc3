//! The start-up self-check: one real kernel (a batched matrix–vector product on seeded random data) runs on
//! the active backend and is compared with its CPU twin (GPU) or with the float64 reference (CPU fallback).

use rand::{Rng as _, SeedableRng as _, rngs::SmallRng};
use serde::Serialize;

use super::job::{Job, Kernel as _, Ran};
use super::kernels::{BatchedMatvec, MatvecBatch};
use super::runtime::ComputeRuntime;
use crate::numerics::linalg;

/// Errors above this mean the GPU cannot be trusted; the runtime then falls back to the CPU twins.
pub const TOLERANCE: f64 = 1e-4;

/// The outcome, published in the status JSON.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SelfCheckReport {
    /// "gpu" or "cpu".
    pub ran_on: &'static str,
    /// What it was compared with: "cpu twin (f32)" or "float64 reference".
    pub against: &'static str,
    /// max |got − want| / max(1, |want|) over all entries.
    pub max_error: f64,
    pub batch: u32,
    pub size: u32,
    pub passed: bool,
    /// The GPU failure that sent the check to the CPU, if any.
    pub gpu_error: Option<String>,
}

/// A self-check in flight, polled once per frame.
pub struct SelfCheck {
    input: MatvecBatch,
    job: Option<Job<BatchedMatvec>>,
    report: Option<SelfCheckReport>,
}

impl SelfCheck {
    /// Seeded data: `batch` matrices of size `size × size`, entries uniform in [−1, 1].
    pub fn input(batch: u32, size: u32, seed: u64) -> MatvecBatch {
        let mut rng = SmallRng::seed_from_u64(seed);
        let n = size as usize;
        let b = batch as usize;
        MatvecBatch {
            batch,
            rows: size,
            cols: size,
            matrices: (0..b * n * n)
                .map(|_| rng.random_range(-1.0..=1.0))
                .collect(),
            vectors: (0..b * n).map(|_| rng.random_range(-1.0..=1.0)).collect(),
        }
    }

    /// Starts a check of the given size on the runtime's backend.
    pub fn start(runtime: &mut ComputeRuntime, batch: u32, size: u32) -> Self {
        let input = Self::input(batch, size, 0x5e1f_c4ec);
        let job = Job::start(runtime, input.clone());
        Self {
            input,
            job: Some(job),
            report: None,
        }
    }

    /// The default start-up check: 256 matrices of 32 × 32.
    pub fn start_default(runtime: &mut ComputeRuntime) -> Self {
        Self::start(runtime, 256, 32)
    }

    /// Drives the job (its CPU twin until `deadline`); on completion compares, records the report and, if
    /// the GPU result is wrong, moves the runtime to the CPU twins.
    pub fn poll(
        &mut self,
        runtime: &mut ComputeRuntime,
        deadline: web_time::Instant,
    ) -> Option<&SelfCheckReport> {
        if self.report.is_none()
            && let Some(job) = self.job.as_mut()
            && let Some(done) = job.poll(runtime, deadline)
        {
            self.job = None;
            let got: Vec<f64> = done.value.iter().map(|&v| f64::from(v)).collect();
            let (against, want) = match done.ran_on {
                Ran::Gpu => (
                    "cpu twin (f32)",
                    BatchedMatvec::cpu(&self.input)
                        .into_iter()
                        .map(f64::from)
                        .collect(),
                ),
                Ran::Cpu => ("float64 reference", self.reference()),
            };
            let max_error = linalg::max_scaled_error(&got, &want).unwrap_or(f64::INFINITY);
            let passed = max_error <= TOLERANCE;
            if done.ran_on == Ran::Gpu && !passed {
                runtime.report_error(format!(
                    "GPU self-check error {max_error:.2e} exceeds {TOLERANCE:.0e}"
                ));
                runtime.fall_back_to_cpu(format!("GPU self-check failed (error {max_error:.2e})"));
            }
            self.report = Some(SelfCheckReport {
                ran_on: match done.ran_on {
                    Ran::Gpu => "gpu",
                    Ran::Cpu => "cpu",
                },
                against,
                max_error,
                batch: self.input.batch,
                size: self.input.rows,
                passed,
                gpu_error: done.gpu_error.map(|e| e.to_string()),
            });
        }
        self.report.as_ref()
    }

    /// The finished report, if any.
    pub fn report(&self) -> Option<&SelfCheckReport> {
        self.report.as_ref()
    }

    fn reference(&self) -> Vec<f64> {
        let widen = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
        let i = &self.input;
        linalg::batched_matvec(
            i.batch as usize,
            i.rows as usize,
            i.cols as usize,
            &widen(&i.matrices),
            &widen(&i.vectors),
        )
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_self_check_passes_against_f64() {
        let mut rt = ComputeRuntime::cpu("test");
        let mut check = SelfCheck::start(&mut rt, 16, 8);
        let report = check.poll(&mut rt, crate::budget::deadline(None)).cloned();
        let report = report.unwrap_or_else(|| panic!("CPU check finishes at once"));
        assert_eq!(report.ran_on, "cpu");
        assert!(report.passed);
        assert!(report.max_error < 1e-6, "{}", report.max_error);
        assert!(
            report.max_error > 0.0,
            "f32 twin vs f64 must differ by rounding"
        );
    }
}
