//! The GPU compute runtime (wgpu, WGSL) with CPU twins. Owns every wgpu object of the app's computations.
//!
//! | file | what |
//! | --- | --- |
//! | `runtime.rs` | device (eframe's or its own), kernel cache, dispatch, limits, errors, device loss |
//! | `job.rs` | `Kernel` (WGSL kernel + CPU twin) and `Job` (async result, CPU fallback) |
//! | `pending.rs` | futures polled once per frame with a no-op waker |
//! | `kernels/` | one `.wgsl` + wrapper per kernel |
//! | `self_check.rs` | the start-up check of GPU against CPU |

pub mod job;
pub mod kernels;
pub mod pending;
pub mod runtime;
pub mod self_check;

pub use job::{Computed, Job, Kernel, Ran};
pub use runtime::{ComputeRuntime, GpuError, KernelSpec};
pub use self_check::{SelfCheck, SelfCheckReport};
