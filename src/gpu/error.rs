//! Why GPU work could not run: each is shown to the user, never panicked on.

/// Why a GPU dispatch could not run. Each is shown to the user, never panicked on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GpuError {
    /// The runtime is on the CPU twins.
    NoDevice(String),
    /// A WGSL kernel failed to compile or validate.
    Kernel { kernel: String, message: String },
    /// A buffer would exceed the device's limits.
    TooLarge {
        what: String,
        bytes: u64,
        limit: u64,
    },
    /// Validation error, map failure or device loss while a dispatch was in flight.
    Dispatch(String),
}

impl std::fmt::Display for GpuError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoDevice(reason) => write!(f, "no GPU compute device: {reason}"),
            Self::Kernel { kernel, message } => {
                write!(f, "WGSL kernel `{kernel}` failed: {message}")
            }
            Self::TooLarge { what, bytes, limit } => write!(
                f,
                "{what} needs {bytes} bytes, more than this device allows ({limit} bytes)"
            ),
            Self::Dispatch(message) => write!(f, "GPU dispatch failed: {message}"),
        }
    }
}

impl std::error::Error for GpuError {}
