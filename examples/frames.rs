//! The app's own work per frame natively, by view: each link given (`stackelberg`, `playground?…`) is
//! opened in a headless app at 1280 × 800 (CPU twins), played where it has a Play button, and timed over
//! `FRAMES` frames (default 200): the `App::ui` pass, egui's tessellation of its shapes, and the triangles
//! drawn. Where the browser's `frame_ms` (issue 18) is over budget, this says natively, and quickly, whether
//! layout, work or tessellation is the cause; `perf record` on it says which function.
//!
//! The frame that opened the link and, after the timed frames, the frame of each CSV/JSON export click
//! (the files land in the current directory) are timed too: they are where single frames run long.
//!
//! `cargo run --release --example frames -- stackelberg ihvp 'playground?seeds=8&stochastic=true'`

use bilevel_lab::BilevelApp;
use egui::epaint::Primitive;
use egui_kittest::Harness;
use web_time::Instant;

/// p50, p95 and max of `v` (milliseconds).
fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    format!(
        "p50 {:.2}, p95 {:.2}, max {:.2} ms",
        at(0.5),
        at(0.95),
        at(1.0)
    )
}

fn main() {
    let frames: usize = std::env::var("FRAMES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
        .max(1);
    let mut harness: Harness<'static, BilevelApp> = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(|cc| BilevelApp::new(cc));
    for link in std::env::args().skip(1) {
        let began = Instant::now();
        harness.state_mut().open_link(&format!("#{link}"));
        harness.step();
        let opened = began.elapsed().as_secs_f64() * 1e3;
        if let Some(at) = harness.state().status(false).control_center("play") {
            harness.hover_at(at);
            harness.drag_at(at);
            harness.drop_at(at);
            harness.step();
        }
        let (mut ui, mut tessellation, mut triangles) = (Vec::new(), Vec::new(), 0);
        for _ in 0..frames {
            let began = Instant::now();
            harness.step();
            let laid_out = Instant::now();
            let output = harness.output();
            let primitives = harness
                .ctx
                .tessellate(output.shapes.clone(), output.pixels_per_point);
            tessellation.push(laid_out.elapsed().as_secs_f64() * 1e3);
            ui.push((laid_out - began).as_secs_f64() * 1e3);
            triangles = primitives
                .iter()
                .map(|p| match &p.primitive {
                    Primitive::Mesh(mesh) => mesh.indices.len() / 3,
                    Primitive::Callback(_) => 0,
                })
                .sum();
        }
        let mut exports = Vec::new();
        for id in ["export-csv", "export-json"] {
            if let Some(at) = harness.state().status(false).control_center(id) {
                harness.hover_at(at);
                harness.step();
                harness.drag_at(at);
                harness.step();
                harness.drop_at(at);
                let began = Instant::now();
                harness.step();
                exports.push(format!(
                    "{id} {:.1} ms",
                    began.elapsed().as_secs_f64() * 1e3
                ));
            }
        }
        let name = link.split('?').next().unwrap_or(&link);
        println!(
            "{name}: opened in {opened:.1} ms; ui {}; tessellation {}; {triangles} triangles; {}",
            summary(ui),
            summary(tessellation),
            exports.join(", ")
        );
    }
}
