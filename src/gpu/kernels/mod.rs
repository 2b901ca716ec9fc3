//! WGSL kernels, each a `.wgsl` file beside the Rust wrapper that holds its CPU twin.

pub mod batched_matvec;
pub mod convergence_map;
pub mod hessian_batch;
pub mod ihvp_iterative;
pub mod ihvp_lanczos;
pub mod ihvp_nystrom;
pub mod phi_landscape;
pub mod soft_vi;

pub use batched_matvec::{BatchedMatvec, MatvecBatch};
pub use convergence_map::{ConvergenceMap, MapRequest};
pub use hessian_batch::HessianBatch;
pub use ihvp_iterative::{IhvpIterative, Iterative, IterativeBatch};
pub use ihvp_lanczos::{IhvpLanczos, LanczosBatch};
pub use ihvp_nystrom::{IhvpNystrom, NystromBatch};
pub use phi_landscape::{LandscapeRequest, LinearInner, PhiLandscape};
pub use soft_vi::{SoftVi, SoftViBatch};
