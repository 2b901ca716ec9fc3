//! The one trait every view implements (like egui demo's `Demo`/`View`), and what the shell lends a view
//! each frame.

use crate::app::look::Look;
use crate::gpu::{ComputeRuntime, SelfCheck};
use crate::status::UiRect;

/// What a view may use while drawing.
pub struct ViewCtx<'a> {
    pub runtime: &'a mut ComputeRuntime,
    pub self_check: &'a mut SelfCheck,
    pub look: Look,
    /// Where the view reports its controls and numbers for the status JSON (browser tests, bug reports).
    pub report: &'a mut ViewReport,
    /// A link (`#view?…`) the view asks the shell to open after this frame: a lesson card, a figure, a
    /// lesson's step. The shell switches tabs and writes the URL.
    pub navigate: &'a mut Option<String>,
}

/// A view's controls (CSS-pixel rectangles) and its state in numbers, rebuilt every frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ViewReport {
    pub controls: Vec<UiRect>,
    pub values: serde_json::Map<String, serde_json::Value>,
}

impl ViewReport {
    /// Publishes a control's rectangle under `id`.
    pub fn control(&mut self, id: &'static str, response: &egui::Response) {
        self.controls.push(UiRect::of(id, response));
    }

    /// Publishes a spot that is not a widget (e.g. a draggable marker) as a small square around `pos`.
    pub fn spot(&mut self, id: &'static str, ctx: &egui::Context, pos: egui::Pos2) {
        self.controls.push(UiRect::at(
            id,
            ctx,
            egui::Rect::from_center_size(pos, egui::vec2(4.0, 4.0)),
        ));
    }

    /// Publishes a value.
    pub fn value(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        self.values.insert(key.to_owned(), value.into());
    }
}

/// One tab of the app.
pub trait View {
    /// Stable id used in the URL hash (`#<anchor>`), e.g. `"stackelberg"`.
    fn anchor(&self) -> &'static str;

    /// Tab title.
    fn title(&self) -> &'static str;

    /// Draws the view; long work is time-sliced across frames or dispatched to the GPU.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>);

    /// Back to the view's defaults ("reset this view").
    fn reset(&mut self);

    /// The view's scenario as URL query pairs, so a shared link restores it. Empty when stateless.
    fn to_query(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The view's state as JSON, typed as its scenario struct (for its document: `app::document`).
    /// `None` for views without a scenario.
    fn state_json(&self) -> Option<serde_json::Value> {
        None
    }

    /// Restores a scenario from URL query pairs; an error names the offending field and its range.
    fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
        match query.first() {
            None => Ok(()),
            Some((key, _)) => Err(format!(
                "URL parameter `{key}`: this view takes no parameters"
            )),
        }
    }
}

/// The state half of a view's [`View`] impl, the same in every view with a scenario kept in `self.state`:
/// `reset` (back to `Default`), `state_json`, and its link. `view_state!(State, last)` is for a view that
/// steps a run through `self.playback` (`app::playback`): the link is the state plus `step=k`, at most the
/// state's field `last`. `view_state!(links)` gives `to_query` only, for a view whose `apply_query` does
/// more than set the state.
macro_rules! view_state {
    (links) => {
        fn reset(&mut self) {
            *self = Self::default();
        }

        fn state_json(&self) -> Option<serde_json::Value> {
            serde_json::to_value(&self.state).ok()
        }

        fn to_query(&self) -> Vec<(String, String)> {
            crate::scenario::query::to_query(&self.state)
        }
    };
    ($state:ty, $last:ident) => {
        fn reset(&mut self) {
            *self = Self::default();
        }

        fn state_json(&self) -> Option<serde_json::Value> {
            serde_json::to_value(&self.state).ok()
        }

        fn to_query(&self) -> Vec<(String, String)> {
            crate::app::playback::link_query(&self.state, self.playback.link_step())
        }

        fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
            let (state, step) =
                crate::app::playback::parse_link(query, |s: &$state| s.$last, stringify!($last))?;
            self.state = state;
            self.playback.open_at(step);
            Ok(())
        }
    };
}
pub(crate) use view_state;
