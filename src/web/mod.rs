//! The browser entry: start eframe on the canvas, replace the loading screen, show a readable message if
//! the app fails to start or panics, and publish the status JSON.

use std::cell::{Cell, RefCell};

use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

mod files;
pub mod worker;
pub mod workers;

pub use files::{
    captured_png_bytes, download, fetch_text, pick_text_file, save_png_after_paint,
    saved_png_outcome,
};

const CANVAS_ID: &str = "the_canvas_id";
const STATUS_ID: &str = "bilevel-status";

thread_local! {
    /// The URL's hash may have moved under the app since it last looked (a link typed or followed, Back,
    /// Forward): set at start and by the `hashchange` and `popstate` listeners, so that the app reads
    /// `location.hash` only then, not every frame.
    static HASH_MOVED: Cell<bool> = const { Cell::new(true) };
    /// The app's own hash writes, (hash, push) in order, waiting for the task after the frame.
    static HASH_WRITES: RefCell<Vec<(String, bool)>> = const { RefCell::new(Vec::new()) };
}

/// Starts the app (called from `main` on wasm32).
pub fn start() {
    eframe::WebLogger::init(log::LevelFilter::Info).ok();
    watch_hash();
    wasm_bindgen_futures::spawn_local(async {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            log::error!("no document");
            return;
        };
        let Some(canvas) = document
            .get_element_by_id(CANVAS_ID)
            .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            show_crash(&format!("the page has no canvas with id `{CANVAS_ID}`"));
            return;
        };
        let mut runner = eframe::WebRunner::new();
        let mut started = Err(JsValue::from_str("no renderer tried"));
        if webgpu_adapter().await.is_some() {
            started = start_runner(&runner, canvas.clone(), eframe::Renderer::Wgpu).await;
            if let Err(e) = &started {
                log::warn!("WebGPU did not start ({e:?}); drawing with WebGL2");
            }
        }
        if started.is_err() {
            // A canvas keeps the first kind of context it gave out: WebGL2 needs a fresh one.
            let fresh = fresh_canvas(&canvas);
            single_sampled_webgl2(&fresh);
            runner = eframe::WebRunner::new();
            started = start_runner(&runner, fresh, eframe::Renderer::Glow).await;
        }
        match started {
            Ok(()) => {
                if let Some(loading) = document.get_element_by_id("loading") {
                    loading.remove();
                }
                watch_for_panic(runner);
            }
            Err(e) => show_crash(&format!("the app could not start: {e:?}")),
        }
    });
}

/// Starts eframe on `canvas` drawing with `renderer`: wgpu where the browser has WebGPU (the views' kernels
/// run on its device), glow on WebGL2 otherwise (the CPU twins compute).
async fn start_runner(
    runner: &eframe::WebRunner,
    canvas: web_sys::HtmlCanvasElement,
    renderer: eframe::Renderer,
) -> Result<(), JsValue> {
    let options = eframe::WebOptions {
        renderer,
        ..Default::default()
    };
    runner
        .start(
            canvas,
            options,
            Box::new(|cc| Ok(Box::new(crate::BilevelApp::new(cc)))),
        )
        .await
}

/// Gives `canvas` its WebGL2 context before eframe asks for one (a canvas hands the same context back to
/// every later `getContext("webgl2")`), without the default's multisampling and depth buffer: egui smooths
/// its own edges (as eframe's wgpu path does, with one sample) and draws without depth, while a software
/// renderer (two cores, no GPU: issue 40's benchmark) spends a quarter of each frame resolving samples.
fn single_sampled_webgl2(canvas: &web_sys::HtmlCanvasElement) {
    let options = js_sys::Object::new();
    for key in ["antialias", "depth"] {
        js_sys::Reflect::set(&options, &key.into(), &JsValue::FALSE).ok();
    }
    // Without WebGL2 eframe tries WebGL1 and then says what is missing.
    canvas
        .get_context_with_context_options("webgl2", &options)
        .ok();
}

