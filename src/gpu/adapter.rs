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

/// Whether an adapter's name (`backend_label`, or a WebGL2 renderer's "WebGL2 · ANGLE (…)") is a renderer
/// that draws on the CPU: Chrome's SwiftShader, Mesa's llvmpipe/lavapipe/softpipe, Windows' WARP ("Microsoft
/// Basic Render Driver"). There every frame drawn takes CPU time from the page's other work.
pub fn drawn_in_software(name: &str) -> bool {
    let name = name.to_lowercase();
    [
        "swiftshader",
        "llvmpipe",
        "lavapipe",
        "softpipe",
        "basic render driver",
        "software",
    ]
    .iter()
    .any(|s| name.contains(s))
}

#[cfg(test)]
mod tests {
    use super::drawn_in_software;

    #[test]
    fn software_renderers_are_told_from_gpus() {
        for name in [
            "WebGL2 · ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)",
            "Vulkan · llvmpipe (LLVM 15.0.6, 256 bits)",
            "WebGL2 · ANGLE (Mesa, llvmpipe (LLVM 19.1.7 256 bits), OpenGL 4.5)",
            "DX12 · Microsoft Basic Render Driver",
        ] {
            assert!(drawn_in_software(name), "{name}");
        }
        for name in [
            "WebGPU · nvidia",
            "WebGL2 · ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)",
            "Metal · Apple M2",
            "Vulkan · NVIDIA H100 80GB HBM3",
        ] {
            assert!(!drawn_in_software(name), "{name}");
        }
    }
}
