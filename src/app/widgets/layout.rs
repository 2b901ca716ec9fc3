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

/// Room kept for content not laid out yet (points): about a screen of prose.
const UNSEEN_HEIGHT: f32 = 400.0;
/// Content whose top is less than this far (points) above the bottom of the visible area counts as out of
/// sight: at most a heading's line of it would show.
const PEEK: f32 = 100.0;

/// Lays out `add` — unless it starts out of sight (or within [`PEEK`] of the bottom) in the first frame of
/// a run of frames that ask for it (its view just opened, or came back): then it gets [`UNSEEN_HEIGHT`] of
/// empty room, and is laid out from the next frame on. A view's first frame lays out what can be seen;
/// prose below it comes a frame later (shaping every paragraph from cold was half of the Stackelberg
/// view's first frame).
pub fn out_of_sight_later(
    ui: &mut egui::Ui,
    id_salt: &'static str,
    add: impl FnOnce(&mut egui::Ui),
) {
    let id = ui.make_persistent_id(id_salt);
    let frame = ui.ctx().cumulative_frame_nr();
    // (the frame this run of frames began, the last frame that asked)
    let since = match ui.data(|d| d.get_temp::<(u64, u64)>(id)) {
        Some((since, last)) if last + 1 >= frame => since,
        _ => frame,
    };
    ui.data_mut(|d| d.insert_temp(id, (since, frame)));
    if since == frame && ui.cursor().top() > ui.clip_rect().bottom() - PEEK {
        ui.allocate_space(egui::vec2(ui.available_width(), UNSEEN_HEIGHT));
        ui.ctx().request_repaint();
        return;
    }
    add(ui);
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// One frame at 400 × 300 of a scroll area holding `above` points of content, then the section; true
    /// where the section was laid out.
    fn frame(ctx: &egui::Context, above: f32) -> bool {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(400.0, 300.0),
            )),
            ..Default::default()
        };
        let mut laid_out = false;
        let mut output = ctx.run_ui(input, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.allocate_space(egui::vec2(100.0, above));
                out_of_sight_later(ui, "section", |ui| {
                    laid_out = true;
                    ui.label("prose");
                });
            });
        });
        output.textures_delta.clear();
        laid_out
    }

    #[test]
    fn a_section_out_of_sight_is_laid_out_from_the_next_frame_on() {
        let ctx = egui::Context::default();
        // In sight: at once.
        assert!(frame(&ctx, 10.0));
        assert!(frame(&ctx, 10.0));
        let ctx = egui::Context::default();
        // Out of sight (and just above the bottom edge): room only, then laid out every frame.
        assert!(!frame(&ctx, 250.0));
        assert!(frame(&ctx, 250.0) && frame(&ctx, 600.0));
        // Frames without it, then asked again out of sight: room first once more.
        ctx.run_ui(egui::RawInput::default(), |_| {})
            .textures_delta
            .clear();
        assert!(!frame(&ctx, 600.0));
        assert!(frame(&ctx, 600.0));
    }
}
