//! Naming the adapter for the status bar.

/// "Vulkan · llvmpipe (LLVM 15.0.6, 256 bits)", "WebGPU · SwiftShader".
pub fn backend_label(info: &wgpu::AdapterInfo) -> String {
    let name = [&info.name, &info.driver, &info.driver_info]
        .into_iter()
        .find(|s| !s.trim().is_empty())
        .map_or("unknown adapter", |s| s.trim());
    format!("{} · {name}", adapter_api(info))
}

/// "WebGPU", "Vulkan", "WebGL2", …
pub(crate) fn adapter_api(info: &wgpu::AdapterInfo) -> &'static str {
    match info.backend {
        wgpu::Backend::BrowserWebGpu => "WebGPU",
        wgpu::Backend::Vulkan => "Vulkan",
        wgpu::Backend::Metal => "Metal",
        wgpu::Backend::Dx12 => "DX12",
        wgpu::Backend::Gl if cfg!(target_arch = "wasm32") => "WebGL2",
        wgpu::Backend::Gl => "OpenGL",
        wgpu::Backend::Noop => "no-op",
    }
}
