//! A seeded monkey (issue 18): every view driven for hundreds of frames by random clicks, drags, wheel
//! turns, keys and typed text, as a student trying everything would. No panic, the app keeps publishing
//! its status, and every run a view reports is either finite or marked as diverged. Its own test binary,
//! so that it can work in a scratch directory (export buttons write files natively).

use bilevel_lab::BilevelApp;
use bilevel_lab::numerics::random::SeededRng;
use egui::{Event, Key, Modifiers, PointerButton, Pos2, Vec2};
use egui_kittest::Harness;
use rand::{Rng as _, SeedableRng as _};

const SIZE: [f32; 2] = [1200.0, 800.0];
const FRAMES_PER_VIEW: usize = 300;

fn click(at: Pos2) -> Vec<Event> {
    let button = |pressed| Event::PointerButton {
        pos: at,
        button: PointerButton::Primary,
        pressed,
        modifiers: Modifiers::NONE,
    };
    vec![Event::PointerMoved(at), button(true), button(false)]
}

fn random_event(rng: &mut SeededRng, at: Pos2) -> Vec<Event> {
    let button = |pressed| Event::PointerButton {
        pos: at,
        button: PointerButton::Primary,
        pressed,
        modifiers: Modifiers::NONE,
    };
    let key = |key| Event::Key {
        key,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: Modifiers::NONE,
    };
    match rng.random_range(0..10) {
        0..=3 => click(at),
        4 | 5 => {
            let to = at
                + Vec2::new(
                    rng.random_range(-200.0..200.0),
                    rng.random_range(-200.0..200.0),
                );
            vec![
                Event::PointerMoved(at),
                button(true),
                Event::PointerMoved(to),
                button(false),
            ]
        }
        6 => vec![
            Event::PointerMoved(at),
            Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: Vec2::new(0.0, rng.random_range(-300.0..300.0)),
                modifiers: Modifiers::NONE,
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
            },
        ],
        7 => {
            const KEYS: [Key; 10] = [
                Key::ArrowRight,
                Key::ArrowLeft,
                Key::ArrowUp,
                Key::ArrowDown,
                Key::Space,
                Key::Enter,
                Key::Escape,
                Key::Tab,
                Key::PageDown,
                Key::Home,
            ];
            vec![key(KEYS[rng.random_range(0..KEYS.len())])]
        }
        8 => {
            const TEXT: [&str; 6] = ["-1", "1e308", "NaN", "0", "x", "999999"];
            vec![Event::Text(
                TEXT[rng.random_range(0..TEXT.len())].to_owned(),
            )]
        }
        _ => vec![Event::PointerMoved(at)],
    }
}

/// Every number of every run the view reports: finite, unless that run says it diverged.
fn assert_runs_finite_or_diverged(view: &serde_json::Value, anchor: &str, frame: usize) {
    let Some(runs) = view["runs"].as_array() else {
        return;
    };
    for run in runs {
        let diverged = !run["diverged_at"].is_null()
            || run["status"]
                .as_str()
                .is_some_and(|s| s.contains("diverged"));
        for key in ["phi", "grad_norm"] {
            if let Some(v) = run.get(key) {
                assert!(
                    diverged
                        || v.is_null()
                        || v.as_f64().is_some_and(f64::is_finite)
                        || !v.is_number(),
                    "{anchor} frame {frame}: run {run} has {key} = {v} without saying it diverged"
                );
            }
        }
    }
}

#[test]
fn a_seeded_monkey_finds_no_panic_in_any_view() {
    let scratch = std::env::temp_dir().join("bilevel-lab-monkey");
    std::fs::create_dir_all(&scratch).unwrap_or_else(|e| panic!("{e}"));
    std::env::set_current_dir(&scratch).unwrap_or_else(|e| panic!("{e}"));
    let mut harness: Harness<'static, BilevelApp> = Harness::builder()
        .with_size(SIZE)
        .wgpu()
        .build_eframe(|cc| BilevelApp::new(cc));
    let mut rng = SeededRng::seed_from_u64(1800);
    for anchor in [
        "stackelberg",
        "ihvp",
        "playground",
        "soft_rl",
        "control",
        "lesson",
        "welcome",
    ] {
        harness.state_mut().open_link(&format!("#{anchor}"));
        harness.step();
        // Play first where the view plays (a student drags while it runs).
        if let Some(at) = harness.state().status(false).control_center("play") {
            harness.input_mut().events.extend(click(at));
            harness.step();
        }
        // The monkey has to reach something: frames after which the view reported other numbers, or
        // clicks that opened another view.
        let mut last = harness.state().status(false).view;
        let (mut changed, mut left) = (0, 0);
        for frame in 0..FRAMES_PER_VIEW {
            // Below the top bar (its buttons leave the view, or switch theme and zoom), anywhere in the view.
            let at = Pos2::new(
                rng.random_range(0.0..SIZE[0]),
                rng.random_range(70.0..SIZE[1] - 30.0),
            );
            harness
                .input_mut()
                .events
                .extend(random_event(&mut rng, at));
            harness.step();
            let status = harness.state().status(false);
            if status.active_view != anchor {
                // A link inside the view (a lesson card, a figure) opened another: back to this one.
                harness.state_mut().open_link(&format!("#{anchor}"));
                left += 1;
                continue;
            }
            assert_runs_finite_or_diverged(&status.view, anchor, frame);
            if status.view != last {
                changed += 1;
                last = status.view;
            }
        }
        eprintln!(
            "{anchor}: the view's numbers changed after {changed} of {FRAMES_PER_VIEW} frames, {left} \
             clicks opened another view"
        );
        assert!(changed + left > 0, "{anchor}: the monkey reached nothing");
    }
}
