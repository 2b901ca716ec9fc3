//! The compute runtime: one wgpu device (eframe's, or one of its own), kernels compiled once, batches
//! dispatched and read back asynchronously, and a CPU fallback that is switched to — and named — whenever
//! no compute-capable device exists, a kernel fails validation, or the device is lost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wgpu::util::DeviceExt as _;

use super::adapter::adapter_api;
pub use super::adapter::backend_label;
use super::device::{Gpu, KernelState, Mailbox, Storage};
pub use super::error::GpuError;
use super::limits::check_size;
pub use super::limits::{WORKGROUP_SIZE, workgroup_grid};
use super::pending::Polled;
pub use super::readback::GpuJob;

/// Smallest storage-buffer count a kernel of ours binds (inputs + output).
const MIN_STORAGE_BUFFERS: u32 = 4;

/// A WGSL compute kernel: its source is a `.wgsl` file next to its Rust wrapper.
#[derive(Clone, Copy, Debug)]
pub struct KernelSpec {
    pub name: &'static str,
    /// The source in parts, joined in order: the uniform block (`Params::WGSL`), then the `.wgsl` file.
    pub wgsl: &'static [&'static str],
    pub entry_point: &'static str,
}

/// One wgpu device for compute, or the CPU twins with the reason why.
pub struct ComputeRuntime {
    gpu: Option<Gpu>,
    cpu_reason: String,
    /// The adapter the app draws with, also when it cannot compute (shown in Diagnostics).
    adapter: Option<String>,
    /// The browser's adapter name, fetched once where wgpu reports none (WebGPU).
    adapter_name: Option<Polled<Option<String>>>,
    kernels: HashMap<&'static str, KernelState>,
    mailbox: Arc<Mutex<Mailbox>>,
    last_error: Option<String>,
}

impl ComputeRuntime {
    /// The CPU twins only, with the reason shown to the user.
    pub fn cpu(reason: impl Into<String>) -> Self {
        Self {
            gpu: None,
            cpu_reason: reason.into(),
            adapter: None,
            adapter_name: None,
            kernels: HashMap::new(),
            mailbox: Arc::default(),
            last_error: None,
        }
    }

    /// Uses eframe's device (WebGPU in the browser, Vulkan/Metal/DX12 natively) when it can run compute
    /// shaders; otherwise the CPU twins. In a browser without WebGPU the app is drawn with WebGL2 (glow,
    /// no wgpu device, see `src/web.rs`).
    pub fn from_render_state(render_state: Option<&eframe::egui_wgpu::RenderState>) -> Self {
        match render_state {
            Some(rs) => Self::from_device(&rs.adapter, rs.device.clone(), rs.queue.clone()),
            None if cfg!(target_arch = "wasm32") => {
                let mut rt = Self::cpu(
                    "no WebGPU device in this browser, and WebGL2 cannot run compute shaders",
                );
                rt.adapter =
                    crate::platform::webgl_renderer_name().map(|n| format!("WebGL2 · {n}"));
                rt
            }
            None => Self::cpu("the app is not drawn with wgpu"),
        }
    }

