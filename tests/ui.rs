//! The app through egui_kittest, rendered with wgpu on lavapipe: the app gets the harness's device, so
//! its GPU self-check runs inside the UI test. Snapshots live in tests/snapshots (first run:
//! UPDATE_SNAPSHOTS=1).

use bilevel_lab::BilevelApp;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

fn harness() -> Harness<'static, BilevelApp> {
    let mut harness = Harness::builder()
        .with_size([1100.0, 640.0])
        .with_theme(egui::Theme::Dark)
        .wgpu()
        .build_eframe(|cc| BilevelApp::new(cc));
    for _ in 0..200 {
        harness.step();
        if harness.state().status(true).self_check.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    harness.run();
    harness
}

#[test]
fn starts_on_the_gpu_and_passes_the_self_check() {
    let harness = harness();
    let status = harness.state().status(true);
    assert!(status.gpu, "{}", status.compute_backend);
    assert!(
        status.compute_backend.starts_with("Vulkan"),
        "{}",
        status.compute_backend
    );
    let check = status.self_check.expect("self-check finished");
    assert_eq!(check.ran_on, "gpu");
    assert!(check.passed && check.max_error < 1e-5, "{check:?}");
    assert_eq!(status.last_error, None);
}

#[test]
fn tabs_switch_views_and_snapshots_match() {
    let mut harness = harness();
    assert_eq!(harness.state().active_view(), "welcome");
    harness.snapshot("welcome");
    harness.get_by_label("Compute").click();
    harness.run();
    assert_eq!(harness.state().active_view(), "compute");
    harness.snapshot("compute");
    harness.get_by_label("Welcome").click();
    harness.run();
    assert_eq!(harness.state().active_view(), "welcome");
}

#[test]
fn about_panel_names_the_sources_and_version() {
    let mut harness = harness();
    harness.get_by_label("About").click();
    harness.run();
    harness.get_by_label_contains("Bilevel Policy Optimization with Nyström Hypergradients");
    harness.get_by_label(&format!("bilevel-lab {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn projector_mode_zooms_the_ui() {
    let mut harness = harness();
    harness.get_by_label("Projector").click();
    harness.run();
    assert!(harness.state().status(true).projector);
    assert_eq!(harness.ctx.zoom_factor(), 1.5);
}
