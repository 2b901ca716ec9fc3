//! WGSL kernels, each a `.wgsl` file beside the Rust wrapper that holds its CPU twin.

/// A kernel's uniform block, written once: the `#[repr(C)]` Rust struct `Params` that `bytemuck` lays out
/// for the upload, and `Params::WGSL`, the same struct in WGSL, which the kernel's source starts with
/// (`KernelSpec::wgsl`). Fields are `u32` or `f32` (4 bytes each, so the two layouts agree); the block
/// is padded to a multiple of 16 bytes, which WebGPU requires of a uniform buffer (checked when compiling).
macro_rules! uniform_params {
    ($($field:ident : $ty:ident),* $(,)?) => {
        /// The kernel's uniform block (`uniform_params!`).
        #[repr(C)]
        #[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
        struct Params {
            $($field: $ty),*
        }

        impl Params {
            /// `struct Params` in WGSL, field for field.
            const WGSL: &'static str = concat!(
                "struct Params {\n",
                $("    ", stringify!($field), ": ", stringify!($ty), ",\n",)*
                "}\n"
            );
        }

        const _: () = assert!(std::mem::size_of::<Params>() % 16 == 0);
    };
}

/// A kernel's `KernelSpec`: its name, the kernel's `Params::WGSL`, the ids every entry point takes
/// (`dispatch.wgsl`), any shared snippets (`TREE_SUM`, `KRYLOV`), then `<name>.wgsl` beside it; entry point `main`.
macro_rules! kernel_spec {
    ($name:literal $(, $shared:expr)*) => {
        $crate::gpu::runtime::KernelSpec {
            name: $name,
            wgsl: &[Params::WGSL, $crate::gpu::kernels::DISPATCH, $($shared,)* include_str!(concat!($name, ".wgsl"))],
            entry_point: "main",
        }
    };
}

/// The entry point's ids and a flat instance or invocation index, put before every kernel (`dispatch.wgsl`).
const DISPATCH: &str = include_str!("dispatch.wgsl");
/// The workgroup tree sum the dot products of several kernels share (`tree_sum.wgsl`).
const TREE_SUM: &str = include_str!("tree_sum.wgsl");
/// The bindings, vectors and product A·dir of the two Krylov kernels (`krylov.wgsl`).
const KRYLOV: &str = include_str!("krylov.wgsl");

pub mod batched_matvec;
pub mod convergence_map;
pub mod hessian_batch;
pub mod ihvp_iterative;
pub mod ihvp_lanczos;
pub mod ihvp_nystrom;
pub mod mlp_forward;
pub mod phi_landscape;
pub mod soft_vi;

pub use batched_matvec::{BatchedMatvec, MatvecBatch};
pub use convergence_map::{ConvergenceMap, MapRequest};
pub use hessian_batch::HessianBatch;
pub use ihvp_iterative::{IhvpIterative, Iterative, IterativeBatch};
pub use ihvp_lanczos::{IhvpLanczos, LanczosBatch};
pub use ihvp_nystrom::{IhvpNystrom, NystromBatch};
pub use mlp_forward::{MlpBatch, MlpForward};
pub use phi_landscape::{LandscapeRequest, LinearInner, PhiLandscape};
pub use soft_vi::{SoftVi, SoftViBatch};
