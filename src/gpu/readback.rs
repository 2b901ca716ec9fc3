//! An in-flight dispatch: its validation error scope and its `map_async` readback, polled once per frame.

use std::sync::{Arc, Mutex};

use super::error::GpuError;
use super::pending::Polled;

/// An in-flight dispatch: its validation scope and its readback, both polled per frame.
pub struct GpuJob {
    pub(crate) kernel: &'static str,
    pub(crate) staging: wgpu::Buffer,
    pub(crate) mapped: Arc<Mutex<Option<Result<(), String>>>>,
    pub(crate) scope: Polled<Option<wgpu::Error>>,
    pub(crate) scope_result: Option<Option<String>>,
}

impl GpuJob {
    /// Non-blocking: `None` while in flight, then the output bytes or the error, once.
    pub fn poll(&mut self) -> Option<Result<Vec<u8>, GpuError>> {
        if self.scope_result.is_none() {
            self.scope_result = self.scope.poll_now().map(|e| e.map(|e| e.to_string()));
        }
        if let Some(Some(message)) = &self.scope_result {
            return Some(Err(GpuError::Dispatch(format!(
                "{}: {message}",
                self.kernel
            ))));
        }
        let mapped = match self.mapped.lock() {
            Ok(mut slot) => slot.take(),
            Err(_) => Some(Err("readback state poisoned".to_owned())),
        };
        if let Err(message) = mapped? {
            Some(Err(GpuError::Dispatch(format!(
                "{}: readback failed: {message}",
                self.kernel
            ))))
        } else {
            let bytes = match self.staging.slice(..).get_mapped_range() {
                Ok(view) => Ok(view.to_vec()),
                Err(e) => Err(GpuError::Dispatch(format!("{}: {e}", self.kernel))),
            };
            self.staging.unmap();
            Some(bytes)
        }
    }
}
