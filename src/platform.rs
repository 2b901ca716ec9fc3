//! The few things that differ between the browser and a native window: the URL hash and publishing
//! the status. Native builds have no URL, so these are no-ops there.

/// The current URL hash, percent-decoded (web), or `None` (native).
pub fn read_hash() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        let hash = web_sys::window()?.location().hash().ok()?;
        let decoded = js_sys::decode_uri_component(&hash).ok()?;
        decoded.as_string()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// The URL hash when it may have moved under the app since the last call (web: a link followed, Back,
/// Forward — the page's events say so); `None` otherwise and natively.
pub fn moved_hash() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::hash_moved().then(read_hash).flatten()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// The wasm instance's linear memory in bytes (web); `None` natively.
pub fn memory_bytes() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    {
        Some(core::arch::wasm32::memory_size(0) as u64 * 65_536)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// Writes the URL hash without reloading, in a task right after the frame: `push` adds a history entry
/// (tab changes, so Back works), otherwise the current entry is replaced (scenario edits).
pub fn write_hash(hash: &str, push: bool) {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::write_hash_soon(hash, push);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _: (&str, bool) = (hash, push);
    }
}

/// A text asset shipped beside the page (`assets/records/…`), by its path under `assets/`: fetched from
/// the page's own origin (web; Trunk copies the folder to the site's root), read from the repository's
/// `assets/` natively. `deliver` gets its text or why not — on the web in a later task.
pub fn fetch_asset(path: &str, deliver: impl FnOnce(Result<String, String>) + 'static) {
    #[cfg(target_arch = "wasm32")]
    crate::web::fetch_text(path, deliver);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(path);
        deliver(std::fs::read_to_string(&file).map_err(|e| format!("{path}: {e}")));
    }
}

/// Publishes the status JSON in the page (web); logged at debug level natively.
pub fn publish_status(json: &str) {
    #[cfg(target_arch = "wasm32")]
    crate::web::publish_status(json);
    #[cfg(not(target_arch = "wasm32"))]
    log::debug!("status: {json}");
}

/// Publishes the number of the frame being drawn as `window.bilevelFrame` (web; nothing natively). The
/// status JSON is re-published only when it changes; read together with it, the frame number tells a
/// browser test that the status it holds was still current at that frame, so it can wait for a layout to
/// hold still over frames before it clicks.
pub fn publish_frame(frame: u64) {
    #[cfg(target_arch = "wasm32")]
    crate::web::publish_frame(frame);
    #[cfg(not(target_arch = "wasm32"))]
    let _: u64 = frame;
}

/// The whole work of the previous frame (ms) where the platform can see past `App::ui`: in the browser,
/// the animation-frame callback that ran it, tessellation and painting included (`web/frame-work.js`).
/// `None` natively and before the first frame.
pub fn previous_frame_work_ms() -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::previous_frame_work_ms()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// The WebGL2 renderer the page draws with where the browser has no WebGPU (the app is then drawn with
/// glow); `None` natively.
pub fn webgl_renderer_name() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::webgl_renderer_name()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// The browser's own name for its WebGPU adapter (`GPUAdapter.info`), which wgpu's WebGPU backend leaves
/// empty. Resolves to `None` natively or when the browser says nothing.
pub fn webgpu_adapter_name() -> crate::gpu::pending::Polled<Option<String>> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::gpu::pending::Polled::new(crate::web::webgpu_adapter_name())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::gpu::pending::Polled::new(async { None })
    }
}

/// Whether the page saves a view's PNG itself (the browser: `web/frame-work.js` takes the region from the
/// canvas right after the frame is painted and crops, encodes and downloads it outside the app's frames);
/// natively the app encodes egui's screenshot (`widgets::export::RegionPng`).
pub const PAGE_SAVES_PNG: bool = cfg!(target_arch = "wasm32");

/// Asks the page to take the canvas region `[x, y, width, height]` (device pixels) once this frame is
/// painted (browser only, see [`PAGE_SAVES_PNG`]) and to save it as the PNG `name` — [`saved_png_outcome`]
/// says how it went — or, with `keep`, to encode it for the app: [`captured_png`] delivers it.
pub fn png_after_paint(name: &str, region: [u32; 4], keep: bool) -> Result<(), String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::save_png_after_paint(name, region, keep)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _: ([u32; 4], bool) = (region, keep);
        Err(format!(
            "{name}: only the browser's page takes a canvas region"
        ))
    }
}

/// The PNG of the last [`png_after_paint`] with `keep` once the page has it, or why there is none; `None`
/// while it is being encoded.
pub fn captured_png() -> Option<Result<Vec<u8>, String>> {
    #[cfg(target_arch = "wasm32")]
    {
        Some(match crate::web::saved_png_outcome()? {
            Ok(_) => crate::web::captured_png_bytes()
                .ok_or_else(|| "the page captured no PNG bytes".to_owned()),
            Err(e) => Err(e),
        })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// What became of the last [`png_after_paint`], once the page knows (where the file went, or why it
/// could not be saved); `None` while it is still saving.
pub fn saved_png_outcome() -> Option<Result<String, String>> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::saved_png_outcome()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// Hands a file to the user: a browser download (web), or a file in the current directory (native).
/// Returns where it went, for the status line.
pub fn save_file(name: &str, mime: &str, bytes: &[u8]) -> Result<String, String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::download(name, mime, bytes)?;
        Ok(format!("downloaded {name}"))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _: &str = mime;
        let path = std::env::current_dir()
            .map_err(|e| format!("no current directory: {e}"))?
            .join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| format!("could not write {}: {e}", path.display()))?;
        Ok(format!("saved {}", path.display()))
    }
}

/// Whether the app is in full screen: the browser's (web), the window's (native).
pub fn fullscreen(ctx: &egui::Context) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let _: &egui::Context = ctx;
        crate::web::fullscreen()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ctx.input(|i| i.viewport().fullscreen.unwrap_or(false))
    }
}

/// Enters or leaves full screen. The browser allows it only shortly after a key press or a click, which
/// is when the app asks.
pub fn set_fullscreen(ctx: &egui::Context, on: bool) {
    #[cfg(target_arch = "wasm32")]
    {
        let _: &egui::Context = ctx;
        if let Err(e) = crate::web::set_fullscreen(on) {
            log::warn!("full screen: {e}");
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(on));
}

/// The page's address without its `#…` (web), or an empty string (native): links in exported files start
/// from it.
pub fn page_url() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.location().href().ok())
            .map(|href| href.split('#').next().unwrap_or_default().to_owned())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

/// Where a picked file arrives between frames: its name and text, or why it could not be read.
pub type FileSlot = std::sync::Arc<std::sync::Mutex<Option<Result<(String, String), String>>>>;

/// Asks the browser for a text file (its file picker); it lands in `slot` (name and text, or why it could
/// not be read) and a frame is requested to take it.
#[cfg(target_arch = "wasm32")]
pub fn pick_text_file(slot: &FileSlot, ctx: &egui::Context) -> Result<(), String> {
    let slot = std::sync::Arc::clone(slot);
    let ctx = ctx.clone();
    crate::web::pick_text_file(move |file| {
        if let Ok(mut s) = slot.lock() {
            *s = Some(file);
        }
        ctx.request_repaint();
    })
}

/// 64 random bits for an id (the live classroom's voter id): the browser's `Math.random`, natively the
/// clock and the process id hashed. Not for secrets.
pub fn random_u64() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        let half = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
        (half() << 32) | half()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::hash::{BuildHasher as _, Hasher as _};
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.finish()
    }
}
