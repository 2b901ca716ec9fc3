//! Play / pause / single step / reset, the same in every view that runs something.

use crate::app::stage::Controls;

/// What the user asked for this frame (play/pause toggles the flag directly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunAction {
    None,
    Step,
    Reset,
}

/// Draws the controls `c` shows; their rectangles are published as "play", "step" and "restart". Space
/// plays and pauses whether or not Play is drawn.
pub fn run_controls_ui(ui: &mut egui::Ui, playing: &mut bool, c: &mut Controls<'_>) -> RunAction {
    let mut action = RunAction::None;
    let label = if *playing { "Pause" } else { "Play" };
    let play = c.row(ui, "play", |ui| {
        ui.add(egui::Button::new(label).min_size(egui::vec2(64.0, 0.0)))
            .on_hover_text("Run continuously (space)")
    });
    let space =
        ui.input(|i| i.key_pressed(egui::Key::Space)) && ui.memory(|m| m.focused().is_none());
    if play.is_some_and(|p| p.clicked()) || space {
        *playing = !*playing;
    }
    let step = c.row(ui, "step", |ui| {
        ui.button("Step").on_hover_text("One step, then pause")
    });
    if step.is_some_and(|s| s.clicked()) {
        *playing = false;
        action = RunAction::Step;
    }
    let restart = c.row(ui, "restart", |ui| {
        ui.button("Restart")
            .on_hover_text("Back to step 0 with the current settings")
    });
    if restart.is_some_and(|r| r.clicked()) {
        action = RunAction::Reset;
    }
    action
}

/// egui's spinner without its repaint request: it turns when the page draws anyway (an update from a
/// worker, an animation's step). For work going on elsewhere, where a spinning frame every 16 ms would
/// only take a share of the cores the workers compute on (issue 40).
pub fn quiet_spinner(ui: &mut egui::Ui) {
    let size = ui.style().spacing.interact_size.y;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    let radius = rect.height() * 0.5 - 2.0;
    let time = ui.input(|i| i.time);
    let (start, sweep) = (
        time * std::f64::consts::TAU,
        240f64.to_radians() * time.sin(),
    );
    let points: Vec<egui::Pos2> = (0..16)
        .map(|i| {
            let (sin, cos) = (start + sweep * f64::from(i) / 16.0).sin_cos();
            rect.center() + radius * egui::vec2(cos as f32, sin as f32)
        })
        .collect();
    let color = ui.visuals().strong_text_color();
    ui.painter()
        .add(egui::Shape::line(points, egui::Stroke::new(3.0, color)));
}
