//! The layout every view with settings shares: its controls in a resizable, scrolling left panel, its
//! results in a scrolling central panel. `view` is passed to both halves in turn.
//!
//! Where the view has little room (a lesson's narrative beside it on a projector, a small screen) the
//! controls start folded away behind a "Settings" toggle, so the figure keeps the width; results wider than
//! the screen scroll sideways.

/// Below this width (points) the controls start folded.
const NARROW: f32 = 640.0;

/// Below this width (points) the screen is a phone's: the top bar folds into a view picker and a menu, and
/// rows that would not fit (the landing page's figure list) stack instead.
pub const PHONE: f32 = 600.0;

/// Lays out `controls` (left) and `results` (center) for `view`.
pub fn controls_and_results<T>(
    ui: &mut egui::Ui,
    id: &'static str,
    view: &mut T,
    controls: impl FnOnce(&mut egui::Ui, &mut T),
    results: impl FnOnce(&mut egui::Ui, &mut T),
) {
    let narrow = ui.available_width() < NARROW;
    let mut open = !narrow;
    if narrow {
        // Remembered per layout width class: widening the window shows the controls again.
        let key = egui::Id::unique((id, "controls-open-when-narrow"));
        open = ui.data(|d| d.get_temp(key)).unwrap_or(false);
        egui::Panel::top((id, "controls-toggle")).show(ui, |ui| {
            ui.toggle_value(&mut open, "Settings")
                .on_hover_text("Show or hide this view's settings");
        });
        ui.data_mut(|d| d.insert_temp(key, open));
    }
    egui::Panel::left(id)
        .resizable(true)
        .default_size(300.0)
        .show_collapsible(ui, &mut open, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| controls(ui, view));
        });
    // Both ways: content is laid out to the visible width, and what cannot shrink (a row of panels on a
    // phone) is reached by dragging sideways instead of being cut off.
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::both().show(ui, |ui| results(ui, view));
    });
}
