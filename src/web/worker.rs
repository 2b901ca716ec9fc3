//! A training worker's side (issue 40), run by the `control-worker` binary inside a Web Worker: commands
//! arrive as text (`scenario::control_lab::jobs::Command`), each finished update leaves as a
//! `Float64Array` (transferred, not copied), a failure as a string; [`READY`] once it listens.

use std::cell::RefCell;

use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

use crate::numerics::control::wire::Update;
use crate::scenario::control_lab::jobs::{Trainer, serve};

/// Seconds by the worker's own clock.
fn seconds() -> f64 {
    js_sys::global()
        .dyn_into::<web_sys::WorkerGlobalScope>()
        .ok()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now() / 1000.0)
}

/// Listens for the page's commands (called from the worker binary's `main`).
pub fn run() {
    let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() else {
        log::error!("control-worker: not inside a dedicated Web Worker");
        return;
    };
    let trainer: RefCell<Option<Trainer>> = RefCell::new(None);
    let out = scope.clone();
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(text) = e.data().as_string() else {
                // Posting fails only once the page has gone.
                out.post_message(&JsValue::from_str(
                    "a training worker got a command that is not text",
                ))
                .ok();
                return;
            };
            let mut post = |u: Update| {
                let numbers = js_sys::Float64Array::from(u.encode().as_slice());
                let transfer = js_sys::Array::of1(&numbers.buffer());
                out.post_message_with_transfer(&numbers, &transfer).is_ok()
            };
            if let Err(why) = serve(&mut trainer.borrow_mut(), &text, seconds, &mut post) {
                out.post_message(&JsValue::from_str(&why)).ok();
            }
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages that came before the wasm was running were dropped: the page holds its commands until this.
    scope.post_message(&JsValue::from_str(READY)).ok();
}

/// What a worker posts once it listens.
pub const READY: &str = "ready";
