//! Files in the browser: downloads (handed to the page in a task after the frame), PNGs the page copies
//! from the canvas right after it is painted, and the file picker for a text file.

use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

/// Starts a browser download of `bytes` (a Blob URL on a temporary `<a download>`). The bytes are copied
/// to the page now; the Blob, its URL and the click happen in a task of their own after this frame (a
/// file of a few MB took the browser 10–30 ms, which had been part of the export click's frame).
pub fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let window = web_sys::window().ok_or_else(|| format!("download {name}: no window"))?;
    let document = window
        .document()
        .ok_or_else(|| format!("download {name}: no document"))?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let (name, mime) = (name.to_owned(), mime.to_owned());
    let hand_over = Closure::once_into_js(move || {
        if let Err(e) = hand_over_download(&document, &name, &mime, &parts) {
            log::error!("{e}");
        }
    });
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(hand_over.unchecked_ref(), 0)
        .map_err(|e| format!("download: setTimeout failed ({e:?})"))?;
    Ok(())
}

fn hand_over_download(
    document: &web_sys::Document,
    name: &str,
    mime: &str,
    parts: &js_sys::Array,
) -> Result<(), String> {
    let fail = |what: &str, e: JsValue| format!("download {name}: {what} failed ({e:?})");
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options)
        .map_err(|e| fail("Blob", e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| fail("URL", e))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| fail("<a>", e))?
        .dyn_into()
        .map_err(|e| format!("download {name}: <a> is not an anchor ({e:?})"))?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // The download reads the Blob asynchronously: release its URL a while later, not now.
    let release = Closure::once_into_js(move || {
        web_sys::Url::revoke_object_url(&url).ok();
    });
    if let Some(window) = web_sys::window() {
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(release.unchecked_ref(), 30_000)
            .map_err(|e| fail("setTimeout", e))?;
    }
    Ok(())
}

/// Hands `web/frame-work.js` the canvas region `[x, y, width, height]` (device pixels) to save as the PNG
/// `name` right after this frame is painted (`window.bilevelPngRequest`), or with `keep` to encode for the
/// app ([`captured_png_bytes`]); the last outcome is cleared.
pub fn save_png_after_paint(name: &str, [x, y, w, h]: [u32; 4], keep: bool) -> Result<(), String> {
    let window = web_sys::window().ok_or_else(|| format!("{name}: no window"))?;
    let request = js_sys::Object::new();
    let set =
        |key: &str, value: JsValue| js_sys::Reflect::set(&request, &key.into(), &value).is_ok();
    let built = set("name", name.into())
        && set("keep", keep.into())
        && [("x", x), ("y", y), ("w", w), ("h", h)]
            .into_iter()
            .all(|(k, v)| set(k, JsValue::from_f64(f64::from(v))));
    let handed = built
        && js_sys::Reflect::delete_property(&window, &"bilevelPngOutcome".into()).is_ok()
        && js_sys::Reflect::delete_property(&window, &"bilevelPngBytes".into()).is_ok()
        && js_sys::Reflect::set(&window, &"bilevelPngRequest".into(), &request).is_ok();
    if handed {
        Ok(())
    } else {
        Err(format!("{name}: could not hand the region to the page"))
    }
}

/// The outcome of the last [`save_png_after_paint`] once the page has it (`window.bilevelPngOutcome`:
/// `{ok}` or `{error}`), `None` while it is saving.
pub fn saved_png_outcome() -> Option<Result<String, String>> {
    let window = web_sys::window()?;
    let outcome = js_sys::Reflect::get(&window, &"bilevelPngOutcome".into()).ok()?;
    let field = |key: &str| {
        js_sys::Reflect::get(&outcome, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    if outcome.is_undefined() || outcome.is_null() {
        return None;
    }
    Some(match (field("ok"), field("error")) {
        (Some(ok), _) => Ok(ok),
        (None, Some(error)) => Err(error),
        (None, None) => Err("the page saved no PNG and gave no reason".to_owned()),
    })
}

/// The PNG the page encoded for a `keep` request (`window.bilevelPngBytes`), taken (the page forgets it).
pub fn captured_png_bytes() -> Option<Vec<u8>> {
    let window = web_sys::window()?;
    let bytes = js_sys::Reflect::get(&window, &"bilevelPngBytes".into()).ok()?;
    let bytes = bytes.dyn_into::<js_sys::Uint8Array>().ok()?;
    js_sys::Reflect::delete_property(&window, &"bilevelPngBytes".into()).ok()?;
    Some(bytes.to_vec())
}

/// Opens the browser's file picker for one text file; `deliver` gets `(name, text)` once it is read.
pub fn pick_text_file(
    deliver: impl FnOnce(Result<(String, String), String>) + 'static,
) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("open a file: no document")?;
    let input: web_sys::HtmlInputElement = document
        .create_element("input")
        .map_err(|e| format!("open a file: {e:?}"))?
        .dyn_into()
        .map_err(|e| format!("open a file: <input> is not an input ({e:?})"))?;
    input.set_type("file");
    input.set_accept(".lesson,.txt,text/plain");
    input.set_hidden(true);
    let picked = input.clone();
    let on_change = Closure::once_into_js(move || {
        picked.remove();
        let Some(file) = picked.files().and_then(|f| f.get(0)) else {
            return;
        };
        let name = file.name();
        wasm_bindgen_futures::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            deliver(match text {
                Ok(t) => Ok((name, t.as_string().unwrap_or_default())),
                Err(e) => Err(format!("{name}: could not be read ({e:?})")),
            });
        });
    });
    input.set_onchange(Some(on_change.unchecked_ref()));
    if let Some(body) = document.body() {
        body.append_child(&input)
            .map_err(|e| format!("open a file: {e:?}"))?;
    }
    input.click();
    Ok(())
}

/// Fetches a text file from the page's own origin (`url` relative to the page); `deliver` gets its text,
/// or why not (the HTTP status included).
pub fn fetch_text(url: &str, deliver: impl FnOnce(Result<String, String>) + 'static) {
    let url = url.to_owned();
    wasm_bindgen_futures::spawn_local(async move {
        deliver(fetch(&url).await);
    });
}

async fn fetch(url: &str) -> Result<String, String> {
    use wasm_bindgen_futures::JsFuture;
    let window = web_sys::window().ok_or_else(|| format!("{url}: no window"))?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("{url}: could not be fetched ({e:?})"))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|e| format!("{url}: the answer is not an HTTP response ({e:?})"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let text = response
        .text()
        .map_err(|e| format!("{url}: no text ({e:?})"))?;
    JsFuture::from(text)
        .await
        .map_err(|e| format!("{url}: could not be read ({e:?})"))?
        .as_string()
        .ok_or_else(|| format!("{url}: not text"))
}
