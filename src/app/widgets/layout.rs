//! The layout every view with settings shares: its controls in a resizable, scrolling left panel, its
//! results in a scrolling central panel. `view` is passed to both halves in turn.
//!
//! Where the view has little room (a lesson's narrative beside it on a projector, a small screen) the
//! controls start folded away behind a "Settings" toggle, so the figure keeps the width; results wider than
//! the screen scroll sideways.

use crate::app::ViewCtx;
use crate::app::stage::Controls;

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

/// What [`out_of_sight_later`] remembers of a section between frames.
#[derive(Clone, Copy, Debug)]
struct Section {
    /// The first frame of this run of frames that ask for the section (its view opened, or came back).
    since: u64,
    /// The last frame that asked for it.
    last: u64,
    /// Its size where it was last laid out (its width: the room it had).
    size: Option<egui::Vec2>,
}

/// Lays out `add` where it can be seen; out of sight it is room of the size it had:
/// - in the first frame of a run of frames that ask for it (its view just opened, or came back), a
///   section starting out of sight (or within [`PEEK`] of the bottom) is room only — its size from
///   before, or [`UNSEEN_HEIGHT`] — so a view's first frame lays out what can be seen;
/// - one never laid out at this width is laid out from a later frame on, one such section a frame (its
///   size is known from then on);
/// - afterwards, while none of it can be seen (below the visible area, or scrolled past above it), it
///   is room of its last size, not laid out again until it comes into sight.
///
/// Shaping prose from cold was half of the Stackelberg view's first frame; laying out prose nobody sees
/// a share of every frame after it.
pub fn out_of_sight_later(
    ui: &mut egui::Ui,
    id_salt: &'static str,
    add: impl FnOnce(&mut egui::Ui),
) {
    let id = ui.make_persistent_id(id_salt);
    // The frame in which a section out of sight was last laid out for the first time.
    let first_layout = egui::Id::unique("out_of_sight_later: a first layout this frame");
    let frame = ui.ctx().cumulative_frame_nr();
    let old = ui.data(|d| d.get_temp::<Section>(id));
    let since = match old {
        Some(s) if s.last + 1 >= frame => s.since,
        _ => frame,
    };
    let width = ui.available_width();
    // Laid out at this width before (at another it may wrap to another height).
    let size = old.and_then(|s| s.size).filter(|s| s.x == width);
    let (top, clip) = (ui.cursor().top(), ui.clip_rect());
    let unseen = top > clip.bottom() || size.is_some_and(|s| top + s.y < clip.top());
    let peeking = top > clip.bottom() - PEEK;
    let remember = |ui: &egui::Ui, size: Option<egui::Vec2>| {
        ui.data_mut(|d| {
            d.insert_temp(
                id,
                Section {
                    since,
                    last: frame,
                    size,
                },
            );
        });
    };
    let room = |ui: &mut egui::Ui, height: f32| {
        remember(ui, old.and_then(|s| s.size));
        ui.allocate_space(egui::vec2(width, height));
    };
    if let Some(size) = size.filter(|_| unseen) {
        room(ui, size.y);
        return;
    }
    if peeking && (size.is_none() || since == frame) {
        let another = ui.data(|d| d.get_temp::<u64>(first_layout)) == Some(frame);
        if since == frame || another {
            room(ui, size.map_or(UNSEEN_HEIGHT, |s| s.y));
            ui.ctx().request_repaint();
            return;
        }
        ui.data_mut(|d| d.insert_temp(first_layout, frame));
    }
    let rect = ui.scope(add).response.rect;
    remember(ui, Some(egui::vec2(width, rect.height())));
}

