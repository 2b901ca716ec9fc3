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
