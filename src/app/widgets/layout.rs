//! The layout every view with settings shares: its controls in a resizable, scrolling left panel, its
//! results in a scrolling central panel. `view` is passed to both halves in turn.

/// Lays out `controls` (left) and `results` (center) for `view`.
pub fn controls_and_results<T>(
    ui: &mut egui::Ui,
    id: &'static str,
    view: &mut T,
    controls: impl FnOnce(&mut egui::Ui, &mut T),
    results: impl FnOnce(&mut egui::Ui, &mut T),
) {
    egui::Panel::left(id)
        .resizable(true)
        .default_size(300.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| controls(ui, view));
        });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| results(ui, view));
    });
}
