//! A chart with nothing to draw yet says what will appear there (a class at step 0 sees a sentence, not axes
//! around −0.5 … 0.5 that look broken).

/// A framed box of `size` with `what` in its middle, in the hint colour.
pub fn empty_chart(ui: &mut egui::Ui, size: egui::Vec2, what: &str) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    let visuals = ui.visuals();
    let stroke = visuals.widgets.noninteractive.bg_stroke;
    let color = visuals.weak_text_color();
    let font = egui::TextStyle::Body.resolve(ui.style());
    let painter = ui.painter();
    painter.rect_stroke(rect, 4.0, stroke, egui::StrokeKind::Inside);
    let galley = painter.layout(
        what.to_owned(),
        font,
        color,
        (rect.width() - 16.0).max(20.0),
    );
    painter.galley(rect.center() - galley.size() / 2.0, galley, color);
    response
}