/// A copy of `canvas` put in its place (same id and attributes, no context yet).
fn fresh_canvas(canvas: &web_sys::HtmlCanvasElement) -> web_sys::HtmlCanvasElement {
    canvas
        .clone_node()
        .ok()
        .and_then(|n| n.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        .filter(|fresh| canvas.replace_with_with_node_1(fresh).is_ok())
        .unwrap_or_else(|| canvas.clone())
}

/// The name of the WebGL2 renderer the canvas draws with (`WEBGL_debug_renderer_info` where the browser
/// gives it), for the status bar when the app is drawn with glow.
pub fn webgl_renderer_name() -> Option<String> {
    use js_sys::Reflect;
    let canvas = web_sys::window()?
        .document()?
        .get_element_by_id(CANVAS_ID)?
        .dyn_into::<web_sys::HtmlCanvasElement>()
        .ok()?;
    // The canvas already holds eframe's WebGL2 context: getContext hands back that one.
    let gl = canvas.get_context("webgl2").ok()??;
    let call = |name: &str, args: &js_sys::Array| {
        Reflect::get(&gl, &name.into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?
            .apply(&gl, args)
            .ok()
    };
    const RENDERER: f64 = 7937.0; // gl.RENDERER
    const UNMASKED_RENDERER: f64 = 37446.0; // WEBGL_debug_renderer_info.UNMASKED_RENDERER_WEBGL
    let has_debug_info = call(
        "getExtension",
        &js_sys::Array::of1(&"WEBGL_debug_renderer_info".into()),
    )
    .is_some_and(|e| !e.is_null());
    let parameter = if has_debug_info {
        UNMASKED_RENDERER
    } else {
        RENDERER
    };
    call("getParameter", &js_sys::Array::of1(&parameter.into()))?
        .as_string()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// Notes the hash moving under the app (see `HASH_MOVED`); eframe itself asks for a frame on
/// `hashchange`.
fn watch_hash() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let moved = Closure::<dyn FnMut()>::new(|| HASH_MOVED.set(true));
    for event in ["hashchange", "popstate"] {
        window
            .add_event_listener_with_callback(event, moved.as_ref().unchecked_ref())
            .ok();
    }
    moved.forget();
}

/// Whether the hash may have moved since the last call.
pub fn hash_moved() -> bool {
    HASH_MOVED.replace(false)
}

/// Writes the hash in a task after this frame: `history.replaceState` with a scenario's long URL takes
/// the main thread milliseconds, which between frames delay no drawing. `push` adds a history entry.
/// Should the URL have moved between the frame and that task (a link pasted or set by a script), the
/// writes are dropped and the app reads the new hash in its next frame: writing the frame's hash then would
/// undo that navigation (the browser test lost a `location.hash = …` that way).
pub fn write_hash_soon(hash: &str, push: bool) {
    let first = HASH_WRITES.with_borrow_mut(|w| {
        w.push((hash.to_owned(), push));
        w.len() == 1
    });
    if !first {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let location_hash = |w: &web_sys::Window| w.location().hash().ok();
    let at_frame = location_hash(&window);
    let flush = Closure::once_into_js(move || {
        let Some(window) = web_sys::window() else {
            return;
        };
        let writes = HASH_WRITES.take();
        if location_hash(&window) != at_frame {
            HASH_MOVED.set(true);
            return;
        }
        let Ok(history) = window.history() else {
            return;
        };
        for (hash, push) in writes {
            let result = if push {
                history.push_state_with_url(&JsValue::NULL, "", Some(&hash))
            } else {
                history.replace_state_with_url(&JsValue::NULL, "", Some(&hash))
            };
            if let Err(e) = result {
                log::warn!("could not update the URL: {e:?}");
            }
        }
    });
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(flush.unchecked_ref(), 0)
        .ok();
}

/// Publishes the status as `window.bilevelStatus` (a JSON string) and in `<pre id="bilevel-status">`.
pub fn publish_status(json: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    js_sys::Reflect::set(&window, &"bilevelStatus".into(), &JsValue::from_str(json)).ok();
    if let Some(el) = window
        .document()
        .and_then(|d| d.get_element_by_id(STATUS_ID))
    {
        el.set_text_content(Some(json));
    }
}

/// Publishes the frame number as `window.bilevelFrame` (see [`crate::platform::publish_frame`]).
pub fn publish_frame(frame: u64) {
    if let Some(window) = web_sys::window() {
        js_sys::Reflect::set(
            &window,
            &"bilevelFrame".into(),
            &JsValue::from_f64(frame as f64),
        )
        .ok();
    }
}

/// The whole work of the app's previous animation frame in milliseconds — its `App::ui`, then egui's
/// tessellation, the upload and the submit — as `web/frame-work.js` timed it; `None` before the first.
pub fn previous_frame_work_ms() -> Option<f64> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &"bilevelFrameWorkMs".into())
        .ok()?
        .as_f64()
}

/// Checks once a second whether eframe caught a panic; if so, shows it in the page and in the status.
fn watch_for_panic(runner: eframe::WebRunner) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let check = Closure::<dyn FnMut()>::new(move || {
        if let Some(summary) = runner.panic_summary() {
            let message = summary.message();
            show_crash(&format!("panic: {message}"));
            mark_status_panicked(&message);
        }
    });
    window
        .set_interval_with_callback_and_timeout_and_arguments_0(
            check.as_ref().unchecked_ref(),
            1000,
        )
        .ok();
    check.forget();
}

