//! A view driven without a window, frame by frame, exactly as the app drives it (the same `View`, the
//! CPU twins for GPU work), until its report holds still. Lesson checks play their steps with it, and
//! `bilevel-lab run` plays a view's document with it, so what they print is what the view shows.

use std::cell::RefCell;
use std::time::Duration;

use serde_json::Value;
use web_time::Instant;

use crate::app::{Look, View, ViewCtx, ViewReport};
use crate::gpu::{ComputeRuntime, SelfCheck};

/// A step has played when its view's report has been the same this many frames in a row and the view
/// asks for no further frame (it is idle) ...
const STILL_FRAMES: usize = 3;
/// ... or, for a view that keeps asking for frames without changing (a run that diverged before the
/// step it was to reach), this many.
const STUCK_FRAMES: usize = 300;

/// The most contexts kept for reuse.
const SPARE_CONTEXTS: usize = 2;

thread_local! {
    /// Contexts of headless views that have finished, their fonts and text layouts warm: in a fresh context
    /// a view's first frame rasterizes and lays out every glyph from cold (40–70 ms in the browser, inside
    /// one of the app's frames, for every step "Check this lesson" plays).
    static SPARE: RefCell<Vec<egui::Context>> = const { RefCell::new(Vec::new()) };
}

/// A view driven headless, one frame per call, as the app drives it (CPU twins for GPU work).
pub struct Headless<V: View + ?Sized = dyn View> {
    pub view: Box<V>,
    ctx: egui::Context,
    runtime: ComputeRuntime,
    self_check: SelfCheck,
    /// Where the frame's sliced work must stop at the latest (the app's frame, when it draws this one
    /// inside its own).
    until: Option<Instant>,
}

impl<V: View + ?Sized> Headless<V> {
    /// Drives `view` headless, in a context of its own: a spare one with its memory cleared (what a fresh
    /// context remembers: nothing) or a new one.
    pub fn new(view: Box<V>) -> Self {
        let mut runtime = ComputeRuntime::cpu("headless lesson check");
        let self_check = SelfCheck::start_default(&mut runtime);
        let ctx = SPARE.with_borrow_mut(Vec::pop).unwrap_or_default();
        ctx.memory_mut(|m| *m = egui::Memory::default());
        Self {
            view,
            ctx,
            runtime,
            self_check,
            until: None,
        }
    }

    /// [`Self::frame`] whose sliced work stops at `deadline` (the app's frame's share) or earlier.
    pub fn frame_within(&mut self, deadline: Instant) -> (ViewReport, bool) {
        self.until = Some(deadline);
        let out = self.frame();
        self.until = None;
        out
    }

    /// Draws one frame at 1280 × 800 and returns what the view reported and whether it asked for
    /// another frame at once (it is still working).
    pub fn frame(&mut self) -> (ViewReport, bool) {
        self.frame_with(Vec::new()).0
    }

    /// [`Self::frame`] with input events (key presses in tests); also returns the link the view asked
    /// the shell to open, if any.
    pub fn frame_with(&mut self, events: Vec<egui::Event>) -> ((ViewReport, bool), Option<String>) {
        let mut report = ViewReport::default();
        let mut navigate = None;
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 800.0),
            )),
            events,
            ..Default::default()
        };
        let Self {
            view,
            ctx,
            runtime,
            self_check,
            until,
        } = self;
        let mut output = ctx.run_ui(input, |ui| {
            runtime.poll();
            let deadline = crate::budget::deadline(*until);
            let mut vctx = ViewCtx {
                runtime,
                deadline,
                self_check,
                look: Look {
                    dark: false,
                    projector: false,
                },
                report: &mut report,
                navigate: &mut navigate,
                workers: false,
            };
            egui::CentralPanel::default().show(ui, |ui| view.ui(ui, &mut vctx));
        });
        // Nothing is painted headless: the font atlas updates are dropped on purpose.
        output.textures_delta.clear();
        let busy = output
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .is_some_and(|v| v.repaint_delay.is_zero());
        ((report, busy), navigate)
    }
}

