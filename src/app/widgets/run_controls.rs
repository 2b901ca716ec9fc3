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

/// A stepping view's link: `step=k` (the run replayed to step k) split from its state's parameters.
pub fn split_step(query: &[(String, String)]) -> (Option<String>, Vec<(String, String)>) {
    let (step, rest): (Vec<_>, Vec<_>) = query.iter().cloned().partition(|(k, _)| k == "step");
    (step.last().map(|(_, v)| v.clone()), rest)
}

/// The link's step, checked against the view's last step (`last`, named `name` in the message).
pub fn check_step(text: Option<String>, last: usize, name: &str) -> Result<Option<usize>, String> {
    let Some(text) = text else {
        return Ok(None);
    };
    match text.parse::<usize>() {
        Ok(k) if k <= last => Ok(Some(k)),
        _ => Err(format!(
            "URL parameter `step`: must be an integer in 0..={last} ({name}), got `{text}`"
        )),
    }
}
