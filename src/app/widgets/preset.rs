//! The "Preset" combo box every view's side panel starts with: a named list of starting states, each with
//! a hint on hover.

use crate::scenario::query::Preset;

/// Shows the presets; when one is picked, writes its state into `state` and returns true.
pub fn preset_picker<S>(ui: &mut egui::Ui, id: &str, presets: &[Preset<S>], state: &mut S) -> bool {
    let mut picked = false;
    ui.horizontal(|ui| {
        let label = ui.label("Preset");
        egui::ComboBox::from_id_salt(id)
            .selected_text("choose…")
            .width(170.0)
            .show_ui(ui, |ui| {
                for preset in presets {
                    if ui
                        .selectable_label(false, preset.name)
                        .on_hover_text(preset.hint)
                        .clicked()
                    {
                        *state = (preset.state)();
                        picked = true;
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    picked
}