    /// Uses an existing adapter/device pair, checking that it can run our kernels.
    pub fn from_device(adapter: &wgpu::Adapter, device: wgpu::Device, queue: wgpu::Queue) -> Self {
        let info = adapter.get_info();
        let label = backend_label(&info);
        let limits = device.limits();
        let downlevel = adapter.get_downlevel_capabilities();
        if !downlevel
            .flags
            .contains(wgpu::DownlevelFlags::COMPUTE_SHADERS)
            || limits.max_storage_buffers_per_shader_stage < MIN_STORAGE_BUFFERS
            || limits.max_compute_workgroup_size_x < WORKGROUP_SIZE
            || limits.max_compute_invocations_per_workgroup < WORKGROUP_SIZE
        {
            let mut rt = Self::cpu(format!("{} cannot run compute shaders", adapter_api(&info)));
            rt.adapter = Some(label);
            return rt;
        }
        let mailbox: Arc<Mutex<Mailbox>> = Arc::default();
        let errors = Arc::clone(&mailbox);
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            log::error!("wgpu: {error}");
            if let Ok(mut m) = errors.lock() {
                m.errors.push(error.to_string());
            }
        }));
        let lost = Arc::clone(&mailbox);
        device.set_device_lost_callback(move |reason, message| {
            log::error!("GPU device lost ({reason:?}): {message}");
            if let Ok(mut m) = lost.lock() {
                m.lost = Some(
                    format!("device lost ({reason:?}) {message}")
                        .trim()
                        .to_owned(),
                );
            }
        });
        let unnamed = info.name.trim().is_empty() && info.backend == wgpu::Backend::BrowserWebGpu;
        Self {
            gpu: Some(Gpu {
                device,
                queue,
                label: label.clone(),
                limits,
                shared: Vec::new(),
                uploaded: 0,
            }),
            cpu_reason: String::new(),
            adapter: Some(label),
            adapter_name: unnamed.then(crate::platform::webgpu_adapter_name),
            kernels: HashMap::new(),
            mailbox,
            last_error: None,
        }
    }

    /// Natively: makes its own device on the best adapter (any backend, software ones included, e.g.
    /// lavapipe). Blocks briefly on adapter/device creation, so it is for the CLI and tests, not the UI.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn headless() -> Self {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        if std::env::var_os("WGPU_BACKEND").is_none() {
            // Vulkan/Metal/DX12 only: probing OpenGL without a display just logs EGL errors.
            desc.backends = wgpu::Backends::PRIMARY;
        }
        let instance = wgpu::Instance::new(desc);
        let adapter =
            match pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })) {
                Ok(adapter) => adapter,
                Err(e) => return Self::cpu(format!("no GPU adapter found ({e})")),
            };
        let supported = adapter.limits();
        let device_desc = wgpu::DeviceDescriptor {
            label: Some("bilevel-lab compute"),
            // The adapter's own buffer sizes (the downlevel 128 MiB would send a 10 000-Hessian batch to
            // the CPU on a GPU with 140 GiB).
            required_limits: wgpu::Limits {
                max_storage_buffer_binding_size: supported.max_storage_buffer_binding_size,
                max_buffer_size: supported.max_buffer_size,
                ..wgpu::Limits::downlevel_defaults().using_resolution(supported.clone())
            },
            ..Default::default()
        };
        match pollster::block_on(adapter.request_device(&device_desc)) {
            Ok((device, queue)) => Self::from_device(&adapter, device, queue),
            Err(e) => Self::cpu(format!("could not open the GPU device ({e})")),
        }
    }

    /// True while GPU kernels can be dispatched.
    pub fn has_gpu(&self) -> bool {
        self.gpu.is_some()
    }

    /// What computes, for the status bar: "WebGPU · SwiftShader", "Vulkan · llvmpipe", or
    /// "CPU fallback: <reason>".
    pub fn backend_label(&self) -> String {
        match &self.gpu {
            Some(gpu) => gpu.label.clone(),
            None => format!("CPU fallback: {}", self.cpu_reason),
        }
    }

    /// The adapter eframe draws with, e.g. "WebGL2 · ANGLE (…)", also when the CPU computes.
    pub fn adapter(&self) -> Option<&str> {
        self.adapter.as_deref()
    }

    /// Whether the page is drawn on the CPU (`adapter::drawn_in_software`).
    pub fn drawn_in_software(&self) -> bool {
        self.adapter()
            .is_some_and(super::adapter::drawn_in_software)
    }

    /// Bytes of storage inputs uploaded to the device so far (a shared array counts once).
    pub fn uploaded_bytes(&self) -> u64 {
        self.gpu.as_ref().map_or(0, |g| g.uploaded)
    }

    /// Largest buffer one kernel binding may use, in bytes (`None` on the CPU).
    pub fn storage_buffer_limit(&self) -> Option<u64> {
        let gpu = self.gpu.as_ref()?;
        Some(
            gpu.limits
                .max_storage_buffer_binding_size
                .min(gpu.limits.max_buffer_size),
        )
    }

    /// Destroys the device, as a driver reset would (diagnostics and tests of the fallback path). The
    /// next [`Self::poll`] notices the loss and switches to the CPU twins.
    pub fn lose_device(&mut self) {
        if let Some(gpu) = &self.gpu {
            gpu.device.destroy();
        }
    }

    /// The last GPU error seen (validation, device loss, failed dispatch), if any.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Records an error to show the user.
    pub fn report_error(&mut self, error: impl std::fmt::Display) {
        let message = error.to_string();
        log::warn!("{message}");
        self.last_error = Some(message);
    }

    /// Leaves the GPU for the CPU twins, keeping the reason for the status bar.
    pub fn fall_back_to_cpu(&mut self, reason: impl Into<String>) {
        let reason = reason.into();
        if let Some(gpu) = self.gpu.take() {
            self.cpu_reason = format!("{reason} (was {})", gpu.label);
        } else {
            self.cpu_reason = reason;
        }
        self.kernels.clear();
    }

    /// Call once per frame, first: drives wgpu callbacks natively
    /// (never blocks), collects errors and device loss, and finishes kernel validation that completes
    /// asynchronously on the web.
    pub fn poll(&mut self) {
        if let Some(pending) = &mut self.adapter_name
            && let Some(name) = pending.poll_now()
        {
            self.adapter_name = None;
            if let (Some(name), Some(gpu)) = (name, &mut self.gpu) {
                gpu.label = format!("WebGPU · {name}");
                self.adapter = Some(gpu.label.clone());
            }
        }
        let Some(gpu) = &self.gpu else { return };
        if let Err(e) = gpu.device.poll(wgpu::PollType::Poll) {
            self.report_error(format!("GPU poll failed: {e}"));
        }
        let (errors, lost) = match self.mailbox.lock() {
            Ok(mut m) => (std::mem::take(&mut m.errors), m.lost.take()),
            Err(_) => (Vec::new(), Some("GPU error mailbox poisoned".to_owned())),
        };
        if let Some(last) = errors.last() {
            self.report_error(format!("GPU error: {last}"));
        }
        if let Some(lost) = lost {
            self.report_error(format!("GPU {lost}"));
            self.fall_back_to_cpu(lost);
            return;
        }
        let mut failures = Vec::new();
        for (name, state) in &mut self.kernels {
            if let KernelState::Checking(pipeline, check) = state
                && let Some(result) = check.poll_now()
            {
                *state = match result {
                    None => KernelState::Ready(pipeline.clone()),
                    Some(error) => {
                        let e = GpuError::Kernel {
                            kernel: (*name).to_owned(),
                            message: error.to_string(),
                        };
                        failures.push(e.to_string());
                        KernelState::Failed(e.to_string())
                    }
                };
            }
        }
        for failure in failures {
            self.report_error(failure);
        }
    }

    /// Compiles a kernel once (later calls reuse it). Compilation errors are reported through
    /// [`Self::kernel_error`] once validation completes (immediately natively, a frame later on the web).
    fn pipeline(&mut self, spec: &KernelSpec) -> Result<wgpu::ComputePipeline, GpuError> {
        let Some(gpu) = &self.gpu else {
            return Err(GpuError::NoDevice(self.cpu_reason.clone()));
        };
        if !self.kernels.contains_key(spec.name) {
            let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
            let module = gpu
                .device
                .create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(spec.name),
                    source: wgpu::ShaderSource::Wgsl(spec.wgsl.concat().into()),
                });
            let pipeline = gpu
                .device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(spec.name),
                    layout: None,
                    module: &module,
                    entry_point: Some(spec.entry_point),
                    compilation_options: Default::default(),
                    cache: None,
                });
            let mut check = Polled::new(scope.pop());
            let state = match check.poll_now() {
                Some(None) => KernelState::Ready(pipeline),
                Some(Some(error)) => KernelState::Failed(
                    GpuError::Kernel {
                        kernel: spec.name.to_owned(),
                        message: error.to_string(),
                    }
                    .to_string(),
                ),
                None => KernelState::Checking(pipeline, check),
            };
            if let KernelState::Failed(message) = &state {
                self.last_error = Some(message.clone());
            }
            self.kernels.insert(spec.name, state);
        }
        match self.kernels.get(spec.name) {
            Some(KernelState::Ready(p) | KernelState::Checking(p, _)) => Ok(p.clone()),
            Some(KernelState::Failed(message)) => Err(GpuError::Kernel {
                kernel: spec.name.to_owned(),
                message: message.clone(),
            }),
            None => Err(GpuError::NoDevice("kernel cache".to_owned())),
        }
    }

    /// Compiles a kernel now and returns its validation error, if known yet (for the diagnostics view and
    /// tests).
    pub fn kernel_error(&mut self, spec: &KernelSpec) -> Option<GpuError> {
        self.pipeline(spec).err()
    }

    /// Dispatches `invocations` threads of a kernel whose bindings follow our convention —
    /// `@binding(0)` a uniform block of parameters, `@binding(1..=k)` read-only storage inputs,
    /// `@binding(k+1)` the read-write output of `output_bytes` bytes — and starts reading the output back.
    /// Checks every buffer against the device limits first.
    pub fn dispatch(
        &mut self,
        spec: &KernelSpec,
        params: &[u8],
        inputs: &[Storage],
        output_bytes: u64,
        invocations: u32,
    ) -> Result<GpuJob, GpuError> {
        let pipeline = self.pipeline(spec)?;
        let limit = self.storage_buffer_limit().unwrap_or(0);
        let Some(gpu) = &mut self.gpu else {
            return Err(GpuError::NoDevice(self.cpu_reason.clone()));
        };
        for (i, input) in inputs.iter().enumerate() {
            check_size(
                &format!("{} input {i}", spec.name),
                input.bytes().len() as u64,
                limit,
            )?;
        }
        check_size(&format!("{} output", spec.name), output_bytes, limit)?;
        let (groups_x, groups_y) =
            workgroup_grid(invocations, gpu.limits.max_compute_workgroups_per_dimension)
                .ok_or_else(|| GpuError::TooLarge {
                    what: format!("{} dispatch of {invocations} invocations", spec.name),
                    bytes: u64::from(invocations),
                    limit: u64::from(gpu.limits.max_compute_workgroups_per_dimension).pow(2)
                        * u64::from(WORKGROUP_SIZE),
                })?;
        if output_bytes == 0 || !output_bytes.is_multiple_of(4) {
            return Err(GpuError::Dispatch(format!(
                "{}: output size {output_bytes} is not a positive multiple of 4 bytes",
                spec.name
            )));
        }

        let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let input_buffers: Vec<wgpu::Buffer> =
            inputs.iter().map(|input| gpu.buffer(input)).collect();
        let device = &gpu.device;
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("params"),
            contents: params,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let output = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("output"),
            size: output_bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: output_bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: uniform.as_entire_binding(),
        }];
        for (i, buffer) in input_buffers.iter().enumerate() {
            entries.push(wgpu::BindGroupEntry {
                binding: i as u32 + 1,
                resource: buffer.as_entire_binding(),
            });
        }
        entries.push(wgpu::BindGroupEntry {
            binding: input_buffers.len() as u32 + 1,
            resource: output.as_entire_binding(),
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(spec.name),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some(spec.name),
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(spec.name),
                timestamp_writes: None,
            });
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(groups_x, groups_y, 1);
        }
        encoder.copy_buffer_to_buffer(&output, 0, &staging, 0, output_bytes);
        gpu.queue.submit([encoder.finish()]);

        let mapped: Arc<Mutex<Option<Result<(), String>>>> = Arc::default();
        let on_mapped = Arc::clone(&mapped);
        staging
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |result| {
                if let Ok(mut slot) = on_mapped.lock() {
                    *slot = Some(result.map_err(|e| e.to_string()));
                }
            });
        Ok(GpuJob {
            kernel: spec.name,
            staging,
            mapped,
            scope: Polled::new(scope.pop()),
            scope_result: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_runtime_names_its_reason_and_refuses_dispatch() {
        let mut rt = ComputeRuntime::cpu("test reason");
        assert_eq!(rt.backend_label(), "CPU fallback: test reason");
        let spec = KernelSpec {
            name: "k",
            wgsl: &[""],
            entry_point: "main",
        };
        assert!(matches!(
            rt.dispatch(&spec, &[0; 16], &[], 4, 1),
            Err(GpuError::NoDevice(_))
        ));
    }
}
