//! The app through egui_kittest, rendered with wgpu on lavapipe: the app gets the harness's device, so
//! its GPU self-check runs inside the UI test. Snapshots live in tests/snapshots (first run:
//! UPDATE_SNAPSHOTS=1).

use bilevel_lab::BilevelApp;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// A light-theme app of `size` (points) on the wgpu renderer, for snapshots of a view.
fn light(size: [f32; 2]) -> Harness<'static, BilevelApp> {
    Harness::builder()
        .with_size(size)
        .with_theme(egui::Theme::Light)
        .wgpu()
        .build_eframe(|cc| BilevelApp::new(cc))
}

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
    // Diagnostics has no tab: About → Diagnostics opens it.
    assert!(harness.query_by_label("Diagnostics").is_none());
    harness.get_by_label("About").click();
    harness.run();
    harness.get_by_label("Diagnostics").click();
    harness.run();
    assert_eq!(harness.state().active_view(), "compute");
    harness.snapshot("compute");
    harness.get_by_label("Start").click();
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
    // The top bar wraps at this zoom; its second row still answers clicks.
    harness.get_by_label("Dark").click();
    harness.run();
    assert!(
        harness.state().status(true).dark,
        "Dark clicked in projector mode"
    );
}

/// The Stackelberg view opened from a link (BLPO Fig. 1 preset at step 20 000, all four convergence maps
/// on): the panels tell the paper's story, the maps come from the GPU, the Step button steps.
#[test]
fn stackelberg_view_from_a_link_shows_the_papers_story() {
    let mut harness = light([1500.0, 1000.0]);
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
    let mut harness = light([1400.0, 900.0]);
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
    // A settings change restarts the batch; the complete one stays up until the new one is done.
    harness.state_mut().open_link("#ihvp?size=30&alpha=2");
    harness.step();
    let view = harness.state().status(false).view;
    assert_eq!(view["showing_previous"], true, "{view}");
    step_until(&mut harness, "done", &30.into());
    harness.step();
    assert_eq!(
        harness.state().status(false).view["showing_previous"],
        false
    );
}

/// BLPO Figure 2 under the code's settings (damped core, fixed columns, CG with and without the guard):
/// no heavy Nyström tail, both CGs at machine precision — the numbers docs/views.md and the lesson state.
#[test]
fn ihvp_lab_figure_2_under_blpos_settings() {
    let mut harness = light([1400.0, 900.0]);
    harness.state_mut().open_link(
        "#ihvp?size=100&alpha=50&neumann_step=0.01&variant=damped&columns=fixed&cg_unguarded=true",
    );
    step_until(&mut harness, "done", &100.into());
    step_until(&mut harness, "f32_done", &5.into());
    let view = harness.state().status(false).view;
    let max = |m: &str| view["max_error"][m].as_f64().unwrap_or(f64::NAN);
    assert!(max("nystrom") < 0.04, "{view}");
    assert!(max("cg") < 1e-14 && max("cg_unguarded") < 1e-14, "{view}");
    harness.step();
    harness.snapshot("ihvp-figure-2");
}