fn mark_status_panicked(message: &str) {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(STATUS_ID))
    else {
        return;
    };
    let mut status: serde_json::Value = el
        .text_content()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    if status.get("panicked").is_some() {
        return;
    }
    status["panicked"] = true.into();
    status["last_error"] = format!("panic: {message}").into();
    publish_status(&status.to_string());
}

/// Replaces the canvas area with a readable error message.
fn show_crash(message: &str) {
    log::error!("{message}");
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(loading) = document.get_element_by_id("loading") {
        loading.remove();
    }
    if let Some(text) = document.get_element_by_id("crash_text") {
        text.set_text_content(Some(message));
    }
    let status = document
        .get_element_by_id(STATUS_ID)
        .and_then(|s| s.text_content());
    if let Some(el) = document.get_element_by_id("crash_status") {
        let status = status.filter(|s| !s.is_empty());
        el.set_text_content(Some(
            status
                .as_deref()
                .unwrap_or("(the app had not published a status yet)"),
        ));
    }
    if let Some(crash) = document.get_element_by_id("crash") {
        crash.remove_attribute("hidden").ok();
    }
}

/// Asks `navigator.gpu` for an adapter and reads its `info` (description, else vendor and architecture).
pub async fn webgpu_adapter_name() -> Option<String> {
    use js_sys::Reflect;
    let adapter = webgpu_adapter().await?;
    let info = Reflect::get(&adapter, &"info".into())
        .ok()
        .filter(|i| !i.is_undefined())?;
    let field = |key: &str| {
        Reflect::get(&info, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    field("description").or_else(|| {
        let parts: Vec<String> = ["vendor", "architecture", "device"]
            .into_iter()
            .filter_map(field)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    })
}

/// `navigator.gpu.requestAdapter()`: `None` where the browser has no WebGPU or no adapter for it.
async fn webgpu_adapter() -> Option<JsValue> {
    use js_sys::Reflect;
    let navigator = web_sys::window()?.navigator();
    let gpu = Reflect::get(&navigator, &"gpu".into())
        .ok()
        .filter(|g| !g.is_undefined())?;
    let request = Reflect::get(&gpu, &"requestAdapter".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let promise = request
        .call0(&gpu)
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .filter(|a| !a.is_null() && !a.is_undefined())
}

/// Whether the document is in full screen.
pub fn fullscreen() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.fullscreen_element())
        .is_some()
}

/// Enters (the whole page) or leaves the browser's full screen.
pub fn set_fullscreen(on: bool) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    if on == document.fullscreen_element().is_some() {
        return Ok(());
    }
    if on {
        let root = document.document_element().ok_or("no document element")?;
        root.request_fullscreen()
            .map_err(|e| format!("the browser refused full screen ({e:?})"))
    } else {
        document.exit_fullscreen();
        Ok(())
    }
}