impl<V: View + ?Sized> Drop for Headless<V> {
    fn drop(&mut self) {
        SPARE.with_borrow_mut(|spare| {
            if spare.len() < SPARE_CONTEXTS {
                spare.push(self.ctx.clone());
            }
        });
    }
}

/// Plays a view frame by frame until its report holds still (see [`STILL_FRAMES`]): `lesson check` and
/// `bilevel-lab run` loop over it, the app draws one of its frames per frame of its own ("Check this
/// lesson").
pub struct StepPlayer {
    headless: Headless,
    last: Option<Value>,
    still: usize,
    frames: u64,
    started: Instant,
}

impl StepPlayer {
    pub fn new(view: Box<dyn View>) -> Self {
        Self {
            headless: Headless::new(view),
            last: None,
            still: 0,
            frames: 0,
            started: Instant::now(),
        }
    }

    /// Draws one frame: `Ok(Some(report))` once the step has played, `Err` past `limit`.
    pub fn advance(&mut self, limit: Duration) -> Result<Option<ViewReport>, String> {
        self.advance_within(limit, None)
    }

    /// [`Self::advance`] with the frame's sliced work stopping at `deadline` (see [`Headless::frame_within`]).
    pub fn advance_within(
        &mut self,
        limit: Duration,
        deadline: Option<Instant>,
    ) -> Result<Option<ViewReport>, String> {
        let (report, busy) = match deadline {
            Some(d) => self.headless.frame_within(d),
            None => self.headless.frame(),
        };
        self.frames += 1;
        let values = Value::Object(report.values.clone());
        self.still = if self.last.as_ref() == Some(&values) {
            self.still + 1
        } else {
            0
        };
        if (self.still >= STILL_FRAMES && !busy) || self.still >= STUCK_FRAMES {
            return Ok(Some(report));
        }
        self.last = Some(values);
        if self.started.elapsed() > limit {
            return Err(format!(
                "the view was still changing after {} s ({} frames)",
                limit.as_secs(),
                self.frames
            ));
        }
        Ok(None)
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The view being played.
    pub fn view(&self) -> &dyn View {
        &*self.headless.view
    }
}

/// Plays a view until its report holds still; returns the report and the frames drawn.
pub fn play(view: Box<dyn View>, limit: Duration) -> Result<(ViewReport, u64), String> {
    let mut player = StepPlayer::new(view);
    loop {
        if let Some(report) = player.advance(limit)? {
            return Ok((report, player.frames()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::views;

    /// A view played in a reused context (another view's memory cleared, its fonts kept) reports exactly
    /// what it reports in a fresh one, and the context is handed back for the next.
    #[test]
    fn a_reused_context_plays_as_a_fresh_one() {
        let open = |anchor: &str, query: &[(&str, &str)]| {
            let mut view = views::by_anchor(anchor).expect("a view");
            let query: Vec<(String, String)> = query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            view.apply_query(&query).expect("the link applies");
            view
        };
        let link = [("step", "40")];
        SPARE.with_borrow_mut(Vec::clear);
        let fresh = play(open("stackelberg", &link), Duration::from_secs(120)).expect("plays");
        let spare = SPARE
            .with_borrow(|s| s.first().cloned())
            .expect("handed back");
        // Another view in that context, then the same link again: it gets the same (cleared) context.
        play(
            open("playground", &[("step", "5")]),
            Duration::from_secs(120),
        )
        .expect("plays");
        let reused = Headless::new(open("stackelberg", &link));
        assert!(reused.ctx == spare, "the spare context is reused");
        drop(reused);
        let again = play(open("stackelberg", &link), Duration::from_secs(120)).expect("plays");
        // The numbers, not the frame count: how many frames a play takes follows each frame's wall-clock
        // budget, which a loaded machine (or a first GPU initialisation) spends sooner.
        assert_eq!(fresh.0.values, again.0.values);
    }
}
