//! Play / pause / single step / reset, the same in every view that runs something.

use crate::app::view::ViewReport;

/// What the user asked for this frame (play/pause toggles the flag directly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunAction {
    None,
    Step,
    Reset,
}

/// Draws the controls; their rectangles are published as "play", "step" and "restart".
pub fn run_controls_ui(
    ui: &mut egui::Ui,
    playing: &mut bool,
    report: &mut ViewReport,
) -> RunAction {
    let mut action = RunAction::None;
    let play = ui
        .add(
            egui::Button::new(if *playing { "Pause" } else { "Play" })
                .min_size(egui::vec2(64.0, 0.0)),
        )
        .on_hover_text("Run continuously (space)");
    report.control("play", &play);
    let space =
        ui.input(|i| i.key_pressed(egui::Key::Space)) && ui.memory(|m| m.focused().is_none());
    if play.clicked() || space {
        *playing = !*playing;
    }
    let step = ui.button("Step").on_hover_text("One step, then pause");
    report.control("step", &step);
    if step.clicked() {
        *playing = false;
        action = RunAction::Step;
    }
    let restart = ui
        .button("Restart")
        .on_hover_text("Back to step 0 with the current settings");
    report.control("restart", &restart);
    if restart.clicked() {
        action = RunAction::Reset;
    }
    action
}
