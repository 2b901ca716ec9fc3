//! The "Preset" combo box every view's side panel starts with: a named list of starting states, each with
//! a hint on hover.

use crate::scenario::presets::Preset;

/// Shows the presets (or why they could not be read); when one is picked, writes its state into `state`
/// and returns true.
pub fn preset_picker<S: Clone>(
    ui: &mut egui::Ui,
    id: &str,
    presets: Result<&[Preset<S>], &str>,
    state: &mut S,
) -> bool {
    let presets = match presets {
        Ok(presets) => presets,
        Err(e) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
            return false;
        }
    };
    let mut picked = false;
    ui.horizontal(|ui| {
        let label = ui.label("Preset");
        egui::ComboBox::from_id_salt(id)
            .selected_text("choose…")
            .width(170.0)
            .show_ui(ui, |ui| {
                for preset in presets {
                    if ui
                        .selectable_label(false, &preset.name)
                        .on_hover_text(&preset.hint)
                        .clicked()
                    {
                        *state = preset.state.clone();
                        picked = true;
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    picked
}