/// Steps until the view reports `key` = `want` (failing after 20 000 frames); returns the frames taken.
fn step_until(harness: &mut Harness<'_, BilevelApp>, key: &str, want: &serde_json::Value) -> usize {
    let mut frames = 0;
    while &harness.state().status(false).view[key] != want {
        assert!(
            frames < 20_000,
            "`{key}` was {} after {frames} frames, not {want}",
            harness.state().status(false).view[key]
        );
        harness.step();
        frames += 1;
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    frames
}

/// The "Nyström wins" regime (5 outliers over a bulk at 1e-6, α = 0.01): the regime map, swept over
/// frames, has cells where Nyström's median beats CG's at equal HVPs, and cells where CG wins.
#[test]
fn ihvp_lab_regime_map_shows_where_each_method_wins() {
    let mut harness = light([1400.0, 900.0]);
    harness.state_mut().open_link(
        "#ihvp?family=spectrum&dim=64&outliers=5&condition=1000000&alpha=0.01&rank=5&cg_iters=5\
         &size=12&section=regimes",
    );
    step_until(&mut harness, "done", &12.into());
    harness.step();
    let all = harness.state().status(false).view["sweep_all"].clone();
    assert_eq!(all, 13 * 12, "13 ridges × 12 Hessians");
    let frames = step_until(&mut harness, "sweep_done", &all);
    assert!(frames > 1, "the sweep is spread over frames");
    let status = harness.state().status(false);
    let wins = status.view["nystrom_wins"].as_u64().unwrap_or(0);
    // 13 α × 7 budgets (≤ p = 64) = 91 cells.
    assert!(wins > 0 && wins < 91, "Nyström wins {wins} of 91 cells");
    assert_eq!(status.last_error, None);
    harness.step();
    harness.snapshot("ihvp-regimes");
}

/// Error vs cost, the spectrum and the Nyström close-up on a small batch of network Hessians.
#[test]
fn ihvp_lab_cost_spectrum_and_closeup_sections_render() {
    let mut harness = light([1400.0, 900.0]);
    harness
        .state_mut()
        .open_link("#ihvp?size=12&alpha=0.1&section=cost");
    step_until(&mut harness, "done", &12.into());
    harness.step();
    let all = harness.state().status(false).view["sweep_all"].clone();
    assert_eq!(all, 12, "one α × 12 Hessians");
    step_until(&mut harness, "sweep_done", &all);
    harness.step();
    harness.snapshot("ihvp-cost");
    harness
        .state_mut()
        .open_link("#ihvp?size=12&alpha=0.1&section=spectrum&instance=2");
    for _ in 0..3 {
        harness.step();
    }
    harness.snapshot("ihvp-spectrum");
    harness
        .state_mut()
        .open_link("#ihvp?size=12&alpha=0.1&section=closeup&instance=2");
    harness.step();
    step_until(&mut harness, "sweep_done", &128.into());
    harness.step();
    assert_eq!(harness.state().status(false).last_error, None);
    harness.snapshot("ihvp-closeup");
}

/// Non-ASCII characters inside string literals of a Rust source (comments skipped): a small lexer that
/// knows line comments, escapes, char literals and lifetimes.
fn literal_chars(src: &str) -> Vec<char> {
    let chars: Vec<char> = src.chars().collect();
    let (mut out, mut i, mut in_str) = (Vec::new(), 0, false);
    while i < chars.len() {
        let c = chars[i];
        if in_str {
            match c {
                '\\' => i += 1,
                '"' => in_str = false,
                c if !c.is_ascii() => out.push(c),
                _ => {}
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            in_str = true;
        } else if c == '\'' {
            // 'x' or '\n' is a char literal; 'a without a closing quote is a lifetime.
            if chars.get(i + 1) == Some(&'\\') {
                i += 3;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 2;
            }
        }
        i += 1;
    }
    out
}

/// Every character the UI can show (string literals under src/app and src/scenario, tooltips included, and
/// the IHVP methods' and algorithms' descriptions) has a glyph in
/// the app's fonts: a missing one renders as an empty box in the browser, or as nothing (combining
/// marks like the hat of v̂).
#[test]
fn every_ui_string_has_glyphs_in_the_app_fonts() {
    let mut harness = harness();
    harness.step();
    // The views, the scenario labels and hints they show, and the IHVP methods' descriptions.
    let mut files: Vec<std::path::PathBuf> = [
        "src/app",
        "src/scenario",
        "src/numerics/ihvp/spec.rs",
        "src/numerics/bilevel/algorithms/spec.rs",
    ]
    .into_iter()
    .map(std::path::PathBuf::from)
    .collect();
    let mut missing = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                files.push(entry.path());
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let src = std::fs::read_to_string(&path).unwrap_or_default();
            for c in literal_chars(&src) {
                let ok = harness.ctx.fonts_mut(|f| {
                    f.has_glyph(&egui::FontId::proportional(14.0), c)
                        && f.has_glyph(&egui::FontId::monospace(14.0), c)
                });
                if !ok {
                    missing.push(format!("{c:?} (U+{:04X}) in {}", c as u32, path.display()));
                }
            }
        }
    }
    missing.dedup();
    assert!(missing.is_empty(), "no glyph for: {missing:#?}");
    assert_eq!(literal_chars(r#"let s = "α"; // β"#), vec!['α']);
}

/// The bilevel playground's "Nash ≠ Stackelberg" default from a link replayed to step 2000: simultaneous
/// play sits at the Nash point (1, 1), the exact-hypergradient double loop at the Stackelberg x* = 1.5.
#[test]
fn playground_toy_shows_nash_and_stackelberg() {
    let mut harness = light([1500.0, 1000.0]);
    harness.state_mut().open_link("#playground?step=2000");
    step_until(&mut harness, "step", &2000.into());
    // The landscape fills over a few frames.
    for _ in 0..40 {
        harness.step();
    }
    let status = harness.state().status(false);
    assert_eq!(status.last_error, None);
    let runs = status.view["runs"].as_array().cloned().unwrap_or_default();
    let x = |i: usize| runs[i]["x"][0].as_f64().unwrap_or(f64::NAN);
    let y = |i: usize| runs[i]["y"][0].as_f64().unwrap_or(f64::NAN);
    assert!(
        (x(0) - 1.0).abs() < 1e-4 && (y(0) - 1.0).abs() < 1e-4,
        "{runs:?}"
    );
    assert!(
        (x(1) - 1.5).abs() < 1e-4 && (y(1) - 1.5).abs() < 1e-3,
        "{runs:?}"
    );
    harness.snapshot("playground");
}

/// The playground's "Noisy oracles" preset: four algorithms × 8 seeds on stochastic oracles, curves
/// against oracle calls with seed bands, the status table with medians; no run diverges.
#[test]
fn playground_noisy_oracles_draw_seed_bands() {
    use bilevel_lab::scenario::anchor::Anchor;
    use bilevel_lab::scenario::{playground::presets, presets::named, query::to_query};
    let preset = named(presets().unwrap_or_else(|e| panic!("{e}")), "Noisy oracles")
        .map(|p| p.state.clone())
        .expect("the preset");
    let mut harness = light([1500.0, 1000.0]);
    let link = Anchor::new("playground", to_query(&preset)).to_hash();
    harness.state_mut().open_link(&format!("{link}&step=300"));
    step_until(&mut harness, "step", &300.into());
    harness.step();
    let status = harness.state().status(false);
    assert_eq!(status.last_error, None);
    let runs = status.view["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 32, "4 algorithms × 8 seeds");
    assert!(runs.iter().all(|r| r["status"] == "ok"), "{runs:?}");
    assert!(runs.iter().all(|r| r["oracles"].as_u64().unwrap_or(0) > 0));
    harness.snapshot("playground-noisy");
}

/// The lecture's two other problem families in the playground (Eq. 6 representation learning, Eq. 8
/// pruning), each with a 2-D leader so Φ is drawn over the x plane. Representation learning: Φ has no
/// minimizer (scaling θ up and the heads down keeps the fit and shrinks the ridge's bias), and the exact
/// double loop turns θ onto the tasks' shared direction (1, 0.5). Pruning (the same scaling holds between
/// mask and weights): the exact double loop lowers Φ, ‖∇Φ‖ falls tenfold in 1500 steps, and its direction
/// is the exact hypergradient (closed-form y*).
#[test]
fn playground_representation_learning_finds_the_shared_direction() {
    playground_problem("representation");
}

#[test]
fn playground_pruning_descends_phi() {
    playground_problem("pruning");
}

fn playground_problem(problem: &str) {
    use bilevel_lab::numerics::bilevel::{exact_hypergradient, lockstep::best_response};
    use bilevel_lab::scenario::playground::{PlaygroundState, ProblemKind};
    let kind = if problem == "pruning" {
        ProblemKind::Pruning
    } else {
        ProblemKind::Representation
    };
    {
        let mut harness = light([1500.0, 1000.0]);
        harness.state_mut().open_link(&format!(
            "#playground?problem={problem}&start=0.5,0&step=1500"
        ));
        step_until(&mut harness, "step", &1500.into());
        // The Φ landscape fills within each frame's share of work: wait for it, then a few frames more.
        step_until(&mut harness, "landscape_done", &true.into());
        for _ in 0..5 {
            harness.step();
        }
        let status = harness.state().status(false);
        assert_eq!(status.last_error, None, "{problem}");
        let state = PlaygroundState {
            problem: kind,
            ..PlaygroundState::default()
        };
        let p = state.build_problem().unwrap_or_else(|e| panic!("{e}"));
        let run = &status.view["runs"][1];
        let x = nalgebra::DVector::from_fn(2, |i, _| run["x"][i].as_f64().unwrap_or(f64::NAN));
        if kind == ProblemKind::Representation {
            let truth = nalgebra::DVector::from_vec(vec![1.0, 0.5]);
            let cos = x.dot(&truth) / (x.norm() * truth.norm());
            assert!(cos > 0.999, "{problem}: cos(θ, θ_true) = {cos} at {x}");
        } else {
            let (_, m) = p.dims();
            let grad_at = |x: &nalgebra::DVector<f64>| {
                let y = best_response(p.as_ref(), x, &nalgebra::DVector::zeros(m))
                    .unwrap_or_else(|| panic!("y* at {x}"));
                (exact_hypergradient(p.as_ref(), x, &y).0.norm(), p.f(x, &y))
            };
            let (g0, phi0) = grad_at(&nalgebra::DVector::from_element(2, 0.5));
            let (g, phi) = grad_at(&x);
            assert!(
                phi < phi0 && g < 0.1 * g0,
                "{problem}: Φ {phi0} → {phi}, ‖∇Φ‖ {g0:.1e} → {g:.1e}"
            );
        }
        harness.snapshot(format!("playground-{problem}"));
    }
}

/// "IHVP at this iterate" on LancBiO's synthetic problem (κ = 100): 256 Nyström draws come back from the
/// GPU kernel (lavapipe) and are set beside CG, Neumann and Lanczos; no run diverges.
#[test]
fn playground_samples_nystrom_draws_at_an_iterate() {
    let mut harness = light([1500.0, 1300.0]);
    harness.state_mut().open_link(
        "#playground?problem=lancbio&condition=100&alpha=0.01&rank=5&runs.2.ihvp=nystrom\
         &runs.2.algorithm=double_loop&inner_lr=0.015&inner_steps=50&start=1,0&step=20",
    );
    step_until(&mut harness, "step", &20.into());
    let s = harness.state().status(false);
    let c = s
        .controls
        .iter()
        .find(|c| c.id == "sample-draws")
        .cloned()
        .expect("published");
    harness.event(egui::Event::PointerMoved(egui::pos2(
        c.x + c.w / 2.0,
        c.y + c.h / 2.0,
    )));
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos: egui::pos2(c.x + c.w / 2.0, c.y + c.h / 2.0),
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        harness.step();
    }
    step_until(&mut harness, "draws_done", &256.into());
    let status = harness.state().status(false);
    let runs = status.view["runs"].as_array().cloned().unwrap_or_default();
    assert!(runs.iter().all(|r| r["status"] == "ok"), "{runs:?}");
    assert_eq!(status.view["draws_done"], 256, "{}", status.view);
    assert_eq!(status.last_error, None);
    harness.step();
    harness.snapshot("playground-draws");
}

/// Ridge HPO with two features: Φ over the x plane comes from the GPU kernel (256², lavapipe) and the runs'
/// x-trajectories are drawn on it.
#[test]
fn playground_ridge_landscape_comes_from_the_gpu() {
    let mut harness = light([1500.0, 1000.0]);
    harness
        .state_mut()
        .open_link("#playground?problem=ridge_hpo&features=2&start=1,0&step=300");
    step_until(&mut harness, "landscape_ran_on", &"gpu".into());
    step_until(&mut harness, "step", &300.into());
    let status = harness.state().status(false);
    assert_eq!(status.view["landscape_ran_on"], "gpu", "{}", status.view);
    assert_eq!(status.last_error, None);
    harness.step();
    harness.snapshot("playground-ridge");
}

/// The editable quadratic (2-D leader, 2-D follower, H as given): Φ over the x plane from the GPU kernel,
/// the exact double loop ends at x* = −P⁻¹q.
#[test]
fn playground_quadratic_reaches_its_closed_form_optimum() {
    use bilevel_lab::scenario::playground::{PlaygroundState, ProblemKind};
    let mut harness = light([1500.0, 1000.0]);
    harness
        .state_mut()
        .open_link("#playground?problem=quadratic&condition=1&step=1500");
    step_until(&mut harness, "step", &1500.into());
    for _ in 0..60 {
        harness.step();
    }
    let status = harness.state().status(false);
    assert_eq!(status.last_error, None);
    assert_eq!(status.view["landscape_ran_on"], "gpu");
    let state = PlaygroundState {
        problem: ProblemKind::Quadratic,
        condition: 1.0,
        ..PlaygroundState::default()
    };
    let x_star = state
        .build_problem()
        .ok()
        .and_then(|p| p.x_star())
        .unwrap_or_default();
    let run = &status.view["runs"][1];
    for i in 0..2 {
        let got = run["x"][i].as_f64().unwrap_or(f64::NAN);
        assert!(
            (got - x_star[i]).abs() < 1e-6,
            "x[{i}] = {got} vs x* = {}",
            x_star[i]
        );
    }
    harness.snapshot("playground-quadratic");
}

/// The bilevel RL view: inverse RL on the default 5 × 5 gridworld (γ = 0.6), 100 steps played: exact
/// hypergradient descent reaches a small ‖∇φ‖, M-SoBiRL tracks it (φ within 5%, its estimate within 20% of
/// ∇φ), and the alternating baseline ends far worse.
#[test]
fn soft_rl_view_learns_a_reward_from_demonstrations() {
    let mut harness = light([1500.0, 1000.0]);
    harness
        .state_mut()
        .open_link("#soft_rl?stop_at=100&steps_per_frame=10");
    harness.step();
    harness.get_by_label("Play").click();
    step_until(&mut harness, "step", &100.into());
    let status = harness.state().status(false);
    assert_eq!(status.last_error, None);
    let runs = status.view["runs"].as_array().cloned().unwrap_or_default();
    let get = |r: usize, k: &str| runs[r][k].as_f64().unwrap_or(f64::NAN);
    assert!(get(1, "grad_norm") < 0.05, "exact: {runs:?}");
    assert!(
        (get(0, "phi") - get(1, "phi")).abs() < 0.05 * get(1, "phi"),
        "{runs:?}"
    );
    assert!(get(0, "estimate_error") < 0.2, "{runs:?}");
    assert!(get(2, "phi") > 2.0 * get(1, "phi"), "{runs:?}");
    harness.step();
    harness.snapshot("soft-rl");
}

/// The bilevel RL baselines preset: exact descent, PARL, HPGD and DRLHF on preferences, 40 steps; every
/// run stays finite and the two hypergradient estimates (PARL's, HPGD's) are scored against ∇φ.
#[test]
fn soft_rl_baselines_parl_hpgd_drlhf_run_side_by_side() {
    let mut harness = light([1500.0, 1000.0]);
    harness
        .state_mut()
        .open_link(&soft_rl_link("Baselines", "stop_at=40&steps_per_frame=5"));
    harness.step();
    harness.get_by_label("Play").click();
    step_until(&mut harness, "step", &40.into());
    let status = harness.state().status(false);
    assert_eq!(status.last_error, None);
    let runs = status.view["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 4, "{runs:?}");
    let get = |r: usize, k: &str| runs[r][k].as_f64().unwrap_or(f64::NAN);
    assert!((0..4).all(|r| get(r, "phi").is_finite()), "{runs:?}");
    assert!(get(1, "estimate_error").is_finite(), "PARL: {runs:?}");
    assert!(get(2, "estimate_error").is_finite(), "HPGD: {runs:?}");
    harness.step();
    harness.snapshot("soft-rl-baselines");
}

/// The link of the bilevel RL preset whose name starts with `preset`, with extra pairs.
fn soft_rl_link(preset: &str, extra: &str) -> String {
    use bilevel_lab::scenario::query::to_query;
    use bilevel_lab::scenario::{presets::named, soft_rl::presets};
    let preset = named(presets().unwrap_or_else(|e| panic!("{e}")), preset)
        .unwrap_or_else(|| panic!("no preset {preset}"));
    let pairs: Vec<String> = to_query(&preset.state)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("#soft_rl?{}&{extra}", pairs.join("&"))
}

/// The CBSO preset: the follower of the constrained run keeps its expected cost within the budget, exact
/// descent's follower (which ignores the budget) goes over; the pictures show the cost cells.
#[test]
fn soft_rl_cbso_keeps_the_budget_the_unconstrained_runs_break() {
    let mut harness = light([1500.0, 1100.0]);
    harness.state_mut().open_link(&soft_rl_link(
        "Constrained",
        "stop_at=150&steps_per_frame=20",
    ));
    harness.step();
    harness.get_by_label("Play").click();
    step_until(&mut harness, "step", &150.into());
    let status = harness.state().status(false);
    assert_eq!(status.last_error, None);
    let runs = status.view["runs"].as_array().cloned().unwrap_or_default();
    let get = |r: usize, k: &str| runs[r][k].as_f64().unwrap_or(f64::NAN);
    assert_eq!(runs[0]["algorithm"], "constrained (CBSO)");
    assert!(get(0, "violation") < 1e-3, "{runs:?}");
    assert!(get(1, "violation") > 0.05, "{runs:?}");
    // CBSO is measured against the constrained follower's optimum too (the other runs are not).
    assert!(get(0, "constrained_residual").is_finite(), "{runs:?}");
    assert!(get(1, "constrained_residual").is_nan(), "{runs:?}");
    assert!(get(0, "constrained_grad_norm").is_finite(), "{runs:?}");
    harness.step();
    harness.snapshot("soft-rl-cbso");
}

/// M-SoBiRL's synthetic test at the τ = 0.01 of the script's argument list (x ∈ ℝ¹⁰⁰): by step 300 M-SoBiRL
/// is far out (φ > 1e30) while exact descent has come down from its start; the picture of both curves.
#[test]
fn soft_rl_quadratic_reward_preset_shows_m_sobirl_leaving() {
    let mut harness = light([1500.0, 1100.0]);
    harness.state_mut().open_link(&soft_rl_link(
        "M-SoBiRL's synthetic test with τ = 0.01",
        "stop_at=300&steps_per_frame=50",
    ));
    harness.step();
    harness.get_by_label("Play").click();
    step_until(&mut harness, "step", &300.into());
    let status = harness.state().status(false);
    assert_eq!(status.last_error, None);
    let phi = |r: usize| status.view["runs"][r]["phi"].as_f64().unwrap_or(f64::NAN);
    assert_eq!(status.view["runs"][0]["algorithm"], "M-SoBiRL");
    assert!(phi(0) > 1e30 && phi(1) < 60.0, "{}", status.view["runs"]);
    harness.step();
    harness.snapshot("soft-rl-quadratic");
}

/// The synthetic objective on a random MDP with r = τx (S = 10, A = 5, γ = 0.5, τ = 0.01, f = ½‖x‖² + ½‖π‖²):
/// M-SoBiRL decreases φ and
/// its direction approaches the exact hypergradient; a 32 × 32 maze runs its first steps.
#[test]
fn soft_rl_random_mdp_preset_and_a_32_by_32_maze() {
    let mut harness = light([1500.0, 1100.0]);
    harness.state_mut().open_link(&soft_rl_link(
        "The synthetic objective on a random MDP",
        "stop_at=300&steps_per_frame=50",
    ));
    let mut phi0 = f64::NAN;
    for _ in 0..50 {
        harness.step();
        phi0 = harness.state().status(false).view["runs"][0]["phi"]
            .as_f64()
            .unwrap_or(f64::NAN);
        if phi0.is_finite() {
            break;
        }
    }
    harness.get_by_label("Play").click();
    step_until(&mut harness, "step", &300.into());
    let status = harness.state().status(false);
    assert_eq!(status.last_error, None);
    let run = &status.view["runs"][0];
    assert_eq!(run["algorithm"], "M-SoBiRL");
    let phi = run["phi"].as_f64().unwrap_or(f64::NAN);
    assert!(phi < phi0, "φ {phi0} → {phi}");
    assert!(
        run["estimate_error"].as_f64().unwrap_or(f64::NAN) < 1e-2,
        "{run}"
    );
    harness.step();
    harness.snapshot("soft-rl-random");

    harness
        .state_mut()
        .open_link(&soft_rl_link("A 32×32", "stop_at=3&steps_per_frame=1"));
    harness.step();
    harness.get_by_label("Play").click();
    step_until(&mut harness, "step", &3.into());
    let status = harness.state().status(false);
    assert_eq!(status.view["states"], 1024);
    for run in status.view["runs"].as_array().cloned().unwrap_or_default() {
        assert_eq!(run["status"], "ok", "{run}");
    }
    harness.step();
    harness.snapshot("soft-rl-32");
}

/// The φ landscape of the bilevel RL view: the follower at every grid point by batched soft value
/// iteration on the GPU (lavapipe here), φ finite everywhere.
#[test]
fn soft_rl_landscape_runs_on_the_gpu() {
    let mut harness = light([1500.0, 1500.0]);
    harness
        .state_mut()
        .open_link("#soft_rl?stop_at=20&steps_per_frame=20&landscape=true");
    for _ in 0..200 {
        harness.step();
        if harness.state().status(true).self_check.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    harness.get_by_label("Play").click();
    step_until(&mut harness, "step", &20.into());
    harness
        .get_by_label("Draw φ around the shown run's x")
        .click();
    harness.step();
    harness.step();
    step_until(&mut harness, "landscape_done", &true.into());
    let status = harness.state().status(false);
    assert_eq!(status.view["landscape_ran_on"], "gpu");
    assert!(
        status.view["landscape_min"]
            .as_f64()
            .is_some_and(f64::is_finite)
    );
    harness.step();
    harness.snapshot("soft-rl-landscape");
}

/// Draws frames until the open view is idle (a lesson step's run has ended, its pictures are in), at most
/// `limit`.
fn settle(harness: &mut Harness<'static, BilevelApp>, limit: usize) {
    let mut last = serde_json::Value::Null;
    let mut still = 0;
    for _ in 0..limit {
        harness.step();
        let view = harness.state().status(false).view;
        still = if view == last { still + 1 } else { 0 };
        // Idle: the numbers hold still and nothing (a GPU job, a landscape) asks for another frame.
        let busy = harness
            .output()
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .is_some_and(|v| v.repaint_delay.is_zero());
        if still >= 3 && view["phase"] != "running" && !busy {
            return;
        }
        if busy {
            // A GPU job (a landscape) resolves in real time, not in frames.
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        last = view;
    }
    panic!("still changing after {limit} frames: {last}");
}

/// One step of every built-in lesson as the class sees it at 1280 × 800: the narrative beside the live
/// view, the first lesson's question answered and revealed with its claims measured.
#[test]
fn every_lesson_has_a_step_snapshot() {
    let mut harness = light([1280.0, 800.0]);
    for (id, step, answer) in [
        (
            "nash-vs-stackelberg",
            2,
            Some("A. At the Nash point (1, 1)"),
        ),
        ("actor-critic-cycles", 1, None),
        ("hypergradient-ift", 1, None),
        ("approximating-the-inverse-hessian", 1, None),
        ("single-or-double-loop", 1, None),
        ("bilevel-rl", 1, None),
        ("the-core", 3, None),
        ("blpo-on-control", 3, None),
        ("stochastic-oracles", 2, None),
        ("step-cost", 2, None),
        ("the-core", 5, None),
        ("stackelberg-in-50", 1, None),
    ] {
        harness
            .state_mut()
            .open_link(&format!("#lesson?id={id}&step={step}"));
        harness.run_steps(2);
        if let Some(label) = answer {
            harness.get_by_label(label).click();
        }
        settle(&mut harness, 3000);
        let status = harness.state().status(false);
        assert_eq!(status.last_error, None);
        assert_eq!(status.view["lesson"], id, "{}", status.view);
        assert_eq!(status.view["step"], step);
        assert_eq!(status.view["question_revealed"], answer.is_some());
        harness.snapshot(format!("lesson-{id}-{step}"));
    }
}

/// Every view, as a link opens it with its defaults, drawn once it is idle: a new view gets its snapshot
/// (and its check that it opens without an error) by being registered, as egui's demo app loops over
/// its demos.
#[test]
fn every_view_opens_idle_and_has_a_snapshot_and_so_has_its_present() {
    let mut harness = light([1280.0, 800.0]);
    let anchors: Vec<&'static str> = bilevel_lab::app::views::all()
        .iter()
        .map(|v| v.anchor())
        .collect();
    assert!(anchors.len() >= 7, "{anchors:?}");
    for anchor in anchors {
        harness.state_mut().open_link(&format!("#{anchor}"));
        settle(&mut harness, 20_000);
        let status = harness.state().status(false);
        assert_eq!(status.active_view, anchor);
        assert_eq!(status.last_error, None, "{anchor}");
        harness.snapshot(format!("view-{anchor}"));
        // Present (P): a view with a figure puts its default parts on the stage; Esc leaves.
        if bilevel_lab::app::views::by_anchor(anchor).is_ok_and(|v| v.staging().is_some()) {
            harness.key_press(egui::Key::P);
            settle(&mut harness, 20_000);
            assert!(harness.state().status(false).stage.is_some(), "{anchor}: P");
            harness.snapshot(format!("present-{anchor}"));
            harness.key_press(egui::Key::Escape);
            harness.run_steps(2);
            assert!(
                harness.state().status(false).stage.is_none(),
                "{anchor}: Esc"
            );
        }
    }
}

/// The Control view trains four small learners on CartPole for a few updates in the app (Play, frames
/// sliced within the budget), fills its table and curves, explains BLPO's update, and animates the agent.
#[test]
fn control_view_trains_four_learners_and_explains_an_update() {
    let mut harness = light([1500.0, 1100.0]);
    harness.state_mut().open_link(
        "#control?stop_at=3&ppo.hidden=8&ppo.steps=32&learners.1.blpo.critic_steps=2&learners.1.blpo.rank=4\
         &learners.1.blpo.diagnose=true&learners.2.on=true&learners.2.blpo.critic_steps=2\
         &learners.3.on=true&learners.3.blpo.critic_steps=2",
    );
    harness.step();
    harness.get_by_label("Play").click();
    let frames = step_until(&mut harness, "update", &3.into());
    assert!(frames > 3, "an update is spread over frames: {frames}");
    let status = harness.state().status(false);
    assert_eq!(status.last_error, None);
    let learners = status.view["learners"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(learners.len(), 4, "{}", status.view);
    for l in &learners {
        assert_eq!(l["updates"], 3, "{l}");
        assert_eq!(l["steps"], 3 * 4 * 32, "{l}");
        assert_eq!(l["status"], "training", "{l}");
    }
    assert!(learners[0]["cosine"].is_null() && learners[1]["cosine"].is_number());
    let trainer = status.view["trainer"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        trainer.ends_with("thread") || trainer.ends_with("threads"),
        "{trainer}"
    );
    harness.get_by_label("Explain this update").click();
    harness.run_steps(3);
    harness.get_by_label_contains("3. IHVP (Eq. 9)");
    let scene = |h: &Harness<'_, BilevelApp>| h.state().status(false).view["learners"].clone();
    let before = scene(&harness);
    harness.run_steps(10);
    assert_eq!(scene(&harness), before, "paused: the numbers hold still");
}

/// On the workers (threads natively), Step trains exactly one update, Pause stops at the end of the update
/// in progress, and Restart goes back to update 0 (issue 40: the playback is the frames' own).
#[test]
fn control_on_workers_steps_pauses_and_restarts_as_in_frames() {
    let mut harness = light([1500.0, 1100.0]);
    harness
        .state_mut()
        .open_link("#control?stop_at=8&ppo.hidden=8&ppo.steps=16&learners.1.blpo.critic_steps=2&learners.1.blpo.rank=3");
    harness.step();
    harness.get_by_label("Step").click();
    step_until(&mut harness, "update", &1.into());
    for _ in 0..30 {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert_eq!(
        harness.state().status(false).view["update"],
        1,
        "Step: one update"
    );
    harness.get_by_label("Play").click();
    step_until(&mut harness, "update", &2.into());
    // While the workers train, a page drawn in software (lavapipe here) paces its frames; elsewhere not.
    let status = harness.state().status(false);
    let software = bilevel_lab::gpu::adapter::drawn_in_software(&status.compute_backend);
    assert_eq!(
        status.view["frame_pace_ms"],
        if software { 250 } else { 0 },
        "{}",
        status.compute_backend
    );
    step_until(&mut harness, "update", &3.into());
    harness.get_by_label("Pause").click();
    let paused_at = harness.state().status(false).view["update"]
        .as_u64()
        .unwrap_or_default();
    for _ in 0..300 {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let stopped = harness.state().status(false).view["update"]
        .as_u64()
        .unwrap_or_default();
    assert!(
        stopped == paused_at || stopped == paused_at + 1,
        "Pause at {paused_at}: the update in progress ends it, got {stopped}"
    );
    harness.get_by_label("Restart").click();
    harness.run_steps(3);
    assert_eq!(harness.state().status(false).view["update"], 0, "Restart");
}

/// On a phone (390 × 844 points) the top bar is one row — the name, a view picker, "Menu" — and its
/// actions (reset, scenario files, theme, projector, About) show under it only while the menu is open; the
/// picker opens another view.
#[test]
fn a_phone_gets_a_one_row_top_bar_with_a_view_picker_and_a_menu() {
    let mut harness = light([390.0, 844.0]);
    harness.state_mut().open_link("#stackelberg");
    for _ in 0..5 {
        harness.step();
    }
    let find = |h: &Harness<'static, BilevelApp>, id: &str| {
        h.state()
            .status(false)
            .controls
            .iter()
            .find(|c| c.id == id)
            .cloned()
    };
    let menu = find(&harness, "menu").expect("a Menu toggle");
    assert!(menu.y + menu.h < 40.0, "one row: {menu:?}");
    assert!(find(&harness, "view-picker").is_some());
    assert!(
        find(&harness, "reset").is_none(),
        "the actions start folded"
    );
    harness.get_by_label("Menu").click();
    for _ in 0..3 {
        harness.step();
    }
    let reset = find(&harness, "reset").expect("the actions under the open menu");
    assert!(reset.y > menu.y + menu.h, "{reset:?} under {menu:?}");
    harness.snapshot("phone-stackelberg-menu");
    harness.get_by_label("view").click();
    for _ in 0..3 {
        harness.step();
    }
    harness.snapshot("phone-view-picker");
    harness.get_by_label("IHVP lab").click();
    for _ in 0..3 {
        harness.step();
    }
    assert_eq!(harness.state().status(false).active_view, "ihvp");
}

/// On a phone the landing page is laid out to the screen: one lesson card per row and each figure's button
/// above its text, everything inside the 390 points (it was laid out 1000 points wide and cut off).
#[test]
fn the_landing_page_fits_a_phone() {
    let mut harness = light([390.0, 844.0]);
    for _ in 0..5 {
        harness.step();
    }
    let controls = harness.state().status(false).controls;
    let find = |id: &str| {
        controls
            .iter()
            .find(|c| c.id == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} published"))
    };
    let (first, second) = (find("lesson-card-0"), find("lesson-card-1"));
    assert!(
        second.y > first.y + first.h,
        "one card per row: {first:?} {second:?}"
    );
    for id in ["lesson-card-0", "lesson-card-1", "figure-0"] {
        let c = find(id);
        assert!(
            c.x >= 0.0 && c.x + c.w <= 390.0,
            "{id} off the screen: {c:?}"
        );
    }
    harness.snapshot("phone-welcome");
}

/// BLPO Fig. 3 as re-run here: the landing card's link opens the shipped record in the Control tab — every
/// learner marked recorded, on five seeds, at 500 000 steps; a record that is not there, or a name that is
/// not a record's, is refused naming `record`, and "Train live" leaves the record.
#[test]
fn control_opens_the_recorded_figure_3() {
    let mut harness = light([1280.0, 900.0]);
    harness
        .state_mut()
        .open_link("#control?record=cartpole-main-py");
    for _ in 0..5 {
        harness.step();
    }
    let status = harness.state().status(false);
    let view = &status.view;
    assert_eq!(view["recorded"]["name"], "cartpole-main-py", "{view}");
    assert_eq!(view["recorded"]["seeds"], 5);
    let learners = view["learners"].as_array().cloned().unwrap_or_default();
    assert!(learners.len() >= 4, "{view}");
    for l in &learners {
        assert_eq!(l["status"], "recorded");
        assert_eq!(l["steps"], 499_712);
        assert_eq!(l["mean_return"].as_array().map(Vec::len), Some(5));
    }
    harness.snapshot("control-recorded");
    harness.state_mut().open_link("#control?record=not-shipped");
    for _ in 0..3 {
        harness.step();
    }
    let e = harness.state().status(false).view["record_error"].clone();
    assert!(
        e.as_str()
            .is_some_and(|e| e.starts_with("`record`: records/not-shipped.json")),
        "{e}"
    );
    harness.get_by_label("Train live").click();
    harness.step();
    harness.step();
    assert!(harness.state().status(false).view.get("recorded").is_none());
    harness.state_mut().open_link("#control?record=../etc");
    harness.step();
    let e = harness.state().status(false).last_error.unwrap_or_default();
    assert!(e.contains("`record`"), "a path is not a record's name: {e}");
}
