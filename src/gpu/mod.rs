//! The GPU compute runtime (wgpu, WGSL) with CPU twins. Owns every wgpu object of the app's computations.
//!
//! | file | what |
//! | --- | --- |
//! | `runtime.rs` | device (eframe's or its own), kernel cache, dispatch, limits, errors, device loss |
//! | `device.rs` | the device, its queue and limits, `Storage` (a dispatch's inputs), the kernel cache's states |
//! | `adapter.rs`, `limits.rs` | adapter names; buffer-size checks and workgroup grids |
//! | `error.rs` | `GpuError`: why GPU work could not run |
//! | `readback.rs` | `GpuJob`: an in-flight dispatch's error scope and readback |
//! | `job.rs` | `Kernel` (WGSL kernel + CPU twin) and `Job` (async result, CPU fallback) |
//! | `pending.rs` | futures polled once per frame with a no-op waker |
//! | `kernels/` | one `.wgsl` + wrapper per kernel |
//! | `self_check.rs` | the start-up check of GPU against CPU |

pub mod adapter;
pub mod device;
pub mod error;
pub mod ihvp_f32;
pub mod job;
pub mod kernels;
pub mod limits;
pub mod pending;
pub mod readback;
pub mod runtime;
pub mod self_check;

pub use job::{Computed, Job, Kernel, Ran, Storage};
pub use runtime::{ComputeRuntime, GpuError, KernelSpec};
pub use self_check::{SelfCheck, SelfCheckReport};
