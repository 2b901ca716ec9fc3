//! The stage (issue 38) measured on every step of every built-in lesson, natively in egui_kittest (no
//! renderer: the layout is what is checked): at 1280 × 720 and 1920 × 1080, and at 1024 × 768 in projector
//! mode, every shown part lies inside the window, the parts cover ≥ 55 % of it (≥ 45 % at 1024 × 768) and at
//! most 6 controls show unless the step names more; on a 390 × 844 phone the parts lie inside the width and
//! take ≥ 45 % of the height; the narrative's text is ≥ 18 CSS px at 1280 × 720 in projector mode. Present
//! (P) stages every view with a figure, Esc leaves it.

use bilevel_lab::BilevelApp;
use bilevel_lab::lesson::{BUILT_IN, Lesson, Step};
use bilevel_lab::status::{AppStatus, StageReport};
use egui_kittest::Harness;

/// A window of `size` CSS pixels (projector mode on or off) on the CPU path.
fn app(size: [f32; 2], projector: bool) -> Harness<'static, BilevelApp> {
    let mut h = Harness::builder()
        .with_size(size)
        .build_eframe(|cc| BilevelApp::new(cc));
    h.state_mut().set_projector(projector);
    h.run_steps(3);
    h
}

/// The status once `link` is open and laid out (the stage settles in a few frames).
fn open(h: &mut Harness<'static, BilevelApp>, link: &str) -> AppStatus {
    h.state_mut().open_link(link);
    h.run_steps(4);
    h.state().status(false)
}

/// Every built-in lesson's id and steps.
fn lessons() -> Vec<Lesson> {
    BUILT_IN
        .iter()
        .map(|(name, text)| Lesson::parse(text).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

/// Opens every step of every built-in lesson in `h` and lists what `faults` finds in each step's stage, each
/// fault prefixed with `tag`, the lesson and the step.
fn every_step(
    h: &mut Harness<'static, BilevelApp>,
    tag: &str,
    mut faults: impl FnMut(&Step, &StageReport) -> Vec<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for lesson in lessons() {
        for (k, step) in lesson.steps.iter().enumerate() {
            let status = open(h, &format!("#lesson?id={}&step={}", lesson.id, k + 1));
            let at = format!("{tag} {} step {}", lesson.id, k + 1);
            match status.stage {
                None => out.push(format!("{at}: no stage")),
                Some(stage) => out.extend(
                    faults(step, &stage)
                        .into_iter()
                        .map(|f| format!("{at}: {f}")),
                ),
            }
        }
    }
    out
}

/// What a stage fails of the rules at this size; empty when it passes.
fn faults(stage: &StageReport, (w, h): (f32, f32), share: f32, named: usize) -> Vec<String> {
    let mut out = Vec::new();
    for p in &stage.parts {
        let inside = p.x >= -0.5 && p.y >= -0.5 && p.x + p.w <= w + 0.5 && p.y + p.h <= h + 0.5;
        if p.clipped || !inside {
            out.push(format!(
                "part {} at {:?} leaves the window",
                p.id,
                [p.x, p.y, p.w, p.h]
            ));
        }
        if p.overflow {
            out.push(format!("part {} draws past its rectangle", p.id));
        }
    }
    let covered: f32 = stage.parts.iter().map(|p| p.w * p.h).sum();
    if covered < share * w * h {
        out.push(format!(
            "parts cover {:.0} % of the window (at least {:.0} %)",
            100.0 * covered / (w * h),
            100.0 * share
        ));
    }
    if stage.parts.is_empty() {
        out.push("no part shown".to_owned());
    }
    let limit = named.max(6);
    if stage.controls.len() > limit {
        out.push(format!(
            "{} controls shown (at most {limit})",
            stage.controls.len()
        ));
    }
    out
}

#[test]
fn every_lesson_step_is_staged_large_and_inside_the_window() {
    let sizes = [
        ([1280.0, 720.0], false, 0.55),
        ([1920.0, 1080.0], false, 0.55),
        ([1024.0, 768.0], true, 0.45),
    ];
    let mut failures = Vec::new();
    for (size, projector, share) in sizes {
        let mut h = app(size, projector);
        let tag = format!("{size:?}{}", if projector { " projector" } else { "" });
        failures.extend(every_step(&mut h, &tag, |step, stage| {
            let mut out = faults(stage, (size[0], size[1]), share, step.controls.len());
            for id in &step.controls {
                if !stage.controls.iter().any(|c| c == id) {
                    out.push(format!("the step names the control `{id}`, not drawn"));
                }
            }
            out
        }));
    }
    assert!(
        failures.is_empty(),
        "{} faults:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn on_a_phone_a_step_stacks_text_figure_and_controls() {
    let (w, h) = (390.0, 844.0);
    let mut harness = app([w, h], false);
    let failures = every_step(&mut harness, "phone", |_, stage| {
        let mut out = Vec::new();
        let top = stage
            .parts
            .iter()
            .map(|p| p.y)
            .fold(f32::INFINITY, f32::min);
        let bottom = stage.parts.iter().map(|p| p.y + p.h).fold(0.0, f32::max);
        if bottom - top < 0.45 * h {
            out.push(format!(
                "the figure takes {:.0} of {h} px in height",
                bottom - top
            ));
        }
        for p in &stage.parts {
            if p.x < -0.5 || p.x + p.w > w + 0.5 || p.clipped || p.overflow {
                out.push(format!("part {} leaves the window or its rectangle", p.id));
            }
        }
        let narrative = stage.narrative.unwrap_or_default();
        if narrative[1] + narrative[3] > top + 0.5 {
            out.push("the narrative is not above the figure".to_owned());
        }
        out
    });
    assert!(
        failures.is_empty(),
        "{} faults:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_narrative_reads_at_18_px_on_a_1280_by_720_projector() {
    let mut h = app([1280.0, 720.0], true);
    for lesson in lessons() {
        let status = open(&mut h, &format!("#lesson?id={}&step=1", lesson.id));
        let stage = status
            .stage
            .unwrap_or_else(|| panic!("{}: no stage", lesson.id));
        assert!(stage.text_px >= 18.0, "{}: {} px", lesson.id, stage.text_px);
        assert!(stage.narrative.is_some(), "{}", lesson.id);
    }
}

#[test]
fn present_stages_every_view_with_a_figure_and_esc_leaves() {
    let mut h = app([1280.0, 800.0], false);
    for anchor in ["stackelberg", "ihvp", "playground", "soft_rl", "control"] {
        let before = open(&mut h, &format!("#{anchor}"));
        assert!(before.stage.is_none(), "{anchor}: a stage before P");
        h.key_press(egui::Key::P);
        h.run_steps(4);
        let status = h.state().status(false);
        let stage = status
            .stage
            .unwrap_or_else(|| panic!("{anchor}: P shows no stage"));
        let faults = faults(&stage, (1280.0, 800.0), 0.5, 0);
        assert!(faults.is_empty(), "{anchor}: {faults:?}");
        assert!(
            status.controls.iter().any(|c| c.id == "present-leave"),
            "{anchor}"
        );
        h.key_press(egui::Key::Escape);
        h.run_steps(2);
        assert!(
            h.state().status(false).stage.is_none(),
            "{anchor}: Esc leaves"
        );
    }
}
