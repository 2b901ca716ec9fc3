//! The device side of the runtime: a wgpu device with its queue and limits, the storage inputs of a
//! dispatch (shared arrays uploaded once per device), the callbacks' mailbox and the kernel cache's states.

use std::sync::{Arc, Weak};

use wgpu::util::DeviceExt as _;

use super::pending::Polled;

/// A storage input of a dispatch.
#[derive(Clone, Debug)]
pub enum Storage {
    /// Bytes made for this dispatch, uploaded with it.
    Owned(Vec<u8>),
    /// An f32 array shared by several dispatches (one Hessian batch serving every IHVP method): uploaded
    /// once per device and reused by every dispatch given the same array, for as long as it lives.
    Shared(std::sync::Arc<[f32]>),
}

impl Storage {
    /// The bytes the buffer holds.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Self::Owned(bytes) => bytes,
            Self::Shared(values) => bytemuck::cast_slice(values),
        }
    }
}

/// Messages that wgpu delivers from callbacks (uncaptured errors, device loss).
#[derive(Default)]
pub(super) struct Mailbox {
    pub(super) errors: Vec<String>,
    pub(super) lost: Option<String>,
}

pub(super) enum KernelState {
    /// Created; the validation result (error scope) is still in flight on the web.
    Checking(wgpu::ComputePipeline, Polled<Option<wgpu::Error>>),
    Ready(wgpu::ComputePipeline),
    Failed(String),
}

pub(super) struct Gpu {
    pub(super) device: wgpu::Device,
    pub(super) queue: wgpu::Queue,
    pub(super) label: String,
    pub(super) limits: wgpu::Limits,
    /// Buffers of shared inputs ([`Storage::Shared`]), kept while their array lives.
    pub(super) shared: Vec<(Weak<[f32]>, wgpu::Buffer)>,
    /// Bytes of storage inputs uploaded so far.
    pub(super) uploaded: u64,
}

impl Gpu {
    /// The storage buffer of an input: a shared array's buffer from an earlier dispatch, or a new one.
    pub(super) fn buffer(&mut self, input: &Storage) -> wgpu::Buffer {
        self.shared.retain(|(array, _)| array.strong_count() > 0);
        if let Storage::Shared(array) = input
            && let Some((_, buffer)) = self
                .shared
                .iter()
                .find(|(kept, _)| std::ptr::eq(kept.as_ptr(), Arc::as_ptr(array)))
        {
            return buffer.clone();
        }
        let buffer = self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("input"),
                contents: input.bytes(),
                usage: wgpu::BufferUsages::STORAGE,
            });
        self.uploaded += input.bytes().len() as u64;
        if let Storage::Shared(array) = input {
            self.shared.push((Arc::downgrade(array), buffer.clone()));
        }
        buffer
    }
}
