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
/// empty room, and is laid out from a later frame on, one such section a frame. A view's first frame lays
/// out what can be seen; the prose below it follows a piece a frame (shaping it and rasterizing its glyphs
/// from cold was half of the Stackelberg view's first frame).
pub fn out_of_sight_later(
    ui: &mut egui::Ui,
    id_salt: &'static str,
    add: impl FnOnce(&mut egui::Ui),
) {
    let id = ui.make_persistent_id(id_salt);
    // The frame in which a section out of sight was last laid out for the first time.
    let first_layout = egui::Id::unique("out_of_sight_later: a first layout this frame");
    let frame = ui.ctx().cumulative_frame_nr();
    // (the frame this run of frames began, the last frame that asked, whether it was laid out since)
    let (since, shown) = match ui.data(|d| d.get_temp::<(u64, u64, bool)>(id)) {
        Some((since, last, shown)) if last + 1 >= frame => (since, shown),
        _ => (frame, false),
    };
    let hidden = ui.cursor().top() > ui.clip_rect().bottom() - PEEK;
    if hidden && !shown {
        let another = ui.data(|d| d.get_temp::<u64>(first_layout)) == Some(frame);
        if since == frame || another {
            ui.data_mut(|d| d.insert_temp(id, (since, frame, false)));
            ui.allocate_space(egui::vec2(ui.available_width(), UNSEEN_HEIGHT));
            ui.ctx().request_repaint();
            return;
        }
        ui.data_mut(|d| d.insert_temp(first_layout, frame));
    }
    ui.data_mut(|d| d.insert_temp(id, (since, frame, true)));
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
        frame_of(ctx, above, &["section"])[0]
    }

    /// [`frame`] with several sections one below the other: which were laid out.
    fn frame_of(ctx: &egui::Context, above: f32, sections: &[&'static str]) -> Vec<bool> {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(400.0, 300.0),
            )),
            ..Default::default()
        };
        let mut laid_out = vec![false; sections.len()];
        let mut output = ctx.run_ui(input, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.allocate_space(egui::vec2(100.0, above));
                for (name, done) in sections.iter().zip(&mut laid_out) {
                    out_of_sight_later(ui, name, |ui| {
                        *done = true;
                        ui.label("prose");
                    });
                }
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
        // Two sections out of sight: room for both, then one a frame.
        let ctx = egui::Context::default();
        let both = ["first", "second"];
        assert_eq!(frame_of(&ctx, 250.0, &both), [false, false]);
        assert_eq!(frame_of(&ctx, 250.0, &both), [true, false]);
        assert_eq!(frame_of(&ctx, 250.0, &both), [true, true]);
    }
}
