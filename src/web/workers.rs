//! The page's end of its training workers (issue 40): Web Workers running the `control-worker` binary
//! (Trunk builds it beside the app; its wasm loads when training starts, never with the page). Each
//! worker's messages land in one inbox and ask egui for a frame.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

use super::worker::READY;
use crate::scenario::control_lab::jobs::Pool;

/// The worker's loader, next to index.html (Trunk's `data-loader-shim`).
const SCRIPT: &str = "./control-worker_loader.js";

/// What the workers' handlers share with the page: the inbox, and each worker's commands held until it
/// says it listens (a message posted before its wasm runs would be lost).
#[derive(Default)]
struct Shared {
    inbox: Vec<Result<Vec<f64>, String>>,
    held: Vec<Option<Vec<String>>>,
}

/// Running workers and the handlers that fill the inbox (dropped with the workers).
pub struct WebWorkers {
    workers: Vec<web_sys::Worker>,
    shared: Rc<RefCell<Shared>>,
    _handlers: Vec<Closure<dyn Fn(web_sys::Event)>>,
}

/// Whether this browser can start Web Workers.
pub fn available() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("Worker")).unwrap_or(false)
}

/// The browser's logical cores (`navigator.hardwareConcurrency`; 1 when it does not say).
pub fn cores() -> usize {
    web_sys::window()
        .map_or(1, |w| w.navigator().hardware_concurrency() as usize)
        .max(1)
}

/// A message's data as what a worker sends: an update's numbers, [`READY`] (none), or a failure.
fn read(e: web_sys::Event) -> Option<Result<Vec<f64>, String>> {
    let data = match e.dyn_into::<web_sys::MessageEvent>() {
        Ok(m) => m.data(),
        Err(_event) => {
            return Some(Err(
                "a training worker's message is not a message".to_owned()
            ));
        }
    };
    match data.dyn_into::<js_sys::Float64Array>() {
        Ok(numbers) => Some(Ok(numbers.to_vec())),
        Err(other) => match other.as_string() {
            Some(text) if text == READY => None,
            Some(text) => Some(Err(text)),
            None => Some(Err("a training worker sent something unknown".to_owned())),
        },
    }
}

impl WebWorkers {
    /// Starts `n` workers; `wake` is called on every message. An error says why the browser refused.
    pub fn spawn(n: usize, wake: Rc<dyn Fn()>) -> Result<Self, String> {
        let shared = Rc::new(RefCell::new(Shared::default()));
        let mut workers = Vec::new();
        let mut handlers = Vec::new();
        for w in 0..n.max(1) {
            let worker = web_sys::Worker::new(SCRIPT).map_err(|e| format!("{e:?}"))?;
            shared.borrow_mut().held.push(Some(Vec::new()));
            let (into, woken, me) = (Rc::clone(&shared), Rc::clone(&wake), worker.clone());
            let on_message = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
                if let Some(message) = read(e) {
                    into.borrow_mut().inbox.push(message);
                } else {
                    let held = into.borrow_mut().held[w].take().unwrap_or_default();
                    for command in held {
                        if let Err(e) = me.post_message(&JsValue::from_str(&command)) {
                            into.borrow_mut().inbox.push(Err(format!("{e:?}")));
                        }
                    }
                }
                woken();
            });
            let (into, woken) = (Rc::clone(&shared), Rc::clone(&wake));
            let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
                let why = e
                    .dyn_ref::<web_sys::ErrorEvent>()
                    .map(web_sys::ErrorEvent::message)
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| format!("{SCRIPT} did not load"));
                into.borrow_mut()
                    .inbox
                    .push(Err(format!("a training worker stopped: {why}")));
                woken();
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            handlers.extend([on_message, on_error]);
            workers.push(worker);
        }
        Ok(Self {
            workers,
            shared,
            _handlers: handlers,
        })
    }
}

impl Drop for WebWorkers {
    fn drop(&mut self) {
        for w in &self.workers {
            // An event already queued must not reach a handler dropped with this.
            w.set_onmessage(None);
            w.set_onerror(None);
            w.terminate();
        }
    }
}

impl Pool for WebWorkers {
    fn workers(&self) -> usize {
        self.workers.len()
    }

    fn send(&mut self, w: usize, command: &str) {
        let mut shared = self.shared.borrow_mut();
        if let Some(Some(held)) = shared.held.get_mut(w) {
            held.push(command.to_owned());
        } else if let Some(worker) = self.workers.get(w)
            && let Err(e) = worker.post_message(&JsValue::from_str(command))
        {
            shared.inbox.push(Err(format!("{e:?}")));
        }
    }

    fn receive(&mut self) -> Vec<Result<Vec<f64>, String>> {
        std::mem::take(&mut self.shared.borrow_mut().inbox)
    }

    fn name(&self) -> String {
        match self.workers.len() {
            1 => "1 Web Worker".to_owned(),
            n => format!("{n} Web Workers"),
        }
    }
}