/// Lays out `controls` (left) and `results` (center) for `view`.
pub fn controls_and_results<T>(
    ui: &mut egui::Ui,
    (id, view, ctx): (&'static str, &mut T, &mut ViewCtx<'_>),
    controls: impl FnOnce(&mut egui::Ui, &mut T, &mut Controls<'_>),
    results: impl FnOnce(&mut egui::Ui, &mut T, &mut ViewCtx<'_>),
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
            egui::ScrollArea::vertical()
                .show(ui, |ui| controls(ui, view, &mut Controls::all(ctx.report)));
        });
    // Both ways: content is laid out to the visible width, and what cannot shrink (a row of panels on a
    // phone) is reached by dragging sideways instead of being cut off.
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::both().show(ui, |ui| results(ui, view, ctx));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One frame of a 300 points high scroll area `width` wide, scrolled `scrolled` points down, holding
    /// `above` points of content, the sections one below the other (five lines of prose each) and a screen
    /// more: which sections were laid out, and where (from the content's top) what follows them starts.
    fn frame_of(
        ctx: &egui::Context,
        width: f32,
        above: f32,
        scrolled: f32,
        sections: &[&'static str],
    ) -> (Vec<bool>, f32) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(width, 300.0),
            )),
            ..Default::default()
        };
        let mut laid_out = vec![false; sections.len()];
        let mut after = 0.0;
        let mut output = ctx.run_ui(input, |ui| {
            egui::ScrollArea::vertical()
                .vertical_scroll_offset(scrolled)
                .show(ui, |ui| {
                    let start = ui.cursor().top();
                    ui.allocate_space(egui::vec2(100.0, above));
                    for (name, done) in sections.iter().zip(&mut laid_out) {
                        out_of_sight_later(ui, name, |ui| {
                            *done = true;
                            for _ in 0..5 {
                                ui.label("prose that wraps to another line in a narrow column");
                            }
                        });
                    }
                    after = ui.cursor().top() - start;
                    ui.allocate_space(egui::vec2(100.0, 3000.0));
                });
        });
        output.textures_delta.clear();
        (laid_out, after)
    }

    /// [`frame_of`] 400 wide with one section: whether it was laid out, where what follows starts.
    fn frame(ctx: &egui::Context, above: f32, scrolled: f32) -> (bool, f32) {
        let (laid_out, after) = frame_of(ctx, 400.0, above, scrolled, &["section"]);
        (laid_out[0], after)
    }

    #[test]
    fn a_section_out_of_sight_is_laid_out_later_and_kept_as_room_while_unseen() {
        // In sight: at once, every frame.
        let ctx = egui::Context::default();
        assert!(frame(&ctx, 10.0, 0.0).0 && frame(&ctx, 10.0, 0.0).0);
        // Just above the bottom edge: room only in the first frame, then laid out every frame.
        let ctx = egui::Context::default();
        assert!(!frame(&ctx, 250.0, 0.0).0);
        assert!(frame(&ctx, 250.0, 0.0).0 && frame(&ctx, 250.0, 0.0).0);
        // Below the visible area: room, then laid out once (its size measured), then room of that size —
        // what follows starts where it did when the section was laid out.
        let ctx = egui::Context::default();
        let (laid_out, room) = frame(&ctx, 600.0, 0.0);
        assert!(
            !laid_out && (room - (600.0 + UNSEEN_HEIGHT)).abs() < 10.0,
            "{room}"
        );
        let (laid_out, measured) = frame(&ctx, 600.0, 0.0);
        assert!(laid_out && measured > 600.0 + 5.0 * 14.0, "{measured}");
        assert_eq!(frame(&ctx, 600.0, 0.0), (false, measured));
        assert_eq!(frame(&ctx, 600.0, 0.0), (false, measured));
        // Scrolled into sight: laid out; scrolled past it (above the visible area): room again.
        assert_eq!(frame(&ctx, 600.0, 500.0), (true, measured));
        assert_eq!(frame(&ctx, 600.0, 2000.0), (false, measured));
        // Another width: laid out again (it may wrap differently), then room of its new size.
        let (laid_out, narrower) = frame_of(&ctx, 200.0, 600.0, 0.0, &["section"]);
        assert!(
            laid_out[0] && narrower > measured,
            "{narrower} vs {measured}"
        );
        assert_eq!(
            frame_of(&ctx, 200.0, 600.0, 0.0, &["section"]),
            (vec![false], narrower)
        );
        // Frames without it, then asked again out of sight: room of the size it had, not laid out.
        ctx.run_ui(egui::RawInput::default(), |_| {})
            .textures_delta
            .clear();
        for _ in 0..2 {
            assert_eq!(
                frame_of(&ctx, 200.0, 600.0, 0.0, &["section"]),
                (vec![false], narrower)
            );
        }
        // Two sections just out of sight: room for both, then one a frame.
        let ctx = egui::Context::default();
        let both = ["first", "second"];
        assert_eq!(frame_of(&ctx, 400.0, 250.0, 0.0, &both).0, [false, false]);
        assert_eq!(frame_of(&ctx, 400.0, 250.0, 0.0, &both).0, [true, false]);
        assert_eq!(frame_of(&ctx, 400.0, 250.0, 0.0, &both).0, [true, true]);
    }
}
