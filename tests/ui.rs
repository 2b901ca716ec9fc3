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

/// The Stackelberg view opened from a link (BLPO Fig. 1 preset at step 20 000, all four convergence maps
/// on): the panels tell the paper's story, the maps come from the GPU, the Step button steps.
#[test]
fn stackelberg_view_from_a_link_shows_the_papers_story() {
    let mut harness = Harness::builder()
        .with_size([1500.0, 1000.0])
        .with_theme(egui::Theme::Light)
        .wgpu()
        .build_eframe(|cc| BilevelApp::new(cc));
    harness.state_mut().open_link(
        "#stackelberg?step=20000&map_size=64&map_steps=1000&panels.0.map=true&panels.1.map=true\
         &panels.2.map=true&panels.3.map=true",
    );
    let view = |h: &Harness<'static, BilevelApp>| h.state().status(false).view;
    let mut maps_done = false;
    for _ in 0..600 {
        harness.step();
        let v = view(&harness);
        maps_done = v["panels"]
            .as_array()
            .is_some_and(|p| p.iter().all(|p| p["map"]["ran_on"] == "gpu"));
        if v["step"] == 20_000 && maps_done {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let v = view(&harness);
    assert_eq!(v["step"], 20_000, "{v}");
    assert!(maps_done, "all four maps from the GPU: {v}");
    let panels = v["panels"].as_array().cloned().unwrap_or_default();
    let crossings = |i: usize| panels[i]["theta_sign_changes"].as_u64().unwrap_or(0);
    let distance = |i: usize| panels[i]["distance"].as_f64().unwrap_or(f64::NAN);
    assert!(crossings(0) >= 4, "simultaneous play cycles: {v}");
    assert_eq!(crossings(3), 0, "Stackelberg (λ = 0) does not: {v}");
    assert!(distance(2) < distance(3), "the ridge helps: {v}");
    harness.step(); // the toolbar draws the step count before stepping: one more frame shows 20 000
    harness.snapshot("stackelberg");
    harness.get_by_label("Step").click();
    for _ in 0..3 {
        harness.step();
    }
    assert_eq!(view(&harness)["step"], 20_001);
    assert_eq!(harness.state().status(false).last_error, None);
}

/// Dragging the ring of a portrait moves the start point; a click elsewhere adds one.
#[test]
fn dragging_the_start_point_moves_it() {
    let mut harness = Harness::builder()
        .with_size([1500.0, 1000.0])
        .wgpu()
        .build_eframe(|cc| BilevelApp::new(cc));
    harness.state_mut().open_link("#stackelberg");
    harness.run_steps(3);
    let rect = |h: &Harness<'static, BilevelApp>, id: &str| {
        let s = h.state().status(false);
        let r = s
            .controls
            .iter()
            .find(|c| c.id == id)
            .cloned()
            .expect("published");
        egui::pos2(r.x + r.w / 2.0, r.y + r.h / 2.0)
    };
    let from = rect(&harness, "start-3");
    let pointer = |h: &mut Harness<'static, BilevelApp>, pos: egui::Pos2, pressed: Option<bool>| {
        h.event(egui::Event::PointerMoved(pos));
        if let Some(pressed) = pressed {
            h.event(egui::Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            });
        }
        h.step();
    };
    pointer(&mut harness, from, Some(true));
    for k in 1..=8 {
        let pos = from + egui::vec2(5.0 * k as f32, 6.0 * k as f32);
        pointer(&mut harness, pos, None);
    }
    pointer(&mut harness, from + egui::vec2(40.0, 48.0), Some(false));
    harness.run_steps(2);
    let start = harness.state().status(false).view["start"].clone();
    let theta = start[0].as_f64().unwrap_or(-1.0);
    let w = start[1].as_f64().unwrap_or(1.0);
    assert!(theta > -0.9 && w < 0.9, "start moved: {start}");
    let panel = rect(&harness, "panel-0");
    pointer(&mut harness, panel, Some(true));
    pointer(&mut harness, panel, Some(false));
    harness.run_steps(2);
    assert_eq!(harness.state().status(false).view["starts"], 2);
}

/// The IHVP lab from a link: a batch of 30 small-network Hessians fills in over frames, then the same batch
/// runs through the four f32 GPU kernels; every method gets its statistics, and the picture is the snapshot.
#[test]
fn ihvp_lab_fills_its_histograms_over_frames() {
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_theme(egui::Theme::Light)
        .wgpu()
        .build_eframe(|cc| BilevelApp::new(cc));
    harness.state_mut().open_link("#ihvp?size=30&alpha=1");
    let mut frames = 0;
    while harness.state().status(false).view["f32_done"] != 4 && frames < 2000 {
        harness.step();
        frames += 1;
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let status = harness.state().status(false);
    assert_eq!(status.view["done"], 30, "{}", status.view);
    assert_eq!(
        status.view["f32_done"], 4,
        "all four f32 batches back: {}",
        status.view
    );
    assert!(frames > 1, "the batch is spread over frames");
    assert_eq!(status.last_error, None);
    harness.step();
    harness.snapshot("ihvp");
}
