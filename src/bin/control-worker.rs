//! The Control view's training worker (issue 40): Trunk builds this binary as a Web Worker beside the app
//! (`index.html`'s `data-type="worker"` link). It trains the learners' seeds the page gives it with the
//! app's numerics (`web::worker`) and knows nothing of egui or wgpu, so its wasm is small. Natively the
//! app trains on threads instead (`scenario::control_lab::threads`).

#[cfg(target_arch = "wasm32")]
fn main() {
    bilevel_lab::web::worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "control-worker runs in the browser, as the Control view's Web Worker; natively the app trains on threads"
    );
    std::process::ExitCode::from(2)
}
